"""Indexing: ``x[...]`` with awkward's semantics, as one gather of the content.

Every index form becomes a host-side map from the result's elements to the source's (NumPy,
computed from structure and cached on it when it depends on structure alone) plus the result's
offsets; the content is then gathered once with :meth:`Backend.take`, so gradients flow to the
selected elements and repeated selections accumulate (the transpose of a gather is a scatter-add).

The walk goes dimension by dimension from the outside in. The array is seen as a tree whose root
holds the ``n`` outer items (a virtual level with offsets ``[0, n]``), so the outer dimension is
handled like every ragged one: at each level the *selected items* (``sel``) are lists, and an
integer picks one child of each (the dimension disappears), a slice picks a range of children (a
new level of the result), ``None`` inserts a level of length-1 lists. Regular inner dimensions are
indexed on the gathered content with the backend's own indexing.

Ragged index arrays (boolean masks and integer lists such as ``rg.argmax(x, axis=1,
keepdims=True)``) take the result's structure from the index array. An integer one needs only
structure to build the gather index (list start + local index), so it also works when the index
values are traced under ``jax.jit``; a mask's output structure depends on its values, so a traced
mask raises :class:`~raggrad.TracedStructureError`.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import _backends
from .._array import RaggedArray, wrap
from .._errors import check_concrete
from .._registry import provide
from .._structure import Segments, Structure, descend, ext, from_levels, offsets_from_lengths, ranges

__all__ = ["getitem"]

_NAME = "x[...]"
_MASK_ALTERNATIVE = (
    "Keep the structure instead: pass the mask as where= to a reducer (rg.sum(x, axis=1, "
    "where=mask)) or replace the unselected values with rg.where(mask, x, 0)."
)


def _count(levels: list[Segments], d: int) -> int:
    return 1 if d == 0 else levels[d - 1].size


# ---- index items --------------------------------------------------------------------------
def _as_int(item: Any, backend: Any) -> int | None:
    if isinstance(item, (bool, np.bool_)):
        return None
    if isinstance(item, (int, np.integer)):
        return int(item)
    b = _backends.backend_of(item)
    if b is not None and len(item.shape) == 0 and b.numpy_dtype(item.dtype).kind in "iu":
        check_concrete(b, item, _NAME, "an integer index")
        return int(b.to_numpy(item))
    return None


def _slice_key(item: slice) -> tuple[str, int | None, int | None, int]:
    def part(v: Any) -> int | None:
        if v is None:
            return None
        try:
            return operator.index(v)
        except TypeError:
            msg = f"{_NAME}: slice bounds must be integers or None, got {v!r}"
            raise TypeError(msg) from None

    step = part(item.step)
    if step == 0:
        msg = f"{_NAME}: slice step cannot be zero"
        raise ValueError(msg)
    return ("slice", part(item.start), part(item.stop), 1 if step is None else step)


def _classify(item: Any, backend: Any) -> Any:
    """A hashable description of one index item, or ("array", host ints) / ("ragged", x)."""
    if item is None:
        return ("newaxis",)
    if item is Ellipsis:
        return ("ellipsis",)
    if isinstance(item, slice):
        return _slice_key(item)
    i = _as_int(item, backend)
    if i is not None:
        return ("int", i)
    if isinstance(item, RaggedArray) and item._structure.nlevels:
        return ("ragged", item)
    if isinstance(item, RaggedArray):
        item = item._content
    if isinstance(item, (list, tuple)):
        item = np.asarray(item)
    b = _backends.backend_of(item)
    if b is None:
        msg = f"{_NAME}: cannot index with {type(item).__name__} {item!r}"
        raise TypeError(msg)
    kind = b.numpy_dtype(item.dtype).kind
    if kind not in "biu" or len(item.shape) != 1:
        msg = (
            f"{_NAME}: an array index must be a 1-d integer or boolean array, got dtype "
            f"{item.dtype} and shape {tuple(item.shape)}"
        )
        raise TypeError(msg) if kind not in "biu" else IndexError(msg)
    if kind == "b":
        check_concrete(b, item, _NAME, "a boolean mask", _MASK_ALTERNATIVE)
        return ("array", np.flatnonzero(b.to_numpy(item)), "mask")
    if not b.is_concrete(item):
        return ("traced-array", item)
    return ("array", b.to_numpy(item).astype(np.int64), "int")


def _consumes(c: Any) -> int:
    if c[0] in ("newaxis", "ellipsis"):
        return 0
    if c[0] == "ragged":
        return c[1]._structure.nlevels + 1
    return 1


def _expand_ellipsis(items: list[Any], ndim: int) -> list[Any]:
    used = sum(_consumes(c) for c in items)
    n_ell = sum(c[0] == "ellipsis" for c in items)
    if n_ell > 1:
        msg = f"{_NAME}: an index can only have a single ellipsis ('...')"
        raise IndexError(msg)
    if used > ndim:
        msg = f"{_NAME}: too many indices: the array has {ndim} dimensions but {used} were indexed"
        raise IndexError(msg)
    out: list[Any] = []
    for c in items:
        if c[0] == "ellipsis":
            out.extend([("slice", None, None, 1)] * (ndim - used))
        else:
            out.append(c)
    return out


# ---- the walk over ragged levels ------------------------------------------------------------
def _slice_bounds(key: tuple[Any, ...], lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-list ``slice.indices``: first position and count of every list's slice."""
    _, start, stop, step = key
    L = lengths
    if step > 0:
        lower, upper = np.zeros_like(L), L
    else:
        lower, upper = np.full_like(L, -1), L - 1

    def bound(v: int | None, default: np.ndarray) -> np.ndarray:
        if v is None:
            return default
        if v < 0:
            return np.maximum(v + L, lower)
        return np.minimum(v, upper)

    a = bound(start, lower if step > 0 else upper)
    b = bound(stop, upper if step > 0 else lower)
    if step > 0:
        count = np.maximum((b - a + step - 1) // step, 0)
    else:
        count = np.maximum((a - b - step - 1) // (-step), 0)
    return a, count, step


def _out_of_range(d: int, item: int, index: Any, length: int) -> IndexError:
    if d == 0:
        return IndexError(f"{_NAME}: index {index} is out of range for axis 0 with length {length}")
    if length == 0:
        return IndexError(f"{_NAME}: list {item} at axis {d} is empty, so index {index} is out of range")
    return IndexError(
        f"{_NAME}: index {index} is out of range for list {item} at axis {d}, which has length {length}"
    )


def _wrap(local: np.ndarray, lens: np.ndarray, sel: np.ndarray | None, d: int) -> np.ndarray:
    """Negative indices counted from the end; IndexError naming the first list out of range."""
    j = np.where(local < 0, local + lens, local)
    bad = (j < 0) | (j >= lens)
    if bad.any():
        b = int(np.argmax(bad))
        item = b if sel is None else int(sel[b])
        raise _out_of_range(d, item, int(local[b]), int(lens[b]))
    return j


def _walk(
    levels: list[Segments],
    items: list[Any],
    d: int = 0,
    sel: np.ndarray | None = None,
    out: list[Any] | None = None,
) -> tuple[list[Any], np.ndarray | None]:
    """Apply ``items`` to the ragged dims from depth ``d``; returns result levels and elements."""
    out = [] if out is None else out
    for c in items:
        kind = c[0]
        if kind == "newaxis":
            n = _count(levels, d) if sel is None else len(sel)
            out.append(np.arange(n + 1, dtype=np.int64))
            continue
        seg = levels[d]
        starts = seg.offsets[:-1] if sel is None else seg.offsets[:-1][sel]
        lens = seg.lengths if sel is None else seg.lengths[sel]
        if kind == "slice" and c[1] is None and c[2] is None and c[3] == 1:
            if sel is None:
                out.append(seg)
            else:
                offsets, sel = ranges(starts, lens)
                out.append(offsets)
        elif kind == "slice":
            a, count, step = _slice_bounds(c, lens)
            offsets, sel = ranges(starts + a, count, step)
            out.append(offsets)
        elif kind == "int":
            local = np.full(len(lens), c[1], dtype=np.int64)
            sel = starts + _wrap(local, lens, sel, d)
        elif kind == "array":
            idx = c[1]
            k = len(idx)
            local = np.broadcast_to(idx, (len(lens), k))
            lens2 = np.broadcast_to(lens[:, None], (len(lens), k))
            j = _wrap(local.ravel(), lens2.ravel(), None if sel is None else np.repeat(sel, k), d)
            sel = (starts[:, None] + j.reshape(len(lens), k)).ravel()
            out.append(np.arange(len(lens) + 1, dtype=np.int64) * k)
        else:  # pragma: no cover - classified earlier
            raise AssertionError(kind)
        d += 1
    below, sel = descend(levels, d, sel)
    return out + below, sel


def _ragged(s: Structure, index: RaggedArray, backend: Any) -> tuple[list[Any], Any, bool]:
    """Levels and selected elements for a ragged index array in first position.

    Returns ``(levels, sel, on_device)``; ``sel`` is a device array when the index is traced.
    """
    si = index._structure
    k = si.nlevels
    dtype = index._backend.numpy_dtype(index.dtype)
    if index._nbatch or si.inner:
        msg = f"{_NAME}: a ragged index must have no regular dimensions, got type {index.type!r}"
        raise IndexError(msg)
    if k > s.nlevels:
        msg = f"{_NAME}: the index of type {index.type!r} is deeper than the array of type {s!r}"
        raise IndexError(msg)
    shared = k if dtype.kind == "b" else k - 1
    if si.length != s.length or not all(
        a is b or np.array_equal(a.offsets, b.offsets) for a, b in zip(si.levels[:shared], s.levels)
    ):
        prefix = Structure(s.length, s.levels[:shared])
        detail = Structure(si.length, si.levels[:shared]).first_difference(prefix)
        what = "mask" if dtype.kind == "b" else "ragged integer index"
        msg = f"{_NAME}: the {what} of type {index.type!r} does not match the array's lists: {detail}"
        raise ValueError(msg)
    top = ext(s)[0]
    b = index._backend
    if dtype.kind == "b":
        check_concrete(b, index._content, _NAME, "a boolean mask", _MASK_ALTERNATIVE)
        mask = b.to_numpy(index._content)
        last = si.levels[-1]
        counts = np.bincount(last.ids[mask], minlength=last.n)
        offsets = offsets_from_lengths(counts)
        return [top, *s.levels[: k - 1], offsets], np.flatnonzero(mask), False
    if dtype.kind not in "iu":
        msg = f"{_NAME}: a ragged index must hold integers or booleans, not {dtype}"
        raise TypeError(msg)
    seg, ilev = s.levels[k - 1], si.levels[-1]

    def make() -> tuple[np.ndarray, np.ndarray]:
        return seg.offsets[:-1][ilev.ids], seg.lengths[ilev.ids]

    starts, lens = ilev.cached(("ragged-index", seg), make)
    levels = [top, *si.levels]
    if b.is_concrete(index._content):
        local = b.to_numpy(index._content).astype(np.int64)
        j = np.where(local < 0, local + lens, local)
        bad = (j < 0) | (j >= lens)
        if bad.any():
            e = int(np.argmax(bad))
            raise _out_of_range(k, int(ilev.ids[e]), int(local[e]), int(lens[e]))
        return levels, starts + j, False
    # traced values: the gather index is list start + local index, built on the device
    local = index._content
    xp = b.xp
    starts_d = b.index(ilev, ("ragged-start", seg), starts, local)
    lens_d = b.index(ilev, ("ragged-lens", seg), lens, local)
    local = xp.astype(local, starts_d.dtype)
    return levels, starts_d + xp.where(local < 0, local + lens_d, local), True


# ---- the entry point ------------------------------------------------------------------------
@provide("getitem")
def getitem(x: RaggedArray, key: Any) -> Any:
    """``x[key]`` (see the module docstring); batch dims are indexed like NumPy's."""
    backend = x._backend
    raw = list(key) if isinstance(key, tuple) else [key]
    items = _expand_ellipsis([_classify(item, backend) for item in raw], x.ndim)
    nb = x._nbatch
    s = x._structure
    content = x._content
    # leading batch dims: ordinary NumPy indexing of the content
    if nb:
        batch: list[Any] = []
        used = 0
        while items and used < nb:
            c = items.pop(0)
            if c[0] not in ("int", "slice", "newaxis"):
                msg = f"{_NAME}: only integers, slices and None can index the batch dims of {x.type!r}"
                raise NotImplementedError(msg)
            batch.append(None if c[0] == "newaxis" else c[1] if c[0] == "int" else slice(*c[1:]))
            used += c[0] != "newaxis"
        content = content[tuple(batch)]
        nb = len(content.shape) - 1 - len(s.inner)
    # split the structured items into the ragged part (outer + levels) and the inner part
    nrag = s.nlevels + 1
    rag: list[Any] = []
    used = 0
    while items and used < nrag:
        c = items.pop(0)
        if c[0] == "ragged" and used:
            msg = f"{_NAME}: a ragged index array must come first (before any dimension is indexed)"
            raise NotImplementedError(msg)
        rag.append(c)
        used += _consumes(c)
    inner = items
    if any(c[0] in ("ragged", "traced-array") for c in inner):
        msg = f"{_NAME}: regular inner dimensions can only take integers, slices, None or NumPy arrays"
        raise IndexError(msg)

    on_device = False
    if rag and rag[0][0] == "ragged":
        index = rag[0][1]
        levels, sel, on_device = _ragged(s, index, backend)
        rest = rag[1:]
        d = index._structure.nlevels + 1
        if on_device:
            if d < nrag or rest:
                check_concrete(
                    index._backend,
                    index._content,
                    _NAME,
                    "a ragged integer index that selects whole sublists",
                )
            backend = index._backend
        else:
            more, sel = _walk(ext(s), rest, d, sel)
            levels = levels + more
        plan = (from_levels(levels), sel)
        cache = None
    elif rag and rag[0][0] == "traced-array":
        if s.nlevels:
            check_concrete(
                _backends.backend_of(rag[0][1]), rag[0][1], _NAME, "an integer array index on a ragged array"
            )
        # a dense array: the result's length is the index's, whatever its values
        sel, on_device = rag[0][1], True
        backend = _backends.backend_of(sel)
        sel = backend.xp.where(sel < 0, sel + s.length, sel)
        plan = (Structure(int(sel.shape[0])), sel)
        cache = None
    elif any(c[0] == "array" for c in rag):
        levels, sel = _walk(ext(s), rag)
        plan = (from_levels(levels), sel)
        cache = None
    else:
        cache = ("getitem", tuple(rag))
        plan = s.cached(cache, lambda: _getitem_plan(s, rag))
    out_structure, sel = plan
    if nb:
        content = backend.xp.moveaxis(content, nb, 0)
    if on_device:
        if _backends.backend_of(content) is not backend:
            content = backend.asarray(_backends.backend_of(content).to_numpy(content))
        content = backend.xp.take(content, sel, axis=0)
    elif sel is not None:
        # a selection that depends on values (an integer array, a mask) is not cached
        content = backend.take(content, sel, s if cache is not None else None, cache)
    if inner:
        content = content[(slice(None),) * (1 + nb) + tuple(_inner_item(c) for c in inner)]
    if out_structure is None:  # no structured dimension left
        content = content[0]
        if len(content.shape) == 0:
            return content
        return wrap(None, content)
    if nb:
        content = backend.xp.moveaxis(content, 0, nb)
    return RaggedArray._new(out_structure.with_inner(tuple(content.shape[nb + 1 :])), content)


def _getitem_plan(s: Structure, rag: list[Any]) -> tuple[Structure | None, np.ndarray | None]:
    levels, sel = _walk(ext(s), rag)
    return from_levels(levels), sel


def _inner_item(c: Any) -> Any:
    if c[0] == "int":
        return c[1]
    if c[0] == "slice":
        return slice(*c[1:])
    if c[0] == "newaxis":
        return None
    return c[1]
