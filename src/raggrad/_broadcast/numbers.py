"""Numbers beside arrays in elementwise kernels: NumPy's rule on every backend.

A Python int beside integer arrays takes their dtype (NEP 50), so where the result is computed in
that dtype, an int the dtype cannot hold raises ``OverflowError`` (NumPy's ``int8 + 300``);
jax and torch would wrap it around, and ``np.where`` does (it reads its scalars as int64 arrays).
Comparisons and true division are not computed in the integer dtype and take any int; where the
result is computed in floats, an int beyond int64 is its value as a float (``float32 + 2**70``). A NumPy
integer scalar or 0-d array keeps its own dtype; jax without x64 narrows int64 to int32, and a
value that does not fit raises there as an array's does (``Backend.number``). Torch reads a NumPy
scalar as the Python number it holds, so there it is checked as one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backends
from .rules import is_scalar

__all__ = ["INT64", "numbers"]

#: elementwise functions whose result, beside integer arrays only, has their integer dtype
_INTEGER_RESULT = frozenset(
    """
    add subtract multiply floor_divide remainder mod fmod power pow maximum minimum fmax fmin
    where clip bitwise_and bitwise_or bitwise_xor left_shift right_shift bitwise_left_shift
    bitwise_right_shift gcd lcm
    """.split()  # noqa: SIM905 - a word list reads better than quoted names
)


#: comparisons: an int beyond the arrays' dtype compares as its value (NumPy's answer), which
#: jax and torch would wrap around first (``int8 < 300`` False where the value is 100)
_COMPARISONS = frozenset(("equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "isclose"))
_CHECKED = _INTEGER_RESULT | _COMPARISONS
INT64 = np.iinfo(np.int64)


def numbers(backend: _backends.Backend, contents: list[Any], name: str) -> list[Any]:
    """``contents`` with NumPy scalars ready for ``backend``, after checking Python ints."""
    out = [backend.number(c) if _typed_number(c) else c for c in contents]
    op = name.rsplit(".", 1)[-1]
    if not any(type(c) is int for c in out):  # (bools are not ints here)
        return out
    dtypes = [backend.numpy_dtype(c.dtype) for c in contents if not is_scalar(c)]
    integers = [d for d in dtypes if d.kind in "iu"]
    floats = any(d.kind not in "biu" for d in dtypes)
    if dtypes and not integers and not floats and op in _INTEGER_RESULT:
        integers = [np.dtype(np.int64)]  # booleans and an int: computed in int64, as in NumPy
    elif not integers or floats or op not in _CHECKED:
        # computed in floats (or booleans compared): an int beyond int64 is its value as a float
        return [float(v) if type(v) is int and not INT64.min <= v <= INT64.max else v for v in out]
    target = np.result_type(*integers)
    info = np.iinfo(target)
    for i, v in enumerate(out):  # (torch reads a NumPy scalar as the Python number it holds)
        if type(v) is not int or info.min <= v <= info.max:
            continue
        if op in _COMPARISONS:
            out[i] = float(v)
            continue
        what = "Python integer" if type(contents[i]) is int else "NumPy scalar (torch reads its value)"
        msg = (
            f"{name}: the {what} {v} is out of bounds for {target}, the dtype of the integer "
            "array beside it (NumPy's rule); convert the array first, e.g. rg.astype(x, rg.int64)"
        )
        raise OverflowError(msg)
    return out


def _typed_number(c: Any) -> bool:
    return isinstance(c, np.generic | np.ndarray) and c.ndim == 0
