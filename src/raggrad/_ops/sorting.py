"""Sorting within lists: ``sort`` and ``argsort`` (stable, differentiable, jittable).

The permutation depends on values, so it runs on the backend as a stable sort keyed by (list id,
value); ``sort`` gathers with it, so its gradient follows the permutation. On a bounded array the
list ids come from its device offsets; padding slots carry the largest id, so they stay at the
end, where they are.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .._array import RaggedArray
from .._axes import classify_axis
from .._bounded import BoundedStructure
from .._options import element_mask, replace_masks
from .._registry import register
from .._structure import Segments
from .common import bounded_structure, single
from .cumulative import flat_elements
from .manipulation_bounded import keep_used
from .option_gather import zero_missing

__all__ = ["argsort", "sort"]


def _sort_order(x: RaggedArray, descending: bool, name: str) -> tuple[Any, Any, Any]:
    """Within-list sorting permutation of the innermost level, on the backend.

    Returns ``(order, values, seg)`` where ``values`` is the content with the element axis last
    and ``order`` the global element indices that sort it (stable) along that axis.
    """
    s, backend = x._structure, x._backend
    xp = backend.xp
    if isinstance(s, BoundedStructure):
        return _bounded_order(x, descending)
    seg = s.levels[-1] if s.nlevels else s.cached("one-list", lambda: Segments(np.array([0, s.length])))
    values = xp.moveaxis(x._content, x._nbatch, -1)
    shape = tuple(values.shape)
    like = x._content
    rev = None
    if descending:
        # stable descending = reverse each list, sort ascending, reverse back (equal values keep
        # their order)
        rev = seg.cached(
            "reversed", lambda: seg.offsets[:-1][seg.ids] + seg.offsets[1:][seg.ids] - 1 - np.arange(seg.size)
        )
        rev_d = backend.index(seg, ("sort", "reversed"), rev, like)
        values = backend.take_along_axis(values, xp.broadcast_to(rev_d, shape), -1)
    ids = xp.broadcast_to(backend.index(seg, ("sort", "ids"), seg.ids, like), shape)
    keys: tuple[Any, ...] = (values, ids)
    mask = element_mask(s)
    if mask is not None:
        # missing elements last, in their order, as awkward places them: a key between the list
        # and the value (reversed lists put them first, so that reversing back puts them last)
        key = ("sort", "missing", descending)
        gone = s.cached(key, lambda: (mask[rev] if descending else ~mask).astype(np.int8))
        keys = (values, xp.broadcast_to(backend.index(s, key, gone, like), shape), ids)
    order = backend.lexsort(keys, axis=-1)  # stable: by list, then by value
    if descending:
        order = _unreversed(xp, rev_d, order)
    return order, xp.moveaxis(x._content, x._nbatch, -1), seg


def _unreversed(xp: Any, rev: Any, order: Any) -> Any:
    """``rev[order[..., rev]]``: the order of the reversed lists, back in list order (flat takes:
    ``jnp.take`` of an empty array drops the batch dims of the indices)."""
    picked = xp.take(order, rev, axis=-1)
    return xp.reshape(xp.take(rev, xp.reshape(picked, (-1,))), picked.shape)


def _bounded_order(x: RaggedArray, descending: bool) -> tuple[Any, Any, Any]:
    """:func:`_sort_order` on a bounded array: list ids and starts from its device offsets (the
    third item is every element slot's list start)."""
    s, backend = bounded_structure(x), x._backend
    xp = backend.xp
    if s.nlevels:
        offsets, ids = s.levels[-1], s.ids(s.nlevels - 1)
    else:  # one list of the outer items in use
        offsets = xp.stack([xp.zeros((), dtype=s.count.dtype), s.count])
        ids = xp.astype(~s.slot_mask(0), s.count.dtype)
    starts = backend.take_fill(offsets, ids, 0)
    values = xp.moveaxis(x._content, x._nbatch, -1)
    shape = tuple(values.shape)
    if descending:  # as in _sort_order, with padding slots left where they are
        slots = xp.arange(s.size, dtype=offsets.dtype)
        ends = backend.take_fill(offsets[1:], ids, 0)
        rev = xp.where(s.slot_mask(s.nlevels), starts + ends - 1 - slots, slots)
        values = xp.take(values, rev, axis=-1)
    order = backend.lexsort((values, xp.broadcast_to(ids, shape)), axis=-1)
    if descending:
        order = _unreversed(xp, rev, order)
    return order, xp.moveaxis(x._content, x._nbatch, -1), starts


def _sort_axis(x: RaggedArray, axis: int, name: str) -> tuple[str, int]:
    kind, k = classify_axis(x, axis, name)
    s = x._structure
    if kind == "inner":
        return "dense", x._nbatch + 1 + k  # the content axis of that regular dim
    if kind == "outer" and not s.nlevels:  # a bounded array's padding must stay at the end
        ragged = isinstance(s, BoundedStructure) or element_mask(s) is not None  # missing ones too
        return ("ragged", 0) if ragged else ("dense", x._nbatch)
    if kind == "level" and k == s.nlevels - 1:
        return "ragged", k
    msg = (
        f"{name}: axis={axis} of an array of type {x.type!r} is not supported; sort within the "
        "innermost lists (axis=-1) or along a regular dimension"
    )
    raise NotImplementedError(msg)


def _descending(descending: Any, ascending: Any, name: str) -> bool:
    """The direction from the array API's ``descending`` or awkward's ``ascending`` (not both
    disagreeing)."""
    for key, value in (("descending", descending), ("ascending", ascending)):
        if value is not None and not isinstance(value, (bool, np.bool_)):
            msg = f"{name}: {key} must be True or False, got {value!r}"
            raise TypeError(msg)
    if ascending is None:
        return bool(descending)
    if descending and ascending:
        msg = f"{name}: descending=True and ascending=True contradict each other; pass one of them"
        raise ValueError(msg)
    return not ascending


_NUMPY_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def _numpy_sorting(name: str) -> Any:
    """NEP-18 ``np.sort``/``np.argsort``: ``axis=None`` sorts the flattened values; every sort is
    stable, so each ``kind=`` NumPy accepts is honoured (and any other is refused, as NumPy does)."""

    def impl(
        a: Any,
        axis: int | None = -1,
        kind: str | None = None,
        order: Any = None,
        *,
        stable: bool | None = None,
    ) -> Any:
        if order is not None:
            msg = f"np.{name}: order= (record fields) is not supported on RaggedArrays"
            raise NotImplementedError(msg)
        if kind not in _NUMPY_KINDS:
            msg = f"np.{name}: kind={kind!r} is not one of {_NUMPY_KINDS[1:]}"
            raise ValueError(msg)
        func = sort if name == "sort" else argsort
        return func(flat_elements(a, f"np.{name}"), axis=-1) if axis is None else func(a, axis=axis)

    return impl


@register(
    "sort", "structural", numpy=(np.sort,), numpy_impl=_numpy_sorting("sort"), awkward="ak.sort", options=True
)
def sort(
    x: RaggedArray,
    /,
    *,
    axis: int = -1,
    descending: bool = False,
    stable: bool = True,
    ascending: bool | None = None,
) -> RaggedArray:
    """Sort within every innermost list (``axis=-1``), or along a regular dimension.

    ``ascending`` is awkward's name for the direction (``ascending=False`` is
    ``descending=True``); give one of the two. Always stable (``stable=False`` is allowed and
    gives the same result). Missing values go to the end of their lists, descending too, as
    awkward places them; NaN counts as above every number, as in NumPy (last ascending, first
    descending; awkward puts it first ascending).
    Differentiable: the gradient follows the permutation. Works under
    ``jax.jit`` (a sort keyed by list and value), on bounded arrays too (capacities unchanged,
    padding slots stay at the end).

    >>> import raggrad as rg
    >>> rg.sort(rg.array([[3.0, 1.0, 2.0], [], [5.0, 4.0]])).to_list()
    [[1.0, 2.0, 3.0], [], [4.0, 5.0]]
    >>> rg.sort(rg.array([[3, 1, 2], [5, 4]]), descending=True).to_list()
    [[3, 2, 1], [5, 4]]
    >>> rg.sort(rg.array([[2.0, None, 1.0], None]), ascending=False).to_list()
    [[2.0, 1.0, None], None]
    """
    descending = _descending(descending, ascending, "rg.sort")
    x = single(x, "rg.sort")
    with x._backend.kernel_errors("rg.sort", x._content):  # torch's uint16/32/64: a named error
        mode, k = _sort_axis(x, axis, "rg.sort")
        xp = x._backend.xp
        if mode == "dense":
            if not descending:
                return RaggedArray._new(x._structure, xp.sort(x._content, axis=k, stable=True))
            order = _dense_argsort(xp, x._content, k, descending)
            return RaggedArray._new(x._structure, x._backend.take_along_axis(x._content, order, k))
        order, values, seg = _sort_order(x, descending, "rg.sort")
        out = x._backend.take_along_axis(values, order, -1)
        return RaggedArray._new(_sorted_structure(x._structure, seg), xp.moveaxis(out, -1, x._nbatch))


def _dense_argsort(xp: Any, a: Any, axis: int, descending: bool) -> Any:
    """Stable ``argsort`` along ``axis``. Descending, equal values keep their order: the namespaces'
    own ``descending=True`` flips an ascending sort, which reverses them."""
    if not descending:
        return xp.argsort(a, axis=axis, stable=True)
    order = xp.flip(xp.argsort(xp.flip(a, axis=axis), axis=axis, stable=True), axis=axis)
    return a.shape[axis] - 1 - order


def _sorted_structure(s: Any, seg: Any) -> Any:
    """``s`` with its missing elements moved to the end of their lists (where sorting puts them)."""
    mask = element_mask(s)
    if mask is None or isinstance(s, BoundedStructure):
        return s

    def make() -> Any:
        present = np.bincount(seg.ids[mask], minlength=seg.n)
        return replace_masks(s, (*s.masks[:-1], seg.local < present[seg.ids]))

    return s.cached("sorted-masks", make)


@register(
    "argsort",
    "structural",
    numpy=(np.argsort,),
    numpy_impl=_numpy_sorting("argsort"),
    awkward="ak.argsort",
    differentiable=False,
    options=True,
)
def argsort(
    x: RaggedArray,
    /,
    *,
    axis: int = -1,
    descending: bool = False,
    stable: bool = True,
    ascending: bool | None = None,
) -> RaggedArray:
    """Local indices that sort every innermost list (stable), as ``ak.argsort``; those of the
    missing values come last (the indices themselves are never missing). ``ascending`` as in
    :func:`sort`.

    ``x[rg.argsort(x)]`` is ``rg.sort(x)``.

    >>> import raggrad as rg
    >>> rg.argsort(rg.array([[3.0, 1.0, 2.0], [], [5.0, 4.0]])).to_list()
    [[1, 2, 0], [], [1, 0]]
    >>> rg.argsort(rg.array([[3.0, None, 4.0]]), ascending=False).to_list()
    [[2, 0, 1]]
    """
    descending = _descending(descending, ascending, "rg.argsort")
    x = single(x, "rg.argsort")
    with x._backend.kernel_errors("rg.argsort", x._content):  # torch's uint16/32/64: a named error
        mode, k = _sort_axis(x, axis, "rg.argsort")
        backend, xp = x._backend, x._backend.xp
        if mode == "dense":
            out = xp.astype(_dense_argsort(xp, x._content, k, descending), backend.default_int())
            s = x._structure
            if isinstance(s, BoundedStructure):  # padding slots hold zeros
                out = keep_used(xp, out, s.slot_mask(s.nlevels), x._nbatch)
            else:  # and so do missing elements
                out = zero_missing(backend, out, element_mask(s), x._nbatch, s, "argsort-missing")
            return RaggedArray._new(s, out)
        s = x._structure
        order, _, seg = _sort_order(x, descending, "rg.argsort")
        if isinstance(s, BoundedStructure):  # seg: every element slot's list start
            local = xp.astype(xp.moveaxis(order - seg, -1, x._nbatch), backend.default_int())
            return RaggedArray._new(s, keep_used(xp, local, s.slot_mask(s.nlevels), x._nbatch))
        starts = seg.cached("element-starts", lambda: seg.offsets[:-1][seg.ids])
        local = order - backend.index(seg, ("sort", "starts"), starts, x._content)
        local = xp.astype(xp.moveaxis(local, -1, x._nbatch), backend.default_int())
        if element_mask(s) is not None:  # every position has an index (awkward: no option type there)
            t = s
            s = t.cached(
                "argsort-masks", lambda: replace_masks(t, (*cast(tuple[Any, ...], t.masks)[:-1], None))
            )
        return RaggedArray._new(s, local)
