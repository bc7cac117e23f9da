"""Records: named fields that share one structure, as awkward's ``ak.zip`` makes them.

A :class:`RecordArray` is an ordered set of fields, each a content buffer over *one* shared
:class:`Structure` (and the same batch dims). A field read out (``x["pt"]``, ``x.pt``) is an
ordinary :class:`RaggedArray` over that structure, so every op works on it and its index maps are
the ones cached on the shared structure. Structure operations (indexing, ``flatten``, ``firsts``,
``concat``, ``combinations`` ...) act on all fields at once through :func:`fieldwise`, which runs
the op on each field and zips the results back. Arithmetic and reductions of a whole record are
ambiguous and raise ``TypeError`` asking for a field.

In the JAX pytree the field names and the structure are auxiliary data and the field contents are
the leaves, so ``jax.grad`` of a function of a record returns a record of per-field gradients.
"""

from __future__ import annotations

import builtins
import copy
import functools
import json
import keyword
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from . import _backends
from ._array import _REPR_WIDTH, RaggedArray, _is_concrete, exact_structure
from ._bounded import BoundedAux, BoundedStructure
from ._convert import content_to, dtype_of, limited_repr, slice_outer
from ._registry import numpy_functions, provided
from ._structure import Structure, dtype_name

__all__ = [
    "RecordArray",
    "distinct",
    "field_path",
    "fieldwise",
    "from_fields",
    "is_tuple",
    "names_key",
    "record_class",
    "reject",
]

#: RecordArray subclasses by record name, as awkward's behaviours: ``raggrad.vector`` gives
#: ``Momentum4D`` records their properties. A name without a class keeps a plain RecordArray.
_CLASSES: dict[str, type[RecordArray]] = {}


def names_key(key: Any) -> bool:
    """Whether an index item names fields: a field name or a non-empty list of them."""
    return isinstance(key, str) or (
        isinstance(key, list) and bool(key) and builtins.all(isinstance(w, str) for w in key)
    )


class RecordArray(NDArrayOperatorsMixin):
    """Named fields of one structure: ``n * var * {pt: float32, eta: float32}``.

    Create one with :func:`raggrad.zip`; read a field with ``x["pt"]`` or ``x.pt`` (attributes
    of the class, such as ``x.type``, take precedence over fields of the same name).

    >>> import raggrad as rg
    >>> mu = rg.zip({"pt": rg.array([[30.0, 15.0], []]), "q": rg.array([[1, -1], []])})
    >>> mu
    <RecordArray [[{pt: 30.0, q: 1}, {pt: 15.0, q: -1}], []] type='2 * var * {pt: float64, q: int64}'>
    >>> mu[mu.pt > 20].to_list()
    [[{'pt': 30.0, 'q': 1}], []]
    """

    __slots__ = ("__weakref__", "_contents", "_name", "_names", "_structure")
    __array_priority__ = 1000

    _structure: Structure | BoundedStructure
    _names: tuple[str, ...]
    _contents: tuple[Any, ...]
    #: the record name (awkward's ``with_name``, e.g. ``"Momentum4D"``) or None; it picks the
    #: class (:func:`record_class`) and travels with pickles, pytrees and structure ops
    _name: str | None

    def __new__(cls, *args: Any, **kwargs: Any) -> RecordArray:
        msg = "RecordArray() is private; create records with rg.zip({'name': array, ...})"
        raise TypeError(msg)

    @classmethod
    def _new(
        cls,
        structure: Structure | BoundedStructure,
        names: tuple[str, ...],
        contents: tuple[Any, ...],
        name: str | None = None,
    ) -> RecordArray:
        # the class follows the record name (awkward's behaviours), whichever class is asked
        obj = object.__new__(_CLASSES.get(name, RecordArray) if name is not None else RecordArray)
        obj._structure = structure
        obj._names = names
        obj._contents = contents
        obj._name = name
        return obj

    # ---- pickle and copy: the structure's offsets, the names, the contents, the record name
    def __reduce__(self) -> tuple[Any, ...]:
        contents = tuple(map(_backends.picklable, self._contents))
        return RecordArray._new, (self._structure, self._names, contents, self._name)

    def __copy__(self) -> RecordArray:
        return RecordArray._new(self._structure, self._names, self._contents, self._name)

    def __deepcopy__(self, memo: dict[int, Any]) -> RecordArray:
        contents = tuple(_backends.deepcopied(c, memo) for c in self._contents)
        return RecordArray._new(copy.deepcopy(self._structure, memo), self._names, contents, self._name)

    # ---- pytree: names and structure are auxiliary data, one leaf per field (a bounded
    # structure's arrays are leaves after the fields', its capacities auxiliary data) -----------
    def _tree_flatten(self) -> tuple[tuple[Any, ...], Any]:
        s = self._structure
        if isinstance(s, BoundedStructure):
            return (*self._contents, *s.leaves), (self._names, s.aux, self._name)
        return self._contents, (self._names, s, self._name)

    def _tree_flatten_with_keys(self) -> tuple[tuple[Any, ...], Any]:
        # (field name, leaf) pairs: jax's path for a field is a dict key of its name
        leaves, aux = self._tree_flatten()
        keys = (*self._names, *map(_backends.structure_key, range(len(leaves) - len(self._names))))
        return tuple(builtins.zip(keys, leaves, strict=True)), aux

    @classmethod
    def _tree_unflatten(cls, aux: Any, leaves: Any) -> RecordArray:
        # never validate, as for RaggedArray
        names, s, name = aux
        leaves = tuple(leaves)
        if isinstance(s, BoundedAux):
            return cls._new(
                BoundedStructure.from_leaves(s, leaves[len(names) :]), names, leaves[: len(names)], name
            )
        return cls._new(s, names, leaves, name)

    # ---- fields -------------------------------------------------------------------------
    @property
    def fields(self) -> list[str]:
        """The field names, in order."""
        return list(self._names)

    def _field(self, i: int) -> RaggedArray:
        return RaggedArray._new(self._structure, self._contents[i])

    def _arrays(self) -> list[RaggedArray]:
        return [self._field(i) for i in range(len(self._names))]

    def __getattr__(self, name: str) -> Any:
        # only reached when ordinary lookup fails, so class attributes win over field names
        if name.startswith("__") or name == "_names":  # _names: not set yet (copy, pickle)
            raise AttributeError(name)
        names = self._names  # plain attribute access: torch.compile traces it
        if name in names:
            return self._field(names.index(name))
        msg = f"{type(self).__name__!r} object has no attribute {name!r}; its fields are {list(names)}"
        raise AttributeError(msg)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(n for n in self._names if n.isidentifier())})

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            if key not in self._names:
                msg = f"x[{key!r}]: no field {key!r}; the fields are {list(self._names)}"
                raise KeyError(msg)
            return self._field(self._names.index(key))
        if names_key(key):
            return from_fields({w: self[w] for w in distinct(key)}, "x[[...]]")
        if isinstance(key, tuple) and builtins.any(map(names_key, key)):
            return field_path(self, key)
        getitem = provided("getitem")
        return _zip_back(self._names, [getitem(a, key) for a in self._arrays()], "x[...]", self._name)

    def __setitem__(self, where: Any, what: Any) -> None:
        """``x["name"] = value``: awkward's field assignment, :func:`raggrad.with_field` rebound to
        ``x`` (this object now holds the new record; arrays taken from it before are unchanged)."""
        new = provided("with_field")(self, what, where)
        self._structure, self._names, self._contents = new._structure, new._names, new._contents

    # ---- attributes ---------------------------------------------------------------------
    @property
    def backend(self) -> str:
        return self._field(0).backend

    @property
    def device(self) -> Any:
        return self._field(0).device

    @property
    def ndim(self) -> int:
        return self._field(0).ndim

    @property
    def shape(self) -> tuple[int | None, ...]:
        """Shape with ``None`` for ragged dimensions, e.g. ``(3, None)`` (records add no dimension)."""
        return self._field(0).shape

    @property
    def type(self) -> str:
        """Awkward's type string, e.g. ``"3 * var * {pt: float32, eta: float32}"`` (a named
        record: ``"3 * var * Momentum4D[rho: float32, ...]"``)."""
        first = self._field(0)
        if is_tuple(self._names):  # awkward's tuple: (float64, int64), named P[float64, int64]
            record = ", ".join(dtype_name(dtype_of(c)) for c in self._contents)
            record = f"{self._name}[{record}]" if self._name is not None else f"({record})"
        else:
            pairs = builtins.zip(self._names, self._contents)
            record = ", ".join(f"{_type_name(n)}: {dtype_name(dtype_of(c))}" for n, c in pairs)
            record = f"{self._name}[{record}]" if self._name is not None else "{" + record + "}"
        head = first.type.split(" * ")[: len(first._batch) + 1]  # batch dims and the length
        return " * ".join([*head, first._structure.item_type(None, leaf=record)])

    def __len__(self) -> int:
        return len(self._field(0))

    # ---- conversion ---------------------------------------------------------------------
    def to_list(self) -> list[Any]:
        """Nested Python lists of dicts, one dict per innermost element (a tuple record: tuples)."""
        columns = [a.to_list() for a in self._arrays()]
        return cast(
            list[Any], _zip_lists(self._names, columns, self.ndim, _values if is_tuple(self._names) else dict)
        )

    def to_backend(self, name: str, *, device: Any = None) -> RecordArray:
        """The same record on another backend (or device); see :func:`raggrad.to_backend`."""
        contents = tuple(content_to(c, None, name, device) for c in self._contents)
        return RecordArray._new(self._structure, self._names, contents, self._name)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        msg = (
            f"cannot convert a record array of fields {list(self._names)} to a NumPy array; "
            f"select a field, e.g. np.asarray(x[{self._names[0]!r}])"
        )
        raise TypeError(msg)

    # ---- NumPy protocols: structure ops work field by field, the rest needs a field -----
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        error = _record_error(f"np.{ufunc.__name__}", self, "apply an elementwise function to")
        raise error

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        impl = numpy_functions().get(func)
        if impl is None:
            error = _record_error(f"np.{func.__name__}", self, "apply to")
            raise error
        return impl(*args, **kwargs)  # structure ops handle records; the others raise TypeError

    def __awkward_function__(self, func: Any, array_likes: Any, args: Any, kwargs: Any) -> Any:
        """awkward's protocol, as :meth:`RaggedArray.__awkward_function__`: ``ak.Array(rec)`` and
        ``ak.*`` read :func:`raggrad.to_awkward`'s layout, record name included."""
        return provided("awkward_function")(func, args, kwargs)

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        msg = f"the truth value of a record array of type {self.type!r} is ambiguous"
        raise ValueError(msg)

    __hash__ = None  # type: ignore[assignment]  # unhashable (Python's data model); typeshed: a method

    def __repr__(self) -> str:
        if not builtins.all(_is_concrete(a) for a in self._arrays()):
            return f"<{type(self).__name__} ?? type={self.type!r}>"
        arrays = [a._trimmed("repr") for a in self._arrays()]  # a bounded record: the lists in use
        if not arrays[0]._nbatch and len(self) > _REPR_WIDTH:
            arrays = [
                RaggedArray._new(*slice_outer(exact_structure(a), a._content, 0, 0, _REPR_WIDTH))
                for a in arrays
            ]
        shown = _values if is_tuple(self._names) else _ShownRecord
        rows = _zip_lists(self._names, [a.to_list() for a in arrays], arrays[0].ndim, shown)
        return f"<{type(self).__name__} {limited_repr(rows, _REPR_WIDTH)} type={self.type!r}>"

    __str__ = __repr__


_backends.register_pytree(
    RecordArray, RecordArray._tree_flatten, RecordArray._tree_unflatten, RecordArray._tree_flatten_with_keys
)


def record_class(name: str) -> Callable[[type[RecordArray]], type[RecordArray]]:
    """Make records named ``name`` instances of the decorated RecordArray subclass (awkward's
    ``behavior[name] = cls``); the subclass is a pytree like RecordArray. It adds methods only:
    every record op makes its results through ``RecordArray._new`` with the name."""

    def decorator(cls: type[RecordArray]) -> type[RecordArray]:
        _CLASSES[name] = cls
        _backends.register_pytree(cls, cls._tree_flatten, cls._tree_unflatten, cls._tree_flatten_with_keys)
        return cls

    return decorator


def is_tuple(names: tuple[str, ...]) -> bool:
    """Whether records of these field names are awkward's tuples: fields ``"0"``, ``"1"`` ... in
    order (``rg.zip([a, b])``). A dict with exactly those keys makes a tuple too."""
    return builtins.all(n == str(i) for i, n in enumerate(names))


def _values(pairs: Any) -> tuple[Any, ...]:
    return tuple(v for _, v in pairs)


class _ShownRecord(dict[str, Any]):
    """A dict shown the way awkward shows a record: ``{pt: 1.0, eta: 0.5}``."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{_type_name(k)}: {v!r}" for k, v in self.items()) + "}"


def _type_name(name: str) -> str:
    # awkward quotes field names that are not identifiers, JSON style
    return name if name.isidentifier() and not keyword.iskeyword(name) else json.dumps(name)


def _zip_lists(names: tuple[str, ...], columns: list[Any], depth: int, make: Callable[..., Any]) -> Any:
    if columns[0] is None:  # a missing record or list: missing in every field (one structure)
        return None
    if depth == 0:
        return make(builtins.zip(names, columns))
    return [_zip_lists(names, list(items), depth - 1, make) for items in builtins.zip(*columns)]


# ---- errors for whole records ------------------------------------------------------------------
def _record_error(name: str, x: RecordArray, verb: str) -> TypeError:
    example = x._names[0]
    return TypeError(
        f"{name}: cannot {verb} a record array of fields {list(x._names)}; select a field, "
        f"e.g. x[{example!r}]"
    )


def reject(x: Any, name: str, verb: str = "apply to") -> None:
    """Raise ``TypeError`` if ``x`` is a record: ``where`` needs one field (reducers, arithmetic)."""
    if isinstance(x, RecordArray):
        raise _record_error(name, x, verb)


# ---- building records --------------------------------------------------------------------------
def from_fields(arrays: Mapping[str, Any], name: str, with_name: str | None = None) -> RecordArray:
    """A record of RaggedArrays that already share one structure (equal by value) and batch dims;
    ``with_name`` is its record name (awkward's ``with_name``)."""
    names = tuple(arrays)
    values = list(arrays.values())
    first = values[0]
    structure = first._structure
    for name, a in builtins.zip(names, values):
        same = a._structure is structure or a._structure == structure
        if not same and isinstance(structure, BoundedStructure):
            same, structure = _same_bounded(structure, a._structure)
        if not same or a._batch != first._batch:
            msg = (
                f"{name}: fields {names[0]!r} and {name!r} have different structures "
                f"({first.type!r} vs {a.type!r})"
            )
            raise ValueError(msg)
    return RecordArray._new(structure, names, tuple(a._content for a in values), with_name)


def _same_bounded(s: BoundedStructure, t: Any) -> tuple[bool, BoundedStructure]:
    """Whether bounded ``t`` holds ``s``'s lists (fields a structure op made one by one): checked
    at once when concrete, else folded into the validity flag of the structure returned."""
    if not isinstance(t, BoundedStructure) or (t.capacities, t.inner) != (s.capacities, s.inner):
        return False, s
    xp = s.backend.xp
    same = s.count == t.count
    for a, b in builtins.zip(s.levels, t.levels, strict=True):
        same = same if a is b else same & xp.all(a == b)
    if s.backend.is_concrete(same):
        return bool(s.backend.to_numpy(same)), s if t.valid is s.valid else s.with_valid(s.valid & t.valid)
    return True, s.with_valid(s.valid & t.valid & same)


def field_path(x: Any, key: tuple[Any, ...]) -> Any:
    """awkward's ``x[:, "pt"]``, ``x["Muon", "pt"]`` and ``x["pt", 0]``: the fields first (field
    selection commutes with the other items), then the other items."""
    out = x
    for k in filter(names_key, key):
        out = out[k]
    rest = tuple(k for k in key if not names_key(k))
    return out[rest] if rest else out


def distinct(names: list[str]) -> list[str]:
    """Field names of a projection ``x[[...]]``, refusing one twice (a record's names are keys)."""
    twice = sorted({w for w in names if names.count(w) > 1})
    if twice:
        msg = f"x[[...]]: the fields {twice} are asked for more than once; a record's names are distinct"
        raise ValueError(msg)
    return names


def _zip_back(names: tuple[str, ...], results: list[Any], name: str, with_name: str | None = None) -> Any:
    """Per-field results of one op as a record; 0-d results (one element) as a dict of scalars,
    or None for a missing record (its fields are missing together: records hold missing values
    per record, never per field)."""
    if builtins.all(isinstance(r, RaggedArray) for r in results):
        return from_fields(dict(builtins.zip(names, results)), name, with_name)
    if results and builtins.all(r is None for r in results):
        return None
    return tuple(results) if is_tuple(names) else dict(builtins.zip(names, results))


# ---- structure ops on every field ----------------------------------------------------------------
def fieldwise(mode: str = "each") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make a structure op accept records, applying it to every field and zipping the results.

    ``mode``: ``"each"`` (the first argument may be a record: the op runs once per field; tuple
    results become tuples of records), ``"one"`` (the result depends on the structure alone:
    ``num``, ``local_index``; the op runs on one field), ``"sequence"`` (the first argument is a
    sequence of arrays: ``concat``, ``cartesian``), ``"varargs"`` (every positional argument may
    be a record: ``broadcast_arrays``). The wrapped op is unchanged for plain arrays.
    """
    if mode not in ("each", "one", "sequence", "varargs"):
        msg = f"fieldwise: unknown mode {mode!r}"
        raise ValueError(msg)

    def decorator(op: Callable[..., Any]) -> Callable[..., Any]:
        name = f"rg.{op.__name__}"

        if mode in ("each", "one"):

            @functools.wraps(op)
            def wrapper(x: Any, /, *args: Any, **kwargs: Any) -> Any:
                if not isinstance(x, RecordArray):
                    return op(x, *args, **kwargs)
                if mode == "one":
                    return op(x._field(0), *args, **kwargs)
                return _collect(x._names, [op(a, *args, **kwargs) for a in x._arrays()], name, x._name)

        elif mode == "sequence":

            @functools.wraps(op)
            def wrapper(arrays: Any, /, *args: Any, **kwargs: Any) -> Any:
                if (
                    isinstance(arrays, RecordArray)
                    or not isinstance(arrays, Sequence)
                    or not builtins.any(isinstance(a, RecordArray) for a in arrays)
                ):
                    return op(arrays, *args, **kwargs)
                return _by_columns(op, list(arrays), name, lambda xs: op(xs, *args, **kwargs))

        else:

            @functools.wraps(op)
            def wrapper(*arrays: Any, **kwargs: Any) -> Any:
                if not builtins.any(isinstance(a, RecordArray) for a in arrays):
                    return op(*arrays, **kwargs)
                return _by_columns(op, list(arrays), name, lambda xs: op(*xs, **kwargs))

        return wrapper

    return decorator


def _collect(names: tuple[str, ...], results: list[Any], name: str, with_name: str | None) -> Any:
    if isinstance(results[0], tuple):  # combinations: n members, each a record
        return tuple(_zip_back(names, list(member), name, with_name) for member in builtins.zip(*results))
    return _zip_back(names, results, name, with_name)


def _by_columns(
    op: Callable[..., Any], arrays: list[Any], name: str, call: Callable[[list[Any]], Any]
) -> Any:
    """Run ``call`` once per field "column": call ``j`` takes field ``j`` of every record.

    For ``concat`` every argument must be a record with the same fields (joined field by field);
    for ``cartesian`` and ``broadcast_arrays`` result ``i`` depends on the values of argument
    ``i`` only (and on the structure of all), so records of different fields mix with plain arrays.
    """
    records = [a for a in arrays if isinstance(a, RecordArray)]
    if op.__name__ == "concat":  # fields joined by name, in the first record's order (awkward's)
        names = records[0]._names
        for a in arrays:
            if not isinstance(a, RecordArray) or sorted(a._names) != sorted(names):
                got = list(a._names) if isinstance(a, RecordArray) else type(a).__name__
                msg = f"{name}: cannot join a record array of fields {list(names)} with {got}"
                raise TypeError(msg)
        columns = [call([a._field(a._names.index(n)) for a in arrays]) for n in names]
        kept = {a._name for a in arrays}  # records of one name joined keep it
        return _zip_back(names, columns, name, kept.pop() if len(kept) == 1 else None)
    width = builtins.max(len(r._names) for r in records)
    columns = []
    for j in range(width):
        picked = [
            a._field(builtins.min(j, len(a._names) - 1)) if isinstance(a, RecordArray) else a for a in arrays
        ]
        columns.append(call(picked))
    out = []
    for i, a in enumerate(arrays):
        if isinstance(a, RecordArray):
            out.append(_zip_back(a._names, [columns[j][i] for j in range(len(a._names))], name, a._name))
        else:
            out.append(columns[0][i])
    return type(columns[0])(out)  # the op's own container: a list (broadcast_arrays) or a tuple
