"""Cumulative sums and products along any axis (``include_initial`` as the array API has it).

Within the innermost lists a scan is the backend's ``segment_scan``; along other ragged axes the
elements are sorted by their result list once per structure (cached) and scanned the same way.

Missing values (None) are skipped as ``np.nancumsum`` skips NaN: a missing element stays missing
and adds nothing to (multiplies nothing into) the running total, and its derivative is zero; a
missing list stays missing. awkward has no cumulative sum to compare with.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._array import RaggedArray, wrap
from .._backends import Backend
from .._bounded import BoundedStructure
from .._bounded import reduction_plan as bounded_plan
from .._registry import register
from .._structure import Segments, Structure, offsets_from_lengths
from .manipulation import flatten
from .reduction_engine import (
    ReductionPlan,
    cast,
    classify,
    operand,
    present,
    reduction_plan,
    with_content,
)

__all__ = ["cumulative_prod", "cumulative_sum"]


def _cumulative(name: str, kind: str, x: Any, axis: Any, dtype: Any, include_initial: bool) -> Any:
    x = operand(x, name)
    live = present(x)
    if live is None:
        return _scan(name, kind, x, axis, dtype, include_initial)
    if include_initial:
        msg = f"{name}: include_initial=True is not supported on an array with missing values"
        raise NotImplementedError(msg)
    xp, fill = x._backend.xp, 0 if kind == "sum" else 1
    content = xp.where(live, x._content, xp.asarray(fill, dtype=x._content.dtype))
    out = _scan(name, kind, with_content(x, content), axis, dtype, False)
    return wrap(x._structure, xp.where(live, out._content, xp.zeros_like(out._content)), x._nbatch)


def _scan(name: str, kind: str, x: RaggedArray, axis: Any, dtype: Any, include_initial: bool) -> Any:
    backend = x._backend
    fname = "cumulative_sum" if kind == "sum" else "cumulative_prod"
    content = cast(backend, x._content, fname, dtype)
    s, nb, xp = x._structure, x._nbatch, backend.xp
    if axis is None:
        if x.ndim != 1:
            msg = f"{name}: axis=None needs a one-dimensional array, got type {x.type!r}; pass axis="
            raise ValueError(msg)
        axis = 0
    kind_axis, axes = classify(x, axis, name)
    if isinstance(s, BoundedStructure):
        return _bounded(name, kind, x, content, kind_axis, axes, fname, include_initial)
    if kind_axis != "ragged":
        (i,) = axes
        out = getattr(backend.xp, fname)(content, axis=i, include_initial=include_initial)
        if dtype is not None:  # dtype= is the result's dtype (NumPy widens small integers)
            out = xp.astype(out, content.dtype)
        if i == nb and not s.nlevels and not include_initial:
            return wrap(s, out, nb)
        if i == nb and not s.nlevels:
            return wrap(Structure(out.shape[nb]), out, nb)
        return wrap(s, out, nb)
    plan = reduction_plan(s, axes)
    data = xp.moveaxis(content, nb, 0) if nb else content
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
        scanned = backend.segment_scan(kind, backend.take(data, order, plan, "order"), groups)
        out = backend.take(scanned, inverse, plan, "inverse")
    if out.dtype != content.dtype:  # the content's dtype (dtype=): torch's cumsum widens int8
        out = xp.astype(out, content.dtype)
    return wrap(structure if plan.segments is not None else s, xp.moveaxis(out, 0, nb) if nb else out, nb)


def _bounded(
    name: str, kind: str, x: Any, content: Any, kind_axis: str, axes: Any, fname: str, include_initial: bool
) -> Any:
    """A running sum or product on a bounded array: padding slots start their own runs (they
    hold zeros) and are zero again afterwards. ``include_initial=True`` gives every innermost list
    one more element, so the element capacity grows by the list capacity (padding lists stay
    empty); along the outer axis of a list-free array the outer capacity grows by one."""
    backend, s, nb = x._backend, x._structure, x._nbatch
    xp = backend.xp
    if kind_axis != "ragged":
        (i,) = axes
        out = getattr(xp, fname)(content, axis=i, include_initial=include_initial)
        if include_initial and i == nb:  # the outer axis of a list-free array: one more item
            s = BoundedStructure(s.count + 1, (), (s.capacities[0] + 1,), (), s.valid)
        return wrap(s, _zero_unused(xp, out, s, nb), nb)
    if include_initial and axes != s.nlevels:
        msg = (
            f"{name}: include_initial=True is supported along the innermost ragged axis and regular axes only"
        )
        raise NotImplementedError(msg)
    plan = bounded_plan(s, axes)
    data = xp.moveaxis(content, nb, 0) if nb else content
    if plan.sorted:  # within the innermost lists: a run starts at every list's first slot
        out = backend.segment_scan_flags(kind, data, plan.local == 0)
    else:  # group the elements by their result slot (stable: in axis order), scan, put back
        order = xp.argsort(plan.targets, stable=True)
        targets = xp.take(plan.targets, order)
        starts = xp.concat([xp.ones(1, dtype=xp.bool), targets[1:] != targets[:-1]])
        scanned = backend.segment_scan_flags(kind, xp.take(data, order, axis=0), starts)
        out = xp.take(scanned, xp.argsort(order), axis=0)
    if include_initial:
        out, s = _bounded_initial(backend, s, out, 0 if kind == "sum" else 1)
    out = xp.moveaxis(out, 0, nb) if nb else out
    return wrap(s, _zero_unused(xp, out, s, nb), nb)


def _zero_unused(xp: Any, out: Any, s: BoundedStructure, nb: int) -> Any:
    """``out`` (over ``s``, ``nb`` batch dims) with zeros at the padding element slots."""
    used = s.slot_mask(s.nlevels)
    shape = (1,) * nb + tuple(used.shape) + (1,) * (len(out.shape) - nb - 1)
    return xp.where(xp.reshape(used, shape), out, xp.zeros_like(out))


def _bounded_initial(
    backend: Backend, s: BoundedStructure, out: Any, fill: int
) -> tuple[Any, BoundedStructure]:
    """Each innermost list of bounded ``s`` gets the identity in front (``include_initial=True``;
    ``out`` has the element slots first): list ``l`` moves ``l`` slots right (padding lists do
    not move past the last list in use, so they stay empty), the element capacity grows by the
    list capacity, and each new slot gathers its element or the identity."""
    xp, caps, k = backend.xp, s.capacities, s.nlevels - 1
    offsets = s.levels[k]
    index = offsets.dtype
    shifted = offsets + xp.minimum(xp.arange(caps[k] + 1, dtype=index), s.in_use(k))
    size = caps[-1] + caps[k]
    ids = backend.ids_from_offsets(shifted, size)  # padding slots: caps[k], out of range
    local = xp.arange(size, dtype=index) - backend.take_fill(shifted, ids, 0)
    source = backend.take_fill(offsets, ids, 0) + local - 1
    # out of range (the identity) at each list's first slot and at padding; never negative,
    # which jax's take would count from the end
    source = xp.where((local > 0) & (ids < caps[k]), source, caps[-1])
    structure = BoundedStructure(s.count, (*s.levels[:-1], shifted), (*caps[:-1], size), (), s.valid)
    return backend.take_fill(out, source, fill), structure


def _scan_order(plan: ReductionPlan) -> tuple[np.ndarray, np.ndarray, Segments]:
    order = np.argsort(plan.targets, kind="stable")  # within a target, elements stay in axis order
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    offsets = offsets_from_lengths(plan.counts)
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
    xp = backend.xp
    padded = xp.concat([out, xp.full((1, *out.shape[1:]), fill, dtype=out.dtype)])
    return backend.take(padded, source, seg, "include-initial"), structure


def _numpy_cumulative(name: str) -> Any:
    """NEP-18 ``np.cumsum``/``np.cumprod``: ``axis=None`` runs over the flattened elements."""

    def impl(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        if out is not None:
            msg = f"np.{name}: out= is not supported: RaggedArrays are immutable; use the return value"
            raise NotImplementedError(msg)
        func = cumulative_sum if name == "cumsum" else cumulative_prod
        if axis is None:
            return func(flat_elements(a, f"np.{name}"), axis=0, dtype=dtype)
        return func(a, axis=axis, dtype=dtype)

    return impl


def flat_elements(a: Any, name: str) -> RaggedArray:
    """The elements of ``a`` in one list, for NumPy's ``axis=None``: a one-dimensional array with
    missing values as it is (they stay in place), the elements of the lists present where only
    lists are missing, nested lists with missing elements refused."""
    x = operand(a, name)
    masks = getattr(x._structure, "masks", None)
    if masks is not None:
        if x.ndim == 1:
            return x
        if masks[-1] is not None:
            msg = f"{name}: axis=None over nested lists with missing values; flatten them (rg.flatten) first"
            raise NotImplementedError(msg)
    if masks is not None or isinstance(x._structure, BoundedStructure):  # (never the padding)
        flat: RaggedArray = flatten(x, axis=None)
        return flat
    content = x._backend.xp.reshape(x._content, (-1,))
    return RaggedArray._new(Structure(content.shape[0]), content)


@register(
    "cumulative_sum", "reduction", numpy=(np.cumsum,), numpy_impl=_numpy_cumulative("cumsum"), options=True
)
def cumulative_sum(x: Any, /, *, axis: Any = None, dtype: Any = None, include_initial: bool = False) -> Any:
    """Running sum along ``axis``; ``include_initial=True`` puts a 0 in front of each list.

    >>> import raggrad as rg
    >>> x = rg.array([[1, 2, 3], [], [4, 5]])
    >>> rg.cumulative_sum(x, axis=1).to_list(), rg.cumulative_sum(x, axis=1, include_initial=True).to_list()
    ([[1, 3, 6], [], [4, 9]], [[0, 1, 3, 6], [0], [0, 4, 9]])
    >>> rg.cumulative_sum(rg.array([[1, None, 3], None]), axis=1).to_list()
    [[1, None, 4], None]
    """
    return _cumulative("rg.cumulative_sum", "sum", x, axis, dtype, include_initial)


@register(
    "cumulative_prod", "reduction", numpy=(np.cumprod,), numpy_impl=_numpy_cumulative("cumprod"), options=True
)
def cumulative_prod(x: Any, /, *, axis: Any = None, dtype: Any = None, include_initial: bool = False) -> Any:
    """Running product along ``axis``; ``include_initial=True`` puts a 1 in front of each list.

    >>> import raggrad as rg
    >>> rg.cumulative_prod(rg.array([[1, 2, 3], [], [4, 5]]), axis=-1).to_list()
    [[1, 2, 6], [], [4, 20]]
    """
    return _cumulative("rg.cumulative_prod", "prod", x, axis, dtype, include_initial)
