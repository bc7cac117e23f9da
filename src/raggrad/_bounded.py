"""Bounded structure: list lengths as data, capacities as shape (DESIGN.md, principle 7).

An exact :class:`~raggrad._structure.Structure` holds host offsets and is static, so ``jax.jit``
compiles once per set of list lengths. A :class:`BoundedStructure` holds its offsets as backend
arrays, which are pytree leaves (traced under ``jit``); only its *capacities* are static: the
number of outer slots, of list slots at every depth, and of element slots. Batches of different
list lengths in one capacity bucket share one compiled program.

Layout. Level ``k`` has offsets of length ``capacities[k] + 1``; the lists in use come first and
the padding slots after them are empty lists (their offsets repeat the last one), so
``offsets[-1]`` is the number of items in use one level down. The number of outer items in use is
the ``count`` leaf. Content has ``capacities[-1]`` element slots: the elements in use, then padding
slots that belong to no list and hold zeros. Segment ids of padding slots equal the number of
list slots, so segment reductions drop them and gathers from them fill.

``valid`` is a boolean leaf: ``False`` once an operation found that it cannot give the right answer
(two operands with different lists, more combinations than the capacity given); converting the
array to lists or trimming it then raises, so such a result is never silently wrong.

Everything here works on the arrays of any backend through its array API namespace and two
backend kernels (``ids_from_offsets``, ``take_fill``), so the same code runs eagerly on numpy and
traced under ``jax.jit``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import numpy as np

from . import _backends
from ._errors import TracedStructureError
from ._structure import Cached, Segments, Structure, dtype_name

_INT32_MAX = int(np.iinfo(np.int32).max)
_T = TypeVar("_T")

__all__ = ["BoundedAux", "BoundedPlan", "BoundedStructure", "bound", "bucket", "reduction_plan"]

#: the smallest capacity a bucket has
MIN_CAPACITY = 16


def bucket(size: int) -> int:
    """The capacity bucket of ``size``: the smallest power of two ``>= size``, at least 16."""
    return max(MIN_CAPACITY, 1 << max(int(size) - 1, 0).bit_length())


class BoundedAux(tuple[Any, ...]):
    """The static part of a bounded structure (pytree auxiliary data): capacities and inner dims."""

    __slots__ = ()

    @property
    def capacities(self) -> tuple[int, ...]:
        return cast(tuple[int, ...], self[0])

    @property
    def inner(self) -> tuple[int, ...]:
        return cast(tuple[int, ...], self[1])


_MISSING = object()


class _Traced:
    """A cached value made from traced arrays, with the trace it belongs to."""

    __slots__ = ("state", "value")

    def __init__(self, state: Any, value: Any) -> None:
        self.state, self.value = state, value


class BoundedStructure(Cached):
    """Capacities and inner dims (static) plus the outer count, offsets and validity flag
    (backend arrays)."""

    __slots__ = ("_cache", "_index", "capacities", "count", "given_ids", "inner", "levels", "valid")

    def __init__(
        self,
        count: Any,
        levels: Sequence[Any],
        capacities: tuple[int, ...],
        inner: tuple[int, ...],
        valid: Any,
        ids: Sequence[Any] | None = None,
    ) -> None:
        self.count = count
        self.levels = tuple(levels)
        self.capacities = tuple(int(c) for c in capacities)
        self.inner = tuple(int(d) for d in inner)
        self.valid = valid
        #: per level, the slots' list ids when they were computed on the host (else None)
        self.given_ids = tuple(ids) if ids is not None else (None,) * len(self.levels)
        #: derived values that may hold this object's validity flag and inner dims (``cached``)
        self._cache: dict[Any, Any] = {}
        #: index maps of the offsets alone, shared with the twins that differ in validity or
        #: inner dims only (``with_valid``, ``with_inner``)
        self._index: dict[Any, Any] = {}

    @property
    def backend(self) -> _backends.Backend:
        return cast(_backends.Backend, _backends.backend_of(self.count))

    def cached(self, key: Any, make: Callable[[], _T]) -> _T:
        return self._made(self._cache, key, make)

    def index_cached(self, key: Any, make: Callable[[], _T]) -> _T:
        """``cached`` for values of the counts and offsets alone (shared with twins)."""
        return self._made(self._index, key, make)

    def _made(self, cache: dict[Any, Any], key: Any, make: Callable[[], _T]) -> _T:
        hit = cache.get(key, _MISSING)
        if hit is not _MISSING and not isinstance(hit, _Traced):  # made from concrete arrays
            return cast(_T, hit)
        if isinstance(hit, _Traced) and hit.state == self.backend.trace_state():
            return cast(_T, hit.value)
        # made from traced arrays, in another trace (a branch of lax.cond, the body of a scan, or
        # a function they call): its values belong there; made again here
        concrete = self.is_concrete()
        with self.backend.eager() if concrete else contextlib.nullcontext():
            value = make()
        cache[key] = value if concrete else _Traced(self.backend.trace_state(), value)
        return value

    def eager(self, *others: BoundedStructure) -> contextlib.AbstractContextManager[Any]:
        """Where the arrays (and ``others``') are concrete, a context in which work on them runs
        at once, also inside a trace: a structure captured by a traced function outlives the
        trace, and so do its caches (a traced value cached there would leak into the next trace)."""
        concrete = all(s.is_concrete() for s in (self, *others))
        return self.backend.eager() if concrete else contextlib.nullcontext()

    def same_lists(self, other: BoundedStructure, levels: int) -> Any:
        """Whether the count and the first ``levels`` offsets equal ``other``'s: ``True`` where they
        are the same arrays, else a backend bool, concrete wherever both structures are (also
        inside a trace, so that eager code and captured arrays get their error at once)."""
        xp = self.backend.xp
        with self.eager(other):
            same: Any = True if self.count is other.count else self.count == other.count
            for mine, theirs in zip(self.levels[:levels], other.levels[:levels], strict=False):
                if mine is not theirs:
                    same = same & xp.all(mine == theirs)
        return same

    # ---- pytree -------------------------------------------------------------------------
    @property
    def leaves(self) -> tuple[Any, ...]:
        # every level's list ids travel (computed where no op did), so that bounded arrays of the
        # same capacities have one tree structure whichever op made them (lax.cond, scan)
        # (a stack, from rg.stack or a pytree, has them all)
        ids = self.given_ids if self.stacked else tuple(self.ids(level) for level in range(self.nlevels))
        return (self.count, *self.levels, self.valid, *ids)

    @property
    def aux(self) -> BoundedAux:
        return BoundedAux((self.capacities, self.inner))

    @classmethod
    def from_leaves(cls, aux: BoundedAux, leaves: Any) -> BoundedStructure:
        leaves = tuple(leaves)
        k = len(aux.capacities) - 1  # the number of levels: every one's ids travel (``leaves``)
        return cls(leaves[0], leaves[1 : k + 1], aux.capacities, aux.inner, leaves[k + 1], leaves[k + 2 :])

    def __reduce__(self) -> tuple[Any, ...]:
        # the arrays and the capacities, never the caches
        args = (self.count, self.levels, self.capacities, self.inner, self.valid, self.given_ids)
        return BoundedStructure, args

    # ---- sizes --------------------------------------------------------------------------
    @property
    def nlevels(self) -> int:
        return len(self.levels)

    @property
    def ndim(self) -> int:
        return 1 + len(self.levels) + len(self.inner)

    @property
    def length(self) -> int:
        """The number of outer slots (the outer capacity)."""
        return self.capacities[0]

    @property
    def size(self) -> int:
        """The number of element slots (the content's capacity)."""
        return self.capacities[-1]

    def with_inner(self, inner: tuple[int, ...]) -> BoundedStructure:
        inner = tuple(inner)
        if inner == self.inner:
            return self

        def make() -> BoundedStructure:
            s = BoundedStructure(self.count, self.levels, self.capacities, inner, self.valid, self.given_ids)
            s._index = self._index  # index maps do not depend on the inner shape
            return s

        return self.cached(("with_inner", inner), make)

    def to_backend(
        self, name: Any, device: Any = None, host_content: Any = None
    ) -> tuple[BoundedStructure, Any]:
        """The same structure with its arrays on backend ``name`` (and ``device``), and
        ``host_content`` (a host array, or None) moved in the same transfer call."""
        source, target = self.backend, _backends.get_backend(name)
        if target is source and device is None and host_content is None:
            return self, None
        index = np.dtype(target.numpy_dtype(target.default_int()))
        ids = [i for i in self.given_ids if i is not None]
        hosts = [source.to_numpy(a).astype(index, copy=False) for a in (self.count, *self.levels, *ids)]
        extra = [] if host_content is None else [host_content]
        moved = iter(target.put([*extra, *hosts, source.to_numpy(self.valid)], device))
        content = next(moved) if extra else None
        count = next(moved)
        levels = tuple(next(moved) for _ in self.levels)
        given = tuple(next(moved) if i is not None else None for i in self.given_ids)
        return BoundedStructure(count, levels, self.capacities, self.inner, next(moved), given), content

    def with_valid(self, valid: Any) -> BoundedStructure:
        s = BoundedStructure(self.count, self.levels, self.capacities, self.inner, valid, self.given_ids)
        s._index = self._index  # (the other caches hold structures with the flag)
        return s

    # ---- a stack of bounded arrays (rg.stack): every leaf has a leading member axis ----------
    @property
    def stacked(self) -> bool:
        return len(getattr(self.count, "shape", ())) > 0

    def member(self, i: int) -> BoundedStructure:
        """Member ``i`` of a stack."""
        ids = tuple(None if a is None else a[i] for a in self.given_ids)
        levels = tuple(o[i] for o in self.levels)
        return BoundedStructure(self.count[i], levels, self.capacities, self.inner, self.valid[i], ids)

    def check_single(self, name: str | None = None) -> None:
        """``TypeError`` for a stack, which only ``stack[i]``, ``rg.unstack`` and ``jax.vmap`` take."""
        if self.stacked:
            msg = (
                f"{name + ': ' if name else ''}this is a stack of bounded arrays (rg.stack): map a "
                "function over its members with jax.vmap, or take them apart with rg.unstack"
            )
            raise TypeError(msg)

    # ---- index maps, computed with the backend's kernels and cached per object -----------
    def in_use(self, depth: int) -> Any:
        """How many items at ``depth`` are in use (0: outer items; nlevels: elements)."""
        self.check_single()
        return self.count if depth == 0 else self.levels[depth - 1][..., -1]

    def ids(self, level: int) -> Any:
        """For each slot one level below ``level``, the list slot holding it; padding slots get
        the number of list slots (out of range)."""
        self.check_single()
        given = self.given_ids[level]
        if given is not None:
            return given
        offsets, size = self.levels[level], self.capacities[level + 1]
        return self.index_cached(("ids", level), lambda: self.backend.ids_from_offsets(offsets, size))

    def slot_mask(self, depth: int) -> Any:
        """Which slots at ``depth`` are in use (booleans)."""

        def make() -> Any:
            xp = self.backend.xp
            return xp.arange(self.capacities[depth], dtype=self.count.dtype) < self.in_use(depth)

        return self.index_cached(("slot_mask", depth), make)

    def lengths(self, level: int) -> Any:
        return self.index_cached(("lengths", level), lambda: self.backend.xp.diff(self.levels[level]))

    def local(self, level: int) -> Any:
        """Each slot's position within its list (0 for padding slots)."""

        def make() -> Any:
            backend = self.backend
            offsets = self.levels[level]
            starts = backend.take_fill(offsets, self.ids(level), 0)
            here = backend.xp.arange(self.capacities[level + 1], dtype=offsets.dtype)
            return backend.xp.where(self.slot_mask(level + 1), here - starts, 0)

        return self.index_cached(("local", level), make)

    def ancestors(self, depth: int) -> Any:
        """For every element slot, its ancestor's slot at ``depth`` (padding: out of range)."""
        backend = self.backend
        if depth >= self.nlevels:
            return backend.xp.arange(self.size, dtype=self.count.dtype)

        def make() -> Any:
            ids = self.ids(depth)
            for level in range(depth + 1, self.nlevels):
                ids = backend.take_fill(ids, self.ids(level), self.capacities[depth])
            return ids

        return self.index_cached(("ancestors", depth), make)

    @property
    def shape(self) -> tuple[int | None, ...]:
        n = self.concrete_count("") if self.is_concrete() and not self.stacked else None
        return (n, *([None] * len(self.levels)), *self.inner)

    #: bounded arrays hold no missing values (yet): see :mod:`._options`
    masks = None

    def type_str(self, dtype: Any, batch: tuple[int, ...] = ()) -> str:
        """Awkward's type string, as the exact array's (``?`` for the count while traced)."""
        n = "var" if self.stacked else str(self.concrete_count("")) if self.is_concrete() else "?"
        return " * ".join([*(str(d) for d in batch), n, self.item_type(dtype)])

    def item_type(self, dtype: Any, depth: int = 0, leaf: str | None = None) -> str:
        """The type of one item at ``depth`` (0: an outer item); ``leaf`` replaces the dtype."""
        dims = ["var"] * (len(self.levels) - depth) + [str(d) for d in self.inner]
        return " * ".join([*dims, leaf or dtype_name(dtype)])

    # ---- concrete views -----------------------------------------------------------------
    def is_concrete(self) -> bool:
        backend = _backends.backend_of(self.count)  # None: shapes only (jax.eval_shape)
        return backend is not None and backend.is_concrete(self.count)

    def concrete_count(self, what: str) -> int:
        self.check_single(what)  # a stack has a count per member
        self.check_leaves(what)
        if not self.is_concrete():
            msg = (
                f"{what} of a bounded array is data (traced inside jax.jit); use rg.num(x, axis=0) "
                "for the number of lists as a traced scalar, or rg.capacity(x) for the static capacities"
            )
            raise TracedStructureError(msg)
        return int(self.backend.to_numpy(self.count))

    def check_leaves(self, what: str) -> None:
        """``TypeError`` where the count, offsets or ids are not integer arrays: a function mapped
        over a bounded array's pytree leaves (``jax.tree.map``) maps over its lists too."""
        for leaf in (self.count, *self.levels, *(i for i in self.given_ids if i is not None)):
            b = _backends.backend_of(leaf)
            dtype = np.dtype(b.numpy_dtype(leaf.dtype)) if b is not None else None
            if dtype is None or dtype.kind not in "iu":
                got = f"{dtype} arrays" if dtype is not None else type(leaf).__name__
                raise TypeError(_mapped_over(what, f"its lists are {got}, not integer arrays"))

    def check_valid(self, what: str) -> None:
        """``ValueError`` when an operation on the way found it could not give the right answer."""
        if not self.backend.is_concrete(self.valid):
            msg = (
                f"{what} of a bounded array whose validity is data (traced inside jax.jit: an "
                "operation on the way compared the lists of operands from different sources); "
                "return the array from the traced function and convert it outside"
            )
            raise TracedStructureError(msg)
        if not bool(self.backend.to_numpy(self.valid)):
            raise invalid_error(what, f"this bounded array (capacities {self.capacities})")

    def trim(self, what: str = "rg.trim") -> tuple[Structure, np.int64]:
        """The exact structure of the items in use, and the element slots in use (a host slice
        bound, None when all are in use). Needs concrete offsets."""
        self.check_single()
        n = self.concrete_count(what)
        self.check_valid(what)
        levels: list[Segments] = []
        used = n
        if not 0 <= n <= self.capacities[0]:
            raise ValueError(_mapped_over(what, f"its count is {n}"))
        for offsets, capacity, ids in zip(self.levels, self.capacities[1:], self.given_ids, strict=True):
            full = np.asarray(self.backend.to_numpy(offsets), dtype=np.int64)
            host = full[: used + 1]
            if host[0] != 0 or np.any(np.diff(host) < 0) or host[-1] > capacity:
                raise ValueError(_mapped_over(what, "its offsets do not rise from 0 within its capacities"))
            # the slots' list ids made with the offsets, where they travel beside them
            if ids is not None and not np.array_equal(
                self.backend.to_numpy(ids), np.searchsorted(full[1:], np.arange(capacity), side="right")
            ):
                raise ValueError(_mapped_over(what, "its list ids disagree with its offsets"))
            levels.append(Segments(host.copy()))
            used = int(host[-1])
        return Structure(n, tuple(levels), self.inner), np.int64(used)

    def __repr__(self) -> str:
        return f"BoundedStructure(capacities={self.capacities}, inner={self.inner})"


def _mapped_over(what: str, found: str) -> str:
    return (
        f"{what}: this bounded array is not one: {found}. A function mapped over its pytree leaves "
        "(jax.tree.map, an optimizer's update) was applied to its offsets too; map over the values "
        "alone with rg.map_values(f, x), or compute with the arrays themselves (x - lr * g)"
    )


def bound(s: Structure, content: Any, nb: int, capacities: tuple[int, ...]) -> tuple[BoundedStructure, Any]:
    """Exact structure ``s`` and its content as a bounded structure of ``capacities`` and the
    content padded with zeros to the element capacity (``nb`` batch dims in front)."""
    backend = cast(_backends.Backend, _backends.backend_of(content))  # a backend array
    xp = backend.xp
    device = _device(backend, content)
    index = np.dtype(backend.numpy_dtype(backend.default_int()))
    # the offsets, and the slots' list ids: computed here on the host where they cost a repeat,
    # they travel as leaves (on a CPU a scatter on the device to rebuild them costs more). On the
    # host, the ids are int32 while the capacities fit: they are internal maps, and a batch built
    # on the host and moved to jax then needs no conversion of its largest index array
    narrow = backend.is_host and max(capacities) <= _INT32_MAX
    slot = np.dtype(np.int32) if narrow else index
    # made once per structure: the fields of a record share them (bounded field by field)
    hosts = s.cached(
        ("bound", capacities, index.str, slot.str), lambda: _bound_maps(s, capacities, index, slot)
    )
    # one explicit transfer per leaf; the flag too (a flag shared by batches would be deleted
    # with the first batch a jitted step donates)
    moved = backend.put([*hosts, np.asarray(True)], device)
    k = s.nlevels
    count, levels, ids, valid = moved[0], moved[1 : k + 1], moved[k + 1 : 2 * k + 1], moved[-1]
    pad = capacities[-1] - s.size
    if pad:
        if backend.is_host:
            shape = list(content.shape)
            shape[nb] = capacities[-1]
            padded = np.zeros(shape, dtype=content.dtype)
            padded[(slice(None),) * nb + (slice(0, s.size),)] = content
            content = padded
        else:
            shape = list(content.shape)
            shape[nb] = pad
            zeros = xp.zeros(tuple(shape), dtype=content.dtype, device=device)
            content = xp.concat([content, zeros], axis=nb)
    return BoundedStructure(count, tuple(levels), capacities, s.inner, valid, tuple(ids)), content


def _bound_maps(
    s: Structure, capacities: tuple[int, ...], index: np.dtype, slot: np.dtype
) -> list[np.ndarray]:
    """:func:`bound`'s host arrays: the count, the offsets padded to the list capacities, and the
    slots' list ids."""
    hosts = [np.asarray(s.length, dtype=index)]
    for k, level in enumerate(s.levels):
        offsets = np.empty(capacities[k] + 1, dtype=index)
        offsets[: len(level.offsets)] = level.offsets
        offsets[len(level.offsets) :] = level.offsets[-1]
        hosts.append(offsets)
    for k, level in enumerate(s.levels):
        # one repeat writes every slot's id, the padding's (the list capacity) included
        lists = np.arange(level.n + 1, dtype=slot)
        lists[-1] = capacities[k]
        counts = np.empty(level.n + 1, dtype=level.offsets.dtype)
        np.subtract(level.offsets[1:], level.offsets[:-1], out=counts[:-1])
        counts[-1] = capacities[k + 1] - level.size
        hosts.append(np.repeat(lists, counts))
    for h in hosts:  # shared by every array bounded from ``s`` (rg.offsets gives them out)
        h.setflags(write=False)
    return hosts


def _device(backend: Any, like: Any) -> Any:
    device = backend.device_of(like) if backend.is_concrete(like) else None
    return None if isinstance(device, set) else device


class BoundedPlan:
    """Where the element slots go when ragged axis ``a`` of a bounded structure is reduced.

    ``targets``: every element slot's result slot (out of range for padding); ``n``: the result's
    element capacity; ``result``/``keep``: the result's structure without/with the reduced axis
    kept as lists of length 1 (``keep`` is None for the innermost axis); ``local``: every element's
    index along the reduced axis; ``sorted``: whether ``targets`` never decrease.
    """

    __slots__ = ("counts", "keep", "local", "n", "result", "sorted", "targets")
    counts: Any
    keep: BoundedStructure | None
    local: Any
    n: int
    result: BoundedStructure
    sorted: bool
    targets: Any


def reduction_plan(s: BoundedStructure, a: int) -> BoundedPlan:
    """The plan of reducing ragged axis ``a`` (0: outer) of ``s``, made once per structure."""
    return s.cached(("reduce-plan", a), lambda: _make_plan(s, a))


def _make_plan(s: BoundedStructure, a: int) -> BoundedPlan:
    # the algorithm of the exact plan (raggrad._structure), on the device and with capacities:
    # walking down from depth a + 1, a node is identified after the reduction by (its grandparent
    # at depth a - 1, its index within its parent at depth a), deeper nodes by (their parent's new
    # slot, their own index); each new list is as long as the longest one merged into it
    backend, caps, k = s.backend, s.capacities, s.nlevels
    xp = backend.xp
    index = s.count.dtype
    p = BoundedPlan()
    if a == k:
        level = k - 1
        p.targets, p.n, p.sorted, p.local = s.ids(level), caps[level], True, s.local(level)
        p.result, p.keep, p.counts = _drop_last(s), None, s.lengths(level)
        return p
    if a == 0:
        parents, n_parents = xp.zeros(caps[1], dtype=index), 1
        parents = xp.where(s.slot_mask(1), parents, 1)  # padding: out of range
    else:
        parents, n_parents = backend.take_fill(s.ids(a - 1), s.ids(a), caps[a - 1]), caps[a - 1]
    local = s.local(a)
    count, new_levels, new_caps = s.count, [], []
    for j in range(a + 1, k + 1):
        longest = backend.segment_reduce_ids("max", local + 1, parents, n_parents, sorted_ids=False)
        lengths = xp.maximum(longest, 0)  # empty parents (and the max identity) give 0
        offsets = xp.concat([xp.zeros(1, dtype=index), xp.cumulative_sum(xp.astype(lengths, index))])
        new_id = backend.take_fill(offsets, parents, caps[a + 1]) + local
        new_id = xp.where(s.slot_mask(j), new_id, caps[j])  # padding slots go out of range
        if j == a + 1 and a == 0:
            count = offsets[-1]
        else:
            new_levels.append(offsets)
            new_caps.append(n_parents)
        if j < k:
            parents = backend.take_fill(new_id, s.ids(j), caps[j])
            local, n_parents = s.local(j), caps[j]
    p.targets, p.sorted = new_id, False
    # the reduced depth's capacity goes; every other depth keeps its own
    kept = s.levels[: a - 1] if a else ()
    result_caps = caps[:a] + caps[a + 1 :]
    p.result = BoundedStructure(count, (*kept, *new_levels), result_caps, (), s.valid)
    p.n = result_caps[-1]
    if a == 0:  # keepdims: one outer list holding the result's outer items
        ones = xp.stack([xp.zeros((), dtype=index), count])
        keep_count, keep_caps = xp.ones((), dtype=index), (1, *result_caps)
    else:  # keepdims: every item at depth a - 1 holds one list
        ones = xp.minimum(xp.arange(caps[a - 1] + 1, dtype=index), s.in_use(a - 1))
        keep_count, keep_caps = s.count, (*caps[:a], caps[a - 1], *caps[a + 1 :])
    p.keep = BoundedStructure(keep_count, (*kept, ones, *new_levels), keep_caps, (), s.valid)
    p.local = s.ancestors(0) if a == 0 else backend.take_fill(s.local(a - 1), s.ancestors(a), 0)
    ones = xp.astype(s.slot_mask(k), index)
    p.counts = backend.segment_reduce_ids("sum", ones, p.targets, p.n, sorted_ids=False)
    return p


def _drop_last(s: BoundedStructure) -> BoundedStructure:
    """The structure of a reduction within the innermost lists: one level less."""
    return BoundedStructure(s.count, s.levels[:-1], s.capacities[:-1], (), s.valid, s.given_ids[:-1])


def invalid_error(what: str, subject: str) -> ValueError:
    """The error for converting an invalid bounded result (``subject``: what is invalid)."""
    return ValueError(
        f"{what}: {subject} is invalid: an operation that made it met operands whose lists differ, "
        "produced more items than the capacity given (raise it), or met what the same operation "
        "refuses eagerly with its own error (an index out of range, an empty list for rg.firsts or "
        "rg.lasts without fill_value, lists of another length than a regular dimension's); run the "
        "same operations on the same bounded inputs outside jax.jit for that error"
    )
