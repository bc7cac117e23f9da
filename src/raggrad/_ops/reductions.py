"""Reductions and statistics over any axis of a ragged array, through one generic helper.

Every reducer is a short ``compute(ctx, data, mask)`` written against a *context* that says how to
reduce and how to send per-result values back to the elements (:class:`_Dense` for regular axes,
where that is a plain ``xp`` reduction with ``keepdims``; :class:`_Ragged` for ragged axes, where it
is a segment reduction); :func:`_reduction` picks the context from ``axis``, moves batch dims out
of the way and builds the result's structure, as JAX writes its reductions through ``_reduction``.

Ragged axis ``a`` (0 is the outer one) follows awkward: elements that differ only in their index
at depth ``a`` combine, lists left-aligned, so ``axis=0`` of ``n * var`` is a column-wise reduction
as long as the longest list. The map from elements to results (the result's offsets and one target
id per element) is computed once per structure and axis with NumPy and cached on the Structure.
"""

from __future__ import annotations

import builtins
import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._array import RaggedArray
from .._axes import normalize_axis
from .._backends import Backend
from .._backends._base import identity
from .._broadcast import broadcast, wrap
from .._dtypes import np_dtype
from .._records import reject
from .._registry import register
from .._structure import Cached, Segments, Structure

__all__ = [
    "all",
    "any",
    "argmax",
    "argmin",
    "count",
    "count_nonzero",
    "cumulative_prod",
    "cumulative_sum",
    "log_softmax",
    "logsumexp",
    "max",
    "mean",
    "min",
    "prod",
    "softmax",
    "std",
    "sum",
    "var",
]


# ---- index maps: once per structure and ragged axis ------------------------------------
class _Plan(Cached):
    """Where the innermost elements go when ragged axis ``a`` is reduced.

    ``result``: the result's structure (no inner dims); ``keep``: the same with the reduced axis
    kept as lists of length 1 (None for the innermost axis, which keeps a regular dim of 1);
    ``targets``: the result element of every element; ``segments``: the same as contiguous
    segments when the targets are sorted (innermost axis); ``counts``: elements per result;
    ``local``: every element's index along axis ``a`` (for argmax).
    """

    __slots__ = ("_cache", "counts", "keep", "local", "n", "owner", "result", "segments", "targets")

    def __init__(self) -> None:
        self._cache: dict[Any, Any] = {}


def _plan(s: Structure, a: int) -> _Plan:
    return s.cached(("reduce-plan", a), lambda: _make_plan(s, a))


def _make_plan(s: Structure, a: int) -> _Plan:
    p = _Plan()
    levels = s.levels
    k = s.nlevels
    if a == k:  # within the innermost lists: contiguous segments
        seg = levels[-1]
        p.segments, p.owner = seg, seg
        p.targets, p.n, p.counts, p.local = seg.ids, seg.n, seg.lengths, seg.local
        p.result, p.keep = Structure(s.length, levels[:-1]), None
        return p
    # Walk down from depth a + 1. A node there is identified, after the reduction, by (its
    # grandparent at depth a - 1, its index within its parent at depth a); deeper nodes by (their
    # parent's new id, their own index). Each new list is as long as the longest one merged into it.
    r = np.zeros(levels[0].size, np.int64) if a == 0 else levels[a - 1].ids[levels[a].ids]
    n_parents = 1 if a == 0 else s.count_at(a - 1)
    local = levels[a].local
    length, new_levels = s.length, []
    for j in range(a + 1, k + 1):
        lengths = np.zeros(n_parents, np.int64)
        np.maximum.at(lengths, r, local + 1)
        offsets = np.zeros(n_parents + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        new_id = offsets[:-1][r] + local
        if j == a + 1 and a == 0:
            length = int(offsets[-1])
        else:
            new_levels.append(Segments(offsets))
        if j < k:
            r, local, n_parents = new_id[levels[j].ids], levels[j].local, int(offsets[-1])
    kept = tuple(levels[: a - 1]) if a else ()
    p.result = Structure(length, (*kept, *new_levels))
    ones = Segments(np.array([0, length])) if a == 0 else Segments(np.arange(s.count_at(a - 1) + 1))
    p.keep = Structure(1 if a == 0 else s.length, (*kept, ones, *new_levels))
    p.targets, p.n, p.segments, p.owner = new_id, p.result.size, None, p
    p.counts = np.bincount(new_id, minlength=p.n)
    p.local = s.ancestors(0) if a == 0 else levels[a - 1].local[s.ancestors(a)]
    return p


# ---- contexts: how to reduce along the chosen axis --------------------------------------
class _Dense:
    """Regular axes of the content: plain reductions with ``keepdims`` (results broadcast back)."""

    def __init__(self, backend: Backend, axes: tuple[int, ...], shape: tuple[int, ...]) -> None:
        self.backend, self.np, self.axes = backend, backend.np_like, axes
        self.size = math.prod([shape[i] for i in axes])  # a list: torch.compile traces it, not a generator

    def reduce(self, kind: str, data: Any) -> Any:
        if kind in ("max", "min") and self.size == 0:
            shape = tuple(1 if i in self.axes else d for i, d in enumerate(data.shape))
            return self.np.full(shape, identity(kind, data.dtype), dtype=data.dtype)
        return getattr(self.np, kind)(data, axis=self.axes, keepdims=True)

    def gather(self, values: Any) -> Any:
        return values

    def count(self, like: Any) -> Any:
        return self.size


class _Ragged:
    """A ragged axis: segment reductions into the plan's targets (data has the elements first)."""

    def __init__(self, backend: Backend, plan: _Plan, rest: int) -> None:
        self.backend, self.np, self.plan, self.rest = backend, backend.np_like, plan, rest

    def reduce(self, kind: str, data: Any) -> Any:
        p = self.plan
        if p.segments is not None:
            return self.backend.segment_reduce(kind, data, p.segments)
        return self.backend.scatter_reduce(kind, data, p.targets, p.n, p, "targets")

    def gather(self, values: Any) -> Any:
        p = self.plan
        if p.segments is not None:
            return self.backend.segment_expand(values, p.segments)
        return values[self.backend.index(p.owner, "targets", p.targets, values)]

    def _column(self, key: str, host: np.ndarray, like: Any) -> Any:
        a = self.backend.index(self.plan, key, host, like)
        return a.reshape(a.shape + (1,) * self.rest)

    def count(self, like: Any) -> Any:
        return self._column("counts", self.plan.counts, like)


Context = _Dense | _Ragged


def _as_ragged(x: Any, name: str) -> RaggedArray:
    if isinstance(x, RaggedArray):
        return x
    reject(x, name, "reduce")
    from .._construction import array

    try:
        return array(x)
    except (TypeError, ValueError) as exc:
        exc.add_note(f"{name} takes a RaggedArray or something rg.array accepts")
        raise


def _classify(x: RaggedArray, axis: Any, name: str) -> tuple[str, Any]:
    """``("dense", content axes)``, ``("all", axes)`` or ``("ragged", structure axis a)``."""
    nb = x._nbatch
    if axis is None:
        return "all", tuple(range(len(x._content.shape)))
    if isinstance(axis, tuple):
        if len(axis) == 1:
            axis = axis[0]
        else:
            parts = [_classify(x, a, name) for a in axis]
            if builtins.any(kind != "dense" for kind, _ in parts):
                msg = (
                    f"{name}: a tuple axis={axis!r} may name regular dimensions only; "
                    "reduce ragged axes one at a time"
                )
                raise NotImplementedError(msg)
            axes = tuple(sorted(a for _, (a,) in parts))
            if len(set(axes)) != len(axes):
                msg = f"{name}: axis={axis!r} repeats an axis"
                raise ValueError(msg)
            return "dense", axes
    where, i = normalize_axis(x, axis, name)
    if where == "batch":
        return "dense", (i,)
    if where == "inner":
        return "dense", (nb + 1 + i,)
    if where == "outer" and not x._structure.nlevels:
        return "dense", (nb,)
    return "ragged", 0 if where == "outer" else i + 1


def _mask(x: RaggedArray, where: Any, name: str) -> Any:
    """The content of ``where`` broadcast to ``x``'s content (None for no mask)."""
    if where is None or (isinstance(where, (bool, np.bool_)) and where):
        return None
    structure, _, (content, mask), _ = broadcast((x, where), f"{name}(where=...)")
    np_like = x._backend.np_like
    shape = tuple(x._content.shape)
    mask = np_like.asarray(mask)
    if np_dtype(mask.dtype) != np.bool_:
        msg = f"{name}: where= must be a boolean array, got dtype {mask.dtype}"
        raise TypeError(msg)
    ok = structure is not None and structure.same_levels(x._structure) and content is x._content
    if not ok or np.broadcast_shapes(tuple(mask.shape), shape) != shape:
        w = where.type if isinstance(where, RaggedArray) else f"shape {np.shape(where)}"
        msg = f"{name}: where= ({w}) must broadcast to the array's type {x.type!r}"
        raise ValueError(msg)
    return np_like.broadcast_to(mask, shape)


def _reduction(
    name: str,
    x: Any,
    axis: Any,
    keepdims: bool,
    where: Any,
    compute: Callable[[Context, Any, Any], Any],
    *,
    arg: bool = False,
) -> Any:
    """Apply ``compute(ctx, data, mask)`` along ``axis`` and wrap the result (the one generic path)."""
    x = _as_ragged(x, name)
    backend, content, nb, s = x._backend, x._content, x._nbatch, x._structure
    mask = _mask(x, where, name)
    kind, axes = _classify(x, axis, name)
    np_like = backend.np_like
    if kind != "ragged":
        out = compute(_Dense(backend, axes, tuple(content.shape)), content, mask)
        if kind == "all":
            if not keepdims:
                return np_like.reshape(out, ())
            ones = Structure(1, tuple(Segments(np.array([0, 1])) for _ in s.levels))
            return wrap(ones, out, nb)
        removed_batch = builtins.sum(1 for i in axes if i < nb)
        outer = s if s.nlevels or nb not in axes else Structure(1)
        if keepdims:
            return wrap(outer, out, nb)
        out = np_like.squeeze(out, axis=axes)
        if outer is not s:  # the only structured dim of a list-free array is gone
            return wrap(None, out) if len(out.shape) else out
        return wrap(s, out, nb - removed_batch)
    plan = _plan(s, axes)
    data = np_like.moveaxis(content, nb, 0) if nb else content
    if mask is not None and nb:
        mask = np_like.moveaxis(mask, nb, 0)
    out = compute(_Ragged(backend, plan, len(content.shape) - 1), data, mask)
    if nb:
        out = np_like.moveaxis(out, 0, nb)
    if not keepdims:
        return wrap(plan.result, out, nb)
    if plan.keep is not None:
        return wrap(plan.keep, out, nb)
    if not arg:
        return wrap(plan.result, np_like.expand_dims(out, nb + 1), nb)
    # argmax/argmin keep one index per non-empty list and leave empty lists empty
    seg = s.levels[-1]
    nonempty = seg.cached("nonempty", lambda: np.flatnonzero(seg.lengths))
    index = backend.index(seg, "nonempty", nonempty, out)
    out = out[(slice(None),) * nb + (index,)]
    ones = seg.cached("keep-nonempty", lambda: Segments(np.concatenate([[0], np.cumsum(seg.lengths > 0)])))
    return wrap(Structure(s.length, (*s.levels[:-1], ones)), out, nb)


# ---- shared pieces of the computations --------------------------------------------------
def _where(np_like: Any, mask: Any, data: Any, fill: Any) -> Any:
    return data if mask is None else np_like.where(mask, data, fill)


def _count(ctx: Context, data: Any, mask: Any, dtype: Any) -> Any:
    if mask is None:
        n = ctx.count(data)
        return n if isinstance(n, int) else _astype(ctx.backend, n, dtype)
    return ctx.reduce("sum", _astype(ctx.backend, mask, dtype))


def _safe_divide(np_like: Any, num: Any, den: Any, fill: Any = math.nan) -> Any:
    """``num / den`` where ``den > 0``, else ``fill``; the double ``where`` keeps NaN out of derivatives."""
    if isinstance(den, (int, float)):
        if den > 0:
            return num / den
        return np_like.broadcast_to(np_like.asarray(fill, dtype=num.dtype), num.shape)
    positive = den > 0
    return np_like.where(positive, num / np_like.where(positive, den, np_like.ones_like(den)), fill)


def _no_out(name: str, out: Any) -> None:
    if out is not None:
        msg = f"{name}: out= is not supported on RaggedArrays (results are new arrays); use the return value"
        raise NotImplementedError(msg)


def _numpy_signature(np_func: Any, name: str) -> Any:
    """NEP-18 adapter: bind a call to ``np_func``'s own signature and forward it to ``rg.<name>``.

    Only the arguments the caller passed are forwarded (NumPy's ``<no value>`` defaults stay
    raggrad's defaults); ``out=`` raises ``NotImplementedError``.
    """
    signature = inspect.signature(np_func)

    def impl(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs).arguments
        _no_out(f"np.{np_func.__name__}", bound.pop("out", None))
        return globals()[name](bound.pop("a"), **bound)

    return impl


def _mean(ctx: Context, data: Any, mask: Any) -> Any:
    np_like = ctx.np
    total = ctx.reduce("sum", _where(np_like, mask, data, 0))
    return _safe_divide(np_like, total, _count(ctx, data, mask, data.dtype))


def _var(ctx: Context, data: Any, mask: Any, correction: float) -> Any:
    np_like = ctx.np
    mu = _mean(ctx, data, mask)
    dev = _where(np_like, mask, data - ctx.gather(mu), 0)
    square = np_like.real(dev * np_like.conj(dev)) if np_like.iscomplexobj(dev) else dev * dev
    ss = ctx.reduce("sum", square)
    n = _count(ctx, data, mask, ss.dtype)
    # NumPy's convention when the degrees of freedom are not positive: inf, or nan for 0 / 0
    fill = np_like.where(ss > 0, math.inf, math.nan)
    return _safe_divide(np_like, ss, n - correction, fill)


def _correction(name: str, correction: float, ddof: float | None) -> float:
    if ddof is None:
        return correction
    if correction not in (0, 0.0) and correction != ddof:
        msg = f"{name}: give correction= or ddof= (NumPy's spelling), not both ({correction=}, {ddof=})"
        raise ValueError(msg)
    return ddof


def _cast(backend: Backend, content: Any, fname: str, dtype: Any) -> Any:
    from .._dtypes import to_backend_dtype

    target = (
        to_backend_dtype(backend, dtype) if dtype is not None else backend.result_dtype(fname, content.dtype)
    )
    return content if content.dtype == target else _astype(backend, content, target)


def _astype(backend: Backend, a: Any, dtype: Any) -> Any:
    # the array API spelling: torch tensors have no ``astype`` method
    return backend.xp.astype(a, dtype)


# ---- sum and prod -----------------------------------------------------------------------
def _sum_or_prod(
    name: str, kind: str, x: Any, axis: Any, dtype: Any, keepdims: bool, initial: Any, where: Any
) -> Any:
    x = _as_ragged(x, name)
    backend = x._backend
    x = _with_content(x, _cast(backend, x._content, kind, dtype))
    fill = 0 if kind == "sum" else 1

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        out = ctx.reduce(kind, _where(ctx.np, mask, data, fill))
        if initial is None:
            return out
        return out + initial if kind == "sum" else out * initial

    return _reduction(name, x, axis, keepdims, where, compute)


def _with_content(x: RaggedArray, content: Any) -> RaggedArray:
    return x if content is x._content else RaggedArray._new(x._structure, content)


@register("sum", "reduction", numpy=(np.sum,), numpy_impl=_numpy_signature(np.sum, "sum"), awkward="ak.sum")
def sum(
    x: Any,
    /,
    *,
    axis: Any = None,
    dtype: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Sum along ``axis``; empty lists sum to 0.

    ``axis=-1`` sums each innermost list, ``axis=0`` sums column-wise with lists left-aligned
    (awkward's semantics), ``axis=None`` gives a 0-d backend array. ``where`` (a boolean array of
    the same structure) leaves elements out. Integer dtypes follow the backend's rule (NumPy: at
    least int64; ``jax.numpy``: the default int).

    >>> import raggrad as rg
    >>> x = rg.array([[1, 2, 3], [], [4, 5]])
    >>> rg.sum(x, axis=1).to_list(), rg.sum(x, axis=0).to_list(), int(rg.sum(x))
    ([6, 0, 9], [5, 7, 3], 15)
    >>> rg.sum(x, axis=1, where=x > 1).to_list()
    [5, 0, 9]
    """
    return _sum_or_prod("rg.sum", "sum", x, axis, dtype, keepdims, initial, where)


@register(
    "prod", "reduction", numpy=(np.prod,), numpy_impl=_numpy_signature(np.prod, "prod"), awkward="ak.prod"
)
def prod(
    x: Any,
    /,
    *,
    axis: Any = None,
    dtype: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Product along ``axis``; empty lists give 1. Its derivative at zeros is exact (JAX backend).

    >>> import raggrad as rg
    >>> rg.prod(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]]), axis=-1).to_list()
    [6.0, 1.0, 20.0]
    """
    return _sum_or_prod("rg.prod", "prod", x, axis, dtype, keepdims, initial, where)


# ---- mean, var, std --------------------------------------------------------------------


@register(
    "mean", "reduction", numpy=(np.mean,), numpy_impl=_numpy_signature(np.mean, "mean"), awkward="ak.mean"
)
def mean(x: Any, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """Arithmetic mean along ``axis``; empty lists give NaN, with finite derivatives elsewhere.

    >>> import raggrad as rg
    >>> rg.mean(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]]), axis=1).to_list()
    [2.0, nan, 4.5]
    """
    x = _as_ragged(x, "rg.mean")
    x = _with_content(x, _cast(x._backend, x._content, "mean", dtype))
    return _reduction("rg.mean", x, axis, keepdims, where, _mean)


def _var_or_std(
    name: str,
    x: Any,
    axis: Any,
    correction: float,
    ddof: Any,
    dtype: Any,
    keepdims: bool,
    where: Any,
    root: bool,
) -> Any:
    x = _as_ragged(x, name)
    correction = _correction(name, correction, ddof)
    x = _with_content(x, _cast(x._backend, x._content, "mean", dtype))

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        v = _var(ctx, data, mask, correction)
        if not root:
            return v
        # sqrt has an infinite derivative at 0 (a list of one element, or of equal ones): there the
        # derivative taken is 0, which is exact for lists of one element
        np_like = ctx.np
        positive = v > 0
        return np_like.where(positive, np_like.sqrt(np_like.where(positive, v, np_like.ones_like(v))), v)

    return _reduction(name, x, axis, keepdims, where, compute)


def _var_numpy(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: float = 0,
    keepdims: bool = False,
    *,
    where: Any = None,
    mean: Any = None,
    correction: Any = None,
) -> Any:
    _no_out("np.var", out)
    _no_mean("np.var", mean)
    correction = ddof if correction is None else correction
    return var(a, axis=axis, correction=correction, dtype=dtype, keepdims=keepdims, where=where)


def _no_mean(name: str, mean: Any) -> None:
    if mean is not None:
        msg = f"{name}: mean= (a precomputed mean) is not supported on RaggedArrays; leave it out"
        raise NotImplementedError(msg)


@register("var", "reduction", numpy=(np.var,), numpy_impl=_var_numpy, awkward="ak.var")
def var(
    x: Any,
    /,
    *,
    axis: Any = None,
    correction: float = 0.0,
    keepdims: bool = False,
    where: Any = None,
    ddof: float | None = None,
    dtype: Any = None,
) -> Any:
    """Variance along ``axis``, dividing by ``N - correction`` (``ddof`` is NumPy's spelling).

    Empty lists give NaN.

    >>> import raggrad as rg
    >>> rg.var(rg.array([[1.0, 2.0, 3.0], [], [4.0, 6.0]]), axis=1, correction=1).to_list()
    [1.0, nan, 2.0]
    """
    return _var_or_std("rg.var", x, axis, correction, ddof, dtype, keepdims, where, root=False)


def _std_numpy(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: float = 0,
    keepdims: bool = False,
    *,
    where: Any = None,
    mean: Any = None,
    correction: Any = None,
) -> Any:
    _no_out("np.std", out)
    _no_mean("np.std", mean)
    correction = ddof if correction is None else correction
    return std(a, axis=axis, correction=correction, dtype=dtype, keepdims=keepdims, where=where)


@register("std", "reduction", numpy=(np.std,), numpy_impl=_std_numpy, awkward="ak.std")
def std(
    x: Any,
    /,
    *,
    axis: Any = None,
    correction: float = 0.0,
    keepdims: bool = False,
    where: Any = None,
    ddof: float | None = None,
    dtype: Any = None,
) -> Any:
    """Standard deviation along ``axis`` (``correction``/``ddof`` as in :func:`var`).

    Empty lists give NaN; where the deviation is 0 the derivative taken is 0.

    >>> import raggrad as rg
    >>> rg.std(rg.array([[1.0, 3.0], [], [5.0]]), axis=1).to_list()
    [1.0, nan, 0.0]
    """
    return _var_or_std("rg.std", x, axis, correction, ddof, dtype, keepdims, where, root=True)


# ---- min and max ------------------------------------------------------------------------
def _extremum(name: str, kind: str, x: Any, axis: Any, keepdims: bool, initial: Any, where: Any) -> Any:
    x = _as_ragged(x, name)
    dtype = x._content.dtype
    fill = identity(kind, dtype) if initial is None else initial

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        out = ctx.reduce(kind, _where(ctx.np, mask, data, fill))
        if initial is None:
            return out
        return (ctx.np.maximum if kind == "max" else ctx.np.minimum)(out, initial)

    return _reduction(name, x, axis, keepdims, where, compute)


@register(
    "max", "reduction", numpy=(np.max, np.amax), numpy_impl=_numpy_signature(np.max, "max"), awkward="ak.max"
)
def max(
    x: Any,
    /,
    *,
    axis: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Maximum along ``axis``; empty lists give ``initial``, else the identity (-inf, the int minimum).

    Tied maxima share the derivative evenly, as ``jnp.max``.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 3.0, 2.0], [], [4.0]])
    >>> rg.max(x, axis=1).to_list(), rg.max(x, axis=1, initial=0.0).to_list()
    ([3.0, -inf, 4.0], [3.0, 0.0, 4.0])
    """
    return _extremum("rg.max", "max", x, axis, keepdims, initial, where)


@register(
    "min", "reduction", numpy=(np.min, np.amin), numpy_impl=_numpy_signature(np.min, "min"), awkward="ak.min"
)
def min(
    x: Any,
    /,
    *,
    axis: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Minimum along ``axis``; empty lists give ``initial``, else the identity (+inf, the int maximum).

    >>> import raggrad as rg
    >>> rg.min(rg.array([[1, 3], [], [4]]), axis=1).to_list()
    [1, 9223372036854775807, 4]
    """
    return _extremum("rg.min", "min", x, axis, keepdims, initial, where)


# ---- argmin and argmax ----------------------------------------------------------------
def _arg(name: str, kind: str, x: Any, axis: Any, keepdims: bool) -> Any:
    x = _as_ragged(x, name)
    backend = x._backend
    out_dtype = backend.result_dtype("argmax", x._content.dtype)
    if np_dtype(x._content.dtype) == np.bool_:
        x = _with_content(x, _astype(backend, x._content, backend.xp.int8))
    inexact = np_dtype(x._content.dtype).kind in "fc"
    if axis is None:
        flat = backend.np_like.reshape(x._content, (-1,))
        out = getattr(backend.np_like, "arg" + kind)(flat)
        if keepdims:
            ones = Structure(1, tuple(Segments(np.array([0, 1])) for _ in x._structure.levels))
            return wrap(ones, backend.np_like.reshape(out, (1,) * len(x._content.shape)), x._nbatch)
        return out

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        np_like = ctx.np
        if isinstance(ctx, _Dense):
            (i,) = ctx.axes
            return getattr(np_like, "arg" + kind)(data, axis=i, keepdims=True)
        best = ctx.gather(ctx.reduce(kind, data))
        hit = data == best
        if inexact:  # the first NaN wins, as in NumPy
            nan = np_like.isnan(data)
            hit = np_like.where(ctx.gather(ctx.reduce("any", nan)), nan, hit)
        local = ctx._column("local", ctx.plan.local, data)
        big = np.iinfo(np_dtype(local.dtype)).max
        first = ctx.reduce("min", np_like.where(hit, local, big))
        first = np_like.where(ctx.count(data) > 0, first, -1)
        return _astype(ctx.backend, first, out_dtype)

    return _reduction(name, x, axis, keepdims, None, compute, arg=True)


@register(
    "argmax",
    "reduction",
    numpy=(np.argmax,),
    numpy_impl=_numpy_signature(np.argmax, "argmax"),
    awkward="ak.argmax",
    differentiable=False,
)
def argmax(x: Any, /, *, axis: Any = None, keepdims: bool = False) -> Any:
    """Index of the (first) maximum along ``axis``; -1 for an empty list.

    With ``keepdims=True`` and a ragged ``axis=-1`` the result has one index per non-empty list and
    an empty list for an empty one, so ``x[rg.argmax(x, axis=-1, keepdims=True)]`` selects the
    maxima. ``axis=None`` indexes the flattened content.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 3.0, 2.0], [], [4.0]])
    >>> rg.argmax(x, axis=1).to_list(), rg.argmax(x, axis=1, keepdims=True).to_list()
    ([1, -1, 0], [[1], [], [0]])
    """
    return _arg("rg.argmax", "max", x, axis, keepdims)


@register(
    "argmin",
    "reduction",
    numpy=(np.argmin,),
    numpy_impl=_numpy_signature(np.argmin, "argmin"),
    awkward="ak.argmin",
    differentiable=False,
)
def argmin(x: Any, /, *, axis: Any = None, keepdims: bool = False) -> Any:
    """Index of the (first) minimum along ``axis``; -1 for an empty list (see :func:`argmax`).

    >>> import raggrad as rg
    >>> rg.argmin(rg.array([[1.0, 3.0, 0.5], [], [4.0]]), axis=1).to_list()
    [2, -1, 0]
    """
    return _arg("rg.argmin", "min", x, axis, keepdims)


# ---- any, all, count, count_nonzero ----------------------------------------------------
def _logical(name: str, kind: str, x: Any, axis: Any, keepdims: bool, where: Any) -> Any:
    x = _as_ragged(x, name)
    content = x._content
    if np_dtype(content.dtype) != np.bool_:
        x = _with_content(x, content != 0)

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        return ctx.reduce(kind, _where(ctx.np, mask, data, kind == "all"))

    return _reduction(name, x, axis, keepdims, where, compute)


@register(
    "any",
    "reduction",
    numpy=(np.any,),
    numpy_impl=_numpy_signature(np.any, "any"),
    awkward="ak.any",
    differentiable=False,
)
def any(x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """Whether any element along ``axis`` is true (non-zero); False for empty lists.

    >>> import raggrad as rg
    >>> rg.any(rg.array([[0, 1], [], [0]]), axis=1).to_list()
    [True, False, False]
    """
    return _logical("rg.any", "any", x, axis, keepdims, where)


@register(
    "all",
    "reduction",
    numpy=(np.all,),
    numpy_impl=_numpy_signature(np.all, "all"),
    awkward="ak.all",
    differentiable=False,
)
def all(x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """Whether every element along ``axis`` is true (non-zero); True for empty lists.

    >>> import raggrad as rg
    >>> rg.all(rg.array([[0, 1], [], [2]]), axis=1).to_list()
    [False, True, True]
    """
    return _logical("rg.all", "all", x, axis, keepdims, where)


@register("count", "reduction", awkward="ak.count", differentiable=False)
def count(x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """Number of elements along ``axis`` (awkward's ``ak.count``); 0 for empty lists.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    >>> rg.count(x, axis=1).to_list(), rg.count(x, axis=0).to_list()
    ([3, 0, 2], [2, 2, 1])
    """
    x = _as_ragged(x, "rg.count")
    dtype = x._backend.result_dtype("sum", np.dtype(np.bool_))

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        if mask is not None:
            return ctx.reduce("sum", _astype(ctx.backend, mask, dtype))
        shape = (
            tuple(1 if i in ctx.axes else d for i, d in enumerate(data.shape))
            if isinstance(ctx, _Dense)
            else (ctx.plan.n, *data.shape[1:])
        )
        n = ctx.count(data)
        return ctx.np.broadcast_to(
            ctx.np.asarray(n, dtype=dtype) if isinstance(n, int) else _astype(ctx.backend, n, dtype), shape
        )

    return _reduction("rg.count", x, axis, keepdims, where, compute)


def _count_nonzero_numpy(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    return count_nonzero(a, axis=axis, keepdims=keepdims)


@register(
    "count_nonzero",
    "reduction",
    numpy=(np.count_nonzero,),
    numpy_impl=_count_nonzero_numpy,
    awkward="ak.count_nonzero",
    differentiable=False,
)
def count_nonzero(x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """Number of non-zero elements along ``axis``; 0 for empty lists.

    >>> import raggrad as rg
    >>> rg.count_nonzero(rg.array([[0, 1, 2], [], [0]]), axis=1).to_list()
    [2, 0, 0]
    """
    x = _as_ragged(x, "rg.count_nonzero")
    dtype = x._backend.result_dtype("sum", np.dtype(np.bool_))

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        return ctx.reduce("sum", _astype(ctx.backend, _where(ctx.np, mask, data != 0, False), dtype))

    return _reduction("rg.count_nonzero", x, axis, keepdims, where, compute)


# ---- logsumexp, softmax, log_softmax ---------------------------------------------------
def _stable_parts(ctx: Context, data: Any, backend: Backend) -> tuple[Any, Any, Any]:
    """(shift, exp(data - shift), sum of those): the shift is the (finite) maximum, held constant."""
    np_like = ctx.np
    top = backend.stop_gradient(ctx.reduce("max", data))
    shift = np_like.where(np_like.isfinite(top), top, np_like.zeros_like(top))
    e = np_like.exp(data - ctx.gather(shift))
    return shift, e, ctx.reduce("sum", e)


def _safe_log(np_like: Any, s: Any) -> Any:
    positive = s > 0
    return np_like.where(positive, np_like.log(np_like.where(positive, s, np_like.ones_like(s))), -math.inf)


@register("logsumexp", "reduction")
def logsumexp(x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """``log(sum(exp(x)))`` along ``axis``, stable for large inputs; empty lists give -inf.

    >>> import raggrad as rg
    >>> [round(v, 4) for v in rg.logsumexp(rg.array([[1000.0, 1000.0], [], [0.0]]), axis=1).to_list()]
    [1000.6931, -inf, 0.0]
    """
    x = _as_ragged(x, "rg.logsumexp")
    backend = x._backend
    x = _with_content(x, _cast(backend, x._content, "exp", None))

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        data = _where(ctx.np, mask, data, -math.inf)
        shift, _, s = _stable_parts(ctx, data, backend)
        return _safe_log(ctx.np, s) + shift

    return _reduction("rg.logsumexp", x, axis, keepdims, where, compute)


def _elementwise_along(name: str, x: Any, axis: Any, compute: Callable[[Context, Any, Backend], Any]) -> Any:
    """A per-element result computed from reductions along ``axis`` (softmax): same structure as ``x``."""
    x = _as_ragged(x, name)
    backend = x._backend
    x = _with_content(x, _cast(backend, x._content, "exp", None))
    content, nb, s, np_like = x._content, x._nbatch, x._structure, backend.np_like
    kind, axes = _classify(x, axis, name)
    if kind != "ragged":
        out = compute(_Dense(backend, axes, tuple(content.shape)), content, backend)
        return wrap(s, out, nb)
    data = np_like.moveaxis(content, nb, 0) if nb else content
    out = compute(_Ragged(backend, _plan(s, axes), len(content.shape) - 1), data, backend)
    return wrap(s, np_like.moveaxis(out, 0, nb) if nb else out, nb)


def _softmax(ctx: Context, data: Any, backend: Backend) -> Any:
    _, e, s = _stable_parts(ctx, data, backend)
    return e / ctx.gather(s)


def _log_softmax(ctx: Context, data: Any, backend: Backend) -> Any:
    shift, _, s = _stable_parts(ctx, data, backend)
    return data - ctx.gather(shift + _safe_log(ctx.np, s))


@register("softmax", "structural", awkward="ak.softmax")
def softmax(x: Any, /, *, axis: Any = -1) -> Any:
    """``exp(x) / sum(exp(x))`` along ``axis`` (within each innermost list by default), stable.

    >>> import raggrad as rg
    >>> rg.softmax(rg.array([[0.0, 0.0], [], [1000.0]])).to_list()
    [[0.5, 0.5], [], [1.0]]
    """
    return _elementwise_along("rg.softmax", x, axis, _softmax)


@register("log_softmax", "structural")
def log_softmax(x: Any, /, *, axis: Any = -1) -> Any:
    """``x - logsumexp(x)`` along ``axis`` (within each innermost list by default), stable.

    >>> import raggrad as rg
    >>> [[round(v, 4) for v in row] for row in rg.log_softmax(rg.array([[0.0, 0.0], [], [1000.0]])).to_list()]
    [[-0.6931, -0.6931], [], [0.0]]
    """
    return _elementwise_along("rg.log_softmax", x, axis, _log_softmax)


# ---- cumulative sums and products ------------------------------------------------------
def _cumulative(name: str, kind: str, x: Any, axis: Any, dtype: Any, include_initial: bool) -> Any:
    x = _as_ragged(x, name)
    backend = x._backend
    fname = "cumulative_sum" if kind == "sum" else "cumulative_prod"
    content = _cast(backend, x._content, fname, dtype)
    s, nb, np_like = x._structure, x._nbatch, backend.np_like
    if axis is None:
        if x.ndim != 1:
            msg = f"{name}: axis=None needs a one-dimensional array, got type {x.type!r}; pass axis="
            raise ValueError(msg)
        axis = 0
    kind_axis, axes = _classify(x, axis, name)
    if kind_axis != "ragged":
        (i,) = axes
        out = getattr(backend.xp, fname)(content, axis=i, include_initial=include_initial)
        if i == nb and not s.nlevels:
            return wrap(Structure(out.shape[nb]), out, nb)
        return wrap(s, out, nb)
    plan = _plan(s, axes)
    data = np_like.moveaxis(content, nb, 0) if nb else content
    if plan.segments is not None:
        out = backend.segment_scan(kind, data, plan.segments)
        structure = s
        if include_initial:
            out, structure = _prepend_identity(backend, s, out, 0 if kind == "sum" else 1)
    else:
        if include_initial:
            msg = (
                f"{name}: include_initial=True is supported along the innermost ragged axis "
                "and regular axes only"
            )
            raise NotImplementedError(msg)
        order, inverse, groups = plan.cached("scan-order", lambda: _scan_order(plan))
        scanned = backend.segment_scan(kind, data[backend.index(plan, "order", order, data)], groups)
        out = scanned[backend.index(plan, "inverse", inverse, data)]
    return wrap(
        structure if plan.segments is not None else s, np_like.moveaxis(out, 0, nb) if nb else out, nb
    )


def _scan_order(plan: _Plan) -> tuple[np.ndarray, np.ndarray, Segments]:
    order = np.argsort(plan.targets, kind="stable")  # within a target, elements stay in axis order
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    offsets = np.zeros(plan.n + 1, np.int64)
    np.cumsum(plan.counts, out=offsets[1:])
    return order, inverse, Segments(offsets)


def _prepend_identity(backend: Backend, s: Structure, out: Any, fill: int) -> tuple[Any, Structure]:
    """Each innermost list gets the identity in front (``include_initial=True``)."""
    seg = s.levels[-1]

    def make() -> tuple[np.ndarray, Structure]:
        offsets = seg.offsets + np.arange(seg.n + 1)
        source = np.full(offsets[-1], seg.size, np.int64)  # points at the appended identity row
        keep = np.ones(offsets[-1], bool)
        keep[offsets[:-1]] = False
        source[keep] = np.arange(seg.size)
        return source, Structure(s.length, (*s.levels[:-1], Segments(offsets)))

    source, structure = seg.cached("include-initial", make)
    np_like = backend.np_like
    padded = np_like.concatenate([out, np_like.full((1, *out.shape[1:]), fill, dtype=out.dtype)])
    return padded[backend.index(seg, "include-initial", source, padded)], structure


def _cumsum_numpy(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    _no_out("np.cumsum", out)
    return cumulative_sum(_flat(a) if axis is None else a, axis=0 if axis is None else axis, dtype=dtype)


def _cumprod_numpy(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    _no_out("np.cumprod", out)
    return cumulative_prod(_flat(a) if axis is None else a, axis=0 if axis is None else axis, dtype=dtype)


def _flat(a: Any) -> RaggedArray:
    # NumPy's axis=None: the elements in order, as one dimension
    x = _as_ragged(a, "np.cumsum")
    content = x._backend.np_like.reshape(x._content, (-1,))
    return RaggedArray._new(Structure(content.shape[0]), content)


@register("cumulative_sum", "reduction", numpy=(np.cumsum,), numpy_impl=_cumsum_numpy)
def cumulative_sum(x: Any, /, *, axis: Any = None, dtype: Any = None, include_initial: bool = False) -> Any:
    """Running sum along ``axis``; ``include_initial=True`` puts a 0 in front of each list.

    >>> import raggrad as rg
    >>> x = rg.array([[1, 2, 3], [], [4, 5]])
    >>> rg.cumulative_sum(x, axis=1).to_list(), rg.cumulative_sum(x, axis=1, include_initial=True).to_list()
    ([[1, 3, 6], [], [4, 9]], [[0, 1, 3, 6], [0], [0, 4, 9]])
    """
    return _cumulative("rg.cumulative_sum", "sum", x, axis, dtype, include_initial)


@register("cumulative_prod", "reduction", numpy=(np.cumprod,), numpy_impl=_cumprod_numpy)
def cumulative_prod(x: Any, /, *, axis: Any = None, dtype: Any = None, include_initial: bool = False) -> Any:
    """Running product along ``axis``; ``include_initial=True`` puts a 1 in front of each list.

    >>> import raggrad as rg
    >>> rg.cumulative_prod(rg.array([[1, 2, 3], [], [4, 5]]), axis=-1).to_list()
    [[1, 2, 6], [], [4, 20]]
    """
    return _cumulative("rg.cumulative_prod", "prod", x, axis, dtype, include_initial)
