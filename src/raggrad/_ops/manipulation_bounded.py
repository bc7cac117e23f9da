"""The structure operations of :mod:`.manipulation` on bounded arrays (DESIGN.md, principle 7).

A bounded array's offsets are backend arrays (traced under ``jax.jit``) and only its capacities are
static, so each op here works out its result's offsets and one gather index on the backend, from
the input's offsets, and moves the content with one ``take_fill``: slots the index sends out of
range are padding, get zeros, and pass no gradient back. The result's capacities are a static
function of the input's (lists per depth, outer first, then element slots):

=====================  ===================================================================
op                     result capacities
=====================  ===================================================================
num, local_index       the input's, down to the depth of the result
flatten                the merged depth's capacity goes; ``axis=None``: element slots
                       times the inner size; a regular dim: element slots times its length
unflatten              a new depth of ``capacity=`` list slots (default: inherited from
                       ``counts``: a bounded array's capacity, else its length)
firsts, lasts          the capacity of the depth picked from goes
concat, ``axis=0``     every depth's capacities add
concat, ``axis=k``     depths above ``k`` keep the inputs' (equal), deeper ones add
flip, sort, argsort    the input's
=====================  ===================================================================

Whether a result is right can depend on data (two inputs' lists equal, counts that sum to the
items they split). That is checked at once where the offsets are concrete (``ValueError`` naming
the problem, as for exact arrays) and folded into the result's ``valid`` flag where they are
traced, so a wrong result is never silently returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._axes import as_index
from .._bounded import BoundedStructure, bound
from .._convert import content_to, refuse_masked
from .._errors import TracedStructureError
from .._structure import Structure
from .common import back, batched, bounded_structure, moved, new, poisoned

__all__ = [
    "Counts",
    "bind",
    "concat",
    "descend",
    "first_or_last",
    "flatten",
    "flip",
    "is_bounded",
    "is_data",
    "keep_used",
    "level_from_counts",
    "local_index",
    "num",
    "to_counts",
    "traced_counts_error",
    "unflatten",
    "verdict",
]

Check = tuple[Any, Callable[[], str]]


# ---- shared pieces ------------------------------------------------------------------------------
def is_bounded(x: Any) -> bool:
    return isinstance(x, RaggedArray) and isinstance(x._structure, BoundedStructure)


def is_data(values: Any) -> bool:
    """Whether integer ``values`` (counts, lengths) are data a bounded result must hold: a bounded
    array, or values being traced."""
    if is_bounded(values):
        return True
    content = values._content if isinstance(values, RaggedArray) else values
    backend = _backends.backend_of(content)
    return backend is not None and not backend.is_concrete(content)


def prefix(s: BoundedStructure, n: int) -> BoundedStructure:
    """The structure of the first ``n`` ragged levels (no inner dims), made once per structure."""
    return s.cached(
        ("prefix", n),
        lambda: BoundedStructure(s.count, s.levels[:n], s.capacities[: n + 1], (), s.valid, s.given_ids[:n]),
    )


def keep_used(xp: Any, content: Any, used: Any, nb: int = 0) -> Any:
    """``content`` with zeros at the slots of its axis ``nb`` where ``used`` is False."""
    shape = (1,) * nb + tuple(used.shape) + (1,) * (len(content.shape) - nb - 1)
    return xp.where(xp.reshape(used, shape), content, xp.zeros_like(content))


def verdict(backend: Any, valid: Any, checks: Sequence[Check]) -> Any:
    """``valid`` and every check's flag; a concrete flag that fails raises its message at once."""
    for ok, message in checks:
        if backend.is_concrete(ok) and not bool(backend.to_numpy(ok)):
            raise ValueError(message())
        valid = valid & ok
    return valid


def _host(backend: Any, value: Any) -> Any:
    return backend.to_numpy(value) if hasattr(value, "shape") else np.asarray(value)


def bind(x: RaggedArray, caps: tuple[int, ...] = (), name: str = "") -> RaggedArray:
    """``x`` bounded: an exact array gets ``caps`` at its first depths, its sizes (at least 1) below."""
    if is_bounded(x):
        return x
    s = x._structure
    assert isinstance(s, Structure)
    full = tuple(caps[d] if d < len(caps) else max(1, s.count_at(d)) for d in range(s.nlevels + 1))
    for d, c in enumerate(full):
        if s.count_at(d) > c:
            msg = f"{name}: an exact operand of type {x.type!r} does not fit the capacities {full}"
            raise ValueError(msg)
    return RaggedArray._new(*bound(s, x._content, x._nbatch, full))


def _offsets(xp: Any, lengths: Any, index: Any) -> Any:
    return xp.concat([xp.zeros(1, dtype=index), xp.cumulative_sum(xp.astype(lengths, index))])


def _same_lists(s: BoundedStructure, t: BoundedStructure, nlevels: int) -> Any:
    """Whether ``s`` and ``t`` hold the same outer items and first ``nlevels`` levels (backend bool)."""
    xp = s.backend.xp
    same = s.count == t.count
    for a, b in zip(s.levels[:nlevels], t.levels[:nlevels]):
        same = same & xp.all(a == b)
    return same


def _difference(s: BoundedStructure, t: BoundedStructure, nlevels: int, name: str) -> str:
    return s.trim(name)[0].prefix(nlevels).first_difference(t.trim(name)[0].prefix(nlevels))


def _source(s: BoundedStructure) -> list[tuple[Any, Any]]:
    """Every level's list starts and lengths, for :func:`descend`."""
    return [(offsets[:-1], s.lengths(j)) for j, offsets in enumerate(s.levels)]


def descend(
    backend: Any, source: Sequence[tuple[Any, Any]], caps: Sequence[int], perm: Any, d: int
) -> tuple[list[Any], list[Any], Any]:
    """The whole subtrees of the slots ``perm`` picks at depth ``d``, in that order.

    ``perm`` gives, for every result slot, a source slot at depth ``d`` (out of range: none).
    ``source[j]`` holds the starts and lengths of the source's lists at depth ``j`` and
    ``caps[j]`` its slots at depth ``j`` (the result has as many from ``d + 1`` on). Returns the
    result's offsets at every depth from ``d`` on (the first over ``len(perm)`` lists), the list
    ids of the slots below each, and every result element's source element (out of range: padding).
    This is :func:`raggrad._structure.descend` on the device, with capacities.
    """
    xp = backend.xp
    levels, ids_out = [], []
    for j in range(d, len(source)):
        starts, lengths = source[j]
        index = starts.dtype
        n, size = perm.shape[0], caps[j + 1]
        offsets = _offsets(xp, backend.take_fill(lengths, perm, 0), index)
        ids = backend.ids_from_offsets(offsets, size)
        local = xp.arange(size, dtype=index) - backend.take_fill(offsets, ids, 0)
        start = backend.take_fill(starts, backend.take_fill(perm, ids, caps[j]), 0)
        perm = xp.where(ids < n, start + local, size)
        levels.append(offsets)
        ids_out.append(ids)
    return levels, ids_out, perm


def _gather(x: RaggedArray, perm: Any, content: Any = None) -> Any:
    """The elements ``perm`` picks (out of range: zeros), element axis back in its place."""
    backend = x._backend
    moved_content = moved(x) if content is None else content
    return back(backend, backend.take_fill(moved_content, perm, 0), x._nbatch)


# ---- num, local_index ---------------------------------------------------------------------------
def num(x: RaggedArray, kind: str, k: int) -> Any:
    s, backend = bounded_structure(x), x._backend
    xp, index = backend.xp, backend.default_int()
    if kind == "outer":  # the number of lists in use: data (a traced scalar under jit)
        return s.concrete_count("rg.num") if s.is_concrete() else s.count
    if kind == "level":
        content, structure = xp.astype(s.lengths(k), index), prefix(s, k)
    else:
        full = xp.full((s.size, *s.inner[:k]), s.inner[k], dtype=index)
        content, structure = keep_used(xp, full, s.slot_mask(s.nlevels)), prefix(s, s.nlevels)
    return new(structure, batched(backend, content, x._batch), x._nbatch)


def local_index(x: RaggedArray, kind: str, k: int) -> RaggedArray:
    s, backend = bounded_structure(x), x._backend
    xp, index = backend.xp, backend.default_int()
    if kind == "inner":
        here = xp.broadcast_to(xp.arange(s.inner[k], dtype=index), (s.size, *s.inner[: k + 1]))
        content, structure = keep_used(xp, here, s.slot_mask(s.nlevels)), prefix(s, s.nlevels)
    else:
        d = 0 if kind == "outer" else k + 1
        if d == 0:
            slots = xp.arange(s.capacities[0], dtype=s.count.dtype)
            local = xp.where(s.slot_mask(0), slots, xp.zeros_like(slots))
        else:
            local = s.local(d - 1)
        content, structure = xp.astype(local, index), prefix(s, d)
    return new(structure, batched(backend, content, x._batch), x._nbatch)


# ---- flatten, unflatten -------------------------------------------------------------------------
def flatten(x: RaggedArray, kind: str | None, k: int) -> RaggedArray:
    """``kind`` None: all values; ``"level"``: ragged level ``k`` into the one outside it;
    ``"inner"``: regular dim ``k`` into the dimension outside it."""
    s, backend, nb = bounded_structure(x), x._backend, x._nbatch
    xp, caps, content = backend.xp, s.capacities, x._content
    if kind is None:  # batch dims too, as np.ravel: each row's elements in use, one after another
        rows, size, width = math.prod(x._batch), s.size * math.prod(s.inner), math.prod(s.inner)
        count, content = s.in_use(s.nlevels) * width, xp.reshape(content, (rows * size,))
        if rows != 1:
            j, per = xp.arange(rows * size), count + (count == 0)
            used = j < rows * count
            source = xp.where(used, j // per * size + j % per, 0)
            content = xp.where(used, xp.take(content, source, axis=0), 0)
        return RaggedArray._new(BoundedStructure(rows * count, (), (rows * size,), (), s.valid), content)
    if kind == "level":

        def merged() -> BoundedStructure:
            if k == 0:
                levels, given = s.levels[1:], s.given_ids[1:]
                return BoundedStructure(s.in_use(1), levels, caps[1:], s.inner, s.valid, given)
            offsets = xp.take(s.levels[k], s.levels[k - 1], axis=0)
            levels = (*s.levels[: k - 1], offsets, *s.levels[k + 1 :])
            given = (*s.given_ids[: k - 1], None, *s.given_ids[k + 1 :])
            return BoundedStructure(s.count, levels, caps[:k] + caps[k + 1 :], s.inner, s.valid, given)

        return RaggedArray._new(s.cached(("flatten", k), merged), content)
    shape = tuple(content.shape)
    a = nb + 1 + k  # the content axis of the inner dim
    content = xp.reshape(content, (*shape[: a - 1], shape[a - 1] * shape[a], *shape[a + 1 :]))
    if k:
        return RaggedArray._new(
            s.with_inner((*s.inner[: k - 1], s.inner[k - 1] * s.inner[k], *s.inner[k + 1 :])), content
        )
    width = s.inner[0]

    def widened() -> BoundedStructure:
        caps_out = (*caps[:-1], caps[-1] * width)
        if not s.nlevels:
            return BoundedStructure(s.count * width, (), caps_out, s.inner[1:], s.valid)
        levels = (*s.levels[:-1], s.levels[-1] * width)
        return BoundedStructure(s.count, levels, caps_out, s.inner[1:], s.valid, (*s.given_ids[:-1], None))

    return RaggedArray._new(s.cached(("flatten-inner", width), widened), content)


class Counts(NamedTuple):
    """Counts or lengths as backend data: ``values`` (1-d, the index dtype, zero past ``used``),
    how many are ``used`` (an int or a 0-d backend array), and the ``capacity`` they inherit."""

    values: Any
    used: Any
    capacity: int


def to_counts(counts: Any, backend: Any, index: Any, name: str, what: str) -> Counts:
    """Integer ``counts`` (a list, a backend array, an exact or bounded RaggedArray) as data."""
    xp = backend.xp
    if isinstance(counts, RaggedArray):
        s = counts._structure
        if counts._nbatch or s.nlevels or s.inner:
            kind = "a batched array" if counts._nbatch else "a RaggedArray"
            msg = f"{name}: {what} must be a 1-d integer array, not {kind} of type {counts.type!r}"
            raise TypeError(msg)
        values = counts._content
        used, capacity = (s.in_use(0), s.size) if isinstance(s, BoundedStructure) else (s.size, s.size)
    else:
        refuse_masked(counts, name, what)
        values = counts if _backends.backend_of(counts) is not None else np.asarray(counts)
        if len(values.shape) != 1:
            msg = f"{name}: {what} must be a 1-d array, got shape {tuple(values.shape)}"
            raise ValueError(msg)
        used = capacity = int(values.shape[0])
    source = _backends.backend_of(values)
    assert source is not None  # a backend array or a NumPy array
    kind = source.numpy_dtype(values.dtype).kind
    if kind not in "iu" and not (kind == "f" and values.shape[0] == 0):
        msg = f"{name}: {what} must be integers, not dtype {values.dtype}"
        raise TypeError(msg)
    if source is not backend:
        values = content_to(values, None, backend.name, None)
    top = np.iinfo(backend.numpy_dtype(index)).max
    if kind == "u" and np.iinfo(backend.numpy_dtype(values.dtype)).max > top:  # huge, not negative
        values = xp.minimum(values, xp.asarray(top, dtype=values.dtype))
    return Counts(xp.astype(values, index), used, capacity)


def level_from_counts(
    backend: Any, counts: Counts, capacity: int, index: Any, name: str, what: str
) -> tuple[Any, Any, list[Check]]:
    """Offsets (``capacity + 1`` entries, padding lists empty), the number of lists in use, and the
    checks that make them right."""
    xp = backend.xp
    values, length = counts.values, counts.values.shape[0]

    def negative() -> str:
        host = _host(backend, values)
        i = int(np.argmax(host < 0))
        return f"{name}: {what} must be non-negative, got {int(host[i])} at {what}[{i}]"

    checks: list[Check] = [(xp.all(values >= 0), negative)]
    used = counts.used
    checks.append(
        (
            used <= capacity,
            lambda: f"{name}: {int(_host(backend, used))} lists do not fit the capacity {capacity}",
        )
    )
    if length > capacity:
        values = values[:capacity]
    elif length < capacity:
        values = xp.concat([values, xp.zeros(capacity - length, dtype=index)])
    count = xp.astype(xp.asarray(used), index) if hasattr(used, "shape") else xp.asarray(used, dtype=index)
    offsets = _offsets(xp, values, index)  # non-negative lengths: a sum that wraps decreases
    wraps = f"{name}: the {what} add up past the largest {np.dtype(backend.numpy_dtype(index))}"
    checks.append((xp.all(offsets[1:] >= offsets[:-1]), lambda: wraps))
    return offsets, count, checks


def unflatten(x: RaggedArray, counts: Any, d: int, axis: Any, capacity: int | None, name: str) -> RaggedArray:
    """:func:`raggrad.unflatten` at depth ``d`` of a bounded array; ``counts`` may be data."""
    s, backend = bounded_structure(x), x._backend
    xp, caps, index = backend.xp, s.capacities, s.count.dtype
    total = s.in_use(d)
    scalar = isinstance(counts, int | np.integer) or (
        not isinstance(counts, RaggedArray) and hasattr(counts, "shape") and len(counts.shape) == 0
    )
    checks: list[Check] = []
    if scalar:
        if isinstance(counts, int | np.integer):
            size: Any = as_index(counts, "counts", name)
            if size <= 0:
                msg = f"{name}: counts={size} must be positive"
                raise ValueError(msg)
            default = max(1, caps[d] // size)
        else:
            size, default = xp.astype(content_to(counts, None, backend.name, None), index), caps[d]
            checks.append((size > 0, lambda: f"{name}: counts={int(_host(backend, size))} must be positive"))
        cap = default if capacity is None else capacity
        safe = xp.maximum(xp.asarray(size, dtype=index), 1)
        n = total // safe
        checks.append(
            (
                total % safe == 0,
                lambda: (
                    f"{name}: counts={int(_host(backend, size))} does not divide the "
                    f"{int(_host(backend, total))} items at axis {axis}"
                ),
            )
        )
        values = xp.where(xp.arange(cap, dtype=index) < n, xp.asarray(size, dtype=index), 0)
        spec = Counts(xp.astype(values, index), n, cap)
    else:
        spec = to_counts(counts, backend, index, name, "counts")
        cap = spec.capacity if capacity is None else capacity
    offsets, n, more = level_from_counts(backend, spec, cap, index, name, "counts")
    checks = [*more, *checks]
    checks.append(
        (
            offsets[-1] == total,
            lambda: (
                f"{name}: counts sum to {int(_host(backend, offsets[-1]))} but axis {axis} has "
                f"{int(_host(backend, total))} items"
            ),
        )
    )
    if d == 0:
        valid = verdict(backend, s.valid, checks)
        structure = BoundedStructure(
            n, (offsets, *s.levels), (cap, *caps), s.inner, valid, (None, *s.given_ids)
        )
        return RaggedArray._new(structure, x._content)
    parent = s.levels[d - 1]
    # each parent list's bounds must be group bounds; empty groups on a bound close the list
    # before it, as awkward does (leading ones open the first list); padding offsets equal the
    # total, so the search is clamped to the lists in use
    pos = xp.astype(xp.searchsorted(offsets, parent, side="right"), index) - 1
    slots = xp.arange(caps[d - 1] + 1, dtype=index)
    pos = xp.where(slots == 0, xp.zeros_like(pos), xp.minimum(pos, n))
    n_parents = s.in_use(d - 1)
    pos = xp.where(slots <= n_parents, pos, backend.take_fill(pos, xp.reshape(n_parents, (1,)), 0)[0])
    bounds = backend.take_fill(offsets, pos, -1)

    def crossing() -> str:
        i = int(np.argmax(_host(backend, bounds) != _host(backend, parent)))
        return (
            f"{name}: the new lists cross the boundary of list {max(i - 1, 0)} at axis {d}; "
            "counts must split every list separately"
        )

    checks.append((xp.all(bounds == parent), crossing))
    valid = verdict(backend, s.valid, checks)
    levels = (*s.levels[: d - 1], pos, offsets, *s.levels[d:])
    given = (*s.given_ids[: d - 1], None, None, *s.given_ids[d:])
    structure = BoundedStructure(s.count, levels, (*caps[:d], cap, *caps[d:]), s.inner, valid, given)
    return RaggedArray._new(structure, x._content)


# ---- firsts, lasts ------------------------------------------------------------------------------
def first_or_last(
    x: RaggedArray, kind: str, k: int, axis: Any, fill_value: Any, which: int, name: str
) -> Any:
    """The first (``which=0``) or last (``-1``) item of every list at ``axis``."""
    s, backend, nb = bounded_structure(x), x._backend, x._nbatch
    xp, caps, index = backend.xp, s.capacities, s.count.dtype
    if kind == "inner":
        if not s.inner[k]:
            msg = f"{name}: axis {axis} has length 0, so it has no {'first' if which == 0 else 'last'} item"
            raise ValueError(msg)
        content = x._content[(slice(None),) * (nb + 1 + k) + (which,)]
        return RaggedArray._new(s.with_inner((*s.inner[:k], *s.inner[k + 1 :])), content)
    if kind == "batch":
        msg = f"{name}: axis={axis} is a batch dimension of {x.type!r}"
        raise NotImplementedError(msg)
    # the lists are at depth k (the outer axis: one virtual list at depth -1 holding the outer
    # items); pick one item of each, then the whole subtree below it
    if kind == "outer":
        k = -1
        starts, lengths = xp.zeros(1, dtype=index), xp.reshape(s.count, (1,))
        used_lists = xp.ones(1, dtype=xp.bool)
    else:
        starts, lengths, used_lists = s.levels[k][:-1], s.lengths(k), s.slot_mask(k)
    picked = starts if which == 0 else starts + lengths - 1
    empty = lengths == 0
    picked = xp.where(empty, caps[k + 1], picked)
    missing = empty & used_lists
    fills = fill_value is not None and k + 1 == s.nlevels  # (outer: k = -1, a 1-d array)
    checks: list[Check] = []
    if not fills:
        concrete = fill_value is not None and backend.is_concrete(missing)
        if concrete and bool(backend.to_numpy(xp.any(missing))):
            msg = f"{name}: fill_value is supported only at the innermost ragged dimension"
            raise NotImplementedError(msg)

        def message() -> str:
            i = int(np.argmax(_host(backend, missing)))
            where = f"list {i} at axis {axis}" if kind != "outer" else f"axis {axis}"
            return (
                f"{name}: {where} is empty, so it has no {'first' if which == 0 else 'last'} item; "
                "pass fill_value=... to fill empty lists"
            )

        checks.append((~xp.any(missing), message))
    levels, ids, perm = descend(backend, _source(s), caps, picked, k + 1)
    content = _gather(x, perm)
    if fills:
        content = xp.where(
            xp.reshape(missing, (1,) * nb + tuple(missing.shape) + (1,) * (len(content.shape) - nb - 1)),
            xp.asarray(fill_value, dtype=content.dtype),
            content,
        )
    valid = verdict(backend, s.valid, checks)
    if kind == "outer":
        if not s.nlevels:  # one element: a 0-d result, which has no flag to carry
            item = content[(slice(None),) * nb + (0,)]
            return poisoned(backend, item, valid, name)
        count = levels[0][-1]
        structure = BoundedStructure(count, levels[1:], caps[1:], s.inner, valid, ids[1:])
    else:
        kept = (*caps[: k + 1], *caps[k + 2 :])
        structure = BoundedStructure(
            s.count, (*s.levels[:k], *levels), kept, s.inner, valid, (*s.given_ids[:k], *ids)
        )
    return RaggedArray._new(structure, content)


# ---- concat -------------------------------------------------------------------------------------
def concat(xs: list[RaggedArray], kind: str, k: int, axis: Any, name: str) -> RaggedArray:
    """``rg.concat`` of arrays of which at least one is bounded (depths and batch dims checked)."""
    backend = xs[0]._backend
    xp, nb = backend.xp, xs[0]._nbatch
    nlevels = xs[0]._structure.nlevels
    if kind == "outer":
        xs = [x if is_bounded(x) else bind(x) for x in xs]
    else:
        ref = next(bounded_structure(x) for x in xs if is_bounded(x))
        shared = nlevels + 1 if kind in ("inner", "batch") else k + 1  # depths whose lists match
        xs = [bind(x, ref.capacities[:shared], name) for x in xs]
        for x in xs:
            if bounded_structure(x).capacities[:shared] != ref.capacities[:shared]:
                msg = (
                    f"{name}: axis={axis} joins list by list, but the capacities differ "
                    f"({bounded_structure(x).capacities[:shared]} vs {ref.capacities[:shared]})"
                )
                raise ValueError(msg)
    structures = [bounded_structure(x) for x in xs]
    first = structures[0]
    valid = first.valid
    for t in structures[1:]:
        valid = valid & t.valid
    if kind != "outer":
        checks = [
            (
                _same_lists(t, first, shared - 1),
                lambda t=t: (
                    f"{name}: axis={axis} joins list by list, but the lists differ: "
                    f"{_difference(t, first, shared - 1, name)}"
                ),
            )
            for t in structures[1:]
            if t is not first
        ]
        valid = verdict(backend, valid, checks)
    contents = [content_to(x._content, None, backend.name, None) for x in xs]
    if kind in ("inner", "batch"):
        joined = xp.concat(contents, axis=k if kind == "batch" else nb + 1 + k)
        return new(first.with_valid(valid), joined, nb)
    inner = first.inner
    for t in structures[1:]:
        if t.inner != inner:
            msg = f"{name}: regular inner dimensions differ: {xs[0].type!r} and {xs[1].type!r}"
            raise ValueError(msg)
    index = first.count.dtype
    joined = xp.concat([xp.moveaxis(c, nb, 0) if nb else c for c in contents], axis=0)
    d0 = 0 if kind == "outer" else k + 1  # the depth whose slots interleave
    caps = (
        *first.capacities[:d0],
        *(sum(t.capacities[d] for t in structures) for d in range(d0, nlevels + 1)),
    )
    # the inputs' lists below depth d0, one after another (starts shifted into the joined slots)
    source: list[Any] = [None] * nlevels
    for j in range(d0, nlevels):
        bases = np.cumsum([0] + [t.capacities[j + 1] for t in structures[:-1]])
        starts = xp.concat([t.levels[j][:-1] + int(b) for t, b in zip(structures, bases)])
        source[j] = (starts, xp.concat([t.lengths(j) for t in structures]))
    bases = np.cumsum([0] + [t.capacities[d0] for t in structures[:-1]])
    slots = xp.arange(caps[d0], dtype=index)
    src = xp.full(caps[d0], caps[d0], dtype=index)
    if kind == "outer":  # every input's items in use, one input after another
        lo = xp.zeros((), dtype=index)
        for t, b in zip(structures, bases):
            hi = lo + t.count
            src = xp.where((slots >= lo) & (slots < hi), slots - lo + int(b), src)
            lo = hi
        count, above, above_ids = lo, [], []
    else:  # list by list: every list's items from the first input, then the second, ...
        lengths = structures[0].lengths(k)
        for t in structures[1:]:
            lengths = lengths + t.lengths(k)
        offsets = _offsets(xp, lengths, index)
        ids = backend.ids_from_offsets(offsets, caps[d0])
        local = slots - backend.take_fill(offsets, ids, 0)
        before = xp.zeros(caps[k], dtype=index)
        for t, b in zip(structures, bases):
            lo = backend.take_fill(before, ids, 0)
            n_here = backend.take_fill(t.lengths(k), ids, 0)
            inside = (ids < caps[k]) & (local >= lo) & (local < lo + n_here)
            src = xp.where(inside, backend.take_fill(t.levels[k], ids, 0) + local - lo + int(b), src)
            before = before + t.lengths(k)
        count, above, above_ids = first.count, [*first.levels[:k], offsets], [*first.given_ids[:k], ids]
    levels, ids_below, perm = descend(backend, source, caps, src, d0)
    structure = BoundedStructure(count, (*above, *levels), caps, inner, valid, (*above_ids, *ids_below))
    return new(structure, back(backend, backend.take_fill(joined, perm, 0), nb), nb)


# ---- flip ---------------------------------------------------------------------------------------
def flip(x: RaggedArray, kind: str, k: int) -> RaggedArray:
    """Reverse the order along one axis of a bounded array (as ``classify_axis`` gives it)."""
    s, backend = bounded_structure(x), x._backend
    xp, caps = backend.xp, s.capacities
    if kind in ("batch", "inner"):
        return RaggedArray._new(s, xp.flip(x._content, axis=k if kind == "batch" else x._nbatch + 1 + k))
    d = 0 if kind == "outer" else k + 1  # the depth whose items are reversed within their lists
    index = s.count.dtype
    slots = xp.arange(caps[d], dtype=index)
    if d == 0:
        perm = xp.where(slots < s.count, s.count - 1 - slots, caps[0])
    else:
        offsets, ids = s.levels[d - 1], s.ids(d - 1)
        ends = backend.take_fill(offsets[1:], ids, 0) + backend.take_fill(offsets, ids, 0)
        perm = xp.where(s.slot_mask(d), ends - 1 - slots, caps[d])
    levels, ids_below, perm = descend(backend, _source(s), caps, perm, d)
    content = _gather(x, perm)
    if d == s.nlevels:
        return RaggedArray._new(s, content)
    given = (*s.given_ids[:d], *ids_below)
    structure = BoundedStructure(s.count, (*s.levels[:d], *levels), caps, s.inner, s.valid, given)
    return RaggedArray._new(structure, content)


def traced_counts_error(name: str, what: str) -> TracedStructureError:
    return TracedStructureError(
        f"{name}: {what} is being traced (inside jax.jit or another transformation), but the "
        "result is an exact array, whose list lengths must be concrete. Pass capacity=... (a "
        "static number of list slots) to get a bounded array, or make the input bounded with "
        "rg.with_capacity, so the lengths can be data."
    )
