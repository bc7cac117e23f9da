"""``combinations``, ``argcombinations`` and ``cartesian`` with ``capacity=``: bounded results.

The number of combinations is not bounded by the input's capacities, so the caller gives the
result's element capacity (``capacity=``); its list slots are the input's at the combined depth.

Bounded input. Everything is computed on the device from the offsets, with static sizes, so it
runs traced under ``jax.jit`` (one program per set of capacities):

1. per list, its count: ``C(L, n)`` for combinations, the product of the lengths for
   ``cartesian``, cut at ``capacity + 1``; the offsets of the result are their running sum, cut
   at ``capacity`` from the first list that passes it;
2. per result slot, its list (``ids_from_offsets``) and its rank ``k`` within the list;
3. the rank unranked: for combinations through the combinadic of the complement
   (``m = C(L, n) - 1 - k = sum_j C(c_j, n - j + 1)`` with ``c_j = L - 1 - i_j``, each ``c_j`` the
   largest ``c`` with ``C(c, t) <= m``: a float estimate ``(t! m)^(1/t) + (t - 1)/2``, which is
   within ``(t - 1)/2`` of it, then a few exact steps); for ``cartesian`` in mixed radix, the last
   array's index varying fastest;
4. each member is one gather of the content (``take_fill``): differentiable, zero at padding.

Overflow is never silent. More combinations than ``capacity`` keeps the first ``capacity`` of
them (in order) and sets the result's ``valid`` flag to False: ``to_list``, ``rg.trim`` and
conversions then raise ``ValueError`` naming the capacities, and 0-d float reductions of it are
NaN. (With 32-bit indices, a single list with more than ``2**31 / n`` combinations is beyond
exact counting; it overflows any capacity, and its kept slots hold zeros.)

Exact input. The structure is static, so the exact (host) plan runs and the members are then
bounded: list slots in buckets (as ``rg.with_capacity``), ``capacity`` element slots. More
combinations than ``capacity`` raise ``ValueError`` at once, as ``rg.with_capacity`` does.

At a ragged axis above the innermost the items combined are sublists: their positions are the
combinations of the array cut at that depth, and each member takes the picked items with their
subtrees (``indexing_bounded.subtrees``), into the capacities the caller gives for every depth
below (an item is in many combinations, so the input's capacities do not bound them; more items
than a capacity mark the result invalid). ``replacement=True`` counts and
unranks the combinations of ``L + n - 1`` items. Along a regular inner dimension
(:mod:`.combinations`) the structure stays and ``capacity=`` is not needed.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from .._array import RaggedArray, bounded_structure, exact_structure
from .._axes import as_index
from .._bounded import BoundedStructure, bound, bucket
from .._errors import OptionTypeError
from .common import back, batched, moved
from .indexing_bounded import subtrees

__all__ = [
    "bound_members",
    "bounded_cartesian",
    "bounded_combinations",
    "check_capacities",
    "check_capacity",
    "need_capacity",
]


# ---- arguments ---------------------------------------------------------------------------------
def check_capacity(capacity: Any, name: str) -> int:
    """``capacity=`` as a non-negative Python int."""
    cap = as_index(capacity, "capacity=", name)
    if cap < 0:
        msg = f"{name}: capacity={cap} must be a non-negative number of element slots"
        raise ValueError(msg)
    return cap


def check_capacities(capacity: Any, depths: int, name: str, axis: Any) -> tuple[int, ...]:
    """``capacity=`` of combinations whose items are sublists: ``depths`` numbers, the slots of
    the combinations, then of each depth below them (the elements last); one number when
    ``depths`` is 1."""
    if depths == 1 and not isinstance(capacity, tuple | list):
        return (check_capacity(capacity, name),)
    if depths == 1 and len(capacity) != 1:
        msg = f"{name}: capacity= is one number here (the result's element slots), not {capacity!r}"
        raise TypeError(msg)
    if not isinstance(capacity, tuple | list) or len(capacity) != depths:
        msg = (
            f"{name}: at axis={axis} the items combined are lists {depths - 1} deep, and an item "
            "may be in many combinations, so its lists need capacities too: give capacity= as "
            f"{depths} numbers, the combinations' slots then the slots of each depth below them "
            f"(the elements last), not {capacity!r}"
        )
        raise TypeError(msg)
    return tuple(check_capacity(c, name) for c in capacity)


def need_capacity(capacity: Any, name: str, call: str) -> int:
    """``capacity=`` of an op on a bounded array, where it is required."""
    if capacity is None:
        msg = (
            f"{name}: the number of results of a bounded array is not bounded by its capacities; "
            f"give capacity= (the result's element slots), e.g. {call}; more results than the "
            "capacity mark the result invalid (to_list and rg.trim raise)"
        )
        raise TypeError(msg)
    return check_capacity(capacity, name)


def _innermost(nlevels: int, d: int, axis: Any, name: str) -> None:
    if d != nlevels:
        msg = (
            f"{name}: on a bounded array only the innermost ragged axis is supported, not axis={axis} "
            f"(depth {d} of {nlevels}); trim it first (rg.trim) for the exact op"
        )
        raise NotImplementedError(msg)


def _index_limit(s: BoundedStructure, capacity: int, n: int, name: str) -> int:
    """The largest value of the structure's index dtype. ``capacity`` must leave room: running
    sums must pass it well before they can wrap around (:func:`_result_offsets`), and a list too
    long to count exactly (:func:`_safe_length`) must have more than ``imax / n >= capacity``
    combinations, so that flagging it is never wrong."""
    imax = int(np.iinfo(s.backend.numpy_dtype(s.count.dtype)).max)
    most = imax // max(4, n)
    if capacity > most:
        msg = f"{name}: capacity={capacity} is too large for {s.count.dtype} indices (at most {most})"
        raise ValueError(msg)
    return imax


# ---- structure arithmetic on the device ----------------------------------------------------------
def _lists(s: BoundedStructure, d: int) -> tuple[Any, int]:
    """The offsets of the lists whose items are combined (depth ``d - 1``) and their slot count."""
    if d == 0:  # a flat array: one list, the outer items
        xp = s.backend.xp
        return xp.stack([xp.zeros((), dtype=s.count.dtype), s.count]), 1
    return s.levels[d - 1], s.capacities[d - 1]


def _comb(xp: Any, m: Any, t: int) -> Any:
    """``C(m, t)`` elementwise, exact: after step ``j`` the running value is ``C(m, j + 1)``
    (for ``m >= 0``; once ``m - j`` reaches 0 it stays 0)."""
    if t == 0:
        return xp.ones_like(m)
    c = m
    for j in range(1, t):
        c = (c * (m - j)) // (j + 1)
    return c


def _safe_length(n: int, longest: int, imax: int) -> int:
    """The longest list whose ``C(L, t)`` for every ``t <= n``, times ``n``, stays below ``imax``
    (so :func:`_comb` cannot overflow), at most ``longest``."""
    lo, hi = n, max(longest, n)
    if max(math.comb(hi, t) for t in range(1, n + 1)) * n <= imax:
        return hi
    while lo + 1 < hi:  # invariant: lo is safe, hi is not
        mid = (lo + hi) // 2
        if max(math.comb(mid, t) for t in range(1, n + 1)) * n <= imax:
            lo = mid
        else:
            hi = mid
    return lo


def _result_offsets(xp: Any, counts: Any, capacity: int) -> tuple[Any, Any]:
    """Offsets of the result (running sums of ``counts`` cut at ``capacity``) and whether all fit.

    The counts are cut at ``capacity + 1 <= imax / 4`` first, so the running sum reaches the
    first list past the capacity before it can pass the dtype's range and wrap around (jax's
    int32): that list is the first whose sum exceeds ``capacity`` (an ``argmax``, no second
    scan), and it and every later one end at ``capacity``.
    """
    if counts.shape[0] == 0:
        return xp.zeros(1, dtype=counts.dtype), xp.asarray(True)
    run = xp.cumulative_sum(xp.minimum(counts, capacity + 1))
    over = run > capacity
    crossed = xp.any(over)
    first = xp.argmax(xp.astype(over, xp.int32))  # (torch has no argmax of booleans)
    after = xp.arange(counts.shape[0], dtype=run.dtype) >= first
    ends = xp.where(crossed & after, capacity, run)
    return xp.concat([xp.zeros(1, dtype=counts.dtype), xp.astype(ends, counts.dtype)]), ~crossed


def _slots(backend: Any, offsets: Any, capacity: int, columns: list[Any]) -> tuple[Any, Any, list[Any]]:
    """For every result slot: its list (padding: the number of lists), its rank within the list,
    and ``columns`` (per-list arrays) at its list."""
    xp = backend.xp
    lists = backend.ids_from_offsets(offsets, capacity)
    table = xp.stack([offsets[:-1], *columns], axis=1)
    rows = backend.take_fill(table, lists, 0)
    rank = xp.arange(capacity, dtype=offsets.dtype) - rows[:, 0]
    return lists, rank, [rows[:, j + 1] for j in range(len(columns))]


def _largest(xp: Any, m: Any, t: int, hi: Any, fdtype: Any) -> Any:
    """The largest ``c <= hi`` with ``C(c, t) <= m`` (it exists and is ``>= t - 1``).

    ``x = (t! m)^(1/t) + (t - 1)/2`` satisfies ``c - (t - 1)/2 <= x < c + 1`` (AM-GM on the
    products ``c (c-1) ... (c-t+1)`` and ``(c+1) c ... (c-t+2)``), so ``floor(x) - 1`` (one more
    for float rounding) is at most ``c`` and at most ``ceil((t - 1)/2) + 2`` steps up reach it.
    """
    if t == 1:
        return m
    scaled = xp.astype(m, fdtype) * float(math.factorial(t))
    x = (xp.sqrt(scaled) if t == 2 else xp.pow(scaled, 1.0 / t)) + (t - 1) / 2
    c = xp.astype(xp.floor(x), m.dtype) - 1
    c = xp.minimum(xp.maximum(c, t - 1), hi)
    for _ in range(t // 2 + 2):  # t // 2 == ceil((t - 1) / 2)
        up = xp.minimum(c + 1, hi)
        c = xp.where((c < hi) & (_comb(xp, up, t) <= m), up, c)
    return c


def _unrank_combinations(xp: Any, rank: Any, length: Any, count: Any, n: int, fdtype: Any) -> list[Any]:
    """The local indices of combination ``rank`` (lexicographic) of ``n`` items of a list of
    ``length`` (``count = C(length, n)``), through the combinadic of the complement."""
    m = count - 1 - rank
    hi = length - 1
    out = []
    for t in range(n, 0, -1):
        c = _largest(xp, m, t, hi, fdtype)
        m = m - _comb(xp, c, t)
        hi = c - 1
        out.append(length - 1 - c)
    return out


def _result(
    s: BoundedStructure, d: int, offsets: Any, lists: Any, capacity: int, valid: Any
) -> BoundedStructure:
    """The result's structure: ``s``'s levels above depth ``d - 1``, the new lists there."""
    caps = (*s.capacities[:d], capacity)
    if d == 0:
        return BoundedStructure(offsets[-1], (), caps, s.inner, valid)
    levels = (*s.levels[: d - 1], offsets)
    return BoundedStructure(s.count, levels, caps, s.inner, valid, (*s.given_ids[: d - 1], lists))


def _gather(x: RaggedArray, index: Any) -> Any:
    """The content at element slots ``index`` (out of range: zeros), batch dims kept."""
    backend = x._backend
    return back(backend, backend.take_fill(moved(x), index, 0), x._nbatch)


# ---- the ops -------------------------------------------------------------------------------------
def bounded_combinations(
    x: RaggedArray,
    n: int,
    d: int,
    capacity: int,
    axis: Any,
    name: str,
    *,
    arg: bool = False,
    replacement: bool = False,
    below: tuple[int, ...] = (),
) -> tuple[RaggedArray, ...]:
    """The members (``arg``: their local indices) of the combinations of bounded ``x``; at an
    axis above the innermost (the items are sublists), ``below`` has the capacities of each
    member's depths under the combinations (not needed with ``arg``).

    With ``replacement`` the combinations of a list of ``L`` items are those of ``L + n - 1``
    items without it (``i_t = j_t - t`` maps one onto the other, keeping their order)."""
    s, backend = cast(BoundedStructure, x._structure), x._backend
    xp = backend.xp
    s.check_single(name)
    if d < s.nlevels:  # the items are sublists: their positions, then their subtrees
        _index_limit(s, max((capacity, *below)), n, name)

        def positions() -> tuple[RaggedArray, ...]:
            above = _above(x, d)  # (not cached: its validity flag is s's, which a twin may not share)
            return bounded_combinations(above, n, d, capacity, axis, name, arg=True, replacement=replacement)

        return (
            positions() if arg else _with_subtrees(x, positions, (n, d, capacity, replacement), below, name)
        )
    imax = _index_limit(s, capacity, n, name)
    # once per structure: every field of a record (and argcombinations) shares the plan and the
    # result's structure, so binary ops between their members need no check of equal lists
    key = ("bounded-combinations", n, d, capacity, replacement)
    plan = s.cached(key, lambda: _combinations_plan(x, n, d, capacity, replacement, imax))
    out_offsets, lists, fits, used, starts, local = plan
    result = s.cached((*key, "result"), lambda: _result(s, d, out_offsets, lists, capacity, s.valid & fits))
    if arg:
        return tuple(_arg_member(x, result, xp.where(used, i, 0)) for i in local)
    return tuple(_member(x, result, xp.where(used, starts + i, s.size)) for i in local)


def _above(x: RaggedArray, d: int) -> RaggedArray:
    """``x`` cut at depth ``d``: its lists above, its depth-``d`` items as (integer) elements."""
    s = cast(BoundedStructure, x._structure)
    xp = x._backend.xp
    cut = BoundedStructure(s.count, s.levels[:d], s.capacities[: d + 1], (), s.valid, s.given_ids[:d])
    return RaggedArray._new(cut, xp.zeros(s.capacities[d], dtype=s.count.dtype))


def _with_subtrees(
    x: RaggedArray, positions: Any, key: tuple[Any, ...], below: tuple[int, ...], name: str
) -> tuple[RaggedArray, ...]:
    """Each member: the items at its local indices (``positions()``) with their subtrees
    (capacities ``below``). The plan is made once per structure, so every field of a record
    shares each member's structure."""
    s, backend = cast(BoundedStructure, x._structure), x._backend

    try:  # eagerly, more items below than their capacities raise (traced: an invalid result)
        plan: list[tuple[Any, Any]] = s.cached(
            ("bounded-combinations-subtrees", *key, below),
            lambda: [subtrees(s, i, below) for i in positions()],
        )
    except ValueError as exc:
        msg = f"{name}: the members' items do not fit their capacities {below} ({exc})"
        raise ValueError(msg) from None
    content = moved(x)
    out = []
    for structure, sel in plan:
        gathered = back(backend, backend.take_fill(content, sel, 0), x._nbatch)
        out.append(RaggedArray._new(structure.with_inner(tuple(gathered.shape[x._nbatch + 1 :])), gathered))
    return tuple(out)


def _combinations_plan(
    x: RaggedArray, n: int, d: int, capacity: int, replacement: bool, imax: int
) -> tuple[Any, ...]:
    """The result's offsets and list ids, whether all fit, which slots are used, their lists'
    starts and the members' local indices."""
    s, backend = cast(BoundedStructure, x._structure), x._backend
    xp = backend.xp
    offsets, nlists = _lists(s, d)
    lengths = xp.diff(offsets)
    extra = n - 1 if replacement else 0
    if extra:  # an empty list stays empty
        lengths = xp.where(lengths > 0, lengths + extra, 0)
    safe = _safe_length(n, s.size + extra, imax)
    counts = xp.where(lengths <= safe, _comb(xp, xp.minimum(lengths, safe), n), capacity + 1)
    out_offsets, fits = _result_offsets(xp, counts, capacity)
    columns = [offsets[:-1], lengths, counts]
    lists, rank, (starts, length, count) = _slots(backend, out_offsets, capacity, columns)
    used = (lists < nlists) & (length <= safe)
    length = xp.where(used, length, n)  # padding: a list of n items, rank 0, in range
    count = xp.where(used, count, 1)
    rank = xp.where(used, rank, 0)
    local = _unrank_combinations(xp, rank, length, count, n, backend.default_float())
    local = [backend.once(i - t if extra else i) for t, i in enumerate(local)]
    return out_offsets, lists, fits, backend.once(used), backend.once(starts), local


def bounded_cartesian(
    xs: list[RaggedArray], d: int, capacity: int, axis: Any, name: str
) -> tuple[RaggedArray, ...]:
    """The members of the tuples of ``cartesian`` of arrays of which at least one is bounded."""
    ref = next(a for a in xs if isinstance(a._structure, BoundedStructure))
    s = bounded_structure(ref)
    xs = [_bounded_like(a, ref, d, axis, name) for a in xs]
    backend = ref._backend
    xp = backend.xp
    _index_limit(s, capacity, 1, name)
    valid = s.valid
    for a in xs:
        valid = valid & bounded_structure(a).valid & _same_lists_above(a, ref, d, name)
    starts, lengths = [], []
    for a in xs:
        offsets, nlists = _lists(bounded_structure(a), d)
        starts.append(offsets[:-1])
        lengths.append(xp.diff(offsets))
    top = capacity + 1
    counts = xp.ones_like(lengths[0])
    for length in lengths:  # products saturated at top, without overflow
        too_many = counts > top // xp.maximum(length, 1)
        counts = xp.where(length == 0, 0, xp.where(too_many, top, counts * length))
    out_offsets, fits = _result_offsets(xp, counts, capacity)
    lists, rank, columns = _slots(backend, out_offsets, capacity, [*starts, *lengths])
    used = lists < nlists
    rank = xp.where(used, rank, 0)
    local = [None] * len(xs)
    for j in range(len(xs) - 1, -1, -1):  # mixed radix: the last array's index varies fastest
        length = xp.maximum(columns[len(xs) + j], 1)
        local[j] = rank % length if j else rank
        rank = rank // length
    result = _result(s, d, out_offsets, lists, capacity, valid & fits)
    return tuple(
        _member(a, result, xp.where(used, columns[j] + local[j], a._structure.size)) for j, a in enumerate(xs)
    )


def _member(x: RaggedArray, result: BoundedStructure, index: Any) -> RaggedArray:
    content = _gather(x, index)
    return RaggedArray._new(result.with_inner(tuple(content.shape[x._nbatch + 1 :])), content)


def _arg_member(x: RaggedArray, result: BoundedStructure, local: Any) -> RaggedArray:
    return RaggedArray._new(result.with_inner(()), batched(x._backend, local, x._batch))


def _bounded_like(a: RaggedArray, ref: RaggedArray, d: int, axis: Any, name: str) -> RaggedArray:
    """``a`` bounded with ``ref``'s list slots above depth ``d`` (an exact ``a`` is bounded to them)."""
    s, sa = bounded_structure(ref), a._structure
    if isinstance(sa, BoundedStructure):
        sa.check_single(name)
    _innermost(sa.nlevels, d, axis, name)
    if a._nbatch != ref._nbatch:
        msg = f"{name}: arrays of types {ref.type!r} and {a.type!r} do not have the same batch dims"
        raise ValueError(msg)
    if not isinstance(sa, BoundedStructure):
        caps = (*s.capacities[:d], bucket(sa.size))
        if any(sa.count_at(k) > c for k, c in enumerate(caps)):
            msg = (
                f"{name}: an exact array of type {a.type!r} does not fit the capacities {caps} of the others"
            )
            raise ValueError(msg)
        return RaggedArray._new(*bound(sa, a._content, a._nbatch, caps))
    if sa.capacities[:d] != s.capacities[:d]:
        msg = f"{name}: the arrays' list capacities differ ({sa.capacities[:d]} vs {s.capacities[:d]})"
        raise ValueError(msg)
    return a


def _same_lists_above(a: RaggedArray, ref: RaggedArray, d: int, name: str) -> Any:
    """Whether ``a`` has ``ref``'s lists above depth ``d``: raises when concrete and they differ
    (eager code gets the error where the mismatch is); a backend bool under ``jit``."""
    sa, s = bounded_structure(a), bounded_structure(ref)
    xp = s.backend.xp
    if sa is s or d == 0:  # flat arrays: the outer items of each are one list, whatever their number
        return xp.asarray(True)
    same = xp.asarray(sa.same_lists(s, d - 1))
    if s.backend.is_concrete(same) and not bool(s.backend.to_numpy(same)):
        msg = f"{name}: arrays of types {ref.type!r} and {a.type!r} do not have the same lists above the axis"
        raise ValueError(msg)
    return same


# ---- exact inputs with capacity= -----------------------------------------------------------------
def bound_members(
    members: tuple[RaggedArray, ...], count: int, capacity: tuple[int, ...], d: int, axis: Any, name: str
) -> tuple[RaggedArray, ...]:
    """Exact members as bounded arrays: list slots above the combinations in buckets (as
    ``rg.with_capacity``), then ``capacity`` (the combinations' slots, and where the items are
    sublists the slots of each depth below). ``count`` results (the exact number) above
    ``capacity[0]``, or more items at a depth below than its capacity, raise ``ValueError``.
    Members with equal lists (the items are elements) share one structure."""
    first = members[0]
    s = exact_structure(first)
    if any(exact_structure(m).masks is not None for m in members):
        msg = (
            f"{name}: bounded arrays hold no missing values (None), so capacity= cannot bound these "
            "results; fill them with rg.fill_none(x, value) or remove them with rg.drop_none(x) first"
        )
        raise OptionTypeError(msg)
    if count > capacity[0]:
        msg = (
            f"{name}: the lists hold {count} results, more than capacity={capacity[0]}; give a capacity= "
            f"of at least {count} (rg.with_capacity's bucket for it: {bucket(count)})"
        )
        raise ValueError(msg)
    caps = (*(bucket(s.count_at(k)) for k in range(d)), *capacity)
    if d < s.nlevels and len(caps) != s.nlevels + 1:
        msg = (
            f"{name}: capacity= at axis={axis}, above the innermost ragged axis, is not supported; "
            "leave it out for the exact op"
        )
        raise NotImplementedError(msg)
    if d < s.nlevels:  # each member holds its own sublists
        out = []
        for m in members:
            sm = exact_structure(m)
            for k in range(d + 1, sm.nlevels + 1):
                if sm.count_at(k) > caps[k]:
                    msg = (
                        f"{name}: the members hold {sm.count_at(k)} items at depth {k}, more than "
                        f"their capacity {caps[k]} (capacity={tuple(capacity)})"
                    )
                    raise ValueError(msg)
            out.append(RaggedArray._new(*bound(sm, m._content, m._nbatch, caps)))
        return tuple(out)
    shared, content = bound(s, first._content, first._nbatch, caps)
    out = [RaggedArray._new(shared, content)]
    for a in members[1:]:
        content = _pad(a, capacity[0])
        out.append(RaggedArray._new(shared.with_inner(tuple(content.shape[a._nbatch + 1 :])), content))
    return tuple(out)


def _pad(a: RaggedArray, capacity: int) -> Any:
    """``a``'s content with zeros up to ``capacity`` element slots (on its device)."""
    backend, nb, content = a._backend, a._nbatch, a._content
    shape = list(content.shape)
    shape[nb] = capacity - shape[nb]
    device = backend.device_of(content) if backend.is_concrete(content) else None
    zeros = backend.xp.zeros(
        tuple(shape), dtype=content.dtype, device=None if isinstance(device, set) else device
    )
    return backend.xp.concat([content, zeros], axis=nb)
