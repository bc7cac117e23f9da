"""Missing values (awkward's option types): is_none, fill_none, drop_none, pad_none, mask, singletons.

Which items are missing is structure (``Structure.masks``, :mod:`raggrad._options`), so every op
here works out the result's structure, and at most one gather of the content, on the host with
NumPy from the input's structure alone (and, for :func:`mask`, the concrete mask). The content
moves with one ``take``, ``where`` or concatenation on the backend: every op is differentiable by
composition (a gather transposes to a scatter-add, so a missing slot's gradient is exactly zero),
works under ``jax.jit`` (masks are static aux data) and with torch autograd.

Depths: items at depth 0 are the outer items, at depth ``k`` the items of the lists of ragged
level ``k - 1``; the innermost elements are at depth ``nlevels``. An awkward ``axis`` names the
depth of its items (``axis=0``: the outer items, ``axis=-1``: the innermost).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray, as_ragged, exact_structure
from .._axes import as_index, classify_axis
from .._broadcast import common_backend
from .._convert import content_to
from .._dtypes import check_fits
from .._errors import OptionTypeError, TracedStructureError
from .._options import all_masks
from .._records import fieldwise, reject
from .._registry import Spec, register
from .._structure import Segments, Structure, ext, offsets_from_lengths, ranges
from . import manipulation_bounded as mb
from .common import back, batched, moved, new

__all__ = ["drop_none", "fill_none", "is_none", "mask", "pad_none", "singletons"]

#: the conformance suite draws no missing values yet: these ops are checked against awkward,
#: with derivatives, jit and torch, in tests/test_options.py
_SPEC = Spec(exempt="option types: checked against awkward in tests/test_options.py", derivative="none")
Masks = list[np.ndarray | None]


# ---- arguments ----------------------------------------------------------------------------------
def _single(x: Any, name: str) -> RaggedArray:
    """The array argument: a RaggedArray as it is; lists, NumPy and awkward arrays (with None) parsed."""
    if isinstance(x, RaggedArray):
        return x
    reject(x, name)
    return cast(RaggedArray, as_ragged(x, name, options=True))


def _depth(x: RaggedArray, axis: Any, name: str) -> int:
    """The depth of the items ``axis`` names: 0 (outer) to ``nlevels`` (innermost elements), and
    beyond for a regular inner dimension (whose entries are never missing on their own)."""
    kind, k = classify_axis(x, axis, name)
    if kind == "batch":
        msg = f"{name}: axis={axis} is a batch dimension of {x.type!r}; name a dimension of the lists"
        raise NotImplementedError(msg)
    return {"outer": 0, "level": k + 1, "inner": x._structure.nlevels + 1 + k}[kind]


def _no_bounded(x: RaggedArray, name: str) -> None:
    if mb.is_bounded(x):
        msg = (
            f"{name}: bounded arrays hold no missing values (None); take the exact array with "
            f"rg.trim(x) first, or keep the lists and use rg.where(mask, x, fill)"
        )
        raise NotImplementedError(msg)


def _device_mask(x: RaggedArray, s: Structure, d: int, present: np.ndarray, key: Any) -> Any:
    """``present`` (one bool per item at depth ``d``) on the content's device, shaped to broadcast
    against the content (batch dims in front, inner dims after); cached on ``s`` under ``key``."""
    xp = x._backend.xp
    flag = x._backend.index(s, ("options", key), present, x._content)
    return xp.reshape(flag, (len(present),) + (1,) * len(s.inner))


def _gather(
    x: RaggedArray, structure: Structure, index: np.ndarray | None, owner: Any, key: Any
) -> RaggedArray:
    """The result over ``structure`` whose elements are ``x``'s elements ``index`` (-1: a zero,
    the content of a missing element; None: the content as it is)."""
    if index is None:
        return RaggedArray._new(structure.with_inner(x._structure.inner), x._content)
    backend, nb = x._backend, x._nbatch
    content = moved(x)
    if bool(np.all(index >= 0)):
        content = backend.take(content, index, owner, key)
    else:
        content = backend.take_fill(content, backend.index(owner, key, index, content), 0)
    return new(structure, back(backend, content, nb), nb)


# ---- structure arithmetic: which items stay ------------------------------------------------------
def _select(
    s: Structure, masks: Masks, drop: Masks | None = None, empty: Masks | None = None
) -> tuple[Structure, np.ndarray | None]:
    """``s`` without the items where ``drop[d]`` is True and with the lists where ``empty[d]`` is
    True emptied (their items removed), and the result's ``masks`` (given per item of ``s``).

    Returns the structure and the elements kept (None: all, in order).
    """
    n = s.nlevels
    drop = drop or [None] * (n + 1)
    empty = empty or [None] * (n + 1)
    alive: Masks = [None if drop[0] is None else ~drop[0]]
    for k, seg in enumerate(s.levels):
        parent = alive[k]
        if empty[k] is not None:
            parent = ~cast(np.ndarray, empty[k]) if parent is None else parent & ~cast(np.ndarray, empty[k])
        here = None if parent is None else parent[seg.ids]
        if drop[k + 1] is not None:
            here = ~cast(np.ndarray, drop[k + 1]) if here is None else here & ~cast(np.ndarray, drop[k + 1])
        alive.append(here)
    length = s.length if alive[0] is None else int(alive[0].sum())
    levels: list[Any] = []
    for k, seg in enumerate(s.levels):
        if alive[k] is None and alive[k + 1] is None:
            levels.append(seg)
            continue
        children = seg.ids if alive[k + 1] is None else seg.ids[alive[k + 1]]
        lengths = np.bincount(children, minlength=seg.n)
        levels.append(offsets_from_lengths(lengths if alive[k] is None else lengths[alive[k]]))
    kept = [m if m is None or a is None else m[a] for m, a in zip(masks, alive, strict=True)]
    index = None if alive[n] is None else np.flatnonzero(cast(np.ndarray, alive[n]))
    return Structure(length, tuple(levels), s.inner, tuple(kept)), index


def _then(first: np.ndarray | None, second: np.ndarray | None) -> np.ndarray | None:
    """Two element selections one after the other (-1: a zero, in either)."""
    if first is None or second is None:
        return first if second is None else second
    return np.where(second >= 0, first[np.maximum(second, 0)], -1)


def _concat_offsets(a: Segments, b: Segments) -> np.ndarray:
    return np.concatenate([a.offsets, b.offsets[1:] + a.size])


# ---- is_none ------------------------------------------------------------------------------------
@register("is_none", "structural", awkward="ak.is_none", differentiable=False, options=True, spec=_SPEC)
@fieldwise("one")  # a record's fields share its missing values
def is_none(x: Any, /, axis: int = 0) -> RaggedArray:
    """True for the items at ``axis`` that are missing (None), as ``ak.is_none``.

    ``axis=0`` asks about the outer items; a deeper axis gives one bool per item of the lists
    there, and a missing list above stays None. An entry of a regular inner dimension is never
    missing on its own (False).

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, None], None, []])
    >>> rg.is_none(x).to_list()
    [False, True, False]
    >>> rg.is_none(x, axis=1).to_list()
    [[False, True], None, []]
    """
    name = "rg.is_none"
    x = _single(x, name)
    d = _depth(x, axis, name)
    backend, s, nb = x._backend, x._structure, x._nbatch
    xp = backend.xp
    if mb.is_bounded(x):  # nothing is missing
        kind, k = classify_axis(x, axis, name)
        index = mb.local_index(x, kind, k)
        return RaggedArray._new(index._structure, xp.zeros(index._content.shape, dtype=xp.bool))
    n = s.nlevels
    masks = all_masks(s)
    if d > n:  # inside a regular dimension: the elements' masks stay
        shape = (s.size, *s.inner[: d - n])
        content = xp.zeros(shape, dtype=xp.bool)
        structure = Structure(s.length, s.levels, s.inner[: d - n], s.masks)
    else:
        present = masks[d]
        missing = np.zeros(s.count_at(d), dtype=np.bool_) if present is None else ~present
        content = backend.index(s, ("options", "is_none", d), missing, x._content)
        structure = Structure(s.length, s.levels[:d], (), (*masks[:d], None))
    return new(structure, batched(backend, content, x._batch), nb)


# ---- fill_none ----------------------------------------------------------------------------------
@register("fill_none", "elementwise", awkward="ak.fill_none", options=True, spec=_SPEC)
def fill_none(x: Any, value: Any, /, axis: int | None = -1) -> RaggedArray:
    """Replace the missing items at ``axis`` (None: at every depth) with ``value``, as ``ak.fill_none``.

    Missing numbers take a scalar ``value`` (or an array that broadcasts to a regular inner
    element); the dtype follows the backend's promotion with a Python scalar as a weak type
    (NumPy 2, ``jax.numpy``): a float32 array filled with ``0.0`` stays float32 where awkward gives
    float64. The gradient flows to the present values and, where ``value`` is traced (``jax.grad``
    with respect to it), to ``value`` once per slot filled.

    Missing lists take a list: ``value=[]`` makes them empty lists, ``value=[0.0]`` a list holding
    ``0.0``. A number in place of a list would be a union type (awkward's
    ``union[var * float64, int64]``), which raggrad does not hold: that raises ``TypeError``.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, None], None, [2.0]])
    >>> rg.fill_none(x, 0.0).to_list()
    [[1.0, 0.0], None, [2.0]]
    >>> rg.fill_none(x, [], axis=0).to_list()
    [[1.0, None], [], [2.0]]
    >>> rg.fill_none(rg.fill_none(x, [], axis=0), -1.0).type
    '3 * var * float64'
    """
    name = "rg.fill_none"
    x = _single(x, name)
    s = x._structure
    depths = range(s.nlevels + 1) if axis is None else [_depth(x, axis, name)]
    if mb.is_bounded(x):  # nothing is missing
        return cast(RaggedArray, x)
    assert isinstance(s, Structure)
    for d in reversed(depths):
        if d <= s.nlevels and all_masks(x._structure)[d] is not None:
            x = _fill_numbers(x, value, name) if d == s.nlevels else _fill_lists(x, value, d, name)
    return cast(RaggedArray, x)


def _fill_numbers(x: RaggedArray, value: Any, name: str) -> RaggedArray:
    s = exact_structure(x)
    n = s.nlevels
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
    if isinstance(value, RaggedArray):
        msg = f"{name}: the missing items are numbers; value must be a scalar, not an array of {value.type!r}"
        raise TypeError(msg)
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        value = value.item()  # a Python scalar: weak, as NumPy 2 and jax.numpy treat it
    check_fits(value, x._backend.numpy_dtype(x.dtype), name)
    if not isinstance(value, (bool, int, float, complex)):
        shape = tuple(getattr(value, "shape", ()))
        if _backends.backend_of(value) is None:
            msg = f"{name}: value must be a number or an array, not {type(value).__name__} {value!r}"
            raise TypeError(msg)
        try:
            fits = np.broadcast_shapes(shape, s.inner) == s.inner
        except ValueError:
            fits = False
        if not fits:
            msg = (
                f"{name}: the missing items of {x.type!r} are elements of shape {s.inner}; a value of "
                f"shape {shape} does not broadcast to them"
            )
            raise TypeError(msg)
        backend = common_backend((x, value), name)
        if backend is not x._backend:
            x = RaggedArray._new(s, content_to(x._content, None, backend, None))
        value = content_to(value, None, backend, None)
    present = all_masks(s)[n]
    flag = _device_mask(x, s, n, cast(np.ndarray, present), "elements")
    content = x._backend.xp.where(flag, x._content, value)
    masks = (*all_masks(s)[:n], None)
    return RaggedArray._new(Structure(s.length, s.levels, s.inner, masks), content)


def _fill_lists(x: RaggedArray, value: Any, d: int, name: str) -> RaggedArray:
    """Missing lists at depth ``d`` replaced by the list ``value`` (its subtree inserted)."""
    s = exact_structure(x)
    n = s.nlevels
    masks = all_masks(s)
    if isinstance(value, (bool, int, float, complex, np.generic)) or not len(getattr(value, "shape", (1,))):
        msg = (
            f"{name}: the missing items at axis {d} of {x.type!r} are lists; a number there would make "
            "a union type (awkward's union[var * ..., int64]), which raggrad does not hold. Pass a list "
            "(value=[] gives empty lists), or fill the numbers inside with axis=-1"
        )
        raise TypeError(msg)
    if isinstance(value, (list, tuple)) and len(value) == 0:  # empty lists: only the mask goes
        return RaggedArray._new(
            Structure(s.length, s.levels, s.inner, (*masks[:d], None, *masks[d + 1 :])), x._content
        )
    y = _one_item(value, name)
    ys = exact_structure(y)
    if ys.nlevels != n - d or ys.inner != s.inner or ys.masks is not None or y._nbatch:
        item = s.item_type(x.dtype, d).removeprefix("option[")[:-1]
        msg = (
            f"{name}: the missing items at axis {d} of {x.type!r} are {item!r}; value {value!r} does not fit"
        )
        raise TypeError(msg)
    total = s.count_at(d)
    sel = np.arange(total, dtype=np.int64)
    sel[~cast(np.ndarray, masks[d])] = total  # the value's one item follows the items of x
    levels, new_masks = [], [*masks[:d], None]
    for j in range(n - d):
        seg = Segments(_concat_offsets(s.levels[d + j], ys.levels[j]))
        offsets, sel = ranges(seg.offsets[:-1][sel], seg.lengths[sel])
        levels.append(offsets)
        m = masks[d + j + 1]
        if m is not None:
            m = np.concatenate([m, np.ones(ys.count_at(j + 1), dtype=np.bool_)])[sel]
        new_masks.append(m)
    backend = x._backend
    xp, nb = backend.xp, x._nbatch
    ours = moved(x)
    theirs = content_to(y._content, None, backend, None)
    dtype = xp.result_type(ours.dtype, theirs.dtype)
    theirs = xp.reshape(theirs, (theirs.shape[0],) + (1,) * nb + tuple(theirs.shape[1:]))
    theirs = xp.broadcast_to(theirs, (theirs.shape[0], *x._batch, *s.inner))
    joined = xp.concat([xp.astype(ours, dtype), xp.astype(theirs, dtype)], axis=0)
    content = backend.take(joined, sel, None, "fill_none")
    structure = Structure(s.length, (*s.levels[:d], *levels), s.inner, tuple(new_masks))
    return new(structure, back(backend, content, nb), nb)


def _one_item(value: Any, name: str) -> RaggedArray:
    """``value`` (a list, a backend array or a RaggedArray) as the one item of an array."""
    v = value if isinstance(value, RaggedArray) else as_ragged(value, name, options=True)
    s = v._structure
    if getattr(s, "masks", None) is not None:
        msg = f"{name}: the fill value {v.to_list()!r} holds missing values (None); give one without them"
        raise OptionTypeError(msg)
    outer = np.array([0, s.length], dtype=np.int64)
    masks = None if s.masks is None else (None, *s.masks)
    return RaggedArray._new(Structure(1, (outer, *s.levels), s.inner, masks), v._content)


# ---- drop_none ----------------------------------------------------------------------------------
@register("drop_none", "structural", awkward="ak.drop_none", options=True, spec=_SPEC)
def drop_none(x: Any, /, axis: int | None = None) -> RaggedArray:
    """Remove the missing items at ``axis`` (None: at every depth), as ``ak.drop_none``.

    The lists that held them get shorter; the structure is worked out from the masks, which are
    structure, so this works under ``jax.jit`` on exact arrays. A bounded array holds no missing
    values and is returned as it is.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, None], None, [2.0]])
    >>> rg.drop_none(x).to_list()
    [[1.0], [2.0]]
    >>> rg.drop_none(x, axis=1).to_list()
    [[1.0], None, [2.0]]
    """
    name = "rg.drop_none"
    x = _single(x, name)
    s = x._structure
    n = s.nlevels
    depths = range(n + 1) if axis is None else [_depth(x, axis, name)]
    if mb.is_bounded(x):
        return cast(RaggedArray, x)
    assert isinstance(s, Structure)
    masks = list(all_masks(s))
    depths = [d for d in depths if d <= n and masks[d] is not None]
    if not depths:
        return cast(RaggedArray, x)
    key = ("drop_none", tuple(depths))

    def plan() -> tuple[Structure, np.ndarray | None]:
        drop: Masks = [None] * (n + 1)
        for d in depths:
            drop[d], masks[d] = ~cast(np.ndarray, masks[d]), None
        return _select(s, masks, drop=drop)

    structure, index = s.cached(key, plan)
    return _gather(x, structure, index, s, key)


# ---- pad_none -----------------------------------------------------------------------------------
@register("pad_none", "structural", awkward="ak.pad_none", options=True, spec=_SPEC)
def pad_none(x: Any, target: int, /, axis: int = 1, *, clip: bool = False) -> RaggedArray:
    """Pad the lists at ``axis`` with None to at least ``target`` items, as ``ak.pad_none``.

    With ``clip=True`` every list has exactly ``target`` items (longer ones are cut). ``axis=0``
    pads (or clips) the outer items. A missing list stays missing. The items at ``axis`` become an
    option type even where nothing was padded, as in awkward, except that a flat array (no lists)
    longer than ``target`` is returned as it is (awkward's rule too). Where awkward's answer
    depends on its layout (lists under a missing-list option may stay non-optional when nothing is
    padded), raggrad always gives the option type. With ``clip=True`` awkward makes the dimension
    regular (``2 * option[3 * ?float64]``); raggrad keeps it ``var``, since it holds missing values
    of a regular dimension only as whole elements.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.0, 3.0], [], [4.0]])
    >>> rg.pad_none(x, 2).to_list()
    [[1.0, 2.0, 3.0], [None, None], [4.0, None]]
    >>> rg.pad_none(x, 2, clip=True).to_list()
    [[1.0, 2.0], [None, None], [4.0, None]]
    >>> rg.pad_none(x, 4, axis=0).type
    '4 * option[var * float64]'
    """
    name = "rg.pad_none"
    x = _single(x, name)
    target = as_index(target, "target", name)
    if target < 0:
        msg = f"{name}: target={target} must be at least 0 (the number of items every list gets)"
        raise ValueError(msg)
    d = _depth(x, axis, name)
    _no_bounded(x, name)
    s = exact_structure(x)
    if d > s.nlevels:
        msg = (
            f"{name}: axis={axis} of {x.type!r} is a regular dimension, whose items are never missing "
            "on their own; make it a list dimension with rg.from_regular(x, axis) first"
        )
        raise NotImplementedError(msg)
    if d == 0 == s.nlevels and not clip and target < s.length:
        return cast(RaggedArray, x)  # as awkward: a flat array long enough stays (no option type)
    key = ("pad_none", d, target, bool(clip))
    structure, index = s.cached(key, lambda: _pad(s, d, target, bool(clip)))
    return _gather(x, structure, index, s, key)


def _pad(s: Structure, d: int, target: int, clip: bool) -> tuple[Structure, np.ndarray | None]:
    n = s.nlevels
    index = None
    if clip:  # first the items past the target go
        drop: Masks = [None] * (n + 1)
        drop[d] = ext(s)[d].local >= target
        if cast(np.ndarray, drop[d]).any():
            s, index = _select(s, list(all_masks(s)), drop=drop)
    masks = list(all_masks(s))
    seg = ext(s)[d]  # the lists that hold the items at depth d (one list: the outer items)
    lengths = np.maximum(seg.lengths, target)
    if d and masks[d - 1] is not None:  # a missing list stays missing (and empty)
        lengths = np.where(cast(np.ndarray, masks[d - 1]), lengths, 0)
    offsets = offsets_from_lengths(lengths)
    total = int(offsets[-1])
    where = offsets[:-1][seg.ids] + seg.local  # where the items already there go
    present = np.zeros(total, dtype=np.bool_)
    present[where] = True if masks[d] is None else masks[d]
    masks[d] = present
    levels = list(s.levels)
    if d:
        levels[d - 1] = offsets
    if d < n:  # padded lists are empty: the content stays
        below = np.zeros(total, dtype=np.int64)
        below[where] = s.levels[d].lengths
        levels[d] = offsets_from_lengths(below)
        pad_index = None
    else:
        pad_index = np.full(total, -1, dtype=np.int64)
        pad_index[where] = np.arange(s.size, dtype=np.int64)
    length = total if d == 0 else s.length
    return Structure(length, tuple(levels), s.inner, tuple(masks)), _then(index, pad_index)


# ---- singletons ---------------------------------------------------------------------------------
@register("singletons", "structural", awkward="ak.singletons", options=True, spec=_SPEC)
def singletons(x: Any, /, axis: int = 0) -> RaggedArray:
    """Every item at ``axis`` as a list: ``[item]`` where it is present, ``[]`` where it is missing,
    as ``ak.singletons``.

    >>> import raggrad as rg
    >>> rg.singletons(rg.array([1.0, None, 3.0])).to_list()
    [[1.0], [], [3.0]]
    >>> rg.singletons(rg.array([[1.0, None], None]), axis=1).to_list()
    [[[1.0], []], None]
    """
    name = "rg.singletons"
    x = _single(x, name)
    d = _depth(x, axis, name)
    _no_bounded(x, name)
    s = exact_structure(x)
    n = s.nlevels
    if d > n:
        msg = f"{name}: axis={axis} of {x.type!r} is a regular dimension: lists inside it are not supported"
        raise NotImplementedError(msg)
    key = ("singletons", d)

    def plan() -> tuple[Structure, np.ndarray | None]:
        masks = all_masks(s)
        present = np.ones(s.count_at(d), dtype=np.bool_) if masks[d] is None else cast(np.ndarray, masks[d])
        wrap = offsets_from_lengths(present.astype(np.int64))
        levels = list(s.levels)
        index = None
        if d < n:  # a missing list is empty: only the lists of the present ones stay below
            levels[d] = offsets_from_lengths(s.levels[d].lengths[present])
        elif masks[d] is not None:
            index = np.flatnonzero(present)
        levels.insert(d, wrap)
        return Structure(s.length, tuple(levels), s.inner, (*masks[:d], None, None, *masks[d + 1 :])), index

    structure, index = s.cached(key, plan)
    return _gather(x, structure, index, s, key)


# ---- mask ---------------------------------------------------------------------------------------
@register("mask", "structural", awkward="ak.mask", options=True, spec=_SPEC)
def mask(x: Any, mask: Any, /, valid_when: bool = True) -> RaggedArray:
    """``x`` with None wherever ``mask`` is not ``valid_when``, as ``ak.mask``.

    ``mask`` is a boolean array with the lists of ``x`` down to its own depth: of the same
    structure (None per element), or of an outer one (a 1-d mask gives None per outer item). A
    masked list loses its items (a missing list is empty); a None in ``mask`` masks too. Which
    items are missing is structure, so ``mask`` must be concrete: under ``jax.jit`` a traced mask
    raises :class:`~raggrad.TracedStructureError` (keep the lists with ``rg.where(mask, x, fill)``,
    or a reducer's ``where=``). The gradient flows to the items that stay.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.0], [3.0], []])
    >>> rg.mask(x, [[True, False], [True], []]).to_list()
    [[1.0, None], [3.0], []]
    >>> rg.mask(x, [True, False, True]).to_list()
    [[1.0, 2.0], None, []]
    """
    name = "rg.mask"
    x = _single(x, name)
    _no_bounded(x, name)
    if not isinstance(valid_when, (bool, np.bool_)):
        msg = f"{name}: valid_when must be True or False, not {valid_when!r}"
        raise TypeError(msg)
    m = _single(mask, name) if not isinstance(mask, RaggedArray) else mask
    _no_bounded(m, name)
    backend = m._backend
    if not backend.is_concrete(m._content):
        msg = (
            f"{name}: the mask is being traced (inside jax.jit or another transformation), but which "
            "items are missing is structure, so raggrad needs its concrete value. Keep the lists and "
            "use rg.where(mask, x, fill) or a reducer's where=mask, or compute the mask outside jit "
            "and pass it in"
        )
        raise TracedStructureError(msg)
    if backend.numpy_dtype(m.dtype) != np.bool_:
        msg = f"{name}: mask must be boolean, not {m.type!r}"
        raise TypeError(msg)
    ms, s = exact_structure(m), exact_structure(x)
    dm, n = ms.nlevels, s.nlevels
    if m._nbatch or ms.inner or dm > n:
        msg = (
            f"{name}: a mask of type {m.type!r} does not fit an array of type {x.type!r}; it must have "
            "the lists of x down to its own depth, and no regular or batch dimensions"
        )
        raise ValueError(msg)
    values = backend.to_numpy(m._content).astype(np.bool_)
    mask_masks = all_masks(ms)
    valid = values == bool(valid_when)
    # depth by depth, the mask's own missing items and, at its innermost depth, its values mark
    # x's items missing (their lists emptied); then the lists above must be the mask's
    structure, index = s, None
    for d in range(dm + 1):
        off = mask_masks[d]
        if d == dm:
            off = valid if off is None else valid & off
        if off is None:
            continue
        _same_lists(structure, ms, d, m, x, name)
        masks = list(all_masks(structure))
        masks[d] = off if masks[d] is None else masks[d] & off
        empty: Masks = [None] * (n + 1)
        empty[d] = ~off
        structure, kept = _select(structure, masks, empty=empty)
        index = _then(index, kept)
    _same_lists(structure, ms, dm, m, x, name)
    if structure.masks is not None and structure.masks[n] is not None:  # a masked element holds zero
        index = np.arange(structure.size, dtype=np.int64) if index is None else index
        index = np.where(cast(np.ndarray, structure.masks[n]), index, -1)
    return _gather(x, structure, index, structure, "mask")  # a new structure: its own cache


def _same_lists(s: Structure, ms: Structure, d: int, m: RaggedArray, x: RaggedArray, name: str) -> None:
    """Raise unless ``s`` and the mask's structure ``ms`` have the same lists above depth ``d``."""
    if s.length == ms.length and all(
        np.array_equal(a.offsets, b.offsets) for a, b in zip(s.levels[:d], ms.levels[:d], strict=True)
    ):
        return
    detail = Structure(ms.length, ms.levels[:d]).first_difference(Structure(s.length, s.levels[:d]))
    msg = f"{name}: the mask of type {m.type!r} has other lists than x of type {x.type!r}: {detail}"
    raise ValueError(msg)
