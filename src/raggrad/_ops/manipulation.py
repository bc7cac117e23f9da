"""Structure operations: num, flatten/unflatten, firsts/lasts, concat, sort, flip, combinations.

Each op works out the result's offsets and a gather index on the host, with NumPy, from the
structure alone (cached on it), and moves the content with one gather or concatenation on the
backend. So every op here is differentiable by plain composition (gathers transpose to
scatter-adds) and works under ``jax.jit``: the index maps are compile-time constants. ``sort`` is
the one op whose permutation depends on values; it runs on the backend as a sort keyed by (list
id, value), so it is jittable too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._axes import normalize_axis
from .._broadcast import broadcast, common_backend, wrap
from .._errors import check_concrete
from .._records import fieldwise, reject
from .._registry import register
from .._structure import Segments, Structure
from .indexing import _ext, _structure, descend, getitem, ranges

__all__ = [
    "argcombinations",
    "argsort",
    "broadcast_arrays",
    "cartesian",
    "combinations",
    "concat",
    "firsts",
    "flatten",
    "flip",
    "lasts",
    "local_index",
    "num",
    "sort",
    "unflatten",
]


# ---- helpers ----------------------------------------------------------------------------------
def _ragged(x: Any, where: str) -> RaggedArray:
    if not isinstance(x, RaggedArray):
        reject(x, where)
        msg = f"{where}: expected a RaggedArray, not {type(x).__name__}; convert with rg.array(x)"
        raise TypeError(msg)
    return x


def _default_int(backend: Any) -> Any:
    return backend.np_like.asarray(0).dtype


def _ints(backend: Any, host: np.ndarray, owner: Any, key: Any, like: Any) -> Any:
    """A host int array derived from structure, as content on ``like``'s backend and device."""
    if backend.name == "numpy":
        return np.array(host, dtype=np.int64)
    return backend.xp.astype(backend.index(owner, key, host, like), _default_int(backend))


def _batched(backend: Any, content: Any, batch: tuple[int, ...]) -> Any:
    """Content that does not depend on the batch, repeated along it (as a broadcast view)."""
    if not batch:
        return content
    return backend.xp.broadcast_to(content, (*batch, *content.shape))


def _moved(x: RaggedArray) -> Any:
    """The content with its element axis first."""
    nb = x._nbatch
    return x._backend.xp.moveaxis(x._content, nb, 0) if nb else x._content


def _back(backend: Any, content: Any, nb: int) -> Any:
    return backend.xp.moveaxis(content, 0, nb) if nb else content


def _new(structure: Structure, content: Any, nb: int) -> RaggedArray:
    return RaggedArray._new(structure.with_inner(tuple(content.shape[nb + 1 :])), content)


def _depth(x: RaggedArray, axis: Any, where: str) -> int:
    """The ragged dimension ``axis`` names, as a depth below the virtual root (0: outer)."""
    kind, k = normalize_axis(x, axis, where)
    if kind == "outer":
        return 0
    if kind == "level":
        return k + 1
    msg = f"{where}: axis={axis} of an array of type {x.type!r} is not the outer or a ragged dimension"
    raise NotImplementedError(msg)


# ---- num, local_index -------------------------------------------------------------------------
@register("num", "structural", awkward="ak.num", differentiable=False)
@fieldwise("one")
def num(x: RaggedArray, /, axis: int = 1) -> Any:
    """Number of items of every list at ``axis`` (``axis=0``: ``len(x)``), as ``ak.num``.

    >>> import raggrad as rg
    >>> rg.num(rg.array([[1, 2, 3], [], [4, 5]])).to_list()
    [3, 0, 2]
    >>> rg.num(rg.array([[[1], [2, 3]], []]), axis=2).to_list()
    [[1, 2], []]
    """
    x = _ragged(x, "rg.num")
    kind, k = normalize_axis(x, axis, "rg.num")
    if kind == "batch":
        return int(x._batch[k])
    if kind == "outer":
        return len(x)
    s, backend = x._structure, x._backend
    if kind == "level":
        seg = s.levels[k]
        content = _ints(backend, seg.lengths, seg, ("num", "lengths"), x._content)
        structure = s.cached(("prefix", k), lambda: Structure(s.length, s.levels[:k]))
    else:
        shape = (s.size, *s.inner[:k])
        content = backend.xp.full(shape, s.inner[k], dtype=_default_int(backend))
        structure = s.cached(("prefix", s.nlevels), lambda: Structure(s.length, s.levels))
    return _new(structure, _batched(backend, content, x._batch), x._nbatch)


@register("local_index", "structural", awkward="ak.local_index", differentiable=False)
@fieldwise("one")
def local_index(x: RaggedArray, /, axis: int = -1) -> RaggedArray:
    """Position of every item within its list at ``axis``, as ``ak.local_index``.

    >>> import raggrad as rg
    >>> rg.local_index(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])).to_list()
    [[0, 1, 2], [], [0, 1]]
    """
    x = _ragged(x, "rg.local_index")
    kind, k = normalize_axis(x, axis, "rg.local_index")
    s, backend = x._structure, x._backend
    if kind == "batch":
        msg = f"rg.local_index: axis={axis} is a batch dimension of {x.type!r}"
        raise NotImplementedError(msg)
    if kind == "inner":
        structure = s.cached(("prefix", s.nlevels), lambda: Structure(s.length, s.levels))
        shape = (s.size, *s.inner[: k + 1])
        content = backend.xp.broadcast_to(backend.xp.arange(s.inner[k], dtype=_default_int(backend)), shape)
        return _new(structure, _batched(backend, content, x._batch), x._nbatch)
    d = 0 if kind == "outer" else k + 1
    seg = _ext(s)[d]
    content = _ints(backend, seg.local, seg, ("local_index", "local"), x._content)
    structure = s.cached(("prefix", d), lambda: Structure(s.length, s.levels[:d]))
    return _new(structure, _batched(backend, content, x._batch), x._nbatch)


# ---- flatten, unflatten -----------------------------------------------------------------------
@register("flatten", "structural", awkward="ak.flatten")
@fieldwise("each")
def flatten(x: RaggedArray, /, axis: int | None = 1) -> RaggedArray:
    """Merge dimension ``axis`` into the one outside it (``axis=None``: all values, 1-d).

    As ``ak.flatten``: ``axis=1`` concatenates the lists, ``axis=0`` returns ``x``. The content is
    not moved; only the offsets change.

    >>> import raggrad as rg
    >>> x = rg.array([[[1, 2], []], [[3]], []])
    >>> rg.flatten(x).to_list()
    [[1, 2], [], [3]]
    >>> rg.flatten(x, axis=2).to_list()
    [[1, 2], [3], []]
    >>> rg.flatten(x, axis=None).to_list()
    [1, 2, 3]
    """
    x = _ragged(x, "rg.flatten")
    s, backend, nb = x._structure, x._backend, x._nbatch
    content = x._content
    if axis is None:
        content = backend.xp.reshape(content, (*x._batch, s.size * math.prod(s.inner)))
        return _new(Structure(s.size * math.prod(s.inner)), content, nb)
    kind, k = normalize_axis(x, axis, "rg.flatten")
    if kind == "outer":
        return x
    if kind == "batch":
        msg = f"rg.flatten: axis={axis} is a batch dimension of {x.type!r}"
        raise NotImplementedError(msg)
    if kind == "level":

        def make() -> Structure:
            if k == 0:
                return Structure(s.levels[0].size, s.levels[1:])
            merged = s.levels[k].offsets[s.levels[k - 1].offsets]
            return Structure(s.length, (*s.levels[: k - 1], merged, *s.levels[k + 1 :]))

        return RaggedArray._new(s.cached(("flatten", k), make).with_inner(s.inner), content)
    # an inner regular dim merged into the dimension outside it
    shape = tuple(content.shape)
    a = nb + 1 + k  # content axis of the inner dim
    content = backend.xp.reshape(content, (*shape[: a - 1], shape[a - 1] * shape[a], *shape[a + 1 :]))
    if k:
        merged = (*s.inner[: k - 1], s.inner[k - 1] * s.inner[k], *s.inner[k + 1 :])
        return RaggedArray._new(s.with_inner(merged), content)
    width = s.inner[0]
    if s.nlevels:
        last = Segments(s.levels[-1].offsets * width)
        structure = Structure(s.length, (*s.levels[:-1], last), s.inner[1:])
    else:
        structure = Structure(s.length * width, (), s.inner[1:])
    return RaggedArray._new(structure, content)


@register("unflatten", "structural", awkward="ak.unflatten")
@fieldwise("each")
def unflatten(x: RaggedArray, counts: Any, /, axis: int = 0) -> RaggedArray:
    """Split the items at ``axis`` into consecutive lists of ``counts`` items, as ``ak.unflatten``.

    ``counts`` is an integer (lists of equal length) or a 1-d integer array whose sum is the number
    of items at ``axis``; for ``axis > 0`` the new lists must not cross the existing ones. Only the
    offsets change, so ``counts`` must be concrete (it defines the structure).

    >>> import raggrad as rg
    >>> rg.unflatten(rg.array([1, 2, 3, 4, 5]), [2, 0, 3]).to_list()
    [[1, 2], [], [3, 4, 5]]
    >>> rg.unflatten(rg.array([[1, 2, 3], [4]]), [1, 2, 1], axis=1).to_list()
    [[[1], [2, 3]], [[4]]]
    """
    x = _ragged(x, "rg.unflatten")
    s = x._structure
    d = _depth(x, axis, "rg.unflatten")
    total = s.count_at(d)
    if isinstance(counts, RaggedArray):
        counts = flatten(counts, axis=None)._content
    b = _backends.backend_of(counts)
    if b is not None:
        check_concrete(b, counts, "rg.unflatten", "counts")
        counts = b.to_numpy(counts)
    counts = np.asarray(counts)
    if counts.size == 0 and counts.ndim == 1:  # np.asarray([]) is float64: no counts, no lists
        counts = counts.astype(np.int64)
    if counts.ndim == 0:
        size = int(counts)
        if size <= 0 or total % size:
            msg = f"rg.unflatten: counts={size} does not divide the {total} items at axis {axis}"
            raise ValueError(msg)
        counts = np.full(total // size, size, dtype=np.int64)
    if counts.dtype.kind not in "iu" or counts.ndim != 1:
        msg = f"rg.unflatten: counts must be an integer or a 1-d integer array, got {counts!r}"
        raise TypeError(msg)
    if counts.size and counts.min() < 0:
        msg = f"rg.unflatten: counts must be non-negative, got {int(counts.min())}"
        raise ValueError(msg)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if offsets[-1] != total:
        msg = f"rg.unflatten: counts sum to {int(offsets[-1])} but axis {axis} has {total} items"
        raise ValueError(msg)
    if d == 0:
        return RaggedArray._new(Structure(len(counts), (offsets, *s.levels), s.inner), x._content)
    parent = s.levels[d - 1].offsets
    # each parent list's bounds must be group bounds; empty groups on a bound close the list
    # before it, as awkward does (leading ones open the first list)
    pos = np.searchsorted(offsets, parent, side="right") - 1
    pos[0] = 0
    if not np.array_equal(offsets[pos], parent):
        i = int(np.argmax(offsets[pos] != parent))
        msg = (
            f"rg.unflatten: the new lists cross the boundary of list {max(i - 1, 0)} at axis {d}; "
            "counts must split every list separately"
        )
        raise ValueError(msg)
    levels = (*s.levels[: d - 1], pos, offsets, *s.levels[d:])
    return RaggedArray._new(Structure(s.length, levels, s.inner), x._content)


# ---- firsts, lasts ----------------------------------------------------------------------------
def _first_or_last(x: RaggedArray, axis: int, fill_value: Any, which: int, where: str) -> Any:
    x = _ragged(x, where)
    s, nb = x._structure, x._nbatch
    kind, k = normalize_axis(x, axis, where)
    if kind != "level" or k != s.nlevels - 1:
        # the outer, a regular or a non-innermost ragged dim: an integer index at that dim
        try:
            return getitem(x, (slice(None),) * (axis % x.ndim) + (which,))
        except IndexError as exc:
            if kind == "level" and fill_value is not None:
                msg = f"{where}: fill_value is supported only at the innermost ragged dimension"
                raise NotImplementedError(msg) from exc
            msg_0 = f"{where}: {exc}; pass fill_value=... to fill empty lists"
            raise ValueError(msg_0) from None
    seg = s.levels[-1]

    def make() -> tuple[np.ndarray, int]:
        index = seg.offsets[:-1] if which == 0 else seg.offsets[1:] - 1
        empty = seg.lengths == 0
        first_empty = int(np.argmax(empty)) if empty.any() else -1
        return np.where(empty, seg.size, index), first_empty

    index, first_empty = seg.cached(("firsts", which), make)
    if first_empty >= 0 and fill_value is None:
        msg = (
            f"{where}: list {first_empty} at axis {axis % x.ndim} is empty, so it has no "
            f"{'first' if which == 0 else 'last'} item; pass fill_value=... to fill empty lists"
        )
        raise ValueError(msg)
    backend, xp = x._backend, x._backend.xp
    content = _moved(x)
    if first_empty >= 0:
        fill = xp.full((1, *content.shape[1:]), fill_value, dtype=content.dtype)
        content = xp.concat([content, fill], axis=0)
    content = backend.take(content, index, seg, ("firsts", which))
    structure = s.cached(("prefix", s.nlevels - 1), lambda: Structure(s.length, s.levels[:-1]))
    return _new(structure, _back(backend, content, nb), nb)


@register("firsts", "structural", awkward="ak.firsts")
@fieldwise("each")
def firsts(x: RaggedArray, /, axis: int = 1, fill_value: Any = None) -> Any:
    """The first item of every list at ``axis``, as ``ak.firsts``.

    An empty list raises ``ValueError`` naming it, unless ``fill_value`` is given (awkward gives
    None there).

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.0], [], [3.0]])
    >>> rg.firsts(x, fill_value=0.0).to_list()
    [1.0, 0.0, 3.0]
    """
    return _first_or_last(x, axis, fill_value, 0, "rg.firsts")


@register("lasts", "structural")
@fieldwise("each")
def lasts(x: RaggedArray, /, axis: int = 1, fill_value: Any = None) -> Any:
    """The last item of every list at ``axis``; empty lists as in :func:`firsts`.

    >>> import raggrad as rg
    >>> rg.lasts(rg.array([[1.0, 2.0], [3.0]])).to_list()
    [2.0, 3.0]
    """
    return _first_or_last(x, axis, fill_value, -1, "rg.lasts")


# ---- concat -----------------------------------------------------------------------------------
def _concat_offsets(segments: Sequence[Segments]) -> np.ndarray:
    parts, base = [], 0
    for seg in segments:
        parts.append(seg.offsets[:-1] + base)
        base += seg.size
    return np.concatenate([*parts, [base]]).astype(np.int64)


def _concat_plan(structures: tuple[Structure, ...], k: int) -> tuple[Structure, np.ndarray]:
    """Per-list concatenation at ragged level ``k``: the result's structure and element order."""
    segs = [s.levels[k] for s in structures]
    lengths = sum(seg.lengths for seg in segs)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    # item j of array i goes to its list's start + the items of earlier arrays + its local index
    order = np.empty(int(offsets[-1]), dtype=np.int64)
    before = offsets[:-1].copy()
    base = 0
    for seg in segs:
        order[before[seg.ids] + seg.local] = base + np.arange(seg.size, dtype=np.int64)
        before += seg.lengths
        base += seg.size
    deeper = [
        Segments(_concat_offsets([s.levels[j] for s in structures]))
        for j in range(k + 1, structures[0].nlevels)
    ]
    below, sel = descend(deeper, 0, order)
    first = structures[0]
    structure = Structure(first.length, (*first.levels[:k], offsets, *below))
    return structure, sel


def _concatenate_numpy(
    arrays: Any, axis: int | None = 0, out: Any = None, *, dtype: Any = None, casting: str = "same_kind"
) -> Any:
    if out is not None:
        msg = "np.concatenate: out= is not supported on RaggedArrays (results are new arrays)"
        raise NotImplementedError(msg)
    result = concat(arrays, axis=axis)
    if dtype is not None:
        result = RaggedArray._new(result._structure, result._content.astype(dtype, casting=casting))
    return result


@register(
    "concat", "structural", numpy=(np.concatenate,), numpy_impl=_concatenate_numpy, awkward="ak.concatenate"
)
@fieldwise("sequence")
def concat(arrays: Sequence[Any], /, *, axis: int | None = 0) -> RaggedArray:
    """Join arrays along ``axis``, as ``ak.concatenate``.

    ``axis=0`` appends the outer items; ``axis=1`` (or deeper) joins the lists of equal outer
    structure list by list; ``axis=None`` joins the flattened values.

    >>> import raggrad as rg
    >>> a, b = rg.array([[1, 2], []]), rg.array([[3], [4, 5]])
    >>> rg.concat([a, b]).to_list()
    [[1, 2], [], [3], [4, 5]]
    >>> rg.concat([a, b], axis=1).to_list()
    [[1, 2, 3], [4, 5]]
    """
    if isinstance(arrays, RaggedArray) or not len(arrays):
        msg = "rg.concat: expected a non-empty sequence of arrays"
        raise TypeError(msg)
    backend = common_backend(tuple(arrays), "rg.concat")
    xs = [a if isinstance(a, RaggedArray) else wrap(None, _to_backend(backend, a)) for a in arrays]
    if axis is None:
        xs = [flatten(a, axis=None) for a in xs]
        axis = 0
    xp = backend.xp
    first = xs[0]
    nb = first._nbatch
    contents = [_to_backend(backend, a._content) for a in xs]
    for a in xs[1:]:
        if a.ndim != first.ndim or a._structure.nlevels != first._structure.nlevels:
            msg = f"rg.concat: cannot join arrays of types {first.type!r} and {a.type!r} (depths differ)"
            raise ValueError(msg)
        if a._nbatch != nb or a._batch != first._batch:
            msg = f"rg.concat: batch dimensions differ: {first.type!r} and {a.type!r}"
            raise ValueError(msg)
    kind, k = normalize_axis(first, axis, "rg.concat")
    structures = tuple(a._structure for a in xs)
    if kind in ("inner", "batch"):
        for a in xs[1:]:
            if not a._structure.same_levels(first._structure):
                detail = a._structure.first_difference(first._structure)
                msg = f"rg.concat: axis={axis} needs equal lists, but {detail}"
                raise ValueError(msg)
        content = xp.concat(contents, axis=k if kind == "batch" else nb + 1 + k)
        return _new(first._structure, content, nb)
    for a in xs[1:]:
        if a._structure.inner != first._structure.inner:
            msg = f"rg.concat: regular inner dimensions differ: {first.type!r} and {a.type!r}"
            raise ValueError(msg)
    moved = [xp.moveaxis(c, nb, 0) if nb else c for c in contents]
    joined = xp.concat(moved, axis=0)
    if kind == "outer":
        nlevels = first._structure.nlevels
        levels = tuple(_concat_offsets([s.levels[j] for s in structures]) for j in range(nlevels))
        structure = Structure(sum(s.length for s in structures), levels)
        return _new(structure, _back(backend, joined, nb), nb)
    for a in xs[1:]:
        prefix_ok = a._structure.length == first._structure.length and all(
            p is q or np.array_equal(p.offsets, q.offsets)
            for p, q in zip(a._structure.levels[:k], first._structure.levels[:k])
        )
        if not prefix_ok:
            detail = Structure(a._structure.length, a._structure.levels[:k]).first_difference(
                Structure(first._structure.length, first._structure.levels[:k])
            )
            msg = f"rg.concat: axis={axis} joins list by list, but the lists differ: {detail}"
            raise ValueError(msg)
    key = ("concat", k, structures[1:])
    structure, sel = structures[0].cached(key, lambda: _concat_plan(structures, k))
    content = backend.take(joined, sel, structures[0], key)
    return _new(structure, _back(backend, content, nb), nb)


def _to_backend(backend: Any, array: Any) -> Any:
    src = _backends.backend_of(array)
    if src is backend:
        return array
    if src is None:
        return backend.asarray(np.asarray(array))
    return backend.asarray(src.to_numpy(array))


# ---- sort, argsort, flip ----------------------------------------------------------------------
def _sort_order(x: RaggedArray, descending: bool, where: str) -> tuple[Any, Any, Any]:
    """Within-list sorting permutation of the innermost level, on the backend.

    Returns ``(order, values, seg)`` where ``values`` is the content with the element axis last
    and ``order`` the global element indices that sort it (stable) along that axis.
    """
    s, backend = x._structure, x._backend
    xp, npl = backend.xp, backend.np_like
    seg = s.levels[-1]
    values = xp.moveaxis(x._content, x._nbatch, -1)
    shape = tuple(values.shape)
    like = x._content
    if descending:
        # stable descending = reverse each list, sort ascending, reverse back (equal values keep
        # their order)
        rev = seg.cached(
            "reversed", lambda: seg.offsets[:-1][seg.ids] + seg.offsets[1:][seg.ids] - 1 - np.arange(seg.size)
        )
        rev_d = backend.index(seg, ("sort", "reversed"), rev, like)
        values = xp.take(values, rev_d, axis=-1)
    ids = npl.broadcast_to(backend.index(seg, ("sort", "ids"), seg.ids, like), shape)
    if backend.name == "numpy":
        order = np.lexsort((values, ids), axis=-1)  # NumPy's lexsort is stable
    else:
        # an explicit tie-breaker: XLA's multi-operand sort is not stable by default
        iota = npl.broadcast_to(npl.arange(shape[-1], dtype=ids.dtype), shape)
        order = npl.lexsort((iota, values, ids), axis=-1)
    if descending:
        order = npl.take(rev_d, xp.take(order, rev_d, axis=-1))
    return order, xp.moveaxis(x._content, x._nbatch, -1), seg


def _sort_axis(x: RaggedArray, axis: int, where: str) -> tuple[str, int]:
    kind, k = normalize_axis(x, axis, where)
    s = x._structure
    if kind == "inner":
        return "dense", x._nbatch + 1 + k  # the content axis of that regular dim
    if kind == "outer" and not s.nlevels:
        return "dense", x._nbatch
    if kind == "level" and k == s.nlevels - 1:
        return "ragged", k
    msg = (
        f"{where}: axis={axis} of an array of type {x.type!r} is not supported; sort within the "
        "innermost lists (axis=-1) or along a regular dimension"
    )
    raise NotImplementedError(msg)


def _sort_numpy(
    a: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *, stable: bool | None = None
) -> Any:
    if order is not None:
        msg = "np.sort: order= (record fields) is not supported on RaggedArrays"
        raise NotImplementedError(msg)
    if axis is None:
        return sort(flatten(a, axis=None))
    return sort(a, axis=axis)  # always stable, so every kind= is honoured


@register("sort", "structural", numpy=(np.sort,), numpy_impl=_sort_numpy, awkward="ak.sort")
def sort(x: RaggedArray, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> RaggedArray:
    """Sort within every innermost list (``axis=-1``), or along a regular dimension.

    Always stable (``stable=False`` is allowed and gives the same result). Differentiable: the
    gradient follows the permutation. Works under ``jax.jit`` (a sort keyed by list and value).

    >>> import raggrad as rg
    >>> rg.sort(rg.array([[3.0, 1.0, 2.0], [], [5.0, 4.0]])).to_list()
    [[1.0, 2.0, 3.0], [], [4.0, 5.0]]
    >>> rg.sort(rg.array([[3, 1, 2], [5, 4]]), descending=True).to_list()
    [[3, 2, 1], [5, 4]]
    """
    x = _ragged(x, "rg.sort")
    mode, k = _sort_axis(x, axis, "rg.sort")
    backend, xp = x._backend, x._backend.xp
    if mode == "dense":
        return RaggedArray._new(x._structure, xp.sort(x._content, axis=k, descending=descending, stable=True))
    order, values, _ = _sort_order(x, descending, "rg.sort")
    out = backend.np_like.take_along_axis(values, order, axis=-1)
    return RaggedArray._new(x._structure, xp.moveaxis(out, -1, x._nbatch))


def _argsort_numpy(
    a: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *, stable: bool | None = None
) -> Any:
    if order is not None:
        msg = "np.argsort: order= (record fields) is not supported on RaggedArrays"
        raise NotImplementedError(msg)
    if axis is None:
        return argsort(flatten(a, axis=None))
    return argsort(a, axis=axis)


@register(
    "argsort",
    "structural",
    numpy=(np.argsort,),
    numpy_impl=_argsort_numpy,
    awkward="ak.argsort",
    differentiable=False,
)
def argsort(
    x: RaggedArray, /, *, axis: int = -1, descending: bool = False, stable: bool = True
) -> RaggedArray:
    """Local indices that sort every innermost list (stable), as ``ak.argsort``.

    ``x[rg.argsort(x)]`` is ``rg.sort(x)``.

    >>> import raggrad as rg
    >>> rg.argsort(rg.array([[3.0, 1.0, 2.0], [], [5.0, 4.0]])).to_list()
    [[1, 2, 0], [], [1, 0]]
    """
    x = _ragged(x, "rg.argsort")
    mode, k = _sort_axis(x, axis, "rg.argsort")
    backend, xp = x._backend, x._backend.xp
    if mode == "dense":
        out = xp.argsort(x._content, axis=k, descending=descending, stable=True)
        return RaggedArray._new(x._structure, xp.astype(out, _default_int(backend)))
    order, _, seg = _sort_order(x, descending, "rg.argsort")
    starts = seg.cached("element-starts", lambda: seg.offsets[:-1][seg.ids])
    local = order - backend.index(seg, ("sort", "starts"), starts, x._content)
    local = xp.astype(xp.moveaxis(local, -1, x._nbatch), _default_int(backend))
    return RaggedArray._new(x._structure, local)


def _flip_numpy(m: Any, axis: Any = None) -> Any:
    return flip(m, axis=axis)


@register("flip", "structural", numpy=(np.flip,), numpy_impl=_flip_numpy)
@fieldwise("each")
def flip(x: RaggedArray, /, *, axis: int | tuple[int, ...] | None = None) -> RaggedArray:
    """Reverse the order along ``axis`` (None: every axis): ``axis=-1`` reverses within lists.

    >>> import raggrad as rg
    >>> x = rg.array([[1, 2, 3], [], [4, 5]])
    >>> rg.flip(x, axis=-1).to_list()
    [[3, 2, 1], [], [5, 4]]
    >>> rg.flip(x, axis=0).to_list()
    [[4, 5], [], [1, 2, 3]]
    """
    x = _ragged(x, "rg.flip")
    axes = range(x.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
    index = [slice(None)] * x.ndim
    for a in axes:
        normalize_axis(x, a, "rg.flip")
        index[a % x.ndim] = slice(None, None, -1)
    return getitem(x, tuple(index))


# ---- combinations, cartesian ------------------------------------------------------------------
def _expand(
    rows_list: np.ndarray, cols: list[np.ndarray], counts: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Repeat every row ``counts[r]`` times and append a column running from ``starts[r]``."""
    _, new = ranges(starts, counts)
    rep = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    return rows_list[rep], [c[rep] for c in cols] + [new]


def _combinations_plan(s: Structure, n: int, d: int) -> tuple[list[Any], list[np.ndarray]]:
    """Levels of the result's lists, and per member the items it picks (global indices at ``d + 1``)."""
    ext = _ext(s)
    seg = ext[d]
    L = seg.lengths
    if n == 1:
        return [*ext[:d], seg.offsets], [np.arange(seg.size, dtype=np.int64)]
    if n == 2:
        # element p of list j is the first member of (stop_j - 1 - p) pairs, whose second members
        # run from p + 1 to the list's end: two repeats, no per-pair gathers
        ends = np.repeat(seg.offsets[1:] - 1, L)
        ends -= np.arange(seg.size, dtype=np.int64)
        first = np.repeat(np.arange(seg.size, dtype=np.int64), ends)
        _, second = ranges(np.arange(1, seg.size + 1, dtype=np.int64), ends)
        offsets = np.zeros(len(L) + 1, dtype=np.int64)
        np.cumsum(L * (L - 1) // 2, out=offsets[1:])
        return [*ext[:d], offsets], [first, second]
    first_counts = np.maximum(L - n + 1, 0)
    _, col = ranges(np.zeros(len(L), dtype=np.int64), first_counts)
    rows = np.repeat(np.arange(len(L), dtype=np.int64), first_counts)
    cols = [col]
    for t in range(1, n):
        # the next member runs from the previous one + 1 up to leaving room for the rest
        more = L[rows] - (n - t) - cols[-1]
        rows, cols = _expand(rows, cols, more, cols[-1] + 1)
    offsets = np.zeros(len(L) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(L)), out=offsets[1:])
    starts = seg.offsets[:-1][rows]
    return [*ext[:d], offsets], [starts + c for c in cols]


def _check_n(n: Any, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        msg = f"{where}: n must be a positive integer, got {n!r}"
        raise ValueError(msg)
    return int(n)


@register("combinations", "structural", awkward="ak.combinations")
@fieldwise("each")
def combinations(x: RaggedArray, n: int, /, *, axis: int = 1) -> tuple[RaggedArray, ...]:
    """All ``n``-element combinations of the items of every list at ``axis`` (no replacement).

    Returns ``n`` arrays: the ``i``-th holds the ``i``-th member of every combination,
    combinations in lexicographic order within each list, as ``ak.combinations``. Differentiable
    (each member is a gather); the structure depends on the input's only, so it works under
    ``jax.jit``.

    >>> import raggrad as rg
    >>> a, b = rg.combinations(rg.array([[1, 2, 3], [], [4, 5]]), 2)
    >>> a.to_list(), b.to_list()
    ([[1, 1, 2], [], [4]], [[2, 3, 3], [], [5]])
    """
    x = _ragged(x, "rg.combinations")
    n = _check_n(n, "rg.combinations")
    s, backend, nb = x._structure, x._backend, x._nbatch
    d = _depth(x, axis, "rg.combinations")
    ext = _ext(s)

    def make() -> list[tuple[Structure, np.ndarray]]:
        levels, picked = _combinations_plan(s, n, d)
        shared = _structure(levels)
        out = []
        for g in picked:
            below, sel = descend(ext, d + 1, g)
            # one structure object for members with equal lists keeps broadcasting on its fast path
            out.append((_structure([*levels, *below]) if below else shared, sel))
        return out

    key = ("combinations", n, d)
    plan = s.cached(key, make)
    content = _moved(x)
    return tuple(
        _new(structure, _back(backend, backend.take(content, sel, s, (*key, i)), nb), nb)
        for i, (structure, sel) in enumerate(plan)
    )


@register("argcombinations", "structural", awkward="ak.argcombinations", differentiable=False)
@fieldwise("one")
def argcombinations(x: RaggedArray, n: int, /, *, axis: int = 1) -> tuple[RaggedArray, ...]:
    """Local indices of the members of the combinations of :func:`combinations`.

    >>> import raggrad as rg
    >>> i, j = rg.argcombinations(rg.array([[1, 2, 3], [], [4, 5]]), 2)
    >>> i.to_list(), j.to_list()
    ([[0, 0, 1], [], [0]], [[1, 2, 2], [], [1]])
    """
    x = _ragged(x, "rg.argcombinations")
    n = _check_n(n, "rg.argcombinations")
    s, backend = x._structure, x._backend
    d = _depth(x, axis, "rg.argcombinations")

    def make() -> tuple[Structure, list[np.ndarray]]:
        levels, picked = _combinations_plan(s, n, d)
        new = levels[-1]
        # local index = picked item - the start of its list
        starts = np.repeat(_ext(s)[d].offsets[:-1], np.diff(new))
        return _structure(levels), [g - starts for g in picked]

    key = ("argcombinations", n, d)
    structure, cols = s.cached(key, make)
    return tuple(
        _new(structure, _batched(backend, _ints(backend, c, s, (*key, i), x._content), x._batch), x._nbatch)
        for i, c in enumerate(cols)
    )


def _cartesian_plan(structures: tuple[Structure, ...], d: int) -> tuple[list[Any], list[np.ndarray]]:
    exts = [_ext(s) for s in structures]
    lens = [e[d].lengths for e in exts]
    nlists = len(lens[0])
    rows = np.repeat(np.arange(nlists, dtype=np.int64), lens[0])
    _, col = ranges(np.zeros(nlists, dtype=np.int64), lens[0])
    cols = [col]
    for L in lens[1:]:
        rows, cols = _expand(rows, cols, L[rows], np.zeros(len(rows), dtype=np.int64))
    counts = np.bincount(rows, minlength=nlists)
    offsets = np.zeros(nlists + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    picked = [e[d].offsets[:-1][rows] + c for e, c in zip(exts, cols)]
    return [*exts[0][:d], offsets], picked


@register("cartesian", "structural", awkward="ak.cartesian")
@fieldwise("sequence")
def cartesian(arrays: Sequence[RaggedArray], /, *, axis: int = 1) -> tuple[RaggedArray, ...]:
    """Every tuple of one item from each array's list at ``axis``, as ``ak.cartesian``.

    Returns one array per input (the first input varies slowest). The arrays must have the same
    lists above ``axis``.

    >>> import raggrad as rg
    >>> a, b = rg.cartesian([rg.array([[1, 2], []]), rg.array([[10, 20, 30], [40]])])
    >>> a.to_list(), b.to_list()
    ([[1, 1, 1, 2, 2, 2], []], [[10, 20, 30, 10, 20, 30], []])
    """
    if isinstance(arrays, RaggedArray) or not len(arrays):
        msg = "rg.cartesian: expected a non-empty sequence of RaggedArrays"
        raise TypeError(msg)
    xs = [_ragged(a, "rg.cartesian") for a in arrays]
    backend = common_backend(tuple(xs), "rg.cartesian")
    first = xs[0]
    d = _depth(first, axis, "rg.cartesian")
    sf = first._structure
    for a in xs[1:]:
        sa = a._structure
        ok = a._nbatch == first._nbatch and d <= sa.nlevels
        if d:
            ok = (
                ok
                and sa.length == sf.length
                and all(
                    p is q or np.array_equal(p.offsets, q.offsets)
                    for p, q in zip(sa.levels[: d - 1], sf.levels)
                )
            )
        if not ok:
            msg = (
                f"rg.cartesian: arrays of types {first.type!r} and {a.type!r} do not have the same "
                f"lists above axis={axis}"
            )
            raise ValueError(msg)
    structures = tuple(a._structure for a in xs)

    def make() -> list[tuple[Structure, np.ndarray]]:
        levels, picked = _cartesian_plan(structures, d)
        out = []
        for s, g in zip(structures, picked):
            below, sel = descend(_ext(s), d + 1, g)
            out.append((_structure([*levels, *below]), sel))
        return out

    key = ("cartesian", d, structures[1:])
    plan = structures[0].cached(key, make)
    nb = first._nbatch
    return tuple(
        _new(
            structure,
            _back(backend, backend.take(_to_backend(backend, _moved(a)), sel, structures[0], (*key, i)), nb),
            nb,
        )
        for i, (a, (structure, sel)) in enumerate(zip(xs, plan))
    )


# ---- broadcast_arrays -------------------------------------------------------------------------
@register("broadcast_arrays", "structural", awkward="ak.broadcast_arrays")
@fieldwise("varargs")
def broadcast_arrays(*arrays: Any) -> tuple[Any, ...]:
    """The arrays broadcast against each other with awkward's rules (one value per list, ...).

    >>> import raggrad as rg
    >>> a, b = rg.broadcast_arrays(rg.array([[1, 2], [], [3]]), rg.array([10, 20, 30]))
    >>> b.to_list()
    [[10, 10], [], [30]]
    """
    structure, backend, contents, nb = broadcast(arrays, "rg.broadcast_arrays")
    xp = backend.xp
    contents = [
        c if hasattr(c, "shape") and _backends.backend_of(c) is backend else backend.asarray(c)
        for c in contents
    ]
    shape = np.broadcast_shapes(*(tuple(c.shape) for c in contents))
    return tuple(wrap(structure, xp.broadcast_to(c, shape), nb) for c in contents)
