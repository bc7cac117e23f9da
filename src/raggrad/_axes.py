"""Axis bookkeeping: the one normaliser every op's ``axis`` argument goes through.

NumPy's rules: an axis is an integer (Python or NumPy, anything with ``__index__``) in
``[-ndim, ndim)``; ``True``/``False`` are refused (NumPy raises ``TypeError`` for them too); a tuple
of axes may not name one axis twice.
"""

from __future__ import annotations

import operator
from typing import Any

from numpy.exceptions import AxisError

__all__ = ["as_index", "classify_axis", "normalize_axes", "normalize_axis"]


def as_index(value: Any, what: str, name: str) -> int:
    """``value`` as a Python int: ints and NumPy integers, never bools or floats."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        msg = f"{name}: {what} must be an integer, not the boolean {value!r}"
        raise TypeError(msg)
    try:
        return operator.index(value)
    except TypeError:
        msg = f"{name}: {what} must be an integer, not {type(value).__name__} {value!r}"
        raise TypeError(msg) from None


def normalize_axis(axis: Any, ndim: int, name: str, *, type_str: Any = "") -> int:
    """``axis`` in ``[0, ndim)``; ``AxisError`` (a ``ValueError``) when out of range.

    ``type_str`` (the array's type, or a function giving it: made only for the message) names the
    array in the error."""
    if axis is None:
        msg = f"{name}: needs an integer axis; axis=None is not supported here"
        raise TypeError(msg)
    a = as_index(axis, "axis", name)
    if not -ndim <= a < ndim:
        type_str = type_str() if callable(type_str) else type_str
        of = f"an array of type {type_str!r} (ndim {ndim})" if type_str else f"an array of ndim {ndim}"
        msg = f"{name}: axis={a} is out of range for {of}"
        raise AxisError(msg)
    return a % ndim


def normalize_axes(axis: Any, ndim: int, name: str, *, type_str: Any = "") -> tuple[int, ...]:
    """A tuple of distinct axes in ``[0, ndim)`` (an int gives a 1-tuple)."""
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = tuple(normalize_axis(a, ndim, name, type_str=type_str) for a in items)
    if len(set(out)) != len(out):
        msg = f"{name}: axis={axis!r} names the same axis more than once"
        raise ValueError(msg)
    return out


def classify_axis(x: Any, axis: Any, name: str) -> tuple[str, int]:
    """Classify ``axis`` of RaggedArray ``x``.

    Returns ``("batch", i)`` for a leading batch dim, ``("outer", 0)`` for the outermost structured
    dimension, ``("level", k)`` for ragged level ``k`` (axis ``k + 1`` of an unbatched array), or
    ``("inner", j)`` for regular inner dim ``j``.
    """
    a = normalize_axis(axis, x.ndim, name, type_str=lambda: x.type)
    nb = x._nbatch
    if a < nb:
        return "batch", a
    d = a - nb
    s = x._structure
    if d == 0:
        return "outer", 0
    if d <= s.nlevels:
        return "level", d - 1
    return "inner", d - 1 - s.nlevels
