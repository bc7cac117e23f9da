"""Event records: fields that share only the outer dimension, as a NanoAOD tree holds them.

An :class:`EventArray` is ``n`` records whose fields each keep their own structure below the
outer dimension: ``n * {MET_pt: float32, Muon: var * {pt: float32, eta: float32}}`` (awkward's
``ak.zip(..., depth_limit=1)``). A field is a :class:`RaggedArray` (exact or bounded), a
:class:`RecordArray` (a collection) or another :class:`EventArray`. Nothing below the outer
dimension is shared, so the fields are held whole and an outer key (an event mask, an integer,
a slice, an array of event numbers) is applied to each of them. Everything else is per field:
``events.Muon[events.Muon.pt > 20]``, ``rg.sum(events.Muon.pt, axis=1)``. Arithmetic and
reductions of a whole event record raise ``TypeError`` naming the fields.

In the JAX pytree the field names and the record name are auxiliary data and the fields are the
children (each its own pytree), so ``jax.grad`` of a function of an event record returns an event
record of per-field gradients and ``jax.jit`` specializes on each field's structure.
"""

from __future__ import annotations

import builtins
import copy
import difflib
import json
import keyword
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from . import _backends
from ._array import _REPR_WIDTH, RaggedArray, as_ragged
from ._bounded import BoundedStructure
from ._records import RecordArray, distinct, field_path, names_key
from ._registry import convertible, numpy_functions, provided

__all__ = ["EventArray", "from_event_fields"]


class EventArray(NDArrayOperatorsMixin):
    """Records whose fields share only the outer dimension: one value per event beside one list
    of muons per event, ``n * {MET_pt: float64, Muon: var * {pt: float64}}``.

    Create one with ``rg.zip({...}, depth_limit=1)``, :func:`raggrad.hep.events` or
    :func:`raggrad.from_awkward` of an awkward record whose fields have different lists. Read a
    field with ``x["Muon"]`` or ``x.Muon``; an outer key (``x[mask]``, ``x[3]``, ``x[2:5]``,
    ``x[[0, 2]]``) selects events in every field; every other op works on one field.

    >>> import raggrad as rg
    >>> muons = rg.zip({"pt": rg.array([[40.0, 15.0], [], [25.0]])})
    >>> events = rg.zip({"MET_pt": rg.array([10.0, 20.0, 30.0]), "Muon": muons}, depth_limit=1)
    >>> events.type
    '3 * {MET_pt: float64, Muon: var * {pt: float64}}'
    >>> events.Muon[events.Muon.pt > 20].pt.to_list()
    [[40.0], [], [25.0]]
    >>> events[events.MET_pt > 15].to_list()
    [{'MET_pt': 20.0, 'Muon': []}, {'MET_pt': 30.0, 'Muon': [{'pt': 25.0}]}]
    """

    __slots__ = ("__weakref__", "_fields", "_name", "_names")
    __array_priority__ = 1000

    _names: tuple[str, ...]
    _fields: tuple[Any, ...]
    #: the record name (awkward's ``with_name``) or None
    _name: str | None

    def __new__(cls, *args: Any, **kwargs: Any) -> EventArray:
        msg = "EventArray() is private; create event records with rg.zip({'name': array, ...}, depth_limit=1)"
        raise TypeError(msg)

    @classmethod
    def _new(cls, names: tuple[str, ...], fields: tuple[Any, ...], name: str | None = None) -> EventArray:
        obj = object.__new__(EventArray)
        obj._names = names
        obj._fields = fields
        obj._name = name
        return obj

    # ---- pickle and copy ----------------------------------------------------------------
    def __reduce__(self) -> tuple[Any, ...]:
        return EventArray._new, (self._names, self._fields, self._name)

    def __copy__(self) -> EventArray:
        return EventArray._new(self._names, self._fields, self._name)

    def __deepcopy__(self, memo: dict[int, Any]) -> EventArray:
        return EventArray._new(self._names, copy.deepcopy(self._fields, memo), self._name)

    # ---- pytree: the fields are the children, names and record name the auxiliary data ------
    def _tree_flatten(self) -> tuple[tuple[Any, ...], Any]:
        return self._fields, (self._names, self._name)

    def _tree_flatten_with_keys(self) -> tuple[tuple[Any, ...], Any]:
        return tuple(builtins.zip(self._names, self._fields, strict=True)), (self._names, self._name)

    @classmethod
    def _tree_unflatten(cls, aux: Any, children: Any) -> EventArray:
        # never validate: JAX passes unusual children through unflatten
        names, name = aux
        return cls._new(names, tuple(children), name)

    # ---- fields -------------------------------------------------------------------------
    @property
    def fields(self) -> list[str]:
        """The field names, in order."""
        return list(self._names)

    def _field(self, name: str, how: str) -> Any:
        if name in self._names:
            return self._fields[self._names.index(name)]
        close = difflib.get_close_matches(name, self._names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return _Missing(f"{how}: no field {name!r}{hint}; the fields are {list(self._names)}")

    def __getattr__(self, name: str) -> Any:
        # only reached when ordinary lookup fails, so class attributes win over field names
        if name.startswith("__") or name in ("_names", "_fields"):  # not set yet (copy, pickle)
            raise AttributeError(name)
        got = self._field(name, f"{type(self).__name__!r} object has no attribute {name!r}")
        if isinstance(got, _Missing):
            raise AttributeError(got.message)
        return got

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(n for n in self._names if n.isidentifier())})

    def __getitem__(self, key: Any) -> Any:
        """A field (``x["Muon"]``), some fields (``x[["Muon", "MET_pt"]]``), or events: an integer
        gives one event as a dict of its fields' values, any other outer key an event record."""
        if isinstance(key, str):
            got = self._field(key, f"x[{key!r}]")
            if isinstance(got, _Missing):
                raise KeyError(got.message)
            return got
        if isinstance(key, list) and key and builtins.all(isinstance(w, str) for w in key):
            return from_event_fields({w: self[w] for w in distinct(key)}, "x[[...]]", self._name)
        if isinstance(key, tuple) and builtins.any(map(names_key, key)):  # x["Muon", "pt"]
            return field_path(self, key)
        if (
            (isinstance(key, np.ma.MaskedArray) and key.ndim)
            or convertible(key)
            or (isinstance(key, list) and any(v is None for v in key))
        ):
            key = as_ragged(key, "x[...]", options=True)  # None as missing values (then refused)
        _check_outer_key(key, self)
        picked = [f[key] for f in self._fields]
        if isinstance(key, int | np.integer) or getattr(key, "ndim", None) == 0:  # 0-d: one event
            return dict(builtins.zip(self._names, picked))
        return EventArray._new(self._names, tuple(picked), self._name)

    def __setitem__(self, where: Any, what: Any) -> None:
        """``x["name"] = value`` or ``x["Muon", "iso"] = value``: awkward's field assignment,
        :func:`raggrad.with_field` rebound to ``x`` (this object now holds the new record; arrays
        and records taken from it before are unchanged)."""
        new = provided("with_field")(self, what, where)
        self._names, self._fields, self._name = new._names, new._fields, new._name

    # ---- attributes ---------------------------------------------------------------------
    @property
    def backend(self) -> str:
        return str(self._fields[0].backend)

    @property
    def device(self) -> Any:
        return self._fields[0].device

    @property
    def ndim(self) -> int:
        """1 (plus batch dims): the outer dimension is the only one the fields share."""
        return len(_batch(self)) + 1

    @property
    def shape(self) -> tuple[int | None, ...]:
        """``(n,)``: the outer dimension (after any batch dims)."""
        first = self._fields[0]
        return tuple(first.shape[: self.ndim])

    @property
    def type(self) -> str:
        """Awkward's type string: ``"3 * {MET_pt: float32, Muon: var * {pt: float32}}"`` (a named
        record: ``"3 * Event[MET_pt: float32, ...]"``)."""
        head = " * ".join(self._fields[0].type.split(" * ")[: self.ndim])
        return f"{head} * {self._item_type()}"

    def _item_type(self) -> str:
        parts = []
        for n, f in builtins.zip(self._names, self._fields):
            inner = (
                f._item_type() if isinstance(f, EventArray) else " * ".join(f.type.split(" * ")[self.ndim :])
            )
            parts.append(f"{_type_name(n)}: {inner}")
        body = ", ".join(parts)
        return f"{self._name}[{body}]" if self._name is not None else "{" + body + "}"

    def __len__(self) -> int:
        return len(self._fields[0])

    # ---- conversion ---------------------------------------------------------------------
    def to_list(self) -> list[Any]:
        """A list of dicts, one per event, each field's value in it."""
        return _rows(self._names, [f.to_list() for f in self._fields], len(_batch(self)))

    def to_backend(self, name: str | None, *, device: Any = None, dtype: Any = None) -> EventArray:
        """The same event record on another backend (or device); see :func:`raggrad.to_backend`.
        ``name=None`` keeps the backend; ``dtype`` is refused (convert one field with rg.astype)."""
        if dtype is not None:
            msg = f"to_backend: dtype= does not apply to an event record of fields {self.fields}"
            msg += "; convert one field with rg.astype"
            raise TypeError(msg)
        if name is None and device is None:
            return self
        fields = tuple(f.to_backend(name or self.backend, device=device) for f in self._fields)
        return EventArray._new(self._names, fields, self._name)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        error = _whole_error("np.asarray", self, "convert to a NumPy array")
        raise error

    # ---- NumPy protocols: nothing applies to a whole event record ---------------------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        error = _whole_error(f"np.{ufunc.__name__}", self, "apply an elementwise function to")
        raise error

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func is np.concatenate:  # appending events applies to every field (rg.concat)
            return numpy_functions()[func](*args, **kwargs)
        error = _whole_error(f"np.{func.__name__}", self, "apply")
        raise error

    def __awkward_function__(self, func: Any, array_likes: Any, args: Any, kwargs: Any) -> Any:
        """awkward's protocol, as :meth:`RaggedArray.__awkward_function__`: ``ak.Array(events)`` and
        ``ak.*`` read :func:`raggrad.to_awkward`'s layout, dtypes and record names kept."""
        return provided("awkward_function")(func, args, kwargs)

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        msg = f"the truth value of an event record of type {self.type!r} is ambiguous"
        raise ValueError(msg)

    __hash__ = None  # type: ignore[assignment]  # unhashable (Python's data model); typeshed: a method

    def __repr__(self) -> str:
        try:
            shown = self[:_REPR_WIDTH] if not _batch(self) and len(self) > _REPR_WIDTH else self
            rows = shown.to_list()
        except (TypeError, ValueError):  # traced inside jax.jit: no values to show
            return f"<EventArray ?? type={self.type!r}>"
        return f"<EventArray {_limited(rows, _REPR_WIDTH)} type={self.type!r}>"

    __str__ = __repr__


_backends.register_pytree(
    EventArray, EventArray._tree_flatten, EventArray._tree_unflatten, EventArray._tree_flatten_with_keys
)


class _Missing:
    """A field lookup that found nothing, with the message to raise."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _type_name(name: str) -> str:
    # awkward quotes field names that are not identifiers, JSON style
    return name if name.isidentifier() and not keyword.iskeyword(name) else json.dumps(name)


def _limited(obj: Any, width: int) -> str:
    """Awkward-style repr of events cut to about ``width`` characters: lists and records (dicts)
    are closed with ``...`` where the room runs out, ``[{MET_pt: 10.0, Muon: [...]}, ...]``."""
    out: list[str] = []
    budget = [width]

    def emit(text: str) -> bool:
        if budget[0] < len(text):
            return False
        out.append(text)
        budget[0] -= len(text)
        return True

    def walk(o: Any) -> bool:
        if isinstance(o, dict):
            items = [(f"{_type_name(k)}: ", v) for k, v in o.items()]
            brackets = "{}"
        elif isinstance(o, list):
            items, brackets = [("", v) for v in o], "[]"
        else:
            return emit(repr(o))
        if not emit(brackets[0]):
            return False
        for i, (label, item) in enumerate(items):
            if (i and not emit(", ")) or not emit(label) or not walk(item):
                if out[-1].endswith((brackets[0], ", ", ": ")):
                    out.append("..." + brackets[1])
                else:  # the item was cut short and closed
                    out.append(", ..." + brackets[1] if i + 1 < len(items) else brackets[1])
                return False
        return emit(brackets[1])

    walk(obj)
    return "".join(out)


def _rows(names: tuple[str, ...], columns: list[Any], depth: int) -> list[Any]:
    # batch dims (jax.vmap) are lists of events
    if depth:
        return [_rows(names, list(c), depth - 1) for c in builtins.zip(*columns, strict=True)]
    return [dict(builtins.zip(names, values, strict=True)) for values in builtins.zip(*columns, strict=True)]


def _batch(x: Any) -> tuple[int, ...]:
    """The batch dims (``jax.vmap``) in front of a field's outer dimension."""
    while isinstance(x, EventArray):
        x = x._fields[0]
    if isinstance(x, RecordArray):
        x = x._field(0)
    return tuple(x._batch)


def _outer_length(x: Any) -> int | None:
    """The number of events in field ``x``; None when it is data traced inside jax.jit."""
    while isinstance(x, EventArray):
        x = x._fields[0]
    s = x._structure
    if isinstance(s, BoundedStructure):
        if not s.is_concrete():
            return None
        return s.concrete_count("len(x)") if not s.stacked else int(s.capacities[0])
    return int(x.shape[len(_batch(x))])


def _whole_error(name: str, x: EventArray, verb: str) -> TypeError:
    example = x._names[0]
    return TypeError(
        f"{name}: cannot {verb} an event record of fields {list(x._names)}; its fields have "
        f"different lists, so select one, e.g. x[{example!r}], and work on it"
    )


def _check_outer_key(key: Any, x: EventArray) -> None:
    """Refuse keys that reach below the outer dimension: the fields share nothing there."""
    what = None
    if isinstance(key, tuple):
        what = "a tuple key"
    elif key is None or key is Ellipsis:
        what = f"the key {key!r}"
    elif isinstance(key, RaggedArray) and key._structure.nlevels:
        what = f"a ragged key of type {key.type!r}"
    elif isinstance(key, RaggedArray) and (getattr(key._structure, "masks", None) or (None,))[0] is not None:
        msg = (
            f"x[...]: the key of type {key.type!r} has missing values (None), which would make missing "
            f"events; an event record of fields {list(x._names)} has none (each field its own lists): "
            "fill the key first (rg.fill_none(key, False) for a mask) or drop them (rg.drop_none)"
        )
        raise TypeError(msg)
    elif isinstance(key, RecordArray | EventArray):
        what = f"a record key of type {key.type!r}"
    elif isinstance(key, bool | np.bool_) or (getattr(key, "ndim", None) == 0 and key.dtype == bool):
        what = "a bool key"
    if what is not None:
        msg = (
            f"x[...]: {what} reaches below the outer dimension of an event record, which its fields "
            f"{list(x._names)} do not share; select events (a mask, integer, slice or integer array "
            f"per event) or index one field, e.g. x[{x._names[-1]!r}][...]"
        )
        raise TypeError(msg)


def from_event_fields(arrays: Mapping[str, Any], name: str, with_name: str | None = None) -> EventArray:
    """An event record of the given fields (arrays of equal outer length, each its own structure).

    Raises ``TypeError`` for a field that is not a raggrad array and ``ValueError`` naming the
    fields and their lengths when the lengths differ.
    """
    if not arrays:
        msg = f"{name}: an event record needs at least one field"
        raise ValueError(msg)
    names = tuple(arrays)
    for n, a in arrays.items():
        if not isinstance(n, str):
            msg = f"{name}: field names must be strings, got {n!r}"
            raise TypeError(msg)
        if not isinstance(a, RaggedArray | RecordArray | EventArray):
            msg = (
                f"{name}: field {n!r} is a {type(a).__name__}, not a raggrad array; convert it "
                "with rg.array (or rg.from_awkward) first"
            )
            raise TypeError(msg)
        if not isinstance(a, EventArray) and a.ndim - len(_batch(a)) < 1:
            msg = f"{name}: field {n!r} is 0-d; every field needs the outer (event) dimension"
            raise ValueError(msg)
    lengths = {n: _outer_length(a) for n, a in arrays.items()}
    known = {n: k for n, k in lengths.items() if k is not None}
    batches = {n: _batch(a) for n, a in arrays.items()}
    if len(set(known.values())) > 1 or len(set(batches.values())) > 1:
        said = ", ".join(f"{n!r}: {known.get(n, '?')}" for n in names)
        msg = f"{name}: the fields of an event record need one outer length, but the lengths are {{{said}}}"
        raise ValueError(msg)
    return EventArray._new(names, tuple(arrays.values()), with_name)
