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

import operator
from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray, exact_structure, wrap
from .._backends._base import UNCACHED
from .._bounded import BoundedStructure
from .._errors import OptionTypeError, check_concrete
from .._options import all_masks, element_mask
from .._registry import provide
from .._structure import Segments, Structure, descend, ext, offsets_from_lengths, ranges
from . import indexing_bounded as bounded
from .indexing_bounded import NAME as _NAME
from .indexing_bounded import mask_mismatch
from .indexing_keys import (
    MASK_ALTERNATIVE,
    classify,
    consumes,
    dense_nd,
    expand_ellipsis,
    host_part,
    list_free,
    pair,
    regular,
    wrap_local,
)
from .indexing_sources import device_wrap, filled, host_local, on
from .option_gather import HOLE, both, build, lists, pick, take
from .option_gather import descend as masked_descend

__all__ = ["getitem"]


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
            return cast(np.ndarray, np.maximum(v + L, lower))
        return cast(np.ndarray, np.minimum(v, upper))

    a = bound(start, lower if step > 0 else upper)
    b = bound(stop, upper if step > 0 else lower)
    if step > 0:
        count = np.maximum((b - a + step - 1) // step, 0)
    else:
        count = np.maximum((a - b - step - 1) // (-step), 0)
    return a, count, step


def _alive_children(
    starts: np.ndarray, lens: np.ndarray, local: np.ndarray, alive: Any, sel: Any, d: int, soft: bool
) -> np.ndarray:
    """Children at positions ``local`` of the lists ``(starts, lens)``, negative ones from the end:
    global indices, holes where a list is absent (``alive`` False) or, ``soft``, too short;
    ``IndexError`` names a present list out of range (``sel``: the lists' numbers, for it)."""
    if alive is None and not soft:
        return cast(np.ndarray, starts + wrap_local(local, lens, sel, d))
    ok = np.ones(len(lens), dtype=np.bool_) if alive is None else np.array(alive, dtype=np.bool_)
    if soft:
        j = np.where(local < 0, local + lens, local)
        ok &= (j >= 0) & (j < lens)
    idx = np.flatnonzero(ok)
    out = np.full(len(lens), HOLE, dtype=np.int64)
    out[idx] = starts[idx] + wrap_local(local[idx], lens[idx], idx if sel is None else sel[idx], d)
    return out


def _picked(mask: Any, sel: np.ndarray, parents: Any) -> Any:
    """Presence of the items ``sel`` picked, one in each list whose presence was ``parents``:
    an option type where either is one, as awkward types ``x[:, 0]`` of ``option[var * T]``."""
    out = pick(mask, sel)
    return sel >= 0 if out is None and parents is not None else out


def _walk(
    levels: list[Segments],
    items: list[Any],
    d: int = 0,
    sel: Any = None,
    masks: Any = None,
    cur: Any = None,
) -> tuple[list[Any], list[Any], Any, Any]:
    """Apply ``items`` to the ragged dims from depth ``d``; returns the result's levels, their
    masks, its elements and the presence of the item that is the result when no level is left.

    ``masks`` (the source's, one per depth; None: no option type anywhere and no hole can arise)
    makes the walk track ``cur``, the presence of the selected items: a missing list (or a hole)
    gives missing results where an integer picks in it, and no children.
    """
    out: list[Any] = []
    out_masks: list[Any] = []
    top = None
    dead = False  # an item indexed into is missing: the result is None, whatever follows
    track = masks is not None
    for c in items:
        kind = c[0]
        if kind == "newaxis":
            n = (1 if d == 0 else levels[d - 1].size) if sel is None else len(sel)
            out.append(np.arange(n + 1, dtype=np.int64))
            if track:  # the selected items, each in a list of its own (present)
                out_masks[-1:] = [None] * len(out_masks[-1:])
                out_masks.append(cur)
                top = top if dead else None
            continue
        dead = dead or (track and top is not None and not top.all())
        seg = levels[d]
        starts, lens = lists(seg, sel)  # a hole (-1) is an empty list
        if track and sel is not None and cur is not None:
            lens = np.where(cur, lens, 0)  # missing lists and holes have no children
        if kind == "slice" and c[1] is None and c[2] is None and c[3] == 1:
            if sel is None:
                out.append(seg)
            else:
                offsets, sel = ranges(starts, lens)
                out.append(offsets)
            if track:
                cur = pick(masks[d], sel)
                out_masks.append(cur)
        elif kind == "slice":
            a, count, step = _slice_bounds(c, lens)
            offsets, sel = ranges(starts + a, count, step)
            out.append(offsets)
            if track:
                cur = pick(masks[d], sel)
                out_masks.append(cur)
        elif kind == "int":
            local = np.full(len(lens), c[1], dtype=np.int64)
            sel = _alive_children(starts, lens, local, cur, sel, d, len(c) > 2)
            if track:  # an item picked in a list that may be missing may be missing (option type)
                cur = _picked(masks[d], sel, cur)
                if out_masks:
                    out_masks[-1] = cur
                else:
                    top = cur
        elif kind == "paired":
            # k picks per selected list; part t picks, within the item part t - 1 reached, the
            # child at depth d + t: NumPy's advanced indices broadcast together
            _, parts, k = c
            rows = np.arange(len(lens), dtype=np.int64) if sel is None else sel
            offsets = np.arange(len(lens) + 1, dtype=np.int64) * k
            if cur is not None and not cur.all():  # a missing list gets no picks: it stays empty
                offsets = offsets_from_lengths(np.where(cur, k, 0))
                live = np.flatnonzero(cur)
                rows, starts, lens = rows[live], starts[live], lens[live]
            n = len(lens)
            first = parts[0][1]  # a mask's length, checked on every list (no pick may reach one)
            if first is not None and (lens != first).any():
                b = int(np.argmax(lens != first))
                raise mask_mismatch(first, d, int(rows[b]), int(lens[b]))
            ids = np.repeat(rows, k)
            alive = None
            node_starts, node_lens = np.repeat(starts, k), np.repeat(lens, k)
            for t, part in enumerate(parts):
                idx, mask_length = part[0], part[1]
                if t:
                    node_starts, node_lens = lists(levels[d + t], ids)
                    if alive is not None:
                        node_lens = np.where(alive, node_lens, 0)
                wrong = node_lens != mask_length if mask_length is not None else None
                if wrong is not None and alive is not None:
                    wrong &= alive
                if wrong is not None and wrong.any():
                    b = int(np.argmax(wrong))
                    raise mask_mismatch(mask_length, d + t, int(ids[b]), int(node_lens[b]))
                given = part[2] if len(part) > 2 else None  # the index's own missing values
                alive = both(alive, None if given is None else np.tile(given, n))
                ids = _alive_children(node_starts, node_lens, np.tile(idx, n), alive, ids, d + t, False)
                if track:
                    alive = _picked(masks[d + t], ids, alive)
            sel, cur = ids, alive
            out.append(offsets)
            if track:
                out_masks.append(cur)
                top = None
            d += len(parts) - 1
        else:  # pragma: no cover - classified earlier
            raise AssertionError(kind)
        d += 1
    if not track:
        below, sel = descend(levels, d, sel)
        return out + below, [None] * (len(out) + len(below)), sel, None
    below, below_masks, sel = masked_descend(levels, masks, d, sel)
    return out + below, out_masks + below_masks, sel, False if dead else top


def _ragged(s: Structure, index: RaggedArray) -> tuple[list[Any], list[Any], Any, Any, Any]:
    """Levels and selected elements for a ragged index array in first position.

    Returns ``(levels, masks, sel, cur, ok)``: ``masks`` those of the levels (None: no missing
    values), ``cur`` the presence of the items ``sel``; when the index is traced, ``sel`` is a
    device array and ``ok`` says which of its entries are in range (None otherwise).
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
    if dtype.kind not in "biu":
        msg = f"{_NAME}: a ragged index must hold integers or booleans, not {dtype}"
        raise TypeError(msg)
    if s.masks is not None or si.masks is not None:
        return _ragged_options(s, index, dtype.kind == "b")
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
        check_concrete(b, index._content, _NAME, "a boolean mask", MASK_ALTERNATIVE)
        mask = b.to_numpy(index._content)
        last = si.levels[-1]
        counts = np.bincount(last.ids[mask], minlength=last.n)
        offsets = offsets_from_lengths(counts)
        return [top, *s.levels[: k - 1], offsets], [None] * (k + 1), np.flatnonzero(mask), None, None
    seg, ilev = s.levels[k - 1], si.levels[-1]
    starts, lens = ilev.cached(
        ("ragged-index", seg), lambda: (seg.offsets[:-1][ilev.ids], seg.lengths[ilev.ids])
    )
    levels = [top, *si.levels]
    if b.is_concrete(index._content):
        local = host_local(b, index._content)
        return levels, [None] * (k + 1), starts + wrap_local(local, lens, ilev.ids, k), None, None
    # traced values: the gather index is list start + local index, built on the device
    local = index._content
    starts_d = b.index(ilev, ("ragged-start", seg), starts, local)
    lens_d = b.index(ilev, ("ragged-lens", seg), lens, local)
    j, ok = device_wrap(b, local, lens_d, int(lens.max(initial=0)), starts_d.dtype)
    return levels, [None] * (k + 1), b.xp.where(ok, starts_d + j, 0), None, ok


def _ragged_options(s: Structure, index: RaggedArray, is_mask: bool) -> tuple[Any, ...]:
    """:func:`_ragged` where the array or the index has missing values (awkward's rules): a list
    missing in either gives a missing list whatever the other holds there, a None in a mask keeps
    its position as None, a None among integers gives None. Lists present in both must match
    (all of a mask's levels, all but the innermost of an integer index's)."""
    si, k, b = index._structure, index._structure.nlevels, index._backend
    sm, im = all_masks(s), all_masks(si)
    if si.length != s.length:
        msg = f"{_NAME}: the index of type {index.type!r} has {si.length} lists, the array {s.length}"
        raise ValueError(msg)
    levels, masks = [ext(s)[0]], [both(im[0], sm[0])]
    ix = sx = np.arange(s.length, dtype=np.int64)
    for t in range(k):  # the lists at depth t, alive where present in both
        alive = masks[-1]
        iseg, xseg = si.levels[t], s.levels[t]
        li, lx = iseg.lengths[ix], xseg.lengths[sx]
        if alive is not None:
            li, lx = np.where(alive, li, 0), np.where(alive, lx, 0)
        if (t < k - 1 or is_mask) and (li != lx).any():
            i = int(np.argmax(li != lx))
            msg = (
                f"{_NAME}: the index of type {index.type!r} does not match the array's lists: list "
                f"{i} at axis {t + 1} has length {int(li[i])} in the index and {int(lx[i])} in the array"
            )
            raise ValueError(msg)
        offsets, ix = ranges(iseg.offsets[:-1][ix], li)
        parents = np.repeat(sx, li)
        if t < k - 1:
            _, sx = ranges(xseg.offsets[:-1][sx], li)
            levels.append(offsets)
            masks.append(both(pick(im[t + 1], ix), pick(sm[t + 1], sx)))
    given = pick(im[k], ix)  # the index's own missing values
    if is_mask:
        check_concrete(b, index._content, _NAME, "a boolean mask", MASK_ALTERNATIVE)
        keep = b.to_numpy(index._content)[ix]
        if given is not None:
            keep = keep | ~given
        kept = np.flatnonzero(keep)
        _, children = ranges(xseg.offsets[:-1][sx], li)
        sel = children[kept] if given is None else np.where(given[kept], children[kept], HOLE)
        owner = np.repeat(np.arange(len(li), dtype=np.int64), li)[kept]
        levels.append(offsets_from_lengths(np.bincount(owner, minlength=len(li))))
        cur = pick(sm[k], sel)
        return levels, [*masks, cur], sel, cur, None
    levels.append(offsets)
    starts, lens = xseg.offsets[:-1][parents], xseg.lengths[parents]
    if b.is_concrete(index._content):
        local = host_local(b, index._content)[ix]
        sel = _alive_children(starts, lens, local, given, None, k, False)
        cur = pick(sm[k], sel)
        return levels, [*masks, cur], sel, cur, None
    if sm[k] is not None:  # which items come out missing depends on the traced values
        check_concrete(
            b,
            index._content,
            _NAME,
            "a ragged integer index into items that may be missing",
            "Under jax.jit fill the missing items first (rg.fill_none(x, value), e.g. -inf "
            "before an argmax) or index outside jit.",
            "which results are None depends on the items it picks",
        )
    like = index._content
    local = b.xp.take(like, b.index(UNCACHED, None, ix, like), axis=0)
    starts_d, lens_d = b.index(UNCACHED, None, starts, like), b.index(UNCACHED, None, lens, like)
    j, ok = device_wrap(b, local, lens_d, int(lens.max(initial=0)), starts_d.dtype)
    if given is not None:
        ok = ok & b.xp.astype(b.index(UNCACHED, None, given, like), b.xp.bool)
    return levels, [*masks, given], b.xp.where(ok, starts_d + j, 0), given, ok


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
    s = x._structure
    if isinstance(s, BoundedStructure) and s.stacked:
        return _member(x, key)
    raw = list(key) if isinstance(key, tuple) else [key]
    if (free := list_free(x)) and (dense := dense_nd(x, raw)) is not None:
        return dense  # n-d arrays in the key: NumPy's indexing of a list-free array
    on_device = bounded.wants_bounded(x, raw)  # list lengths as data: raggrad._ops.indexing_bounded
    classified = [(on_device and bounded.classify(item)) or classify(item, x._backend) for item in raw]
    new = next((i for i, c in enumerate(classified) if c[0] != "newaxis"), len(classified))
    if 0 < new < len(classified) and classified[new][0] == "ragged":  # x[None, mask]: around x[mask]
        return getitem(_getitem(x, classified[new:], raw[new:], on_device), (None,) * new)
    if new and free and _in_front(classified[new:]):
        # NumPy's x[None] of a list-free array: regular axes in front, as NumPy's (not a list)
        out = getitem(x, tuple(raw[new:])) if raw[new:] else x
        content = x._backend.xp.asarray(out._content if isinstance(out, RaggedArray) else out)
        shape = (*(1,) * new, *content.shape)
        return RaggedArray._new(Structure(1, (), shape[1:]), x._backend.xp.reshape(content, shape))
    return _getitem(x, classified, raw, on_device)


def _in_front(rest: list[Any]) -> bool:
    """Whether new axes before ``rest`` stay in front under NumPy's rule: unless advanced indices
    (arrays, and integers beside them) are apart, which puts their dims first."""
    picks = [i for i, c in enumerate(rest) if c[0] not in ("slice", "newaxis", "ellipsis")]
    arrays = any(c[0] not in ("slice", "newaxis", "ellipsis", "int") for c in rest)
    return not arrays or picks == list(range(picks[0], picks[-1] + 1))


def _member(x: RaggedArray, key: Any) -> RaggedArray:
    """``stack[i]``: member ``i`` of a stack of bounded arrays (``rg.stack``), a static integer."""
    n = int(x._content.shape[0])
    msg = (
        f"x[{key!r}]: a stack of {n} bounded arrays (rg.stack) takes one integer index, its "
        "member; take the members apart with rg.unstack, or map over them with jax.vmap"
    )
    try:
        i = operator.index(key) if not isinstance(key, bool | np.bool_) else None
    except TypeError:
        i = None
    if i is None:
        raise TypeError(msg)
    if not -n <= i < n:
        raise IndexError(msg)
    return RaggedArray._new(cast(BoundedStructure, x._structure).member(i), x._content[i])


def pick_or_none(x: RaggedArray, axis: int, which: int) -> Any:
    """``x[:, ..., which]`` at ``axis`` (``which`` an int), a list too short for it giving None
    (``rg.firsts``/``rg.lasts`` without ``fill_value``)."""
    return _getitem(x, [*[("slice", None, None, 1)] * axis, ("int", which, "or None")], [], False)


def _optional(c: Any) -> bool:
    """Whether index item ``c`` can make results missing: an index with missing values, or an
    integer that gives None where a list is too short."""
    if c[0] == "ragged":
        return c[1]._structure.masks is not None
    if c[0] == "paired":
        return any(len(part) > 2 for part in c[1])
    return (c[0] == "array" and len(c) > 3) or (c[0] == "int" and len(c) > 2)


def _getitem(x: RaggedArray, classified: list[Any], raw: list[Any], on_device: bool) -> Any:
    backend = x._backend
    items = expand_ellipsis(classified, x.ndim)
    nb, s, content = x._nbatch, x._structure, x._content
    options = s.masks is not None or any(map(_optional, items))
    if options and on_device:
        msg = (
            f"{_NAME}: bounded arrays hold no missing values (None), and a traced index of an array "
            "with missing values would make one; fill them first (rg.fill_none) or index with "
            "concrete values"
        )
        raise OptionTypeError(msg)
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
                host_part(c, int(content.shape[used]), used)
            batch.append(None if c[0] == "newaxis" else c[1] if c[0] == "int" else slice(*c[1:]))
            used += c[0] != "newaxis"
        content = content[tuple(batch)]
        nb = len(content.shape) - 1 - len(s.inner)
    kinds = {c[0] for c in items}
    if (
        not s.nlevels
        and kinds & {"array", "traced-array"}
        and "ragged" not in kinds
        and not on_device | options
    ):
        traced = [c[1] for c in items if c[0] == "traced-array"]
        backend = cast(_backends.Backend, _backends.backend_of(traced[0])) if traced else backend
        content = regular(backend, on(backend, content), nb, items, 0)
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
        used += consumes(c)
    inner = items
    if on_device:
        rag, inner = pair(*bounded.prepare(rag, inner))
        content = backend.xp.moveaxis(content, nb, 0) if nb else content
        out_structure, content, inner, backend = bounded.select(x, content, rag, inner, raw, nb)
    else:
        out_structure, content, inner, backend = _select(x, content, nb, rag, inner, backend)
        if out_structure is False:  # the item picked is missing
            return _missing(x, inner)
    inner = [c[:2] if c[0] == "int" else c for c in inner]  # a regular dim is never too short
    if any(map(_optional, inner)):
        msg = f"{_NAME}: an index with missing values (None) on a regular dimension is not supported"
        raise OptionTypeError(msg)
    if inner and inner[0][0] == "newaxis" and out_structure and element_mask(out_structure) is not None:
        # awkward wraps each element, a missing one too, in a list ([None]); a regular dim here
        # would make the whole list missing instead
        msg = (
            f"{_NAME}: a new axis (None) right below elements that may be missing is not supported; "
            "fill them first (rg.fill_none) or add the axis with rg.unflatten(x, 1, axis=-1)"
        )
        raise OptionTypeError(msg)
    if inner and inner[0][0] == "paired-inner":
        # arrays on the regular dims paired with the ragged ones: the walk laid out k picks per
        # selected list, so element r of the result takes position r % k of each
        _, group, k = inner.pop(0)
        m = int(content.shape[0])
        items = [("array", np.arange(m), None), *[("slice", None, None, 1)] * nb]
        for t, c in enumerate(group):
            items.append(
                ("array", np.resize(np.broadcast_to(host_part(c, s.inner[t], nrag + t), k), m), None)
            )
        content = regular(backend, content, 0, items + inner, nrag - 1 - nb)
    elif inner:
        content = regular(backend, content, 1 + nb, inner, nrag)
    if out_structure is None:  # no structured dimension left
        content = content[0]
        if len(content.shape) == 0:
            return content
        return wrap(None, content)
    if nb:
        content = backend.xp.moveaxis(content, 0, nb)
    return RaggedArray._new(out_structure.with_inner(tuple(content.shape[nb + 1 :])), content)


def _missing(x: RaggedArray, inner: list[Any]) -> Any:
    """A missing item picked: None, or awkward's ``[None]`` where one new axis follows."""
    if not inner or inner[0][0] != "newaxis":
        return None
    if len(inner) > 1:
        msg = f"{_NAME}: a missing item with more than a new axis after it is not supported"
        raise OptionTypeError(msg)
    s, xp = x._structure, x._backend.xp
    content = xp.zeros((1, *s.inner), dtype=x._content.dtype)
    return RaggedArray._new(Structure(1, (), s.inner, (np.zeros(1, dtype=np.bool_),)), content)


def _select(x: RaggedArray, content: Any, nb: int, rag: list[Any], inner: list[Any], backend: Any) -> Any:
    """The walk of an exact array: the result's structure, the gathered content (element axis
    first), the inner items left and the backend the result is on."""
    s, nrag = exact_structure(x), x._structure.nlevels + 1
    if any(c[0] in ("ragged", "traced-array") for c in inner):
        msg = f"{_NAME}: regular inner dimensions can only take integers, slices, None or NumPy arrays"
        raise IndexError(msg)
    rag, inner = pair(rag, inner)
    track = s.masks is not None or any(map(_optional, rag))

    ok = cache = cur = None
    if rag and rag[0][0] == "ragged":
        index = rag[0][1]
        levels, masks, sel, cur, ok = _ragged(s, index)
        d = index._structure.nlevels + 1
        if ok is None:
            more, more_masks, sel, _ = _walk(ext(s), rag[1:], d, sel, all_masks(s) if track else None, cur)
            levels, masks = levels + more, masks + more_masks
        else:
            if d < nrag or len(rag) > 1:
                what = "a ragged integer index that selects whole sublists"
                check_concrete(index._backend, index._content, _NAME, what)
            backend = index._backend
        plan = (build(levels, masks), sel, None)
    elif any(c[0] == "paired" for c in rag):
        plan = _plan(s, rag, track)
    else:
        cache = ("getitem", tuple(rag))
        plan = s.cached(cache, lambda: _plan(s, rag, track))
    out_structure, sel, top = plan
    if top is False:  # inside a missing item: nothing for the inner items to wrap
        return False, content, [], backend
    if top is not None and not top[0]:
        return False, content, inner, backend
    if nb:
        content = backend.xp.moveaxis(content, nb, 0)
    if ok is not None:
        content = filled(backend, backend.xp.take(on(backend, content), sel, axis=0), ok)
        if cur is not None:  # a None in the index: zero content, as every missing element has
            kept = backend.xp.astype(backend.index(UNCACHED, None, cur, content), backend.xp.bool)
            kept = backend.xp.reshape(kept, (len(cur),) + (1,) * (len(content.shape) - 1))
            content = backend.xp.where(kept, content, backend.xp.zeros_like(content))
    elif sel is not None:
        # a selection that depends on values (an integer array, a mask) is not cached
        content = take(backend, content, sel, s if cache is not None else None, cache)
    return out_structure, content, inner, backend


def _plan(s: Structure, rag: list[Any], track: bool) -> tuple[Structure | None, Any, Any]:
    levels, masks, sel, top = _walk(ext(s), rag, masks=all_masks(s) if track else None)
    return build(levels, masks), sel, top
