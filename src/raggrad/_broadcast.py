"""Broadcasting with awkward's rules, done on content buffers.

Rules (DESIGN.md): scalars and 0-d arrays broadcast everywhere; arrays of equal structure combine
element by element; an array with fewer ragged levels (a dense length-``n`` array, a keepdims
result, ``n * var`` against ``n * var * var``) broadcasts one value per list, left-aligned; regular
inner dims and batch dims follow NumPy's right-aligned rules. Backends: a RaggedArray's backend must
agree with every other RaggedArray's; plain NumPy arrays and scalars join any backend, and plain
arrays of another backend (a jax tracer for a parameter) lift NumPy-held RaggedArrays to it.

Missing values (awkward's option types) combine the way awkward's broadcasting does: an item of
the result is missing where it is missing in any operand (masks combine by AND at every depth),
and a missing list facing a present one makes the result's list missing: the present operand's
content of that list is dropped *before* the lists are compared, so ``[[1, 2], None] + [[1, 2],
[3]]`` is ``[[2, 4], None]``. ``where`` (``select=True``) follows ``ak.where`` instead: a list is
missing only where every operand's is, and elsewhere a missing list or value becomes missing
elements, weighed against the condition (``_ops/where_options.py``). Masks are host data, so all
of this runs once per trace.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _backends
from ._array import RaggedArray, as_ragged, exact_structure
from ._bounded import BoundedStructure, bound
from ._convert import content_to
from ._dtypes import is_numeric
from ._errors import OptionTypeError
from ._options import both
from ._records import RecordArray, reject
from ._structure import Segments, Structure, offsets_from_lengths

__all__ = ["broadcast", "common_backend"]


def common_backend(args: tuple[Any, ...], name: str) -> _backends.Backend:
    ragged: _backends.Backend | None = None
    other: _backends.Backend | None = None
    for a in args:
        b: _backends.Backend | None
        if isinstance(a, RaggedArray):
            b = a._backend
            if ragged is not None and b is not ragged:
                msg = (
                    f"{name}: cannot mix RaggedArrays of backends {ragged.name!r} and {b.name!r}; "
                    f"convert one with rg.to_backend(x, {ragged.name!r})"
                )
                raise TypeError(msg)
            ragged = b
        else:
            reject(a, name)
            b = _backends.backend_of(a)
            if b is not None and not b.is_host:
                if other is not None and b is not other:
                    msg = f"{name}: cannot mix arrays of backends {other.name!r} and {b.name!r}"
                    raise TypeError(msg)
                other = b
    if other is not None and ragged is not None and ragged is not other and not ragged.is_host:
        msg = (
            f"{name}: cannot mix a RaggedArray of backend {ragged.name!r} with a {other.name} array; "
            f"convert with rg.to_backend(x, {other.name!r})"
        )
        raise TypeError(msg)
    return other or ragged or _backends.get_backend("numpy")


def _describe(a: Any) -> str:
    if isinstance(a, RaggedArray):
        return repr(a.type)
    return f"an array of shape {tuple(np.shape(a)) if not hasattr(a, 'shape') else tuple(a.shape)}"


def _mismatch(a: Any, b: Any, name: str, detail: str) -> ValueError:
    return ValueError(f"{name}: cannot broadcast {_describe(a)} with {_describe(b)}: {detail}")


def broadcast(args: tuple[Any, ...], name: str, *, select: bool = False) -> tuple[Any, ...]:
    """Align the operands of an elementwise op.

    Returns ``(structure, backend, contents, nbatch)``: ``contents[i]`` broadcasts with the others
    by NumPy's rules to the result's content; ``structure`` is the result's structure without its
    inner dims (None when no operand has ndim >= 1), with the operands' missing values combined.
    ``select=True`` is for ``where(condition, x, y)`` (:mod:`._ops.where_options`): a list is then
    missing only where it is in every operand, and a fifth item gives each operand's element mask
    at the result's depth (None: nothing missing), for ``where`` to weigh against the condition.
    """
    args = tuple(a if isinstance(a, RaggedArray) else _operand(a, name) for a in args)
    backend = common_backend(args, name)
    # fast path: all RaggedArrays with one structure object, the rest scalars
    first = None
    fast = True
    for a in args:
        if isinstance(a, RaggedArray):
            if first is None:
                first = a
            elif a._structure is not first._structure or a._nbatch != first._nbatch:
                fast = False
                break
        elif not _is_scalar(a):
            fast = False
            break
    if fast and first is not None:
        contents = [_to(backend, a._content) if isinstance(a, RaggedArray) else a for a in args]
        out: tuple[Any, ...] = first._structure, backend, contents, first._nbatch
        if not select:
            return out
        mask = None if first._structure.masks is None else first._structure.masks[-1]
        return *out, [mask if isinstance(a, RaggedArray) else None for a in args]
    if any(isinstance(a, RaggedArray) and isinstance(a._structure, BoundedStructure) for a in args):
        if any(isinstance(a, RaggedArray) and a._structure.masks is not None for a in args):
            msg = (
                f"{name}: bounded arrays hold no missing values (None); fill them with "
                "rg.fill_none(x, value) or remove them with rg.drop_none(x) before rg.with_capacity"
            )
            raise OptionTypeError(msg)
        return (
            (*_bounded(args, backend, name), [None] * len(args)) if select else _bounded(args, backend, name)
        )
    out = _general(args, backend, name, select)
    return out if select else out[:4]


_INT64 = np.iinfo(np.int64)


def _operand(a: Any, name: str) -> Any:
    """An operand that is not a RaggedArray, checked: numbers, backend arrays and RaggedArrays.

    Nested lists (ragged or not) and awkward Arrays become RaggedArrays; strings and other
    objects raise ``TypeError``; a Python int beyond int64 raises ``OverflowError`` naming it.
    """
    if isinstance(a, bool | float | complex):
        return a
    if isinstance(a, int):
        if not _INT64.min <= a <= _INT64.max:
            msg = f"{name}: the Python integer {a} does not fit in int64; write it as a float ({float(a):g})"
            raise OverflowError(msg)
        return a
    if isinstance(a, np.generic | np.ndarray) or _backends.backend_of(a) is not None:
        backend = _backends.backend_of(a)
        if not is_numeric(backend.numpy_dtype(a.dtype) if backend else np.asarray(a).dtype):
            msg = f"{name}: cannot use an array of dtype {a.dtype} as an operand; raggrad holds numbers"
            raise TypeError(msg)
        return a
    if isinstance(a, str | bytes) or a is None:
        msg = f"{name}: cannot use {type(a).__name__} {a!r} as an operand; operands are arrays or numbers"
        raise TypeError(msg)
    if isinstance(a, RecordArray):
        return a  # refused with its own message by common_backend
    return as_ragged(a, name)  # nested lists, awkward Arrays; anything else is refused there


def _aligns_with_inner(a: Any, content: Any, target: Structure, target_arg: Any, name: str) -> bool:
    """Which way a plain (NumPy, backend) array of ndim >= 1 meets a ragged array ``target``.

    Against regular inner dimensions it aligns from the right, as in NumPy (``h + b`` with ``h:
    n * var * 64`` and ``b: (64,)`` adds ``b`` to every point); otherwise it gives one value per
    list (awkward's rule). Where both readings apply and differ, ``ValueError`` names them.
    """
    shape, inner, k = tuple(content.shape), target.inner, target.nlevels
    full = (target.length, *([None] * k), *inner)  # None: a ragged dimension, met only by a 1
    if not inner or len(shape) >= len(full):
        return False  # no inner dimension to align with, or both readings align alike
    right = all(p == 1 or p == q for p, q in zip(shape[::-1], full[::-1]))
    if not right:
        return False
    rest = shape[1 + k :]
    lists = (
        shape[0] in (1, target.length)
        and all(p == 1 for p in shape[1 : 1 + k])
        and len(rest) <= len(inner)
        and all(p in (1, q) for p, q in zip(rest[::-1], inner[::-1]))
    )
    if lists and any(p != 1 for p in shape):
        msg = (
            f"{name}: an array of shape {shape} meets {_describe(target_arg)} two ways: along the "
            "regular inner dimensions from the right (NumPy's rule) or one value per list "
            "(awkward's rule); say which: b[None, None, :] for the inner dimensions, "
            "b[:, None, None] or rg.asarray(b) for one value per list (one None per dimension "
            "the array lacks)"
        )
        raise ValueError(msg)
    return True


def _drop_facing(
    content: Any, inner: tuple[int, ...], nb: int, gap: int, xp: Any, where: tuple[Any, Any, str]
) -> tuple[Any, tuple[int, ...]]:
    """An operand with ``gap`` fewer ragged levels than the target: its inner dims that face the
    target's ragged levels must have length 1, and are dropped."""
    facing = inner[:gap]
    if any(n != 1 for n in facing):
        a, target, name = where
        detail = f"a regular dimension of length {max(facing)} cannot broadcast against a ragged dimension"
        raise _mismatch(a, target, name, detail)
    if facing:
        content = xp.reshape(content, (*content.shape[: nb + 1], *inner[len(facing) :]))
        inner = inner[len(facing) :]
    return content, inner


def _is_scalar(a: Any) -> bool:
    return isinstance(a, (bool, int, float, complex, np.generic)) or (
        hasattr(a, "shape") and len(a.shape) == 0
    )


def _to(backend: _backends.Backend, content: Any) -> Any:
    src = _backends.backend_of(content)
    return content if src is backend or src is None else content_to(content, None, backend, None)


def _general(
    args: tuple[Any, ...], backend: _backends.Backend, name: str, select: bool = False
) -> tuple[Any, Any, list[Any], int, list[Any]]:
    # describe every non-scalar operand as (structure, nbatch, content)
    described: list[tuple[Any, Structure, int, Any] | None] = []
    for a in args:
        if isinstance(a, RaggedArray):
            described.append((a, exact_structure(a), a._nbatch, _to(backend, a._content)))
        elif _is_scalar(a):
            described.append(None)
        else:
            arr = a if _backends.backend_of(a) is not None else np.asarray(a)
            if isinstance(arr, np.ndarray) and arr.dtype == object:
                msg = f"{name}: cannot use {type(a).__name__} {a!r} as an operand"
                raise TypeError(msg)
            arr = _to(backend, arr)
            shape = tuple(arr.shape)
            described.append((a, Structure(shape[0], (), shape[1:]), 0, arr))
    present = [d for d in described if d is not None]
    if not present:
        return None, backend, list(args), 0, [None] * len(args)
    target_arg, target, _, _ = max(present, key=lambda d: d[1].nlevels)
    k_t = target.nlevels
    if k_t == 0:
        # no ragged level: NumPy broadcasting of whole shapes (batch dims included)
        contents = [args[i] if d is None else d[3] for i, d in enumerate(described)]
        nb = max(d[2] for d in present)
        try:
            shape = np.broadcast_shapes(*(tuple(c.shape) for c in contents if not _is_scalar(c)))
        except ValueError:
            a, b = (d[0] for d in present[:2])
            raise _mismatch(a, b, name, "regular dimensions do not broadcast (NumPy's rules)") from None
        structure, element_masks = Structure(shape[nb], (), ()), [None] * len(args)
        if any(d is not None and d[1].masks is not None for d in described):
            structure, element_masks = _flat_options(described, shape[nb:], name)
        return structure, backend, contents, nb, element_masks
    element_masks = [None] * len(args)
    if any(d is not None and d[1].masks is not None for d in described):
        described, target, element_masks = _options(described, target, target_arg, backend, name, select)
    aligned: list[Any] = []
    shapes: list[tuple[tuple[int, ...], tuple[int, ...]]] = []  # (batch, inner) per operand
    elements: list[int] = []  # the length of each operand's element axis (1: broadcasts)
    for i, d in enumerate(described):
        if d is None:
            aligned.append(args[i])
            shapes.append(((), ()))
            elements.append(1)
            continue
        a, s, nb, content = d
        if not isinstance(a, RaggedArray) and _aligns_with_inner(a, content, target, target_arg, name):
            # NumPy's reading: the plain array meets the regular inner dims, right-aligned (its
            # dims in front of them are 1s facing the outer and ragged ones)
            facing_inner = tuple(content.shape)[-len(target.inner) :]
            aligned.append(backend.xp.reshape(content, facing_inner))
            shapes.append(((), facing_inner))
            elements.append(1)
            continue
        elements.append(target.size)
        k = s.nlevels
        inner = s.inner
        if s.length != target.length and not (k == 0 and s.length == 1):
            raise _mismatch(a, target_arg, name, f"outer lengths differ ({s.length} vs {target.length})")
        for j in range(k):
            mine, theirs = s.levels[j], target.levels[j]
            if not (mine is theirs or np.array_equal(mine.offsets, theirs.offsets)):
                raise _mismatch(a, target_arg, name, s.first_difference(target))
        xp = backend.xp
        if k < k_t:
            content, inner = _drop_facing(content, inner, nb, k_t - k, xp, (a, target_arg, name))
            if nb:
                content = xp.moveaxis(content, nb, 0)
            if k == 0 and s.length == 1:
                index = np.zeros(target.size, dtype=np.int64)
                content = backend.take(content, index, target, ("zeros", target.size))
            else:
                content = backend.segment_expand(content, target.segments_at(k))
            if nb:
                content = xp.moveaxis(content, 0, nb)
        aligned.append(content)
        shapes.append((tuple(content.shape[:nb]), tuple(inner)))
    nb_max = max(len(b) for b, _ in shapes)
    ni_max = max(len(n) for _, n in shapes)
    try:  # batch dims and regular inner dims follow NumPy's (right-aligned) rules
        np.broadcast_shapes(*(b for b, _ in shapes))
        np.broadcast_shapes(*(n for _, n in shapes))
    except ValueError:
        others = [d[0] for d in present if d[0] is not target_arg]
        raise _mismatch(
            others[0] if others else target_arg,
            target_arg,
            name,
            "regular dimensions do not broadcast (NumPy's rules): batch/inner shapes "
            f"{[b for b, _ in shapes if b]} / {[n for _, n in shapes if n]}",
        ) from None
    contents = []
    for c, (b, n), m in zip(aligned, shapes, elements):
        if _is_scalar(c):
            contents.append(c)
            continue
        shape = (1,) * (nb_max - len(b)) + b + (m,) + (1,) * (ni_max - len(n)) + n
        contents.append(c if tuple(c.shape) == shape else backend.xp.reshape(c, shape))
    return target, backend, contents, nb_max, element_masks


# ---- missing values: masks combined top down, missing lists emptied before lists compare -----------
def _offsets(level: Any) -> np.ndarray:
    return level.offsets if isinstance(level, Segments) else level


def _options(
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
            raise _mismatch(described[i][0], target_arg, name, f"outer lengths differ ({s.length} vs {n})")
    combined: list[Any] = []
    for d in range(k_t + 1):
        group = [i for i in ops if len(levels[i]) >= d]
        if d:  # the lists at depth d - 1 (some emptied above) must now agree
            first = group[0]
            for i in group[1:]:
                if not np.array_equal(_offsets(levels[i][d - 1]), _offsets(levels[first][d - 1])):
                    mine, theirs = (Structure(n, tuple(levels[j][:d])) for j in (first, i))
                    raise _mismatch(described[first][0], described[i][0], name, mine.first_difference(theirs))
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
        src = np.full(len(inserted), -1, np.int64)
        src[~inserted] = np.arange(int(lengths[i].sum()))
        below = (
            masks[i][d + 1] if masks[i][d + 1] is not None else np.ones(len(src) - int(fill.sum()), np.bool_)
        )
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


def _flat_options(described: list[Any], shape: tuple[int, ...], name: str) -> tuple[Structure, list[Any]]:
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
                f"{name}: {_describe(a)} has missing values (None) and would broadcast into a regular "
                f"dimension of the result's shape {shape}; raggrad holds missing values per item of "
                "the outer dimension (add the leading dimensions to the other operand instead)"
            )
            raise ValueError(msg)
        mi = s.masks[0] if s.length == shape[0] else np.broadcast_to(s.masks[0], shape[:1])
        elements.append(mi)
        m = both(m, mi)
    return Structure(shape[0], (), (), (m,)), elements


# ---- bounded operands: the same rules, checked at run time where lists are data ------------------
def _bounded(args: tuple[Any, ...], backend: _backends.Backend, name: str) -> tuple[Any, Any, list[Any], int]:
    """Broadcast operands of which at least one is bounded; the result is bounded.

    Operands with the target's depth must have its capacities; whether their lists are equal is
    data: checked at once when concrete, else folded into the result's ``valid`` flag. Exact
    operands are bounded with the target's capacities first. Operands with fewer levels (one
    value per list) are gathered through the target's ancestor maps.
    """
    xp = backend.xp
    target = max(
        (a for a in args if isinstance(a, RaggedArray) and isinstance(a._structure, BoundedStructure)),
        key=lambda a: a._structure.nlevels,
    )
    ts, nb_max = target._structure, max(a._nbatch for a in args if isinstance(a, RaggedArray))
    assert isinstance(ts, BoundedStructure)
    valid = ts.valid
    contents: list[Any] = []
    shapes: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    elements: list[int] = []
    for a in args:
        if not isinstance(a, RaggedArray):
            if _is_scalar(a):
                contents.append(a)
                shapes.append(((), ()))
                elements.append(1)
                continue
            arr = _to(backend, a)
            if _aligns_with_inner(a, arr, _exact_view(ts), target, name):
                facing = tuple(arr.shape)[-len(ts.inner) :]
                contents.append(xp.reshape(arr, facing))
                shapes.append(((), facing))
                elements.append(1)
                continue
            a = RaggedArray._new(Structure(int(arr.shape[0]), (), tuple(arr.shape[1:])), arr)
        s, content, nb = a._structure, _to(backend, a._content), a._nbatch
        if not isinstance(s, BoundedStructure) and s.nlevels == 0 and s.length == 1:
            # one item for every list (as in _general): it stays one and broadcasts by shape
            content, inner = _drop_facing(content, s.inner, nb, ts.nlevels, xp, (a, target, name))
            contents.append(content)
            shapes.append((tuple(content.shape[:nb]), tuple(inner)))
            elements.append(1)
            continue
        if not isinstance(s, BoundedStructure):
            caps = ts.capacities[: s.nlevels + 1]
            if any(s.count_at(d) > c for d, c in enumerate(caps)):
                raise _mismatch(a, target, name, f"the exact operand does not fit the capacities {caps}")
            s, content = bound(s, content, nb, caps)
        k = s.nlevels
        if s.capacities != ts.capacities[: k + 1]:
            raise _mismatch(
                a, target, name, f"capacities differ ({s.capacities} vs {ts.capacities[: k + 1]})"
            )
        if s is not ts:  # arrays derived from one another share their arrays: nothing to compare
            if s.valid is not ts.valid:
                valid = valid & s.valid
            same = _same_lists(s, ts, k, a, target, name)
            if same is not True:
                valid = valid & same
        inner = s.inner
        if k < ts.nlevels:
            content, inner = _drop_facing(content, inner, nb, ts.nlevels - k, xp, (a, target, name))
            moved = xp.moveaxis(content, nb, 0) if nb else content
            moved = backend.take_fill(moved, ts.ancestors(k), 0)
            content = xp.moveaxis(moved, 0, nb) if nb else moved
        contents.append(content)
        shapes.append((tuple(content.shape[:nb]), tuple(inner)))
        elements.append(ts.size)
    ni_max = max(len(n) for _, n in shapes)
    try:
        np.broadcast_shapes(*(n for _, n in shapes))
    except ValueError:
        raise _mismatch(
            args[0], target, name, "regular dimensions do not broadcast (NumPy's rules)"
        ) from None
    out = []
    for c, (b, n), m in zip(contents, shapes, elements):
        if _is_scalar(c):
            out.append(c)
            continue
        shape = (1,) * (nb_max - len(b)) + b + (m,) + (1,) * (ni_max - len(n)) + n
        out.append(c if tuple(c.shape) == shape else xp.reshape(c, shape))
    structure = ts if valid is ts.valid else ts.with_valid(valid)
    return structure, backend, out, nb_max


def _exact_view(s: BoundedStructure) -> Structure:
    """A stand-in exact structure with ``s``'s depth, outer capacity and inner dims (for the
    reading of plain arrays, which looks at nothing else)."""
    return Structure(s.capacities[0], tuple(Segments(np.zeros(2, np.int64)) for _ in s.levels), s.inner)


def _same_lists(s: BoundedStructure, ts: BoundedStructure, k: int, a: Any, target: Any, name: str) -> Any:
    """Whether ``s``'s lists are ``ts``'s first ``k`` levels' (a backend bool, or ``True`` where they
    are the same arrays; raises when concrete and they differ, so eager code gets the error where
    the mismatch is)."""
    xp = s.backend.xp
    same: Any = True if s.count is ts.count else s.count == ts.count
    for mine, theirs in zip(s.levels, ts.levels[:k]):
        if mine is not theirs:
            same = same & xp.all(mine == theirs)
    if same is True:
        return same
    if s.is_concrete() and ts.is_concrete() and not bool(s.backend.to_numpy(same)):
        detail = "their lists differ (" + s.trim(name)[0].first_difference(ts.trim(name)[0].prefix(k)) + ")"
        raise _mismatch(a, target, name, detail)
    return same
