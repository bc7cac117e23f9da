"""Broadcasting with bounded operands: the same rules, checked at run time where lists are data."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._bounded import BoundedStructure, bound, bucket
from .._structure import Segments, Structure
from .rules import aligns_with_inner, content_on, describe, drop_facing, is_scalar, laid_out, mismatch

__all__ = ["bounded"]


def bounded(args: tuple[Any, ...], backend: _backends.Backend, name: str) -> tuple[Any, Any, list[Any], int]:
    """Broadcast operands of which at least one is bounded; the result is bounded.

    Operands with the target's depth must have its capacities; whether their lists are equal is
    data: checked at once when concrete, else folded into the result's ``valid`` flag. Exact
    operands are bounded with the target's capacities first. Operands with fewer levels (one
    value per list) are gathered through the target's ancestor maps.
    """
    xp = backend.xp
    # a bounded array on the host meeting another backend's array moves there, structure too (as
    # an exact one's content does: its structure is the host's anyway)
    args = tuple(
        a.to_backend(backend.name)
        if isinstance(a, RaggedArray)
        and isinstance(a._structure, BoundedStructure)
        and a._backend is not backend
        else a
        for a in args
    )
    deepest = _deepest_bounded(args)
    args = tuple(_deeper(a, deepest, backend, name) for a in args)
    target = _deepest_bounded(args)  # an exact operand deeper still, now bounded
    ts, nb_max = target._structure, max(a._nbatch for a in args if isinstance(a, RaggedArray))
    assert isinstance(ts, BoundedStructure)
    valid = ts.valid
    contents: list[Any] = []
    shapes: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    elements: list[int] = []
    for a in args:
        if not isinstance(a, RaggedArray):
            if is_scalar(a):
                contents.append(a)
                shapes.append(((), ()))
                elements.append(1)
                continue
            arr = content_on(backend, a)
            faces, unambiguous = _faces_inner(a, arr, ts, target, name)
            if unambiguous is not True:
                valid = valid & unambiguous
            if faces:
                facing = tuple(arr.shape)[-len(ts.inner) :]
                contents.append(xp.reshape(arr, facing))
                shapes.append(((), facing))
                elements.append(1)
                continue
            a = RaggedArray._new(Structure(int(arr.shape[0]), (), tuple(arr.shape[1:])), arr)
        s, content, nb = a._structure, content_on(backend, a._content), a._nbatch
        if not isinstance(s, BoundedStructure) and s.nlevels == 0 and s.length == 1:
            # one item for every list (as in _general): it stays one and broadcasts by shape
            content, inner = drop_facing(content, s.inner, nb, ts.nlevels, xp, (a, target, name))
            contents.append(content)
            shapes.append((tuple(content.shape[:nb]), tuple(inner)))
            elements.append(1)
            continue
        if s is not ts and (ts.stacked or (isinstance(s, BoundedStructure) and s.stacked)):
            # a stack's members have lists of their own: only arrays derived from it share them
            (ts if ts.stacked else cast(BoundedStructure, s)).check_single(name)
        if not isinstance(s, BoundedStructure):
            caps = ts.capacities[: s.nlevels + 1]
            if any(s.count_at(d) > c for d, c in enumerate(caps)):
                raise mismatch(a, target, name, f"the exact operand does not fit the capacities {caps}")
            s, content = bound(s, content, nb, caps)
        k = s.nlevels
        if s.capacities != ts.capacities[: k + 1]:
            raise mismatch(a, target, name, f"capacities differ ({s.capacities} vs {ts.capacities[: k + 1]})")
        if s is not ts:  # arrays derived from one another share their arrays: nothing to compare
            same = _same_lists(s, ts, k, a, target, name)
            with s.eager(ts):  # concrete operands keep a concrete flag, also inside a trace
                if s.valid is not ts.valid:
                    valid = valid & s.valid
                if same is not True:
                    valid = valid & same
        inner = s.inner
        if k < ts.nlevels:
            content, inner = drop_facing(content, inner, nb, ts.nlevels - k, xp, (a, target, name))
            moved = xp.moveaxis(content, nb, 0) if nb else content
            moved = backend.take_fill(moved, ts.ancestors(k), 0)
            content = xp.moveaxis(moved, 0, nb) if nb else moved
        contents.append(content)
        shapes.append((tuple(content.shape[:nb]), tuple(inner)))
        elements.append(ts.size)
    try:
        np.broadcast_shapes(*(n for _, n in shapes))
    except ValueError:
        raise mismatch(args[0], target, name, "regular dimensions do not broadcast (NumPy's rules)") from None
    out = laid_out(contents, shapes, elements, xp)
    structure = ts if valid is ts.valid else ts.with_valid(valid)
    return structure, backend, out, nb_max


def _deepest_bounded(args: tuple[Any, ...]) -> RaggedArray:
    bounded_args = (
        a for a in args if isinstance(a, RaggedArray) and isinstance(a._structure, BoundedStructure)
    )
    return max(bounded_args, key=lambda a: a._structure.nlevels)


def _deeper(a: Any, target: RaggedArray, backend: _backends.Backend, name: str) -> Any:
    """An exact operand with more levels than the deepest bounded one, bounded: the target's
    capacities for the levels they share, buckets below (the other operands broadcast into it)."""
    ts = cast(BoundedStructure, target._structure)
    if not isinstance(a, RaggedArray) or isinstance(a._structure, BoundedStructure):
        return a
    s = a._structure
    if s.nlevels <= ts.nlevels:
        return a
    if any(s.count_at(d) > c for d, c in enumerate(ts.capacities)):
        raise mismatch(a, target, name, f"the exact operand does not fit the capacities {ts.capacities}")
    below = tuple(bucket(s.count_at(d)) for d in range(ts.nlevels + 1, s.nlevels + 1))
    return RaggedArray._new(*bound(s, content_on(backend, a._content), a._nbatch, (*ts.capacities, *below)))


def _faces_inner(a: Any, arr: Any, ts: BoundedStructure, target: Any, name: str) -> tuple[bool, Any]:
    """Whether plain array ``arr`` meets only the regular inner dims of bounded ``ts``, and whether
    that reading is the only one (True, or a backend bool when it depends on the traced count).

    Without ragged levels that is NumPy's rule for whole shapes, as for an exact array (``(k,)``
    against ``n * 1``: every item against the ``k``); with them, :func:`aligns_with_inner`'s,
    which raises where the array could also give one value per list: its length is the number
    of lists. That number is data under ``jax.jit``: there NumPy's reading is taken and the
    result marked invalid for the batches where the number of lists is the array's length."""
    if ts.nlevels == 0:
        if len(arr.shape) > 1 + len(ts.inner):
            msg = (
                f"{name}: an array of shape {tuple(arr.shape)} has more dimensions than "
                f"{describe(target)}; NumPy would put its leading ones in front of the outer "
                "dimension, which is a bounded array's count of items: give the array no more "
                "dimensions than the bounded one, or rg.trim it first"
            )
            raise ValueError(msg)
        return 0 < len(arr.shape) <= len(ts.inner), True
    if ts.is_concrete():
        count = ts.concrete_count(name)
        return aligns_with_inner(a, arr, _exact_view(ts, count), target, name), True
    n = int(arr.shape[0]) if len(arr.shape) else 0
    faces = aligns_with_inner(a, arr, _exact_view(ts, n + 1), target, name)  # no count matches
    try:
        aligns_with_inner(a, arr, _exact_view(ts, n), target, name)
    except ValueError:  # both readings apply when there are n lists
        return faces, ts.count != n
    return faces, True


def _exact_view(s: BoundedStructure, length: int) -> Structure:
    """A stand-in exact structure of ``length`` items with ``s``'s depth and inner dims (for the
    reading of plain arrays, which looks at nothing else)."""
    return Structure(length, tuple(Segments(np.zeros(2, np.int64)) for _ in s.levels), s.inner)


def _same_lists(s: BoundedStructure, ts: BoundedStructure, k: int, a: Any, target: Any, name: str) -> Any:
    """Whether ``s``'s lists are ``ts``'s first ``k`` levels' (a backend bool, or ``True`` where they
    are the same arrays; raises when concrete and they differ, so eager code gets the error where
    the mismatch is)."""
    same = s.same_lists(ts, k)
    if same is True:
        return same
    if s.backend.is_concrete(same) and not bool(s.backend.to_numpy(same)):
        detail = "their lists differ (" + s.trim(name)[0].first_difference(ts.trim(name)[0].prefix(k)) + ")"
        raise mismatch(a, target, name, detail)
    return same
