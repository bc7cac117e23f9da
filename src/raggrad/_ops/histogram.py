"""Histograms of ragged values: ``histogram``, ``histogram2d`` and ``bincount``, which NumPy's
functions of the same names dispatch to (NEP-18).

Every one counts (or sums weights) over the flattened values; ``histogram`` and ``bincount`` also
per innermost list (``axis`` the innermost ragged axis: one histogram per list). Bins follow NumPy
exactly: edges from ``np.linspace`` over ``range`` (or the values' minimum and maximum, widened by
0.5 each way when they are equal) in NumPy's dtype, each bin half-open ``[a, b)`` but the last one
closed, values outside the range and NaN left out. The counting is one segment sum of the weights
into ``list * bins + bin`` ids, so a histogram is differentiable in its weights; counts are
piecewise constant in the values (derivative zero). Edges computed from the values' range move
with them, and are differentiated that way.

Under ``jax.jit`` (traced values) an automatic range is computed on the device, in the values'
float dtype, so an edge may differ from NumPy's by a few units in the last place (XLA orders the
arithmetic its own way), and a value on an edge may then fall in the neighbouring bin; values that
are not finite (NaN, ±inf), which raise ``ValueError`` eagerly, give non-finite edges there and
meaningless counts. Pass ``range=`` to have the edges computed on the host exactly as NumPy does,
to keep the bins the same for every batch, and to leave non-finite values out.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray, wrap
from .._axes import as_index, classify_axis
from .._bounded import BoundedStructure
from .._errors import check_concrete
from .._registry import register
from .._structure import Structure
from .activations import sigmoid
from .common import poisoned, single
from .reduction_engine import aligned, in_use

__all__ = ["bincount", "histogram", "histogram2d"]


# ---- arguments -----------------------------------------------------------------------------------
def _values(x: Any, name: str) -> RaggedArray:
    x = single(x, name)
    if x._nbatch:
        msg = f"{name}: content with batch dimensions ({x.type!r}) is not supported; use jax.vmap"
        raise NotImplementedError(msg)
    return cast(RaggedArray, x)


def _aligned(x: RaggedArray, other: Any, what: str, name: str) -> tuple[RaggedArray, Any]:
    """``x`` (flagged invalid where bounded lists differ) and the content of ``other`` (weights,
    a second coordinate) with ``x``'s structure, flat."""
    x, theirs = aligned(x, other, what, name)
    xp = x._backend.xp
    if not xp.isdtype(theirs.dtype, ("bool", "integral", "real floating")):
        msg = f"{name}: {what} must hold real numbers, got dtype {theirs.dtype}"
        raise TypeError(msg)
    return x, xp.reshape(theirs, (-1,))


def _axis(x: RaggedArray, axis: Any, name: str) -> bool:
    """Whether the histograms are per innermost list (``axis`` names that ragged axis)."""
    if axis is None:
        return False
    kind, k = classify_axis(x, axis, name)
    if kind == "level" and k == x._structure.nlevels - 1:
        return True
    msg = (
        f"{name}: axis={axis!r} of {x.type!r}: give axis=None (every value) or the innermost ragged "
        f"axis ({x._structure.nlevels}, one histogram per list)"
    )
    raise NotImplementedError(msg)


def _used(x: RaggedArray) -> Any:
    """Which flattened values are in use (None: all; a bounded array's padding is not)."""
    if not isinstance(x._structure, BoundedStructure):
        return None
    return x._backend.xp.reshape(in_use(x), (-1,))


def _float_dtype(backend: _backends.Backend, dtype: Any) -> Any:
    """``dtype`` if it is floating, else the backend's default float (NumPy's bin dtype)."""
    return dtype if backend.xp.isdtype(dtype, "real floating") else backend.default_float()


# ---- bin edges -----------------------------------------------------------------------------------
def _outer(backend: _backends.Backend, v: Any, used: Any, span: Any, name: str) -> tuple[Any, Any] | None:
    """NumPy's first and last edge (``np.histogram``'s ``_get_outer_edges``): ``range`` as given,
    or the values' minimum and maximum as scalars of their dtype (NumPy's ``linspace`` then computes
    in that dtype); None when the values are traced."""
    if span is not None:
        try:
            first, last = span
            lo, hi = float(first), float(last)
        except (TypeError, ValueError):
            msg = f"{name}: range must be a pair (min, max) of numbers, got {span!r}"
            raise TypeError(msg) from None
        if lo > hi:
            msg = f"{name}: max must be larger than min in range=({lo}, {hi})"
            raise ValueError(msg)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            msg = f"{name}: the supplied range [{lo}, {hi}] is not finite"
            raise ValueError(msg)
    elif not backend.is_concrete(v):
        return None
    else:
        host = backend.to_numpy(v if used is None else v[used])
        first, last = (np.min(host), np.max(host)) if host.size else (0, 1)
        if not (np.isfinite(first) and np.isfinite(last)):
            msg = f"{name}: the values' range [{first}, {last}] is not finite; pass range="
            raise ValueError(msg)
    if first == last:
        first, last = first - 0.5, last + 0.5
    return first, last


def _edges(backend: _backends.Backend, v: Any, used: Any, bins: Any, span: Any, name: str, nd: bool) -> Any:
    """The bin edges as a 1-d backend array on ``v``'s device, NumPy's (``nd``: ``histogramdd``'s,
    whose ``linspace`` gets no dtype)."""
    xp = backend.xp
    device = backend.device_of(v) if backend.is_concrete(v) else None
    device = None if isinstance(device, (set, frozenset)) else device  # (a sharded jax array)
    if isinstance(bins, str):
        msg = f"{name}: bins={bins!r} (an estimator) is not supported; give a number of bins or the edges"
        raise NotImplementedError(msg)
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, (bool, np.bool_)):
        n = as_index(bins, "bins", name)
        if n < 1:
            msg = f"{name}: bins must be positive, when an integer; got {n}"
            raise ValueError(msg)
        outer = _outer(backend, v, used, span, name)
        if outer is None:
            return _traced_edges(xp, v, used, n, _float_dtype(backend, v.dtype))
        dtype = None
        if not nd:  # np.histogram's bin_type: the edges' and values' dtype, at least float
            dtype = np.result_type(*outer, backend.numpy_dtype(v.dtype))
            dtype = np.result_type(dtype, 1.0) if dtype.kind in "biu" else dtype
        host = np.linspace(*outer, n + 1, endpoint=True, dtype=dtype)
        return backend.asarray(host, device=device)
    edges = bins if backend.owns(bins) else np.asarray(bins)
    if isinstance(edges, np.ndarray) and not backend.is_host:
        edges = backend.asarray(edges, device=device)
    if len(edges.shape) != 1 or edges.shape[0] < 1:
        msg = f"{name}: bins must be an integer or a 1-d array of edges, got shape {tuple(edges.shape)}"
        raise ValueError(msg)
    if backend.is_concrete(edges) and bool(np.any(np.diff(backend.to_numpy(edges)) < 0)):
        msg = f"{name}: bins must increase monotonically, when an array"
        raise ValueError(msg)
    return edges


def _traced_edges(xp: Any, v: Any, used: Any, n: int, dtype: Any) -> Any:
    """``np.linspace(min, max, n + 1)`` of the values in use, on the device (traced values)."""
    v = xp.astype(v, dtype)
    inf = xp.asarray(math.inf, dtype=dtype)
    if v.shape[0] == 0:
        lo, hi = inf, -inf
    else:
        lo = xp.min(v if used is None else xp.where(used, v, inf))
        hi = xp.max(v if used is None else xp.where(used, v, -inf))
    empty = lo > hi  # no values: NumPy's range (0, 1)
    lo, hi = xp.where(empty, 0.0, lo), xp.where(empty, 1.0, hi)
    same = lo == hi
    lo, hi = xp.where(same, lo - 0.5, lo), xp.where(same, hi + 0.5, hi)
    steps = xp.arange(n, dtype=dtype) * ((hi - lo) / n) + lo  # np.linspace's formula, stop exact
    return xp.concat([steps, xp.reshape(hi, (1,))])


def _bin_ids(xp: Any, v: Any, edges: Any) -> Any:
    """Each value's bin in ``[0, bins)``, or ``bins`` for values outside the edges (and NaN)."""
    common = xp.result_type(v.dtype, edges.dtype)
    v, e = xp.astype(v, common), xp.astype(edges, common)
    n = e.shape[0] - 1
    i = xp.searchsorted(e, v, side="right") - 1
    i = xp.where(v == e[-1], n - 1, i)  # the last bin is closed
    return xp.where((i >= 0) & (i < n), i, n)


# ---- counting ------------------------------------------------------------------------------------
def _count(
    name: str,
    x: RaggedArray,
    ids: Any,
    nbins: int,
    weights: Any,
    per_list: bool,
    dtype: Any,
    inner: tuple[int, ...],
) -> RaggedArray:
    """Sum ``weights`` (ones when None) into ``nbins`` bins (``ids == nbins``: left out), over all
    values or per innermost list; the result's inner dims are ``inner`` (``prod(inner) == nbins``)."""
    backend, s = x._backend, x._structure
    xp = backend.xp
    size = math.prod(s.inner)
    used = _used(x)
    if used is not None:
        ids = xp.where(used, ids, nbins)
    lists = 1
    if per_list:
        bounded = isinstance(s, BoundedStructure)
        lists = cast(BoundedStructure, s).capacities[-2] if bounded else s.levels[-1].n
        owner = (
            cast(BoundedStructure, s).ids(s.nlevels - 1)
            if bounded
            else backend.segment_ids(s.levels[-1], x._content)
        )
        if size != 1:
            owner = xp.reshape(xp.broadcast_to(xp.reshape(owner, (-1, 1)), (owner.shape[0], size)), (-1,))
        ids = xp.where(ids < nbins, xp.astype(owner, ids.dtype) * nbins + ids, lists * nbins)
    data = xp.ones_like(ids, dtype=dtype) if weights is None else xp.astype(weights, dtype)
    # boolean weights: NumPy's sum of booleans in their own dtype is their "or", a maximum
    total = "max" if xp.isdtype(data.dtype, "bool") else "sum"
    out = backend.segment_reduce_ids(total, data, ids, lists * nbins, sorted_ids=False)
    if not per_list:  # no lists left to flag an invalid bounded input: NaN (or raise) instead
        out = poisoned(backend, out, s.valid, name) if isinstance(s, BoundedStructure) else out
        return cast(RaggedArray, wrap(None, xp.reshape(out, inner)))
    out = xp.reshape(out, (lists, *inner))
    if isinstance(s, BoundedStructure):
        levels, caps, ids_given = s.levels[:-1], s.capacities[:-1], s.given_ids[:-1]
        return RaggedArray._new(BoundedStructure(s.count, levels, caps, inner, s.valid, ids_given), out)
    return RaggedArray._new(Structure(s.length, s.levels[:-1], inner), out)


def _density(hist: RaggedArray, widths: list[Any], per_list: bool) -> RaggedArray:
    """NumPy's ``density=True``: counts divided by the bin volumes and by their total (NaN for 0)."""
    xp = hist._backend.xp
    h = hist._content
    dtype = xp.result_type(h.dtype, *(w.dtype for w in widths))  # NumPy's counts / widths
    if not xp.isdtype(dtype, "real floating"):
        dtype = xp.result_type(dtype, hist._backend.default_float())
    h = xp.astype(h, dtype)
    nd = len(widths)
    for k, w in enumerate(widths):
        shape = [1] * len(h.shape)
        shape[len(h.shape) - nd + k] = w.shape[0]
        h = h / xp.astype(xp.reshape(w, tuple(shape)), h.dtype)
    axes = tuple(range(len(h.shape) - nd, len(h.shape)))
    total = xp.sum(hist._content, axis=axes, keepdims=True) if per_list else xp.sum(hist._content)
    total = xp.astype(total, h.dtype)
    nonzero = total != 0
    out = xp.where(nonzero, h / xp.where(nonzero, total, xp.ones_like(total)), math.nan)
    s = hist._structure
    if isinstance(s, BoundedStructure) and per_list:  # padding rows hold zeros, not NaN
        rows = s.slot_mask(s.nlevels)
        out = xp.where(xp.reshape(rows, rows.shape + (1,) * nd), out, xp.zeros_like(out))
    return RaggedArray._new(s, out)


def _count_dtype(backend: _backends.Backend, weights: Any, floats: bool) -> Any:
    """The counts' dtype: the backend's ``np.sum`` of booleans (int64 on numpy) or, with
    ``floats``, at least the default float (NumPy's histogram2d, and bincount with weights); with
    weights and no ``floats``, the weights' own (``np.histogram``)."""
    if weights is None:
        return backend.default_float() if floats else backend.result_dtype("sum", np.dtype(np.bool_))
    return backend.xp.result_type(weights.dtype, backend.default_float()) if floats else weights.dtype


# ---- the public functions ------------------------------------------------------------------------
@register("histogram", "structural", numpy=(np.histogram,), numpy_signature=True)
def histogram(
    x: Any,
    /,
    bins: Any = 10,
    range: Any = None,
    *,
    weights: Any = None,
    density: bool | None = None,
    axis: Any = None,
) -> tuple[RaggedArray, RaggedArray]:
    """``(hist, edges)`` of the values, as ``np.histogram`` of the flattened values.

    ``bins`` is a number of equal bins over ``range`` (default: the values' minimum and maximum) or
    the edges themselves; ``weights`` has the values' structure (or broadcasts to it: one weight
    per event for every particle). ``axis`` the innermost ragged axis gives one histogram per list
    (type ``n * bins``), all with the same edges. ``hist`` is differentiable in ``weights``; its
    derivative in the values is zero (counts are piecewise constant). On a bounded array the
    padding is never counted.

    >>> import raggrad as rg
    >>> x = rg.array([[0.5, 1.5, 1.5], [], [2.5, 3.0]])
    >>> hist, edges = rg.histogram(x, bins=3, range=(0, 3))
    >>> hist.to_list(), edges.to_list()
    ([1, 2, 2], [0.0, 1.0, 2.0, 3.0])
    >>> rg.histogram(x, bins=3, range=(0, 3), axis=1)[0].to_list()
    [[1, 2, 0], [0, 0, 0], [0, 0, 2]]
    """
    name = "rg.histogram"
    x = _values(x, name)
    backend = x._backend
    xp = backend.xp
    per_list = _axis(x, axis, name)
    x, w = (x, None) if weights is None else _aligned(x, weights, "weights", name)
    v = xp.reshape(x._content, (-1,))
    if xp.isdtype(v.dtype, "bool"):  # as NumPy, which warns
        v = xp.astype(v, xp.uint8)
    edges = _edges(backend, v, _used(x), bins, range, name, nd=False)
    nbins = int(edges.shape[0]) - 1
    ids = _bin_ids(xp, v, edges)
    hist = _count(name, x, ids, nbins, w, per_list, _count_dtype(backend, w, False), (nbins,))
    if density:
        hist = _density(hist, [edges[1:] - edges[:-1]], per_list)
    return hist, wrap(None, edges)


def _pair(bins: Any) -> tuple[Any, Any]:
    """NumPy's reading of histogram2d's ``bins``: one for both, a pair, or one array of edges."""
    if isinstance(bins, (int, np.integer, str)):
        return bins, bins
    try:
        n = len(bins)
    except TypeError:
        return bins, bins
    if n == 1:
        msg = f"rg.histogram2d: bins={bins!r} has one entry; give one (a number or edges) for both, or two"
        raise ValueError(msg)
    return (bins[0], bins[1]) if n == 2 else (bins, bins)


@register("histogram2d", "structural", numpy=(np.histogram2d,), numpy_signature=True)
def histogram2d(
    x: Any,
    /,
    y: Any,
    bins: Any = 10,
    range: Any = None,
    *,
    weights: Any = None,
    density: bool | None = None,
) -> tuple[RaggedArray, RaggedArray, RaggedArray]:
    """``(hist, xedges, yedges)`` of pairs of values, as ``np.histogram2d`` of the flattened values.

    ``y`` (and ``weights``) have ``x``'s structure. ``bins``: a number, a pair of numbers or of edge
    arrays, or one array of edges for both; ``range``: ``[(xmin, xmax), (ymin, ymax)]``. As NumPy's,
    the counts are floats.

    >>> import raggrad as rg
    >>> x = rg.array([[0.5, 1.5], [], [1.5]])
    >>> y = rg.array([[0.5, 0.5], [], [1.5]])
    >>> rg.histogram2d(x, y, bins=2, range=[(0, 2), (0, 2)])[0].to_list()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    name = "rg.histogram2d"
    x = _values(x, name)
    backend = x._backend
    xp = backend.xp
    x, v = _aligned(x, y, "y", name)
    u = xp.reshape(x._content, (-1,))
    common = xp.result_type(u.dtype, v.dtype)  # NumPy stacks the coordinates into one array
    u, v = xp.astype(u, common), xp.astype(v, common)
    x, w = (x, None) if weights is None else _aligned(x, weights, "weights", name)
    spans = (None, None) if range is None else tuple(range)
    if len(spans) != 2:
        msg = f"{name}: range must be [(xmin, xmax), (ymin, ymax)], got {range!r}"
        raise ValueError(msg)
    used = _used(x)
    edges = [_edges(backend, c, used, b, r, name, nd=True) for c, b, r in zip((u, v), _pair(bins), spans)]
    nx, ny = (int(e.shape[0]) - 1 for e in edges)
    ix, iy = (_bin_ids(xp, c, e) for c, e in zip((u, v), edges, strict=True))
    ids = xp.where((ix < nx) & (iy < ny), ix * ny + iy, nx * ny)
    hist = _count(name, x, ids, nx * ny, w, False, _count_dtype(backend, w, True), (nx, ny))
    if density:
        hist = _density(hist, [e[1:] - e[:-1] for e in edges], False)
    return hist, wrap(None, edges[0]), wrap(None, edges[1])


@register("bincount", "structural", numpy=(np.bincount,), numpy_signature=True)
def bincount(
    x: Any, /, weights: Any = None, minlength: int = 0, *, length: int | None = None, axis: Any = None
) -> RaggedArray:
    """How often each non-negative integer occurs (or the sum of its ``weights``), as ``np.bincount``
    of the flattened values: ``max(x) + 1`` counts, at least ``minlength``.

    The number of counts depends on the values; inside ``jax.jit`` give it as ``length=`` (static,
    as ``jnp.bincount``): values ``>= length`` are then left out, and so are negative ones there
    (concrete negative values raise ``ValueError``, as in NumPy). Weighted counts are floats, as
    NumPy's, and differentiable in ``weights``. ``axis`` the innermost ragged axis counts per list.

    >>> import raggrad as rg
    >>> x = rg.array([[0, 1, 1], [], [3]])
    >>> rg.bincount(x).to_list(), rg.bincount(x, axis=1, length=2).to_list()
    ([1, 2, 0, 1], [[1, 2], [0, 0], [0, 0]])
    """
    name = "rg.bincount"
    x = _values(x, name)
    backend = x._backend
    xp = backend.xp
    per_list = _axis(x, axis, name)
    if not xp.isdtype(x._content.dtype, ("bool", "integral")):
        msg = f"{name}: x must hold non-negative integers, not {x._content.dtype}; convert with rg.astype"
        raise TypeError(msg)
    minlength = as_index(minlength, "minlength", name)
    if minlength < 0:
        msg = f"{name}: minlength must be non-negative, got {minlength}"
        raise ValueError(msg)
    x, w = (x, None) if weights is None else _aligned(x, weights, "weights", name)
    v = xp.astype(xp.reshape(x._content, (-1,)), backend.result_dtype("sum", np.dtype(np.bool_)))
    used = _used(x)
    if length is None:
        alternative = f"pass length= (the number of counts, static) to {name} inside a transformation"
        check_concrete(backend, v, name, "x", alternative)
    if backend.is_concrete(v):  # negative values are refused as NumPy does, with length= too
        host = backend.to_numpy(v if used is None else v[used])
        if host.size and int(host.min()) < 0:
            msg = f"{name}: x must have no negative elements, got {int(host.min())}"
            raise ValueError(msg)
    if length is None:
        nbins = builtins.max(minlength, int(host.max()) + 1 if host.size else 0)
    else:
        nbins = as_index(length, "length", name)
        if nbins < 0:
            msg = f"{name}: length must be non-negative, got {nbins}"
            raise ValueError(msg)
    ids = xp.where((v >= 0) & (v < nbins), v, nbins)
    return _count(name, x, ids, nbins, w, per_list, _count_dtype(backend, w, w is not None), (nbins,))


# ---- soft histograms (rg.hep.soft_histogram) ------------------------------------------------------
def logistic_cdf(z: Any) -> Any:
    """The logistic CDF of unit variance (``rg.hep.soft_histogram``'s default kernel)."""
    # the logistic distribution's CDF scaled to unit variance (its scale is sqrt(3) / pi)
    return sigmoid(z * (math.pi / math.sqrt(3.0)))


def scalar_bandwidth(bandwidth: Any, bins: Any, name: str) -> Any:
    """``bandwidth``, checked to be one number (Python, NumPy or a 0-d backend array), and ``bins``
    to be no estimator's name (``soft_histogram`` takes the edges)."""
    kinds = (RaggedArray, str, list, tuple, bool, np.bool_)
    if bandwidth is None or isinstance(bandwidth, kinds) or len(getattr(bandwidth, "shape", ())):
        msg = f"{name}: bandwidth must be one positive number, not {bandwidth!r}"
        raise TypeError(msg)
    if isinstance(bins, str):
        msg = f"{name}: bins must be the edges (a 1-d array), not {bins!r}"
        raise TypeError(msg)
    return bandwidth


def soft_binned(
    values: RaggedArray, w: Any, edges: Any, bandwidth: Any, cdf: Callable[[Any], Any]
) -> RaggedArray:
    """``soft_histogram`` of flat values (``w``: the weights' content or None), one edge at a time
    in ``scan`` (on JAX a loop: the values are computed once, not once per bin or edge)."""
    backend, content, s = values._backend, values._content, values._structure
    xp = backend.xp
    if isinstance(s, BoundedStructure):  # padding slots: never counted
        used = s.slot_mask(0)
        content = xp.where(used, content, xp.zeros_like(content))
        w = xp.astype(used, content.dtype) if w is None else xp.where(used, w, xp.zeros_like(w))
    bandwidth = bandwidth._content if isinstance(bandwidth, RaggedArray) else bandwidth

    def below(edge: Any) -> Any:
        return cdf(single((edge - content) / bandwidth, "rg.hep.soft_histogram"))._content

    def step(low: Any, edge: Any) -> tuple[Any, Any]:
        # the differences are taken per value: no cancellation between large cumulative sums
        # (which float32 would lose in the bins far from the bulk)
        high = below(edge)
        inside = high - low
        return high, xp.sum(inside if w is None else inside * w)

    out = backend.scan(step, below(edges[0]), edges[1:])[1]
    if isinstance(s, BoundedStructure):  # an invalid input (e.g. more pairs than capacity): NaN bins
        out = poisoned(backend, out, s.valid, "rg.hep.soft_histogram")
    return single(out, "rg.hep.soft_histogram")
