"""dtypes: the array API dtype objects and conversion to each backend's dtypes.

raggrad's dtype objects are NumPy's (``rg.float32 is np.float32``); they compare equal with
``==`` to the dtype of NumPy content. Each backend converts them to its own dtypes
(``Backend.dtype``) and its dtypes back to NumPy's (``Backend.numpy_dtype``).
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

bool = np.bool_  # noqa: A001 - the array API name
int8 = np.int8
int16 = np.int16
int32 = np.int32
int64 = np.int64
uint8 = np.uint8
uint16 = np.uint16
uint32 = np.uint32
uint64 = np.uint64
float32 = np.float32
float64 = np.float64
complex64 = np.complex64
complex128 = np.complex128


#: the kinds of NumPy dtype raggrad holds: booleans, integers, floats, complex numbers
NUMERIC_KINDS = "biufc"


def is_numeric(dtype: np.dtype) -> builtins.bool:
    """Whether ``dtype`` holds numbers or booleans (ml_dtypes' bfloat16 and float8 included)."""
    dtype = np.dtype(dtype)
    return dtype.kind in NUMERIC_KINDS or (dtype.kind == "V" and dtype.name.startswith(("bfloat", "float")))


def check_fits(
    value: Any, dtype: np.dtype, name: str, *, real: builtins.bool = False, finite: builtins.bool = False
) -> None:
    """NumPy's rule for an integer put into an integer array (a fill value): one that ``dtype``
    cannot hold raises ``OverflowError`` (jax and torch would wrap it around, or raise their own).
    With ``real``, a complex number for a real dtype raises ``TypeError`` (NumPy warns and drops
    its imaginary part: an array made of it). With ``finite``, a float for an integer dtype whose
    integer part the dtype cannot hold (NaN, ±inf, 1e30 in int64, 256.0 in uint8) raises
    ``ValueError``: NumPy warns and stores an arbitrary integer. (It truncates 2.5 to 2, as here.)"""
    if real and isinstance(value, complex) and np.dtype(dtype).kind != "c":
        msg = f"{name}: a complex fill value ({value}) in {np.dtype(dtype)}; give a complex dtype"
        raise TypeError(msg)
    if finite and isinstance(value, float | np.floating) and np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        if not (np.isfinite(value) and info.min <= math.trunc(float(value)) <= info.max):
            msg = f"{name}: the fill value {value} does not fit in {np.dtype(dtype)}; use a float dtype"
            raise ValueError(msg)
    if isinstance(value, int | np.integer) and not isinstance(value, bool) and np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        if not info.min <= int(value) <= info.max:
            msg = f"{name}: {value} does not fit in {np.dtype(dtype)}; use a dtype that holds it (rg.astype)"
            raise OverflowError(msg)


def check_numeric(dtype: np.dtype, name: str) -> None:
    """``TypeError`` unless ``dtype`` (a NumPy dtype) is a number or boolean dtype."""
    if not is_numeric(dtype):
        msg = f"{name}: raggrad holds numbers and booleans only, not dtype {np.dtype(dtype)}"
        raise TypeError(msg)


def check_fill(fill_value: Any, dtype: np.dtype, name: str) -> None:
    """``TypeError`` when ``fill_value`` is not a number; ``ValueError`` when it cannot be stored
    exactly in ``dtype`` (NaN or 2.0**63 in int64, a complex number in real numbers)."""
    if (
        fill_value is None
        or isinstance(fill_value, (str, bytes))
        or (isinstance(fill_value, (np.ndarray, np.generic)) and not is_numeric(fill_value.dtype))
    ):
        msg = f"{name}: fill_value must be a number or a boolean, not {fill_value!r}"
        raise TypeError(msg)
    if dtype.kind == "c":
        return
    if dtype.kind == "f":
        ok = not np.iscomplexobj(fill_value)  # NumPy would drop the imaginary part
    else:
        value = np.asarray(fill_value)
        ok = value.dtype.kind in "biu" or (
            value.dtype.kind == "f" and builtins.bool(np.all(np.isfinite(value)))
        )
        if ok and value.dtype.kind == "f":
            ok = builtins.bool(np.all(value == np.round(value)))
        if ok and dtype.kind in "iu":
            # Python ints and floats compare exactly (NumPy would round the bounds to float64)
            low, high = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
            ok = all(low <= v <= high for v in value.ravel().tolist())
        if ok and dtype.kind == "b":
            ok = builtins.bool(np.all((value == 0) | (value == 1)))
    if not ok:
        wider = "complex128" if np.iscomplexobj(fill_value) else "float64"
        msg = (
            f"{name}: fill_value={fill_value!r} cannot be stored in the array's dtype {dtype}; "
            f"convert first (rg.astype(x, rg.{wider})) or choose a value of that dtype"
        )
        raise ValueError(msg)
