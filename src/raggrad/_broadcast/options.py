"""Missing values in broadcasting: masks combined top down, missing lists emptied before the
lists compare (the rules are in :mod:`raggrad._broadcast`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._options import both
from .._structure import Segments, Structure, offsets_from_lengths
from .rules import describe, mismatch

__all__ = ["flat_options", "options"]


def _offsets(level: Any) -> np.ndarray:
    return level.offsets if isinstance(level, Segments) else level


def options(
    described: list[Any],
    target: Structure,
    target_arg: Any,
    backend: _backends.Backend,
    name: str,
    select: bool = False,
) -> tuple[list[Any], Structure, list[Any]]:
    """Combine the operands' masks (AND) depth by depth, from the outer items down.

    Items at depth ``d`` correspond across operands once their lists above agree; where the
    combined mask says an item at depth ``d`` is missing, every operand's list there is emptied
    (its content dropped, as awkward drops it), and then the lists at depth ``d`` are compared.
    Returns the operands re-described over the emptied lists, the result's structure (with the
    combined masks) and, per operand, its element mask at the result's depth.

    ``select=True`` (``where``, as ``ak.where``): a list is missing only where every operand's is;
    elsewhere a missing list, or a missing value broadcast into lists, becomes missing elements
    (a list as long as the other operands'), left for :func:`_selected` to weigh.
    """
    n, k_t = target.length, target.nlevels
    ops = [
        i
        for i, d in enumerate(described)
        if d is not None and isinstance(d[0], RaggedArray) and (d[1].nlevels or d[1].masks is not None)
    ]
    levels = {i: list(described[i][1].levels) for i in ops}
    masks = {i: list(described[i][1].masks or (None,) * (described[i][1].nlevels + 1)) for i in ops}
    take: dict[int, Any] = dict.fromkeys(ops)  # the content each operand keeps (None: all of it)
    for i in ops:
        s = described[i][1]
        if s.length != n and not (s.nlevels == 0 and s.length == 1):
            raise mismatch(described[i][0], target_arg, name, f"outer lengths differ ({s.length} vs {n})")
    combined: list[Any] = []
    for d in range(k_t + 1):
        group = [i for i in ops if len(levels[i]) >= d]
        if d:  # the lists at depth d - 1 (some emptied above) must now agree
            first = group[0]
            for i in group[1:]:
                if not np.array_equal(_offsets(levels[i][d - 1]), _offsets(levels[first][d - 1])):
                    mine, theirs = (Structure(n, tuple(levels[j][:d])) for j in (first, i))
                    raise mismatch(described[first][0], described[i][0], name, mine.first_difference(theirs))
        m = None
        for i in group:
            mi = masks[i][d]
            m = both(m, mi if mi is None or len(mi) == n or d else np.broadcast_to(mi, (n,)))
        if select:
            m = (
                None
                if d == k_t
                else _fill_missing(levels, masks, take, [i for i in group if len(levels[i]) > d], d)
            )
        combined.append(m)
        if m is not None and d < k_t:
            for i in group:
                if len(levels[i]) > d:
                    take[i] = _empty_missing(levels[i], masks[i], d, ~m, take[i])
    t = next(i for i in ops if described[i][0] is target_arg)
    common = tuple(l if isinstance(l, Segments) else Segments(l) for l in levels[t])
    out = list(described)
    elements: list[Any] = [None] * len(described)
    xp = backend.xp
    for i in ops:
        a, s, nb, content = described[i]
        if take[i] is not None:
            moved = xp.moveaxis(content, nb, 0) if nb else content
            if np.any(take[i] < 0):  # elements under lists that were missing (select only): zero
                zero = xp.zeros((1, *moved.shape[1:]), dtype=moved.dtype, device=_device(backend, moved))
                take[i] = np.where(take[i] < 0, moved.shape[0], take[i])
                moved = xp.concat([moved, zero])
            moved = backend.take(moved, take[i], None, None)
            content = xp.moveaxis(moved, 0, nb) if nb else moved
        k = s.nlevels
        out[i] = (a, Structure(s.length, common[:k], s.inner), nb, content)
        elements[i] = masks[i][k]
        if k < k_t and elements[i] is not None:  # a missing value broadcast into lists (select only)
            elements[i] = np.broadcast_to(elements[i], (n,)) if k == 0 else elements[i]
            for level in common[k:]:
                elements[i] = np.repeat(elements[i], np.diff(level.offsets))
    return out, Structure(n, common, target.inner, tuple(combined)), elements


def _device(backend: _backends.Backend, like: Any) -> Any:
    device = backend.device_of(like)
    return None if isinstance(device, set) else device


def _fill_missing(
    levels: dict[int, Any], masks: dict[int, Any], take: dict[int, Any], group: list[int], d: int
) -> np.ndarray | None:
    """``where``'s lists at depth ``d``: missing where every operand's is; a list missing in some
    operands only takes the length of a present one's there, with its items missing (in place in
    ``levels``, ``masks`` and ``take``, where -1 marks an element that was not in the content).
    Returns the result's mask at depth ``d``."""
    lengths = {i: np.diff(_offsets(levels[i][d])) for i in group}
    donor, found = np.zeros(len(lengths[group[0]]), np.int64), np.zeros(len(lengths[group[0]]), np.bool_)
    for i in group:
        here = np.ones(len(found), np.bool_) if masks[i][d] is None else masks[i][d]
        donor[here & ~found] = lengths[i][here & ~found]
        found |= here
    for i in group:
        if masks[i][d] is None or not np.any(fill := found & ~masks[i][d]):
            continue
        new = np.where(fill, donor, lengths[i])
        levels[i][d], masks[i][d] = offsets_from_lengths(new), masks[i][d] | fill
        inserted = np.repeat(fill, new)  # the items at depth d + 1, new ones True
        count = int(lengths[i].sum())  # the items that were there (a missing list holds none)
        src = np.full(len(inserted), -1, np.int64)
        src[~inserted] = np.arange(count)
        below = masks[i][d + 1] if masks[i][d + 1] is not None else np.ones(count, np.bool_)
        masks[i][d + 1] = ~inserted & below[np.maximum(src, 0)] if len(below) else ~inserted
        if d + 1 < len(levels[i]):  # the new items are missing lists: empty
            old = np.diff(_offsets(levels[i][d + 1]))
            levels[i][d + 1] = offsets_from_lengths(
                np.where(inserted, 0, old[np.maximum(src, 0)] if len(old) else 0)
            )
        elif take[i] is None:
            take[i] = src
        else:
            take[i] = np.where(src < 0, -1, take[i][np.maximum(src, 0)])
    return None if found.all() else found


def _empty_missing(levels: list[Any], masks: list[Any], d: int, gone: np.ndarray, take: Any) -> Any:
    """Empty the lists at depth ``d`` where ``gone``: their items below vanish (in place in
    ``levels`` and the deeper ``masks``). Returns the elements of the original content that
    remain (None: all)."""
    lengths = np.diff(_offsets(levels[d]))
    if not np.any(gone & (lengths > 0)):
        return take
    levels[d] = offsets_from_lengths(np.where(gone, 0, lengths))
    alive = np.repeat(~gone, lengths)  # the items at depth d + 1 that remain
    for j in range(d + 1, len(levels) + 1):
        if masks[j] is not None:
            masks[j] = masks[j][alive]
        if j < len(levels):
            lengths = np.diff(_offsets(levels[j]))
            levels[j] = offsets_from_lengths(lengths[alive])
            alive = np.repeat(alive, lengths)
    kept = np.flatnonzero(alive)
    return kept if take is None else take[kept]


def flat_options(described: list[Any], shape: tuple[int, ...], name: str) -> tuple[Structure, list[Any]]:
    """Masks of operands without ragged dimensions: each must meet the result's outer dimension
    (an option type cannot sit inside a regular dimension); ``shape`` is the result's, from there."""
    elements: list[Any]
    m, elements = None, []
    for d in described:
        if d is None or d[1].masks is None:
            elements.append(None)
            continue
        a, s, nb, content = d
        if len(content.shape) - nb != len(shape):
            msg = (
                f"{name}: {describe(a)} has missing values (None) and would broadcast into a regular "
                f"dimension of the result's shape {shape}; raggrad holds missing values per item of "
                "the outer dimension (add the leading dimensions to the other operand instead)"
            )
            raise ValueError(msg)
        mi = s.masks[0] if s.length == shape[0] else np.broadcast_to(s.masks[0], shape[:1])
        elements.append(mi)
        m = both(m, mi)
    return Structure(shape[0], (), (), (m,)), elements
