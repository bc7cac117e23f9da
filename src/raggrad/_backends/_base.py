"""The backend interface: what a backend provides beyond its array-API namespace."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dtypes import np_dtype
from .._structure import Segments

# Reduction kinds understood by ``segment_reduce``/``scatter_reduce``: empty segments get the
# identity of :func:`identity`. Scan kinds understood by ``segment_scan``.
KINDS = ("sum", "prod", "max", "min", "any", "all")
SCAN_KINDS = ("sum", "prod")


class Backend:
    """One array library. Generic code uses ``xp``; structure work uses the kernels below."""

    name: str = ""
    xp: Any = None
    #: the backend's NumPy-like module (``numpy``, ``jax.numpy``): NumPy ufunc names and signatures
    np_like: Any = None

    # ---- arrays -------------------------------------------------------------------------
    def owns(self, array: Any) -> bool:
        raise NotImplementedError

    def asarray(self, obj: Any, dtype: Any = None, device: Any = None) -> Any:
        raise NotImplementedError

    def to_numpy(self, array: Any) -> np.ndarray:
        raise NotImplementedError

    def device_of(self, array: Any) -> Any:
        return "cpu"

    def is_concrete(self, array: Any) -> bool:
        """False for values being traced (jit, grad): they cannot be inspected on the host."""
        return True

    def default_float(self) -> Any:
        return self.xp.float64

    def result_dtype(self, fname: str, dtype: Any) -> Any:
        """dtype of ``np_like.<fname>`` applied to an array of ``dtype`` (the backend's own rule)."""
        key = (self.name, fname, dtype)
        try:
            return self._dtype_cache[key]
        except KeyError:
            out = getattr(self.np_like, fname)(self.np_like.ones(1, dtype=dtype)).dtype
            self._dtype_cache[key] = out
            return out

    _dtype_cache: dict[Any, Any] = {}  # noqa: RUF012 - shared on purpose: keys start with the backend name

    def stop_gradient(self, array: Any) -> Any:
        """``array`` treated as a constant by automatic differentiation (identity without autodiff)."""
        return array

    def convert_from(self, array: Any, source: Backend) -> Any:
        """``array`` of backend ``source`` as this backend's array without a copy, or None."""
        return None

    def convert_to(self, array: Any, target: Backend) -> Any:
        """``array`` (this backend's) as ``target``'s array without a copy, or None."""
        return None

    # ---- structure kernels --------------------------------------------------------------
    def index(self, owner: Segments | Any, key: Any, host: np.ndarray, like: Any) -> Any:
        """``host`` (an int array derived from structure) on ``like``'s device, cached on ``owner``."""
        return host

    def take(self, data: Any, index: np.ndarray, owner: Any, key: Any) -> Any:
        """``data[index]`` along axis 0, ``index`` an int array derived from structure."""
        return data[self.index(owner, key, index, data)]

    def segment_ids(self, segments: Segments, like: Any) -> Any:
        """The segment id of every element of ``segments`` as a backend int array."""
        return self.index(segments, "ids", segments.ids, like)

    def segment_reduce(self, kind: str, data: Any, segments: Segments) -> Any:
        """Reduce axis 0 of ``data`` within each contiguous segment; empty segments get the identity."""
        raise NotImplementedError

    def segment_expand(self, values: Any, segments: Segments) -> Any:
        """``values`` (one per segment along axis 0) repeated over the elements of each segment."""
        return self.take(values, segments.ids, segments, "ids")

    def scatter_reduce(self, kind: str, data: Any, ids: np.ndarray, n: int, owner: Any, key: Any) -> Any:
        """Reduce axis 0 of ``data`` into ``n`` groups given by (unsorted) ``ids``.

        ``owner.cached`` holds whatever the backend derives from ``ids`` (device copies, a sort),
        under keys that start with ``key``.
        """
        raise NotImplementedError

    def segment_scan(self, kind: str, data: Any, segments: Segments) -> Any:
        """Inclusive cumulative ``kind`` ("sum" or "prod") along axis 0 within each segment."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<raggrad backend {self.name!r}>"


def identity(kind: str, dtype: np.dtype) -> Any:
    """The identity of a reduction for ``dtype`` (a NumPy, JAX or torch dtype)."""
    dtype = np_dtype(dtype)
    if kind == "sum":
        return 0
    if kind == "prod":
        return 1
    if kind == "any":
        return False
    if kind == "all":
        return True
    if dtype.kind == "b":
        return kind == "min"
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min if kind == "max" else info.max
    return -np.inf if kind == "max" else np.inf
