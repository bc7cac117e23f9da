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


_SIMPLE = (RaggedArray, np.ndarray, np.generic, int, float, complex, bool)


def _foreign(values: Any) -> bool:
    for v in values:
        if isinstance(v, _SIMPLE):
            continue
        if hasattr(v, "__array_ufunc__") and type(v).__array_ufunc__ is not np.ndarray.__array_ufunc__:
            return True
    return False


_IMPLS: dict[np.ufunc, Any] = {}


def _ufunc_impl(ufunc: np.ufunc) -> Any:
    op = ufuncs().get(ufunc)
    if op is None:
        msg = (
            f"np.{ufunc.__name__} is not supported on RaggedArrays "
            "(the op table in docs/ops.md lists those that are)"
        )
        raise TypeError(msg)
    from .._ops.elementwise import UFUNC_IMPLS

    impl = _IMPLS[ufunc] = UFUNC_IMPLS.get(ufunc) or op.numpy_impl or op.func
    return impl


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """NEP-13: decline ``out=`` and methods other than ``__call__``, then delegate to the registry."""
    if method != "__call__":
        msg = (
            f"np.{ufunc.__name__}.{method} is not supported on RaggedArrays; use the raggrad reducers "
            "(rg.sum, rg.prod, rg.max, rg.cumulative_sum, ...) with axis="
        )
        raise NotImplementedError(msg)
    if kwargs:
        _check_kwargs(ufunc.__name__, kwargs)
    if _foreign(inputs):
        return NotImplemented
    impl = _IMPLS.get(ufunc) or _ufunc_impl(ufunc)
    return impl(*inputs)


def _check_kwargs(name: str, kwargs: dict[str, Any]) -> None:
    out = kwargs.pop("out", None)
    if out is not None and any(o is not None for o in (out if isinstance(out, tuple) else (out,))):
        msg = f"np.{name}: out= is not supported on RaggedArrays (results are new arrays)"
        raise NotImplementedError(msg)
    if kwargs:
        msg = f"np.{name}: keyword arguments {sorted(kwargs)} are not supported on RaggedArrays"
        raise NotImplementedError(msg)


def array_function(func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """NEP-18: registered functions only; anything else makes NumPy raise ``TypeError`` naming it."""
    impl = HANDLED_FUNCTIONS.get(func)
    if impl is None:
        return NotImplemented
    for t in types:
        if not issubclass(t, (RaggedArray, np.ndarray)):
            return NotImplemented
    return impl(*args, **kwargs)
