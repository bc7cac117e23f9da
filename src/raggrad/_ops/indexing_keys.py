"""Index items as the walk reads them (NumPy's advanced-index rules), and NumPy's rules on the
regular dimensions: the parts of ``x[...]`` (``raggrad._ops.indexing``) that do not walk lists.

An item is classified into a hashable tuple: ``("int", i)``, ``("slice", start, stop, step)``,
``("newaxis",)``, ``("ellipsis",)``, ``("array", host ints, mask length or None[, present])``
(``present``: where an index with missing values is not None), ``("traced-array", x)`` or
``("ragged", x)``; integer arrays on ragged dims are then grouped by NumPy's rule
(``("paired", parts, k)``).
"""

from __future__ import annotations

import math
import operator
from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray, as_ragged
from .._errors import OptionTypeError, check_concrete
from .._registry import convertible
from .._structure import Structure
from .indexing_bounded import NAME as _NAME
from .indexing_bounded import mask_mismatch, out_of_range
from .indexing_sources import device_wrap, filled

__all__ = [
    "ADVANCED",
    "MASK_ALTERNATIVE",
    "broadcast_k",
    "classify",
    "consumes",
    "expand_ellipsis",
    "host_part",
    "pair",
    "regular",
    "wrap_local",
]

MASK_ALTERNATIVE = (
    "Keep the structure instead: pass the mask as where= to a reducer (rg.sum(x, axis=1, "
    "where=mask)) or replace the unselected values with rg.where(mask, x, 0); or bound the array "
    "first: rg.with_capacity(x)[mask] works under jit, its capacities unchanged."
)
_INT_ALTERNATIVE = (
    "Pass it as a static value, or bound the array first: rg.with_capacity(x)[i] works under jit."
)
ADVANCED = ("int", "array", "traced-array", "traced-int")  # NumPy's advanced indices, with an array
_ARRAYS = ("array", "traced-array")
_INT64 = 2**63
_CLAMP = 2**62  # slice bounds are clamped here: no list is that long, and int64 sums cannot overflow


# ---- index items --------------------------------------------------------------------------
def _too_large(i: Any) -> IndexError:
    return IndexError(f"{_NAME}: index {i} is out of range for every dimension (it does not fit in int64)")


def _as_int(item: Any, backend: Any) -> int | None:
    if isinstance(item, (bool, np.bool_)):
        return None
    if isinstance(item, (int, np.integer)):
        if not -_INT64 <= int(item) < _INT64:
            raise _too_large(item)
        return int(item)
    b = _backends.backend_of(item)
    if b is not None and len(item.shape) == 0 and b.numpy_dtype(item.dtype).kind in "iu":
        check_concrete(b, item, _NAME, "an integer index", _INT_ALTERNATIVE)
        return _as_int(b.to_numpy(item).item(), backend)
    return None


def _slice_key(item: slice) -> tuple[str, int | None, int | None, int]:
    def part(v: Any) -> int | None:
        if v is None:
            return None
        try:
            return min(max(operator.index(v), -_CLAMP), _CLAMP)
        except TypeError:
            msg = f"{_NAME}: slice bounds must be integers or None, got {v!r}"
            raise TypeError(msg) from None

    step = part(item.step)
    if step == 0:
        msg = f"{_NAME}: slice step cannot be zero"
        raise ValueError(msg)
    return ("slice", part(item.start), part(item.stop), 1 if step is None else step)


def classify(item: Any, backend: Any) -> Any:
    """A hashable description of one index item, or ("array", host ints, mask length or None),
    ("traced-array", x) or ("ragged", x)."""
    if item is None:
        return ("newaxis",)
    if item is Ellipsis:
        return ("ellipsis",)
    if isinstance(item, slice):
        return _slice_key(item)
    i = _as_int(item, backend)
    if i is not None:
        return ("int", i)
    if isinstance(item, (list, tuple)) and any(
        v is None or isinstance(v, list | tuple | np.ndarray) for v in item
    ):
        item = as_ragged(item, _NAME, options=True)  # lists of lists or with None: ragged, as awkward's
    elif isinstance(item, np.ma.MaskedArray) or convertible(item):
        item = as_ragged(item, _NAME, options=True)  # masked entries are None; awkward arrays convert
    if isinstance(item, RaggedArray) and item._structure.nlevels:
        return ("ragged", item)
    given = None  # where a one-dimensional index is present (None: everywhere)
    if isinstance(item, RaggedArray):
        given = cast("np.ndarray | None", item._structure.masks and item._structure.masks[0])
        item = item._content
    if isinstance(item, (list, tuple)):
        item = np.asarray(item) if len(item) else np.zeros(0, dtype=np.int64)
        if item.dtype == object and all(isinstance(v, int) for v in item.ravel()):
            raise _too_large(max(item.ravel().tolist(), key=abs))
    b = _backends.backend_of(item)
    if b is None:
        msg = f"{_NAME}: cannot index with {type(item).__name__} {item!r}"
        raise TypeError(msg)
    kind = b.numpy_dtype(item.dtype).kind
    if given is not None and not given.any() and len(item.shape) == 1:
        item, kind = np.zeros(len(given), dtype=np.int64), "i"  # all None (no dtype of its own)
    if kind not in "biu" or len(item.shape) != 1:
        msg = (
            f"{_NAME}: an array index must be a 1-d integer or boolean array, got dtype "
            f"{item.dtype} and shape {tuple(item.shape)}"
        )
        raise TypeError(msg) if kind not in "biu" else IndexError(msg)
    if kind == "b":
        check_concrete(b, item, _NAME, "a boolean mask", MASK_ALTERNATIVE)
        if given is None:
            return ("array", np.flatnonzero(b.to_numpy(item)), int(item.shape[0]))
        kept = np.flatnonzero(b.to_numpy(item) | ~given)  # a None keeps its position, as None
        return ("array", kept, int(item.shape[0]), given[kept])
    if not b.is_concrete(item):
        if given is not None:
            msg = f"{_NAME}: a traced integer index with missing values (None) is not supported; fill them"
            raise OptionTypeError(msg)
        return ("traced-array", item)
    host = b.to_numpy(item)
    if kind == "u" and host.size and host.max() >= _INT64:
        raise _too_large(int(host.max()))
    return (
        ("array", host.astype(np.int64), None)
        if given is None
        else ("array", host.astype(np.int64), None, given)
    )


def consumes(c: Any) -> int:
    if c[0] in ("newaxis", "ellipsis"):
        return 0
    return c[1]._structure.nlevels + 1 if c[0] == "ragged" else 1


def expand_ellipsis(items: list[Any], ndim: int) -> list[Any]:
    used = sum(consumes(c) for c in items)
    if sum(c[0] == "ellipsis" for c in items) > 1:
        msg = f"{_NAME}: an index can only have a single ellipsis ('...')"
        raise IndexError(msg)
    if used > ndim:
        msg = f"{_NAME}: too many indices: the array has {ndim} dimensions but {used} were indexed"
        raise IndexError(msg)
    full = [("slice", None, None, 1)] * (ndim - used)
    return [e for c in items for e in (full if c[0] == "ellipsis" else [c])]


# ---- advanced indices: NumPy's broadcasting rule --------------------------------------------
def broadcast_k(items: list[Any]) -> int:
    """The common length of the advanced indices ``items`` (integers broadcast, as length-1 arrays)."""
    shapes = [(len(c[1]) if c[0] == "array" else int(c[1].shape[0]),) for c in items if c[0] in _ARRAYS]
    sizes = {n for (n,) in shapes} - {1}
    if len(sizes) > 1:
        msg = (
            f"{_NAME}: shape mismatch: indexing arrays could not be broadcast together with shapes "
            f"{' '.join(map(str, shapes))} (a boolean array counts as its true positions)"
        )
        raise IndexError(msg)
    return sizes.pop() if sizes else 1


def pair(rag: list[Any], inner: list[Any]) -> tuple[list[Any], list[Any]]:
    """Integer arrays of a ragged array's index, grouped by NumPy's rule into ``("paired", parts,
    k)`` (the ragged dims they index) and ``("paired-inner", items, k)`` (regular dims after those)."""
    items = rag + inner
    pos = [i for i, c in enumerate(items) if c[0] in ADVANCED]
    arrays = [i for i in pos if items[i][0] in _ARRAYS]
    if not arrays:
        return rag, inner
    if any(c[0] == "ragged" for c in rag):
        msg = (
            f"{_NAME}: a ragged index cannot be combined with integer or boolean arrays (awkward "
            "refuses it too); index in two steps, e.g. x[index][:, :, [0, 1]]"
        )
        raise NotImplementedError(msg)
    group = pos
    if pos[-1] - pos[0] + 1 != len(pos):
        # NumPy moves the broadcast dimension first, which is where it is already when the one
        # array is the index's first item and the rest are integers
        if arrays != [0]:
            msg = (
                f"{_NAME}: on a ragged array, integer arrays and the integers beside them must be "
                "adjacent, not separated by a slice, None or '...' (awkward refuses it too; NumPy "
                "would move their dimension first); index in two steps, e.g. x[0][:, [0, 1]]"
            )
            raise NotImplementedError(msg)
        group = [0]
    if len(arrays) > 1 and any(items[i][0] == "array" and items[i][2] is not None for i in arrays):
        msg = (
            f"{_NAME}: on a ragged array a boolean array cannot be combined with other integer arrays "
            "(awkward has no consistent rule for it); pass np.flatnonzero(mask) for NumPy's meaning"
        )
        raise NotImplementedError(msg)
    k = broadcast_k([items[i] for i in group])
    in_rag = [i for i in group if i < len(rag)]
    if not any(items[i][0] in _ARRAYS for i in in_rag):
        return rag, inner  # integers, then arrays on the regular dims: regular pairs those
    parts = tuple(
        # (traced values, on a bounded array, stay as they are: the bounded walk broadcasts them);
        # an array with missing values brings where it is present
        (np.broadcast_to(c[1], (k,)) if c[0] in ("int", "array") else c[1], c[2] if c[0] == "array" else None)
        + ((np.broadcast_to(c[3], (k,)),) if c[0] == "array" and len(c) > 3 else ())
        for c in map(items.__getitem__, in_rag)
    )
    rag = [*rag[: in_rag[0]], ("paired", parts, k), *rag[in_rag[-1] + 1 :]]
    n_inner = len(group) - len(in_rag)
    if n_inner:
        inner = [("paired-inner", tuple(inner[:n_inner]), k), *inner[n_inner:]]
    return rag, inner


def wrap_local(local: np.ndarray, lens: Any, sel: Any, d: int) -> np.ndarray:
    """Negative indices counted from the end; IndexError naming the first list out of range
    (``sel``: the lists' numbers, None for lists 0, 1, ..., False for a regular axis)."""
    j = np.where(local < 0, local + lens, local)
    bad = (j < 0) | (j >= lens)
    if bad.any():
        b = int(np.argmax(bad))
        item = None if sel is False else b if sel is None else int(sel[b])
        raise out_of_range(d, item, int(local[b]), int(np.broadcast_to(lens, local.shape)[b]))
    return j


def host_part(c: Any, size: int, axis: int) -> np.ndarray:
    """An integer or a host integer array (mask) on a regular axis of length ``size``, checked and
    wrapped on the host: JAX would clamp an index out of range instead of raising."""
    if c[0] == "array" and c[2] is not None and c[2] != size:
        raise mask_mismatch(c[2], axis, None, size)
    return wrap_local(np.asarray([c[1]] if c[0] == "int" else c[1], dtype=np.int64), size, False, axis)


# ---- regular dims (and arrays with no ragged dimension): NumPy's rules as takes ---------------
def regular(b: Any, content: Any, lead: int, items: list[Any], axis0: int) -> Any:
    """``content`` indexed by ``items`` after ``lead`` untouched dims, as NumPy indexes, the same on
    every backend: slices as takes (torch has no negative steps), integers and arrays checked on
    the host (JAX would clamp them), and the advanced indices, once an array is among them, as one
    take of their flattened dims (torch places them unlike NumPy when a slice separates them).
    ``axis0`` is the number of the first indexed dim, for messages."""
    xp = b.xp
    items = items + [("slice", None, None, 1)] * (len(content.shape) - lead - sum(map(consumes, items)))
    pos = [i for i, c in enumerate(items) if c[0] in ADVANCED]
    arrays = any(items[i][0] != "int" for i in pos)
    k = broadcast_k([items[i] for i in pos]) if arrays else 1
    key: list[Any]
    axis, axes, index, ok, dims, key = lead, [], [], None, [], []
    for i, c in enumerate(items):
        if c[0] == "newaxis":
            dims.append("new")
            key.append(None)
            continue
        size = int(content.shape[axis])
        if c[0] == "slice":
            if c[1:] != (None, None, 1):
                picks = np.arange(*slice(*c[1:]).indices(size))
                content = xp.moveaxis(b.take(xp.moveaxis(content, axis, 0), picks, None, None), 0, axis)
            dims.append("dim")
            key.append(slice(None))
        else:
            if c[0] == "traced-array":
                j, good = device_wrap(b, c[1], size, size, b.default_int())
                index.append(xp.broadcast_to(j, (k,)))
                good = xp.broadcast_to(good, (k,))
                ok = good if ok is None else ok & good
            else:
                j = host_part(c, size, axis0 + axis - lead)
                index.append(np.broadcast_to(j, (k,)))
                key.append(int(j[0]) if c[0] == "int" else None)
            axes.append(axis)
            dims += ["adv"] if i == pos[0] else []
        axis += 1
    if not arrays:  # integers alone are basic indices: each takes its dim away
        return content[(slice(None),) * lead + tuple(key)]
    # the advanced dims moved first and flattened: one take, then their dim goes where NumPy puts it
    if axes != list(range(len(axes))):
        content = xp.moveaxis(content, tuple(axes), tuple(range(len(axes))))
    sizes = tuple(content.shape[: len(axes)])
    content = xp.reshape(content, (math.prod(sizes), *content.shape[len(axes) :]))
    flat = index[0]
    for j, size in zip(index[1:], sizes[1:]):
        flat = flat * size + j
    if ok is None:
        content = b.take(content, flat, None, None)
    else:
        content = filled(b, xp.take(content, xp.where(ok, flat, 0), axis=0), ok)
    if pos[-1] - pos[0] + 1 != len(pos):  # separated by a slice or None: NumPy puts them first
        dims = ["adv", *(t for t in dims if t != "adv")]
    content = xp.moveaxis(content, 0, lead + [t for t in dims if t != "new"].index("adv"))
    for p, t in enumerate(dims):
        if t == "new":
            content = xp.expand_dims(content, axis=lead + p)
    return content


def dense_nd(x: RaggedArray, raw: list[Any]) -> Any:
    """``x[key]`` by NumPy's rules where ``x`` has no lists and the key holds a concrete array of
    two or more dims (the array API's n-d masks and integer arrays); None for any other key.
    The key is checked on the host first (NumPy's ``IndexError``: jax would clamp)."""
    b = x._backend
    if any(
        isinstance(i, np.ma.MaskedArray) or (isinstance(i, RaggedArray) and not list_free(i)) for i in raw
    ):
        return None  # a ragged key, or masked entries (missing values): the walk's
    items = [i._content if isinstance(i, RaggedArray) else i for i in raw]
    arrays = [i for i in items if isinstance(i, np.ndarray) or _backends.backend_of(i) is not None]
    if not any(len(a.shape) >= 2 for a in arrays):
        return None
    if not all((ab := _backends.backend_of(a)) is None or ab.is_concrete(a) for a in arrays):
        return None  # traced: the walk's refusal
    host = [_host_key(i) for i in items]
    try:  # a stand-in of x's shape that costs nothing: NumPy's checks and errors
        np.broadcast_to(np.zeros((), bool), tuple(x._content.shape))[tuple(host)]
    except IndexError as exc:
        msg = f"{_NAME}: {exc}"
        raise IndexError(msg) from None
    key: list[Any] = []
    for h in host:  # a mask as its true positions (as NumPy reads it; jax under jit needs ints)
        arrays_of_h = np.nonzero(h) if isinstance(h, np.ndarray) and h.dtype == bool and h.ndim else (h,)
        key.extend(b.asarray(a) if isinstance(a, np.ndarray) else a for a in arrays_of_h)
    out = x._content[tuple(key)]
    if not len(out.shape):
        return out
    return RaggedArray._new(Structure(int(out.shape[0]), (), tuple(out.shape[1:])), out)


def list_free(x: RaggedArray) -> bool:
    """Whether ``x`` is an exact array without lists, missing values or batch dims (NumPy's)."""
    s = x._structure
    return type(s) is Structure and not s.nlevels and s.masks is None and not x._nbatch


def _host_key(item: Any) -> Any:
    b = _backends.backend_of(item)
    return np.asarray(item) if isinstance(item, np.ndarray) else b.to_numpy(item) if b is not None else item
