"""Combinations within lists: ``combinations``, ``argcombinations`` and ``cartesian``.

Each works out, on the host and once per structure (cached on it), the result's offsets and for
every member the items it picks; the content then moves with one gather per member, so members
are differentiable and the ops work under ``jax.jit``.

Size guard: the number of combinations (``sum of C(len, n)`` over the lists) or tuples
(``sum of the products of the lengths``) is counted exactly first, in Python ints, so it cannot
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
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._array import RaggedArray
from .._bounded import BoundedStructure
from .._broadcast import common_backend
from .._convert import content_to, dtype_of
from .._errors import OutputTooLargeError
from .._records import fieldwise
from .._registry import register
from .._structure import Structure, descend, ext, from_levels, offsets_from_lengths, ranges
from .combinations_bounded import (
    bound_members,
    bounded_cartesian,
    bounded_combinations,
    check_capacity,
    need_capacity,
)
from .common import back, batched, depth, moved, new, single

__all__ = ["argcombinations", "cartesian", "combinations"]


# ---- size guard ------------------------------------------------------------------------------------
_INDEX_BYTES = 8  # one int64 index per member of every combination (the plan)
_SMALL = 1 << 26  # outputs up to 64 MiB never ask how much memory is free
_UNKNOWN_MEMORY = 1 << 40  # where the platform does not say
_MANY = 1 << 64  # a count known only to be larger than this
_MEMBER_BYTES = 1024  # a rough floor for one returned array (its Python objects and structure)


def _available_memory() -> int:
    """Bytes this process can still allocate: the smaller of Linux's ``MemAvailable`` and what
    the cgroup's limit leaves; else the physical memory; else 1 TiB."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:  # cgroup v2 (containers): the limit less what is used, page cache that can go back excepted
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text())
            stat = dict(line.split() for line in Path("/sys/fs/cgroup/memory.stat").read_text().splitlines())
            found.append(int(limit) - used + int(stat.get("inactive_file", 0)))
    except (OSError, ValueError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (AttributeError, OSError, ValueError):
            found.append(_UNKNOWN_MEMORY)
    return max(min(found), 0)


def _item_bytes(x: RaggedArray, d: int) -> int:
    """Bytes of content per item of the lists at depth ``d`` (an average over sublists), batch
    included."""
    items = x._structure.count_at(d)
    total = dtype_of(x._content).itemsize * math.prod(x._content.shape)
    return -(-total // items) if items else 0


def _check_size(name: str, count: tuple[int, bool], what: str, per_item: int, members: int, fix: str) -> None:
    """Raise :class:`OutputTooLargeError` when ``count`` outputs of ``per_item`` bytes, returned as
    ``members`` arrays, cannot fit."""
    number, exact = count
    need = number * per_item + members * _MEMBER_BYTES
    if need <= _SMALL:
        return
    free = _available_memory()
    if need > free:
        shown = f"{number}" if exact else f"more than {_MANY}"
        bound = f"at least {need}" if exact else f"more than {_MANY * per_item}"
        msg = (
            f"{name}: the result would hold {shown} {what} in {members} arrays and need {bound} bytes "
            f"({_gib(need)}), more than the {free} bytes ({_gib(free)}) of memory available; "
            f"{fix}, or process the lists in batches (x[i:j])"
        )
        raise OutputTooLargeError(msg)


def _gib(nbytes: int) -> str:
    gib = nbytes >> 30
    return f"{nbytes / 2**30:.1f} GiB" if gib < 10**15 else f"about 10^{len(str(gib)) - 1} GiB"


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
            return _MANY, False
        total += count * math.comb(length, k)
    return total, True


def _count_tuples(lengths: list[np.ndarray]) -> tuple[int, bool]:
    """``sum(prod(L_j[i]))`` over lists ``i``, exactly (Python ints past float64's exact range)."""
    rough = float(np.prod(np.stack([L.astype(np.float64) for L in lengths]), axis=0).sum())
    if rough < 2.0**52:  # then every product and the sum are below 2**53: exact in int64
        return int(np.prod(np.stack(lengths), axis=0).sum()), True
    products = np.prod(np.stack([L.astype(object) for L in lengths]), axis=0)
    return int(sum(products.tolist())), True


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


def _combinations_plan(s: Structure, n: int, d: int) -> tuple[list[Any], list[np.ndarray]]:
    """Levels of the result's lists, and per member the items it picks (global indices at ``d + 1``)."""
    levels = ext(s)
    seg = levels[d]
    L = seg.lengths
    if n == 1:
        return [*levels[:d], seg.offsets], [np.arange(seg.size, dtype=np.int64)]
    if L.max(initial=0) < n:  # no list is long enough: empty lists at once, whatever n is
        empty = np.zeros(0, dtype=np.int64)
        return [*levels[:d], np.zeros(seg.n + 1, dtype=np.int64)], [empty] * n
    if n == 2:
        # element p of list j is the first member of (stop_j - 1 - p) pairs, whose second members
        # run from p + 1 to the list's end: two repeats, no per-pair gathers
        ends = np.repeat(seg.offsets[1:] - 1, L)
        ends -= np.arange(seg.size, dtype=np.int64)
        first = np.repeat(np.arange(seg.size, dtype=np.int64), ends)
        _, second = ranges(np.arange(1, seg.size + 1, dtype=np.int64), ends)
        offsets = offsets_from_lengths(L * (L - 1) // 2)
        return [*levels[:d], offsets], [first, second]
    first_counts = np.maximum(L - n + 1, 0)
    _, col = ranges(np.zeros(len(L), dtype=np.int64), first_counts)
    rows = np.repeat(np.arange(len(L), dtype=np.int64), first_counts)
    news, reps = [col], []
    for t in range(1, n):
        # the next member runs from the previous one + 1 up to leaving room for the rest
        more = L[rows] - (n - t) - news[-1]
        rows, new = _repeat_rows(rows, more, news[-1] + 1, reps)
        news.append(new)
    cols = _columns(news, reps)
    offsets = offsets_from_lengths(np.bincount(rows, minlength=len(L)))
    starts = seg.offsets[:-1][rows]
    return [*levels[:d], offsets], [starts + c for c in cols]


def _check_n(n: Any, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        msg = f"{name}: n must be a positive integer, got {n!r}"
        raise ValueError(msg)
    return int(n)


@register("combinations", "structural", awkward="ak.combinations")
@fieldwise("each")
def combinations(
    x: RaggedArray, n: int, /, *, axis: int = 1, capacity: int | None = None
) -> tuple[RaggedArray, ...]:
    """All ``n``-element combinations of the items of every list at ``axis`` (no replacement).

    Returns ``n`` arrays: the ``i``-th holds the ``i``-th member of every combination,
    combinations in lexicographic order within each list, as ``ak.combinations``. Differentiable
    (each member is a gather); the structure depends on the input's only, so it works under
    ``jax.jit``. Lists shorter than ``n`` give empty lists (at once, however large ``n`` is); an
    output too large for the available memory raises :class:`raggrad.OutputTooLargeError` (a
    ``ValueError``) naming the number of combinations and the bytes, before allocating it.

    ``capacity``: the element slots of a bounded result, required for a bounded ``x`` (without it
    ``TypeError``), whose innermost ragged axis is then the only one supported. The result's list
    slots are ``x``'s at that depth; the combinations are made on the device, so one ``jax.jit``
    program serves every batch of the same capacities. More combinations than ``capacity`` keep
    the first ``capacity`` of them and mark the result invalid: ``to_list`` and ``rg.trim`` raise
    ``ValueError`` naming the capacities, 0-d float reductions give NaN. On an exact ``x``,
    ``capacity`` is optional: given, the result is bounded (list slots in ``rg.with_capacity``'s
    buckets), and more combinations than ``capacity`` raise ``ValueError`` at once.

    >>> import raggrad as rg
    >>> a, b = rg.combinations(rg.array([[1, 2, 3], [], [4, 5]]), 2)
    >>> a.to_list(), b.to_list()
    ([[1, 1, 2], [], [4]], [[2, 3, 3], [], [5]])
    >>> a, b = rg.combinations(rg.with_capacity(rg.array([[1, 2, 3], [], [4, 5]])), 2, capacity=8)
    >>> a.to_list(), b.to_list(), rg.capacity(a)
    ([[1, 1, 2], [], [4]], [[2, 3, 3], [], [5]], Capacity(lists=(16,), elements=8))
    """
    x = single(x, "rg.combinations")
    n = _check_n(n, "rg.combinations")
    s, backend, nb = x._structure, x._backend, x._nbatch
    d = depth(x, axis, "rg.combinations")
    if isinstance(s, BoundedStructure):
        cap = need_capacity(capacity, "rg.combinations", f"rg.combinations(x, {n}, capacity=1024)")
        return bounded_combinations(x, n, d, cap, axis, "rg.combinations")
    cap = None if capacity is None else check_capacity(capacity, "rg.combinations")
    count = s.cached(("combinations-count", n, d), lambda: _count_combinations(ext(s)[d].lengths, n))
    per_item = n * (_INDEX_BYTES + _item_bytes(x, d))
    _check_size("rg.combinations", count, "combinations", per_item, n, f"use a smaller n than {n}")

    def make() -> list[tuple[Structure, np.ndarray]]:
        levels, picked = _combinations_plan(s, n, d)
        shared = from_levels(levels)
        out = []
        for g in picked:
            below, sel = descend(ext(s), d + 1, g)
            # one structure object for members with equal lists keeps broadcasting on its fast path
            out.append((from_levels([*levels, *below]) if below else shared, sel))
        return out

    key = ("combinations", n, d)
    plan = s.cached(key, make)
    content = moved(x)
    members = tuple(
        new(structure, back(backend, backend.take(content, sel, s, (*key, i)), nb), nb)
        for i, (structure, sel) in enumerate(plan)
    )
    return members if cap is None else bound_members(members, count[0], cap, d, axis, "rg.combinations")


@register("argcombinations", "structural", awkward="ak.argcombinations", differentiable=False)
@fieldwise("one")
def argcombinations(
    x: RaggedArray, n: int, /, *, axis: int = 1, capacity: int | None = None
) -> tuple[RaggedArray, ...]:
    """Local indices of the members of the combinations of :func:`combinations`.

    The same size guard applies: :class:`raggrad.OutputTooLargeError` before allocating an output
    that cannot fit in memory. ``capacity`` as in :func:`combinations` (required for a bounded
    ``x``; an overflow marks the result invalid); padding slots hold 0.

    >>> import raggrad as rg
    >>> i, j = rg.argcombinations(rg.array([[1, 2, 3], [], [4, 5]]), 2)
    >>> i.to_list(), j.to_list()
    ([[0, 0, 1], [], [0]], [[1, 2, 2], [], [1]])
    """
    x = single(x, "rg.argcombinations")
    n = _check_n(n, "rg.argcombinations")
    s, backend = x._structure, x._backend
    d = depth(x, axis, "rg.argcombinations")
    if isinstance(s, BoundedStructure):
        cap = need_capacity(capacity, "rg.argcombinations", f"rg.argcombinations(x, {n}, capacity=1024)")
        return bounded_combinations(x, n, d, cap, axis, "rg.argcombinations", arg=True)
    cap = None if capacity is None else check_capacity(capacity, "rg.argcombinations")
    count = s.cached(("combinations-count", n, d), lambda: _count_combinations(ext(s)[d].lengths, n))
    # the plan's indices, then the local indices as int64 content (once per batch element)
    per_item = n * _INDEX_BYTES * (1 + math.prod(x._batch))
    _check_size("rg.argcombinations", count, "combinations", per_item, n, f"use a smaller n than {n}")

    def make() -> tuple[Structure, list[np.ndarray]]:
        levels, picked = _combinations_plan(s, n, d)
        # local index = picked item - the start of its list
        starts = np.repeat(ext(s)[d].offsets[:-1], np.diff(levels[-1]))
        return from_levels(levels), [g - starts for g in picked]

    key = ("argcombinations", n, d)
    structure, cols = s.cached(key, make)
    like = x._content
    members = tuple(
        new(structure, batched(backend, backend.int_content(s, (*key, i), c, like), x._batch), x._nbatch)
        for i, c in enumerate(cols)
    )
    return members if cap is None else bound_members(members, count[0], cap, d, axis, "rg.argcombinations")


def _cartesian_plan(structures: tuple[Structure, ...], d: int) -> tuple[list[Any], list[np.ndarray]]:
    exts = [ext(s) for s in structures]
    lens = [e[d].lengths for e in exts]
    nlists = len(lens[0])
    rows = np.repeat(np.arange(nlists, dtype=np.int64), lens[0])
    _, col = ranges(np.zeros(nlists, dtype=np.int64), lens[0])
    news, reps = [col], []
    for L in lens[1:]:
        rows, new = _repeat_rows(rows, L[rows], np.zeros(len(rows), dtype=np.int64), reps)
        news.append(new)
    cols = _columns(news, reps)
    counts = np.bincount(rows, minlength=nlists)
    offsets = offsets_from_lengths(counts)
    picked = [e[d].offsets[:-1][rows] + c for e, c in zip(exts, cols)]
    return [*exts[0][:d], offsets], picked


@register("cartesian", "structural", awkward="ak.cartesian")
@fieldwise("sequence")
def cartesian(
    arrays: Sequence[RaggedArray], /, *, axis: int = 1, capacity: int | None = None
) -> tuple[RaggedArray, ...]:
    """Every tuple of one item from each array's list at ``axis``, as ``ak.cartesian``.

    Returns one array per input (the first input varies slowest). The arrays must have the same
    lists above ``axis``. An output too large for the available memory (the sum over lists of
    the products of their lengths, counted exactly) raises :class:`raggrad.OutputTooLargeError`
    before allocating it.

    ``capacity`` as in :func:`combinations`: required when an array is bounded (exact ones among
    them are bounded to its list slots), the result's element slots; more tuples than ``capacity``
    keep the first ``capacity`` and mark the result invalid (``to_list`` and ``rg.trim`` raise).
    On exact arrays it is optional and makes the result bounded (more tuples raise at once).

    >>> import raggrad as rg
    >>> a, b = rg.cartesian([rg.array([[1, 2], []]), rg.array([[10, 20, 30], [40]])])
    >>> a.to_list(), b.to_list()
    ([[1, 1, 1, 2, 2, 2], []], [[10, 20, 30, 10, 20, 30], []])
    """
    if isinstance(arrays, RaggedArray) or not len(arrays):
        msg = "rg.cartesian: expected a non-empty sequence of RaggedArrays"
        raise TypeError(msg)
    xs = [single(a, "rg.cartesian") for a in arrays]
    backend = common_backend(tuple(xs), "rg.cartesian")
    first = xs[0]
    d = depth(first, axis, "rg.cartesian")
    if any(isinstance(a._structure, BoundedStructure) for a in xs):
        cap = need_capacity(capacity, "rg.cartesian", "rg.cartesian([a, b], capacity=1024)")
        return bounded_cartesian(xs, d, cap, axis, "rg.cartesian")
    cap = None if capacity is None else check_capacity(capacity, "rg.cartesian")
    sf = first._structure
    for a in xs[1:]:
        sa = a._structure
        ok = a._nbatch == first._nbatch and d <= sa.nlevels
        if d:
            ok = (
                ok
                and sa.length == sf.length
                and all(
                    p is q or np.array_equal(p.offsets, q.offsets)
                    for p, q in zip(sa.levels[: d - 1], sf.levels)
                )
            )
        if not ok:
            msg = (
                f"rg.cartesian: arrays of types {first.type!r} and {a.type!r} do not have the same "
                f"lists above axis={axis}"
            )
            raise ValueError(msg)
    structures = tuple(a._structure for a in xs)
    count = structures[0].cached(
        ("cartesian-count", d, structures[1:]), lambda: _count_tuples([ext(t)[d].lengths for t in structures])
    )
    per_item = sum(_INDEX_BYTES + _item_bytes(a, d) for a in xs)
    _check_size("rg.cartesian", count, "tuples", per_item, len(xs), "use fewer arrays or shorter lists")

    def make() -> list[tuple[Structure, np.ndarray]]:
        levels, picked = _cartesian_plan(structures, d)
        out = []
        for s, g in zip(structures, picked):
            below, sel = descend(ext(s), d + 1, g)
            out.append((from_levels([*levels, *below]), sel))
        return out

    key = ("cartesian", d, structures[1:])
    plan = structures[0].cached(key, make)
    nb, owner = first._nbatch, structures[0]
    members = tuple(
        new(
            structure,
            back(
                backend,
                backend.take(content_to(moved(a), None, backend, None), sel, owner, (*key, i)),
                nb,
            ),
            nb,
        )
        for i, (a, (structure, sel)) in enumerate(zip(xs, plan))
    )
    return members if cap is None else bound_members(members, count[0], cap, d, axis, "rg.cartesian")
