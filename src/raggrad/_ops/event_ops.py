"""Operations on event records (:class:`EventArray`) that are more than a field's: appending events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._axes import as_index
from .._events import EventArray

__all__ = ["concat_events", "listed"]


def listed(x: EventArray) -> str:
    """A field of ``x`` that holds lists, to name in a message."""
    return next((n for n, f in zip(x._names, x._fields, strict=True) if f.ndim > x.ndim), x._names[0])


def concat_events(arrays: list[Any], axis: Any, join: Callable[..., Any]) -> EventArray:
    """Event records appended (``axis=0``): field by field with ``join`` (``rg.concat``), each
    field with its own structure."""
    first = arrays[0]
    if not all(isinstance(a, EventArray) and sorted(a._names) == sorted(first._names) for a in arrays):
        msg = f"rg.concat: event records join only with event records of the same fields as {first.type!r}"
        raise TypeError(msg)
    if axis is None or first.ndim != 1 or as_index(axis, "axis", "rg.concat") not in (0, -1):
        f = listed(first)
        msg = (
            f"rg.concat: event records join along axis=0; for a field: rg.concat([a.{f}, b.{f}], axis={axis})"
        )
        raise NotImplementedError(msg)
    fields = tuple(join([a[name] for a in arrays], axis=0) for name in first._names)
    return EventArray._new(
        first._names, fields, first._name if all(a._name == first._name for a in arrays) else None
    )
