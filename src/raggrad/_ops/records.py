"""Record ops: ``zip``, ``unzip`` and ``fields``, as awkward's ``ak.zip``/``ak.unzip``/``ak.fields``.

The :class:`~raggrad.RecordArray` class and the machinery that runs structure ops field by field
live in the array core (``raggrad._records``).
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Mapping
from typing import Any

from .._array import RaggedArray
from .._records import RecordArray, from_fields
from .._registry import register
from .manipulation import broadcast_arrays

__all__ = ["fields", "unzip", "zip"]


@register("zip", "structural", awkward="ak.zip")
def zip(arrays: Mapping[str, Any], /) -> RecordArray:
    """Fields broadcast to one structure and joined as a record array, as ``ak.zip``.

    Values broadcast with the usual rules, so a per-event field (one value per list) is repeated
    into the lists. Fields whose lists differ raise ``ValueError`` naming them.

    >>> import raggrad as rg
    >>> mu = rg.zip({"pt": rg.array([[30.0, 15.0], [7.0]]), "run": rg.array([1, 2])})
    >>> mu.type
    '2 * var * {pt: float64, run: int64}'
    >>> mu.run.to_list()
    [[1, 1], [2]]
    """
    if isinstance(arrays, RecordArray):
        return arrays
    if not isinstance(arrays, Mapping):
        msg = f"rg.zip: expected a mapping of field names to arrays, not {type(arrays).__name__}"
        raise TypeError(msg)
    if not arrays:
        msg = "rg.zip: a record needs at least one field"
        raise ValueError(msg)
    names = tuple(arrays)
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        msg = f"rg.zip: field names must be strings, got {bad[0]!r}"
        raise TypeError(msg)
    for name, a in arrays.items():
        if isinstance(a, RecordArray):
            msg = f"rg.zip: field {name!r} is a record array; records of records are not supported"
            raise TypeError(msg)
    values = list(arrays.values())
    try:
        out = broadcast_arrays(*values)
    except ValueError as exc:
        raise _name_mismatch(names, values, exc) from None
    if not builtins.any(isinstance(a, RaggedArray) for a in out):
        msg = "rg.zip: every field is a scalar; at least one must be an array"
        raise ValueError(msg)
    return from_fields(dict(builtins.zip(names, out)), "rg.zip")


def _name_mismatch(names: tuple[str, ...], values: list[Any], exc: ValueError) -> ValueError:
    for i, j in itertools.combinations(range(len(values)), 2):
        try:
            broadcast_arrays(values[i], values[j])
        except ValueError as pair:
            detail = str(pair).removeprefix("rg.broadcast_arrays: ")
            return ValueError(f"rg.zip: fields {names[i]!r} and {names[j]!r} do not broadcast: {detail}")
    return ValueError(f"rg.zip: the fields {list(names)} do not broadcast: {exc}")


@register("unzip", "structural", awkward="ak.unzip")
def unzip(x: RecordArray, /) -> tuple[RaggedArray, ...]:
    """The fields of a record array, in order, as a tuple of arrays (``ak.unzip``).

    >>> import raggrad as rg
    >>> pt, q = rg.unzip(rg.zip({"pt": rg.array([[1.0], []]), "q": rg.array([[1], []])}))
    >>> pt.to_list(), q.type
    ([[1.0], []], '2 * var * int64')
    """
    if isinstance(x, RaggedArray):
        return (x,)
    if not isinstance(x, RecordArray):
        msg = f"rg.unzip: expected a record array, not {type(x).__name__}"
        raise TypeError(msg)
    return tuple(x._arrays())


@register("fields", "structural", differentiable=False)
def fields(x: RecordArray, /) -> list[str]:
    """The field names of a record array (``[]`` for a plain array), as ``ak.fields``.

    >>> import raggrad as rg
    >>> rg.fields(rg.zip({"pt": rg.array([[1.0]]), "eta": rg.array([[0.5]])}))
    ['pt', 'eta']
    """
    if isinstance(x, RecordArray):
        return list(x._names)
    if isinstance(x, RaggedArray):
        return []
    msg = f"rg.fields: expected a record array, not {type(x).__name__}"
    raise TypeError(msg)
