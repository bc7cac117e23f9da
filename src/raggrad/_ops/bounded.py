"""Bounded arrays: ``with_capacity``, ``capacity``, ``trim``, ``is_bounded``.

A bounded array keeps its list lengths as data and its capacities as shape, so ``jax.jit``
compiles one program for every batch whose sizes fit the capacities (see ``raggrad._bounded``).
Capacities come in buckets: by default the smallest power of two at least as large as the size,
and at least 16, so a stream of batches with new list lengths meets a handful of programs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from .._array import RaggedArray, bounded_structure, exact_structure
from .._axes import as_index
from .._bounded import BoundedStructure, bound, bucket
from .._errors import TracedStructureError
from .._events import EventArray, _outer_length, from_event_fields
from .._records import RecordArray, fieldwise
from .._registry import register
from .._structure import Structure
from .common import check_size, single

__all__ = ["Capacity", "capacity", "is_bounded", "stack", "trim", "unstack", "with_capacity"]


class Capacity(NamedTuple):
    """The static capacities of a bounded array: list slots per depth (outer first), element slots."""

    lists: tuple[int, ...]
    elements: int


def _capacities(s: Structure, lists: Any, elements: Any, name: str) -> tuple[int, ...]:
    """Capacities for every depth of ``s`` (outer, every ragged level, elements)."""
    sizes = [s.count_at(d) for d in range(s.nlevels + 1)]
    given: list[Any] = [None] * (s.nlevels + 1)
    if isinstance(lists, tuple | list):
        if len(lists) > max(s.nlevels, 1):
            depths = max(s.nlevels, 1)
            msg = f"{name}: lists={tuple(lists)} gives {len(lists)} capacities for {depths} list depths"
            raise ValueError(msg)
        given[: len(lists)] = list(lists)
    elif lists is not None:
        given[0] = lists
    if elements is not None:
        if s.nlevels == 0 and given[0] is not None and as_index(elements, "elements", name) != given[0]:
            msg = f"{name}: an array without ragged dimensions has one capacity; give lists= or elements="
            raise ValueError(msg)
        given[-1] = elements
    out = []
    for depth, (size, cap) in enumerate(zip(sizes, given, strict=True)):
        if cap is None:
            out.append(bucket(size))
            continue
        cap = as_index(cap, "a capacity", name)
        if cap < size:
            what = "elements" if depth == s.nlevels else f"lists at depth {depth}"
            msg = f"{name}: capacity {cap} for the {what} is below the size {size}"
            raise ValueError(msg)
        out.append(cap)
    # index maps and padded content per slot: refused before NumPy's "array is too big"
    check_size(name, (sum(out), True), "slots", 16, 1, "give smaller capacities")
    return tuple(out)


@register("with_capacity", "structural")
@fieldwise("each")
def with_capacity(x: Any, /, *, lists: Any = None, elements: Any = None) -> RaggedArray | EventArray:
    """The same lists as a bounded array: list lengths as data, capacities as shape.

    Under ``jax.jit`` a bounded array's offsets are traced, so batches with different list
    lengths but the same capacities share one compiled program. ``lists`` is the capacity of the
    outer dimension (an int), or a tuple with one per list depth (outer first; a shorter tuple
    pins the outer depths, and the depths it does not reach get buckets, as an int pins the outer
    one only); ``elements`` the capacity of the innermost content. ``None`` picks the bucket: the
    smallest power of two at least as large as the size, and at least 16. A capacity below the
    size, or a tuple longer than the list depths, raises ``ValueError``.

    >>> import raggrad as rg
    >>> x = rg.with_capacity(rg.array([[1.0, 2.0], [], [3.0]]))
    >>> x.to_list(), rg.capacity(x)
    ([[1.0, 2.0], [], [3.0]], Capacity(lists=(16,), elements=16))
    >>> rg.capacity(rg.with_capacity(rg.array([[1.0, 2.0], [], [3.0]]), lists=4, elements=8))
    Capacity(lists=(4,), elements=8)

    An event record (:class:`raggrad.EventArray`, fields with lists of their own) gets one outer
    capacity ``lists`` for every field, and ``elements`` per field: a mapping from field name to
    element slots (a field left out gets its bucket):

    >>> muons = rg.zip({"pt": rg.array([[40.0, 15.0], [], [25.0]])})
    >>> events = rg.zip({"MET_pt": rg.array([10.0, 20.0, 30.0]), "Muon": muons}, depth_limit=1)
    >>> rg.capacity(rg.with_capacity(events, lists=8, elements={"Muon": 32}))
    {'MET_pt': Capacity(lists=(8,), elements=8), 'Muon': Capacity(lists=(8,), elements=32)}
    """
    if isinstance(x, EventArray):
        return _events_with_capacity(x, lists, elements)
    x = single(x, "rg.with_capacity")
    if isinstance(x._structure, BoundedStructure):
        if not x._structure.is_concrete():
            msg = (
                "rg.with_capacity: this array is bounded already and its lists are data (traced "
                "inside jax.jit), so it cannot be bounded anew there; give the capacities where it "
                "is made: rg.with_capacity before jit, or capacity= of the op that makes it"
            )
            raise TracedStructureError(msg)
        x = x._trimmed("rg.with_capacity")
    caps = _capacities(x._structure, lists, elements, "rg.with_capacity")
    return RaggedArray._new(*bound(x._structure, x._content, x._nbatch, caps))


def _per_field(x: EventArray, op: Callable[[Any], Any]) -> dict[str, Any]:
    return {name: op(field) for name, field in zip(x._names, x._fields, strict=True)}


def _rebuilt(x: EventArray, fields: dict[str, Any], name: str) -> EventArray:
    return from_event_fields(fields, name, x._name)


def _events_with_capacity(x: EventArray, lists: Any, elements: Any) -> EventArray:
    """``with_capacity`` of an event record: one outer capacity for all fields (they share the
    events), element capacities per field from the mapping ``elements``."""
    name = "rg.with_capacity"
    if isinstance(lists, tuple | list):
        msg = (
            f"{name}: an event record takes one outer capacity lists= (an int) for all its fields; "
            "bound a field's deeper lists on the field, e.g. rg.with_capacity(events.Jet, lists=(n, k))"
        )
        raise TypeError(msg)
    if elements is not None and not isinstance(elements, Mapping):
        msg = (
            f"{name}: the fields of an event record have element capacities of their own; give "
            f'elements= as a mapping from field name to element slots, e.g. {{"{x._names[-1]}": 4096}}'
        )
        raise TypeError(msg)
    given = dict(elements or {})
    unknown = sorted(k for k in given if k not in x._names)
    if unknown:
        msg = f"{name}: elements= names fields {unknown} that the event record lacks ({list(x._names)})"
        raise ValueError(msg)
    count = _outer_length(x)
    if count is None:
        msg = (
            f"{name}: the number of events of a bounded event record is data under jax.jit; "
            "bound event records outside the jitted function"
        )
        raise TracedStructureError(msg)
    outer = bucket(count) if lists is None else as_index(lists, "lists=", name)
    if outer < count:
        msg = f"{name}: lists={outer} is below the number of events, {count}"
        raise ValueError(msg)
    for n in given:
        field = x._fields[x._names.index(n)]
        if isinstance(field, RecordArray):
            field = field._field(0)
        if isinstance(field, RaggedArray) and field._structure.nlevels == 0:
            msg = f"{name}: field {n!r} holds one value per event; its capacity is the events' (lists=)"
            raise ValueError(msg)
    fields = {}
    for n, f in zip(x._names, x._fields, strict=True):
        try:
            fields[n] = with_capacity(f, lists=outer, elements=given.get(n))
        except ValueError as exc:
            msg = f"{name}: field {n!r}: {str(exc).removeprefix(name + ': ')}"
            raise ValueError(msg) from exc
    return _rebuilt(x, fields, name)


@register("capacity", "structural", differentiable=False, options=True)
def capacity(x: Any, /) -> Capacity | dict[str, Any] | None:
    """The static capacities of a bounded array (``None`` for an exact one).

    >>> import raggrad as rg
    >>> rg.capacity(rg.array([[1.0]])) is None
    True
    >>> rg.capacity(rg.with_capacity(rg.array([[[1.0], []]])))
    Capacity(lists=(16, 16), elements=16)

    Of an event record: a dict with each field's capacities.
    """
    if isinstance(x, EventArray):
        return _per_field(x, capacity)
    if isinstance(x, RecordArray):
        x = x._field(0)
    s = single(x, "rg.capacity")._structure
    if not isinstance(s, BoundedStructure):
        return None
    caps = s.capacities
    return Capacity(caps[: max(s.nlevels, 1)], caps[-1])


@register("is_bounded", "structural", differentiable=False, options=True)
def is_bounded(x: Any, /) -> bool:
    """Whether ``x`` is a bounded array (list lengths as data, capacities as shape).

    >>> import raggrad as rg
    >>> x = rg.array([[1.0], []])
    >>> rg.is_bounded(x), rg.is_bounded(rg.with_capacity(x))
    (False, True)

    An event record is bounded when every field is (as ``rg.with_capacity`` and
    ``rg.hep.iterate`` make it).
    """
    if isinstance(x, EventArray):
        return all(_per_field(x, is_bounded).values())
    if isinstance(x, RecordArray):
        x = x._field(0)
    return isinstance(x, RaggedArray) and isinstance(x._structure, BoundedStructure)


@register("trim", "structural", options=True)
@fieldwise("each")
def trim(x: Any, /) -> RaggedArray | EventArray:
    """The exact array of a bounded one: the lists in use, no padding (an exact array unchanged).

    Needs concrete offsets: under ``jax.jit`` it raises ``TracedStructureError``.

    >>> import raggrad as rg
    >>> rg.trim(rg.with_capacity(rg.array([[1.0, 2.0], []]))).to_list()
    [[1.0, 2.0], []]

    An event record is trimmed field by field.
    """
    if isinstance(x, EventArray):
        return _rebuilt(x, _per_field(x, trim), "rg.trim")
    return single(x, "rg.trim")._trimmed("rg.trim")


@register("stack", "structural")
def stack(arrays: Any, /) -> RaggedArray:
    """Bounded arrays of equal capacities stacked along a new leading axis; each member keeps its
    own lists (its offsets gain the leading axis).

    ``jax.vmap(f)(stacked)`` runs ``f`` on every member; with a ``NamedSharding`` on the leading
    axis each member lives on its own device. Exact arrays are bounded first with the capacities
    of the first bounded one (or buckets covering them all). ``rg.unstack`` takes a stack apart;
    ``stack[i]`` (an integer) is member ``i``.

    >>> import raggrad as rg
    >>> s = rg.stack([rg.array([[1.0, 2.0], []]), rg.array([[3.0]])])
    >>> s.to_list(), len(s), [m.to_list() for m in rg.unstack(s)]
    ([[[1.0, 2.0], []], [[3.0]]], 2, [[[1.0, 2.0], []], [[3.0]]])
    """
    if isinstance(arrays, RaggedArray) or not len(arrays):
        msg = "rg.stack: expected a non-empty sequence of arrays"
        raise TypeError(msg)
    xs = [single(a, "rg.stack") for a in arrays]
    for x in xs[1:]:
        if x._structure.nlevels != xs[0]._structure.nlevels:
            msg = (
                "rg.stack: members need equal capacities, inner dims and dtypes, and one depth: "
                f"types {xs[0].type!r} and {x.type!r}"
            )
            raise ValueError(msg)
    bounded = [x for x in xs if isinstance(x._structure, BoundedStructure)]
    if bounded:
        caps = bounded_structure(bounded[0]).capacities
    else:  # buckets that hold every member
        depths = xs[0]._structure.nlevels + 1
        caps = tuple(max(bucket(exact_structure(x).count_at(d)) for x in xs) for d in range(depths))
    members = []
    for x in xs:
        if not isinstance(x._structure, BoundedStructure):
            x = with_capacity(x, lists=caps[:-1] or None, elements=caps[-1])
        s = bounded_structure(x)
        if s.capacities != caps or s.inner != xs[0]._structure.inner or x.dtype != xs[0].dtype or x._nbatch:
            msg = (
                f"rg.stack: members need equal capacities, inner dims and dtypes: {caps} and "
                f"{s.capacities}, types {xs[0].type!r} and {x.type!r}"
            )
            raise ValueError(msg)
        members.append(x)
    xp = members[0]._backend.xp

    def stacked(leaves: list[Any]) -> Any:
        return xp.stack(leaves) if leaves[0] is not None else None

    first = bounded_structure(members[0])
    structures = [bounded_structure(m) for m in members]
    structure = BoundedStructure(
        stacked([s.count for s in structures]),
        tuple(stacked([s.levels[k] for s in structures]) for k in range(first.nlevels)),
        caps,
        first.inner,
        stacked([s.valid for s in structures]),
        tuple(stacked([s.ids(k) for s in structures]) for k in range(first.nlevels)),
    )
    return RaggedArray._new(structure, xp.stack([m._content for m in members]))


@register("unstack", "structural")
def unstack(x: Any, /) -> tuple[RaggedArray, ...]:
    """The members of a stack of bounded arrays (``rg.stack``), as a tuple.

    >>> import raggrad as rg
    >>> [m.to_list() for m in rg.unstack(rg.stack([rg.array([[1.0]]), rg.array([[2.0], []])]))]
    [[[1.0]], [[2.0], []]]
    """
    if not (
        isinstance(x, RaggedArray) and isinstance(x._structure, BoundedStructure) and x._structure.stacked
    ):
        msg = f"rg.unstack: expected a stack of bounded arrays (rg.stack), not {type(x).__name__}"
        raise TypeError(msg)
    return tuple(x._members())
