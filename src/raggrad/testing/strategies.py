"""Hypothesis strategies for ragged arrays, as ``hypothesis.extra.numpy`` offers for dense ones.

Every strategy draws :class:`raggrad.RaggedArray` values (or things that go with them: axes,
``where=`` masks, partners for binary ops). Structure and values shrink independently: a failing
example shrinks towards few, short lists and simple values.

jax is imported only when an array with ``backend="jax"`` is actually drawn. With JAX's default
x64-off, ``dtype="float64"`` gives float32 content on the jax backend, as ``jax.numpy`` does; draw
inside ``with jax.enable_x64(True):`` for float64.

>>> from hypothesis import given
>>> import raggrad as rg
>>> from raggrad.testing import strategies as rst
>>> @given(rst.ragged_arrays(depth=2, max_outer=3))
... def test_sum_of_flatten(x):
...     assert x.ndim == 3 and x.type.endswith("float64")
>>> test_sum_of_flatten()
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, cast

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

from .. import array, from_offsets, to_backend
from .._array import RaggedArray
from .._structure import Structure

__all__ = [
    "DISTRIBUTIONS",
    "axes",
    "broadcastable_pairs",
    "elements",
    "equal_structure_pairs",
    "layouts",
    "ragged_arrays",
    "reproduction",
    "same_structure",
    "where_masks",
]

#: list-length distributions understood by :func:`layouts` and :func:`ragged_arrays`
DISTRIBUTIONS = ("small", "empty", "huge", "mixed")
_BACKENDS = ("numpy", "jax")


# ---- argument checking (errors echo the bad value, like hypothesis.extra) ---------------------
def _check_int(name: str, value: Any, low: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        msg = f"{where}: {name}={value!r} must be an int"
        raise InvalidArgument(msg)
    if value < low:
        msg = f"{where}: {name}={value!r} must be at least {low}"
        raise InvalidArgument(msg)
    return int(value)


def _check_dtype(dtype: Any, where: str) -> np.dtype:
    try:
        dt: np.dtype = np.dtype(dtype)
    except TypeError:
        msg = f"{where}: dtype={dtype!r} is not a NumPy dtype"
        raise InvalidArgument(msg) from None
    if dt.kind not in "biufc":
        msg = f"{where}: dtype={dtype!r} is not numeric or bool; raggrad holds numbers and booleans"
        raise InvalidArgument(msg)
    return dt


def _check_backend(backend: Any, where: str) -> None:
    if backend not in _BACKENDS:
        msg = f"{where}: backend={backend!r} is not one of {_BACKENDS}"
        raise InvalidArgument(msg)


def _check_distribution(lengths: Any, where: str) -> None:
    if lengths not in DISTRIBUTIONS:
        msg = f"{where}: lengths={lengths!r} is not one of {DISTRIBUTIONS}"
        raise InvalidArgument(msg)


def _check_inner(inner_shape: Any, where: str) -> tuple[int, ...]:
    try:
        dims = tuple(inner_shape)
    except TypeError:
        msg = f"{where}: inner_shape={inner_shape!r} must be a tuple of ints"
        raise InvalidArgument(msg) from None
    for d in dims:
        _check_int("inner_shape entry", d, 0, where)
    return dims


# ---- structure ---------------------------------------------------------------------------------
@st.composite
def _lengths(draw: Any, n: int, distribution: str, max_list_length: int, huge_length: int) -> list[int]:
    if distribution == "mixed":
        distribution = draw(st.sampled_from(("small", "small", "small", "empty", "huge")))
    if distribution == "empty" or n == 0:
        return [0] * n
    small = st.integers(0, max_list_length)
    lengths: list[int] = draw(st.lists(small, min_size=n, max_size=n))
    if distribution == "huge":
        where = draw(st.integers(0, n - 1))
        lengths[where] = huge_length
    return lengths


def layouts(
    *,
    depth: int = 1,
    min_outer: int = 0,
    max_outer: int = 6,
    max_list_length: int = 5,
    lengths: str = "mixed",
    huge_length: int = 200,
) -> st.SearchStrategy[tuple[int, tuple[np.ndarray, ...]]]:
    """Structures as ``(outer_length, offsets_per_level)``, offsets outermost first.

    ``lengths`` picks the list-length distribution: ``"small"`` (0 to ``max_list_length``),
    ``"empty"`` (every list empty), ``"huge"`` (one list of ``huge_length`` at the innermost
    level among small ones) or ``"mixed"`` (each of those, drawn per example).

    >>> from hypothesis import find
    >>> n, (offsets,) = find(layouts(lengths="empty", min_outer=2), lambda s: True)
    >>> n, offsets.tolist()
    (2, [0, 0, 0])
    """
    where = "layouts"
    depth = _check_int("depth", depth, 0, where)
    min_outer = _check_int("min_outer", min_outer, 0, where)
    max_outer = _check_int("max_outer", max_outer, min_outer, where)
    max_list_length = _check_int("max_list_length", max_list_length, 0, where)
    huge_length = _check_int("huge_length", huge_length, 1, where)
    _check_distribution(lengths, where)

    @st.composite
    def draw_layout(draw: Any) -> tuple[int, tuple[np.ndarray, ...]]:
        n = draw(st.integers(min_outer, max_outer))
        count = n
        offsets = []
        for level in range(depth):
            innermost = level == depth - 1
            dist = lengths if innermost or lengths != "huge" else "small"
            ls = draw(_lengths(count, dist, max_list_length, huge_length if innermost else 1))
            offs = np.zeros(count + 1, dtype=np.int64)
            np.cumsum(ls, out=offs[1:])
            offsets.append(offs)
            count = int(offs[-1])
        return n, tuple(offsets)

    return draw_layout()


# ---- values ------------------------------------------------------------------------------------
def elements(
    dtype: Any = "float64",
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    allow_subnormal: bool = True,
) -> st.SearchStrategy[Any]:
    """Finite scalars of ``dtype`` in ``[min_value, max_value]`` (defaults: -3..3 for floats).

    ``allow_subnormal=False`` leaves out subnormal floats (XLA flushes them to zero on CPU).

    >>> from hypothesis import find
    >>> find(elements("int64", min_value=5, max_value=9), lambda v: True)
    5
    """
    dt = _check_dtype(dtype, "elements")
    if min_value is not None and max_value is not None and min_value > max_value:
        msg = f"elements: min_value={min_value!r} is greater than max_value={max_value!r}"
        raise InvalidArgument(msg)
    if dt.kind == "b":
        return st.booleans()
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo: float = info.min if min_value is None else max(info.min, math.ceil(min_value))
        hi: float = info.max if max_value is None else min(info.max, math.floor(max_value))
        return st.integers(int(lo), int(hi))
    lo = -3.0 if min_value is None else float(min_value)
    hi = 3.0 if max_value is None else float(max_value)
    width: Literal[32, 64] = 32 if dt.itemsize <= (4 if dt.kind == "f" else 8) else 64
    real = st.floats(
        lo, hi, allow_nan=False, allow_infinity=False, width=width, allow_subnormal=allow_subnormal
    )
    if dt.kind == "c":
        return st.builds(complex, real, real)
    return real


def _finish(
    content: np.ndarray, layout: tuple[int, tuple[np.ndarray, ...]], backend: str, device: Any
) -> RaggedArray:
    _, offsets = layout
    out: Any = content
    for offs in reversed(offsets):
        out = from_offsets(offs, out)
    if not offsets:
        out = _dense(content)
    if backend != "numpy" or device is not None:
        out = to_backend(out, backend, device=device)
    return cast(RaggedArray, out)


def _dense(content: np.ndarray) -> RaggedArray:
    return cast(RaggedArray, array(content))


def ragged_arrays(
    *,
    depth: int = 1,
    dtype: Any = "float64",
    backend: str = "numpy",
    device: Any = None,
    min_outer: int = 0,
    max_outer: int = 6,
    max_list_length: int = 5,
    lengths: str = "mixed",
    huge_length: int = 200,
    inner_shape: Sequence[int] = (),
    min_value: float | None = None,
    max_value: float | None = None,
    values: st.SearchStrategy[Any] | None = None,
    allow_none: bool = False,
) -> st.SearchStrategy[RaggedArray]:
    """Ragged arrays of ``depth`` ragged levels (type ``n * var * ... * inner * dtype``).

    ``depth=0`` gives arrays with no ragged dimension. ``values`` overrides the element
    strategy built from ``dtype``, ``min_value`` and ``max_value``. ``backend`` is ``"numpy"``
    or ``"jax"``; ``device`` (jax only) is a device name or a ``jax.Device``.

    ``allow_none=True`` draws missing values (awkward's option types) too: each depth (outer
    items, the items of each ragged level, the innermost elements) may be an option type, with
    some of its items None (``3 * option[var * ?float64]``). A missing list is empty and a missing
    element holds zero, as raggrad keeps them. Examples shrink towards no option types.

    >>> from hypothesis import find
    >>> x = find(ragged_arrays(allow_none=True, min_outer=2), lambda x: None in x.to_list())
    >>> x.type, x.to_list()
    ('2 * option[var * float64]', [[], None])

    >>> from hypothesis import find
    >>> x = find(ragged_arrays(depth=1, dtype="int64", inner_shape=(2,), min_outer=1),
    ...          lambda x: True)
    >>> x.type
    '1 * var * 2 * int64'
    """
    where = "ragged_arrays"
    dt = _check_dtype(dtype, where)
    _check_backend(backend, where)
    if backend == "numpy" and device not in (None, "cpu"):
        msg = f"{where}: device={device!r} needs backend='jax'; numpy has only 'cpu'"
        raise InvalidArgument(msg)
    inner = _check_inner(inner_shape, where)
    structure = layouts(
        depth=depth,
        min_outer=min_outer,
        max_outer=max_outer,
        max_list_length=max_list_length,
        lengths=lengths,
        huge_length=huge_length,
    )
    elems = values if values is not None else elements(dt, min_value=min_value, max_value=max_value)
    if not isinstance(allow_none, (bool, np.bool_)):
        msg = f"{where}: allow_none={allow_none!r} must be True or False"
        raise InvalidArgument(msg)
    if allow_none:
        options = _option_layouts(depth, min_outer, max_outer, max_list_length, lengths, huge_length)
        return options.flatmap(lambda layout: _with_options(layout, dt, inner, elems, backend, device))

    @st.composite
    def draw_array(draw: Any) -> RaggedArray:
        layout = draw(structure)
        n, offsets = layout
        m = int(offsets[-1][-1]) if offsets else n
        content = draw(hnp.arrays(dt, (m, *inner), elements=elems))
        return _finish(content, layout, backend, device)

    return draw_array()


#: one item in four is missing at a depth that is an option type; True (present) shrinks first
_PRESENT = st.sampled_from((True, True, True, False))


def _option_layouts(
    depth: int, min_outer: int, max_outer: int, max_list_length: int, lengths: str, huge_length: int
) -> st.SearchStrategy[tuple[int, tuple[np.ndarray, ...], tuple[np.ndarray | None, ...]]]:
    """``(outer_length, offsets_per_level, masks_per_depth)``: as :func:`layouts`, level by level,
    with a missing list drawn empty (its items never drawn)."""
    where = "ragged_arrays"
    depth = _check_int("depth", depth, 0, where)
    min_outer = _check_int("min_outer", min_outer, 0, where)
    max_outer = _check_int("max_outer", max_outer, min_outer, where)
    max_list_length = _check_int("max_list_length", max_list_length, 0, where)
    huge_length = _check_int("huge_length", huge_length, 1, where)
    _check_distribution(lengths, where)

    @st.composite
    def draw_layout(draw: Any) -> tuple[int, tuple[np.ndarray, ...], tuple[np.ndarray | None, ...]]:
        count = n = draw(st.integers(min_outer, max_outer))
        offsets, masks = [], []
        for level in range(depth + 1):
            present = None
            if draw(st.booleans()):
                present = np.array(draw(st.lists(_PRESENT, min_size=count, max_size=count)), dtype=np.bool_)
            masks.append(present)
            if level == depth:
                break
            innermost = level == depth - 1
            dist = lengths if innermost or lengths != "huge" else "small"
            ls = np.array(draw(_lengths(count, dist, max_list_length, huge_length if innermost else 1)))
            if present is not None:
                ls = np.where(present, ls, 0)  # a missing list is empty
            offs = np.zeros(count + 1, dtype=np.int64)
            np.cumsum(ls, out=offs[1:])
            offsets.append(offs)
            count = int(offs[-1])
        return n, tuple(offsets), tuple(masks)

    return draw_layout()


def _with_options(
    layout: tuple[int, tuple[np.ndarray, ...], tuple[np.ndarray | None, ...]],
    dt: np.dtype,
    inner: tuple[int, ...],
    elems: st.SearchStrategy[Any],
    backend: str,
    device: Any,
) -> st.SearchStrategy[RaggedArray]:
    n, offsets, masks = layout
    structure = Structure(n, offsets, inner, masks)
    present = masks[-1]

    def finish(content: np.ndarray) -> RaggedArray:
        if present is not None:  # a missing element holds zero
            content[~present] = 0
        out = RaggedArray._new(structure, content)
        if backend != "numpy" or device is not None:
            out = to_backend(out, backend, device=device)
        return out

    return hnp.arrays(dt, (structure.size, *inner), elements=elems).map(finish)


def _layout_of(x: RaggedArray) -> tuple[int, tuple[np.ndarray, ...]]:
    s = x._structure
    return s.length, tuple(level.offsets for level in s.levels)


def same_structure(
    x: RaggedArray,
    *,
    dtype: Any = None,
    min_value: float | None = None,
    max_value: float | None = None,
    values: st.SearchStrategy[Any] | None = None,
) -> st.SearchStrategy[RaggedArray]:
    """Arrays with the lists, inner dims, backend and device of ``x`` and new values.

    >>> import raggrad as rg
    >>> from hypothesis import find
    >>> x = rg.array([[1.0, 2.0], []])
    >>> find(same_structure(x, dtype="bool"), lambda y: True).to_list()
    [[False, False], []]
    """
    if not isinstance(x, RaggedArray):
        msg = f"same_structure: x={x!r} must be a RaggedArray"
        raise InvalidArgument(msg)
    dt = _check_dtype(x.dtype if dtype is None else dtype, "same_structure")
    elems = values if values is not None else elements(dt, min_value=min_value, max_value=max_value)
    layout = _layout_of(x)
    shape = tuple(x.values.shape)
    backend = x.backend
    device = x.device if backend != "numpy" else None
    return hnp.arrays(dt, shape, elements=elems).map(lambda c: _finish_like(x, c, layout, backend, device))


def _finish_like(x: RaggedArray, content: np.ndarray, layout: Any, backend: str, device: Any) -> RaggedArray:
    nbatch = x.ndim - x._structure.ndim
    if nbatch:
        return RaggedArray._new(x._structure, to_backend(_dense(content), backend, device=device).values)
    return _finish(content, layout, backend, device)


def where_masks(x: RaggedArray) -> st.SearchStrategy[RaggedArray]:
    """Boolean arrays with the structure of ``x``, for reducers' ``where=``.

    >>> import raggrad as rg
    >>> from hypothesis import find
    >>> find(where_masks(rg.array([[1.0], [2.0, 3.0]])), lambda m: sum(map(sum, m.to_list())) == 3).to_list()
    [[True], [True, True]]
    """
    return same_structure(x, dtype="bool")


def equal_structure_pairs(
    *, dtype: Any = "float64", other_dtype: Any = None, **kwargs: Any
) -> st.SearchStrategy[tuple[RaggedArray, RaggedArray]]:
    """Pairs ``(x, y)`` with identical structure; ``kwargs`` go to :func:`ragged_arrays`.

    >>> from hypothesis import find
    >>> x, y = find(equal_structure_pairs(depth=2), lambda p: True)
    >>> x.type == y.type
    True
    """
    other = dtype if other_dtype is None else other_dtype
    min_value, max_value = kwargs.get("min_value"), kwargs.get("max_value")
    return ragged_arrays(dtype=dtype, **kwargs).flatmap(
        lambda x: st.tuples(
            st.just(x), same_structure(x, dtype=other, min_value=min_value, max_value=max_value)
        )
    )


BROADCAST_KINDS = ("same", "scalar", "outer", "swapped")


def broadcastable_pairs(
    *, dtype: Any = "float64", kinds: Sequence[str] = BROADCAST_KINDS, **kwargs: Any
) -> st.SearchStrategy[tuple[Any, Any]]:
    """Pairs that broadcast by awkward's rules: equal structures, a Python scalar, or one value
    per outer list (an array of type ``n * dtype`` against ``n * var * ...``); ``"swapped"`` puts
    the simpler operand first.

    >>> from hypothesis import find
    >>> x, y = find(broadcastable_pairs(kinds=("outer",), min_outer=2), lambda p: True)
    >>> (x.type, y.type)
    ('2 * var * float64', '2 * float64')
    """
    kinds = tuple(kinds)
    bad = [k for k in kinds if k not in BROADCAST_KINDS]
    if bad or not kinds:
        msg = f"broadcastable_pairs: kinds={kinds!r} must be a non-empty subset of {BROADCAST_KINDS}"
        raise InvalidArgument(msg)
    dt = _check_dtype(dtype, "broadcastable_pairs")
    min_value, max_value = kwargs.get("min_value"), kwargs.get("max_value")
    elems = elements(dt, min_value=min_value, max_value=max_value)

    @st.composite
    def draw_pair(draw: Any) -> tuple[Any, Any]:
        x = draw(ragged_arrays(dtype=dt, **kwargs))
        kind = draw(st.sampled_from(kinds))
        swap = kind == "swapped"
        if swap:
            kind = draw(st.sampled_from(("same", "scalar", "outer")))
        if kind == "same":
            y: Any = draw(same_structure(x, min_value=min_value, max_value=max_value))
        elif kind == "scalar":
            y = draw(elems)
            y = y.item() if hasattr(y, "item") else y
        else:
            content = draw(hnp.arrays(dt, (len(x),), elements=elems))
            y = _dense(content)
            if x.backend != "numpy":
                y = to_backend(y, x.backend, device=x.device)
        return (y, x) if swap else (x, y)

    return draw_pair()


def axes(
    ndim: int | RaggedArray, *, allow_none: bool = True, allow_negative: bool = True
) -> st.SearchStrategy[int | None]:
    """Valid ``axis`` arguments for an array of ``ndim`` dimensions (or for the array given).

    >>> from hypothesis import find
    >>> find(axes(3, allow_none=False), lambda a: a < 0)
    -1
    """
    if isinstance(ndim, RaggedArray):
        ndim = ndim.ndim
    ndim = _check_int("ndim", ndim, 1, "axes")
    ints = st.integers(-ndim if allow_negative else 0, ndim - 1)
    return st.one_of(st.none(), ints) if allow_none else ints


# ---- reproduction ------------------------------------------------------------------------------
def reproduction(x: Any) -> str:
    """Python source that rebuilds ``x`` on the numpy backend, for failure reports.

    >>> import raggrad as rg
    >>> reproduction(rg.array([[1.5], [], [2.0, 3.0]]))
    'rg.from_offsets(np.array([0, 1, 1, 3]), np.array([1.5, 2.0, 3.0], dtype="float64"))'
    """
    if not isinstance(x, RaggedArray):
        if hasattr(x, "shape") and hasattr(x, "dtype"):
            host = np.asarray(x)
            return f'np.array({host.tolist()!r}, dtype="{host.dtype}")'
        return repr(x)
    host = np.asarray(x.values) if x.backend == "numpy" else np.asarray(to_backend(x, "numpy").values)
    code = f'np.array({host.tolist()!r}, dtype="{host.dtype}")'
    if host.size == 0 and host.ndim > 1:  # tolist() drops the inner dims of an empty array
        code = f"{code}.reshape({host.shape!r})"
    if x.ndim == x._structure.ndim:  # no batch dims: rebuild level by level
        levels = x._structure.levels
        if not levels:
            code = f"rg.array({code})"
        for level in reversed(levels):
            code = f"rg.from_offsets(np.array({level.offsets.tolist()!r}), {code})"
    else:
        code = f"<batched content {host.shape} over {x._structure!r}: {code}>"
    if x.backend != "numpy":
        code = f'rg.to_backend({code}, "{x.backend}")'
    return code
