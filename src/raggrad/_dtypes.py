"""dtypes: the array API dtype objects and conversion to each backend's dtypes.

raggrad's dtype objects are NumPy's (``rg.float32 is np.float32``); they compare equal with
``==`` to the dtype of NumPy content, and convert to jax/torch dtypes by name.
"""

from __future__ import annotations

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


def np_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype of a NumPy, JAX or torch dtype (torch dtypes are matched by name)."""
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.dtype(str(dtype).removeprefix("torch."))


def to_backend_dtype(backend: Any, dtype: Any) -> Any:
    """The dtype called like ``dtype`` in ``backend``'s namespace."""
    if dtype is None:
        return None
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype).removeprefix("torch.")
    if name == "bool":
        return backend.xp.bool
    return getattr(backend.xp, name)
