"""Construction and conversion: lists, backend arrays, offsets, lengths, padded arrays.

Copy semantics: ``from_offsets``/``from_lengths`` keep ``content`` as given when its offsets
already start at 0 and end at ``len(content)`` (the result shares memory with it); otherwise the
used range is sliced (a view on numpy). Offsets are always copied into read-only host arrays.
``array`` on a NumPy array shares memory unless ``dtype``/``backend`` forces a conversion;
``to_backend`` copies (numpy ↔ jax, or across devices).

Structure that enters here is validated by comparisons only (never by subtracting or adding
offsets, which could wrap around int64): offsets must not decrease and must stay inside the
content; lengths must be non-negative and their sum must fit in int64.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray, as_ragged, exact_structure
from .._axes import as_index, classify_axis
from .._convert import (
    content_to,
    dense_input,
    dtype_of,
    is_listlike,
    masked_parts,
    parse_lists,
    refuse_masked,
    slice_outer,
)
from .._dtypes import check_fill, check_numeric
from .._errors import OptionTypeError, check_concrete
from .._events import EventArray
from .._options import element_mask
from .._records import RecordArray, fieldwise
from .._registry import convert, register
from .._structure import Segments, Structure, offsets_from_lengths
from . import manipulation_bounded as mb
from .common import check_size
from .construction_bounded import bounded_level, bounded_padded, from_padded_bounded

__all__ = [
    "array",
    "asarray",
    "from_lengths",
    "from_offsets",
    "from_padded",
    "host_ints",
    "lengths_to_offsets",
    "offsets",
    "to_backend",
    "to_list",
    "to_numpy",
    "to_padded",
]

_INT64_MAX = np.iinfo(np.int64).max


@register("array", "creation", options=True)
@fieldwise("each")
def array(obj: Any, *, dtype: Any = None, backend: str | None = None, device: Any = None) -> Any:
    """A RaggedArray from nested lists, a NumPy/JAX/torch array, an awkward Array or a RaggedArray.

    ``backend=None`` keeps the backend of ``obj`` (numpy for Python lists and NumPy arrays).
    A scalar or 0-d input gives a 0-d backend array. An array of the target backend and dtype is
    not copied, as awkward's ``ak.Array`` does not copy it: writing into it later changes the
    result (``rg.asarray(obj, copy=True)`` copies).

    >>> import raggrad as rg
    >>> x = rg.array([[1, 2, 3], [], [4, 5]])
    >>> x.type
    '3 * var * int64'
    >>> rg.array([[0.5], [1.5, 2.5]], backend="jax").type
    '2 * var * float32'
    """
    if dtype is not None:  # a NumPy dtype for any backend's (torch.float64 too)
        dtype = _backends.parse_dtype(dtype, "rg.array")
    if isinstance(obj, RaggedArray | EventArray):  # EventArray: from an awkward record of events
        return obj.to_backend(backend, device=device, dtype=dtype)
    converted = convert(obj)  # awkward Arrays and other registered foreign arrays
    if converted is not None:
        return array(converted, dtype=dtype, backend=backend, device=device)
    if isinstance(obj, np.ma.MaskedArray):  # masked entries are missing values, as ak.Array reads them
        obj = masked_parts(obj, "rg.array")
        if isinstance(obj, tuple):
            return array(RaggedArray._new(*obj), dtype=dtype, backend=backend, device=device)
    source = _backends.backend_of(obj)
    if source is not None or np.isscalar(obj) or isinstance(obj, (bool, int, float, complex)):
        if source is None:
            obj = _scalar_array(obj, dtype)
        check_numeric(dtype_of(obj), "rg.array")
        content = content_to(obj, dtype, backend, device)
        shape = tuple(content.shape)
        if len(shape) == 0:
            return content
        return RaggedArray._new(Structure(shape[0], (), shape[1:]), content)
    if not is_listlike(obj):
        msg = f"rg.array: cannot make an array from {type(obj).__name__} {obj!r}"
        raise TypeError(msg)
    try:
        structure, content = parse_lists(obj, dtype)
    except TypeError:
        if _holds_dicts(obj):
            msg = (
                "rg.array: the lists hold dicts (records); make records with rg.zip({name: "
                "array, ...}) or rg.from_awkward(ak.Array(...))"
            )
            raise TypeError(msg) from None
        raise
    content = content_to(content, None, backend, device)
    return RaggedArray._new(structure, content)


def _holds_dicts(obj: Any) -> bool:
    """Whether nested lists ``obj`` hold a dict (a record) anywhere (for the error message only)."""
    return isinstance(obj, dict) or (is_listlike(obj) and any(_holds_dicts(o) for o in obj))


def _scalar_array(obj: Any, dtype: Any) -> np.ndarray:
    try:
        return np.asarray(obj, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        msg = f"rg.array: cannot convert {obj!r} to a numeric array ({exc})"
        raise TypeError(msg) from None


@register("asarray", "creation", options=True)
def asarray(
    obj: Any,
    /,
    *,
    dtype: Any = None,
    device: Any = None,
    copy: bool | None = None,
    backend: str | None = None,
) -> Any:
    """An array from ``obj``, as the array API's ``asarray``: nested lists of equal lengths give
    regular dimensions (``rg.array`` reads every list as a ragged one, as awkward does).

    Ragged lists still give ragged dimensions. ``copy=True`` always copies, ``copy=False`` never
    does (``ValueError`` when a copy is needed), ``None`` copies only when needed.

    >>> import raggrad as rg
    >>> rg.asarray([[1, 2], [3, 4]]).type, rg.array([[1, 2], [3, 4]]).type
    ('2 * 2 * int64', '2 * var * int64')
    >>> rg.asarray([[1, 2], [3]]).type
    '2 * var * int64'
    """
    given = obj
    if isinstance(obj, list | tuple) and obj:
        spec = None if dtype is None else _backends.parse_dtype(dtype, "rg.asarray")  # torch's too
        try:  # equal lengths and no None (NumPy's object dtype), then in the dtype asked for
            regular = np.asarray(obj)
            if regular.dtype != object and spec is not None:
                regular = np.asarray(obj, dtype=spec)
        except (ValueError, TypeError, OverflowError):  # ragged lists, or values NumPy cannot hold
            regular = None
        if regular is not None and regular.dtype != object:
            obj = regular
    out = array(obj, dtype=dtype, backend=backend, device=device)
    content = out._content if isinstance(out, RaggedArray) else out
    source = given._content if isinstance(given, RaggedArray) else given
    shares = _backends.backend_of(source) is not None and content is source
    plain = isinstance(source, list | tuple | int | float | complex | np.generic)  # NumPy refuses
    if copy is False and not shares and (plain or _backends.backend_of(source) is not None):
        msg = f"rg.asarray: copy=False, but the {type(source).__name__} must be copied to make this array"
        raise ValueError(msg)
    if copy and shares:
        b = cast(_backends.Backend, _backends.backend_of(content))  # content shares a backend array
        content = b.xp.asarray(content, copy=True)
        return RaggedArray._new(out._structure, content) if isinstance(out, RaggedArray) else content
    return out


# ---- validated integer arrays ------------------------------------------------------------------
def host_ints(values: Any, name: str, what: str, traced: str = "") -> np.ndarray:
    """A 1-d int64 host array of ``values`` (offsets, lengths, counts), range-checked.

    Unsigned values past the int64 range and Python ints too large for int64 raise ``ValueError``
    naming the value, instead of being reinterpreted as negative numbers.
    """
    if isinstance(values, RaggedArray):
        if values._structure.nlevels or values._structure.inner or values._nbatch:
            msg = f"{name}: {what} must be a 1-d integer array, not a RaggedArray of type {values.type!r}"
            raise TypeError(msg)
        values = values._content
    refuse_masked(values, name, what)
    backend = _backends.backend_of(values)
    if backend is not None:
        check_concrete(backend, values, name, what, traced)
        values = backend.to_numpy(values)
    try:
        arr = np.asarray(values)
        if arr.dtype.kind == "f" and isinstance(values, list | tuple) and all(map(_is_int, values)):
            arr = np.asarray(values, dtype=object)  # [0, 2**63] is float64 to NumPy: Python's ints
    except (ValueError, OverflowError) as exc:
        msg = f"{name}: {what} must be a 1-d integer array ({exc})"
        raise ValueError(msg) from None
    if arr.dtype == object and arr.ndim == 1 and all(map(_is_int, arr)):
        # Python ints (as awkward takes them): int64 when all fit, else the first that does not
        big = next((int(v) for v in arr if not -_INT64_MAX - 1 <= v <= _INT64_MAX), None)
        if big is not None:
            msg = f"{name}: {what} must fit in int64, got {big}"
            raise ValueError(msg)
        arr = arr.astype(np.int64)
    if arr.size == 0 and arr.dtype.kind == "f":  # np.asarray([]) is float64: no items
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        msg = f"{name}: {what} must be integers, not dtype {arr.dtype}"
        raise TypeError(msg)
    if arr.ndim != 1:
        msg = f"{name}: {what} must be a 1-d array, got shape {arr.shape}"
        raise ValueError(msg)
    if arr.dtype.kind == "u" and arr.size and arr.max() > _INT64_MAX:
        msg = f"{name}: {what} must fit in int64, got {int(arr.max())}"
        raise ValueError(msg)
    return arr.astype(np.int64)


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def lengths_to_offsets(lengths: Any, name: str, what: str = "lengths") -> np.ndarray:
    lens = host_ints(lengths, name, what)
    if lens.size and lens.min() < 0:
        i = int(np.argmax(lens < 0))
        msg = f"{name}: {what} must be non-negative, got {int(lens[i])} at {what}[{i}]"
        raise ValueError(msg)
    return cast(np.ndarray, offsets_from_lengths(lens, name))


def _outer_length(content: Any) -> int:
    return len(content) if isinstance(content, RaggedArray) else int(content.shape[0])


def _as_content(content: Any, name: str) -> Any:
    if isinstance(content, (list, tuple)):
        try:
            content = np.asarray(content)
        except ValueError:
            msg = (
                f"{name}: content must be a flat list of numbers or a backend array; for nested "
                "lists of different lengths use rg.array(lists)"
            )
            raise TypeError(msg) from None
    if not isinstance(content, RaggedArray) and _backends.backend_of(content) is None:
        msg = f"{name}: content must be a backend array or a RaggedArray, not {type(content).__name__}"
        raise TypeError(msg)
    if not isinstance(content, RaggedArray):
        if len(content.shape) == 0:
            msg = f"{name}: content must have at least one dimension, got a 0-d array"
            raise ValueError(msg)
        check_numeric(dtype_of(content), name)
    return content


#: what to do instead of tracing offsets
_TRACED_OFFSETS = (
    "Compute them outside the transformation, or pass the lengths with a static number of list "
    "slots: rg.from_lengths(offsets[1:] - offsets[:-1], content, capacity=...) gives a bounded "
    "array whose lengths may be traced (rg.with_capacity makes an input bounded)."
)


@register("from_offsets", "creation", options=True)
def from_offsets(offsets: Any, content: Any, *, validate: bool = True) -> RaggedArray:
    """One ragged level over ``content`` (a backend array, or a RaggedArray to nest levels).

    List ``i`` is ``content[offsets[i]:offsets[i + 1]]``. Offsets need not start at 0 nor end at
    ``len(content)``: they are normalised. ``validate=False`` skips the checks (trusted input).
    A RaggedArray ``content`` may have missing values; they stay where they are (the new lists
    are present). A bounded ``content`` gives a bounded result, as :func:`from_lengths` of the
    offsets' differences over its items ``offsets[0]:offsets[-1]`` (under ``jax.jit``, offsets
    past its items in use make the result invalid).

    >>> import numpy as np, raggrad as rg
    >>> rg.from_offsets([0, 3, 3, 5], np.arange(5.0)).to_list()
    [[0.0, 1.0, 2.0], [], [3.0, 4.0]]
    >>> rg.from_offsets([0, 2, 3], rg.array([1.0, None, 3.0])).to_list()
    [[1.0, None], [3.0]]
    """
    name = "rg.from_offsets"
    offs = host_ints(offsets, name, "offsets", _TRACED_OFFSETS)
    if len(offs) == 0:
        msg = f"{name}: offsets must be a non-empty 1-d array, got shape {offs.shape}"
        raise ValueError(msg)
    content = _as_content(content, name)
    bounded = mb.is_bounded(content)
    n_content = None if bounded else _outer_length(content)
    if bounded and content._structure.is_concrete():  # else the count is data: checked in use
        n_content = content._structure.concrete_count(name)
    if validate:
        if offs[0] < 0:
            msg = f"{name}: offsets must be non-negative, got offsets[0]={offs[0]}"
            raise ValueError(msg)
        down = offs[1:] < offs[:-1]  # a comparison, not np.diff: a difference can wrap around
        if down.any():
            i = int(np.argmax(down))
            msg = (
                f"{name}: offsets must not decrease, but offsets[{i}]={offs[i]} > "
                f"offsets[{i + 1}]={offs[i + 1]}"
            )
            raise ValueError(msg)
        if n_content is not None and offs[-1] > n_content:
            msg = f"{name}: offsets[-1]={offs[-1]} points past the content (length {n_content})"
            raise ValueError(msg)
    if bounded:  # the lists of its items in use, bounded as from_lengths makes them
        return bounded_level(np.diff(offs), content[int(offs[0]) : int(offs[-1])], None, name)
    return _over(offs, content)


def _over(offs: np.ndarray, content: Any) -> RaggedArray:
    """One level of valid ``offs`` over ``content``, normalised to start at 0 and cover it."""
    start, stop = int(offs[0]), int(offs[-1])
    if start != 0 or stop != _outer_length(content):
        offs = offs - start
        if isinstance(content, RaggedArray):  # a bounded one first becomes its lists in use
            content = content._trimmed("rg.from_offsets")
            content = RaggedArray._new(
                *slice_outer(exact_structure(content), content._content, content._nbatch, start, stop)
            )
        else:
            content = content[start:stop]
    if isinstance(content, RaggedArray):
        inner = content._structure
        masks = None if inner.masks is None else (None, *inner.masks)  # the new lists are present
        structure = Structure(len(offs) - 1, (Segments(offs), *inner.levels), inner.inner, masks)
        return RaggedArray._new(structure, content._content)
    return RaggedArray._new(Structure(len(offs) - 1, (Segments(offs),), tuple(content.shape[1:])), content)


@register("from_lengths", "creation", options=True)
def from_lengths(lengths: Any, content: Any, *, capacity: int | None = None) -> RaggedArray:
    """One ragged level over ``content``, list ``i`` having ``lengths[i]`` elements.

    The result is bounded when ``capacity`` is given or ``lengths`` or ``content`` is bounded:
    then ``lengths`` may be traced (inside ``jax.jit``), the new level has ``capacity`` list slots
    (default: the capacity of bounded ``lengths``, else their number), and a backend array
    ``content`` is the element capacity: the lists take its first ``sum(lengths)`` slots and the
    rest is padding (set to zero). A RaggedArray ``content`` must have ``sum(lengths)`` outer items
    in use. Lengths that do not fit raise ``ValueError`` when concrete and make the result invalid
    when traced. A RaggedArray ``content`` may have missing values (exact results only: bounded
    arrays hold none), as in :func:`from_offsets`.

    >>> import numpy as np, raggrad as rg
    >>> rg.from_lengths([2, 0, 1], np.array([1, 2, 3])).to_list()
    [[1, 2], [], [3]]
    >>> b = rg.from_lengths(np.array([2, 1]), np.array([1.0, 2.0, 3.0, 0.0]), capacity=4)
    >>> b.to_list(), rg.capacity(b)
    ([[1.0, 2.0], [3.0]], Capacity(lists=(4,), elements=4))
    """
    name = "rg.from_lengths"
    if content is None:
        msg = f"{name}: content must be a backend array or a RaggedArray, not None"
        raise TypeError(msg)
    if capacity is not None or mb.is_data(lengths) or mb.is_bounded(content):
        if isinstance(content, RaggedArray) and content._structure.masks is not None:
            msg = f"{name}: bounded arrays hold no missing values (None); fill them first (rg.fill_none)"
            raise OptionTypeError(msg)
        return bounded_level(lengths, _as_content(content, name), capacity, name)
    offs = lengths_to_offsets(lengths, name)
    content = _as_content(content, name)
    n_content = _outer_length(content)
    if offs[-1] != n_content:
        msg = f"{name}: lengths sum to {offs[-1]} but the content has {n_content} items"
        raise ValueError(msg)
    return _over(offs, content)


@register("to_list", "conversion", differentiable=False, options=True)
def to_list(x: Any) -> Any:
    """Nested Python lists; batched content gives one row per batch element.

    >>> import raggrad as rg
    >>> rg.to_list(rg.array([[1, 2], [3]]))
    [[1, 2], [3]]
    """
    if isinstance(x, (RaggedArray, RecordArray, EventArray)):
        return x.to_list()
    backend = _backends.backend_of(x)
    return (backend.to_numpy(x) if backend else np.asarray(x)).tolist()


@register("to_numpy", "conversion", differentiable=False)
def to_numpy(x: Any) -> np.ndarray:
    """A NumPy array of an array with no ragged dimension (``ValueError`` otherwise).

    An array with a missing value (None) raises :class:`~raggrad.OptionTypeError`. Of a
    RaggedArray it is a read-only view of the content, as ``np.asarray(x)`` (the array is
    immutable); ``np.array(rg.to_numpy(x))`` copies.

    >>> import numpy as np, raggrad as rg
    >>> rg.to_numpy(rg.sum(rg.array([[1, 2], [3]]), axis=1)).tolist()
    [3, 3]
    """
    if isinstance(x, RaggedArray):
        out = x._to_numpy("rg.to_numpy").view()
        out.flags.writeable = False
        return out
    backend = _backends.backend_of(x)
    return backend.to_numpy(x) if backend else dense_input(x, "rg.to_numpy")


@register("offsets", "structural", differentiable=False, options=True)
def offsets(x: RaggedArray, axis: int = 1) -> Any:
    """Offsets of the ragged dimension ``axis`` as a backend int64 array starting at 0.

    A bounded array's have one entry per list slot and one more (its capacity + 1): the lists in
    use first, then the padding lists', which repeat the last offset. A missing list (None) holds
    no items, so its offsets repeat as an empty list's do (awkward has no such function; tell the
    two apart with ``rg.is_none``); the offsets locate the items of ``x.values``.

    >>> import raggrad as rg
    >>> rg.offsets(rg.array([[1, 2, 3], [], [4, 5]])).tolist()
    [0, 3, 3, 5]
    """
    if not isinstance(x, RaggedArray):
        msg = f"rg.offsets: expected a RaggedArray, not {type(x).__name__}"
        raise TypeError(msg)
    kind, k = classify_axis(x, axis, "rg.offsets")
    if kind != "level":
        msg = f"rg.offsets: axis={axis} of an array of type {x.type!r} is not a ragged dimension"
        raise ValueError(msg)
    if mb.is_bounded(x):
        return x._structure.levels[k]
    seg = x._structure.levels[k]
    return x._backend.index(seg, "offsets", seg.offsets, x._content)


@register("to_backend", "conversion", options=True)
@fieldwise("each")
def to_backend(x: Any, name: str, *, device: Any = None) -> Any:
    """The same array on backend ``name`` (``"numpy"``, ``"jax"``, ``"torch"``), optionally on
    ``device``.

    The structure is shared. The content is copied between backends and devices, except that a
    CPU jax array viewed as NumPy may share its (read-only) memory.

    >>> import raggrad as rg
    >>> rg.to_backend(rg.array([[1.0], []]), "jax").backend
    'jax'
    """
    if isinstance(x, RaggedArray | EventArray):
        return x.to_backend(name, device=device)
    return content_to(x, None, name, device)


@register("to_padded", "conversion", options=True)
def to_padded(x: RaggedArray, length: int | None = None, *, fill_value: Any = 0) -> tuple[Any, Any]:
    """``(dense, mask)`` of an array with one ragged dimension, lists padded (or cut) to ``length``.

    ``length=None`` pads to the longest list. A bounded array gives one row per outer slot (rows
    past the lists in use are all fill and masked out), and ``length`` must be static (an int,
    also under ``jax.jit``); ``length=None`` pads to the element capacity, a static bound of the
    longest list. A missing list or element is ``fill_value`` with ``mask`` False, as padding is
    (awkward's ``ak.fill_none(ak.pad_none(x, n), fill_value)``).

    >>> import raggrad as rg
    >>> dense, mask = rg.to_padded(rg.array([[1, 2], [], [3]]))
    >>> dense.tolist(), mask.tolist()
    ([[1, 2], [0, 0], [3, 0]], [[True, True], [False, False], [True, False]])
    """
    name = "rg.to_padded"
    if not isinstance(x, RaggedArray):
        msg = f"{name}: expected a RaggedArray, not {type(x).__name__}"
        raise TypeError(msg)
    s = x._structure
    if s.nlevels != 1:
        msg = f"{name}: supports arrays with exactly one ragged dimension, not {x.type!r}"
        raise ValueError(msg)
    bounded = mb.is_bounded(x)
    if length is None:
        width = s.size if bounded else s.levels[0].max_length
    else:
        width = as_index(length, "length", name)
    if width < 0:
        msg = f"{name}: length must be non-negative, got {length}"
        raise ValueError(msg)
    backend, xp = x._backend, x._backend.xp
    check_fill(fill_value, backend.numpy_dtype(x.dtype), name)
    shape = x._content.shape  # a slot: its values (batch and inner axes), a gather index, a flag
    item = backend.numpy_dtype(x.dtype).itemsize * math.prod(shape[: x._nbatch] + shape[x._nbatch + 1 :]) + 9
    check_size(name, (s.length * width, True), "padded slots", item, 2, "pass a smaller length")
    if bounded:
        return bounded_padded(x, width, fill_value)
    seg = s.levels[0]

    elements = element_mask(s)
    owner = seg if s.masks is None else s  # levels are shared by structures with other masks

    def make() -> tuple[np.ndarray, np.ndarray]:
        # gather index per padded slot: its element, or the extra fill slot at the end (also for
        # a missing element; a missing list is empty)
        slots = seg.ids * width + seg.local
        kept: Any = slice(None)
        if width < seg.max_length or elements is not None:  # lists are cut: the first ``width``
            kept = np.flatnonzero((seg.local < width) & (True if elements is None else elements))
            slots = slots[kept]
        gather = np.full(s.length * width, s.size, dtype=np.int64)
        gather[slots] = np.arange(s.size, dtype=np.int64)[kept]
        mask = np.zeros(s.length * width, dtype=bool)
        mask[slots] = True
        return gather, mask.reshape(s.length, width)

    gather, mask = owner.cached(("to_padded", width), make)
    nb = x._nbatch
    content = xp.moveaxis(x._content, nb, 0) if nb else x._content
    fill = xp.full((1, *content.shape[1:]), fill_value, dtype=content.dtype)
    ext = xp.concat([content, fill], axis=0)
    dense = backend.take(ext, gather, owner, ("to_padded", width))
    dense = xp.reshape(dense, (s.length, width, *dense.shape[1:]))
    if nb:
        dense = xp.moveaxis(dense, (0, 1), (nb, nb + 1))  # (n, width, *batch) -> (*batch, n, width)
    # ``index`` moves the host mask to the content's device (a mask stays boolean)
    mask_out = xp.astype(backend.index(owner, ("to_padded_mask", width), mask, x._content), xp.bool)
    return dense, mask_out


@register("from_padded", "creation")
def from_padded(padded: Any, lengths: Any) -> RaggedArray:
    """The ragged array of the first ``lengths[i]`` entries of each row of ``padded``.

    ``lengths`` may be traced (inside ``jax.jit``) or a bounded array: the result is then bounded,
    with one list slot per row and ``rows * width`` element slots (``padded``'s static shape).

    >>> import numpy as np, raggrad as rg
    >>> rg.from_padded(np.array([[1, 2], [3, 0]]), [2, 1]).to_list()
    [[1, 2], [3]]
    """
    name = "rg.from_padded"
    if isinstance(padded, RaggedArray):
        padded = as_ragged(padded, name)
        if padded._structure.nlevels or padded._nbatch:
            msg = f"{name}: padded must be a dense array, not a RaggedArray of type {padded.type!r}"
            raise TypeError(msg)
        padded = padded._content
    if isinstance(padded, np.ma.MaskedArray):  # masked padding is fine, masked values are not
        hidden = np.ma.getmaskarray(padded)
        width = hidden.shape[1] if hidden.ndim > 1 else 0
        rows = np.full(len(hidden), width) if mb.is_data(lengths) else np.asarray(lengths)
        used = np.arange(width) < rows.reshape(-1, 1) if rows.shape == (len(hidden),) else False
        if width and np.any(hidden.reshape(len(hidden), width, -1).any(-1) & used):
            msg = (
                f"{name}: padded is a masked array with masked entries inside the lengths, which "
                "would be read as values; mark them missing with rg.mask afterwards, or use rg.array "
                "of the masked array (its masked entries become None)"
            )
            raise TypeError(msg)
        padded = np.ma.getdata(padded)
    backend = _backends.backend_of(padded)
    if backend is None:
        try:
            padded = np.asarray(padded)
        except ValueError:
            msg = f"{name}: padded must be a rectangular array (rows of equal length)"
            raise TypeError(msg) from None
        backend = _backends.get_backend("numpy")
    check_numeric(backend.numpy_dtype(padded.dtype), name)
    if len(padded.shape) < 2:
        msg = f"{name}: padded must have at least 2 dimensions, got shape {tuple(padded.shape)}"
        raise ValueError(msg)
    n, width = int(padded.shape[0]), int(padded.shape[1])
    if mb.is_data(lengths):
        return from_padded_bounded(padded, lengths, n, width, name)
    lens = host_ints(lengths, name, "lengths")
    if len(lens) != n:
        msg = f"{name}: {len(lens)} lengths for {n} rows of padded"
        raise ValueError(msg)
    if lens.size and (lens.min() < 0 or lens.max() > width):
        msg = f"{name}: lengths must lie in [0, {width}], got min {lens.min()}, max {lens.max()}"
        raise ValueError(msg)
    seg = Segments(offsets_from_lengths(lens, name))  # at most n * width: no overflow
    flat = backend.xp.reshape(padded, (n * width, *padded.shape[2:]))
    content = backend.take(flat, seg.ids * width + seg.local, seg, ("from_padded", width))
    return RaggedArray._new(Structure(n, (seg,), tuple(padded.shape[2:])), content)
