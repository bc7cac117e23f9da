"""The rules every broadcast shares: which backend the operands meet on, how a plain array
meets a ragged one's inner dimensions, and the mismatch error."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._convert import content_to
from .._records import reject
from .._structure import Structure

__all__ = [
    "aligns_with_inner",
    "common_backend",
    "content_on",
    "describe",
    "drop_facing",
    "is_scalar",
    "laid_out",
    "mismatch",
]


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


def describe(a: Any) -> str:
    if isinstance(a, RaggedArray):
        return repr(a.type)
    return f"an array of shape {tuple(np.shape(a)) if not hasattr(a, 'shape') else tuple(a.shape)}"


def mismatch(a: Any, b: Any, name: str, detail: str) -> ValueError:
    return ValueError(f"{name}: cannot broadcast {describe(a)} with {describe(b)}: {detail}")


def aligns_with_inner(a: Any, content: Any, target: Structure, target_arg: Any, name: str) -> bool:
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
            f"{name}: an array of shape {shape} meets {describe(target_arg)} two ways: along the "
            "regular inner dimensions from the right (NumPy's rule) or one value per list "
            "(awkward's rule); say which: b[None, None, :] for the inner dimensions, "
            "b[:, None, None] or rg.asarray(b) for one value per list (one None per dimension "
            "the array lacks)"
        )
        raise ValueError(msg)
    return True


def drop_facing(
    content: Any, inner: tuple[int, ...], nb: int, gap: int, xp: Any, where: tuple[Any, Any, str]
) -> tuple[Any, tuple[int, ...]]:
    """An operand with ``gap`` fewer ragged levels than the target: its inner dims that face the
    target's ragged levels must have length 1, and are dropped."""
    facing = inner[:gap]
    if any(n != 1 for n in facing):
        a, target, name = where
        detail = f"a regular dimension of length {max(facing)} cannot broadcast against a ragged dimension"
        raise mismatch(a, target, name, detail)
    if facing:
        content = xp.reshape(content, (*content.shape[: nb + 1], *inner[len(facing) :]))
        inner = inner[len(facing) :]
    return content, inner


def is_scalar(a: Any) -> bool:
    return isinstance(a, (bool, int, float, complex, np.generic)) or (
        hasattr(a, "shape") and len(a.shape) == 0
    )


def content_on(backend: _backends.Backend, content: Any) -> Any:
    src = _backends.backend_of(content)
    return content if src is backend or src is None else content_to(content, None, backend, None)


def laid_out(
    contents: list[Any], shapes: list[tuple[tuple[int, ...], tuple[int, ...]]], elements: list[int], xp: Any
) -> list[Any]:
    """Each operand's content reshaped to broadcast with the others: its batch dims
    (``shapes[i][0]``), element axis (length ``elements[i]``: the result's, or 1) and inner dims
    (``shapes[i][1]``), each group right-aligned as in NumPy; scalars as they are."""
    nb_max = max(len(b) for b, _ in shapes)
    ni_max = max(len(n) for _, n in shapes)
    out = []
    for c, (b, n), m in zip(contents, shapes, elements):
        if is_scalar(c):
            out.append(c)
            continue
        shape = (1,) * (nb_max - len(b)) + b + (m,) + (1,) * (ni_max - len(n)) + n
        out.append(c if tuple(c.shape) == shape else xp.reshape(c, shape))
    return out
