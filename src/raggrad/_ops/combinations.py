"""Combinations within lists: ``combinations`` and ``argcombinations`` (``cartesian`` products of
lists of several arrays: ``raggrad._ops.cartesian``).

Each works out, on the host and once per structure (cached on it), the result's offsets and for
every member the items it picks; the content then moves with one gather per member, so members
are differentiable and the ops work under ``jax.jit``. Combinations with replacement are the
combinations of ``L + n - 1`` items with member ``t`` moved back by ``t``; along a regular inner
dimension every member is one gather along that axis (the dimension stays regular). ``fields=``
zips the members into awkward's record form (:func:`as_record`, shared with ``cartesian``).

Size guard: the number of combinations (``sum of C(len, n)`` over the lists; with replacement
``C(len + n - 1, n)``) or tuples (``sum of the products of the lengths``) is counted exactly
first, in Python ints, so it cannot
wrap around int64. A count of zero returns empty lists at once; an output whose index arrays and
gathered content need more bytes than the memory available to the process (Linux: the smaller
of ``MemAvailable`` and the cgroup's free limit; elsewhere the physical memory) raises
:class:`raggrad.OutputTooLargeError` (a ``ValueError``) naming the count and the bytes, before
anything is allocated.

Bounded inputs (``rg.with_capacity``) need ``capacity=``, the result's element slots, since the
number of combinations is not bounded by the input's capacities; the result is bounded, computed on
the device (``raggrad._ops.combinations_bounded``). An overflow is never silent: the first
``capacity`` combinations are kept and the result is marked invalid, so ``to_list`` and
``rg.trim`` raise. On exact inputs ``capacity=`` is optional and makes the result bounded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from .._array import RaggedArray, exact_structure
from .._axes import classify_axis, normalize_axis
from .._bounded import BoundedStructure
from .._convert import dtype_of
from .._options import all_masks, element_mask
from .._records import RecordArray, fieldwise, from_fields
from .._registry import register
from .._structure import Structure, descend, ext, from_levels, offsets_from_lengths, ranges
from . import option_gather as og
from .combinations_bounded import (
    bound_members,
    bounded_combinations,
    check_capacities,
    check_capacity,
    need_capacity,
)
from .common import MANY, back, batched, check_size, depth, moved, new, single

__all__ = ["argcombinations", "as_record", "combinations", "innermost"]


# ---- sizes for the size guard (common.check_size) ---------------------------------------------------
_INDEX_BYTES = 8  # one int64 index per member of every combination (the plan)


def _item_bytes(x: RaggedArray, d: int) -> int:
    """Bytes of content per item of the lists at depth ``d`` (an average over sublists), batch
    included."""
    items = exact_structure(x).count_at(d)
    total = dtype_of(x._content).itemsize * math.prod(x._content.shape)
    return -(-total // items) if items else 0


def _count_combinations(lengths: np.ndarray, n: int) -> tuple[int, bool]:
    """``sum(C(L, n))`` over ``lengths`` in Python ints (no int64 wraparound), and whether exact.

    Exact unless some ``min(n, L - n)`` exceeds 64: then the count is only known to pass
    ``2**64`` (``C(L, k)`` grows with ``k`` up to ``L / 2``), and ``(2**64, False)`` is returned.
    """
    if not len(lengths) or int(lengths.max()) < n:
        return 0, True
    values, counts = np.unique(lengths[lengths >= n], return_counts=True)
    total = 0
    for length, count in zip(values.tolist(), counts.tolist()):
        k = min(n, length - n)
        if k > 64:  # C(L, k) >= C(L, 64) >= C(128, 64) > 2**64: no need for its millions of digits
            return MANY, False
        total += count * math.comb(length, k)
    return total, True


def _repeat_rows(
    rows: np.ndarray, counts: np.ndarray, starts: np.ndarray, reps: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat every row ``counts[r]`` times; the new column runs from ``starts[r]``.

    Returns the rows and the new column; the repeat map goes to ``reps``, for :func:`_columns`
    to bring the earlier columns to the final rows once (gathering every earlier column at every
    step would cost ``n**2`` gathers for ``n`` columns).
    """
    _, new = ranges(starts, counts)
    rep = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    reps.append(rep)
    return rows[rep], new


def _columns(news: list[np.ndarray], reps: list[np.ndarray]) -> list[np.ndarray]:
    """Every column at the final rows: column ``t`` through the repeat maps of the steps after it."""
    cols = [news[-1]]
    index = None
    for t in range(len(news) - 2, -1, -1):
        index = reps[t] if index is None else reps[t][index]
        cols.append(news[t][index])
    return cols[::-1]


def _local_plan(L: np.ndarray, n: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per list of lengths ``L``, its number of combinations of ``n`` items (no replacement), and
    per member the local index it picks in every combination (lexicographic order)."""
    if n == 1:
        return L, [ranges(np.zeros(len(L), dtype=np.int64), L)[1]]
    if L.max(initial=0) < n:  # no list is long enough: empty lists at once, whatever n is
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(len(L), dtype=np.int64), [empty] * n
    if n == 2:
        # item p of list j is the first member of (L_j - 1 - p) pairs, whose second members run
        # from p + 1 to the list's end: two repeats, no per-pair gathers, and the lists' counts
        # in closed form (no map from pairs to lists)
        _, local = ranges(np.zeros(len(L), dtype=np.int64), L)
        ends = np.repeat(L - 1, L) - local
        _, second = ranges(local + 1, ends)
        return L * (L - 1) // 2, [np.repeat(local, ends), second]
    first_counts = np.maximum(L - n + 1, 0)
    _, col = ranges(np.zeros(len(L), dtype=np.int64), first_counts)
    rows = np.repeat(np.arange(len(L), dtype=np.int64), first_counts)
    news, reps = [col], list[np.ndarray]()
    for t in range(1, n):
        # the next member runs from the previous one + 1 up to leaving room for the rest
        more = L[rows] - (n - t) - news[-1]
        rows, new = _repeat_rows(rows, more, news[-1] + 1, reps)
        news.append(new)
    return np.bincount(rows, minlength=len(L)), _columns(news, reps)


def _choose(L: np.ndarray, n: int, replacement: bool) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`_local_plan`, with ``replacement``: the combinations of ``L + n - 1`` items, member
    ``t`` moved back by ``t`` (the usual bijection onto multisets), so members may repeat."""
    if not replacement:
        return _local_plan(L, n)
    counts, cols = _local_plan(np.where(L > 0, L + (n - 1), 0), n)
    return counts, [c - t for t, c in enumerate(cols)]


def _local_combinations(
    s: Structure, n: int, d: int, replacement: bool
) -> tuple[list[Any], np.ndarray, list[np.ndarray]]:
    """Levels of the result's lists, their number of combinations per list at depth ``d``, and per
    member the local index it picks (within its list)."""
    levels = ext(s)
    counts, cols = _choose(levels[d].lengths, n, replacement)
    return [*levels[:d], offsets_from_lengths(counts)], counts, cols


def _combinations_plan(s: Structure, n: int, d: int, replacement: bool) -> tuple[list[Any], list[np.ndarray]]:
    """Levels of the result's lists, and per member the items it picks (global indices at ``d + 1``)."""
    levels, counts, cols = _local_combinations(s, n, d, replacement)
    starts = np.repeat(ext(s)[d].offsets[:-1], counts)
    return levels, [starts + c for c in cols]


def _member(s: Structure, above: Any, levels: list[Any], picked: np.ndarray, d: int) -> tuple[Any, Any]:
    """One member of combinations or tuples of an array with missing values: the lists above
    keep ``above`` (their masks), the items picked at depth ``d`` and everything below them theirs
    (so a member of a tuple can be missing while another is not, as awkward's record fields)."""
    below, below_masks, sel = og.descend(ext(s), all_masks(s), d + 1, picked)
    masks = [*above, og.pick(all_masks(s)[d], picked), *below_masks]
    return og.build([*levels, *below], masks), sel


def _check_n(n: Any, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        msg = f"{name}: n must be a positive integer, got {n!r}"
        raise ValueError(msg)
    return int(n)


def _arguments(x: Any, n: Any, axis: Any, replacement: Any, name: str) -> tuple[RaggedArray, int, str, int]:
    """The array, ``n``, and where the combinations are made: ``("level", depth)`` for the outer or
    a ragged dimension, ``("inner", j)`` for regular inner dimension ``j``."""
    x = single(x, name)
    n = _check_n(n, name)
    if not isinstance(replacement, (bool, np.bool_)):
        msg = f"{name}: replacement must be True or False, not {replacement!r}"
        raise TypeError(msg)
    kind, j = classify_axis(x, axis, name)
    if kind == "inner":
        return x, n, "inner", j
    return x, n, "level", depth(x, axis, name)


def _regular(
    x: RaggedArray, n: int, j: int, replacement: bool, name: str, arg: bool
) -> tuple[RaggedArray, ...]:
    """Combinations along regular inner dimension ``j``: one gather along that axis of the content
    per member (the dimension keeps being regular: ``C(size, n)`` long, as awkward's)."""
    s, backend, nb = x._structure, x._backend, x._nbatch
    size = s.inner[j]
    count, exact = _count(np.array([size], dtype=np.int64), n, replacement)  # before any allocation
    others = math.prod(x._content.shape) // size if size else 0
    per_item = n * (_INDEX_BYTES if arg else dtype_of(x._content).itemsize)
    fix = f"use a smaller n than {n}"
    check_size(name, (max(others, 1) * count, exact), "combinations", per_item, n, fix)
    _, cols = s.cached(("regular-plan", n, j, replacement), lambda: _choose(np.array([size]), n, replacement))
    ax = nb + 1 + j
    shape = tuple(x._content.shape)
    out = []
    for i, c in enumerate(cols):
        key = ("regular-combinations", n, j, replacement, i)
        if arg:  # indices of the items at the axis, not repeated along the dimensions below it
            index = backend.int_content(s, key, c, x._content)
            content = backend.xp.broadcast_to(
                backend.xp.reshape(index, (1,) * ax + (count,)), (*shape[:ax], count)
            )
        else:
            content = backend.xp.take(x._content, backend.index(s, key, c, x._content), axis=ax)
        out.append(new(s, content, nb))
    return tuple(out)


def as_record(members: tuple[Any, ...], fields: Any, with_name: Any, innermost: bool, name: str) -> Any:
    """The members as awkward's record form when ``fields`` (or ``with_name``) is given: a
    RecordArray with those field names (``"0"``, ``"1"`` ...: a tuple), else the tuple itself.
    ``innermost``: whether the members were made along the innermost dimension (a raggrad record
    holds numbers, where awkward's, made at another axis, holds the lists below it)."""
    if fields is None and with_name is None:
        return members
    if with_name is not None and not isinstance(with_name, str):
        msg = f"{name}: with_name must be a string, not {type(with_name).__name__}"
        raise TypeError(msg)
    if fields is None:
        fields = [str(i) for i in range(len(members))]
    if isinstance(fields, str) or not isinstance(fields, Sequence) or len(fields) != len(members):
        msg = f"{name}: fields must be a list of {len(members)} field names, got {fields!r}"
        raise ValueError(msg)
    if not all(isinstance(f, str) for f in fields) or len(set(fields)) != len(fields):
        msg = f"{name}: fields must be distinct strings, got {list(fields)!r}"
        raise ValueError(msg)
    if any(isinstance(m, RecordArray) for m in members):
        msg = f"{name}: fields= of record arrays would make records of records; use the tuple form"
        raise NotImplementedError(msg)
    if not innermost:
        msg = (
            f"{name}: the record form (fields=, with_name=, a dict) needs the innermost dimension "
            "(axis=-1), since raggrad's records hold numbers; at another axis leave it out to get "
            "the tuple of members"
        )
        raise NotImplementedError(msg)
    first = members[0]._structure
    if not all(m._structure == first for m in members):
        msg = (
            f"{name}: the record form needs members with the same missing values, but one member "
            "is missing where another is not; leave fields= out (a tuple of members), or "
            "rg.fill_none the arrays first"
        )
        raise NotImplementedError(msg)
    em = element_mask(first)
    if em is not None and not bool(np.all(em)):  # awkward: {a: None}; raggrad's would be None
        msg = (
            f"{name}: the record form of members with missing elements would hold None in a "
            "field, which raggrad's records (present or missing as a whole) cannot; leave fields= "
            "out (a tuple of members), or rg.fill_none the array first"
        )
        raise NotImplementedError(msg)
    return from_fields(dict(zip(fields, members)), name, with_name)


def innermost(x: Any, axis: Any, name: str) -> bool:
    """Whether ``axis`` is the innermost dimension of ``x`` (a record: of its fields)."""
    x = x._field(0) if isinstance(x, RecordArray) else x
    return cast(bool, normalize_axis(axis, x.ndim, name, type_str=lambda: x.type) == x.ndim - 1)


@register("combinations", "structural", awkward="ak.combinations", options=True)
def combinations(
    x: RaggedArray,
    n: int,
    /,
    *,
    axis: int = 1,
    fields: Sequence[str] | None = None,
    replacement: bool = False,
    with_name: str | None = None,
    capacity: int | tuple[int, ...] | None = None,
) -> Any:
    """All ``n``-element combinations of the items of every list at ``axis``, as ``ak.combinations``.

    Returns ``n`` arrays: the ``i``-th holds the ``i``-th member of every combination,
    combinations in lexicographic order within each list. ``fields=["a", "b"]`` returns them as
    awkward's record form instead, a :class:`RecordArray` with those field names (``with_name``
    names the records; ``with_name`` alone gives a tuple record, fields ``"0"``, ``"1"`` ...);
    it needs ``axis=-1`` (raggrad's records hold numbers). ``replacement=True`` includes
    combinations that repeat an item (``(a, a)``). Any axis: the outer one, a ragged one, or a
    regular inner dimension (the result stays regular there, ``C(size, n)`` long). Missing values
    as awkward's: a missing list gives a missing list of combinations, a missing item is a
    missing member.

    Differentiable (each member is a gather); the structure depends on the input's only, so it
    works under ``jax.jit``. Lists shorter than ``n`` give empty lists (at once, however large
    ``n`` is); an output too large for the available memory raises
    :class:`raggrad.OutputTooLargeError` (a ``ValueError``) naming the number of combinations and
    the bytes, before allocating it.

    ``capacity``: the element slots of a bounded result, required for a bounded ``x`` (without it
    ``TypeError``; along a regular inner dimension the result keeps ``x``'s capacities and
    ``capacity`` must be left out, as for an exact ``x``). At a ragged axis above the innermost
    the items combined are lists, and one item is in many combinations, so ``capacity`` is a
    tuple: the slots of the combinations, then of every depth below them, the elements last
    (``axis=1`` of ``n * var * var``: ``(pairs, elements)``). The result's list slots above the
    combinations are ``x``'s; the combinations are made on the device, so one ``jax.jit``
    program serves every batch of the same capacities.
    More combinations than ``capacity`` keep the first ``capacity`` of them and mark the result
    invalid: ``to_list`` and ``rg.trim`` raise ``ValueError`` naming the capacities, 0-d float
    reductions and histograms give NaN, integer totals (``rg.count``) raise (under ``jax.jit``:
    the dtype's minimum). On an exact ``x``, ``capacity`` is optional: given, the result is bounded
    (list slots in ``rg.with_capacity``'s buckets), and more combinations than ``capacity`` raise
    ``ValueError`` at once.

    >>> import raggrad as rg
    >>> a, b = rg.combinations(rg.array([[1, 2, 3], [], [4, 5]]), 2)
    >>> a.to_list(), b.to_list()
    ([[1, 1, 2], [], [4]], [[2, 3, 3], [], [5]])
    >>> rg.combinations(rg.array([[1, 2], [3]]), 2, fields=["a", "b"], replacement=True).to_list()
    [[{'a': 1, 'b': 1}, {'a': 1, 'b': 2}, {'a': 2, 'b': 2}], [{'a': 3, 'b': 3}]]
    >>> a, b = rg.combinations(rg.with_capacity(rg.array([[1, 2, 3], [], [4, 5]])), 2, capacity=8)
    >>> a.to_list(), b.to_list(), rg.capacity(a)
    ([[1, 1, 2], [], [4]], [[2, 3, 3], [], [5]], Capacity(lists=(16,), elements=8))
    >>> jets = rg.with_capacity(rg.array([[[1, 2], [3]], [[4]]]))  # events, jets, constituents
    >>> a, b = rg.combinations(jets, 2, axis=1, capacity=(8, 32))  # pairs of jets
    >>> a.to_list(), b.to_list()
    ([[[1, 2]], []], [[[3]], []])
    """
    members = _combinations(x, n, axis=axis, replacement=replacement, capacity=capacity)
    inner = (fields is None and with_name is None) or innermost(members[0], axis, "rg.combinations")
    return as_record(members, fields, with_name, inner, "rg.combinations")


@fieldwise("each")
def _combinations(
    x: Any, n: Any, /, *, axis: Any, replacement: Any, capacity: Any
) -> tuple[RaggedArray, ...]:
    x, n, d, r, cap, done = _route(x, n, axis, replacement, capacity, "rg.combinations", arg=False)
    if done is not None:
        return cast(tuple[RaggedArray, ...], done)
    s, backend, nb = x._structure, x._backend, x._nbatch
    count = _checked_count(x, n, d, r, n * (_INDEX_BYTES + _item_bytes(x, d)), "rg.combinations")

    def make() -> list[tuple[Structure, Any]]:
        levels, picked = _combinations_plan(s, n, d, r)
        if s.masks is not None:
            return [_member(s, s.masks[:d], levels, g, d) for g in picked]
        shared = cast(Structure, from_levels(levels))  # levels: at least the outer one
        out = []
        for g in picked:
            below, sel = descend(ext(s), d + 1, g)
            # one structure object for members with equal lists keeps broadcasting on its fast path
            out.append((cast(Structure, from_levels([*levels, *below])) if below else shared, sel))
        return out

    key = ("combinations", n, d, r)
    plan = s.cached(key, make)
    content = moved(x)
    members = tuple(
        new(structure, back(backend, backend.take(content, sel, s, (*key, i)), nb), nb)
        for i, (structure, sel) in enumerate(plan)
    )
    return members if cap is None else bound_members(members, count[0], cap, d, axis, "rg.combinations")


def _count(lengths: np.ndarray, n: int, replacement: bool) -> tuple[int, bool]:
    """The number of combinations (with replacement: of ``L + n - 1`` items, for non-empty lists)."""
    if replacement:
        lengths = np.where(lengths > 0, lengths + (n - 1), 0)
    return _count_combinations(lengths, n)


def _bounded_regular(
    x: RaggedArray, n: int, j: int, replacement: bool, name: str, arg: bool
) -> tuple[Any, ...]:
    """Combinations along regular inner dimension ``j`` of a bounded array: the structure and its
    capacities stay (the dimension's size is static), padding slots stay zeros."""
    xp, nb = x._backend.xp, x._nbatch
    s = cast(BoundedStructure, x._structure)
    used = s.slot_mask(s.nlevels)
    out = []
    for m in _regular(x, n, j, replacement, name, arg=arg):
        c = m._content
        shape = (1,) * nb + tuple(used.shape) + (1,) * (len(c.shape) - nb - 1)
        out.append(new(m._structure, xp.where(xp.reshape(used, shape), c, xp.zeros_like(c)), nb))
    return tuple(out)


def _route(
    x: Any, n: Any, axis: Any, replacement: Any, capacity: Any, name: str, *, arg: bool
) -> tuple[Any, ...]:
    """The checked arguments of combinations/argcombinations ``(x, n, d, replacement, capacity,
    None)``, or, for a bounded array or a regular axis, the finished members in the last place."""
    x, n, kind, d = _arguments(x, n, axis, replacement, name)
    if isinstance(x._structure, BoundedStructure):
        if kind == "inner":  # the structure and its capacities stay: no capacity=, as exact
            _no_capacity(None if capacity is None else check_capacity(capacity, name), name)
            return x, n, d, False, None, _bounded_regular(x, n, d, bool(replacement), name, arg)
        x._structure.check_single(name)
        deeper = 0 if arg else x._structure.nlevels - d  # depths below the items combined
        example = "1024" if not deeper else f"({', '.join(['1024'] * (deeper + 1))})"
        if capacity is None:  # (raises, naming the call to make)
            need_capacity(capacity, name, f"{name}(x, {n}, axis={axis}, capacity={example})")
        caps = check_capacities(capacity, deeper + 1, name, axis)
        members = bounded_combinations(
            x, n, d, caps[0], axis, name, arg=arg, replacement=bool(replacement), below=caps[1:]
        )
        return x, n, d, bool(replacement), caps[0], members
    if kind == "inner":
        _no_capacity(None if capacity is None else check_capacity(capacity, name), name)
        return x, n, d, False, None, _regular(x, n, d, bool(replacement), name, arg=arg)
    deeper = 0 if arg else x._structure.nlevels - d
    given = None if capacity is None else check_capacities(capacity, deeper + 1, name, axis)
    return x, n, d, bool(replacement), given, None


def _checked_count(x: Any, n: int, d: int, r: bool, per_item: int, name: str) -> tuple[int, bool]:
    """The number of combinations (cached on the structure), refused before allocating when the
    output cannot fit (``per_item`` bytes each)."""
    s = x._structure
    count = s.cached(("combinations-count", n, d, r), lambda: _count(ext(s)[d].lengths, n, r))
    check_size(name, count, "combinations", per_item, n, f"use a smaller n than {n}")
    return cast(tuple[int, bool], count)


def _no_capacity(cap: Any, name: str) -> None:
    if cap is not None:
        msg = f"{name}: capacity= applies to a ragged axis; along a regular dimension leave it out"
        raise ValueError(msg)


@register("argcombinations", "structural", awkward="ak.argcombinations", differentiable=False, options=True)
def argcombinations(
    x: RaggedArray,
    n: int,
    /,
    *,
    axis: int = 1,
    fields: Sequence[str] | None = None,
    replacement: bool = False,
    with_name: str | None = None,
    capacity: int | None = None,
) -> Any:
    """Local indices of the members of the combinations of :func:`combinations`.

    ``axis``, ``fields``, ``replacement`` and ``with_name`` as in :func:`combinations`. The same
    size guard applies: :class:`raggrad.OutputTooLargeError` before allocating an output that
    cannot fit in memory. ``capacity`` as in :func:`combinations` (required for a bounded ``x``;
    an overflow marks the result invalid), but always one number, at any axis: the result holds
    one index per combination, not the items' lists; padding slots hold 0. Indices are never missing: a
    missing list gives a missing list of index tuples, as awkward's.

    >>> import raggrad as rg
    >>> i, j = rg.argcombinations(rg.array([[1, 2, 3], [], [4, 5]]), 2)
    >>> i.to_list(), j.to_list()
    ([[0, 0, 1], [], [0]], [[1, 2, 2], [], [1]])
    >>> rg.argcombinations(rg.array([[7, 8]]), 2, fields=["i", "j"], replacement=True).to_list()
    [[{'i': 0, 'j': 0}, {'i': 0, 'j': 1}, {'i': 1, 'j': 1}]]
    """
    x = x._field(0) if isinstance(x, RecordArray) else x
    members = _argcombinations(x, n, axis=axis, replacement=replacement, capacity=capacity)
    inner = (fields is None and with_name is None) or innermost(members[0], axis, "rg.argcombinations")
    return as_record(members, fields, with_name, inner, "rg.argcombinations")


def _argcombinations(
    x: Any, n: Any, /, *, axis: Any, replacement: Any, capacity: Any
) -> tuple[RaggedArray, ...]:
    x, n, d, r, cap, done = _route(x, n, axis, replacement, capacity, "rg.argcombinations", arg=True)
    if done is not None:
        return cast(tuple[RaggedArray, ...], done)
    s, backend = x._structure, x._backend
    # the plan's indices, then the local indices as int64 content (once per batch element)
    count = _checked_count(x, n, d, r, n * _INDEX_BYTES * (1 + math.prod(x._batch)), "rg.argcombinations")

    def make() -> tuple[Structure, list[np.ndarray]]:
        levels, _, cols = _local_combinations(s, n, d, r)
        structure = from_levels(levels) if s.masks is None else og.build(levels, [*s.masks[:d], None])
        return cast(Structure, structure), cols

    key = ("argcombinations", n, d, r)
    structure, cols = s.cached(key, make)
    like = x._content
    members = tuple(
        new(structure, batched(backend, backend.int_content(s, (*key, i), c, like), x._batch), x._nbatch)
        for i, c in enumerate(cols)
    )
    return members if cap is None else bound_members(members, count[0], cap, d, axis, "rg.argcombinations")
