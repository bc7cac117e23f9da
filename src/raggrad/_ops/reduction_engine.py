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

Missing values (awkward's option types) reach ``compute`` as elements its mask leaves out, so
every reducer skips them the way it skips ``where=``'s unselected ones; which results are missing
(a missing list, or with ``mask_identity=True`` a list with no present element) follows from the
structure alone, so it is static under ``jax.jit`` (:func:`_option_reduction`). The contexts live
in :mod:`.reduction_contexts`.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._array import RaggedArray, as_ragged, bounded_structure, exact_structure, wrap
from .._axes import classify_axis, normalize_axes
from .._backends import Backend
from .._bounded import BoundedStructure
from .._bounded import reduction_plan as bounded_plan
from .._broadcast import broadcast
from .._options import all_masks, both, replace_masks
from .._records import reject
from .._structure import ReductionPlan, Segments, Structure, offsets_from_lengths, reduction_plan
from .common import poisoned, single
from .reduction_contexts import BoundedAxis, Context, DenseAxes, RaggedAxis, attach, present_of, zero_missing

__all__ = [
    "Context",
    "DenseAxes",
    "RaggedAxis",
    "ReductionPlan",
    "along",
    "cast",
    "classify",
    "count_of",
    "drops",
    "in_use",
    "kept",
    "masked",
    "operand",
    "present",
    "reduce_kept",
    "reduction",
    "reduction_plan",
    "safe_divide",
    "single",
    "with_content",
]


def classify(x: RaggedArray, axis: Any, name: str) -> tuple[str, Any]:
    """``("dense", content axes)``, ``("all", axes)`` or ``("ragged", structure axis a)``."""
    nb = x._nbatch
    if axis is None:
        return "all", tuple(range(len(x._content.shape)))
    if isinstance(axis, (tuple, list)):
        axes = normalize_axes(axis, x.ndim, name, type_str=lambda: x.type)
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


def aligned(x: RaggedArray, other: Any, what: str, name: str) -> tuple[RaggedArray, Any]:
    """``x``, flagged invalid where its lists and bounded ``other``'s differ (as a binary op's
    result), and ``other`` (``where=``, ``weights=``) broadcast to its content."""
    structure, _, (content, theirs), _ = broadcast((x, other), f"{name}({what}=...)")
    s, xp = x._structure, x._backend.xp
    if isinstance(structure, BoundedStructure) and not isinstance(s, BoundedStructure):
        msg = (
            f"{name}: {what}= is a bounded array and the values ({x.type!r}) an exact one; bound "
            f"them first with its capacities (rg.with_capacity(x, ...))"
        )
        raise ValueError(msg)
    same = structure is s or (
        isinstance(s, BoundedStructure)
        and isinstance(structure, BoundedStructure)
        and structure.capacities == s.capacities  # lists checked (or flagged) by broadcast
    )
    theirs = theirs if hasattr(theirs, "shape") else xp.asarray(theirs)  # a Python scalar
    shape = tuple(x._content.shape)
    ok = structure is not None and (same or structure.same_levels(s)) and content is x._content
    if not ok or np.broadcast_shapes(tuple(theirs.shape), shape) != shape:
        w = other.type if isinstance(other, RaggedArray) else f"shape {np.shape(other)}"
        msg = f"{name}: {what}= ({w}) must broadcast to the values' type {x.type!r}"
        raise ValueError(msg)
    if isinstance(s, BoundedStructure) and structure.valid is not s.valid:
        x = RaggedArray._new(s.with_valid(structure.valid), x._content)
    return x, xp.broadcast_to(theirs, shape)


def _where_mask(x: RaggedArray, where: Any, name: str) -> tuple[RaggedArray, Any]:
    """:func:`aligned` of the ``where=`` mask (None for no mask)."""
    if where is None or (isinstance(where, (bool, np.bool_)) and where):
        return x, None
    x, mask = aligned(x, where, "where", name)
    if x._backend.numpy_dtype(mask.dtype) != np.bool_:
        msg = f"{name}: where= must be a boolean array, got dtype {mask.dtype}"
        raise TypeError(msg)
    return x, mask


def reduction(
    name: str,
    x: RaggedArray,
    axis: Any,
    keepdims: bool,
    where: Any,
    compute: Callable[[Context, Any, Any], Any],
    *,
    arg: bool = False,
    mask_identity: bool = False,
) -> Any:
    """Apply ``compute(ctx, data, mask)`` along ``axis`` and wrap the result (the one generic path).

    Missing elements reach ``compute`` as elements its ``mask`` leaves out (the mask ``where=``
    fills), so every reducer skips them the way it skips unselected ones; ``mask_identity=True``
    makes a result with no present element missing (see :func:`_option_reduction`).
    """
    x, mask = _where_mask(x, where, name)
    backend, content, nb, s = x._backend, x._content, x._nbatch, x._structure
    kind, axes = classify(x, axis, name)
    xp = backend.xp
    if isinstance(s, BoundedStructure):
        if mask_identity:
            msg = f"{name}: mask_identity=True is not supported on a bounded array; trim it (rg.trim) first"
            raise NotImplementedError(msg)
        return _bounded_reduction(name, x, kind, axes, keepdims, mask, compute, arg)
    if s.masks is not None or mask_identity:
        return _option_reduction(name, x, kind, axes, keepdims, mask, compute, arg, mask_identity)
    if kind != "ragged":
        out = compute(DenseAxes(backend, axes, tuple(content.shape)), content, mask)
        return _dense_result(x, kind, axes, keepdims, out)
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


def _dense_result(x: RaggedArray, kind: str, axes: Any, keepdims: bool, out: Any) -> Any:
    """The result of reducing regular axes (or all axes): ``out`` wrapped over what is left."""
    s, nb, xp = x._structure, x._nbatch, x._backend.xp
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


def along(name: str, x: RaggedArray, axis: Any, compute: Callable[[Context, Any, Any], Any]) -> Any:
    """A per-element result computed from reductions along ``axis`` (softmax): ``x``'s structure.

    ``compute(ctx, data, mask)`` gets the mask of the present elements (None: all are) where
    missing ones share the reduced axis; a missing element stays missing, with a zero.
    """
    backend, content, nb, s = x._backend, x._content, x._nbatch, x._structure
    xp = backend.xp
    kind, axes = classify(x, axis, name)
    if isinstance(s, BoundedStructure):
        if kind == "ragged":
            data = xp.moveaxis(content, nb, 0) if nb else content
            out = compute(BoundedAxis(backend, bounded_plan(s, axes), len(content.shape) - 1), data, None)
            out = xp.moveaxis(out, 0, nb) if nb else out
        else:
            # padding takes no share of the whole, nor of the outer axis without ragged levels
            used = in_use(x) if kind == "all" or (not s.nlevels and nb in axes) else None
            out = compute(DenseAxes(backend, axes, tuple(content.shape)), content, used)
        return wrap(s, _zero_padding(xp, out, s.slot_mask(s.nlevels), nb), nb)
    em = s.masks[-1] if s.masks is not None else None
    if kind != "ragged":
        ctx: Context = DenseAxes(backend, axes, tuple(content.shape))
        crosses = em is not None and (kind == "all" or (not s.nlevels and nb in axes))
        out = compute(ctx, content, attach(ctx, s, content, nb) if crosses else None)
        return wrap(s, zero_missing(backend, s, out, nb), nb)
    data = xp.moveaxis(content, nb, 0) if nb else content
    ctx = RaggedAxis(backend, reduction_plan(s, axes), len(content.shape) - 1)
    out = compute(ctx, data, attach(ctx, s, data, 0) if em is not None else None)
    return wrap(s, zero_missing(backend, s, xp.moveaxis(out, 0, nb) if nb else out, nb), nb)


# ---- missing values ---------------------------------------------------------------------------
def _option_reduction(
    name: str,
    x: RaggedArray,
    kind: str,
    axes: Any,
    keepdims: bool,
    where: Any,
    compute: Callable[[Context, Any, Any], Any],
    arg: bool,
    mask_identity: bool,
) -> Any:
    """``reduction`` with missing values (or ``mask_identity=True``), as awkward reduces them.

    Missing elements are left out (their derivative is zero); a missing list, at any depth above
    the reduced axis, gives a missing result; lists merged by the reduction are never missing.
    With ``mask_identity=True`` a result with no present element (an empty list, a list of
    missing elements only) is missing too: the innermost items of the result become an option
    type, as in awkward. Which results are missing depends on structure alone, never on
    ``where=``, so it is known when tracing.
    """
    backend, content, nb, s = x._backend, x._content, x._nbatch, exact_structure(x)  # bounded: no masks
    masks = all_masks(s)
    if kind != "ragged":
        return _dense_options(name, x, kind, axes, keepdims, where, compute, mask_identity)
    if mask_identity and s.inner:
        raise _regular_options(name, x)
    xp, a, k = backend.xp, axes, s.nlevels
    plan = reduction_plan(s, a)
    data = xp.moveaxis(content, nb, 0) if nb else content
    mask = xp.moveaxis(where, nb, 0) if where is not None and nb else where
    ctx = RaggedAxis(backend, plan, len(content.shape) - 1)
    counts = plan.counts
    if masks[-1] is not None:
        em = masks[-1]
        if not backend.is_host:
            ctx = _PresentAxis(backend, plan, len(content.shape) - 1, em)
        ctx.counts = counts = plan.cached(
            "present-counts", lambda: np.bincount(plan.targets[em], minlength=plan.n)
        )
        present = attach(ctx, s, data, 0)
        mask = present if mask is None else mask & present
    if arg and masks[a] is not None and (a < k or s.inner):
        # the items along the axis are lists, or regular rows (``s.inner``): a missing one is
        # left out of the count, as awkward does (a missing number is counted)
        ctx.ranks = plan.cached("present-local", lambda: _present_ranks(s, a, masks[a]))
    out = compute(ctx, data, mask)
    out = xp.moveaxis(out, 0, nb) if nb else out
    nonempty = plan.cached("nonempty", lambda: counts > 0) if mask_identity else None
    if not keepdims or (a == k and not arg and not mask_identity):
        # the depths above the reduced axis keep their missing items; the merged ones have none
        result = [*masks[:a], *(None,) * (k - a)]
        result[-1] = both(result[-1], nonempty)
        structure = plan.cached(
            ("option-result", mask_identity), lambda: replace_masks(plan.result, tuple(result))
        )
        if keepdims:  # within the innermost lists: a regular dimension of 1 (``option[1 * T]``)
            out = xp.expand_dims(out, axis=nb + 1)
        return wrap(structure, zero_missing(backend, structure, out, nb), nb)
    if a == k:
        # argmax's keepdims, or mask_identity's: a list of one item per present list (an empty list
        # where argmax has no index to give), its item missing where the reduction found nothing
        structure, kept = plan.cached(
            ("option-keep", mask_identity), lambda: _kept_lists(s, nonempty, counts)
        )
        out = xp.take(out, backend.index(plan, ("option-keep", mask_identity), kept, out), axis=nb)
        return wrap(structure, zero_missing(backend, structure, out, nb), nb)
    structure = plan.cached(("option-keep", mask_identity), lambda: _kept_merged(s, plan.keep, a, nonempty))
    return wrap(structure, zero_missing(backend, structure, out, nb), nb)


class _PresentAxis(RaggedAxis):
    """A ragged axis whose reductions drop the missing elements: they target one past the last
    result. No pass over the content and no mask reach the program (the targets replace the
    segment ids), and a missing element reaches no result and no derivative of any order. On the
    host NumPy's copy (:func:`kept`) is cheaper. ``gather`` gives the missing elements 0: what
    they compute from it is dropped, so a NaN mean (no element present) never reaches them."""

    drops = True

    def __init__(self, backend: Backend, plan: ReductionPlan, rest: int, present: np.ndarray) -> None:
        super().__init__(backend, plan, rest)
        self.targets = plan.cached("present-targets", lambda: np.where(present, plan.targets, plan.n))

    def reduce(self, kind: str, data: Any) -> Any:
        # prod: the backend's rule, given sorted ids too (a sort in the program compiles for minutes)
        segments = self.plan.segments if kind == "prod" and data is self.content else None
        if kind == "prod" and segments is None:
            return super().reduce(kind, self.xp.where(self.present, data, self.xp.ones_like(data)))
        ids = self.backend.index(self.plan, "present-targets", self.targets, data)
        if segments is not None:
            return self.backend.segment_prod_present(data, self.present, segments, ids)
        return self.backend.segment_reduce_ids(kind, data, ids, self.plan.n, sorted_ids=False)

    def gather(self, values: Any) -> Any:
        ids = self.backend.index(self.plan, "present-targets", self.targets, values)
        return self.backend.take_fill(values, ids, 0)


def _present_ranks(s: Structure, a: int, present: np.ndarray) -> np.ndarray:
    """Every element's index along ragged axis ``a`` counting the present lists at depth ``a``
    only: awkward's argmax/argmin index a list with its missing lists left out."""
    before = np.cumsum(present) - present  # present items before each item at depth a
    if a == 0:
        return np.asarray(before[s.ancestors(0)])
    seg = s.levels[a - 1]
    start = np.append(before, int(present.sum()))[seg.offsets[:-1]]
    return np.asarray((before - start[seg.ids])[s.ancestors(a)])


def _kept_lists(
    s: Structure, nonempty: np.ndarray | None, counts: np.ndarray
) -> tuple[Structure, np.ndarray]:
    """keepdims within the innermost lists, one item per present list (``nonempty`` given: its
    item missing where it is False) or per list with a present element (``nonempty`` None)."""
    lists = all_masks(s)[-2]
    keep = np.ones(len(counts), bool) if lists is None else lists
    if nonempty is None:
        keep = keep & (counts > 0)
    kept = np.flatnonzero(keep)
    ones = Segments(offsets_from_lengths(keep.astype(np.int64)))
    items = None if nonempty is None else nonempty[kept]
    return Structure(s.length, (*s.levels[:-1], ones), (), (*all_masks(s)[:-1], items)), kept


def _kept_merged(s: Structure, keep: Structure | None, a: int, nonempty: np.ndarray | None) -> Structure:
    """keepdims along ragged axis ``a`` above the innermost: a missing list at depth ``a - 1`` holds
    no list of one (it must stay empty); the depths above keep their missing items."""
    assert keep is not None  # a keepdims plan along a ragged axis above the innermost keeps one
    masks, levels, lists = all_masks(s), keep.levels, all_masks(s)[a - 1] if a else None
    if lists is not None:
        ones = Segments(offsets_from_lengths(lists.astype(np.int64)))
        merged = Segments(offsets_from_lengths(levels[a].lengths[lists]))
        levels = (*levels[: a - 1], ones, merged, *levels[a + 1 :])
    return Structure(keep.length, levels, (), (*masks[:a], *(None,) * (s.nlevels - a), nonempty))


def _dense_options(
    name: str,
    x: RaggedArray,
    kind: str,
    axes: Any,
    keepdims: bool,
    where: Any,
    compute: Callable[[Context, Any, Any], Any],
    mask_identity: bool,
) -> Any:
    """Regular axes (or all axes) of an array with missing values, or with ``mask_identity=True``."""
    backend, content, nb, s = x._backend, x._content, x._nbatch, exact_structure(x)
    em = all_masks(s)[-1]
    shape = tuple(content.shape)
    ctx = DenseAxes(backend, axes, shape)
    if not (kind == "all" or (not s.nlevels and nb in axes)):
        # the elements stay (regular axes within them, or batch axes): a missing one gives a
        # missing result, zero, and an empty extent (a dimension of 0) a missing one everywhere
        result = _dense_result(x, kind, axes, keepdims, compute(ctx, content, where))
        r = exact_structure(result)
        if mask_identity:
            if r.inner:
                raise _regular_options(name, x)
            filled: Any = np.full(r.size, ctx.size > 0) if em is None else em & (ctx.size > 0)
            r = replace_masks(r, (*all_masks(r)[:-1], filled))
        return wrap(r, zero_missing(backend, r, result._content, result._nbatch), result._nbatch)
    mask = where
    if em is not None:  # the elements' own axis is reduced: the missing ones are left out
        present = attach(ctx, s, content, nb)
        mask = present if mask is None else mask & present  # (attach counts the present ones)
    result = _dense_result(x, kind, axes, keepdims, compute(ctx, content, mask))
    if not mask_identity:
        return result
    filled = ctx.counted > 0
    if not isinstance(result, RaggedArray):
        return result if filled else None
    r = exact_structure(result)
    if r.inner:
        raise _regular_options(name, x)
    r = replace_masks(r, (*all_masks(r)[:-1], np.full(r.size, filled)))
    return wrap(r, zero_missing(backend, r, result._content, result._nbatch), result._nbatch)


def _regular_options(name: str, x: RaggedArray) -> NotImplementedError:
    msg = (
        f"{name}: mask_identity=True here would put missing values inside a regular dimension "
        f"(the input has type {x.type!r}), which raggrad does not hold; use mask_identity=False "
        "and rg.num/rg.count to find the empty lists"
    )
    return NotImplementedError(msg)


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
    if not isinstance(s, BoundedStructure):  # (reduction routes bounded arrays only here)
        msg = f"{name}: expected a bounded array, got type {x.type!r}"
        raise TypeError(msg)
    xp = backend.xp
    used = s.slot_mask(s.nlevels)
    if kind != "ragged":  # (within lists, padding slots' ids are out of range: never reduced)
        mask = in_use(x) if mask is None else (mask & in_use(x))
        out = compute(DenseAxes(backend, axes, tuple(content.shape)), content, mask)
        if kind == "all" or (not s.nlevels and nb in axes):  # the structured dims are gone
            out = poisoned(backend, out, s.valid, name)
            if kind == "all" and keepdims:
                return wrap(_all_ones(s), out, nb)
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


def _all_ones(s: BoundedStructure) -> BoundedStructure:
    """The structure of ``keepdims=True, axis=None``: one list of one item at every depth.

    It is static, yet held bounded (every capacity 1) so that the result carries the input's
    validity flag and mixes with other bounded arrays as the exact result mixes with exact ones.
    """

    xp, index = s.backend.xp, s.count.dtype
    one = xp.ones((), dtype=index)
    levels = tuple(xp.stack([xp.zeros((), dtype=index), one]) for _ in s.levels)
    return BoundedStructure(one, levels, (1,) * (s.nlevels + 1), (), s.valid)


def operand(x: Any, name: str) -> RaggedArray:
    """The array argument of a reducer: as :func:`single`, with missing values (None) accepted."""
    if isinstance(x, RaggedArray):
        return x
    reject(x, name, "reduce")
    out: RaggedArray = as_ragged(x, name, options=True)
    return out


def present(x: RaggedArray) -> Any:
    """Which content entries of ``x`` are present (a boolean array of its content's shape), or
    None when none can be missing."""
    s = x._structure
    if not isinstance(s, Structure) or s.masks is None or s.masks[-1] is None:  # bounded: none
        return None
    xp, content = x._backend.xp, x._content
    return xp.broadcast_to(present_of(x._backend, s, content, x._nbatch), tuple(content.shape))


def in_use(x: RaggedArray) -> Any:
    """Which content entries of a bounded array are in use (a boolean array of its shape)."""
    s, xp, nb = bounded_structure(x), x._backend.xp, x._nbatch
    used = s.slot_mask(s.nlevels)
    shape = (1,) * nb + tuple(used.shape) + (1,) * len(s.inner)
    return xp.broadcast_to(xp.reshape(used, shape), tuple(x._content.shape))


# ---- pieces the computations share ---------------------------------------------------------
def masked(xp: Any, mask: Any, data: Any, fill: Any) -> Any:
    """``data`` where ``mask`` holds (every element when there is no mask), else ``fill``."""
    return data if mask is None else xp.where(mask, data, fill)


def drops(ctx: Context, mask: Any) -> bool:
    """Whether ``mask`` only leaves out missing elements that ``ctx.reduce`` drops by itself."""
    return mask is not None and mask is ctx.present and getattr(ctx, "drops", False)


def kept(ctx: Context, mask: Any, data: Any, fill: Any) -> Any:
    """``masked(ctx.xp, mask, data, fill)``, cheaper where ``mask`` only leaves out the missing
    elements of the data the context was handed, on a host backend (no derivatives to keep out
    of them): their content is zero already, or a copy takes ``fill`` at their indices. Elsewhere
    a zero ``fill`` needs no pass over the data either, only their derivatives zeroed."""
    if mask is not None and mask is ctx.present and data is ctx.content:
        if isinstance(fill, (bool, int, float)) and fill == 0:
            return ctx.backend.zero_gradient(data, mask)  # the data itself on the host
        if not ctx.backend.is_host or ctx.missing is None:
            return masked(ctx.xp, mask, data, fill)
        axis, missing = ctx.missing
        out = data.copy()
        out[(slice(None),) * axis + (missing,)] = fill
        return out
    return masked(ctx.xp, mask, data, fill)


def reduce_kept(ctx: Context, kind: str, data: Any, mask: Any, fill: Any) -> Any:
    """``ctx.reduce(kind, kept(ctx, mask, data, fill))``: ``kind`` over the elements ``mask`` keeps."""
    if drops(ctx, mask):  # a sum of the content itself: its zeros, plain segments (sorted ids)
        if kind == "sum" and data is ctx.content:
            return RaggedAxis.reduce(ctx, kind, ctx.backend.zero_gradient(data, mask))  # type: ignore[arg-type]  # a _PresentAxis
        return ctx.reduce(kind, data)
    present_mask = mask is not None and mask is ctx.present and data is ctx.content
    numbers = ctx.backend.numpy_dtype(data.dtype).kind in "iuf"
    if kind in ("max", "min") and isinstance(ctx, DenseAxes) and ctx.size > 0 and present_mask and numbers:
        # the missing elements hold zeros: one plain pass where the result is beyond zero
        return ctx.backend.present_extremum(kind, data, mask, ctx.axes, fill, ctx.size - ctx.counted)
    return ctx.reduce(kind, kept(ctx, mask, data, fill))


def count_of(ctx: Context, data: Any, mask: Any, dtype: Any) -> Any:
    """The number of (unmasked) elements reduced into every result."""
    if mask is None or mask is ctx.present:
        n = ctx.count(data)
        return n if isinstance(n, int) else ctx.xp.astype(n, dtype)
    return ctx.reduce("sum", ctx.xp.astype(mask, dtype))


def safe_divide(xp: Any, num: Any, den: Any, fill: Any = math.nan) -> Any:
    """``num / den`` where ``den > 0``, else ``fill``; the double ``where`` keeps NaN out of derivatives."""
    if isinstance(den, (int, float)):
        if den > 0:
            return num / den
        return xp.broadcast_to(xp.asarray(fill, dtype=num.dtype), num.shape)
    positive = (xp.real(den) if xp.isdtype(den.dtype, "complex floating") else den) > 0
    return xp.where(positive, num / xp.where(positive, den, xp.ones_like(den)), fill)


def cast(backend: Backend, content: Any, fname: str, dtype: Any) -> Any:
    """``content`` in ``dtype``, or in the dtype NumPy function ``fname`` gives on the backend."""
    target = backend.dtype(dtype) if dtype is not None else backend.result_dtype(fname, content.dtype)
    return content if content.dtype == target else backend.xp.astype(content, target)


def with_content(x: RaggedArray, content: Any) -> RaggedArray:
    return x if content is x._content else RaggedArray._new(x._structure, content)
