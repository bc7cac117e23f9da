"""NumPy protocols: NEP-13 ``__array_ufunc__`` and NEP-18 ``__array_function__``.

Both tables come from the op registry. An unregistered function gets ``NotImplemented`` so NumPy
raises its ``TypeError`` naming it: never a silent fallback, never a conversion to dense.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._array import RaggedArray
from .._registry import numpy_functions, ufuncs

__all__ = ["HANDLED_FUNCTIONS", "array_function", "array_ufunc"]

HANDLED_FUNCTIONS = numpy_functions()


def _foreign(values: Any) -> bool:
    for v in values:
        if isinstance(v, (RaggedArray, np.ndarray, np.generic, int, float, complex, bool)):
            continue
        if hasattr(v, "__array_ufunc__") and type(v).__array_ufunc__ is not np.ndarray.__array_ufunc__:
            return True
    return False


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    name = ufunc.__name__
    if method != "__call__":
        msg = (
            f"np.{name}.{method} is not supported on RaggedArrays; use the raggrad reducers "
            "(rg.sum, rg.prod, rg.max, rg.cumulative_sum, ...) with axis="
        )
        raise NotImplementedError(msg)
    out = kwargs.pop("out", None)
    if out is not None and any(o is not None for o in (out if isinstance(out, tuple) else (out,))):
        msg = f"np.{name}: out= is not supported on RaggedArrays (results are new arrays)"
        raise NotImplementedError(msg)
    if kwargs:
        msg = f"np.{name}: keyword arguments {sorted(kwargs)} are not supported on RaggedArrays"
        raise NotImplementedError(msg)
    if _foreign(inputs):
        return NotImplemented
    op = ufuncs().get(ufunc)
    if op is None:
        msg = f"np.{name} is not supported on RaggedArrays"
        raise TypeError(msg)
    if op.numpy_impl is not None:
        return op.numpy_impl(*inputs)
    from .._ops.elementwise import apply_ufunc

    return apply_ufunc(ufunc, inputs)


def array_function(func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    impl = HANDLED_FUNCTIONS.get(func)
    if impl is None:
        return NotImplemented
    if not all(issubclass(t, (RaggedArray, np.ndarray)) for t in types):
        return NotImplemented
    return impl(*args, **kwargs)
