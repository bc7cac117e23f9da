"""Pure conversions between content buffers, Python lists and backends (below the array classes).

Everything here works on a :class:`Structure` and a content buffer, so the array classes use it
without going through the public construction functions.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, cast

import numpy as np

from . import _backends
from ._dtypes import check_numeric
from ._structure import Structure, offsets_from_lengths

__all__ = [
    "content_to",
    "dtype_of",
    "is_listlike",
    "limited_repr",
    "nested_lists",
    "parse_lists",
    "slice_outer",
]


def dtype_of(content: Any) -> np.dtype:
    """The NumPy dtype of a content buffer of any backend."""
    backend = _backends.backend_of(content)
    return np.dtype(content.dtype) if backend is None else backend.numpy_dtype(content.dtype)


def content_to(content: Any, dtype: Any, backend: Any, device: Any) -> Any:
    """Convert a content buffer to ``backend``/``dtype``/``device`` (no copy when nothing changes)."""
    source = _backends.backend_of(content)
    target = source if backend is None else _backends.get_backend(backend)
    if target is None:
        target = _backends.get_backend("numpy")
    if isinstance(content, np.ndarray) and target is not source:
        content = _portable(content, dtype, target)
    if source is not None and source is not target:
        # DLPack where the two backends can share the buffer, else through a NumPy array
        shared = target.convert_from(content, source)
        if shared is None:
            shared = source.convert_to(content, target)
        content = source.to_numpy(content) if shared is None else shared
        source = target if shared is not None else source
    if source is target and dtype is None and device is None:
        return content
    if source is target and device is None:
        wanted = target.dtype(dtype)
        if content.dtype == wanted:  # astype copies even when nothing changes
            return content
        return target.xp.astype(content, wanted)
    return target.asarray(content, dtype=target.dtype(dtype), device=device)


def _portable(content: np.ndarray, dtype: Any, target: Any) -> np.ndarray:
    """NumPy content in a form other libraries read: native byte order, int64 for NumPy's
    longlong (``np.asarray([2**63])`` is ulonglong, a name torch refuses), and no long double
    (no library but NumPy holds it: the dtype asked for, else a ``TypeError``)."""
    if not content.dtype.isnative:
        content = content.astype(content.dtype.newbyteorder("="))
    if content.dtype.char in "qQ":
        content = content.view(np.int64 if content.dtype.char == "q" else np.uint64)
    if content.dtype.char in "gG" and not target.is_host:
        if dtype is None:
            wider = "complex128" if content.dtype.char == "G" else "float64"
            msg = (
                f"{target.name} backend: cannot hold NumPy's {content.dtype} content; convert "
                f"first (rg.astype(x, rg.{wider}))"
            )
            raise TypeError(msg)
        content = content.astype(target.numpy_dtype(target.dtype(dtype)))
    return content


# ---- nested Python lists ---------------------------------------------------------------------
def is_listlike(obj: Any) -> bool:
    return isinstance(obj, (list, tuple)) or (isinstance(obj, np.ndarray) and obj.ndim > 0)


def dense_input(obj: Any, name: str) -> np.ndarray:
    """``np.asarray(obj)`` of a non-array argument; nested lists of different lengths (which NumPy
    refuses as "inhomogeneous") raise a ``ValueError`` that names ``rg.array``."""
    try:
        return np.asarray(obj)
    except ValueError as exc:
        if not is_listlike(obj):
            raise
        msg = (
            f"{name}: the nested lists have different lengths (ragged); make them a RaggedArray with rg.array"
        )
        raise ValueError(msg) from exc


def refuse_masked(values: Any, name: str, what: str) -> None:
    """``TypeError`` for a NumPy masked array with masked entries given as ``what`` (offsets,
    lengths, counts): its hidden data would be read as values."""
    if isinstance(values, np.ma.MaskedArray) and np.ma.getmaskarray(values).any():
        msg = f"{name}: {what} is a masked array with masked entries (their hidden data would be read)"
        raise TypeError(msg)


def masked_parts(obj: np.ma.MaskedArray, name: str) -> tuple[Structure, np.ndarray] | np.ndarray:
    """A NumPy masked array read as ``ak.Array`` reads it, masked entries missing: its data where
    nothing is masked, else ``(structure, content)``: a 1-d array's items with a mask, the rows of
    a deeper one as lists (no None inside a regular dimension). A masked 0-d value: TypeError."""
    missing, data = np.ma.getmaskarray(obj), np.ma.getdata(obj)
    if not missing.any():
        return data
    if not data.ndim:
        msg = f"{name}: a 0-d masked array whose value is masked holds no number"
        raise TypeError(msg)
    if data.ndim != 1:
        return parse_lists(np.ma.array(data, mask=missing).tolist(), data.dtype, name)
    return Structure(len(data), (), (), (~missing,)), np.where(missing, np.zeros((), data.dtype), data)


def parse_lists(obj: Any, dtype: Any, name: str = "rg.array") -> tuple[Structure, Any]:
    """Nested Python lists → (structure, NumPy content), level by level (C-level loops only).

    A level whose items are all arrays (NumPy's or a backend's) with equal trailing shapes is
    their first dimension, ragged, over regular inner dims: ``[np.zeros((3, 2)), np.zeros((1, 2))]``
    is ``2 * var * 2``; the content is then the arrays concatenated, on their backend.
    """
    items = list(obj)
    length = len(items)
    offsets: list[np.ndarray] = []
    masks: list[np.ndarray | None] = []
    level = items
    depth = 1
    while level:
        missing = any(map(_is_none, level))
        masks.append(None)
        if missing:  # None: a missing list (empty) or a missing number (a zero in the content)
            present = np.fromiter((v is not None for v in level), dtype=np.bool_, count=len(level))
            masks[-1] = present
            if any(map(is_listlike, level)):
                level = [() if v is None else v for v in level]
            else:
                filler = next((v for v in level if v is not None), 0.0)
                level = [filler if v is None else v for v in level]
                break
        stacked = None if missing else _stacked_arrays(level, dtype, name)
        if stacked is not None:
            lengths, content = stacked
            offsets.append(offsets_from_lengths(lengths, name))
            structure = Structure(length, tuple(offsets), tuple(content.shape[1:]), _masks(masks, 1))
            return structure, content
        listlike = list(map(is_listlike, level))
        if all(listlike):
            lengths = np.fromiter(map(len, level), dtype=np.int64, count=len(level))
            offsets.append(offsets_from_lengths(lengths, name))
            level = list(itertools.chain.from_iterable(level))
            depth += 1
        elif any(listlike):
            bad = listlike.index(False) if listlike[0] else listlike.index(True)
            msg = (
                f"{name}: nested lists mix depths: at depth {depth}, item {bad} is "
                f"{level[bad]!r} while item 0 is {level[0]!r}; every list at one depth must "
                "hold lists, or every one scalars"
            )
            raise ValueError(msg)
        else:
            break
    try:
        content = np.asarray(level, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        msg = f"{name}: cannot convert the innermost values to a numeric array ({exc})"
        raise TypeError(msg) from None
    if not level and dtype is None:
        content = np.zeros(0, dtype=np.float64)
    check_numeric(content.dtype, name)
    if len(masks) > len(offsets) and masks[-1] is not None:  # missing numbers hold zero
        content = np.where(masks[-1].reshape((-1,) + (1,) * (content.ndim - 1)), content, 0).astype(
            content.dtype
        )
    return Structure(length, tuple(offsets), (), _masks(masks, len(offsets) + 1 - len(masks))), content


def _is_none(v: Any) -> bool:
    return v is None


def _masks(masks: list[np.ndarray | None], extra: int) -> tuple[np.ndarray | None, ...] | None:
    """The parsed masks, one per depth: levels parsed, plus the innermost elements."""
    if not any(m is not None for m in masks):
        return None
    return (*masks, *([None] * extra))


def _stacked_arrays(level: list[Any], dtype: Any, name: str) -> tuple[np.ndarray, Any] | None:
    """``(lengths, content)`` when every item is an array of at least one dimension, all of one
    backend (NumPy arrays join any) and with equal trailing shapes; else None."""
    backends = []
    for item in level:
        backend = _backends.backend_of(item)
        shape = getattr(item, "shape", ())
        if backend is None or not len(shape) or (isinstance(item, np.ndarray) and item.dtype == object):
            return None
        backends.append(backend)
        if tuple(shape[1:]) != tuple(getattr(level[0], "shape", ())[1:]):
            return None
    target = next((b for b in backends if not b.is_host), backends[0])
    if any(not b.is_host and b is not target for b in backends):
        kinds = sorted({b.name for b in backends})
        msg = f"{name}: the arrays in the list belong to different backends {kinds}; convert them to one"
        raise TypeError(msg)
    parts = [item if b is target else target.asarray(item) for item, b in zip(level, backends)]
    content = target.xp.concat(parts, axis=0)
    if dtype is not None:
        content = target.xp.astype(content, target.dtype(dtype))
    check_numeric(target.numpy_dtype(content.dtype), name)
    lengths = np.fromiter((int(p.shape[0]) for p in parts), dtype=np.int64, count=len(parts))
    return lengths, content


def nested_lists(structure: Structure, host: np.ndarray, batch: tuple[int, ...]) -> Any:
    """The Python lists of host content ``host`` (one row per batch element for batched content)."""
    if host.dtype.names == ("float0",):  # JAX's zero tangents of integers and booleans
        host = np.zeros(host.shape, dtype=np.int8)
    # math.prod, not -1: a reshape of an empty array cannot infer a dimension
    rows = host.reshape((math.prod(batch), *host.shape[len(batch) :]))
    masks = structure.masks or (None,) * (structure.nlevels + 1)
    out = []
    for row in rows:
        values = _missing(row.tolist(), masks[-1])
        for depth in reversed(range(structure.nlevels)):
            o = structure.levels[depth].offsets.tolist()
            values = _missing([values[a:b] for a, b in itertools.pairwise(o)], masks[depth])
        out.append(values)
    if not batch:
        return out[0]
    result = np.empty(len(out), dtype=object)
    result[:] = out
    return result.reshape(batch).tolist()


def _missing(values: list[Any], mask: np.ndarray | None) -> list[Any]:
    """``values`` with None where ``mask`` is False."""
    if mask is None:
        return values
    return [v if p else None for v, p in zip(values, mask.tolist(), strict=True)]


def slice_outer(s: Structure, content: Any, nb: int, start: int, stop: int) -> tuple[Structure, Any]:
    """Structure and content of outer items ``start:stop`` (``nb`` batch dims in front)."""
    levels = []
    masks = [None if s.masks is None or s.masks[0] is None else s.masks[0][start:stop]]
    lo, hi = start, stop
    for depth, level in enumerate(s.levels):
        offs = level.offsets[lo : hi + 1]
        lo, hi = int(offs[0]), int(offs[-1])
        levels.append(offs - lo)
        masks.append(
            None
            if s.masks is None or s.masks[depth + 1] is None
            else cast(np.ndarray, s.masks[depth + 1])[lo:hi]
        )
    content = content[(slice(None),) * nb + (slice(lo, hi),)]
    return Structure(stop - start, tuple(levels), s.inner, None if s.masks is None else tuple(masks)), content


def limited_repr(obj: Any, width: int) -> str:
    """Awkward-style repr cut to about ``width`` characters: ``[[1, 2, ...], [3], ...]``."""
    out: list[str] = []
    budget = [width]

    def emit(s: str) -> bool:
        if budget[0] - len(s) < 0:
            return False
        out.append(s)
        budget[0] -= len(s)
        return True

    def walk(o: Any) -> bool:
        """Write ``o``; on running out of room, close every list opened and return False."""
        if not isinstance(o, list):
            return emit(repr(o))
        if not emit("["):
            return False
        for i, item in enumerate(o):
            if (i and not emit(", ")) or not walk(item):
                if out[-1].endswith(("[", ", ")):
                    out.append("...]")
                else:  # the item was cut short and closed
                    out.append(", ...]" if i + 1 < len(o) else "]")
                return False
        return emit("]")

    walk(obj)
    return "".join(out)
