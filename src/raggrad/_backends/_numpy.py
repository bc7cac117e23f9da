"""NumPy backend: ``array_api_compat.numpy`` plus ``ufunc.reduceat`` segment kernels."""

from __future__ import annotations

import importlib
import types
from typing import Any, cast

import numpy as np

from .._dtypes import is_numeric
from .._structure import Segments, offsets_from_lengths
from ._base import Backend, identity

_UFUNCS = {
    "sum": np.add,
    "prod": np.multiply,
    "max": np.maximum,
    "min": np.minimum,
    "any": np.logical_or,
    "all": np.logical_and,
}


class _Namespace:
    """``array_api_compat.numpy``, imported on first use, then stored on the class in place of this.

    Importing it reads every attribute of ``numpy``, which imports ``numpy.testing``, ``numpy.f2py``
    and ``numpy.ma``: as long as NumPy's own import, so ``import raggrad`` leaves it for the first op.
    """

    def __get__(self, obj: object, owner: Any) -> Any:
        compat = importlib.import_module("array_api_compat.numpy")
        xp = types.ModuleType(compat.__name__)
        xp.__dict__.update(vars(compat))
        xp.isdtype = _isdtype(compat.isdtype)  # type: ignore[attr-defined]  # (a module attribute)
        owner.xp = xp
        return xp


def _isdtype(isdtype: Any) -> Any:
    """``isdtype`` that knows ml_dtypes' floats (bfloat16, float8), which NumPy holds and
    ``np.isdtype`` refuses: real floating, as jax reads them."""

    def kernel(dtype: Any, kind: Any) -> bool:
        if not (np.dtype(dtype).kind == "V" and is_numeric(dtype)):
            return cast(bool, isdtype(dtype, kind))
        kinds = kind if isinstance(kind, tuple) else (kind,)
        return any(
            k in ("real floating", "numeric") if isinstance(k, str) else np.dtype(k) == dtype for k in kinds
        )

    return kernel


class NumpyBackend(Backend):
    name = "numpy"
    xp = _Namespace()
    np_like = np
    is_host = True

    def owns(self, array: Any) -> bool:
        return isinstance(array, (np.ndarray, np.generic))

    def asarray(self, obj: Any, dtype: Any = None, device: Any = None) -> Any:
        if device not in (None, "cpu"):
            msg = f"the numpy backend has only the 'cpu' device, not {device!r}"
            raise ValueError(msg)
        return np.asarray(obj, dtype=dtype)

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(array)

    def ufunc(self, name: str) -> Any:
        return getattr(np, name)

    def take(self, data: Any, index: np.ndarray, owner: Any, key: Any) -> Any:
        return data[index]

    def int_content(self, owner: Any, key: Any, host: np.ndarray, like: Any) -> Any:
        return np.array(host, dtype=np.int64)  # a writable copy: host index maps are read-only

    def lexsort(self, keys: tuple[Any, ...], axis: int = -1) -> Any:
        return np.lexsort(keys, axis=axis)  # NumPy's lexsort is stable

    def segment_reduce(self, kind: str, data: Any, segments: Segments) -> Any:
        ufunc = _UFUNCS[kind]
        if kind in ("any", "all") and data.dtype != np.bool_:
            data = data != 0
        n = segments.n
        if segments.cached("all-nonempty", lambda: bool(n) and int(segments.lengths.min()) > 0):
            # every segment is non-empty: reduceat is exact and needs no fix-up (in the data's
            # dtype, as the branch below: NumPy's add would widen int8 and bool to int64)
            return ufunc.reduceat(data, segments.offsets[:-1], axis=0, dtype=data.dtype)
        # Empty segments: reduceat gives data[start] for a segment whose start equals the next
        # one, so reduce over the starts up to the last non-empty segment (all in range) and
        # overwrite the few empty ones with the identity.
        last, empty = segments.cached("empty-fixup", lambda: _empty_fixup(segments))
        out = np.empty((n, *data.shape[1:]), dtype=data.dtype)
        if last:
            ufunc.reduceat(data, segments.offsets[:last], axis=0, out=out[:last])
        ident = identity(kind, data.dtype)
        out[last:] = ident
        out[empty] = ident
        return out

    def scatter_reduce(self, kind: str, data: Any, ids: np.ndarray, n: int, owner: Any, key: Any) -> Any:
        order, segments = _sorted_groups(ids, n, owner, key)
        return self.segment_reduce(kind, data[order], segments)

    def segment_scan(self, kind: str, data: Any, segments: Segments) -> Any:
        # one vectorised step per position within the lists: exact (no prefix-sum cancellation),
        # and the number of steps is the longest list
        ufunc = _UFUNCS[kind]
        out = np.array(data, copy=True)
        for index in _by_position(segments)[1:]:
            out[index] = ufunc(out[index - 1], data[index])
        return out


def _empty_fixup(segments: Segments) -> tuple[int, np.ndarray]:
    """(1 + the last non-empty segment, the empty segments before it)."""
    nonempty = np.flatnonzero(segments.lengths)
    last = int(nonempty[-1]) + 1 if len(nonempty) else 0
    return last, np.flatnonzero(segments.lengths[:last] == 0)


def _sorted_groups(ids: np.ndarray, n: int, owner: Any, key: Any) -> tuple[np.ndarray, Segments]:
    """A stable sort of ``ids`` and the contiguous segments it makes, once per ``owner``."""

    def make() -> tuple[np.ndarray, Segments]:
        order = np.argsort(ids, kind="stable")
        offsets = offsets_from_lengths(np.bincount(ids, minlength=n))
        return order, Segments(offsets)

    return cast(tuple[np.ndarray, Segments], owner.cached(("numpy-scatter", key), make))


def _by_position(segments: Segments) -> list[np.ndarray]:
    """Element indices grouped by their position within their segment (position 0 first)."""

    def make() -> list[np.ndarray]:
        local = segments.local
        order = np.argsort(local, kind="stable")
        bounds = np.cumsum(np.bincount(local, minlength=segments.max_length))
        return np.split(order, bounds[:-1]) if len(order) else []

    return segments.cached("by-position", make)


BACKEND = NumpyBackend()
