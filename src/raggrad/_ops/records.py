"""Record ops: ``zip``, ``unzip``, ``fields``, ``with_field`` and ``values_astype``, as awkward's.

The :class:`~raggrad.RecordArray` class and the machinery that runs structure ops field by field
live in the array core (``raggrad._records``).
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, overload

import numpy as np

from .._array import RaggedArray
from .._bounded import BoundedStructure
from .._events import EventArray, from_event_fields
from .._records import RecordArray, fieldwise, from_fields, is_tuple
from .._registry import provide, register
from .._structure import Structure
from .common import single
from .creation import astype
from .manipulation import broadcast_arrays

__all__ = ["fields", "unzip", "values_astype", "with_field", "zip"]


@overload
def zip(
    arrays: Mapping[str, Any] | Sequence[Any], /, *, with_name: str | None = None, depth_limit: None = None
) -> RecordArray: ...
@overload
def zip(
    arrays: Mapping[str, Any] | Sequence[Any], /, *, with_name: str | None = None, depth_limit: int
) -> EventArray: ...
@register("zip", "structural", awkward="ak.zip")
def zip(
    arrays: Mapping[str, Any] | Sequence[Any],
    /,
    *,
    with_name: str | None = None,
    depth_limit: int | None = None,
) -> RecordArray | EventArray:
    """Fields broadcast to one structure and joined as a record array, as ``ak.zip``.

    Values broadcast with the usual rules, so a per-event field (one value per list) is repeated
    into the lists. Fields whose lists differ raise ``ValueError`` naming them. A list (or tuple)
    of arrays makes awkward's tuples, records of unnamed fields ``"0"``, ``"1"`` ...; a dict
    whose keys are exactly ``"0"``, ``"1"`` ... makes tuples too (awkward would make records).
    ``with_name`` names the records (awkward's ``with_name``, e.g. ``"Momentum4D"``).

    ``depth_limit=1`` joins the fields at the outer dimension only, each keeping its own lists
    (a record array, a per-event array, another event record): an :class:`raggrad.EventArray`,
    ``n * {MET_pt: float64, Muon: var * {pt: float64}}``. The fields must have one outer length
    (``ValueError`` naming the fields and lengths otherwise); nothing is broadcast.

    >>> import raggrad as rg
    >>> mu = rg.zip({"pt": rg.array([[30.0, 15.0], [7.0]]), "run": rg.array([1, 2])})
    >>> mu.type
    '2 * var * {pt: float64, run: int64}'
    >>> mu.run.to_list()
    [[1, 1], [2]]
    >>> pairs = rg.zip([rg.array([[1, 2], []]), rg.array([[3, 4], []])])
    >>> pairs.type, pairs.to_list()
    ('2 * var * (int64, int64)', [[(1, 3), (2, 4)], []])
    >>> events = rg.zip({"MET_pt": rg.array([5.0, 7.0]), "Muon": mu}, depth_limit=1)
    >>> events.type
    '2 * {MET_pt: float64, Muon: var * {pt: float64, run: int64}}'
    """
    if with_name is not None and not isinstance(with_name, str):
        msg = f"rg.zip: with_name must be a string, not {type(with_name).__name__}"
        raise TypeError(msg)
    if depth_limit is not None:
        if isinstance(depth_limit, bool) or not isinstance(depth_limit, int) or depth_limit < 1:
            msg = f"rg.zip: depth_limit must be None or a positive integer, not {depth_limit!r}"
            raise ValueError(msg)
        if depth_limit > 1:
            msg = (
                f"rg.zip: depth_limit={depth_limit} is not supported; use depth_limit=1 (fields joined "
                "at the outer dimension) or None (fields broadcast to one structure)"
            )
            raise NotImplementedError(msg)
        if isinstance(arrays, EventArray):
            return arrays if with_name is None else EventArray._new(arrays._names, arrays._fields, with_name)
        if not isinstance(arrays, Mapping):
            msg = (
                f"rg.zip: depth_limit=1 needs a mapping of field names to arrays, not {type(arrays).__name__}"
            )
            raise TypeError(msg)
        return from_event_fields(dict(arrays), "rg.zip", with_name)
    if isinstance(arrays, RecordArray):
        return arrays if with_name is None else _renamed(arrays, with_name)
    if isinstance(arrays, (list, tuple)):
        arrays = {str(i): a for i, a in enumerate(arrays)}
    if not isinstance(arrays, Mapping):
        got = type(arrays).__name__
        msg = f"rg.zip: expected a mapping of field names to arrays or a list of arrays, not {got}"
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
            msg = (
                f"rg.zip: field {name!r} is a record array; records of records are not supported "
                "unless joined at the outer dimension: rg.zip({...}, depth_limit=1)"
            )
            raise TypeError(msg)
    values = list(arrays.values())
    try:
        out = broadcast_arrays(*values)
    except ValueError as exc:
        raise _name_mismatch(names, values, exc) from None
    if not builtins.any(isinstance(a, RaggedArray) for a in out):
        msg = "rg.zip: every field is a scalar; at least one must be an array"
        raise ValueError(msg)
    return from_fields(dict(builtins.zip(names, out)), "rg.zip", with_name)


def _renamed(x: RecordArray, with_name: str) -> RecordArray:
    return RecordArray._new(x._structure, x._names, x._contents, with_name)


def _name_mismatch(names: tuple[str, ...], values: list[Any], exc: ValueError) -> ValueError:
    for i, j in itertools.combinations(range(len(values)), 2):
        try:
            broadcast_arrays(values[i], values[j])
        except ValueError as pair:
            detail = str(pair).removeprefix("rg.broadcast_arrays: ")
            return ValueError(
                f"rg.zip: fields {names[i]!r} and {names[j]!r} do not broadcast: {detail}; "
                "rg.zip({...}, depth_limit=1) keeps each field's own lists"
            )
    return ValueError(f"rg.zip: the fields {list(names)} do not broadcast: {exc}")


@register("unzip", "structural", awkward="ak.unzip")
def unzip(x: RecordArray | EventArray, /) -> tuple[Any, ...]:
    """The fields of a record array, in order, as a tuple of arrays (``ak.unzip``).

    >>> import raggrad as rg
    >>> pt, q = rg.unzip(rg.zip({"pt": rg.array([[1.0], []]), "q": rg.array([[1], []])}))
    >>> pt.to_list(), q.type
    ([[1.0], []], '2 * var * int64')
    """
    if isinstance(x, RaggedArray):
        return (x,)
    if isinstance(x, EventArray):
        return x._fields
    if not isinstance(x, RecordArray):
        msg = f"rg.unzip: expected a record array, not {type(x).__name__}"
        raise TypeError(msg)
    return tuple(x._arrays())


@register("fields", "structural", differentiable=False)
def fields(x: RecordArray | EventArray, /) -> list[str]:
    """The field names of a record array (``[]`` for a plain array), as ``ak.fields``.

    >>> import raggrad as rg
    >>> rg.fields(rg.zip({"pt": rg.array([[1.0]]), "eta": rg.array([[0.5]])}))
    ['pt', 'eta']
    """
    if isinstance(x, RecordArray | EventArray):
        return list(x._names)
    if isinstance(x, RaggedArray):
        return []
    msg = f"rg.fields: expected a record array, not {type(x).__name__}"
    raise TypeError(msg)


@provide("with_field")
@register("with_field", "structural", awkward="ak.with_field")
def with_field(base: RecordArray | EventArray, what: Any, /, where: Any = None) -> RecordArray | EventArray:
    """``base`` with field ``where`` set to ``what`` (``ak.with_field``), as a new record array.

    ``base`` is unchanged; an existing field is replaced in its place, a new one appended.

    ``what`` broadcasts to ``base``'s lists (a scalar, one value per list, or an array of the
    same lists); a ``what`` with deeper lists than ``base`` would make a field of lists, which
    raggrad's records do not hold (``NotImplementedError``). ``where=None`` appends an unnamed
    field to a tuple record (``rg.zip([a, b])``). Differentiable in ``base`` and ``what``; the
    record name is kept. ``base["name"] = what`` does the same and rebinds ``base``, as awkward.

    On an event record (:class:`raggrad.EventArray`), ``where`` is a field name or a path into a
    collection, ``("Muon", "iso")``. A name sets a field of its own (a raggrad array with one entry
    per event: a per-event value, a collection, another event record; nothing is broadcast). A
    path sets a field of the collection it names, as above on that record array; a ``what`` with
    the collection's depth must have its lists (``ValueError`` naming the field and the first list
    that differs). Bounded fields work, under ``jax.jit`` too.

    >>> import raggrad as rg
    >>> mu = rg.zip({"pt": rg.array([[30.0, 15.0], [7.0]])})
    >>> rg.with_field(mu, mu.pt * 2, "pt2").to_list()
    [[{'pt': 30.0, 'pt2': 60.0}, {'pt': 15.0, 'pt2': 30.0}], [{'pt': 7.0, 'pt2': 14.0}]]
    >>> events = rg.zip({"MET_pt": rg.array([5.0, 7.0]), "Muon": mu}, depth_limit=1)
    >>> events = rg.with_field(events, rg.sum(events.Muon.pt, axis=1), "HT")
    >>> events = rg.with_field(events, events.Muon.pt / 10, ("Muon", "iso"))
    >>> events.type
    '2 * {MET_pt: float64, Muon: var * {pt: float64, iso: float64}, HT: float64}'
    >>> events.Muon.iso.to_list(), events.HT.to_list()
    ([[3.0, 1.5], [0.7]], [45.0, 7.0])
    """
    if isinstance(base, EventArray):
        return _with_event_field(base, what, where)
    if not isinstance(base, RecordArray):
        msg = (
            f"rg.with_field: expected a record array, not {type(base).__name__}; "
            "rg.zip({'name': x, ...}) makes one"
        )
        raise TypeError(msg)
    if isinstance(what, RecordArray):
        msg = "rg.with_field: the new field is a record array; records of records are not supported"
        raise TypeError(msg)
    names = base._names
    if where is None:
        if not is_tuple(names):
            msg = f"rg.with_field: where=None appends to a tuple, but the fields are {list(names)}; name it"
            raise ValueError(msg)
        where = str(len(names))
    if isinstance(where, (tuple, list)) and len(where) == 1:
        where = where[0]
    if not isinstance(where, str):
        msg = f"rg.with_field: where must be a field name (a string), not {where!r}"
        if isinstance(where, (tuple, list)):
            raise NotImplementedError(msg + " (records inside records are not supported)")
        raise TypeError(msg)
    first = base._field(0)
    try:
        _, value = broadcast_arrays(first, what)
    except ValueError as exc:
        msg = f"rg.with_field: the new field {where!r} does not broadcast to the record's lists: {exc}"
        raise ValueError(msg) from None
    # equal depth is enough here: broadcasting checked the lists (a bounded array's, when traced,
    # in its validity flag), and from_fields checks them again
    if not isinstance(value, RaggedArray) or _depth(value) != _depth(first):
        msg = (
            f"rg.with_field: field {where!r} of type {getattr(value, 'type', type(value).__name__)!r} "
            f"has deeper lists than the record ({base.type!r}); raggrad's records hold numbers, not "
            "lists: rg.zip the fields broadcast to the deeper lists instead"
        )
        raise NotImplementedError(msg)
    fields = dict(builtins.zip(names, base._arrays()))
    fields[where] = value
    return from_fields(fields, "rg.with_field", base._name)


def _depth(x: RaggedArray) -> tuple[int, tuple[int, ...]]:
    return x._structure.nlevels, tuple(x._structure.inner)


def _with_event_field(base: EventArray, what: Any, where: Any) -> EventArray:
    """:func:`with_field` on an event record: ``where`` a field name or a path into a collection."""
    path = (where,) if isinstance(where, str) else where
    if not isinstance(path, tuple | list) or not path or not builtins.all(isinstance(w, str) for w in path):
        msg = (
            f"rg.with_field: where={where!r}; on an event record it is a field name or a path of "
            "names into a collection, e.g. ('Muon', 'iso')"
        )
        raise TypeError(msg)
    head, rest = path[0], tuple(path[1:])
    fields = dict(builtins.zip(base._names, base._fields))
    if not rest:
        fields[head] = what
        return from_event_fields(fields, "rg.with_field", base._name)
    if head not in fields:
        msg = (
            f"rg.with_field: no collection {head!r} for the field {tuple(path)!r}; the fields are "
            f"{base.fields}"
        )
        raise ValueError(msg)
    inner = fields[head]
    if isinstance(inner, EventArray):
        fields[head] = _with_event_field(inner, what, rest)
    elif isinstance(inner, RecordArray):
        if isinstance(what, RaggedArray):
            _check_lists(inner, what, tuple(path))
        fields[head] = with_field(inner, what, rest)
    else:
        msg = (
            f"rg.with_field: field {head!r} of the event record is a {inner.type!r} array, not a "
            f"collection (a record array) to set {tuple(path)!r} in"
        )
        raise TypeError(msg)
    return from_event_fields(fields, "rg.with_field", base._name)


def _check_lists(collection: RecordArray, what: RaggedArray, path: tuple[str, ...]) -> None:
    """``ValueError`` naming the field and the first list that differs, where ``what`` has the
    collection's depth and other lists (both known: exact, or bounded and concrete)."""
    mine = _exact(collection._structure)
    theirs = _exact(what._structure)
    if mine is None or theirs is None or theirs.nlevels != mine.nlevels:
        return  # traced (broadcasting folds the check into the validity flag) or another depth
    if mine.length == theirs.length and builtins.all(
        a is b or np.array_equal(a.offsets, b.offsets) for a, b in builtins.zip(mine.levels, theirs.levels)
    ):
        return
    msg = (
        f"rg.with_field: the field {path!r} has other lists than the collection {path[0]!r} "
        f"({theirs.first_difference(mine)}, the field's vs the collection's); a field of a "
        "collection needs one value per object"
    )
    raise ValueError(msg)


def _exact(s: Any) -> Structure | None:
    """The exact structure of an exact or concrete bounded structure; None when traced."""
    if isinstance(s, BoundedStructure):
        return s.trim("rg.with_field")[0] if s.is_concrete() and not s.stacked else None
    return s if isinstance(s, Structure) else None


@register("values_astype", "structural", awkward="ak.values_astype", options=True)
@fieldwise("each")
def values_astype(x: Any, to: Any, /, *, including_unknown: bool = False) -> Any:
    """The values of ``x`` converted to dtype ``to``, lists and missing values kept (``ak.values_astype``).

    A record array converts every field (its record name kept). Floats to
    integers truncate towards zero. ``including_unknown`` is accepted for awkward's signature and
    changes nothing (raggrad has no unknown type: ``rg.array([[]])`` is float64).
    Differentiable between float dtypes, as :func:`raggrad.astype`.

    >>> import raggrad as rg
    >>> rg.values_astype(rg.array([[1.7, None], [-2.2]]), "int32").to_list()
    [[1, None], [-2]]
    """
    if not isinstance(including_unknown, bool):
        msg = f"rg.values_astype: including_unknown must be True or False, not {including_unknown!r}"
        raise TypeError(msg)
    return astype(single(x, "rg.values_astype"), to)
