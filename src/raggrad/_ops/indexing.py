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
indexed on the gathered content with takes, by NumPy's rules on every backend.

Integer arrays follow NumPy's advanced indexing: they and the integers beside them broadcast
together (``x[[0, 2], [0, 1]]`` is ``[x[0][0], x[2][1]]``), shapes that do not broadcast raise
:class:`IndexError` naming them, and a boolean array counts as its true positions, its length equal
to the dimension's (every list's, at a ragged dimension) or :class:`IndexError` names both. Without
ragged dimensions the result is NumPy's in every case. On a ragged array, as in awkward, advanced
indices must be adjacent (or be one array in first position, where NumPy leaves its dimension),
and join neither a ragged index nor (awkward has no consistent rule) a boolean array with another
array. Integers beyond int64 raise :class:`IndexError`; slice bounds beyond it are clamped.

Ragged index arrays (boolean masks and integer lists such as ``rg.argmax(x, axis=1,
keepdims=True)``) take the result's structure from the index array. An integer one needs only
structure to build the gather index (list start + local index), so it also works when the index
values are traced under ``jax.jit``; a mask's output structure depends on its values, so on an
exact array a traced mask raises :class:`~raggrad.TracedStructureError` naming the alternatives.
On a bounded array every form works under ``jax.jit``, and so does a traced integer array on a
ragged exact one (a mini-batch of lists), whose result is bounded: :mod:`.indexing_bounded`.

Under ``jax.jit`` a traced integer index (a ragged one, or an array on an array without ragged
dimensions) cannot raise when out of range; it follows JAX's rule for out-of-bounds gathers,
``jnp.take(..., mode="fill")``, list by list: negative indices count from the end of their own
list, as in eager mode, and an index still outside its list gives the fill value (JAX's defaults:
NaN for inexact dtypes, the most negative value for signed integers, the largest for unsigned ones,
True for booleans) with a zero gradient, never a value of another list.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .. import _backends
from .._array import RaggedArray, wrap
from .._errors import check_concrete
from .._registry import provide
from .._structure import Segments, Structure, descend, ext, from_levels, offsets_from_lengths, ranges
from . import indexing_bounded as bounded
from .indexing_bounded import NAME as _NAME
from .indexing_bounded import device_wrap, filled, mask_mismatch, on, out_of_range

__all__ = ["getitem"]

_MASK_ALTERNATIVE = (
    "Keep the structure instead: pass the mask as where= to a reducer (rg.sum(x, axis=1, "
    "where=mask)) or replace the unselected values with rg.where(mask, x, 0); or bound the array "
    "first: rg.with_capacity(x)[mask] works under jit, its capacities unchanged."
)
_INT_ALTERNATIVE = (
    "Pass it as a static value, or bound the array first: rg.with_capacity(x)[i] works under jit."
)
_ADVANCED = ("int", "array", "traced-array", "traced-int")  # NumPy's advanced indices, with an array
_ARRAYS = ("array", "traced-array")
_INT64 = 2**63
_CLAMP = 2**62  # slice bounds are clamped here: no list is that long, and int64 sums cannot overflow


# ---- index items --------------------------------------------------------------------------
def _too_large(i: Any) -> IndexError:
    return IndexError(f"{_NAME}: index {i} is out of range for every dimension (it does not fit in int64)")


def _as_int(item: Any, backend: Any) -> int | None:
    if isinstance(item, (bool, np.bool_)):
        return None
    if isinstance(item, (int, np.integer)):
        if not -_INT64 <= int(item) < _INT64:
            raise _too_large(item)
        return int(item)
    b = _backends.backend_of(item)
    if b is not None and len(item.shape) == 0 and b.numpy_dtype(item.dtype).kind in "iu":
        check_concrete(b, item, _NAME, "an integer index", _INT_ALTERNATIVE)
        return _as_int(b.to_numpy(item).item(), backend)
    return None


def _slice_key(item: slice) -> tuple[str, int | None, int | None, int]:
    def part(v: Any) -> int | None:
        if v is None:
            return None
        try:
            return min(max(operator.index(v), -_CLAMP), _CLAMP)
        except TypeError:
            msg = f"{_NAME}: slice bounds must be integers or None, got {v!r}"
            raise TypeError(msg) from None

    step = part(item.step)
    if step == 0:
        msg = f"{_NAME}: slice step cannot be zero"
        raise ValueError(msg)
    return ("slice", part(item.start), part(item.stop), 1 if step is None else step)


def _classify(item: Any, backend: Any) -> Any:
    """A hashable description of one index item, or ("array", host ints, mask length or None),
    ("traced-array", x) or ("ragged", x)."""
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
        item = np.asarray(item) if len(item) else np.zeros(0, dtype=np.int64)
        if item.dtype == object and all(isinstance(v, int) for v in item.ravel()):
            raise _too_large(max(item.ravel().tolist(), key=abs))
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
        return ("array", np.flatnonzero(b.to_numpy(item)), int(item.shape[0]))
    if not b.is_concrete(item):
        return ("traced-array", item)
    host = b.to_numpy(item)
    if kind == "u" and host.size and host.max() >= _INT64:
        raise _too_large(int(host.max()))
    return ("array", host.astype(np.int64), None)


def _consumes(c: Any) -> int:
    if c[0] in ("newaxis", "ellipsis"):
        return 0
    return c[1]._structure.nlevels + 1 if c[0] == "ragged" else 1


def _expand_ellipsis(items: list[Any], ndim: int) -> list[Any]:
    used = sum(_consumes(c) for c in items)
    if sum(c[0] == "ellipsis" for c in items) > 1:
        msg = f"{_NAME}: an index can only have a single ellipsis ('...')"
        raise IndexError(msg)
    if used > ndim:
        msg = f"{_NAME}: too many indices: the array has {ndim} dimensions but {used} were indexed"
        raise IndexError(msg)
    full = [("slice", None, None, 1)] * (ndim - used)
    return [e for c in items for e in (full if c[0] == "ellipsis" else [c])]


# ---- advanced indices: NumPy's broadcasting rule --------------------------------------------
def _broadcast(items: list[Any]) -> int:
    """The common length of the advanced indices ``items`` (integers broadcast, as length-1 arrays)."""
    shapes = [(len(c[1]) if c[0] == "array" else int(c[1].shape[0]),) for c in items if c[0] in _ARRAYS]
    sizes = {n for (n,) in shapes} - {1}
    if len(sizes) > 1:
        msg = (
            f"{_NAME}: shape mismatch: indexing arrays could not be broadcast together with shapes "
            f"{' '.join(map(str, shapes))} (a boolean array counts as its true positions)"
        )
        raise IndexError(msg)
    return sizes.pop() if sizes else 1


def _pair(rag: list[Any], inner: list[Any]) -> tuple[list[Any], list[Any]]:
    """Integer arrays of a ragged array's index, grouped by NumPy's rule into ``("paired", parts,
    k)`` (the ragged dims they index) and ``("paired-inner", items, k)`` (regular dims after those)."""
    items = rag + inner
    pos = [i for i, c in enumerate(items) if c[0] in _ADVANCED]
    arrays = [i for i in pos if items[i][0] in _ARRAYS]
    if not arrays:
        return rag, inner
    if any(c[0] == "ragged" for c in rag):
        msg = (
            f"{_NAME}: a ragged index cannot be combined with integer or boolean arrays (awkward "
            "refuses it too); index in two steps, e.g. x[index][:, :, [0, 1]]"
        )
        raise NotImplementedError(msg)
    group = pos
    if pos[-1] - pos[0] + 1 != len(pos):
        # NumPy moves the broadcast dimension first, which is where it is already when the one
        # array is the index's first item and the rest are integers
        if arrays != [0]:
            msg = (
                f"{_NAME}: on a ragged array, integer arrays and the integers beside them must be "
                "adjacent, not separated by a slice, None or '...' (awkward refuses it too; NumPy "
                "would move their dimension first); index in two steps, e.g. x[0][:, [0, 1]]"
            )
            raise NotImplementedError(msg)
        group = [0]
    if len(arrays) > 1 and any(items[i][0] == "array" and items[i][2] is not None for i in arrays):
        msg = (
            f"{_NAME}: on a ragged array a boolean array cannot be combined with other integer arrays "
            "(awkward has no consistent rule for it); pass np.flatnonzero(mask) for NumPy's meaning"
        )
        raise NotImplementedError(msg)
    k = _broadcast([items[i] for i in group])
    in_rag = [i for i in group if i < len(rag)]
    if not any(items[i][0] in _ARRAYS for i in in_rag):
        return rag, inner  # integers, then arrays on the regular dims: _regular pairs those
    parts = tuple(
        # (traced values, on a bounded array, stay as they are: the bounded walk broadcasts them)
        (np.broadcast_to(c[1], (k,)) if c[0] in ("int", "array") else c[1], c[2] if c[0] == "array" else None)
        for c in map(items.__getitem__, in_rag)
    )
    rag = [*rag[: in_rag[0]], ("paired", parts, k), *rag[in_rag[-1] + 1 :]]
    n_inner = len(group) - len(in_rag)
    if n_inner:
        inner = [("paired-inner", tuple(inner[:n_inner]), k), *inner[n_inner:]]
    return rag, inner


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


def _wrap(local: np.ndarray, lens: Any, sel: Any, d: int) -> np.ndarray:
    """Negative indices counted from the end; IndexError naming the first list out of range
    (``sel``: the lists' numbers, None for lists 0, 1, ..., False for a regular axis)."""
    j = np.where(local < 0, local + lens, local)
    bad = (j < 0) | (j >= lens)
    if bad.any():
        b = int(np.argmax(bad))
        item = None if sel is False else b if sel is None else int(sel[b])
        raise out_of_range(d, item, int(local[b]), int(np.broadcast_to(lens, local.shape)[b]))
    return j


def _host_part(c: Any, size: int, axis: int) -> np.ndarray:
    """An integer or a host integer array (mask) on a regular axis of length ``size``, checked and
    wrapped on the host: JAX would clamp an index out of range instead of raising."""
    if c[0] == "array" and c[2] is not None and c[2] != size:
        raise mask_mismatch(c[2], axis, None, size)
    return _wrap(np.asarray([c[1]] if c[0] == "int" else c[1], dtype=np.int64), size, False, axis)


def _walk(levels: list[Segments], items: list[Any], d: int = 0, sel: Any = None) -> tuple[list[Any], Any]:
    """Apply ``items`` to the ragged dims from depth ``d``; returns result levels and elements."""
    out: list[Any] = []
    for c in items:
        kind = c[0]
        if kind == "newaxis":
            n = (1 if d == 0 else levels[d - 1].size) if sel is None else len(sel)
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
        elif kind == "paired":
            # k picks per selected list; part t picks, within the item part t - 1 reached, the
            # child at depth d + t: NumPy's advanced indices broadcast together
            _, parts, k = c
            n = len(lens)
            ids = np.repeat(np.arange(n, dtype=np.int64) if sel is None else sel, k)
            node_starts, node_lens = np.repeat(starts, k), np.repeat(lens, k)
            for t, (idx, mask_length) in enumerate(parts):
                if t:
                    node_starts, node_lens = levels[d + t].offsets[:-1][ids], levels[d + t].lengths[ids]
                if mask_length is not None and (node_lens != mask_length).any():
                    b = int(np.argmax(node_lens != mask_length))
                    raise mask_mismatch(mask_length, d + t, int(ids[b]), int(node_lens[b]))
                ids = node_starts + _wrap(np.tile(idx, n), node_lens, ids, d + t)
            sel = ids
            out.append(np.arange(n + 1, dtype=np.int64) * k)
            d += len(parts) - 1
        else:  # pragma: no cover - classified earlier
            raise AssertionError(kind)
        d += 1
    below, sel = descend(levels, d, sel)
    return out + below, sel


def _ragged(s: Structure, index: RaggedArray) -> tuple[list[Any], Any, Any]:
    """Levels and selected elements for a ragged index array in first position.

    Returns ``(levels, sel, ok)``; when the index is traced, ``sel`` is a device array and ``ok``
    says which of its entries are in range (None otherwise).
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
        return [top, *s.levels[: k - 1], offsets], np.flatnonzero(mask), None
    if dtype.kind not in "iu":
        msg = f"{_NAME}: a ragged index must hold integers or booleans, not {dtype}"
        raise TypeError(msg)
    seg, ilev = s.levels[k - 1], si.levels[-1]
    starts, lens = ilev.cached(
        ("ragged-index", seg), lambda: (seg.offsets[:-1][ilev.ids], seg.lengths[ilev.ids])
    )
    levels = [top, *si.levels]
    if b.is_concrete(index._content):
        local = b.to_numpy(index._content).astype(np.int64)
        return levels, starts + _wrap(local, lens, ilev.ids, k), None
    # traced values: the gather index is list start + local index, built on the device
    local = index._content
    starts_d = b.index(ilev, ("ragged-start", seg), starts, local)
    lens_d = b.index(ilev, ("ragged-lens", seg), lens, local)
    j, ok = device_wrap(b, local, lens_d, int(lens.max(initial=0)), starts_d.dtype)
    return levels, b.xp.where(ok, starts_d + j, 0), ok


# ---- regular dims (and arrays with no ragged dimension): NumPy's rules as takes ---------------
def _regular(b: Any, content: Any, lead: int, items: list[Any], axis0: int) -> Any:
    """``content`` indexed by ``items`` after ``lead`` untouched dims, as NumPy indexes, the same on
    every backend: slices as takes (torch has no negative steps), integers and arrays checked on
    the host (JAX would clamp them), and the advanced indices, once an array is among them, as one
    take of their flattened dims (torch places them unlike NumPy when a slice separates them).
    ``axis0`` is the number of the first indexed dim, for messages."""
    xp = b.xp
    items = items + [("slice", None, None, 1)] * (len(content.shape) - lead - sum(map(_consumes, items)))
    pos = [i for i, c in enumerate(items) if c[0] in _ADVANCED]
    arrays = any(items[i][0] != "int" for i in pos)
    k = _broadcast([items[i] for i in pos]) if arrays else 1
    axis, axes, index, ok, dims, key = lead, [], [], None, [], []
    for i, c in enumerate(items):
        if c[0] == "newaxis":
            dims.append("new")
            key.append(None)
            continue
        size = int(content.shape[axis])
        if c[0] == "slice":
            if c[1:] != (None, None, 1):
                picks = np.arange(*slice(*c[1:]).indices(size))
                content = xp.moveaxis(b.take(xp.moveaxis(content, axis, 0), picks, None, None), 0, axis)
            dims.append("dim")
            key.append(slice(None))
        else:
            if c[0] == "traced-array":
                j, good = device_wrap(b, c[1], size, size, b.default_int())
                index.append(xp.broadcast_to(j, (k,)))
                good = xp.broadcast_to(good, (k,))
                ok = good if ok is None else ok & good
            else:
                j = _host_part(c, size, axis0 + axis - lead)
                index.append(np.broadcast_to(j, (k,)))
                key.append(int(j[0]) if c[0] == "int" else None)
            axes.append(axis)
            dims += ["adv"] if i == pos[0] else []
        axis += 1
    if not arrays:  # integers alone are basic indices: each takes its dim away
        return content[(slice(None),) * lead + tuple(key)]
    # the advanced dims moved first and flattened: one take, then their dim goes where NumPy puts it
    if axes != list(range(len(axes))):
        content = xp.moveaxis(content, tuple(axes), tuple(range(len(axes))))
    sizes = tuple(content.shape[: len(axes)])
    content = xp.reshape(content, (math.prod(sizes), *content.shape[len(axes) :]))
    flat = index[0]
    for j, size in zip(index[1:], sizes[1:]):
        flat = flat * size + j
    if ok is None:
        content = b.take(content, flat, None, None)
    else:
        content = filled(b, xp.take(content, xp.where(ok, flat, 0), axis=0), ok)
    if pos[-1] - pos[0] + 1 != len(pos):  # separated by a slice or None: NumPy puts them first
        dims = ["adv", *(t for t in dims if t != "adv")]
    content = xp.moveaxis(content, 0, lead + [t for t in dims if t != "new"].index("adv"))
    for p, t in enumerate(dims):
        if t == "new":
            content = xp.expand_dims(content, axis=lead + p)
    return content


# ---- the entry point ------------------------------------------------------------------------
@provide("getitem")
def getitem(x: RaggedArray, key: Any) -> Any:
    """``x[key]``: awkward's semantics, NumPy's advanced indexing (see the module docstring).

    Leading batch dims are indexed like NumPy's. Integer arrays broadcast together, boolean
    arrays must have the length of the dimension they index, and under ``jax.jit`` a traced
    integer index out of range gives ``jnp.take(..., mode="fill")``'s fill value (NaN for floats)
    with a zero gradient, list by list, instead of raising.

    >>> import raggrad as rg
    >>> x = rg.array([[1, 2, 3], [], [4, 5]])
    >>> x[[0, 2], [0, 1]].to_list()
    [1, 5]
    >>> x[:, ::-1].to_list()
    [[3, 2, 1], [], [5, 4]]
    """
    backend = x._backend
    raw = list(key) if isinstance(key, tuple) else [key]
    on_device = bounded.wants_bounded(x, raw)  # list lengths as data: raggrad._ops.indexing_bounded
    classified = [(on_device and bounded.classify(item)) or _classify(item, backend) for item in raw]
    items = _expand_ellipsis(classified, x.ndim)
    nb, s, content = x._nbatch, x._structure, x._content
    # leading batch dims: ordinary NumPy indexing of the content
    if nb:
        batch: list[Any] = []
        used = 0
        while items and used < nb:
            c = items.pop(0)
            if c[0] not in ("int", "slice", "newaxis"):
                msg = f"{_NAME}: only integers, slices and None can index the batch dims of {x.type!r}"
                raise NotImplementedError(msg)
            if c[0] == "int":
                _host_part(c, int(content.shape[used]), used)
            batch.append(None if c[0] == "newaxis" else c[1] if c[0] == "int" else slice(*c[1:]))
            used += c[0] != "newaxis"
        content = content[tuple(batch)]
        nb = len(content.shape) - 1 - len(s.inner)
    kinds = {c[0] for c in items}
    if not s.nlevels and kinds & {"array", "traced-array"} and "ragged" not in kinds and not on_device:
        traced = [c[1] for c in items if c[0] == "traced-array"]
        backend = _backends.backend_of(traced[0]) if traced else backend
        content = _regular(backend, on(backend, content), nb, items, 0)
        return wrap(Structure(int(content.shape[nb]), (), ()), content, nb)
    # split the structured items into the ragged part (outer + levels) and the inner part
    nrag = s.nlevels + 1
    rag: list[Any] = []
    used = 0
    while items and used < nrag:
        c = items.pop(0)
        if c[0] == "ragged" and used:
            msg = f"{_NAME}: a ragged index array must come first (before any dimension is indexed)"
            raise NotImplementedError(msg)
        if c[0] == "traced-array" and not on_device:
            check_concrete(_backends.backend_of(c[1]), c[1], _NAME, "an integer array on a ragged array")
        rag.append(c)
        used += _consumes(c)
    inner = items
    if on_device:
        rag, inner = _pair(*bounded.prepare(rag, inner))
        content = backend.xp.moveaxis(content, nb, 0) if nb else content
        out_structure, content, inner, backend = bounded.select(x, content, rag, inner, raw, nb)
    else:
        out_structure, content, inner, backend = _select(x, content, nb, rag, inner, backend)
    if inner and inner[0][0] == "paired-inner":
        # arrays on the regular dims paired with the ragged ones: the walk laid out k picks per
        # selected list, so element r of the result takes position r % k of each
        _, group, k = inner.pop(0)
        m = int(content.shape[0])
        items = [("array", np.arange(m), None), *[("slice", None, None, 1)] * nb]
        for t, c in enumerate(group):
            items.append(
                ("array", np.resize(np.broadcast_to(_host_part(c, s.inner[t], nrag + t), k), m), None)
            )
        content = _regular(backend, content, 0, items + inner, nrag - 1 - nb)
    elif inner:
        content = _regular(backend, content, 1 + nb, inner, nrag)
    if out_structure is None:  # no structured dimension left
        content = content[0]
        if len(content.shape) == 0:
            return content
        return wrap(None, content)
    if nb:
        content = backend.xp.moveaxis(content, 0, nb)
    return RaggedArray._new(out_structure.with_inner(tuple(content.shape[nb + 1 :])), content)


def _select(x: RaggedArray, content: Any, nb: int, rag: list[Any], inner: list[Any], backend: Any) -> Any:
    """The walk of an exact array: the result's structure, the gathered content (element axis
    first), the inner items left and the backend the result is on."""
    s, nrag = x._structure, x._structure.nlevels + 1
    if any(c[0] in ("ragged", "traced-array") for c in inner):
        msg = f"{_NAME}: regular inner dimensions can only take integers, slices, None or NumPy arrays"
        raise IndexError(msg)
    rag, inner = _pair(rag, inner)

    ok = cache = None
    if rag and rag[0][0] == "ragged":
        index = rag[0][1]
        levels, sel, ok = _ragged(s, index)
        d = index._structure.nlevels + 1
        if ok is None:
            more, sel = _walk(ext(s), rag[1:], d, sel)
            levels += more
        else:
            if d < nrag or len(rag) > 1:
                what = "a ragged integer index that selects whole sublists"
                check_concrete(index._backend, index._content, _NAME, what)
            backend = index._backend
        plan = (from_levels(levels), sel)
    elif any(c[0] == "paired" for c in rag):
        plan = _plan(s, rag)
    else:
        cache = ("getitem", tuple(rag))
        plan = s.cached(cache, lambda: _plan(s, rag))
    out_structure, sel = plan
    if nb:
        content = backend.xp.moveaxis(content, nb, 0)
    if ok is not None:
        content = filled(backend, backend.xp.take(on(backend, content), sel, axis=0), ok)
    elif sel is not None:
        # a selection that depends on values (an integer array, a mask) is not cached
        content = backend.take(content, sel, s if cache is not None else None, cache)
    return out_structure, content, inner, backend


def _plan(s: Structure, rag: list[Any]) -> tuple[Structure | None, np.ndarray | None]:
    levels, sel = _walk(ext(s), rag)
    return from_levels(levels), sel
