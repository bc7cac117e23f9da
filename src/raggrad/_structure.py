"""Concrete, immutable structure of a ragged array: offsets per ragged level and regular inner dims.

A ragged array is *structure* plus *content*. The structure of ``n * var * var * 3 * float64`` is
the outer length ``n``, two offsets arrays (one per ``var``) and the inner shape ``(3,)``; the
content is one flat buffer of shape ``(m, 3)`` where ``m`` is the number of innermost elements.
Structure is host-side NumPy, compared by value, hashed once; everything derived from it (segment
ids, ancestor maps, device copies of those) is computed once and cached on it.

The structure arithmetic that ops share (offsets from lengths, ranges of items, descending into
subtrees) is written once below, against an :class:`IndexOps` namespace: :data:`HOST` runs it on
host NumPy offsets.
"""

from __future__ import annotations

import builtins
import zlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import numpy as np

__all__ = [
    "HOST",
    "Cached",
    "IndexOps",
    "ReductionPlan",
    "Segments",
    "Structure",
    "descend",
    "ext",
    "from_levels",
    "offsets_from_lengths",
    "ranges",
    "reduction_plan",
]


def dtype_name(dtype: Any) -> str:
    """A dtype's name in type strings; JAX's ``float0`` (the tangent type of integers and
    booleans, a structured NumPy dtype) is called by its name, not ``void``."""
    if dtype is None:
        return "unknown"
    dtype = np.dtype(dtype)
    return "float0" if dtype.names == ("float0",) else dtype.name


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.int64)
    a.flags.writeable = False
    return a


_T = TypeVar("_T")


def _crc32(a: np.ndarray) -> int:
    return zlib.crc32(a)  # type: ignore[arg-type]  # ndarray is a buffer; stubs: only on 3.12+


class Cached:
    """A per-object cache of derived values: ``obj.cached(key, make)`` runs ``make`` once per key."""

    __slots__ = ()
    _cache: dict[Any, Any]

    def cached(self, key: Any, make: Callable[[], _T]) -> _T:
        try:
            return cast(_T, self._cache[key])
        except KeyError:
            pass  # make() runs outside the handler: its errors are not chained to this KeyError
        value = self._cache[key] = make()
        return value


class Segments(Cached):
    """``n`` contiguous, sorted segments of a flat axis, given by ``offsets`` (length ``n + 1``).

    Derived index maps are computed lazily with NumPy and cached; backends cache their device
    copies through :meth:`cached`.
    """

    __slots__ = ("_cache", "offsets")

    def __init__(self, offsets: np.ndarray) -> None:
        self.offsets = offsets if not offsets.flags.writeable else _frozen(offsets)
        self._cache: dict[Any, Any] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        # pickle and copy the offsets, never the caches (they hold device arrays and devices)
        return Segments, (self.offsets,)

    @property
    def n(self) -> int:
        return len(self.offsets) - 1

    @property
    def size(self) -> int:
        return int(self.offsets[-1])

    @property
    def lengths(self) -> np.ndarray:
        return self.cached("lengths", lambda: _frozen(np.diff(self.offsets)))

    @property
    def ids(self) -> np.ndarray:
        """Segment id of every element (sorted), length ``size``."""
        return self.cached("ids", lambda: _frozen(np.repeat(np.arange(self.n, dtype=np.int64), self.lengths)))

    @property
    def local(self) -> np.ndarray:
        """Position of every element within its own segment."""

        def make() -> np.ndarray:
            return _frozen(np.arange(self.size, dtype=np.int64) - self.offsets[:-1][self.ids])

        return self.cached("local", make)

    @property
    def max_length(self) -> int:
        return self.cached("max_length", lambda: int(self.lengths.max(initial=0)))


class Structure(Cached):
    """Outer length, one offsets array per ragged level (outermost first), regular inner shape.

    Immutable; ``==`` compares by value (identity first); the hash is computed once.
    """

    # weak references: torch.compile keeps structures, constants of its graphs, in weak tables
    __slots__ = (
        "__weakref__",
        "_cache",
        "_hash",
        "inner",
        "length",
        "levels",
        "masks",
        "ndim",
        "nlevels",
        "shape",
        "size",
    )

    def __init__(
        self,
        length: int,
        offsets: Sequence[np.ndarray | Segments] = (),
        inner: tuple[int, ...] = (),
        masks: Sequence[np.ndarray | None] | None = None,
    ):
        self.length = int(length)
        self.levels = tuple(o if isinstance(o, Segments) else Segments(o) for o in offsets)
        self.inner = tuple(int(d) for d in inner)
        # plain attributes, not properties: torch.compile reads a structure's attributes but not
        # its properties (:mod:`._backends._torch_compile`)
        self.nlevels = len(self.levels)
        self.ndim = 1 + self.nlevels + len(self.inner)
        self.shape: tuple[int | None, ...] = (self.length, *([None] * self.nlevels), *self.inner)
        #: number of innermost elements (the length of the content's element axis)
        self.size = self.levels[-1].size if self.levels else self.length
        #: missing values (option types): None, or one entry per depth (0: the outer items, ...,
        #: ``nlevels``: the innermost elements), each None or a read-only boolean array, True where
        #: the item is present. A missing list is empty; see :mod:`._options`
        self.masks = _check_masks(self, masks)
        self._hash: int | None = None
        self._cache: dict[Any, Any] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        # offsets, inner dims and masks only: caches hold device arrays and devices, which do not pickle
        return Structure, (self.length, self.levels, self.inner, self.masks)

    def __fx_repr__(self) -> tuple[str, dict[str, Any]]:
        # torch.fx's protocol for a constant in generated code (torch.compile returns result
        # structures this way): an expression and the globals it reads. The global holds this
        # very object under a name unique while it lives; fx looks globals up by equality, so the
        # holder compares by identity and an equal structure never takes this one's name
        name = f"_raggrad_structure_{id(self):x}"
        return f"{name}.structure", {name: _Held(self)}

    # ---- derived sizes -------------------------------------------------------------------
    def count_at(self, depth: int) -> int:
        """Number of items at ``depth`` (0: outer items; ``nlevels``: innermost elements)."""
        return self.length if depth == 0 else self.levels[depth - 1].size

    def type_str(self, dtype: Any, batch: tuple[int, ...] = ()) -> str:
        """Awkward's type string: ``3 * var * float64``; with missing values
        ``3 * option[var * ?float64]``."""
        return " * ".join([*(str(d) for d in batch), str(self.length), self.item_type(dtype)])

    def item_type(self, dtype: Any, depth: int = 0, leaf: str | None = None) -> str:
        """The type of one item at ``depth`` (0: an outer item), e.g. ``option[var * ?float64]``;
        ``leaf`` replaces the dtype's name (a record's fields)."""
        masks = self.masks or (None,) * (self.nlevels + 1)
        if depth == self.nlevels:
            t = " * ".join([*(str(d) for d in self.inner), leaf or dtype_name(dtype)])
            if masks[depth] is None:
                return t
            return f"option[{t}]" if self.inner else f"?{t}"
        t = "var * " + self.item_type(dtype, depth + 1, leaf)
        return t if masks[depth] is None else f"option[{t}]"

    # ---- cached index maps ---------------------------------------------------------------
    def ancestors(self, depth: int) -> np.ndarray:
        """Index, at ``depth``, of the ancestor of every innermost element."""
        if depth >= self.nlevels:
            return self.cached(("arange", self.size), lambda: _frozen(np.arange(self.size)))

        def make() -> np.ndarray:
            ids = self.levels[depth].ids
            for level in self.levels[depth + 1 :]:
                ids = ids[level.ids]
            return _frozen(ids)

        return self.cached(("ancestors", depth), make)

    def segments_at(self, depth: int) -> Segments:
        """Innermost elements grouped by their ancestor at ``depth`` (contiguous segments)."""
        if depth == self.nlevels - 1:
            return self.levels[-1]

        def make() -> Segments:
            offsets = np.arange(self.count_at(depth) + 1, dtype=np.int64)
            for level in self.levels[depth:]:
                offsets = level.offsets[offsets]
            return Segments(_frozen(offsets))

        return self.cached(("segments", depth), make)

    def prefix(self, nlevels: int) -> Structure:
        """The structure of the first ``nlevels`` ragged levels (no inner dims), made once."""
        return self.cached(("prefix", nlevels), lambda: Structure(self.length, self.levels[:nlevels]))

    def with_inner(self, inner: tuple[int, ...]) -> Structure:
        inner = tuple(inner)
        if inner == self.inner:
            return self

        def make() -> Structure:
            s = Structure(self.length, self.levels, inner, self.masks)
            s._cache = self._cache  # index maps do not depend on the inner shape
            return s

        return self.cached(("with_inner", inner), make)

    # ---- value semantics -----------------------------------------------------------------
    def __hash__(self) -> int:
        if self._hash is None:
            masks = () if self.masks is None else tuple(m is not None and _crc32(m) for m in self.masks)
            self._hash = hash(
                (self.length, self.inner, tuple((l.size, _crc32(l.offsets)) for l in self.levels), masks)
            )
        return self._hash

    def same_levels(self, other: Structure) -> bool:
        if self is other:
            return True
        if self.length != other.length or len(self.levels) != len(other.levels):
            return False
        return all(
            a is b or np.array_equal(a.offsets, b.offsets)
            for a, b in zip(self.levels, other.levels, strict=True)
        ) and same_masks(self.masks, other.masks)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Structure):
            return NotImplemented
        if self.inner != other.inner:
            return False
        # the hashes first (cached, one pass over the offsets per structure): jax hashes a treedef
        # without its node data, so every jit call compares its structure with each cached one
        # that has the same shape of tree, and most differ
        if hash(self) != hash(other):
            return False
        return self.same_levels(other)

    def __repr__(self) -> str:
        lengths = [np.array2string(l.lengths, threshold=12, separator=", ") for l in self.levels]
        shown = "; ".join(f"lengths at axis {k + 1}: {t}" for k, t in enumerate(lengths))
        for d, m in enumerate(self.masks or ()):
            if m is not None:
                missing = np.array2string(np.flatnonzero(~m), threshold=12, separator=", ")
                shown += f"{'; ' if shown else ''}missing at depth {d}: {missing}"
        dims = self.type_str(None).rsplit(" * ", 1)[0]  # the dimensions, no dtype
        return f"Structure({dims}{'; ' + shown if shown else ''})"

    def first_difference(self, other: Structure) -> str:
        """Describe where two structures first differ, for error messages."""
        if self.length != other.length:
            return f"outer lengths differ: {self.length} vs {other.length}"
        for k, (a, b) in enumerate(zip(self.levels, other.levels)):
            if a is b or np.array_equal(a.offsets, b.offsets):
                continue
            la, lb = a.lengths, b.lengths
            if len(la) != len(lb):
                return f"level {k + 1} has {len(la)} vs {len(lb)} lists"
            i = int(np.flatnonzero(la != lb)[0])
            return f"list {i} at axis {k + 1} has length {int(la[i])} vs {int(lb[i])}"
        if len(self.levels) == len(other.levels) and not same_masks(self.masks, other.masks):
            return "the missing values (None) differ"
        return "depths differ"


def same_masks(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> bool:
    """Whether two structures' masks (``Structure.masks``) mark the same items missing."""
    if a is b:
        return True
    if a is None or b is None or len(a) != len(b):
        return False
    return all(
        (x is None and y is None) or (x is not None and y is not None and np.array_equal(x, y))
        for x, y in zip(a, b, strict=True)
    )


def _check_masks(s: Structure, masks: Any) -> tuple[np.ndarray | None, ...] | None:
    """Masks normalised: None when nothing is missing-capable, else one entry per depth."""
    if masks is None or all(m is None for m in masks):
        return None
    if len(masks) != s.nlevels + 1:
        msg = f"Structure: {len(masks)} masks for {s.nlevels + 1} depths"
        raise ValueError(msg)
    out = []
    for d, m in enumerate(masks):
        if m is not None:
            if not isinstance(m, np.ndarray) or m.dtype != np.bool_ or m.flags.writeable:
                m = np.ascontiguousarray(m, dtype=np.bool_)
                m.flags.writeable = False
            if m.shape != (s.count_at(d),):
                msg = f"Structure: the mask at depth {d} has shape {m.shape}, not ({s.count_at(d)},)"
                raise ValueError(msg)
            if d < s.nlevels and bool(np.any(s.levels[d].lengths[~m])):
                msg = f"Structure: a missing list at depth {d} is not empty"
                raise ValueError(msg)
        out.append(m)
    return tuple(out)


class _Held:
    """A structure as a global of generated code (:meth:`Structure.__fx_repr__`): equal to another
    holder only when both hold the same object."""

    __slots__ = ("structure",)

    def __init__(self, structure: Structure) -> None:
        self.structure = structure

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Held) and other.structure is self.structure

    def __hash__(self) -> int:
        return id(self.structure)


# ---- structure arithmetic, written once -----------------------------------------------------
class IndexOps:
    """The integer kernels structure arithmetic needs: NumPy on host arrays.

    Every helper below takes one of these (``ix``) and calls nothing else, so a namespace with
    the same methods over device arrays runs the same helpers on device offsets.
    """

    int = np.int64

    @staticmethod
    def arange(n: builtins.int) -> Any:
        return np.arange(n, dtype=np.int64)

    @staticmethod
    def repeat(values: Any, counts: Any, total: builtins.int | None = None) -> Any:
        return np.repeat(values, counts)

    @staticmethod
    def cumsum(values: Any) -> Any:
        """``[0, v0, v0 + v1, ...]``: offsets from lengths."""
        out = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(values, out=out[1:])
        return out


#: structure arithmetic on host NumPy offsets
HOST = IndexOps()


def offsets_from_lengths(lengths: Any, name: str = "", ix: IndexOps = HOST) -> Any:
    """Offsets (``[0, l0, l0 + l1, ...]``) of non-negative ``lengths``.

    On the host the sum is checked: a total past the int64 range raises ``ValueError`` instead of
    wrapping around (with non-negative lengths a wrap shows as a decrease).
    """
    offsets = ix.cumsum(lengths)
    if ix is HOST and len(offsets) > 1 and not bool(np.all(offsets[1:] >= offsets[:-1])):
        i = int(np.argmax(offsets[1:] < offsets[:-1]))
        msg = (
            f"{name or 'offsets'}: the lengths add up past the largest int64 ({np.iinfo(np.int64).max}) "
            f"at item {i}; no array can hold that many elements"
        )
        raise ValueError(msg)
    return offsets


def ranges(starts: Any, lengths: Any, step: Any = 1, ix: IndexOps = HOST) -> tuple[Any, Any]:
    """Offsets of the groups and the concatenation of ``starts[i] + step * arange(lengths[i])``."""
    offsets = ix.cumsum(lengths)
    total = int(offsets[-1]) if ix is HOST else None
    flat = ix.repeat(starts - step * offsets[:-1], lengths, total)
    flat = flat + step * ix.arange(flat.shape[0])
    return offsets, flat


def ext(s: Structure) -> list[Segments]:
    """The levels below a virtual root whose one list holds the outer items."""
    root = s.cached("root", lambda: Segments(np.array([0, s.length], dtype=np.int64)))
    return [root, *s.levels]


def descend(levels: list[Segments], d: int, sel: Any | None) -> tuple[list[Any], Any | None]:
    """Whole subtrees of the items ``sel`` at depth ``d`` (None: all, in order).

    ``levels`` are those of :func:`ext`. Returns the levels below the items (Segments or offsets)
    and the innermost elements they hold.
    """
    out: list[Any] = []
    for seg in levels[d:]:
        if sel is None:
            out.append(seg)
            continue
        offsets, sel = ranges(seg.offsets[:-1][sel], seg.lengths[sel])
        out.append(offsets)
    return out, sel


def from_levels(levels: list[Any]) -> Structure | None:
    """The structure whose levels below a virtual root are ``levels`` (None: no dimension left)."""
    if not levels:
        return None
    first = levels[0]
    offsets = first.offsets if isinstance(first, Segments) else first
    return Structure(int(offsets[-1] - offsets[0]), tuple(levels[1:]))


# ---- reduction plans: where elements go when an axis is reduced --------------------------
class ReductionPlan(Cached):
    """Where the innermost elements go when ragged axis ``a`` is reduced.

    ``result``: the result's structure (no inner dims); ``keep``: the same with the reduced axis
    kept as lists of length 1 (None for the innermost axis, which keeps a regular dim of 1);
    ``targets``: the result element of every element; ``segments``: the same as contiguous
    segments when the targets are sorted (innermost axis); ``counts``: elements per result;
    ``local``: every element's index along axis ``a`` (for argmax).
    """

    __slots__ = ("_cache", "counts", "keep", "local", "n", "owner", "result", "segments", "targets")

    result: Structure
    keep: Structure | None
    targets: np.ndarray
    segments: Segments | None
    owner: Segments | ReductionPlan
    counts: np.ndarray
    local: np.ndarray
    n: int

    def __init__(self) -> None:
        self._cache: dict[Any, Any] = {}


def reduction_plan(s: Structure, a: int) -> ReductionPlan:
    """The plan of reducing ragged axis ``a`` of ``s``, made once per structure and axis."""
    return s.cached(("reduce-plan", a), lambda: _make_plan(s, a))


def _make_plan(s: Structure, a: int) -> ReductionPlan:
    p = ReductionPlan()
    levels = s.levels
    k = s.nlevels
    if a == k:  # within the innermost lists: contiguous segments
        seg = levels[-1]
        p.segments, p.owner = seg, seg
        p.targets, p.n, p.counts, p.local = seg.ids, seg.n, seg.lengths, seg.local
        p.result, p.keep = Structure(s.length, levels[:-1]), None
        return p
    # Walk down from depth a + 1. A node there is identified, after the reduction, by (its
    # grandparent at depth a - 1, its index within its parent at depth a); deeper nodes by (their
    # parent's new id, their own index). Each new list is as long as the longest one merged into it.
    r = np.zeros(levels[0].size, np.int64) if a == 0 else levels[a - 1].ids[levels[a].ids]
    n_parents = 1 if a == 0 else s.count_at(a - 1)
    local = levels[a].local
    length, new_levels = s.length, []
    for j in range(a + 1, k + 1):
        lengths = np.zeros(n_parents, np.int64)
        np.maximum.at(lengths, r, local + 1)
        offsets = offsets_from_lengths(lengths)
        new_id = offsets[:-1][r] + local
        if j == a + 1 and a == 0:
            length = int(offsets[-1])
        else:
            new_levels.append(Segments(offsets))
        if j < k:
            r, local, n_parents = new_id[levels[j].ids], levels[j].local, int(offsets[-1])
    kept = tuple(levels[: a - 1]) if a else ()
    p.result = Structure(length, (*kept, *new_levels))
    ones = Segments(np.array([0, length])) if a == 0 else Segments(np.arange(s.count_at(a - 1) + 1))
    p.keep = Structure(1 if a == 0 else s.length, (*kept, ones, *new_levels))
    p.targets, p.n, p.segments, p.owner = new_id, p.result.size, None, p
    p.counts = np.bincount(new_id, minlength=p.n)
    p.local = s.ancestors(0) if a == 0 else levels[a - 1].local[s.ancestors(a)]
    return p
