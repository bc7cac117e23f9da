"""Conversion to and from awkward Arrays (awkward is optional and imported on use).

``from_awkward`` walks the layout from the top, carrying the *selection* of items each node must
deliver: a range ``(start, stop)`` while the items stay contiguous (no copy: the content is a view),
an int64 index array once a ``ListArray``, ``IndexedArray`` or fancy slice reorders or skips them.
So a sliced array keeps only the items in view, whatever awkward left in its buffers, and the
result's offsets start at 0 and cover exactly the content (the invariant of ``Structure``).

Every index array awkward hands over (offsets, starts/stops, index) is range-checked by
comparisons, never by differences that could wrap around int64, with awkward's own validity
rules (``ak.validity_error``): a non-empty list lies inside its content and starts before it stops.
"""

from __future__ import annotations

import builtins
import math
import sys
from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._convert import dtype_of
from .._dtypes import check_numeric
from .._events import EventArray, from_event_fields
from .._ops.construction import host_ints
from .._records import RecordArray, from_fields, is_tuple
from .._registry import converter, register
from .._structure import Segments, Structure, offsets_from_lengths, ranges

__all__ = ["from_awkward", "to_awkward"]

_NAME = "rg.from_awkward"
_OPTIONS = ("IndexedOptionArray", "ByteMaskedArray", "BitMaskedArray", "UnmaskedArray")
_STRINGS = ("string", "bytestring", "char", "byte")

#: the items a node must deliver: a range ``(start, stop)`` or an int64 array of item numbers
Selection = tuple[int, int] | np.ndarray
#: what a node delivers: offsets of its ragged levels (outermost first), the masks of missing values
#: (one per depth: the items delivered, then the items of each level; None where none can be
#: missing) and either the content (leading axis: the innermost items) or, for a record, one part
#: per field (whose first mask is that of the records)
Part = tuple[list[np.ndarray], list[np.ndarray | None], Any]


class _Fields(dict[str, Part]):
    """The parts of a record's fields, with its record name (awkward's ``with_name``) or None."""

    def __init__(
        self, parts: dict[str, Part], name: Any, *, optional: bool = False, own: tuple[str, ...] = ()
    ) -> None:
        super().__init__(parts)
        self.name: str | None = name if isinstance(name, str) else None
        #: an option above the record, its mask pushed into the fields (``?{x: float64}``)
        self.optional = optional
        #: the fields with missing values of their own (``{x: ?float64}``), before any push
        self.own = own


def _ak() -> Any:
    try:
        import awkward as ak  # in-function: awkward is optional and slow to import
    except ImportError as exc:
        msg = "awkward conversion needs the awkward package: pip install 'raggrad[awkward]'"
        raise ImportError(msg) from exc
    return ak


@register("from_awkward", "creation", options=True)
def from_awkward(a: Any) -> RaggedArray | RecordArray | EventArray:
    """A RaggedArray from an awkward Array of numbers in lists (any depth, regular or var).

    Gives exactly the lists awkward shows, whatever its buffers hold out of view. Supported
    layouts: NumpyArray, ListOffsetArray (offsets need not start at 0), ListArray, RegularArray,
    IndexedArray, the option layouts (IndexedOptionArray, ByteMaskedArray, BitMaskedArray,
    UnmaskedArray: missing values, at any level but inside a regular dimension), EmptyArray (as
    float64), and RecordArray: inside lists (``var * {...}``) a :class:`raggrad.RecordArray`
    (regular dimensions inside the fields are zipped to full depth, as ``ak.zip`` does, so each
    field keeps awkward's values; an option above the record, not inside one field); at the outer
    dimension, a record whose fields hold lists or records (a NanoAOD event: ``nMuon`` beside
    ``Muon_pt``) a :class:`raggrad.EventArray`, each field its own array, whether or not the
    fields' lengths agree (the type decides, never the values). The record name
    (``ak.with_name``, parameter ``__record__``) is kept. Regular dimensions above a ragged one
    (or above a record of lists) become ragged dimensions of equal lengths; tuples are records of
    fields ``"0"``, ``"1"``, ... (as ``rg.zip([a, b])`` makes). Unions, strings and missing
    values inside a regular dimension or inside the fields of a record of one structure
    (``{x: ?float64}``: its records are present or missing as a whole) raise
    ``TypeError`` naming the layout. Offsets, starts/stops or an index that break
    awkward's validity rules (``ak.validity_error``), or that do not fit in int64, raise ``ValueError``.

    >>> import awkward as ak, raggrad as rg
    >>> rg.from_awkward(ak.Array([[1.5, 2.5], []])).type
    '2 * var * float64'
    >>> rg.from_awkward(ak.Array([[1.0, 2.0], [3.0], [100.0]])[:2]).values.tolist()
    [1.0, 2.0, 3.0]
    >>> rg.from_awkward(ak.Array({"MET_pt": [10.0, 20.0], "Muon_pt": [[40.0, 30.0], []]})).type
    '2 * {MET_pt: float64, Muon_pt: var * float64}'
    """
    ak = _ak()
    if isinstance(a, ak.Array):
        layout = a.layout
    elif isinstance(a, ak.contents.Content):
        layout = a
    else:
        msg = (
            f"{_NAME}: expected an awkward Array or layout, not {type(a).__name__}; "
            "use rg.array for lists and arrays"
        )
        raise TypeError(msg)
    if layout.backend.name == "typetracer":
        msg = f"{_NAME}: a typetracer array (dask-awkward's metadata) has no values; compute it first"
        raise TypeError(msg)
    length = len(layout)
    levels, masks, leaf = _walk(layout, (0, length))
    outer = [Segments(o) for o in levels]  # shared by the fields of a record
    return _converted(length, outer, masks, leaf)


def _converted(
    length: int, outer: list[Any], masks: list[Any], leaf: Any
) -> RaggedArray | RecordArray | EventArray:
    """The array of a delivered part under the lists ``outer``: numbers, or a record."""
    if isinstance(leaf, _Fields):  # awkward's with_name (e.g. "Momentum4D") stays the record name
        return _record(leaf, length, outer, masks, leaf.name)
    return _array(length, outer, masks, leaf)


def _array(length: int, levels: list[Any], masks: list[Any], data: Any) -> RaggedArray:
    check_numeric(dtype_of(data), _NAME)
    return RaggedArray._new(Structure(length, tuple(levels), tuple(data.shape[1:]), tuple(masks)), data)


def _record(
    parts: dict[str, Part], length: int, outer: list[Segments], masks: list[Any], with_name: str | None
) -> RecordArray | EventArray:
    """A record of one structure, inside lists (``var * {...}``: fields zipped to full depth). At
    the outer dimension (no lists above it), fields that hold lists or records make an event
    record: each field keeps its own lists, as awkward's ``{a: var * ..., b: var * ...}`` does,
    whether or not their lengths happen to be equal (a type, not the values, decides)."""
    if not outer and builtins.any(
        isinstance(leaf, dict) or (levels and masks[-1] is None) for levels, _, leaf in parts.values()
    ):
        return _events(parts, length, masks, with_name)
    arrays = {}
    for name, (levels, field_masks, leaf) in parts.items():
        if isinstance(leaf, dict):
            msg = (
                f"{_NAME}: field {name!r} holds records; records inside records are not "
                "supported (ak.unzip the inner record and zip its fields into the outer one)"
            )
            raise TypeError(msg)
        # the records' own mask (an option above the record) and the field's (an option inside)
        joined = [*masks[:-1], _both(masks[-1], field_masks[0]), *field_masks[1:]]
        arrays[name] = _array(length, [*outer, *levels], joined, leaf)
    own = getattr(parts, "own", ())
    if own and not outer:  # an event record: each field its own array, its own Nones
        return _events(parts, length, masks, with_name)
    if own:
        msg = (
            f"{_NAME}: record field {own[0]!r} has missing values (None) of its own, inside the "
            "record ({..., field: ?type}); raggrad records are present or missing as a whole, so "
            "converting it would turn a record of Nones into a missing record. ak.fill_none "
            "or ak.drop_none the fields first, or convert them one by one (rg.from_awkward(a.field))"
        )
        raise TypeError(msg)
    names = list(arrays)
    first = arrays[names[0]]._structure
    for name in names[1:]:
        s = arrays[name]._structure
        if s != first and not outer:
            return _events(parts, length, masks, with_name)
        if s != first:
            where = (
                first.first_difference(s) if isinstance(first, Structure) and isinstance(s, Structure) else ""
            )
            msg = (
                f"{_NAME}: record fields {names[0]!r} and {name!r} have different lists "
                f"({where}); raggrad records need fields of one structure "
                "(ak.zip them to full depth)"
            )
            raise TypeError(msg)
    return from_fields(arrays, _NAME, with_name)


def _events(parts: dict[str, Part], length: int, masks: list[Any], with_name: str | None) -> EventArray:
    """An event record: each field its own array below the shared outer dimension."""
    if masks[-1] is not None or getattr(parts, "optional", False):
        msg = (
            f"{_NAME}: missing records ('?{{...}}') whose fields have different lists, or missing "
            "values of their own, are not supported; ak.fill_none or ak.drop_none them first"
        )
        raise TypeError(msg)
    fields = {
        name: _converted(length, [Segments(o) for o in levels], field_masks, leaf)
        for name, (levels, field_masks, leaf) in parts.items()
    }
    return from_event_fields(fields, _NAME, with_name)


# ---- the walk: each node delivers the items selected from it ------------------------------------
def _walk(node: Any, sel: Selection) -> Part:
    """The items ``sel`` of ``node``: offsets of the levels below it and the content (or fields)."""
    cls = type(node).__name__
    kind = node.parameter("__array__")
    if kind in _STRINGS:
        msg = (
            f"{_NAME}: layout {cls} of {kind}s is not supported (raggrad holds numbers in lists, not strings)"
        )
        raise TypeError(msg)
    if cls == "NumpyArray":
        data = node.data
        if _backends.backend_of(data) is None:  # awkward's own buffers of other libraries
            data = np.asarray(data)
        return [], [None], _take(data, sel)
    if cls == "EmptyArray":  # lists that are all empty: float64, as rg.array([[], []])
        return [], [None], _take(np.zeros(0), sel)  # sel is empty: its parent's checks saw length 0
    if cls in ("ListOffsetArray", "ListArray"):
        starts, stops = _list_bounds(node, cls)
        return _lists(node.content, _take(starts, sel), _take(stops, sel))
    if cls == "RegularArray":
        return _regular(node, sel)
    if cls == "IndexedArray":
        index = host_ints(node.index.data, _NAME, "IndexedArray index")
        _check_items(index, len(node.content), "IndexedArray index")
        return _walk(node.content, _contiguous(_take(index, sel)))
    if cls == "RecordArray":
        if not node.fields:  # (a tuple's fields are "0", "1", ...: raggrad's tuples, rg.zip([a, b]))
            msg = f"{_NAME}: layout RecordArray without fields is not supported"
            raise TypeError(msg)
        # node.contents, not node.content(name): the whole fields, checked as awkward checks them
        parts = {name: _walk(c, sel) for name, c in zip(node.fields, node.contents, strict=True)}
        own = tuple(name for name, (_, masks, _) in parts.items() if any(m is not None for m in masks))
        return [], [None], _Fields(parts, node.parameter("__record__"), own=own)
    if cls in _OPTIONS:
        return _option(node, cls, sel)
    if cls == "UnionArray":
        msg = (
            f"{_NAME}: layout UnionArray is not supported: raggrad holds numbers of one type, "
            "not a union of types (select or convert the items of one type first)"
        )
        raise TypeError(msg)
    msg = f"{_NAME}: layout {cls} is not supported (raggrad holds numbers in lists)"
    raise TypeError(msg)


def _take(values: Any, sel: Selection) -> Any:
    if isinstance(sel, tuple):
        start, stop = sel
        return values if start == 0 and stop == len(values) else values[start:stop]
    return values[sel]


def _contiguous(items: np.ndarray) -> Selection:
    """``items`` as a range when they run on without gaps (then the content is not copied)."""
    if not len(items):
        return (0, 0)
    # items lie in [0, len(content)): differences cannot wrap
    if bool(np.all(items[1:] - items[:-1] == 1)):
        return (int(items[0]), int(items[-1]) + 1)
    return items


def _check_items(index: np.ndarray, n: int, what: str, used: np.ndarray | None = None) -> None:
    bad = (index < 0) | (index >= n)
    if used is not None:  # only the entries in use must point into the content
        bad &= used
    if bad.any():
        i = int(np.argmax(bad))
        msg = f"{_NAME}: {what}[{i}]={index[i]} is out of range for its content of length {n}"
        raise ValueError(msg)


def _list_bounds(node: Any, cls: str) -> tuple[np.ndarray, np.ndarray]:
    """Validated starts and stops of every list of a ListOffsetArray or ListArray.

    awkward's validity rule (``ak.validity_error``), checked by comparisons only, so that values
    near the int64 limits cannot wrap around: every list starts at or before its stop, and a
    non-empty list lies inside ``[0, len(content)]``. An empty list may point anywhere, as
    awkward allows (its starts and stops come back as 0).
    """
    n_content = len(node.content)
    if cls == "ListOffsetArray":
        offs = host_ints(node.offsets.data, _NAME, "ListOffsetArray offsets")
        if not len(offs):
            msg = f"{_NAME}: ListOffsetArray offsets must not be empty"
            raise ValueError(msg)
        starts, stops = offs[:-1], offs[1:]
        first, second, shift = "offsets", "offsets", 1  # list i: offsets[i] to offsets[i + 1]
    else:
        starts = host_ints(node.starts.data, _NAME, "ListArray starts")
        stops = host_ints(node.stops.data, _NAME, "ListArray stops")
        if len(stops) < len(starts):
            msg = f"{_NAME}: ListArray has {len(starts)} starts but only {len(stops)} stops"
            raise ValueError(msg)
        stops = stops[: len(starts)]
        first, second, shift = "starts", "stops", 0
    down = starts > stops
    if down.any():
        i = int(np.argmax(down))
        but = f"{first}[{i}]={starts[i]} > {second}[{i + shift}]={stops[i]}"
        msg = f"{_NAME}: {cls} offsets must not decrease, but {but}" if shift else f"{_NAME}: {cls} {but}"
        raise ValueError(msg)
    full = starts < stops
    below = full & (starts < 0)
    if below.any():
        i = int(np.argmax(below))
        msg = f"{_NAME}: {cls} {first}[{i}]={starts[i]} is negative (list {i} is not empty)"
        raise ValueError(msg)
    past = full & (stops > n_content)
    if past.any():
        i = int(np.argmax(past))
        msg = f"{_NAME}: {cls} {second}[{i + shift}]={stops[i]} points past its content (length {n_content})"
        raise ValueError(msg)
    return np.where(full, starts, 0), np.where(full, stops, 0)


def _lists(content: Any, starts: np.ndarray, stops: np.ndarray) -> Part:
    """The selected lists (validated ``starts``/``stops``) over ``content``."""
    lengths = stops - starts  # 0 <= starts <= stops <= len(content): no wrap
    offsets = offsets_from_lengths(lengths, _NAME)  # overlapping lists may add up past int64
    full = lengths > 0
    s, e = starts[full], stops[full]
    if not len(s):
        sel: Selection = (0, 0)
    elif bool(np.all(s[1:] == e[:-1])):  # back to back: one range of the content
        sel = (int(s[0]), int(e[-1]))
    else:
        sel = ranges(s, lengths[full])[1]
    levels, masks, leaf = _walk(content, sel)
    return [offsets, *levels], [None, *masks], leaf


def _option(node: Any, cls: str, sel: Selection) -> Part:
    """The selected items of an option layout: the present ones from its content, a missing list
    as an empty list, a missing number as a zero in the content."""
    if cls == "IndexedOptionArray":
        index = host_ints(node.index.data, _NAME, "IndexedOptionArray index")
    else:  # byte and bit masks, or none (UnmaskedArray): every option layout converts to an index
        index = np.asarray(node.to_IndexedOptionArray64().index.data, dtype=np.int64)
    index = _take(index, sel)
    present = index >= 0
    _check_items(np.where(present, index, 0), len(node.content), f"{cls} index", present)
    levels, masks, leaf = _walk(node.content, _contiguous(index[present]))
    return _expand(levels, masks, leaf, present)


def _expand(levels: list[Any], masks: list[Any], leaf: Any, present: np.ndarray) -> Part:
    """A part delivered for the present items only, spread over all items (``present``)."""
    if present.all():
        return levels, [_both(masks[0], present), *masks[1:]], leaf
    if isinstance(leaf, _Fields) and not levels:  # records: each field spreads, holds their mask
        spread = {name: _expand(*part, present) for name, part in leaf.items()}
        return [], [None], _Fields(spread, leaf.name, optional=True, own=leaf.own)
    first = _both(masks[0], present, spread=True)
    if levels:  # a missing list is empty
        lengths = np.zeros(len(present), dtype=np.int64)
        lengths[present] = np.diff(levels[0])
        return [offsets_from_lengths(lengths, _NAME), *levels[1:]], [first, *masks[1:]], leaf
    data = np.zeros((len(present), *leaf.shape[1:]), dtype=leaf.dtype)  # a missing number is 0
    data[present] = leaf
    return [], [first], data


def _both(a: np.ndarray | None, b: np.ndarray | None, *, spread: bool = False) -> np.ndarray | None:
    """Present in both masks (``spread``: ``a`` covers only the items where ``b`` is True)."""
    if a is None or b is None:
        return b if a is None else a
    if spread:
        out = b.copy()
        out[b] = a
        return out
    return cast(np.ndarray, a & b)


def _regular(node: Any, sel: Selection) -> Part:
    """A RegularArray: an inner dimension above numbers, else a ragged level of equal lengths."""
    size = int(node.size)
    if isinstance(sel, tuple):
        count = sel[1] - sel[0]
        # sel[1] <= len(node) = len(content) // size: the products stay in the content's range
        items: Selection = (sel[0] * size, sel[1] * size)
    else:
        count = len(sel)
        items = _contiguous((sel[:, np.newaxis] * size + np.arange(size, dtype=np.int64)).ravel())
    levels, masks, leaf = _walk(node.content, items)
    if not levels and not isinstance(leaf, dict):
        _no_mask_inside(masks, size, leaf.dtype)
        return [], [None], leaf.reshape((count, size, *leaf.shape[1:]))
    if not levels and all(not lv and not isinstance(f, dict) for lv, _, f in leaf.values()):
        # above a record of numbers: an inner dimension of every field ('2 * 3 * {x: float64}')
        for _, m, f in leaf.values():
            _no_mask_inside(m, size, f.dtype)
        reshaped: dict[str, Part] = {
            name: ([], [None], f.reshape((count, size, *f.shape[1:]))) for name, (_, _, f) in leaf.items()
        }
        return [], [None], _Fields(reshaped, leaf.name)
    return [np.arange(count + 1, dtype=np.int64) * size, *levels], [None, *masks], leaf


def _no_mask_inside(masks: list[Any], size: int, dtype: Any) -> None:
    if masks[0] is not None:
        msg = (
            f"{_NAME}: missing values inside a regular dimension ('{size} * ?{dtype}') are not "
            "supported: a regular dimension's elements are present or missing together "
            f"('option[{size} * {dtype}]'); ak.fill_none them, or make the dimension var "
            "(ak.from_regular)"
        )
        raise TypeError(msg)


def _is_awkward(obj: Any) -> bool:
    ak = sys.modules.get("awkward")
    return ak is not None and isinstance(obj, (ak.Array, ak.contents.Content))


# ``rg.array(a)`` and every op argument accept awkward Arrays
converter(_is_awkward)(from_awkward)


@register("to_awkward", "conversion", differentiable=False, options=True)
def to_awkward(x: RaggedArray | RecordArray | EventArray) -> Any:
    """An awkward Array (numpy backend) with the same lists and values; batched dims are regular.

    An event record becomes awkward's record of its fields (``ak.zip(..., depth_limit=1)``); a
    record name becomes the parameter ``__record__`` (awkward's ``with_name``).

    >>> import raggrad as rg
    >>> rg.to_awkward(rg.array([[1, 2], [3]])).tolist()
    [[1, 2], [3]]
    """
    ak = _ak()
    if isinstance(x, EventArray):
        return _events_to_awkward(ak, x)
    if isinstance(x, RecordArray):
        names, arrays = x.fields, [x[name] for name in x.fields]
        parameters = {"__record__": x._name} if x._name is not None else None
    elif isinstance(x, RaggedArray):
        names, arrays = None, [x]
    else:
        msg = f"rg.to_awkward: expected a RaggedArray or RecordArray, not {type(x).__name__}"
        raise TypeError(msg)
    arrays = [a._trimmed("rg.to_awkward") for a in arrays]  # a bounded array: the lists in use
    x = arrays[0]
    s = x._structure
    batch = x._batch
    columns = []
    for a in arrays:
        host = a._backend.to_numpy(a._content)
        if not host.dtype.isnative:  # awkward reads native byte order only
            host = host.astype(host.dtype.newbyteorder("="))
        columns.append(host.reshape((math.prod(batch), *host.shape[len(batch) :])))  # not -1: may be empty
    layouts = []
    for row in zip(*columns, strict=True):
        if names is None:
            node = ak.contents.NumpyArray(np.ascontiguousarray(row[0]))
        else:
            # a record's regular inner dims are outside its fields (x.type '2 * 3 * {x: float64}'):
            # flat fields under RegularArrays, so that the lists are x.to_list()'s
            rows = [s.size * math.prod(s.inner[:k]) for k in range(len(s.inner) + 1)]
            leaves = [ak.contents.NumpyArray(np.ascontiguousarray(c).reshape(rows[-1])) for c in row]
            fields = None if is_tuple(tuple(names)) else names  # rg.zip([a, b]): awkward's tuple
            node = ak.contents.RecordArray(leaves, fields, length=rows[-1], parameters=parameters)
            for k in reversed(range(len(s.inner))):
                node = ak.contents.RegularArray(node, s.inner[k], zeros_length=rows[k])
        masks = s.masks or (None,) * (s.nlevels + 1)
        node = _masked(ak, node, masks[-1])
        for depth in reversed(range(s.nlevels)):
            node = ak.contents.ListOffsetArray(ak.index.Index64(s.levels[depth].offsets.copy()), node)
            node = _masked(ak, node, masks[depth])
        layouts.append(node)
    if not batch:
        return ak.Array(layouts[0])
    flat = ak.concatenate([ak.Array(n)[np.newaxis] for n in layouts], axis=0)
    for size in reversed(batch[:-1]):
        flat = ak.unflatten(flat, size, axis=0)
    return flat


def _masked(ak: Any, node: Any, mask: np.ndarray | None) -> Any:
    """``node`` as an option type where ``mask`` (True: present) is given."""
    if mask is None:
        return node
    return ak.contents.ByteMaskedArray(ak.index.Index8(mask.view(np.int8).copy()), node, valid_when=True)


def _events_to_awkward(ak: Any, x: EventArray) -> Any:
    if x.ndim != 1:
        msg = (
            f"rg.to_awkward: an event record with batch dims ({x.type!r}) is not supported; "
            "convert each member"
        )
        raise NotImplementedError(msg)
    layouts = [to_awkward(f).layout for f in x._fields]
    parameters = {"__record__": x._name} if x._name is not None else None
    return ak.Array(ak.contents.RecordArray(layouts, list(x._names), length=len(x), parameters=parameters))
