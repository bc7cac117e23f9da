"""``x[...]`` on bounded arrays, and the index arithmetic on the device that traced indices share.

A bounded array's offsets are data (``raggrad._bounded``): every index form computes its gather
index on the device from them, with output capacities that are static functions of the input's
capacities and of the index's shape, so one program serves a capacity bucket under ``jax.jit`` and
value-dependent selections work. The walk is :mod:`raggrad._ops.indexing`'s, but a selection of
lists is a device array of static length (its *slots*), those in use first and padding slots
pointing past the last list, so gathers from them fill and no padding reaches a result or gradient.

Capacity rules:

- Integers, slices, ``None`` and ``...`` keep the capacity of every dimension that stays (``x[i]``
  has the capacities of ``x`` after the first); ``None`` adds one list slot per slot above it.
- Boolean masks, ragged (``x[x > 0]``, any depth) or dense on the outer axis: capacities unchanged.
  A dense mask has the length of the outer capacity (slots past the count are ignored) or the count.
- A ragged integer index (``x[rg.argmax(x, axis=1, keepdims=True)]``): the index's capacities for
  its dimensions, the array's below them.
- An integer array of length ``k`` that makes the result's outer dimension (``x[idx]``, a
  mini-batch of lists): ``bucket(k)`` slots (a bounded one-dimensional index: its capacity), the
  array's capacities below, so every batch of that size shares one program; at a deeper dimension,
  ``k`` slots per list slot. On an *exact* ragged array a traced integer array takes this path too
  (under ``jax.jit`` the result is bounded); below the picked items the capacity is then the smaller
  of the bucket of the array's size and the bucket of ``k`` times the most items one item holds.
- A selection that repeats items can hold more items below than these capacities: eagerly a
  ``ValueError``, traced an invalid result (``to_list`` raises, 0-d reductions give NaN).

Out of range: with concrete offsets and indices, ``IndexError`` as for exact arrays; traced, the
fill rule of :mod:`raggrad._ops.indexing`, and where the missing item is a list, an invalid result.

>>> import raggrad as rg
>>> x = rg.with_capacity(rg.array([[1.0, -2.0, 3.0], [], [-4.0, 5.0]]))
>>> x[x > 0].to_list(), rg.capacity(x[x > 0]) == rg.capacity(x)
([[1.0, 3.0], [], [5.0]], True)
>>> x[[2, 0]].to_list(), rg.capacity(x[[2, 0]])
([[-4.0, 5.0], [1.0, -2.0, 3.0]], Capacity(lists=(16,), elements=16))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._backends._base import UNCACHED
from .._bounded import BoundedStructure, bound, bucket
from .._structure import Structure
from .indexing_sources import Source as _Source
from .indexing_sources import device_wrap, fill_value, filled, on
from .indexing_sources import from_bounded as _from_bounded
from .indexing_sources import from_exact as _from_exact
from .indexing_sources import longest as _longest

__all__ = ["NAME", "mask_mismatch", "out_of_range"]

NAME = "x[...]"
_ARRAYS = ("array", "traced-array", "mask", "bounded-array")
_INTS = ("int", "traced-int")


# ---- errors (shared with raggrad._ops.indexing) -----------------------------------------------
def out_of_range(d: int, item: int | None, index: Any, length: int) -> IndexError:
    """``item`` names the list at ragged axis ``d``; None for a regular axis (or the outer one)."""
    if d == 0 or item is None:
        return IndexError(f"{NAME}: index {index} is out of range for axis {d} with length {length}")
    if length == 0:
        return IndexError(f"{NAME}: list {item} at axis {d} is empty, so index {index} is out of range")
    return IndexError(
        f"{NAME}: index {index} is out of range for list {item} at axis {d}, which has length {length}"
    )


def mask_mismatch(length: int, d: int, item: int | None, size: int) -> IndexError:
    where = f"axis {d}" if d == 0 or item is None else f"list {item} at axis {d}"
    return IndexError(
        f"{NAME}: a boolean index of length {length} does not match {where}, which has length {size}"
    )


# ---- which keys take this path, and how their items read ---------------------------------------
def wants_bounded(x: RaggedArray, raw: list[Any]) -> bool:
    """Whether ``x[raw]`` is bounded: ``x`` or a ragged index is, or a traced integer array indexes
    a ragged array (a mini-batch under ``jax.jit``: the result's lists are data)."""
    if isinstance(x._structure, BoundedStructure):
        return True
    for item in raw:
        if isinstance(item, RaggedArray):
            if isinstance(item._structure, BoundedStructure):
                return True
            item = item._content if not item._structure.nlevels else None
        b = _backends.backend_of(item)
        if b and x._structure.nlevels and len(item.shape) == 1 and not b.is_concrete(item):
            return b.numpy_dtype(item.dtype).kind in "iu"
    return False


def classify(item: Any) -> Any:
    """The index items the bounded walk reads unlike the exact one (None for the others): traced
    integers, boolean arrays (kept as masks) and one-dimensional bounded arrays."""
    if isinstance(item, (list, tuple)) and item and all(isinstance(v, (bool, np.bool_)) for v in item):
        item = np.asarray(item)
    if isinstance(item, RaggedArray) and not item._structure.nlevels:
        if isinstance(item._structure, BoundedStructure):
            return ("bounded-array", item)
        item = item._content
    b = _backends.backend_of(item)
    if b is None or len(item.shape) > 1:
        return None
    kind = b.numpy_dtype(item.dtype).kind
    if len(item.shape) == 0:
        return ("traced-int", item) if kind in "iu" and not b.is_concrete(item) else None
    if kind == "b" and b.is_concrete(item):
        item = b.to_numpy(item)  # a concrete mask of any backend reads as a NumPy one
    return ("mask", item, int(item.shape[0])) if kind == "b" else None


# ---- the entry points -------------------------------------------------------------------------
def select(x: RaggedArray, content: Any, rag: list[Any], inner: list[Any], key: list[Any], nb: int) -> Any:
    """The bounded walk over ``rag`` (the items of the outer and ragged dims), then the traced
    integers of ``inner``; ``content`` has its element axis first and ``nb`` batch dims after it.
    Returns the result's structure (None: no structured dim left), the gathered content, the
    inner items left for NumPy's rules and the backend."""
    if inner and inner[0][0] == "paired-inner":
        msg = f"{NAME}: on a bounded array, index the ragged and the regular dims with arrays in two steps"
        raise NotImplementedError(msg)
    steps, s = rag, x._structure
    traced = [v for c in steps if c[0] == "paired" for v, _ in c[1] if not _is_host(v)]
    traced += [c[1]._content for c in steps if c[0] == "bounded-array"]
    if steps and steps[0][0] == "ragged":
        b, content, sx, index, valid = _align(x, content, steps[0][1])

        def run() -> Any:
            return _Walk(_from_bounded(sx), valid).run(steps[1:], index)

        plan = _cached(s, key, run) if sx is s else run()
    elif isinstance(s, BoundedStructure):
        b, others = (
            x._backend,
            {cast(_backends.Backend, _backends.backend_of(t)).name for t in traced} - {x.backend},
        )
        if others:
            msg = f"{NAME}: the index is on {others.pop()}, the array on {b.name}; convert one of them"
            raise TypeError(msg)
        plan = _cached(s, key, lambda: _Walk(_from_bounded(s)).run(steps))
    else:  # an exact array and a traced integer array: the result's lists are data
        like = traced[0] if traced else content
        b = _backends.backend_of(like)
        content = on(b, content)
        plan = _Walk(_from_exact(s, b, like)).run(steps)
    structure, sel, bad = plan
    if sel is not None:
        zero = False if b.numpy_dtype(content.dtype).kind == "b" else 0
        content = b.take_fill(content, sel, zero)
        content = content if bad is None else filled(b, content, ~bad)
    if any(c[0] == "traced-int" for c in inner):
        content = _traced_inner(b, content, inner, 1 + nb)
        inner = [c for c in inner if c[0] != "traced-int"]
        if structure is not None:  # the fill value reached the padding slots: zeros again
            used = structure.slot_mask(structure.nlevels)
            used = b.xp.reshape(used, tuple(used.shape) + (1,) * (len(content.shape) - 1))
            content = b.xp.where(used, content, b.xp.zeros_like(content))
    return structure, content, inner, b


def subtrees(s: BoundedStructure, index: RaggedArray, below: tuple[int, ...]) -> tuple[Any, Any]:
    """The items of bounded ``s`` that ``index`` picks (a bounded integer array: ragged, of the
    depth of the items, whose lists above are ``s``'s; or flat: outer items) with their whole
    subtrees, whose levels get the capacities ``below`` (the items may repeat, so ``s``'s do not
    bound them; more items than a capacity mark the result invalid). Returns the result's
    structure and, per element slot, the element of ``s`` it holds (padding: past the last)."""
    si = cast(BoundedStructure, index._structure)
    walk = _Walk(_from_bounded(s), s.valid & si.valid, below)
    if si.nlevels:
        structure, sel, _ = walk.run([], (index, False))
    else:
        structure, sel, _ = walk.run([("bounded-array", index)])
    return structure, sel


def _cached(s: Any, key: list[Any], make: Callable[[], Any]) -> Any:
    """The plan of the last key used on ``s``, when this key is the same: the fields of a record
    share one structure, and their results must share one too."""
    slot, tokens = s.cached("getitem-last", dict), [_token(v) for v in key]
    if slot.get("tokens") != tokens:
        with s.eager():  # concrete plans for concrete structures (BoundedStructure.cached)
            plan = make()
        slot.update(plan=plan, tokens=tokens, key=list(key))  # (the key keeps its objects' ids)
    return slot["plan"]


def _token(v: Any) -> Any:
    """What identifies an index item: the values of host data (NumPy arrays and lists can change
    in place), the object itself otherwise (backend arrays are immutable)."""
    if isinstance(v, RaggedArray):
        return (id(v), _token(v._content))
    if isinstance(v, np.ndarray):
        return (v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, (list, tuple)):
        return tuple(map(_token, v))
    return repr(v) if v is None or isinstance(v, (int, np.integer, slice, type(Ellipsis))) else id(v)


def _traced_inner(b: Any, content: Any, inner: list[Any], lead: int) -> Any:
    """Traced integers on the regular dims: a take each, with JAX's fill rule, from the last to the
    first so that the axes before them stay where they are."""
    xp, axes, axis = b.xp, [], lead
    for c in inner:
        axes.append(axis)
        axis += c[0] != "newaxis"
    for c, a in reversed(list(zip(inner, axes, strict=True))):
        if c[0] == "traced-int":
            size = int(content.shape[a])
            j, ok = device_wrap(b, xp.reshape(c[1], (1,)), size, size, b.default_int())
            taken = xp.take(content, xp.where(ok, j, 0), axis=a)
            fill = xp.asarray(fill_value(b.numpy_dtype(content.dtype)), dtype=content.dtype)
            ok = xp.reshape(ok, (1,) * len(taken.shape))
            content = xp.squeeze(xp.where(ok, taken, fill), axis=a)
    return content


# ---- index items as walk steps ----------------------------------------------------------------
def _is_host(v: Any) -> bool:
    return isinstance(v, (int, np.integer, np.ndarray))


def prepare(rag: list[Any], inner: list[Any]) -> tuple[list[Any], list[Any]]:
    """The items before NumPy's grouping of advanced indices (the exact walk's ``_pair``): a mask
    or a bounded one-dimensional array is a step of its own on the outer dimension; elsewhere, or
    beside other arrays, a concrete mask counts as its true positions, as in the exact walk."""
    rag, inner = list(rag), list(inner)
    arrays = sum(c[0] in _ARRAYS for c in rag + inner)
    for part in (rag, inner):
        for i, c in enumerate(part):
            outer = part is rag and all(r[0] == "newaxis" for r in rag[:i]) and arrays == 1
            if c[0] == "mask" and _is_host(c[1]) and not outer:
                part[i] = ("array", np.flatnonzero(np.asarray(c[1])), c[2])
            elif c[0] in ("mask", "bounded-array") and not outer:
                msg = f"{NAME}: a traced boolean or bounded index array indexes the outer dimension, alone"
                raise NotImplementedError(msg)
            elif part is inner and c[0] in ("traced-array", "ragged", "mask"):
                msg = f"{NAME}: regular inner dimensions can only take integers, slices, None or NumPy arrays"
                raise IndexError(msg)
    if any(c[0] == "traced-int" for c in inner) and any(c[0] == "array" for c in inner):
        msg = f"{NAME}: a traced integer beside integer arrays on the regular dims: index in two steps"
        raise NotImplementedError(msg)
    return rag, inner


def _align(x: RaggedArray, content: Any, index: RaggedArray) -> tuple[Any, ...]:
    """A ragged index and the array as bounded structures with the same capacities at the depths
    they share (an exact one is bounded with the other's), their lists compared: eagerly a
    ``ValueError`` names the first difference, traced the result's validity holds it."""
    s, si, b, k = x._structure, index._structure, x._backend, index._structure.nlevels
    if index._nbatch or si.inner:
        msg = f"{NAME}: a ragged index must have no regular dimensions, got type {index.type!r}"
        raise IndexError(msg)
    if k > s.nlevels:
        msg = f"{NAME}: the index of type {index.type!r} is deeper than the array of type {x.type!r}"
        raise IndexError(msg)
    kind = index._backend.numpy_dtype(index.dtype).kind
    if kind not in "biu":
        msg = f"{NAME}: a ragged index must hold integers or booleans, not {index.dtype}"
        raise TypeError(msg)
    mask = kind == "b"
    depths = k + 1 if mask else k  # depths whose capacities must agree
    if not isinstance(s, BoundedStructure):  # bounded where the index is
        b, caps = (
            index._backend,
            (
                *cast(BoundedStructure, si).capacities[:depths],
                *(bucket(s.count_at(d)) for d in range(depths, s.nlevels + 1)),
            ),
        )
        s, content = _bound(s, on(b, content), caps, x.type)
    if not isinstance(si, BoundedStructure):
        caps = (*s.capacities[:depths], *([] if mask else [bucket(si.size)]))
        si, values = _bound(si, on(b, index._content), caps, index.type)
        index = RaggedArray._new(si, values)
    elif index._backend is not b:
        msg = f"{NAME}: the index is on {index.backend}, the array on {b.name}; convert one of them"
        raise TypeError(msg)
    if si.capacities[:depths] != s.capacities[:depths]:
        msg = (
            f"{NAME}: the index's capacities {si.capacities[:depths]} differ from the array's "
            f"{s.capacities[:depths]} where they share lists; bound both alike (rg.with_capacity)"
        )
        raise ValueError(msg)
    shared = k if mask else k - 1
    same = b.xp.asarray(si.same_lists(s, shared))
    if b.is_concrete(same) and not bool(b.to_numpy(same)):
        detail = si.trim(NAME)[0].prefix(shared).first_difference(s.trim(NAME)[0].prefix(shared))
        what = "mask" if mask else "ragged integer index"
        msg = f"{NAME}: the {what} of type {index.type!r} does not match the array's lists: {detail}"
        raise ValueError(msg)
    return b, content, s, (index, mask), s.valid & si.valid & same


def _bound(s: Structure, content: Any, caps: tuple[int, ...], what: str) -> tuple[Any, Any]:
    if any(s.count_at(d) > c for d, c in enumerate(caps)):
        msg = f"{NAME}: the exact operand of type {what!r} does not fit the capacities {caps}"
        raise ValueError(msg)
    return bound(s, content, 0, caps)


# ---- the walk ---------------------------------------------------------------------------------
class _Walk:
    """The walk's selection: ``sel``, the selected lists of level ``d`` as slots (None: all), those
    in use (``used``) first; ``bad``, the slots a traced index out of range left without an item;
    ``origin``, slots and depth of the last selection that may repeat items. ``out``: per result
    level, its offsets, the capacity of its items and its lists' ids where known."""

    sel: Any
    used: Any
    bad: Any
    origin: tuple[int, int] | None

    def __init__(self, src: _Source, valid: Any = None, below: tuple[int, ...] | None = None) -> None:
        self.src, self.b, self.xp, self.it = src, src.b, src.b.xp, src.offsets[0].dtype
        self.valid = src.valid if valid is None else valid
        self.below = below  # capacities of the levels under a selection that repeats items
        self.out: list[tuple[Any, int, Any]] = []
        self.lists = [1, *src.caps[:-1]]  # list slots per level
        self.d, self.sel, self.used, self.bad, self.origin = 0, None, None, None, None

    def run(self, steps: list[Any], ragged: Any = None) -> tuple[Any, Any, Any]:
        """Apply ``steps`` (after a ragged index ``(index, is_mask)``, if given), then take whole
        subtrees; returns the result's structure, the selected element slots and ``bad``."""
        if ragged is not None:
            (self._ragged_mask if ragged[1] else self._ragged_ints)(ragged[0])
        for c in steps:
            if c[0] == "newaxis":
                n = self._size()
                self.out.append((self.xp.minimum(self._arange(n + 1), self._in_use()), n, None))
            elif c[0] == "slice":
                self._slice(c)
            elif c[0] in _INTS:
                self._pick(((c[1], None),), 1, None, keep=False)
            elif c[0] == "paired":
                self._pick(c[1], c[2], None)
            elif c[0] == "mask":
                self._mask(c[1], c[2], None)
            elif c[1]._backend.numpy_dtype(c[1].dtype).kind == "b":  # bounded, one-dimensional
                self._mask(c[1]._content, c[1]._structure.capacities[0], c[1]._structure)
            else:
                self._pick(((c[1]._content, None),), c[1]._structure.capacities[0], c[1]._structure)
        while self.d < len(self.src.offsets):
            self._slice(("slice", None, None, 1))
        if not self.out:
            return None, self.sel, self.bad
        count, caps = self.out[0][0][-1], tuple(c for _, c, _ in self.out)
        levels, ids = tuple(o for o, _, _ in self.out[1:]), tuple(g for _, _, g in self.out[1:])
        return BoundedStructure(count, levels, caps, (), self.valid, ids), self.sel, self.bad

    # ---- small pieces -------------------------------------------------------------------------
    def _size(self) -> int:
        return self.lists[self.d] if self.sel is None else int(self.sel.shape[0])

    def _in_use(self) -> Any:
        return self.src.used[self.d] if self.sel is None else self.used

    def _arange(self, n: int) -> Any:
        return self.xp.arange(n, dtype=self.it)

    def _child_cap(self, d: int) -> int:
        """The capacity of the items below the selected lists of level ``d``."""
        cap, exact = self.src.caps[d], self.src.exact
        if self.below is not None and self.origin is not None:
            return self.below[d - self.origin[1] - 1]
        if self.origin is None or exact is None:
            return cap
        return min(bucket(cap), bucket(self.origin[0] * _longest(exact, self.origin[1], d)))

    def _starts_lens(self, d: int, sel: Any) -> tuple[Any, Any]:
        off, xp = self.src.offsets[d], self.xp
        if sel is None:
            return off[:-1], off[1:] - off[:-1]
        starts = xp.take(off, sel)
        return starts, xp.take(off, xp.minimum(sel + 1, self.lists[d])) - starts

    def _wrap(self, local: Any, lens: Any, longest: int) -> tuple[Any, Any]:
        """``device_wrap`` of any integer index, host values clamped on the host first."""
        if isinstance(local, (int, np.integer)):
            local = self.xp.asarray(max(min(int(local), longest + 1), -longest - 1), dtype=self.it)
        elif isinstance(local, np.ndarray):
            host = np.clip(local, -longest - 1, longest + 1)
            local = self.xp.asarray(self.b.index(UNCACHED, "pick", host, self.src.offsets[0]))
        return device_wrap(self.b, local, lens, longest, self.it)

    def _host(self, a: Any, i: int) -> int:
        flat = np.asarray(a if isinstance(a, (int, np.integer)) else self.b.to_numpy(a)).reshape(-1)
        return int(flat[i if flat.size > 1 else 0])

    def _check(self, miss: Any, d: int, node: Any, lens: Any, values: Any, length: Any = None) -> None:
        """When ``miss`` is concrete and holds a slot: ``IndexError`` naming the first."""
        if not self.b.is_concrete(miss) or not np.asarray(self.b.to_numpy(miss)).any():
            return
        i = int(np.argmax(np.asarray(self.b.to_numpy(miss))))
        item, size = None if d == 0 else self._host(node, i), self._host(lens, i)
        if length is not None:
            raise mask_mismatch(length, d, item, size)
        raise out_of_range(d, item, self._host(values, i), size)

    def _compact(self, keep: Any) -> tuple[Any, Any]:
        """The slots where ``keep`` holds, in order, then padding (the slot count); and the kept
        slots before each slot. (Slot ``i`` as a list of ``keep[i]`` items: their ids, in O(m).)"""
        xp = self.xp
        before = xp.concat([xp.zeros(1, dtype=self.it), xp.astype(xp.cumulative_sum(keep), self.it)])
        return xp.astype(self.b.ids_from_offsets(before, int(keep.shape[0])), self.it), before

    # ---- steps --------------------------------------------------------------------------------
    def _slice(self, key: tuple[Any, ...]) -> None:
        """A slice of every selected list: a new level (``:`` of all lists keeps the level)."""
        _, start, stop, step = key
        d, xp = self.d, self.xp
        full = (start, stop, step) == (None, None, 1)
        if self.sel is None and full:
            self.out.append((self.src.offsets[d], self.src.caps[d], self.src.given[d]))
            self.d += 1
            return
        if self.bad is not None:  # a missing item cannot hold a list: the result is invalid
            self.valid, self.bad = self.valid & ~xp.any(self.bad), None
        starts, lens = self._starts_lens(d, self.sel)
        if not full:
            first, lens = self._slice_bounds(key, lens, self.src.caps[d])
            starts = starts + first
        cap = self._child_cap(d)
        offsets = xp.concat([xp.zeros(1, dtype=self.it), xp.astype(xp.cumulative_sum(lens), self.it)])
        fits = offsets[-1] <= cap  # repeated items beyond the capacity: eagerly an error, traced invalid
        if self.b.is_concrete(fits) and not bool(self.b.to_numpy(fits)):
            n = int(self.b.to_numpy(offsets[-1]))
            msg = f"{NAME}: the selection holds {n} items at axis {d}, over its capacity {cap}"
            raise ValueError(msg + "; bound the array with larger capacities")
        self.valid = self.valid & fits
        offsets = xp.minimum(offsets, cap)
        # the concatenation of starts[i] + step * arange(lens[i]) (raggrad._structure.ranges)
        step = max(min(step, self.src.caps[d] + 1), -self.src.caps[d] - 1)  # as _slice_bounds
        base = self.b.take_fill(starts - step * offsets[:-1], self.b.ids_from_offsets(offsets, cap), 0)
        here = self._arange(cap)
        self.sel = xp.where(here < offsets[-1], base + step * here, self.src.caps[d])
        self.out.append((offsets, cap, None))
        self.used, self.d = offsets[-1], d + 1

    def _slice_bounds(self, key: tuple[Any, ...], lens: Any, longest: int) -> tuple[Any, Any]:
        """Per-list ``slice.indices`` (``indexing._slice_bounds``) on the device: first position and
        count of every list's slice; bounds past ``longest`` clamped first."""
        xp, limit = self.xp, longest + 1
        start, stop, step = (None if v is None else max(min(v, limit), -limit) for v in key[1:])
        assert step is not None  # the walk's slices carry their step (1 by default)
        lower, upper = (0, lens) if step > 0 else (-1, lens - 1)

        def edge(v: int | None, default: Any) -> Any:
            if v is None:
                return default
            return xp.maximum(v + lens, lower) if v < 0 else xp.minimum(v, upper)

        a = edge(start, lower if step > 0 else upper)
        b = edge(stop, upper if step > 0 else lower)
        if step > 0:
            return a, xp.maximum((b - a + step - 1) // step, 0)
        return a, xp.maximum((a - b - step - 1) // (-step), 0)

    def _pick(self, parts: Any, k: int, count: Any, keep: bool = True) -> None:
        """``k`` picks from every selected list; part ``t`` picks within the item part ``t - 1``
        reached (NumPy's advanced indices broadcast together). ``keep=False``: one integer, whose
        dimension goes. ``count``: the structure of a bounded index (its picks in use)."""
        xp, d0, n = self.xp, self.d, self._size()
        used, slots = self._in_use(), n * k

        def spread(a: Any) -> Any:  # (n,) -> (n * k,): pick p of list slot i at i * k + p
            return xp.reshape(xp.broadcast_to(xp.reshape(a, (n, 1)), (n, k)), (slots,))

        node = spread(self.sel if self.sel is not None else self._arange(n))
        inuse = spread(self._arange(n) < used)
        if count is not None:
            inuse = inuse & (xp.reshape(xp.broadcast_to(self._arange(k), (n, k)), (slots,)) < count.count)
            self.valid = self.valid & count.valid
        bad = None if self.bad is None else spread(self.bad)
        for t, (values, length) in enumerate(parts):
            d = d0 + t
            starts, lens = self._starts_lens(d, node)
            shown = np.tile(np.broadcast_to(values, (k,)), n) if isinstance(values, np.ndarray) else values
            if isinstance(values, np.ndarray) or not _is_host(values):
                values = self._spread_values(values, n, k, self.src.caps[d])
            if length is not None:
                wrong = inuse & (lens != length)
                self._check(wrong, d, node, lens, shown, length)
                self.valid = self.valid & ~xp.any(wrong)
            j, ok = self._wrap(values, lens, self.src.caps[d])
            miss = inuse & ~ok
            self._check(miss, d, node, lens, shown)
            bad, inuse = (miss if bad is None else bad | miss), inuse & ok
            node = xp.where(inuse, starts + j, self.src.caps[d])
        self.sel, self.bad, self.d, self.used = node, bad, d0 + len(parts), used
        if not keep:
            return
        cap = slots
        if not self.out:  # the result's outer dimension (one list slot): a bucket of k slots
            cap = k if count is not None else bucket(k)
            if cap > slots:
                self.sel = xp.concat([node, xp.full(cap - slots, self.src.caps[self.d - 1], dtype=self.it)])
                self.bad = None if bad is None else xp.concat([bad, xp.zeros(cap - slots, dtype=bad.dtype)])
        offsets = xp.minimum(self._arange(n + 1), used) * k
        if count is not None:
            offsets = xp.stack([xp.zeros((), dtype=self.it), xp.astype(count.count, self.it)])
        self.used = offsets[-1]
        self.out.append((offsets, cap, None))
        self.origin = (slots, self.d - 1)

    def _spread_values(self, values: Any, n: int, k: int, longest: int) -> Any:
        """An index array as one value per pick, host values clamped to ``±(longest + 1)`` first."""
        xp = self.xp
        if isinstance(values, np.ndarray):
            host = np.clip(values, -longest - 1, longest + 1)
            values = xp.asarray(self.b.index(UNCACHED, "pick", host, self.src.offsets[0]))
        return xp.reshape(xp.broadcast_to(xp.reshape(values, (1, -1)), (n, k)), (n * k,))

    def _mask(self, m: Any, length: int, count: Any) -> None:
        """A boolean array on the outer axis: the outer items where it holds, capacities unchanged."""
        xp, c0, items = self.xp, self.src.caps[0], self.src.offsets[0][1]
        if isinstance(m, np.ndarray):
            m = xp.asarray(self.b.index(UNCACHED, "mask", m, self.src.offsets[0]))
        if count is not None:  # a bounded mask: its count must be the array's
            self.valid = self.valid & count.valid
        same = (length if count is None else count.count) == items
        if length != c0 or count is not None:
            if self.b.is_concrete(same) and not bool(self.b.to_numpy(same)):
                size = self._host(count.count, 0) if count is not None else length
                raise mask_mismatch(size, 0, None, self._host(items, 0))
            self.valid = self.valid & same
        if length < c0:
            m = xp.concat([m, xp.zeros(c0 - length, dtype=m.dtype)])
        self.sel, before = self._compact(m[:c0] & (self._arange(c0) < items))
        self.used = before[-1]
        self.out.append((xp.stack([xp.zeros((), dtype=self.it), self.used]), c0, None))
        self.d = 1

    def _ragged_mask(self, index: RaggedArray) -> None:
        """A ragged mask of ``k`` levels (the array's): each list keeps the items where it holds."""
        si, xp, src = index._structure, self.xp, self.src
        assert isinstance(si, BoundedStructure)  # _align bounded the index
        k = si.nlevels
        self.sel, before = self._compact(index._content & si.slot_mask(k))
        self.out = [(src.offsets[e], src.caps[e], src.given[e]) for e in range(k)]
        self.out.append((xp.take(before, src.offsets[k]), src.caps[k], None))
        self.used = before[-1]
        self.d = k + 1

    def _ragged_ints(self, index: RaggedArray) -> None:
        """A ragged integer index of ``k`` levels (the array's ``k - 1`` first): one pick per item."""
        si, xp, src = index._structure, self.xp, self.src
        assert isinstance(si, BoundedStructure)  # _align bounded the index
        k = si.nlevels
        ids = si.ids(k - 1)
        starts, lens = self._starts_lens(k, ids)
        inuse = si.slot_mask(k)
        j, ok = self._wrap(index._content, lens, src.caps[k])
        miss = inuse & ~ok
        self._check(miss, k, ids, lens, index._content)
        self.bad, self.sel = miss, xp.where(inuse & ok, starts + j, src.caps[k])
        root = xp.stack([xp.zeros((), dtype=self.it), xp.astype(si.count, self.it)])
        self.out = [(root, si.capacities[0], None)]
        self.out += [(si.levels[e], si.capacities[e + 1], si.given_ids[e]) for e in range(k)]
        self.used, self.d, self.origin = si.in_use(k), k + 1, (si.capacities[k], k)
