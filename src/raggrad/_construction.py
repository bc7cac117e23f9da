"""Construction and conversion: lists, backend arrays, offsets, lengths, padded arrays.

Copy semantics: ``from_offsets``/``from_lengths`` keep ``content`` as given when its offsets
already start at 0 and end at ``len(content)`` (the result shares memory with it); otherwise the
used range is sliced (a view on numpy). Offsets are always copied into read-only host arrays.
``array`` on a NumPy array shares memory unless ``dtype``/``backend`` forces a conversion;
``to_backend`` copies (numpy ↔ jax, or across devices).
"""

from __future__ import annotations

import itertools
import math
import sys
from typing import Any

import numpy as np

from . import _backends
from ._array import RaggedArray
from ._errors import check_concrete
from ._records import RecordArray, fieldwise
from ._registry import register
from ._structure import Segments, Structure

__all__ = [
    "array",
    "asarray",
    "from_lengths",
    "from_offsets",
    "from_padded",
    "offsets",
    "to_backend",
    "to_list",
    "to_numpy",
    "to_padded",
]


def _is_listlike(obj: Any) -> bool:
    return isinstance(obj, (list, tuple)) or (isinstance(obj, np.ndarray) and obj.ndim > 0)


def _parse_lists(obj: Any, dtype: Any) -> tuple[Structure, np.ndarray]:
    """Nested Python lists → (structure, NumPy content), level by level (C-level loops only)."""
    items = list(obj)
    length = len(items)
    offsets: list[np.ndarray] = []
    level = items
    depth = 1
    while level:
        listlike = list(map(_is_listlike, level))
        if all(listlike):
            lengths = np.fromiter(map(len, level), dtype=np.int64, count=len(level))
            offs = np.zeros(len(level) + 1, dtype=np.int64)
            np.cumsum(lengths, out=offs[1:])
            offsets.append(offs)
            level = list(itertools.chain.from_iterable(level))
            depth += 1
        elif any(listlike):
            bad = listlike.index(False) if listlike[0] else listlike.index(True)
            msg = (
                f"rg.array: nested lists mix depths: at depth {depth}, item {bad} is "
                f"{level[bad]!r} while item 0 is {level[0]!r}; every list at one depth must "
                "hold lists, or every one scalars"
            )
            raise ValueError(msg)
        else:
            break
    try:
        content = np.asarray(level, dtype=dtype)
    except (TypeError, ValueError) as exc:
        msg = f"rg.array: cannot convert the innermost values to a numeric array ({exc})"
        raise TypeError(msg) from None
    if not level and dtype is None:
        content = np.zeros(0, dtype=np.float64)
    _check_numeric(content.dtype, "rg.array")
    return Structure(length, tuple(offsets)), content


def _check_numeric(dtype: Any, where: str) -> None:
    if np.dtype(dtype).kind not in "biufc":
        msg = f"{where}: raggrad holds numbers and booleans only, not dtype {np.dtype(dtype)}"
        raise TypeError(msg)


def _content_to(content: Any, dtype: Any, backend: Any, device: Any) -> Any:
    """Convert a content buffer to ``backend``/``dtype``/``device`` (no copy when nothing changes)."""
    source = _backends.backend_of(content)
    target = source if backend is None else _backends.get_backend(backend)
    if target is None:
        target = _backends.get_backend("numpy")
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
        return target.xp.astype(content, _backend_dtype(target, dtype))
    return target.asarray(content, dtype=_backend_dtype(target, dtype), device=device)


def _backend_dtype(backend: Any, dtype: Any) -> Any:
    if dtype is None:
        return None
    from ._dtypes import to_backend_dtype

    return to_backend_dtype(backend, dtype)


@register("array", "creation")
@fieldwise("each")
def array(obj: Any, *, dtype: Any = None, backend: str | None = None, device: Any = None) -> Any:
    """A RaggedArray from nested lists, a NumPy/JAX/torch array, an awkward Array or a RaggedArray.

    ``backend=None`` keeps the backend of ``obj`` (numpy for Python lists and NumPy arrays).
    A scalar or 0-d input gives a 0-d backend array.

    >>> import raggrad as rg
    >>> x = rg.array([[1, 2, 3], [], [4, 5]])
    >>> x.type
    '3 * var * int64'
    >>> rg.array([[0.5], [1.5, 2.5]], backend="jax").type
    '2 * var * float32'
    """
    if isinstance(obj, RaggedArray):
        return RaggedArray._new(obj._structure, _content_to(obj._content, dtype, backend, device))
    if "awkward" in sys.modules and _is_awkward(obj):
        from ._connect.awkward import from_awkward

        return array(from_awkward(obj), dtype=dtype, backend=backend, device=device)
    source = _backends.backend_of(obj)
    if source is not None or np.isscalar(obj) or isinstance(obj, (bool, int, float, complex)):
        if source is None:
            obj = np.asarray(obj, dtype=dtype)
        _check_numeric(_dtype(obj), "rg.array")
        content = _content_to(obj, dtype, backend, device)
        shape = tuple(content.shape)
        if len(shape) == 0:
            return content
        return RaggedArray._new(Structure(shape[0], (), shape[1:]), content)
    if not _is_listlike(obj):
        msg = f"rg.array: cannot make an array from {type(obj).__name__} {obj!r}"
        raise TypeError(msg)
    structure, content = _parse_lists(obj, dtype)
    content = _content_to(content, None, backend, device)
    return RaggedArray._new(structure, content)


asarray = register("asarray", "creation")(array)
asarray.__doc__ = array.__doc__


def _is_awkward(obj: Any) -> bool:
    ak = sys.modules["awkward"]
    return isinstance(obj, (ak.Array, ak.contents.Content))


def _as_offsets(offsets: Any, where: str) -> np.ndarray:
    if isinstance(offsets, RaggedArray):
        msg = f"{where}: offsets must be a 1-d integer array, not a RaggedArray"
        raise TypeError(msg)
    backend = _backends.backend_of(offsets)
    if backend is not None:
        check_concrete(backend, offsets, where, "offsets")
        offsets = backend.to_numpy(offsets)
    arr = np.asarray(offsets)
    if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
        msg = f"{where}: offsets must be integers, not dtype {arr.dtype}"
        raise TypeError(msg)
    if arr.ndim != 1 or len(arr) == 0:
        msg = f"{where}: offsets must be a non-empty 1-d array, got shape {arr.shape}"
        raise ValueError(msg)
    return arr.astype(np.int64)


def _slice_outer(x: Any, start: int, stop: int) -> Any:
    """Outer items ``start:stop`` of a RaggedArray or a backend array (axis 0)."""
    if not isinstance(x, RaggedArray):
        return x[start:stop]
    s = x._structure
    levels = []
    lo, hi = start, stop
    for level in s.levels:
        offs = level.offsets[lo : hi + 1]
        lo, hi = int(offs[0]), int(offs[-1])
        levels.append(offs - lo)
    nb = x._nbatch
    content = x._content[(slice(None),) * nb + (slice(lo, hi),)]
    return RaggedArray._new(Structure(stop - start, tuple(levels), s.inner), content)


def _outer_length(content: Any) -> int:
    return len(content) if isinstance(content, RaggedArray) else int(content.shape[0])


@register("from_offsets", "creation")
def from_offsets(offsets: Any, content: Any, *, validate: bool = True) -> RaggedArray:
    """One ragged level over ``content`` (a backend array, or a RaggedArray to nest levels).

    List ``i`` is ``content[offsets[i]:offsets[i + 1]]``. Offsets need not start at 0 nor end at
    ``len(content)``: they are normalised. ``validate=False`` skips the checks (trusted input).

    >>> import numpy as np, raggrad as rg
    >>> rg.from_offsets([0, 3, 3, 5], np.arange(5.0)).to_list()
    [[0.0, 1.0, 2.0], [], [3.0, 4.0]]
    """
    offs = _as_offsets(offsets, "rg.from_offsets")
    if isinstance(content, (list, tuple)):
        content = np.asarray(content)
    if not isinstance(content, RaggedArray) and _backends.backend_of(content) is None:
        msg = (
            f"rg.from_offsets: content must be a backend array or a RaggedArray, not {type(content).__name__}"
        )
        raise TypeError(msg)
    if not isinstance(content, RaggedArray) and len(content.shape) == 0:
        msg = "rg.from_offsets: content must have at least one dimension, got a 0-d array"
        raise ValueError(msg)
    n_content = _outer_length(content)
    if validate:
        if offs[0] < 0:
            msg = f"rg.from_offsets: offsets must be non-negative, got offsets[0]={offs[0]}"
            raise ValueError(msg)
        steps = np.diff(offs)
        if steps.size and steps.min() < 0:
            i = int(np.argmax(steps < 0))
            msg = (
                f"rg.from_offsets: offsets must not decrease, but offsets[{i}]={offs[i]} > "
                f"offsets[{i + 1}]={offs[i + 1]}"
            )
            raise ValueError(msg)
        if offs[-1] > n_content:
            msg = f"rg.from_offsets: offsets[-1]={offs[-1]} points past the content (length {n_content})"
            raise ValueError(msg)
    start, stop = int(offs[0]), int(offs[-1])
    if start != 0 or stop != n_content:
        content = _slice_outer(content, start, stop)
        offs = offs - start
    if isinstance(content, RaggedArray):
        inner = content._structure
        structure = Structure(len(offs) - 1, (Segments(offs), *inner.levels), inner.inner)
        return RaggedArray._new(structure, content._content)
    if content.dtype is not None:
        _check_numeric(_dtype(content), "rg.from_offsets")
    return RaggedArray._new(Structure(len(offs) - 1, (Segments(offs),), tuple(content.shape[1:])), content)


def _dtype(content: Any) -> Any:
    from ._array import _dtype_of

    return _dtype_of(content)


@register("from_lengths", "creation")
def from_lengths(lengths: Any, content: Any) -> RaggedArray:
    """One ragged level over ``content``, list ``i`` having ``lengths[i]`` elements.

    >>> import numpy as np, raggrad as rg
    >>> rg.from_lengths([2, 0, 1], np.array([1, 2, 3])).to_list()
    [[1, 2], [], [3]]
    """
    lens = _as_offsets(lengths, "rg.from_lengths") if np.size(lengths) else np.zeros(0, np.int64)
    if lens.size and lens.min() < 0:
        msg = f"rg.from_lengths: lengths must be non-negative, got {int(lens.min())}"
        raise ValueError(msg)
    offs = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=offs[1:])
    n_content = _outer_length(content) if not isinstance(content, (list, tuple)) else len(content)
    if offs[-1] != n_content:
        msg = f"rg.from_lengths: lengths sum to {offs[-1]} but the content has {n_content} items"
        raise ValueError(msg)
    return from_offsets(offs, content, validate=False)


@register("to_list", "conversion", differentiable=False)
def to_list(x: Any) -> Any:
    """Nested Python lists; batched content gives one row per batch element.

    >>> import raggrad as rg
    >>> rg.to_list(rg.array([[1, 2], [3]]))
    [[1, 2], [3]]
    """
    if isinstance(x, RecordArray):
        return x.to_list()
    if not isinstance(x, RaggedArray):
        backend = _backends.backend_of(x)
        return (backend.to_numpy(x) if backend else np.asarray(x)).tolist()
    s = x._structure
    host = x._backend.to_numpy(x._content)
    batch = x._batch
    # math.prod, not -1: a reshape of an empty array cannot infer a dimension
    rows = host.reshape((math.prod(batch), *host.shape[len(batch) :]))
    out = []
    for row in rows:
        values = row.tolist()
        for level in reversed(s.levels):
            o = level.offsets.tolist()
            values = [values[a:b] for a, b in itertools.pairwise(o)]
        out.append(values)
    if not batch:
        return out[0]
    result = np.empty(len(out), dtype=object)
    result[:] = out
    return result.reshape(batch).tolist()


@register("to_numpy", "conversion", differentiable=False)
def to_numpy(x: Any) -> np.ndarray:
    """A NumPy array of an array with no ragged dimension (``ValueError`` otherwise)."""
    if not isinstance(x, RaggedArray):
        backend = _backends.backend_of(x)
        return backend.to_numpy(x) if backend else np.asarray(x)
    if x._structure.nlevels:
        msg = (
            f"rg.to_numpy: an array of type {x.type!r} has ragged dimensions; use "
            "rg.to_padded(x) for a dense array and mask, or x.to_list()"
        )
        raise ValueError(msg)
    return x._backend.to_numpy(x._content)


@register("offsets", "structural", differentiable=False)
def offsets(x: RaggedArray, axis: int = 1) -> Any:
    """Offsets of the ragged dimension ``axis`` as a backend int64 array starting at 0.

    >>> import raggrad as rg
    >>> rg.offsets(rg.array([[1, 2, 3], [], [4, 5]])).tolist()
    [0, 3, 3, 5]
    """
    if not isinstance(x, RaggedArray):
        msg = f"rg.offsets: expected a RaggedArray, not {type(x).__name__}"
        raise TypeError(msg)
    from ._axes import normalize_axis

    kind, k = normalize_axis(x, axis, "rg.offsets")
    if kind != "level":
        msg = f"rg.offsets: axis={axis} of an array of type {x.type!r} is not a ragged dimension"
        raise ValueError(msg)
    host = x._structure.levels[k].offsets
    backend = x._backend
    if backend.name == "numpy":
        return host
    return backend.index(x._structure.levels[k], "offsets", host, x._content)


@register("to_backend", "conversion")
@fieldwise("each")
def to_backend(x: Any, name: str, *, device: Any = None) -> Any:
    """The same array on backend ``name`` (``"numpy"``, ``"jax"``), optionally on ``device``.

    The structure is shared. The content is copied between backends and devices, except that a
    CPU jax array viewed as NumPy may share its (read-only) memory.

    >>> import raggrad as rg
    >>> rg.to_backend(rg.array([[1.0], []]), "jax").backend
    'jax'
    """
    if isinstance(x, RaggedArray):
        return RaggedArray._new(x._structure, _content_to(x._content, None, name, device))
    return _content_to(x, None, name, device)


@register("to_padded", "conversion")
def to_padded(x: RaggedArray, *, fill_value: Any = 0, length: int | None = None) -> tuple[Any, Any]:
    """``(dense, mask)`` of an array with one ragged dimension, lists padded (or cut) to ``length``.

    >>> import raggrad as rg
    >>> dense, mask = rg.to_padded(rg.array([[1, 2], [], [3]]))
    >>> dense.tolist(), mask.tolist()
    ([[1, 2], [0, 0], [3, 0]], [[True, True], [False, False], [True, False]])
    """
    if not isinstance(x, RaggedArray):
        msg = f"rg.to_padded: expected a RaggedArray, not {type(x).__name__}"
        raise TypeError(msg)
    s = x._structure
    if s.nlevels != 1:
        msg = f"rg.to_padded: supports arrays with exactly one ragged dimension, not {x.type!r}"
        raise ValueError(msg)
    seg = s.levels[0]
    width = seg.max_length if length is None else int(length)
    if width < 0:
        msg = f"rg.to_padded: length must be non-negative, got {length}"
        raise ValueError(msg)
    backend, xp = x._backend, x._backend.xp

    def make() -> tuple[np.ndarray, np.ndarray]:
        # gather index per padded slot: its element, or the extra fill slot at the end
        slots = seg.ids * width + seg.local
        kept: Any = slice(None)
        if width < seg.max_length:  # lists are cut: keep the first ``width`` of each
            kept = np.flatnonzero(seg.local < width)
            slots = slots[kept]
        gather = np.full(s.length * width, s.size, dtype=np.int64)
        gather[slots] = np.arange(s.size, dtype=np.int64)[kept]
        mask = np.zeros(s.length * width, dtype=bool)
        mask[slots] = True
        return gather, mask

    gather, mask = seg.cached(("to_padded", width), make)
    nb = x._nbatch
    content = xp.moveaxis(x._content, nb, 0) if nb else x._content
    fill = xp.full((1, *content.shape[1:]), fill_value, dtype=content.dtype)
    ext = xp.concat([content, fill], axis=0)
    dense = backend.take(ext, gather, seg, ("to_padded", width))
    dense = xp.reshape(dense, (s.length, width, *dense.shape[1:]))
    if nb:
        dense = xp.moveaxis(dense, (0, 1), (nb, nb + 1))  # (n, width, *batch) -> (*batch, n, width)
    mask_out = mask.reshape(s.length, width)
    if backend.name != "numpy":
        # ``index`` moves int index maps (it may narrow them to int32); the mask is boolean again
        mask_out = backend.index(seg, ("to_padded_mask", width), mask_out, x._content)
        mask_out = xp.astype(mask_out, xp.bool)
    return dense, mask_out


@register("from_padded", "creation")
def from_padded(padded: Any, lengths: Any) -> RaggedArray:
    """The ragged array of the first ``lengths[i]`` entries of each row of ``padded``.

    >>> import numpy as np, raggrad as rg
    >>> rg.from_padded(np.array([[1, 2], [3, 0]]), [2, 1]).to_list()
    [[1, 2], [3]]
    """
    backend = _backends.backend_of(padded)
    if backend is None:
        padded = np.asarray(padded)
        backend = _backends.get_backend("numpy")
    if len(padded.shape) < 2:
        msg = f"rg.from_padded: padded must have at least 2 dimensions, got shape {tuple(padded.shape)}"
        raise ValueError(msg)
    lens = _as_offsets(lengths, "rg.from_padded") if np.size(lengths) else np.zeros(0, np.int64)
    n, width = int(padded.shape[0]), int(padded.shape[1])
    if len(lens) != n:
        msg = f"rg.from_padded: {len(lens)} lengths for {n} rows of padded"
        raise ValueError(msg)
    if lens.size and (lens.min() < 0 or lens.max() > width):
        msg = f"rg.from_padded: lengths must lie in [0, {width}], got min {lens.min()}, max {lens.max()}"
        raise ValueError(msg)
    offs = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=offs[1:])
    seg = Segments(offs)
    flat = backend.xp.reshape(padded, (n * width, *padded.shape[2:]))
    content = backend.take(flat, seg.ids * width + seg.local, seg, ("from_padded", width))
    return RaggedArray._new(Structure(n, (seg,), tuple(padded.shape[2:])), content)
