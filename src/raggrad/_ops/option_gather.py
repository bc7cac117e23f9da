"""Missing values through the gathers of the structure ops: masks of the items a gather picks, and
*holes*, items that come out missing although nothing was picked (``x[:, 0]`` of a missing list,
``rg.firsts`` of an empty one, an index that is None).

A structure op describes its result by the levels of a virtual root (``_structure.ext``) and, at
every depth, the source items it picks there (``sel``). Here ``sel`` may hold :data:`HOLE`: an
item that is missing in the result. A hole has no children (a missing list is empty) and its
content is zero (a zero row appended to the content, so no gradient reaches the source). The
presence of the items picked at a depth is the source's mask there, gathered, with holes False
(:func:`pick`); ``None`` means that nothing at that depth can be missing, so results keep
awkward's types: an option type only where the source, or a hole, brings one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from .._array import RaggedArray, exact_structure
from .._backends._base import UNCACHED
from .._options import all_masks, element_mask
from .._structure import Segments, Structure, offsets_from_lengths, ranges
from .common import back, moved

__all__ = [
    "HOLE",
    "both",
    "build",
    "descend",
    "first_or_last_plan",
    "joined_masks",
    "lists",
    "pick",
    "prefix",
    "present",
    "present_elements",
    "take",
    "zero_missing",
]

#: an item that comes out missing: no source item, no children, zero content
HOLE = -1

Mask = np.ndarray | None


def pick(mask: Mask, sel: Any) -> Mask:
    """Presence of the items ``sel`` of a depth whose mask is ``mask`` (``sel`` None: all of them,
    in order; holes are missing). None when nothing picked can be missing."""
    if sel is None:
        return mask
    holes: np.ndarray = sel < 0
    if not holes.any():
        return None if mask is None else cast(np.ndarray, mask[sel])
    if mask is None:
        return ~holes
    out = np.zeros(len(sel), dtype=np.bool_)
    kept = ~holes
    out[kept] = mask[sel[kept]]
    return out


def both(a: Mask, b: Mask) -> Mask:
    """Present in both (None: no option type, as if all present)."""
    if a is None or b is None:
        return b if a is None else a
    return a & b


def present(mask: Mask, n: int) -> np.ndarray:
    """``mask`` as a boolean array of ``n`` items (all True when None)."""
    return np.ones(n, dtype=np.bool_) if mask is None else mask


def lists(seg: Segments, sel: Any) -> tuple[np.ndarray, np.ndarray]:
    """Starts and lengths of the lists ``sel`` of ``seg`` (all of them for None); a hole is an
    empty list (``seg`` may have no list at all then)."""
    if sel is None:
        return seg.offsets[:-1], seg.lengths
    holes = sel < 0
    if not holes.any():
        return seg.offsets[:-1][sel], seg.lengths[sel]
    starts, lengths = np.zeros(len(sel), dtype=np.int64), np.zeros(len(sel), dtype=np.int64)
    kept = np.flatnonzero(~holes)
    starts[kept], lengths[kept] = seg.offsets[:-1][sel[kept]], seg.lengths[sel[kept]]
    return starts, lengths


def children(seg: Segments, sel: Any) -> tuple[Any, Any]:
    """Offsets of the lists ``sel`` of ``seg`` (holes: empty) and the children they hold."""
    if sel is None:
        return seg, None
    return ranges(*lists(seg, sel))


def descend(levels: list[Any], masks: Sequence[Mask], d: int, sel: Any) -> tuple[list[Any], list[Mask], Any]:
    """Whole subtrees of the items ``sel`` (holes allowed) whose lists are ``levels[d]``, as
    ``_structure.descend``, with the masks of every depth below them (``masks[t]``: the
    presence of the children of ``levels[t]``). Returns levels, masks and the innermost elements."""
    out: list[Any] = []
    out_masks: list[Mask] = []
    for t in range(d, len(levels)):
        seg = levels[t]
        if sel is None:
            out.append(seg)
            out_masks.append(masks[t])
            continue
        offsets, sel = children(seg, sel)
        out.append(offsets)
        out_masks.append(pick(masks[t], sel))
    return out, out_masks, sel


def build(levels: list[Any], masks: list[Mask] | tuple[Mask, ...]) -> Structure | None:
    """The structure of ``levels`` below a virtual root (``_structure.from_levels``) with
    ``masks[t]`` the presence of the children of ``levels[t]`` (None: no dimension left)."""
    if not levels:
        return None
    first = levels[0]
    offsets = first.offsets if isinstance(first, Segments) else first
    masks = tuple(masks)
    return Structure(
        int(offsets[-1] - offsets[0]), tuple(levels[1:]), (), None if all(m is None for m in masks) else masks
    )


def take(backend: Any, content: Any, sel: Any, owner: Any, key: Any) -> Any:
    """``content[sel]`` along axis 0 (the element axis), a hole giving zero content that no
    gradient flows back from; ``owner``/``key`` cache the index as ``Backend.take`` does."""
    if sel is None:
        return content
    holes = sel < 0
    if not holes.any():
        return backend.take(content, sel, owner, key)
    xp = backend.xp
    if not int(content.shape[0]):  # every item picked is a hole
        return backend.take_fill(content, xp.asarray(np.zeros(len(sel), dtype=np.int64)), 0)
    out = backend.take(content, np.where(holes, 0, sel), owner, None if key is None else (key, "holes"))
    keep = backend.index(owner or UNCACHED, None if key is None else (key, "kept"), ~holes, content)
    keep = xp.reshape(xp.astype(keep, xp.bool), (len(sel),) + (1,) * (len(out.shape) - 1))
    return xp.where(keep, out, xp.zeros_like(out))


def prefix(s: Structure, depth: int, kept: int) -> Structure:
    """``s.prefix(depth)`` (the lists of the first ``depth`` levels) with ``s``'s masks at the
    depths below ``kept`` and none deeper (made once per structure)."""
    plain = s.prefix(depth)
    if s.masks is None or all(m is None for m in s.masks[:kept]):
        return plain
    masks = (*s.masks[:kept], *[None] * (depth + 1 - kept))
    return s.cached(("masked-prefix", depth, kept), lambda: Structure(plain.length, plain.levels, (), masks))


def zero_missing(backend: Any, content: Any, mask: Mask, nb: int, owner: Any, key: Any) -> Any:
    """``content`` (element axis after ``nb`` batch dims) with zeros at the missing elements."""
    if mask is None or bool(mask.all()):
        return content
    xp = backend.xp
    kept = xp.astype(backend.index(owner, key, mask, content), xp.bool)
    kept = xp.reshape(kept, (1,) * nb + (len(mask),) + (1,) * (len(content.shape) - nb - 1))
    return xp.where(kept, content, xp.zeros_like(content))


def present_elements(x: RaggedArray) -> RaggedArray:
    """``x`` without its missing innermost elements (its lists lose them; no option type left at
    that depth)."""
    s = exact_structure(x)
    mask = element_mask(s)
    if mask is None:
        return x
    assert s.masks is not None  # it has a mask at the innermost depth
    if s.nlevels:
        seg = s.levels[-1]
        kept = Segments(offsets_from_lengths(np.bincount(seg.ids[mask], minlength=seg.n)))
        structure = Structure(s.length, (*s.levels[:-1], kept), s.inner, (*s.masks[:-1], None))
    else:
        structure = Structure(int(mask.sum()), (), s.inner)
    index = s.cached("present-elements", lambda: np.flatnonzero(mask))
    content = back(x._backend, x._backend.take(moved(x), index, s, "present-elements"), x._nbatch)
    return RaggedArray._new(structure, content)


def first_or_last_plan(s: Structure, which: int, fill: bool) -> tuple[np.ndarray, Any, bool]:
    """The item of every innermost list (the fill slot past the content for an empty list, with
    ``fill``; a hole for a missing one, or an empty one without ``fill``), the result's mask and
    whether the fill slot is used."""
    seg = s.levels[-1]
    index = seg.offsets[:-1] if which == 0 else seg.offsets[1:] - 1
    empty = seg.lengths == 0
    lists = all_masks(s)[-2]
    holes = (~lists if fill else empty | ~lists) if lists is not None else (None if fill else empty)
    fillers = (empty if lists is None else empty & lists) if fill else np.zeros(len(empty), np.bool_)
    index = np.where(fillers, seg.size, index)
    elements = element_mask(s)
    if elements is None and lists is None and (holes is None or not holes.any()):
        return index, None, bool(fillers.any())  # no option type (awkward's has one: ?T)
    mask = np.ones(len(index), np.bool_) if holes is None else ~holes
    index = index if holes is None else np.where(holes, HOLE, index)
    if elements is not None:
        real = np.flatnonzero(mask & ~fillers)
        mask[real] = elements[index[real]]
    return index, mask, bool(fillers.any())


def joined_masks(structures: Sequence[Structure]) -> list[Any]:
    """The masks of the arrays appended (one per depth; None where none has one)."""
    out: list[np.ndarray | None] = []
    for t in range(structures[0].nlevels + 1):
        parts = [all_masks(s)[t] for s in structures]
        if all(m is None for m in parts):
            out.append(None)
        else:
            out.append(np.concatenate([present(m, s.count_at(t)) for m, s in zip(parts, structures)]))
    return out
