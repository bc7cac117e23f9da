"""The reduction engine: every reducer, softmax and cumulative op goes through it.

Every reducer is a short ``compute(ctx, data, mask)`` written against a *context* that says how to
reduce and how to send per-result values back to the elements (:class:`DenseAxes` for regular
axes, where that is a plain ``xp`` reduction with ``keepdims``; :class:`RaggedAxis` for ragged
axes, where it is a segment reduction); :func:`reduction` picks the context from ``axis``, moves
batch dims out of the way and builds the result's structure, as JAX writes its reductions through
``_reduction``. :func:`along` does the same for per-element results computed from reductions
(softmax).

Ragged axis ``a`` (0 is the outer one) follows awkward: elements that differ only in their index
at depth ``a`` combine, lists left-aligned, so ``axis=0`` of ``n * var`` is a column-wise reduction
as long as the longest list. The map from elements to results (the result's offsets and one target
id per element) is computed once per structure and axis with NumPy and cached on the Structure.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._array import RaggedArray, wrap
from .._axes import classify_axis, normalize_axes
from .._backends import Backend
from .._bounded import BoundedPlan, BoundedStructure
from .._bounded import reduction_plan as bounded_plan
from .._broadcast import broadcast
from .._structure import ReductionPlan, Segments, Structure, reduction_plan
from .common import single

__all__ = [
    "Context",
    "DenseAxes",
    "RaggedAxis",
    "ReductionPlan",
    "along",
    "cast",
    "classify",
    "count_of",
    "in_use",
    "masked",
    "reduction",
    "reduction_plan",
    "safe_divide",
    "single",
    "with_content",
]


# ---- contexts: how to reduce along the chosen axis --------------------------------------
class DenseAxes:
    """Regular axes of the content: plain reductions with ``keepdims`` (results broadcast back)."""

    def __init__(self, backend: Backend, axes: tuple[int, ...], shape: tuple[int, ...]) -> None:
        self.backend, self.xp, self.axes = backend, backend.xp, axes
        self.size = math.prod([shape[i] for i in axes])  # a list: torch.compile traces it, not a generator

    def reduce(self, kind: str, data: Any) -> Any:
        xp = self.xp
        if kind in ("max", "min") and self.size == 0:
            shape = tuple(1 if i in self.axes else d for i, d in enumerate(data.shape))
            ident = self.backend.identity(kind, data.dtype)
            return xp.full(shape, ident, dtype=data.dtype)
        return getattr(xp, kind)(data, axis=self.axes, keepdims=True)

    def gather(self, values: Any) -> Any:
        return values

    def count(self, like: Any) -> Any:
        return self.size


class RaggedAxis:
    """A ragged axis: segment reductions into the plan's targets (data has the elements first)."""

    def __init__(self, backend: Backend, plan: ReductionPlan, rest: int) -> None:
        self.backend, self.xp, self.plan, self.rest = backend, backend.xp, plan, rest

    def reduce(self, kind: str, data: Any) -> Any:
        p = self.plan
        if p.segments is not None:
            return self.backend.segment_reduce(kind, data, p.segments)
        return self.backend.scatter_reduce(kind, data, p.targets, p.n, p, "targets")

    def gather(self, values: Any) -> Any:
        p = self.plan
        if p.segments is not None:
            return self.backend.segment_expand(values, p.segments)
        return self.backend.take(values, p.targets, p.owner, "targets")

    def column(self, key: str, host: np.ndarray, like: Any) -> Any:
        """A per-element (or per-result) host int array, shaped to broadcast against the data."""
        a = self.backend.index(self.plan, key, host, like)
        return self.xp.reshape(a, a.shape + (1,) * self.rest)

    def count(self, like: Any) -> Any:
        return self.column("counts", self.plan.counts, like)

    def local(self, like: Any) -> Any:
        """Every element's index along the reduced axis."""
        return self.column("local", self.plan.local, like)


class BoundedAxis:
    """A ragged axis of a bounded array: segment reductions into the plan's targets, which the
    device computes from the offsets; padding slots (targets out of range) are dropped."""

    def __init__(self, backend: Backend, plan: BoundedPlan, rest: int) -> None:
        self.backend, self.xp, self.plan, self.rest = backend, backend.xp, plan, rest

    def reduce(self, kind: str, data: Any) -> Any:
        p = self.plan
        return self.backend.segment_reduce_ids(kind, data, p.targets, p.n, sorted_ids=p.sorted)

    def gather(self, values: Any) -> Any:
        # padding slots get 1, a value every formula here can divide by or take the log of
        return self.backend.take_fill(values, self.plan.targets, 1)

    def _shaped(self, a: Any) -> Any:
        return self.xp.reshape(a, a.shape + (1,) * self.rest)

    def local(self, like: Any) -> Any:
        return self._shaped(self.plan.local)

    def count(self, like: Any) -> Any:
        return self._shaped(self.plan.counts)


Context = DenseAxes | RaggedAxis | BoundedAxis


def classify(x: RaggedArray, axis: Any, name: str) -> tuple[str, Any]:
    """``("dense", content axes)``, ``("all", axes)`` or ``("ragged", structure axis a)``."""
    nb = x._nbatch
    if axis is None:
        return "all", tuple(range(len(x._content.shape)))
    if isinstance(axis, (tuple, list)):
        axes = normalize_axes(axis, x.ndim, name, type_str=x.type)
        if not axes:  # axis=(): reduce over no axis (every element is its own result)
            return "dense", ()
        if len(axes) > 1:
            parts = [classify(x, a, name) for a in axes]
            if builtins.any(kind != "dense" for kind, _ in parts):
                msg = (
                    f"{name}: a tuple axis={tuple(axis)!r} may name regular dimensions only; "
                    "reduce ragged axes one at a time"
                )
                raise NotImplementedError(msg)
            return "dense", tuple(sorted(a for _, (a,) in parts))
        (axis,) = axes
    where, i = classify_axis(x, axis, name)
    if where == "batch":
        return "dense", (i,)
    if where == "inner":
        return "dense", (nb + 1 + i,)
    if where == "outer" and not x._structure.nlevels:
        return "dense", (nb,)
    return "ragged", 0 if where == "outer" else i + 1


def _where_mask(x: RaggedArray, where: Any, name: str) -> Any:
    """The content of ``where`` broadcast to ``x``'s content (None for no mask)."""
    if where is None or (isinstance(where, (bool, np.bool_)) and where):
        return None
    structure, _, (content, mask), _ = broadcast((x, where), f"{name}(where=...)")
    backend, xp = x._backend, x._backend.xp
    shape = tuple(x._content.shape)
    mask = xp.asarray(mask)
    if backend.numpy_dtype(mask.dtype) != np.bool_:
        msg = f"{name}: where= must be a boolean array, got dtype {mask.dtype}"
        raise TypeError(msg)
    s = x._structure
    same = structure is s or (
        isinstance(s, BoundedStructure)
        and isinstance(structure, BoundedStructure)
        and structure.capacities == s.capacities  # lists checked (or flagged) by broadcast
    )
    ok = structure is not None and (same or structure.same_levels(s)) and content is x._content
    if not ok or np.broadcast_shapes(tuple(mask.shape), shape) != shape:
        w = where.type if isinstance(where, RaggedArray) else f"shape {np.shape(where)}"
        msg = f"{name}: where= ({w}) must broadcast to the array's type {x.type!r}"
        raise ValueError(msg)
    return xp.broadcast_to(mask, shape)


def reduction(
    name: str,
    x: RaggedArray,
    axis: Any,
    keepdims: bool,
    where: Any,
    compute: Callable[[Context, Any, Any], Any],
    *,
    arg: bool = False,
) -> Any:
    """Apply ``compute(ctx, data, mask)`` along ``axis`` and wrap the result (the one generic path)."""
    backend, content, nb, s = x._backend, x._content, x._nbatch, x._structure
    mask = _where_mask(x, where, name)
    kind, axes = classify(x, axis, name)
    xp = backend.xp
    if isinstance(s, BoundedStructure):
        return _bounded_reduction(name, x, kind, axes, keepdims, mask, compute, arg)
    if kind != "ragged":
        out = compute(DenseAxes(backend, axes, tuple(content.shape)), content, mask)
        if kind == "all":
            if not keepdims:
                return xp.reshape(out, ())
            ones = Structure(1, tuple(Segments(np.array([0, 1])) for _ in s.levels))
            return wrap(ones, out, nb)
        removed_batch = builtins.sum(1 for i in axes if i < nb)
        outer = s if s.nlevels or nb not in axes else Structure(1)
        if keepdims:
            return wrap(outer, out, nb)
        out = xp.squeeze(out, axis=axes)
        if outer is not s:  # the only structured dim of a list-free array is gone
            return wrap(None, out) if len(out.shape) else out
        return wrap(s, out, nb - removed_batch)
    plan = reduction_plan(s, axes)
    data = xp.moveaxis(content, nb, 0) if nb else content
    if mask is not None and nb:
        mask = xp.moveaxis(mask, nb, 0)
    out = compute(RaggedAxis(backend, plan, len(content.shape) - 1), data, mask)
    if nb:
        out = xp.moveaxis(out, 0, nb)
    if not keepdims:
        return wrap(plan.result, out, nb)
    if plan.keep is not None:
        return wrap(plan.keep, out, nb)
    if not arg:
        return wrap(plan.result, xp.expand_dims(out, axis=nb + 1), nb)
    # argmax/argmin keep one index per non-empty list and leave empty lists empty
    seg = s.levels[-1]
    nonempty = seg.cached("nonempty", lambda: np.flatnonzero(seg.lengths))
    out = xp.take(out, backend.index(seg, "nonempty", nonempty, out), axis=nb)
    ones = seg.cached("keep-nonempty", lambda: Segments(np.concatenate([[0], np.cumsum(seg.lengths > 0)])))
    return wrap(Structure(s.length, (*s.levels[:-1], ones)), out, nb)


def along(name: str, x: RaggedArray, axis: Any, compute: Callable[[Context, Any], Any]) -> RaggedArray:
    """A per-element result computed from reductions along ``axis`` (softmax): ``x``'s structure."""
    backend, content, nb, s = x._backend, x._content, x._nbatch, x._structure
    xp = backend.xp
    kind, axes = classify(x, axis, name)
    if isinstance(s, BoundedStructure):
        if kind == "ragged":
            data = xp.moveaxis(content, nb, 0) if nb else content
            out = compute(BoundedAxis(backend, bounded_plan(s, axes), len(content.shape) - 1), data)
            out = xp.moveaxis(out, 0, nb) if nb else out
        else:
            out = compute(DenseAxes(backend, axes, tuple(content.shape)), content)
        return wrap(s, _zero_padding(xp, out, s.slot_mask(s.nlevels), nb), nb)
    if kind != "ragged":
        return wrap(s, compute(DenseAxes(backend, axes, tuple(content.shape)), content), nb)
    data = xp.moveaxis(content, nb, 0) if nb else content
    out = compute(RaggedAxis(backend, reduction_plan(s, axes), len(content.shape) - 1), data)
    return wrap(s, xp.moveaxis(out, 0, nb) if nb else out, nb)


# ---- bounded arrays ---------------------------------------------------------------------------
def _zero_padding(xp: Any, out: Any, used: Any, nb: int) -> Any:
    """``out`` with zeros at the padding slots (``used`` is False there) of its element axis."""
    shape = (1,) * nb + tuple(used.shape) + (1,) * (len(out.shape) - nb - 1)
    return xp.where(xp.reshape(used, shape), out, xp.zeros_like(out))


def _bounded_reduction(
    name: str,
    x: RaggedArray,
    kind: str,
    axes: Any,
    keepdims: bool,
    mask: Any,
    compute: Callable[[Context, Any, Any], Any],
    arg: bool,
) -> Any:
    """``reduction`` on a bounded array: padding slots never take part, results are bounded."""
    backend, content, nb, s = x._backend, x._content, x._nbatch, x._structure
    xp = backend.xp
    used = s.slot_mask(s.nlevels)
    if kind != "ragged":  # (within lists, padding slots' ids are out of range: never reduced)
        mask = in_use(x) if mask is None else (mask & in_use(x))
        out = compute(DenseAxes(backend, axes, tuple(content.shape)), content, mask)
        if kind == "all" or (not s.nlevels and nb in axes):  # the structured dims are gone
            out = _poisoned(xp, out, s.valid)
            if kind == "all" and keepdims:
                msg = f"{name}: keepdims=True with axis=None is not supported on a bounded array"
                raise NotImplementedError(msg)
            if not keepdims:
                out = xp.squeeze(out, axis=axes)
            return wrap(None, out) if len(out.shape) else out
        if not keepdims:
            out = xp.squeeze(out, axis=axes)
        nb_out = nb - builtins.sum(1 for i in axes if i < nb) if not keepdims else nb
        return wrap(s, _zero_padding(xp, out, used, nb_out), nb_out)
    plan = bounded_plan(s, axes)
    data = xp.moveaxis(content, nb, 0) if nb else content
    if mask is not None and nb:
        mask = xp.moveaxis(mask, nb, 0)
    out = compute(BoundedAxis(backend, plan, len(content.shape) - 1), data, mask)
    result = plan.result
    out = _zero_padding(xp, out, result.slot_mask(result.nlevels), 0)
    if nb:
        out = xp.moveaxis(out, 0, nb)
    if not keepdims:
        return wrap(result, out, nb)
    if plan.keep is not None:
        return wrap(plan.keep, out, nb)
    if not arg:
        return wrap(result, xp.expand_dims(out, axis=nb + 1), nb)
    level = s.nlevels - 1
    # argmax/argmin keep one index per non-empty list and leave empty lists empty: the kept
    # indices move to the front, in list order, under a new level of lists of length 0 or 1
    nonempty = s.lengths(level) > 0
    index = s.levels[level].dtype
    offsets = xp.concat([xp.zeros(1, dtype=index), xp.cumulative_sum(xp.astype(nonempty, index))])
    out = xp.take(out, xp.argsort(xp.astype(~nonempty, xp.int8), stable=True), axis=nb)
    out = _zero_padding(xp, out, xp.arange(out.shape[nb], dtype=index) < offsets[-1], nb)
    caps = s.capacities
    ids = (*s.given_ids[:-1], None)
    kept = BoundedStructure(s.count, (*s.levels[:-1], offsets), (*caps[:-1], caps[-2]), (), s.valid, ids)
    return wrap(kept, out, nb)


def in_use(x: RaggedArray) -> Any:
    """Which content entries of a bounded array are in use (a boolean array of its shape)."""
    s, xp, nb = x._structure, x._backend.xp, x._nbatch
    used = s.slot_mask(s.nlevels)
    shape = (1,) * nb + tuple(used.shape) + (1,) * len(s.inner)
    return xp.broadcast_to(xp.reshape(used, shape), tuple(x._content.shape))


def _poisoned(xp: Any, out: Any, valid: Any) -> Any:
    """A result that carries no structure (a 0-d sum) from an invalid bounded array: NaN where it
    can hold one, so it is never quietly wrong."""
    if not xp.isdtype(out.dtype, ("real floating", "complex floating")):
        return out
    return xp.where(valid, out, xp.asarray(float("nan"), dtype=out.dtype))


# ---- pieces the computations share ---------------------------------------------------------
def masked(xp: Any, mask: Any, data: Any, fill: Any) -> Any:
    """``data`` where ``mask`` holds (every element when there is no mask), else ``fill``."""
    return data if mask is None else xp.where(mask, data, fill)


def count_of(ctx: Context, data: Any, mask: Any, dtype: Any) -> Any:
    """The number of (unmasked) elements reduced into every result."""
    if mask is None:
        n = ctx.count(data)
        return n if isinstance(n, int) else ctx.xp.astype(n, dtype)
    return ctx.reduce("sum", ctx.xp.astype(mask, dtype))


def safe_divide(xp: Any, num: Any, den: Any, fill: Any = math.nan) -> Any:
    """``num / den`` where ``den > 0``, else ``fill``; the double ``where`` keeps NaN out of derivatives."""
    if isinstance(den, (int, float)):
        if den > 0:
            return num / den
        return xp.broadcast_to(xp.asarray(fill, dtype=num.dtype), num.shape)
    positive = den > 0
    return xp.where(positive, num / xp.where(positive, den, xp.ones_like(den)), fill)


def cast(backend: Backend, content: Any, fname: str, dtype: Any) -> Any:
    """``content`` in ``dtype``, or in the dtype NumPy function ``fname`` gives on the backend."""
    target = backend.dtype(dtype) if dtype is not None else backend.result_dtype(fname, content.dtype)
    return content if content.dtype == target else backend.xp.astype(content, target)


def with_content(x: RaggedArray, content: Any) -> RaggedArray:
    return x if content is x._content else RaggedArray._new(x._structure, content)
