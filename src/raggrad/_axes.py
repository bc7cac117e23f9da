"""Axis bookkeeping: which part of an array an ``axis`` argument names."""

from __future__ import annotations

from typing import Any

from numpy.exceptions import AxisError


def normalize_axis(x: Any, axis: Any, where: str) -> tuple[str, int]:
    """Classify ``axis`` of RaggedArray ``x``.

    Returns ``("batch", i)`` for a leading batch dim, ``("outer", 0)`` for the outermost structured
    dimension, ``("level", k)`` for ragged level ``k`` (axis ``k + 1`` of an unbatched array), or
    ``("inner", j)`` for regular inner dim ``j``.
    """
    if isinstance(axis, bool) or not isinstance(axis, int):
        try:
            axis = int(axis.__index__())
        except AttributeError:
            msg = f"{where}: axis must be an integer or None, not {type(axis).__name__} {axis!r}"
            raise TypeError(msg) from None
    ndim = x.ndim
    if not -ndim <= axis < ndim:
        msg = f"{where}: axis={axis} is out of range for an array of type {x.type!r} (ndim {ndim})"
        raise AxisError(msg)
    axis %= ndim
    nb = x._nbatch
    if axis < nb:
        return "batch", axis
    d = axis - nb
    s = x._structure
    if d == 0:
        return "outer", 0
    if d <= s.nlevels:
        return "level", d - 1
    return "inner", d - 1 - s.nlevels
