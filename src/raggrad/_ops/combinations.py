"""Combinations within lists: ``combinations``, ``argcombinations`` and ``cartesian``.

Each works out, on the host and once per structure (cached on it), the result's offsets and for
every member the items it picks; the content then moves with one gather per member, so members
are differentiable and the ops work under ``jax.jit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._array import RaggedArray
from .._broadcast import common_backend
from .._convert import content_to
from .._records import fieldwise
from .._registry import register
from .._structure import Structure, descend, ext, from_levels, offsets_from_lengths, ranges
from .common import back, batched, depth, moved, new, single

__all__ = ["argcombinations", "cartesian", "combinations"]


def _repeat_rows(
    rows_list: np.ndarray, cols: list[np.ndarray], counts: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Repeat every row ``counts[r]`` times and append a column running from ``starts[r]``."""
    _, new = ranges(starts, counts)
    rep = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    return rows_list[rep], [c[rep] for c in cols] + [new]


def _combinations_plan(s: Structure, n: int, d: int) -> tuple[list[Any], list[np.ndarray]]:
    """Levels of the result's lists, and per member the items it picks (global indices at ``d + 1``)."""
    levels = ext(s)
    seg = levels[d]
    L = seg.lengths
    if n == 1:
        return [*levels[:d], seg.offsets], [np.arange(seg.size, dtype=np.int64)]
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
    cols = [col]
    for t in range(1, n):
        # the next member runs from the previous one + 1 up to leaving room for the rest
        more = L[rows] - (n - t) - cols[-1]
        rows, cols = _repeat_rows(rows, cols, more, cols[-1] + 1)
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
def combinations(x: RaggedArray, n: int, /, *, axis: int = 1) -> tuple[RaggedArray, ...]:
    """All ``n``-element combinations of the items of every list at ``axis`` (no replacement).

    Returns ``n`` arrays: the ``i``-th holds the ``i``-th member of every combination,
    combinations in lexicographic order within each list, as ``ak.combinations``. Differentiable
    (each member is a gather); the structure depends on the input's only, so it works under
    ``jax.jit``.

    >>> import raggrad as rg
    >>> a, b = rg.combinations(rg.array([[1, 2, 3], [], [4, 5]]), 2)
    >>> a.to_list(), b.to_list()
    ([[1, 1, 2], [], [4]], [[2, 3, 3], [], [5]])
    """
    x = single(x, "rg.combinations")
    n = _check_n(n, "rg.combinations")
    s, backend, nb = x._structure, x._backend, x._nbatch
    d = depth(x, axis, "rg.combinations")

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
    return tuple(
        new(structure, back(backend, backend.take(content, sel, s, (*key, i)), nb), nb)
        for i, (structure, sel) in enumerate(plan)
    )


@register("argcombinations", "structural", awkward="ak.argcombinations", differentiable=False)
@fieldwise("one")
def argcombinations(x: RaggedArray, n: int, /, *, axis: int = 1) -> tuple[RaggedArray, ...]:
    """Local indices of the members of the combinations of :func:`combinations`.

    >>> import raggrad as rg
    >>> i, j = rg.argcombinations(rg.array([[1, 2, 3], [], [4, 5]]), 2)
    >>> i.to_list(), j.to_list()
    ([[0, 0, 1], [], [0]], [[1, 2, 2], [], [1]])
    """
    x = single(x, "rg.argcombinations")
    n = _check_n(n, "rg.argcombinations")
    s, backend = x._structure, x._backend
    d = depth(x, axis, "rg.argcombinations")

    def make() -> tuple[Structure, list[np.ndarray]]:
        levels, picked = _combinations_plan(s, n, d)
        # local index = picked item - the start of its list
        starts = np.repeat(ext(s)[d].offsets[:-1], np.diff(levels[-1]))
        return from_levels(levels), [g - starts for g in picked]

    key = ("argcombinations", n, d)
    structure, cols = s.cached(key, make)
    like = x._content
    return tuple(
        new(structure, batched(backend, backend.int_content(s, (*key, i), c, like), x._batch), x._nbatch)
        for i, c in enumerate(cols)
    )


def _cartesian_plan(structures: tuple[Structure, ...], d: int) -> tuple[list[Any], list[np.ndarray]]:
    exts = [ext(s) for s in structures]
    lens = [e[d].lengths for e in exts]
    nlists = len(lens[0])
    rows = np.repeat(np.arange(nlists, dtype=np.int64), lens[0])
    _, col = ranges(np.zeros(nlists, dtype=np.int64), lens[0])
    cols = [col]
    for L in lens[1:]:
        rows, cols = _repeat_rows(rows, cols, L[rows], np.zeros(len(rows), dtype=np.int64))
    counts = np.bincount(rows, minlength=nlists)
    offsets = offsets_from_lengths(counts)
    picked = [e[d].offsets[:-1][rows] + c for e, c in zip(exts, cols)]
    return [*exts[0][:d], offsets], picked


@register("cartesian", "structural", awkward="ak.cartesian")
@fieldwise("sequence")
def cartesian(arrays: Sequence[RaggedArray], /, *, axis: int = 1) -> tuple[RaggedArray, ...]:
    """Every tuple of one item from each array's list at ``axis``, as ``ak.cartesian``.

    Returns one array per input (the first input varies slowest). The arrays must have the same
    lists above ``axis``.

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
    return tuple(
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
