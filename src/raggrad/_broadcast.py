"""Broadcasting with awkward's rules, done on content buffers.

Rules (DESIGN.md): scalars and 0-d arrays broadcast everywhere; arrays of equal structure combine
element by element; an array with fewer ragged levels (a dense length-``n`` array, a keepdims
result, ``n * var`` against ``n * var * var``) broadcasts one value per list, left-aligned; regular
inner dims and batch dims follow NumPy's right-aligned rules. Backends: a RaggedArray's backend must
agree with every other RaggedArray's; plain NumPy arrays and scalars join any backend, and plain
arrays of another backend (a jax tracer for a parameter) lift NumPy-held RaggedArrays to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _backends
from ._array import RaggedArray
from ._convert import content_to
from ._records import reject
from ._structure import Structure

__all__ = ["broadcast", "common_backend"]


def common_backend(args: tuple[Any, ...], name: str) -> _backends.Backend:
    ragged: _backends.Backend | None = None
    other: _backends.Backend | None = None
    for a in args:
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


def broadcast(args: tuple[Any, ...], name: str) -> tuple[Structure | None, _backends.Backend, list[Any], int]:
    """Align the operands of an elementwise op.

    Returns ``(structure, backend, contents, nbatch)``: ``contents[i]`` broadcasts with the others
    by NumPy's rules to the result's content; ``structure`` is the result's structure without its
    inner dims (None when no operand has ndim >= 1).
    """
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
        return first._structure, backend, contents, first._nbatch
    return _general(args, backend, name)


def _is_scalar(a: Any) -> bool:
    return isinstance(a, (bool, int, float, complex, np.generic)) or (
        hasattr(a, "shape") and len(a.shape) == 0
    )


def _to(backend: _backends.Backend, content: Any) -> Any:
    src = _backends.backend_of(content)
    return content if src is backend or src is None else content_to(content, None, backend, None)


def _general(args: tuple[Any, ...], backend: _backends.Backend, name: str) -> tuple[Any, Any, list[Any], int]:
    # describe every non-scalar operand as (structure, nbatch, content)
    described: list[tuple[Any, Structure, int, Any] | None] = []
    for a in args:
        if isinstance(a, RaggedArray):
            described.append((a, a._structure, a._nbatch, _to(backend, a._content)))
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
        return None, backend, list(args), 0
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
        return Structure(shape[nb], (), ()), backend, contents, nb
    aligned: list[Any] = []
    shapes: list[tuple[tuple[int, ...], tuple[int, ...]]] = []  # (batch, inner) per operand
    for i, d in enumerate(described):
        if d is None:
            aligned.append(args[i])
            shapes.append(((), ()))
            continue
        a, s, nb, content = d
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
            # inner dims of ``a`` that face ragged levels of the target must have length 1
            facing = inner[: k_t - k]
            if any(n != 1 for n in facing):
                raise _mismatch(
                    a,
                    target_arg,
                    name,
                    f"a regular dimension of length {max(facing)} cannot broadcast "
                    "against a ragged dimension",
                )
            if facing:
                content = xp.reshape(content, (*content.shape[: nb + 1], *inner[len(facing) :]))
                inner = inner[len(facing) :]
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
    for c, (b, n) in zip(aligned, shapes):
        if _is_scalar(c):
            contents.append(c)
            continue
        shape = (1,) * (nb_max - len(b)) + b + (target.size,) + (1,) * (ni_max - len(n)) + n
        contents.append(c if tuple(c.shape) == shape else backend.xp.reshape(c, shape))
    return target, backend, contents, nb_max
