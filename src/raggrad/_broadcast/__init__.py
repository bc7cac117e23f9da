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

from .. import _backends
from .._array import RaggedArray, as_ragged, exact_structure
from .._bounded import BoundedStructure
from .._dtypes import is_numeric
from .._errors import OptionTypeError
from .._records import RecordArray
from .._structure import Structure
from .bounded import bounded
from .numbers import INT64
from .options import flat_options, options
from .rules import (
    aligns_with_inner,
    common_backend,
    content_on,
    drop_facing,
    is_scalar,
    laid_out,
    mismatch,
)

__all__ = ["broadcast", "common_backend"]


def broadcast(
    args: tuple[Any, ...], name: str, *, select: bool = False, big_ints: bool = False
) -> tuple[Any, ...]:
    """Align the operands of an elementwise op.

    Returns ``(structure, backend, contents, nbatch)``: ``contents[i]`` broadcasts with the others
    by NumPy's rules to the result's content; ``structure`` is the result's structure without its
    inner dims (None when no operand has ndim >= 1), with the operands' missing values combined.
    ``select=True`` is for ``where(condition, x, y)`` (:mod:`._ops.where_options`): a list is then
    missing only where it is in every operand, and a fifth item gives each operand's element mask
    at the result's depth (None: nothing missing), for ``where`` to weigh against the condition.
    ``big_ints=True``: Python ints beyond int64 pass (the caller reads them, :mod:`.numbers`).
    """
    given, args = args, tuple(a if isinstance(a, RaggedArray) else _operand(a, name, big_ints) for a in args)
    hosted = [  # read on the host (Python lists, masked arrays): they go to the others' backend
        isinstance(g, np.ma.MaskedArray | list | tuple) and isinstance(a, RaggedArray)
        for g, a in zip(given, args, strict=True)
    ]
    if any(hosted):
        target = common_backend(tuple(a for a, m in zip(args, hosted, strict=True) if not m), name)
        args = tuple(a.to_backend(target.name) if m else a for a, m in zip(args, hosted, strict=True))
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
        elif not is_scalar(a):
            fast = False
            break
    if (
        fast
        and first is not None
        and (first._backend is backend or not isinstance(first._structure, BoundedStructure))
    ):
        contents = [content_on(backend, a._content) if isinstance(a, RaggedArray) else a for a in args]
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
        return (*bounded(args, backend, name), [None] * len(args)) if select else bounded(args, backend, name)
    out = _general(args, backend, name, select)
    return out if select else out[:4]


def _operand(a: Any, name: str, big_ints: bool = False) -> Any:
    """An operand that is not a RaggedArray, checked: numbers, backend arrays and RaggedArrays.

    Nested lists (ragged or not) and awkward Arrays become RaggedArrays; strings and other
    objects raise ``TypeError``; a Python int beyond int64 raises ``OverflowError`` naming it.
    """
    if isinstance(a, bool | float | complex):
        return a
    if isinstance(a, int):
        if not (big_ints or INT64.min <= a <= INT64.max):
            msg = f"{name}: the Python integer {a} does not fit in int64; write it as a float ({float(a):g})"
            raise OverflowError(msg)
        return a
    if isinstance(a, np.ma.MaskedArray):  # masked entries are missing values, as rg.array reads them
        return as_ragged(a, name, options=True)  # (ops without missing values refused it already)
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


def _general(
    args: tuple[Any, ...], backend: _backends.Backend, name: str, select: bool = False
) -> tuple[Any, Any, list[Any], int, list[Any]]:
    # describe every non-scalar operand as (structure, nbatch, content)
    described: list[tuple[Any, Structure, int, Any] | None] = []
    for a in args:
        if isinstance(a, RaggedArray):
            described.append((a, exact_structure(a), a._nbatch, content_on(backend, a._content)))
        elif is_scalar(a):
            described.append(None)
        else:
            arr = a if _backends.backend_of(a) is not None else np.asarray(a)
            if isinstance(arr, np.ndarray) and arr.dtype == object:
                msg = f"{name}: cannot use {type(a).__name__} {a!r} as an operand"
                raise TypeError(msg)
            arr = content_on(backend, arr)
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
            shape = np.broadcast_shapes(*(tuple(c.shape) for c in contents if not is_scalar(c)))
        except ValueError:
            a, b = (d[0] for d in present[:2])
            raise mismatch(a, b, name, "regular dimensions do not broadcast (NumPy's rules)") from None
        structure, element_masks = Structure(shape[nb], (), ()), [None] * len(args)
        if any(d is not None and d[1].masks is not None for d in described):
            structure, element_masks = flat_options(described, shape[nb:], name)
        return structure, backend, contents, nb, element_masks
    element_masks = [None] * len(args)
    if any(d is not None and d[1].masks is not None for d in described):
        described, target, element_masks = options(described, target, target_arg, backend, name, select)
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
        if not isinstance(a, RaggedArray) and aligns_with_inner(a, content, target, target_arg, name):
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
            raise mismatch(a, target_arg, name, f"outer lengths differ ({s.length} vs {target.length})")
        for j in range(k):
            mine, theirs = s.levels[j], target.levels[j]
            if not (mine is theirs or np.array_equal(mine.offsets, theirs.offsets)):
                raise mismatch(a, target_arg, name, s.first_difference(target))
        xp = backend.xp
        if k < k_t:
            content, inner = drop_facing(content, inner, nb, k_t - k, xp, (a, target_arg, name))
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
    try:  # batch dims and regular inner dims follow NumPy's (right-aligned) rules
        np.broadcast_shapes(*(b for b, _ in shapes))
        np.broadcast_shapes(*(n for _, n in shapes))
    except ValueError:
        others = [d[0] for d in present if d[0] is not target_arg]
        raise mismatch(
            others[0] if others else target_arg,
            target_arg,
            name,
            "regular dimensions do not broadcast (NumPy's rules): batch/inner shapes "
            f"{[b for b, _ in shapes if b]} / {[n for _, n in shapes if n]}",
        ) from None
    return target, backend, laid_out(aligned, shapes, elements, backend.xp), nb_max, element_masks
