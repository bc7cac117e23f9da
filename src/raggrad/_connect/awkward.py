"""Conversion to and from awkward Arrays (awkward is optional and imported on use)."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._convert import dtype_of
from .._dtypes import check_numeric
from .._records import RecordArray, from_fields
from .._registry import converter, register
from .._structure import Structure

__all__ = ["from_awkward", "to_awkward"]


def _ak() -> Any:
    try:
        import awkward as ak  # in-function: awkward is optional and slow to import
    except ImportError as exc:
        msg = "awkward conversion needs the awkward package: pip install 'raggrad[awkward]'"
        raise ImportError(msg) from exc
    return ak


@register("from_awkward", "creation")
def from_awkward(a: Any) -> RaggedArray | RecordArray:
    """A RaggedArray from an awkward Array of numbers in lists (any depth, regular or var).

    Supported layouts: NumpyArray, ListOffsetArray, ListArray, RegularArray, EmptyArray (as
    float64), and RecordArray whose fields have the same lists (a :class:`raggrad.RecordArray`).
    Option types, unions, tuples and strings raise ``TypeError`` naming the layout. Regular
    dimensions above a ragged one (or above a record) become ragged dimensions of equal lengths.

    >>> import awkward as ak, raggrad as rg
    >>> rg.from_awkward(ak.Array([[1.5, 2.5], []])).type
    '2 * var * float64'
    """
    ak = _ak()
    layout = a.layout if isinstance(a, ak.Array) else a
    length = len(layout)
    offsets: list[np.ndarray] = []
    node = layout
    while True:
        cls = type(node).__name__
        kind = node.parameter("__array__")
        if kind in ("string", "bytestring", "char", "byte", "categorical"):
            msg = (
                f"rg.from_awkward: layout {cls} of {kind}s is not supported (raggrad holds numbers "
                "in lists, not strings)"
            )
            raise TypeError(msg)
        if cls == "RegularArray" and _all_regular_to_numpy(node):
            break
        if cls in ("ListOffsetArray", "ListArray", "RegularArray"):
            node = node.to_ListOffsetArray64(True)
            offs = np.asarray(node.offsets.data, dtype=np.int64)
            offsets.append(offs)
            node = node.content
            continue
        if cls == "NumpyArray":
            break
        if cls == "RecordArray":  # each field converts on its own, below the offsets seen so far
            return _record_from_awkward(node, length, offsets)
        if cls == "EmptyArray":  # lists that are all empty: float64, as rg.array([[], []])
            node = node.to_NumpyArray(np.float64)
            break
        msg = (
            f"rg.from_awkward: layout {cls} is not supported (raggrad holds numbers in lists; "
            "option types, unions and strings are not supported yet)"
        )
        raise TypeError(msg)
    content = _regular_to_data(node)
    if _backends.backend_of(content) is None:  # awkward's own buffers of other libraries
        content = np.asarray(content)
    check_numeric(dtype_of(content), "rg.from_awkward")
    structure = Structure(length, tuple(offsets), tuple(content.shape[1:]))
    return RaggedArray._new(structure, content)


def _record_from_awkward(node: Any, length: int, offsets: list[np.ndarray]) -> RecordArray:
    if node.is_tuple:
        msg = "rg.from_awkward: tuples (records without field names) are not supported; give them names"
        raise TypeError(msg)
    arrays = {name: from_awkward(node.content(name)) for name in node.fields}
    if not arrays:
        msg = "rg.from_awkward: a record without fields is not supported"
        raise TypeError(msg)
    names = list(arrays)
    first = arrays[names[0]]._structure
    for name in names[1:]:
        s = arrays[name]._structure
        if s != first:
            msg = (
                f"rg.from_awkward: record fields {names[0]!r} and {name!r} have different lists "
                f"({first.first_difference(s)}); raggrad records need fields of one structure "
                "(ak.zip them to full depth)"
            )
            raise TypeError(msg)
    fields = {}
    for name, a in arrays.items():
        s = a._structure
        fields[name] = RaggedArray._new(Structure(length, (*offsets, *s.levels), s.inner), a._content)
    return from_fields(fields, "rg.from_awkward")


def _all_regular_to_numpy(node: Any) -> bool:
    while type(node).__name__ == "RegularArray":
        node = node.content
    return type(node).__name__ == "NumpyArray"


def _regular_to_data(node: Any) -> Any:
    sizes = []
    length = len(node)
    while type(node).__name__ == "RegularArray":
        sizes.append(node.size)
        node = node.content
    data = node.data
    if sizes:
        data = data[: length * int(np.prod(sizes))].reshape((length, *sizes, *data.shape[1:]))
    return data[:length]


def _is_awkward(obj: Any) -> bool:
    ak = sys.modules.get("awkward")
    return ak is not None and isinstance(obj, (ak.Array, ak.contents.Content))


# ``rg.array(a)`` and every op argument accept awkward Arrays
converter(_is_awkward)(from_awkward)


@register("to_awkward", "conversion", differentiable=False)
def to_awkward(x: RaggedArray | RecordArray) -> Any:
    """An awkward Array (numpy backend) with the same lists and values; batched dims are regular.

    >>> import raggrad as rg
    >>> rg.to_awkward(rg.array([[1, 2], [3]])).tolist()
    [[1, 2], [3]]
    """
    ak = _ak()
    if isinstance(x, RecordArray):
        names, arrays = x.fields, [x[name] for name in x.fields]
    elif isinstance(x, RaggedArray):
        names, arrays = None, [x]
    else:
        msg = f"rg.to_awkward: expected a RaggedArray or RecordArray, not {type(x).__name__}"
        raise TypeError(msg)
    x = arrays[0]
    s = x._structure
    batch = x._batch
    columns = []
    for a in arrays:
        host = a._backend.to_numpy(a._content)
        columns.append(host.reshape((math.prod(batch), *host.shape[len(batch) :])))  # not -1: may be empty
    layouts = []
    for row in zip(*columns, strict=True):
        leaves = [ak.contents.NumpyArray(np.ascontiguousarray(c)) for c in row]
        # a record's regular inner dims stay with each field: {x: 3 * float64}
        node = leaves[0] if names is None else ak.contents.RecordArray(leaves, names, length=s.size)
        for level in reversed(s.levels):
            node = ak.contents.ListOffsetArray(ak.index.Index64(level.offsets.copy()), node)
        layouts.append(node)
    if not batch:
        return ak.Array(layouts[0])
    flat = ak.concatenate([ak.Array(n)[np.newaxis] for n in layouts], axis=0)
    for size in reversed(batch[:-1]):
        flat = ak.unflatten(flat, size, axis=0)
    return flat
