"""Structure operations: num, local_index, flatten/unflatten, firsts/lasts, concat, flip,
broadcast_arrays.

Each op works out the result's offsets and a gather index on the host, with NumPy, from the
structure alone (cached on it), and moves the content with one gather or concatenation on the
backend. So every op here is differentiable by plain composition (gathers transpose to
scatter-adds) and works under ``jax.jit``: the index maps are compile-time constants.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from numpy.exceptions import AxisError

from .. import _backends
from .._array import RaggedArray, as_ragged, bounded_structure, wrap
from .._axes import as_index, classify_axis, normalize_axes
from .._bounded import BoundedStructure
from .._broadcast import broadcast, common_backend
from .._convert import content_to
from .._dtypes import check_fits
from .._errors import OptionTypeError
from .._events import EventArray
from .._options import all_masks, element_mask
from .._records import fieldwise
from .._registry import register
from .._structure import Segments, Structure, descend, ext, offsets_from_lengths
from . import manipulation_bounded as mb
from . import option_gather as og
from .common import back, batched, depth, exact_structure, moved, new, single, zero_d
from .construction import host_ints, lengths_to_offsets
from .event_ops import concat_events, listed
from .indexing import getitem, pick_or_none
from .options import drop_none

__all__ = [
    "broadcast_arrays",
    "concat",
    "concatenate",
    "firsts",
    "flatten",
    "flip",
    "lasts",
    "local_index",
    "num",
    "unflatten",
]


# ---- num, local_index -------------------------------------------------------------------------
@register("num", "structural", awkward="ak.num", differentiable=False, options=True)
@fieldwise("one")
def num(x: RaggedArray, /, axis: int = 1) -> Any:
    """Number of items of every list at ``axis`` (``axis=0``: ``len(x)``), as ``ak.num``; a
    missing list (or element, at a regular axis) gives None.

    On a bounded array ``axis=0`` gives the number of lists in use: an int when it is concrete,
    a 0-d backend array under ``jax.jit`` (``len(x)`` cannot be traced).

    >>> import raggrad as rg
    >>> rg.num(rg.array([[1, 2, 3], [], [4, 5]])).to_list()
    [3, 0, 2]
    >>> rg.num(rg.array([[[1], [2, 3]], []]), axis=2).to_list()
    [[1, 2], []]
    """
    if isinstance(x, EventArray):  # the fields share the events only
        if as_index(axis, "axis", "rg.num") not in (0, -x.ndim):
            msg = (
                "rg.num: an event record has one axis, its events; count a field's lists: "
                f"rg.num(x.{listed(x)}, axis={axis})"
            )
            raise AxisError(msg)
        return num(x._fields[0], axis=0)
    x = single(x, "rg.num")
    kind, k = classify_axis(x, axis, "rg.num")
    if kind == "batch":
        return int(x._batch[k])
    if mb.is_bounded(x):
        return mb.num(x, kind, k)
    if kind == "outer":
        return len(x)
    s, backend = exact_structure(x), x._backend
    if kind == "level":
        seg = s.levels[k]
        content = backend.int_content(seg, ("num", "lengths"), seg.lengths, x._content)
        structure = og.prefix(s, k, k + 1)
    else:
        shape = (s.size, *s.inner[:k])
        content = backend.xp.full(shape, s.inner[k], dtype=backend.default_int())
        content = og.zero_missing(backend, content, element_mask(s), 0, s, "num-missing")
        structure = og.prefix(s, s.nlevels, s.nlevels + 1)
    return new(structure, batched(backend, content, x._batch), x._nbatch)


@register("local_index", "structural", awkward="ak.local_index", differentiable=False, options=True)
@fieldwise("one")
def local_index(x: RaggedArray, /, axis: int = -1) -> RaggedArray:
    """Position of every item within its list at ``axis``, as ``ak.local_index``: a missing item
    has a position too; only missing lists above ``axis`` stay None.

    >>> import raggrad as rg
    >>> rg.local_index(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])).to_list()
    [[0, 1, 2], [], [0, 1]]
    """
    x = single(x, "rg.local_index")
    kind, k = classify_axis(x, axis, "rg.local_index")
    s, backend = x._structure, x._backend
    if kind == "batch":
        msg = f"rg.local_index: axis={axis} is a batch dimension of {x.type!r}"
        raise NotImplementedError(msg)
    if mb.is_bounded(x):
        return mb.local_index(x, kind, k)
    assert isinstance(s, Structure)
    if kind == "inner":
        structure = s.prefix(s.nlevels)
        shape = (s.size, *s.inner[: k + 1])
        content = backend.xp.broadcast_to(backend.xp.arange(s.inner[k], dtype=backend.default_int()), shape)
        content = og.zero_missing(backend, content, element_mask(s), 0, s, "local-index-missing")
        structure = og.prefix(s, s.nlevels, s.nlevels + 1)
        return new(structure, batched(backend, content, x._batch), x._nbatch)
    d = 0 if kind == "outer" else k + 1
    seg = ext(s)[d]
    content = backend.int_content(seg, ("local_index", "local"), seg.local, x._content)
    structure = og.prefix(s, d, d)
    return new(structure, batched(backend, content, x._batch), x._nbatch)


# ---- flatten, unflatten -----------------------------------------------------------------------
@register("flatten", "structural", awkward="ak.flatten", options=True)
@fieldwise("each")
def flatten(x: RaggedArray, /, axis: int | None = 1) -> RaggedArray:
    """Merge dimension ``axis`` into the one outside it (``axis=None``: all values, 1-d).

    As ``ak.flatten``: ``axis=1`` concatenates the lists, ``axis=0`` returns ``x`` without its
    missing items. The content is not moved; only the offsets change. Missing values as awkward
    has them: the missing lists merged go (they are empty), missing items deeper stay None, and
    ``axis=None`` drops every missing value (the present ones are gathered).

    >>> import raggrad as rg
    >>> x = rg.array([[[1, 2], []], [[3]], []])
    >>> rg.flatten(x).to_list()
    [[1, 2], [], [3]]
    >>> rg.flatten(x, axis=2).to_list()
    [[1, 2], [3], []]
    >>> rg.flatten(x, axis=None).to_list()
    [1, 2, 3]

    ``axis=None`` merges leading batch dimensions too (a ``jax.vmap`` output's), as ``np.ravel``.

    On a bounded array the merged depth's capacity goes (``axis=None``: one list of the element
    slots times the inner size, times the batch rows).
    """
    if axis is None and not isinstance(x, RaggedArray) and not len(getattr(x, "shape", (1,))):
        x = _backends.get_backend("numpy").xp.reshape(x, (1,)) if _backends.backend_of(x) is None else x[None]
    x = single(x, "rg.flatten")
    s, backend, nb = x._structure, x._backend, x._nbatch
    content = x._content
    if axis is None and mb.is_bounded(x):
        return mb.flatten(x, None, 0)
    if axis is None:
        x = og.present_elements(x)
        s, content = x._structure, x._content
        content = backend.xp.reshape(content, (math.prod(x._batch) * s.size * math.prod(s.inner),))
        return new(Structure(content.shape[0]), content, 0)  # batch dims too, as np.ravel
    kind, k = classify_axis(x, axis, "rg.flatten")
    if kind == "outer":  # nothing to merge: the outer missing items go, as ak.flatten drops them
        return x if s.masks is None or s.masks[0] is None else drop_none(x, axis=0)
    if kind == "batch":
        msg = f"rg.flatten: axis={axis} is a batch dimension of {x.type!r}"
        raise NotImplementedError(msg)
    if mb.is_bounded(x):
        return mb.flatten(x, kind, k)
    assert isinstance(s, Structure)
    if kind == "level":

        def make() -> Structure:
            # the merged lists' own missing values go with them (a missing list is empty)
            masks = None if s.masks is None else (*s.masks[:k], *s.masks[k + 1 :])
            if k == 0:
                return Structure(s.levels[0].size, s.levels[1:], (), masks)
            merged = s.levels[k].offsets[s.levels[k - 1].offsets]
            return Structure(s.length, (*s.levels[: k - 1], merged, *s.levels[k + 1 :]), (), masks)

        return RaggedArray._new(s.cached(("flatten", k), make).with_inner(s.inner), content)
    # an inner regular dim merged into the dimension outside it (missing elements go, as lists)
    if not k and element_mask(s) is not None:
        x = og.present_elements(x)
        s, content = x._structure, x._content
    shape = tuple(content.shape)
    a = nb + 1 + k  # content axis of the inner dim
    content = backend.xp.reshape(content, (*shape[: a - 1], shape[a - 1] * shape[a], *shape[a + 1 :]))
    if k:
        merged = (*s.inner[: k - 1], s.inner[k - 1] * s.inner[k], *s.inner[k + 1 :])
        return RaggedArray._new(s.with_inner(merged), content)
    width = s.inner[0]
    if s.nlevels:
        last = Segments(s.levels[-1].offsets * width)
        masks = None if s.masks is None else (*s.masks[:-1], None)  # missing lists stay missing
        structure = Structure(s.length, (*s.levels[:-1], last), s.inner[1:], masks)
    else:
        structure = Structure(s.length * width, (), s.inner[1:])
    return RaggedArray._new(structure, content)


@register("unflatten", "structural", awkward="ak.unflatten", options=True)
@fieldwise("each")
def unflatten(x: RaggedArray, counts: Any, /, axis: int = 0, *, capacity: int | None = None) -> RaggedArray:
    """Split the items at ``axis`` into consecutive lists of ``counts`` items, as ``ak.unflatten``.

    ``counts`` is an integer (lists of equal length) or a 1-d integer array whose sum is the number
    of items at ``axis``; for ``axis > 0`` the new lists must not cross the existing ones. Only the
    offsets change. For an exact result ``counts`` must be concrete (it defines the structure).

    The result is bounded when ``x`` or ``counts`` is, or ``capacity`` is given: then ``counts``
    may be traced (inside ``jax.jit``) and the new dimension has ``capacity`` list slots (default:
    the capacity of a bounded ``counts``, else its length; for an integer ``counts``, the slots of
    ``axis`` divided by it); the element capacity is the content's. Counts that do not fit raise
    ``ValueError`` when concrete, and make the result invalid when traced.

    Missing values stay where they are; a count that is None makes a missing list that takes no
    items, as in awkward (a one-dimensional ``counts`` only; bounded results hold no missing values).

    >>> import raggrad as rg
    >>> rg.unflatten(rg.array([1, 2, 3, 4, 5]), [2, 0, 3]).to_list()
    [[1, 2], [], [3, 4, 5]]
    >>> rg.unflatten(rg.array([[1, 2, 3], [4]]), [1, 2, 1], axis=1).to_list()
    [[[1], [2, 3]], [[4]]]
    >>> b = rg.unflatten(rg.array([1.0, 2.0, 3.0]), [2, 1], capacity=4)
    >>> b.to_list(), rg.capacity(b)
    ([[1.0, 2.0], [3.0]], Capacity(lists=(4,), elements=3))
    """
    x = single(x, "rg.unflatten")
    name = "rg.unflatten"
    d = depth(x, axis, name)
    if isinstance(counts, (list, tuple)) and any(v is None for v in counts):
        counts = as_ragged(counts, name, options=True)
    missing = isinstance(counts, RaggedArray) and counts._structure.masks is not None
    if missing and (counts._structure.nlevels or counts._structure.inner):
        msg = f"{name}: counts with missing values (None) must be one-dimensional, not {counts.type!r}"
        raise OptionTypeError(msg)
    if (missing or x._structure.masks is not None) and (
        capacity is not None or mb.is_bounded(x) or mb.is_data(counts)
    ):
        msg = f"{name}: bounded arrays hold no missing values (None); fill them first (rg.fill_none)"
        raise OptionTypeError(msg)
    new_mask = counts._structure.masks[0] if missing else None
    if capacity is not None and as_index(capacity, "capacity", name) < 0:
        msg = f"{name}: capacity must be non-negative, got {capacity}"
        raise ValueError(msg)
    if capacity is not None or mb.is_bounded(x) or mb.is_data(counts):
        if not mb.is_bounded(x):
            if capacity is None and not mb.is_bounded(counts):
                raise mb.traced_counts_error(name, "counts")
            x = mb.bind(x)
        cap = None if capacity is None else as_index(capacity, "capacity", name)
        return mb.unflatten(x, counts, d, axis, cap, name)
    s = exact_structure(x)
    total = s.count_at(d)
    if isinstance(counts, (int, np.integer)) or (hasattr(counts, "shape") and len(counts.shape) == 0):
        size = as_index(
            counts if isinstance(counts, (int, np.integer)) else host_ints(counts[None], name, "counts")[0],
            "counts",
            name,
        )
        if size < 0 or (total % size if size else total):  # 0 items make 0 lists of 0 (awkward)
            msg = f"{name}: counts={size} does not divide the {total} items at axis {axis}"
            raise ValueError(msg)
        counts = np.full(total // size if size else 0, size, dtype=np.int64)
    offsets = lengths_to_offsets(counts, name, "counts")
    if offsets[-1] != total:
        msg = f"{name}: counts sum to {int(offsets[-1])} but axis {axis} has {total} items"
        raise ValueError(msg)
    masks = None if s.masks is None and new_mask is None else (*all_masks(s)[:d], new_mask, *all_masks(s)[d:])
    if d == 0:
        return RaggedArray._new(Structure(len(offsets) - 1, (offsets, *s.levels), s.inner, masks), x._content)
    parent = s.levels[d - 1].offsets
    # each parent list's bounds must be group bounds; empty groups on a bound close the list
    # before it, as awkward does (leading ones open the first list)
    pos = np.searchsorted(offsets, parent, side="right") - 1
    pos[0] = 0
    if not np.array_equal(offsets[pos], parent):
        i = int(np.argmax(offsets[pos] != parent))
        msg = (
            f"rg.unflatten: the new lists cross the boundary of list {max(i - 1, 0)} at axis {d}; "
            "counts must split every list separately"
        )
        raise ValueError(msg)
    levels: tuple[np.ndarray | Segments, ...] = (*s.levels[: d - 1], pos, offsets, *s.levels[d:])
    return RaggedArray._new(Structure(s.length, levels, s.inner, masks), x._content)


# ---- firsts, lasts ----------------------------------------------------------------------------
def _first_or_last(x: RaggedArray, axis: int, fill_value: Any, which: int, name: str) -> Any:
    x = single(x, name)
    check_fits(fill_value, x._backend.numpy_dtype(x.dtype), name, finite=True)
    s, nb = x._structure, x._nbatch
    kind, k = classify_axis(x, axis, name)
    if mb.is_bounded(x):
        return mb.first_or_last(x, kind, k, axis, fill_value, which, name)
    assert isinstance(s, Structure)
    if kind != "level" or k != s.nlevels - 1:
        # the outer, a regular or a non-innermost ragged dim: an integer index at that dim
        if fill_value is None:
            return pick_or_none(x, axis % x.ndim, which)
        try:
            return getitem(x, (slice(None),) * (axis % x.ndim) + (which,))
        except IndexError as exc:
            if kind == "outer" and not s.nlevels and not nb:  # no item of an empty array: the fill
                return x._backend.xp.full(x._content.shape[1:], fill_value, dtype=x._content.dtype)[()]
            msg = f"{name}: fill_value is supported only at the innermost ragged dimension"
            raise NotImplementedError(msg) from exc
    fill = fill_value is not None
    index, mask, fills = s.cached(("firsts", which, fill), lambda: og.first_or_last_plan(s, which, fill))
    backend, xp = x._backend, x._backend.xp
    content = moved(x)
    if fills:
        filler = xp.full((1, *content.shape[1:]), fill_value, dtype=content.dtype)
        content = xp.concat([content, filler], axis=0)
    content = og.take(backend, content, index, s, ("firsts", which, fill))
    structure = Structure(s.length, s.levels[:-1], (), (*all_masks(s)[:-2], mask))  # outer lists' masks kept
    return new(structure, back(backend, content, nb), nb)


@register("firsts", "structural", awkward="ak.firsts", options=True)
@fieldwise("each")
def firsts(x: RaggedArray, /, axis: int = 1, fill_value: Any = None) -> Any:
    """The first item of every list at ``axis``, as ``ak.firsts``.

    An empty list gives None (awkward's answer), or ``fill_value`` where it is given (at the
    innermost ragged dimension); a missing list gives None. Unlike awkward, the result has an
    option type only where a list is empty or missing (an array whose lists all hold items gives a
    plain one, as in raggrad's first version). Bounded arrays hold no missing values: there an
    empty list without ``fill_value`` raises ``ValueError``, or makes the result invalid when its
    lists are traced; the picked depth's capacity goes.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.0], [], [3.0]])
    >>> rg.firsts(x).to_list(), rg.firsts(x).type
    ([1.0, None, 3.0], '3 * ?float64')
    >>> rg.firsts(x, fill_value=0.0).to_list()
    [1.0, 0.0, 3.0]
    """
    return _first_or_last(x, axis, fill_value, 0, "rg.firsts")


@register("lasts", "structural", options=True)
@fieldwise("each")
def lasts(x: RaggedArray, /, axis: int = 1, fill_value: Any = None) -> Any:
    """The last item of every list at ``axis``; empty lists as in :func:`firsts`.

    >>> import raggrad as rg
    >>> rg.lasts(rg.array([[1.0, 2.0], [3.0]])).to_list()
    [2.0, 3.0]
    """
    return _first_or_last(x, axis, fill_value, -1, "rg.lasts")


# ---- concat -----------------------------------------------------------------------------------
def _concat_offsets(segments: Sequence[Segments]) -> np.ndarray:
    parts, base = [], 0
    for seg in segments:
        parts.append(seg.offsets[:-1] + base)
        base += seg.size
    return np.concatenate([*parts, [base]]).astype(np.int64)


def _concat_plan(structures: tuple[Structure, ...], k: int) -> tuple[Structure, Any]:
    """Per-list concatenation at ragged level ``k``: the result's structure and element order."""
    segs = [s.levels[k] for s in structures]
    lengths = sum(seg.lengths for seg in segs)
    offsets = offsets_from_lengths(lengths)
    # item j of array i goes to its list's start + the items of earlier arrays + its local index
    order = np.empty(int(offsets[-1]), dtype=np.int64)
    before = offsets[:-1].copy()
    base = 0
    for seg in segs:
        order[before[seg.ids] + seg.local] = base + np.arange(seg.size, dtype=np.int64)
        before += seg.lengths
        base += seg.size
    deeper = [
        Segments(_concat_offsets([s.levels[j] for s in structures]))
        for j in range(k + 1, structures[0].nlevels)
    ]
    first = structures[0]
    if all(s.masks is None for s in structures):
        below, sel = descend(deeper, 0, order)
        return Structure(first.length, (*first.levels[:k], offsets, *below)), sel
    # awkward's rules: a list above ``axis`` missing in any array is missing (the lengths match,
    # so it is empty in all); the lists joined are present (a missing one joins as empty); the
    # items below keep theirs
    joined = og.joined_masks(structures)
    below, below_masks, sel = og.descend(deeper, joined[k + 2 :], 0, order)
    above: list[np.ndarray | None] = [None] * k
    for s in structures:
        above = [og.both(a, m) for a, m in zip(above, all_masks(s)[:k], strict=True)]
    masks = (*above, None, og.pick(joined[k + 1], order), *below_masks)
    return Structure(first.length, (*first.levels[:k], offsets, *below), (), masks), sel


def _concatenate_numpy(
    arrays: Any, axis: int | None = 0, out: Any = None, *, dtype: Any = None, casting: str = "same_kind"
) -> Any:
    if out is not None:
        msg = "np.concatenate: out= is not supported on RaggedArrays (results are new arrays)"
        raise NotImplementedError(msg)
    result = concat(arrays, axis=axis)
    if dtype is not None:
        result = RaggedArray._new(result._structure, result._content.astype(dtype, casting=casting))
    return result


@register(
    "concat",
    "structural",
    numpy=(np.concatenate,),
    numpy_impl=_concatenate_numpy,
    awkward="ak.concatenate",
    options=True,
)
@fieldwise("sequence")
def concat(arrays: Sequence[Any], /, *, axis: int | None = 0) -> RaggedArray:
    """Join arrays along ``axis``, as ``ak.concatenate``.

    ``axis=0`` appends the outer items; ``axis=1`` (or deeper) joins the lists of equal outer
    structure list by list; ``axis=None`` joins the flattened values.

    Missing values follow awkward: appended, they keep their places (an array without them joins
    as if none were missing, and the result has an option type where any input has one); joined
    list by list, a missing list above ``axis`` is missing in the result (it must be empty, or
    missing, in the other arrays: awkward would drop their items there) and a missing list joined
    counts as empty.

    With a bounded input the result is bounded: along ``axis=0`` every capacity is the sum of the
    inputs'; list by list the inputs' lists above ``axis`` must match (their capacities too, checked
    at once; their lengths when concrete, else through the result's validity flag) and the
    capacities below add. Exact inputs join with their own sizes as capacities.

    >>> import raggrad as rg
    >>> a, b = rg.array([[1, 2], []]), rg.array([[3], [4, 5]])
    >>> rg.concat([a, b]).to_list()
    [[1, 2], [], [3], [4, 5]]
    >>> rg.concat([a, b], axis=1).to_list()
    [[1, 2, 3], [4, 5]]

    Event records (:func:`raggrad.hep.events`) with the same fields append events field by field:

    >>> import awkward as ak
    >>> events = rg.hep.events(ak.Array({"nMuon": [1, 0], "Muon_pt": [[40.0], []], "MET_pt": [5.0, 9.0]}))
    >>> rg.concat([events, events[:1]]).Muon.pt.to_list()
    [[40.0], [], [40.0]]
    """
    if isinstance(arrays, RaggedArray) or not len(arrays):
        msg = "rg.concat: expected a non-empty sequence of arrays"
        raise TypeError(msg)
    if any(isinstance(a, EventArray) for a in arrays):
        return cast(RaggedArray, concat_events(list(arrays), axis, concat))  # typed: the usual case
    backend = common_backend(tuple(arrays), "rg.concat")
    xs = [as_ragged(a, "rg.concat", allow_scalar=True, options=True) for a in arrays]
    i = next((i for i, a in enumerate(xs) if not isinstance(a, RaggedArray)), None)
    if i is not None and axis is not None:  # (axis=None joins numbers too, as NumPy's)
        msg = f"rg.concat: argument {i} is a single number ({arrays[i]!r}), not an array; join arrays"
        raise ValueError(msg)
    if axis is None:
        xs = [flatten(a, axis=None) for a in xs]
        axis = 0
    xp = backend.xp
    first = xs[0]
    nb = first._nbatch
    contents = [content_to(a._content, None, backend, None) for a in xs]
    for a in xs[1:]:
        if a.ndim != first.ndim or a._structure.nlevels != first._structure.nlevels:
            why = "depths differ" if a.ndim != first.ndim else "a regular dimension: rg.from_regular it"
            msg = f"rg.concat: cannot join arrays of types {first.type!r} and {a.type!r} ({why})"
            raise ValueError(msg)
        if a._nbatch != nb or a._batch != first._batch:
            msg = f"rg.concat: batch dimensions differ: {first.type!r} and {a.type!r}"
            raise ValueError(msg)
    kind, k = classify_axis(first, axis, "rg.concat")
    if any(mb.is_bounded(a) for a in xs):
        if any(a._structure.masks is not None for a in xs):
            msg = "rg.concat: bounded arrays hold no missing values (None); fill them first (rg.fill_none)"
            raise OptionTypeError(msg)
        return mb.concat(xs, kind, k, axis, "rg.concat")
    structures = tuple(exact_structure(a) for a in xs)
    if kind in ("inner", "batch"):
        for a in xs[1:]:
            if not exact_structure(a).same_levels(structures[0]):
                detail = exact_structure(a).first_difference(structures[0])
                msg = f"rg.concat: axis={axis} needs equal lists, but {detail}"
                raise ValueError(msg)
        content = xp.concat(contents, axis=k if kind == "batch" else nb + 1 + k)
        return new(first._structure, content, nb)
    for a in xs[1:]:
        if a._structure.inner != first._structure.inner:
            msg = f"rg.concat: regular inner dimensions differ: {first.type!r} and {a.type!r}"
            raise ValueError(msg)
    moved = [xp.moveaxis(c, nb, 0) if nb else c for c in contents]
    joined = xp.concat(moved, axis=0)
    if kind == "outer":
        nlevels = first._structure.nlevels
        levels = tuple(_concat_offsets([s.levels[j] for s in structures]) for j in range(nlevels))
        masks = None if all(s.masks is None for s in structures) else og.joined_masks(structures)
        structure = Structure(sum(s.length for s in structures), levels, (), masks)
        return new(structure, back(backend, joined, nb), nb)
    for a in xs[1:]:
        prefix_ok = a._structure.length == first._structure.length and all(
            p is q or np.array_equal(p.offsets, q.offsets)
            for p, q in zip(a._structure.levels[:k], first._structure.levels[:k])
        )
        if not prefix_ok:
            detail = Structure(a._structure.length, a._structure.levels[:k]).first_difference(
                Structure(first._structure.length, first._structure.levels[:k])
            )
            msg = f"rg.concat: axis={axis} joins list by list, but the lists differ: {detail}"
            if any(t.masks is not None for t in structures):
                msg += " (a list missing in one array must be empty or missing in the others)"
            raise ValueError(msg)
    key = ("concat", k, structures[1:])
    structure, sel = structures[0].cached(key, lambda: _concat_plan(structures, k))
    content = backend.take(joined, sel, structures[0], key)
    return new(structure, back(backend, content, nb), nb)


@register("concatenate", "structural", options=True)
def concatenate(arrays: Sequence[Any], /, axis: int | None = 0) -> RaggedArray:
    """:func:`concat` under awkward's name (``ak.concatenate``), ``axis`` positional too.

    >>> import raggrad as rg
    >>> rg.concatenate([rg.array([[1.0], None]), rg.array([[2.0, 3.0]])]).to_list()
    [[1.0], None, [2.0, 3.0]]
    """
    if isinstance(axis, (bool, np.bool_)):  # before the arrays, as every op checks its axis
        msg = f"rg.concatenate: axis must be an integer, not the boolean {axis}"
        raise TypeError(msg)
    return cast(RaggedArray, concat(arrays, axis=axis))


def _flip_numpy(m: Any, axis: Any = None) -> Any:
    return flip(m, axis=axis)


@register("flip", "structural", numpy=(np.flip,), numpy_impl=_flip_numpy, options=True)
@fieldwise("each")
@zero_d
def flip(x: RaggedArray, /, *, axis: int | tuple[int, ...] | None = None) -> RaggedArray:
    """Reverse the order along ``axis`` (None: every axis): ``axis=-1`` reverses within lists;
    missing values move with their places.

    >>> import raggrad as rg
    >>> x = rg.array([[1, 2, 3], [], [4, 5]])
    >>> rg.flip(x, axis=-1).to_list()
    [[3, 2, 1], [], [5, 4]]
    >>> rg.flip(x, axis=0).to_list()
    [[4, 5], [], [1, 2, 3]]
    """
    x = single(x, "rg.flip")
    axes = range(x.ndim) if axis is None else normalize_axes(axis, x.ndim, "rg.flip", type_str=lambda: x.type)
    if mb.is_bounded(x):
        bounded_structure(x).check_single("rg.flip")  # flipping a stack's content mixes its members
        for a in axes:
            x = mb.flip(x, *classify_axis(x, a, "rg.flip"))
        return x
    index = [slice(None)] * x.ndim
    for a in axes:
        index[a] = slice(None, None, -1)
    return cast(RaggedArray, getitem(x, tuple(index)))


# ---- broadcast_arrays -------------------------------------------------------------------------
@register("broadcast_arrays", "structural", awkward="ak.broadcast_arrays", options=True)
@fieldwise("varargs")
def broadcast_arrays(*arrays: Any) -> list[Any]:
    """The arrays broadcast against each other with awkward's rules (one value per list, ...).

    A list, as ``ak.broadcast_arrays`` and the array API of 2024.12 give. Missing values combine
    as in awkward: every result is missing where any input is (a value broadcast into a missing
    list or element is missing too).

    >>> import raggrad as rg
    >>> a, b = rg.broadcast_arrays(rg.array([[1, 2], [], [3]]), rg.array([10, 20, 30]))
    >>> b.to_list()
    [[10, 10], [], [30]]
    """
    structure, backend, contents, nb = broadcast(arrays, "rg.broadcast_arrays")
    xp = backend.xp
    contents = [
        c if hasattr(c, "shape") and _backends.backend_of(c) is backend else backend.asarray(c)
        for c in contents
    ]
    shape = np.broadcast_shapes(*(tuple(c.shape) for c in contents))
    out = [xp.broadcast_to(c, shape) for c in contents]
    if isinstance(structure, BoundedStructure):  # scalars and plain arrays reached the padding
        out = [mb.keep_used(xp, c, structure.slot_mask(structure.nlevels), nb) for c in out]
    elif structure is not None:  # values broadcast into missing elements: zero, as missing ones hold
        out = [og.zero_missing(backend, c, element_mask(structure), nb, structure, "missing") for c in out]
    return [wrap(structure, c, nb) for c in out]
