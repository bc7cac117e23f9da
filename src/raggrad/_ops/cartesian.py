"""Cartesian products of the lists of several arrays: ``cartesian`` and ``argcartesian``.

As for :mod:`raggrad._ops.combinations`: the result's offsets and, per member, the items it picks
are worked out on the host once per structure (cached on the first array's), then the content moves
with one gather per member, so members are differentiable and the ops work under ``jax.jit``; the
number of tuples is counted exactly first and an output that cannot fit in memory raises
:class:`raggrad.OutputTooLargeError` before anything is allocated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

from .._array import RaggedArray, exact_structure
from .._axes import as_index
from .._bounded import BoundedStructure
from .._broadcast import common_backend
from .._convert import content_to
from .._options import all_masks
from .._records import RecordArray, fieldwise
from .._registry import register
from .._structure import Structure, descend, ext, from_levels, offsets_from_lengths, ranges
from . import option_gather as og
from .combinations import (
    _INDEX_BYTES,
    _columns,
    _item_bytes,
    _member,
    _repeat_rows,
    as_record,
    innermost,
)
from .combinations_bounded import bound_members, bounded_cartesian, check_capacity, need_capacity
from .common import back, batched, check_size, depth, moved, new, single
from .manipulation import local_index

__all__ = ["argcartesian", "cartesian"]


def _count_tuples(lengths: list[np.ndarray]) -> tuple[int, bool]:
    """``sum(prod(L_j[i]))`` over lists ``i``, exactly (Python ints past float64's exact range)."""
    rough = float(np.prod(np.stack([L.astype(np.float64) for L in lengths]), axis=0).sum())
    if rough < 2.0**52:  # then every product and the sum are below 2**53: exact in int64
        return int(np.prod(np.stack(lengths), axis=0).sum()), True
    products = np.prod(np.stack([L.astype(object) for L in lengths]), axis=0)
    return int(sum(products.tolist())), True


def _cartesian_plan(
    structures: tuple[Structure, ...], d: int
) -> tuple[list[Any], list[np.ndarray], list[np.ndarray]]:
    """Levels of the lists of tuples, and per array the items its member picks (global indices
    at ``d + 1``) and their local indices in their lists."""
    exts = [ext(s) for s in structures]
    lens = [e[d].lengths for e in exts]
    nlists = len(lens[0])
    rows = np.repeat(np.arange(nlists, dtype=np.int64), lens[0])
    _, col = ranges(np.zeros(nlists, dtype=np.int64), lens[0])
    reps: list[np.ndarray]
    news, reps = [col], []
    for L in lens[1:]:
        rows, new = _repeat_rows(rows, L[rows], np.zeros(len(rows), dtype=np.int64), reps)
        news.append(new)
    cols = _columns(news, reps)
    counts = np.bincount(rows, minlength=nlists)
    offsets = offsets_from_lengths(counts)
    picked = [e[d].offsets[:-1][rows] + c for e, c in zip(exts, cols)]
    return [*exts[0][:d], offsets], picked, cols


def _named(arrays: Any, name: str) -> tuple[list[Any], list[str] | None]:
    """The arrays, and their names when given as a dict (awkward's record form)."""
    if isinstance(arrays, Mapping):
        names = list(arrays)
        if not names or not all(isinstance(k, str) for k in names):
            msg = f"{name}: a dict of arrays needs at least one entry and string keys, got {names!r}"
            raise TypeError(msg)
        return list(arrays.values()), names
    if isinstance(arrays, (RaggedArray, RecordArray, str)) or not isinstance(arrays, Sequence) or not arrays:
        msg = f"{name}: expected a non-empty list of arrays or a dict of named arrays, not {arrays!r}"
        raise TypeError(msg)
    return list(arrays), None


def _checked(arrays: list[Any], axis: Any, name: str) -> tuple[list[RaggedArray], int]:
    """The arrays and the depth of ``axis``; ``ValueError`` unless they share the lists above it."""
    xs = [single(a, name) for a in arrays]
    first = xs[0]
    d = depth(first, axis, name)
    sf = first._structure
    for a in xs[1:]:
        sa = a._structure
        ok = a._nbatch == first._nbatch and d <= sa.nlevels
        if d and ok:
            ok = sa.length == sf.length and all(
                p is q or np.array_equal(p.offsets, q.offsets) for p, q in zip(sa.levels[: d - 1], sf.levels)
            )
        if not ok:
            msg = (
                f"{name}: arrays of types {first.type!r} and {a.type!r} do not have the same "
                f"lists above axis={axis}"
            )
            raise ValueError(msg)
    return xs, d


def _count(structures: tuple[Structure, ...], d: int) -> tuple[int, bool]:
    return structures[0].cached(
        ("cartesian-count", d, structures[1:]), lambda: _count_tuples([ext(t)[d].lengths for t in structures])
    )


def _above(structures: tuple[Structure, ...], d: int) -> list[Any]:
    """A list of tuples is missing where the list is missing in any array (it holds no tuples)."""
    above: list[Any] = [None] * d
    for s in structures:
        above = [og.both(a, m) for a, m in zip(above, all_masks(s)[:d], strict=True)]
    return above


@register("cartesian", "structural", awkward="ak.cartesian", options=True)
def cartesian(
    arrays: Sequence[RaggedArray] | Mapping[str, RaggedArray],
    /,
    *,
    axis: int = 1,
    with_name: str | None = None,
    capacity: int | None = None,
) -> Any:
    """Every tuple of one item from each array's list at ``axis``, as ``ak.cartesian``.

    Returns one array per input (the first input varies slowest); a dict of named arrays returns
    awkward's record form instead, a :class:`RecordArray` with those field names (``with_name``
    names the records; with a list, ``with_name`` gives a tuple record of fields ``"0"``, ``"1"``
    ...); the record form needs ``axis=-1`` (raggrad's records hold numbers). The arrays must
    have the same lists above ``axis``. Missing values as awkward's: a list missing in any array
    gives a missing list of tuples, a missing item a missing member. An output too large for the
    available memory (the sum over lists of the products of their lengths, counted exactly)
    raises :class:`raggrad.OutputTooLargeError` before allocating it.

    ``capacity`` as in :func:`combinations`: required when an array is bounded (exact ones among
    them are bounded to its list slots), the result's element slots; more tuples than ``capacity``
    keep the first ``capacity`` and mark the result invalid (``to_list`` and ``rg.trim`` raise).
    On exact arrays it is optional and makes the result bounded (more tuples raise at once).

    >>> import raggrad as rg
    >>> a, b = rg.cartesian([rg.array([[1, 2], []]), rg.array([[10, 20, 30], [40]])])
    >>> a.to_list(), b.to_list()
    ([[1, 1, 1, 2, 2, 2], []], [[10, 20, 30, 10, 20, 30], []])
    >>> rg.cartesian({"mu": rg.array([[1, 2], []]), "e": rg.array([[10], [40]])}).to_list()
    [[{'mu': 1, 'e': 10}, {'mu': 2, 'e': 10}], []]
    """
    as_index(axis, "axis", "rg.cartesian")  # a bad axis is named before the arrays are looked at
    xs, names = _named(arrays, "rg.cartesian")
    members = _cartesian(xs, axis=axis, capacity=capacity)
    if names is None and with_name is None:
        return members
    inner = innermost(members[0], axis, "rg.cartesian")
    return as_record(members, names, with_name, inner, "rg.cartesian")


@fieldwise("sequence")
def _cartesian(arrays: Sequence[Any], /, *, axis: Any, capacity: Any) -> tuple[RaggedArray, ...]:
    cap: int | None
    if any(isinstance(a, RaggedArray) and isinstance(a._structure, BoundedStructure) for a in arrays):
        xs = [single(a, "rg.cartesian") for a in arrays]
        d = depth(xs[0], axis, "rg.cartesian")
        cap = need_capacity(capacity, "rg.cartesian", "rg.cartesian([a, b], capacity=1024)")
        return bounded_cartesian(xs, d, cap, axis, "rg.cartesian")
    xs, d = _checked(list(arrays), axis, "rg.cartesian")
    backend = common_backend(tuple(xs), "rg.cartesian")
    first = xs[0]
    cap = None if capacity is None else check_capacity(capacity, "rg.cartesian")
    structures = tuple(exact_structure(a) for a in xs)
    count = _count(structures, d)
    per_item = sum(_INDEX_BYTES + _item_bytes(a, d) for a in xs)
    check_size("rg.cartesian", count, "tuples", per_item, len(xs), "use fewer arrays or shorter lists")

    def make() -> list[tuple[Structure, Any]]:
        levels, picked, _ = _cartesian_plan(structures, d)
        if all(s.masks is None for s in structures):
            out = []
            for s, g in zip(structures, picked):
                below, sel = descend(ext(s), d + 1, g)
                out.append((cast(Structure, from_levels([*levels, *below])), sel))
            return out
        above = _above(structures, d)
        return [_member(s, above, levels, g, d) for s, g in zip(structures, picked)]

    key = ("cartesian", d, structures[1:])
    plan = structures[0].cached(key, make)
    nb, owner = first._nbatch, structures[0]
    members = tuple(
        new(
            structure,
            back(backend, backend.take(content_to(moved(a), None, backend, None), sel, owner, (*key, i)), nb),
            nb,
        )
        for i, (a, (structure, sel)) in enumerate(zip(xs, plan))
    )
    return members if cap is None else bound_members(members, count[0], (cap,), d, axis, "rg.cartesian")


@register("argcartesian", "structural", awkward="ak.argcartesian", differentiable=False, options=True)
def argcartesian(
    arrays: Sequence[RaggedArray] | Mapping[str, RaggedArray],
    /,
    *,
    axis: int = 1,
    with_name: str | None = None,
    capacity: int | None = None,
) -> Any:
    """Local indices of the members of the tuples of :func:`cartesian`, as ``ak.argcartesian``.

    One int array per input (a dict: a :class:`RecordArray` of them, as :func:`cartesian`). The
    indices are never missing; a list missing in any array gives a missing list of tuples.
    ``capacity`` as in :func:`cartesian` (required when an array is bounded): the tuples of the
    arrays' local indices (:func:`raggrad.local_index`), bounded.

    >>> import raggrad as rg
    >>> i, j = rg.argcartesian([rg.array([[1.5, 2.5], []]), rg.array([[7.0, 8.0], [9.0]])])
    >>> i.to_list(), j.to_list()
    ([[0, 0, 1, 1], []], [[0, 1, 0, 1], []])
    """
    as_index(axis, "axis", "rg.argcartesian")
    xs, names = _named(arrays, "rg.argcartesian")
    xs = [single(a._field(0) if isinstance(a, RecordArray) else a, "rg.argcartesian") for a in xs]
    if capacity is not None or any(isinstance(a._structure, BoundedStructure) for a in xs):
        members = _bounded_argcartesian(xs, axis, capacity)
    else:
        members = _exact_argcartesian(xs, axis)
    if names is None and with_name is None:
        return members
    inner = innermost(members[0], axis, "rg.argcartesian")
    return as_record(members, names, with_name, inner, "rg.argcartesian")


def _bounded_argcartesian(xs: list[RaggedArray], axis: Any, capacity: Any) -> tuple[RaggedArray, ...]:
    """The tuples of the arrays' local indices, bounded to ``capacity`` element slots."""
    if any(isinstance(a._structure, Structure) and a._structure.masks is not None for a in xs):
        msg = "rg.argcartesian: capacity= with missing values is not supported; leave capacity out"
        raise NotImplementedError(msg)
    need_capacity(capacity, "rg.argcartesian", "rg.argcartesian([a, b], capacity=1024)")
    return cast(
        tuple[RaggedArray, ...],
        _cartesian([local_index(a, axis=axis) for a in xs], axis=axis, capacity=capacity),
    )


def _exact_argcartesian(xs: list[RaggedArray], axis: Any) -> tuple[RaggedArray, ...]:
    xs, d = _checked(xs, axis, "rg.argcartesian")
    first = xs[0]
    backend = common_backend(tuple(xs), "rg.argcartesian")
    structures = tuple(exact_structure(a) for a in xs)
    count = _count(structures, d)
    per_item = len(xs) * 2 * _INDEX_BYTES
    check_size("rg.argcartesian", count, "tuples", per_item, len(xs), "use fewer arrays or shorter lists")

    def make() -> tuple[Structure, list[np.ndarray]]:
        levels, _, cols = _cartesian_plan(structures, d)
        if all(s.masks is None for s in structures):
            return cast(Structure, from_levels(levels)), cols
        return cast(Structure, og.build(levels, [*_above(structures, d), None])), cols

    key = ("argcartesian", d, structures[1:])
    structure, cols = structures[0].cached(key, make)
    like, batch = first._content, first._batch
    index = [backend.int_content(structures[0], (*key, i), c, like) for i, c in enumerate(cols)]
    return tuple(new(structure, batched(backend, c, batch), first._nbatch) for c in index)
