"""NumPy backend: ``array_api_compat.numpy`` plus ``ufunc.reduceat`` segment kernels."""

from __future__ import annotations

from typing import Any

import array_api_compat.numpy as xp
import numpy as np

from .._structure import Segments
from ._base import Backend, identity

_UFUNCS = {
    "sum": np.add,
    "prod": np.multiply,
    "max": np.maximum,
    "min": np.minimum,
    "any": np.logical_or,
    "all": np.logical_and,
}


class NumpyBackend(Backend):
    name = "numpy"
    xp = xp
    np_like = np

    def owns(self, array: Any) -> bool:
        return isinstance(array, (np.ndarray, np.generic))

    def asarray(self, obj: Any, dtype: Any = None, device: Any = None) -> Any:
        if device not in (None, "cpu"):
            msg = f"the numpy backend has only the 'cpu' device, not {device!r}"
            raise ValueError(msg)
        return np.asarray(obj, dtype=dtype)

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(array)

    def segment_reduce(self, kind: str, data: Any, segments: Segments) -> Any:
        ufunc = _UFUNCS[kind]
        if kind in ("any", "all"):
            data = data.astype(bool, copy=False)
        lengths = segments.lengths
        out_shape = (segments.n, *data.shape[1:])
        if segments.n and lengths.min() > 0:
            # every segment is non-empty: reduceat is exact and needs no fix-up
            return ufunc.reduceat(data, segments.offsets[:-1], axis=0) if data.shape[0] else np.empty(
                out_shape, data.dtype
            )
        out = np.full(out_shape, identity(kind, data.dtype), dtype=data.dtype)
        nonempty = segments.cached("nonempty", lambda: np.flatnonzero(lengths))
        if len(nonempty):
            out[nonempty] = ufunc.reduceat(data, segments.offsets[:-1][nonempty], axis=0)
        return out

    def scatter_reduce(self, kind: str, data: Any, ids: np.ndarray, n: int, owner: Any, key: Any) -> Any:
        # sort the ids once per structure, then reduce contiguous runs with reduceat
        def make() -> tuple[np.ndarray, Segments]:
            order = np.argsort(ids, kind="stable")
            counts = np.bincount(ids, minlength=n)
            offsets = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(counts, out=offsets[1:])
            return order, Segments(offsets)

        order, segments = owner.cached(("numpy-scatter", key), make)
        return self.segment_reduce(kind, data[order], segments)


BACKEND = NumpyBackend()
