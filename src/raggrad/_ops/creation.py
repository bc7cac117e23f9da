"""Creation and dtype functions of the array API, and ``zeros_like``/``ones_like``/``full_like``.

``*_like`` keep the structure of a RaggedArray (ragged dims included). The shape-based creation
functions (``zeros``, ``arange``, ...) and ``reshape``/``broadcast_to`` make arrays without ragged
dims: results with ``ndim >= 1`` are RaggedArrays (type ``"3 * float64"``), 0-d results are 0-d
backend arrays. They take ``backend=`` as ``rg.array`` does (default ``"numpy"``); dtypes default
to the backend's (float32 on jax unless x64 is enabled).
"""

from __future__ import annotations

import builtins
import dataclasses
import math
import operator
from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray, wrap
from .._bounded import BoundedStructure
from .._broadcast import common_backend
from .._convert import dense_input
from .._dtypes import check_fits
from .._errors import TracedStructureError
from .._options import replace_masks
from .._registry import register
from .padding import keep_present, keep_used

__all__ = [
    "arange",
    "astype",
    "broadcast_to",
    "empty",
    "empty_like",
    "finfo",
    "full",
    "full_like",
    "iinfo",
    "isdtype",
    "linspace",
    "ones",
    "ones_like",
    "reshape",
    "result_type",
    "zeros",
    "zeros_like",
]


def _backend(backend: str | None, device: Any) -> _backends.Backend:
    if backend is None and device is not None and not isinstance(device, str):
        found = _backends.backend_of_device(device)
        if found is not None:
            return found
    return _backends.get_backend(backend or "numpy")


def _dtype_arg(backend: _backends.Backend, dtype: Any, name: str) -> Any:
    """The backend's dtype for a ``dtype=`` argument (None stays None; non-numeric ones refused)."""
    return None if dtype is None else backend.dtype(_backends.parse_dtype(dtype, name))


def _shape(shape: Any, name: str) -> tuple[int, ...]:
    """A shape as NumPy reads one: an integer or a sequence of them (a 0-d integer array too)."""
    try:
        dims = [shape] if np.ndim(shape) == 0 else list(shape)
        if isinstance(shape, str) or any(isinstance(d, bool | np.bool_) for d in dims):
            raise TypeError  # (one message for every shape NumPy refuses)
        return tuple(operator.index(d) for d in dims)
    except TypeError:
        msg = f"{name}: shape must be an integer or a sequence of integers, not {shape!r}"
        raise TypeError(msg) from None


def _on(backend: _backends.Backend, content: Any, device: Any) -> Any:
    return content if device is None else backend.asarray(content, device=device)


# ---- *_like ---------------------------------------------------------------------------------
def _like(x: Any, fill: Any, dtype: Any, device: Any, name: str) -> Any:
    if isinstance(x, RaggedArray):
        backend, content, structure, nb = x._backend, x._content, x._structure, x._nbatch
    else:
        backend = _backends.backend_of(x) or _backends.get_backend("numpy")
        content = x if _backends.backend_of(x) is not None else dense_input(x, name)
        structure, nb = None, 0
    dt = _dtype_arg(backend, dtype, name) if dtype is not None else content.dtype
    check_fits(fill, backend.numpy_dtype(dt), name, real=True, finite=True)
    out = _on(backend, backend.xp.full(tuple(content.shape), fill, dtype=dt), device)
    if structure is None:
        return wrap(None, out)
    if structure.masks is not None:  # missing elements stay missing, and hold zero
        out = keep_present(structure, backend, out, nb)
    if isinstance(structure, BoundedStructure):  # so does a bounded array's padding
        out = keep_used(structure, backend, out, nb)
    return RaggedArray._new(structure, out) if nb == 0 else wrap(structure, out, nb)


def _like_op(name: str, fill: Any = None) -> dict[str, Any]:
    """How ``rg.<name>`` (a ``*_like`` function) registers: NumPy's function of that name
    dispatches to it, not differentiable, missing values kept."""
    return {
        "numpy": (getattr(np, name),),
        "numpy_impl": _like_numpy(name, fill),
        "differentiable": False,
        "options": True,
    }


def _like_numpy(name: str, fill: Any = None) -> Any:
    def impl(
        a: Any,
        *args: Any,
        dtype: Any = None,
        order: str = "K",
        subok: bool = True,
        shape: Any = None,
        device: Any = None,
    ) -> Any:
        value = args[0] if name == "full_like" and args else fill
        if name == "full_like" and not args:
            msg = "np.full_like: missing the fill_value argument"
            raise TypeError(msg)
        if len(args) > (1 if name == "full_like" else 0):
            msg = f"np.{name}: pass dtype, order, subok and shape by keyword"
            raise TypeError(msg)
        if shape is not None or order not in ("K", "C", "A"):
            msg = f"np.{name}: shape= and order={order!r} are not supported on RaggedArrays"
            raise NotImplementedError(msg)
        return _like(a, value, dtype, device, f"np.{name}")

    return impl


@register("zeros_like", "creation", **_like_op("zeros_like", 0))
def zeros_like(x: Any, /, *, dtype: Any = None, device: Any = None) -> Any:
    """Zeros with the structure (and by default the dtype and backend) of ``x``.

    Missing values (None) stay missing, as in awkward's ``ak.zeros_like``; so do ``ones_like`` and
    ``full_like``.

    >>> import raggrad as rg
    >>> rg.zeros_like(rg.array([[1.5, 2.5], [], [3.5]])).to_list()
    [[0.0, 0.0], [], [0.0]]
    >>> rg.zeros_like(rg.array([[1.5, None], None])).to_list()
    [[0.0, None], None]
    """
    return _like(x, 0, dtype, device, "rg.zeros_like")


@register("ones_like", "creation", **_like_op("ones_like", 1))
def ones_like(x: Any, /, *, dtype: Any = None, device: Any = None) -> Any:
    """Ones with the structure of ``x``.

    >>> import raggrad as rg
    >>> rg.ones_like(rg.array([[1, 2], []]), dtype=rg.float32).type
    '2 * var * float32'
    """
    return _like(x, 1, dtype, device, "rg.ones_like")


@register("empty_like", "creation", **_like_op("empty_like", 0))
def empty_like(x: Any, /, *, dtype: Any = None, device: Any = None) -> Any:
    """An array with the structure of ``x`` (its values are zeros, as :func:`empty`'s).

    >>> import raggrad as rg
    >>> rg.empty_like(rg.array([[1, 2], [], [3]])).to_list()
    [[0, 0], [], [0]]
    """
    return _like(x, 0, dtype, device, "rg.empty_like")


@register("full_like", "creation", **_like_op("full_like"))
def full_like(x: Any, /, fill_value: Any, *, dtype: Any = None, device: Any = None) -> Any:
    """``fill_value`` everywhere, with the structure of ``x``.

    >>> import raggrad as rg
    >>> rg.full_like(rg.array([[1, 2], [], [3]]), 7).to_list()
    [[7, 7], [], [7]]
    """
    return _like(x, fill_value, dtype, device, "rg.full_like")


# ---- shape-based creation --------------------------------------------------------------------
def _full(shape: Any, fill: Any, dtype: Any, device: Any, backend: str | None, name: str) -> Any:
    # zeros/ones/empty default to the backend's floating dtype, as the array API says
    b = _backend(backend, device)
    dt = _dtype_arg(b, dtype, name) if dtype is not None else b.default_float()
    return wrap(None, _on(b, b.xp.full(_shape(shape, name), fill, dtype=dt), device))


@register("zeros", "creation", differentiable=False)
def zeros(shape: Any, *, dtype: Any = None, device: Any = None, backend: str | None = None) -> Any:
    """Zeros of a regular ``shape`` (an int or a tuple); ``shape=()`` gives a 0-d backend array.

    >>> import raggrad as rg
    >>> rg.zeros((2, 3)).type
    '2 * 3 * float64'
    """
    return _full(shape, 0, dtype, device, backend, "rg.zeros")


@register("ones", "creation", differentiable=False)
def ones(shape: Any, *, dtype: Any = None, device: Any = None, backend: str | None = None) -> Any:
    """Ones of a regular ``shape``.

    >>> import raggrad as rg
    >>> rg.ones(3, dtype=rg.int32).to_list()
    [1, 1, 1]
    """
    return _full(shape, 1, dtype, device, backend, "rg.ones")


@register("empty", "creation", differentiable=False)
def empty(shape: Any, *, dtype: Any = None, device: Any = None, backend: str | None = None) -> Any:
    """An array of a regular ``shape`` (its values are zeros; raggrad never hands out garbage).

    >>> import raggrad as rg
    >>> rg.empty((0, 2)).shape
    (0, 2)
    """
    return _full(shape, 0, dtype, device, backend, "rg.empty")


@register("full", "creation", differentiable=False)
def full(
    shape: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, backend: str | None = None
) -> Any:
    """``fill_value`` everywhere in a regular ``shape``; the dtype follows ``fill_value``.

    >>> import raggrad as rg
    >>> rg.full(2, 1.5).to_list(), rg.full(2, True).dtype
    ([1.5, 1.5], dtype('bool'))
    """
    b = _backend(backend, device)
    if not isinstance(fill_value, bool | int | float | complex | np.generic):
        msg = f"rg.full: fill_value must be a number, not {type(fill_value).__name__} {fill_value!r}"
        raise TypeError(msg)
    dt = _dtype_arg(b, dtype, "rg.full")
    if dt is None and isinstance(fill_value, float):
        dt = b.default_float()
    elif dt is None and isinstance(fill_value, complex):
        dt = b.xp.complex128 if b.default_float() == b.xp.float64 else b.xp.complex64
    elif dt is None and type(fill_value) is int:
        dt = b.default_int()  # (a Python int beyond it raises below, as NumPy's int64 does)
    if dt is not None:
        check_fits(fill_value, b.numpy_dtype(dt), "rg.full", real=True, finite=True)
    return wrap(None, _on(b, b.xp.full(_shape(shape, "rg.full"), fill_value, dtype=dt), device))


@register("arange", "creation", differentiable=False)
def arange(
    start: Any,
    /,
    stop: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    backend: str | None = None,
) -> Any:
    """Evenly spaced values in ``[start, stop)``, as NumPy's ``arange``.

    >>> import raggrad as rg
    >>> rg.arange(4).to_list(), rg.arange(1.0, 2.0, 0.5).to_list()
    ([0, 1, 2, 3], [1.0, 1.5])
    """
    b = _backend(backend, device)
    if step == 0:
        msg = f"rg.arange: step must not be zero, got {step=}"
        raise ValueError(msg)
    out = b.xp.arange(start, stop, step, dtype=_dtype_arg(b, dtype, "rg.arange"))
    return wrap(None, _on(b, out, device))


@register("linspace", "creation", differentiable=False)
def linspace(
    start: Any,
    stop: Any,
    /,
    num: int,
    *,
    dtype: Any = None,
    device: Any = None,
    endpoint: bool = True,
    backend: str | None = None,
) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop``.

    >>> import raggrad as rg
    >>> rg.linspace(0.0, 1.0, 3).to_list()
    [0.0, 0.5, 1.0]
    """
    b = _backend(backend, device)
    dt = _dtype_arg(b, dtype, "rg.linspace")
    if dt is None and not isinstance(start, complex) and not isinstance(stop, complex):
        dt = b.default_float()
    out = b.xp.linspace(start, stop, num, dtype=dt, endpoint=endpoint)
    return wrap(None, _on(b, out, device))


# ---- reshape / broadcast_to (arrays without ragged dims) ------------------------------------
def _dense(x: Any, name: str) -> tuple[_backends.Backend, Any]:
    if isinstance(x, RaggedArray):
        if x._structure.nlevels:
            msg = (
                f"{name}: an array of type {x.type!r} has ragged dimensions; {name} works on "
                "arrays without them (use rg.to_padded for a dense copy, or rg.flatten)"
            )
            raise ValueError(msg)
        if isinstance(x._structure, BoundedStructure):  # its items in use: a regular shape
            if not x._structure.is_concrete():
                msg = (
                    f"{name}: the number of items of a bounded array is data (traced inside "
                    "jax.jit), so it has no regular shape to work on; call it outside jit, or "
                    "work on rg.to_dense(x, padded=True)"
                )
                raise TracedStructureError(msg)
            x = x._trimmed(name)
        return x._backend, x._content
    backend = _backends.backend_of(x)
    if backend is None:
        return _backends.get_backend("numpy"), dense_input(x, name)
    return backend, x


@register("reshape", "structural")
def reshape(x: Any, /, shape: Any, *, copy: bool | None = None) -> Any:
    """Reshape an array without ragged dims (``ValueError`` for ragged ones).

    >>> import raggrad as rg
    >>> rg.reshape(rg.arange(6), (2, 3)).type
    '2 * 3 * int64'
    """
    backend, content = _dense(x, "rg.reshape")
    shape = _shape(shape, "rg.reshape")
    if -1 not in shape and math.prod(shape) != math.prod(content.shape):
        msg = f"rg.reshape: cannot reshape an array of shape {tuple(content.shape)} to {shape}"
        raise ValueError(msg)
    return wrap(None, backend.xp.reshape(content, shape, copy=copy))


@register("broadcast_to", "structural", options=True)
def broadcast_to(x: Any, /, shape: Any) -> Any:
    """Broadcast an array without ragged dims to a regular ``shape`` (NumPy's rules).

    Missing values (None) stay with their items of the outer dimension, so an array that has them
    keeps its number of dimensions.

    >>> import raggrad as rg
    >>> rg.broadcast_to(rg.asarray([1, 2]), (2, 2)).to_list()
    [[1, 2], [1, 2]]
    """
    backend, content = _dense(x, "rg.broadcast_to")
    shape = _shape(shape, "rg.broadcast_to")
    try:
        np.broadcast_shapes(tuple(content.shape), shape)
    except ValueError:
        msg = f"rg.broadcast_to: cannot broadcast an array of shape {tuple(content.shape)} to {shape}"
        raise ValueError(msg) from None
    if np.broadcast_shapes(tuple(content.shape), shape) != shape:
        msg = f"rg.broadcast_to: cannot broadcast an array of shape {tuple(content.shape)} to {shape}"
        raise ValueError(msg)
    out = wrap(None, backend.xp.broadcast_to(content, shape))
    masks = x._structure.masks if isinstance(x, RaggedArray) else None
    if masks is None:
        return out
    if len(shape) != len(content.shape):
        msg = (
            f"rg.broadcast_to: an array of type {x.type!r} has missing values (None), which cannot "
            f"move into a regular dimension of {shape}; broadcast it to a shape of {len(content.shape)} "
            "dimensions"
        )
        raise ValueError(msg)
    structure = replace_masks(out._structure, (np.broadcast_to(cast(np.ndarray, masks[0]), shape[:1]),))
    return RaggedArray._new(structure, out._content)


# ---- dtypes --------------------------------------------------------------------------------
@register("astype", "dtype", options=True)
def astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    """``x`` converted to ``dtype``; the structure is kept, missing values (None) included.

    On missing values it agrees with awkward's ``ak.values_astype``.

    >>> import raggrad as rg
    >>> rg.astype(rg.array([[1.7], [], [-2.2]]), rg.int32).to_list()
    [[1], [], [-2]]
    >>> rg.astype(rg.array([[1.7, None], None]), rg.int32).type
    '2 * option[var * ?int32]'
    """
    target = _numpy_dtype(dtype, "rg.astype")
    if not isinstance(x, RaggedArray):
        backend, content = _dense(x, "rg.astype")
        out = backend.xp.astype(content, backend.dtype(target), copy=copy)
        return wrap(None, _on(backend, out, device))
    backend = x._backend
    out = backend.xp.astype(x._content, backend.dtype(target), copy=copy)
    return RaggedArray._new(x._structure, _on(backend, out, device))


@register("result_type", "dtype", differentiable=False, options=True)
def result_type(*arrays_and_dtypes: Any) -> Any:
    """The dtype that the backend's promotion rules give (NumPy's on numpy, jax.numpy's on jax).

    >>> import raggrad as rg
    >>> rg.result_type(rg.array([[1], []]), rg.float32)
    dtype('float64')
    """
    if not arrays_and_dtypes:
        msg = "rg.result_type: needs at least one array or dtype"
        raise ValueError(msg)
    arrays = tuple(a for a in arrays_and_dtypes if isinstance(a, RaggedArray) or not _is_dtype(a))
    backend = common_backend(arrays, "rg.result_type")
    items = [a._content if isinstance(a, RaggedArray) else a for a in arrays_and_dtypes]
    items = [backend.dtype(a) if _is_dtype(a) else a for a in items]
    return backend.xp.result_type(*items)


def _is_dtype(a: Any) -> bool:
    if isinstance(a, (np.dtype, type)):
        return True
    return type(a).__name__ in ("dtype", "DType") or (hasattr(a, "kind") and not hasattr(a, "shape"))


@register("isdtype", "dtype", differentiable=False)
def isdtype(dtype: Any, kind: Any) -> builtins.bool:
    """Whether ``dtype`` is of ``kind`` (a dtype, a kind name like ``"real floating"``, or a tuple).

    >>> import raggrad as rg
    >>> rg.isdtype(rg.float32, "real floating"), rg.isdtype(rg.int8, ("bool", "unsigned integer"))
    (True, False)
    """
    dt = _numpy_dtype(dtype, "rg.isdtype")
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dt, k) for k in kind)
    if not isinstance(kind, str):
        return cast(bool, dt == np.dtype(kind))
    return builtins.bool(_backends.get_backend("numpy").xp.isdtype(dt, kind))


@dataclasses.dataclass(frozen=True)
class finfo_object:
    """Machine limits of a floating dtype; attributes are Python floats."""

    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: Any


@dataclasses.dataclass(frozen=True)
class iinfo_object:
    """Machine limits of an integer dtype; attributes are Python ints."""

    bits: int
    max: int
    min: int
    dtype: Any


def _numpy_dtype(obj: Any, name: str) -> np.dtype:
    """The NumPy dtype of a dtype of any backend, or of an array's dtype."""
    array = hasattr(obj, "shape") and not _is_dtype(obj) and not isinstance(obj, str)  # np.str_: a name
    if isinstance(obj, RaggedArray) or array:
        obj = obj.dtype
    return _backends.parse_dtype(obj, name)


@register("finfo", "dtype", differentiable=False, options=True)
def finfo(type: Any, /) -> finfo_object:
    """Limits of a floating dtype (or of an array's dtype), as Python floats.

    >>> import raggrad as rg
    >>> rg.finfo(rg.float32).bits, rg.finfo(rg.float64).eps
    (32, 2.220446049250313e-16)
    """
    dt = _numpy_dtype(type, "rg.finfo")
    if dt.kind not in "fc":
        msg = f"rg.finfo: {dt} is not a floating dtype; use rg.iinfo for integers"
        raise ValueError(msg)
    info = np.finfo(dt)
    return finfo_object(
        int(info.bits),
        float(info.eps),
        float(info.max),
        float(info.min),
        float(info.smallest_normal),
        info.dtype,
    )


@register("iinfo", "dtype", differentiable=False, options=True)
def iinfo(type: Any, /) -> iinfo_object:
    """Limits of an integer dtype (or of an array's dtype), as Python ints.

    >>> import raggrad as rg
    >>> rg.iinfo(rg.int8).min, rg.iinfo(rg.uint16).max
    (-128, 65535)
    """
    dt = _numpy_dtype(type, "rg.iinfo")
    if dt.kind not in "iu":
        msg = f"rg.iinfo: {dt} is not an integer dtype; use rg.finfo for floats"
        raise ValueError(msg)
    info = np.iinfo(dt)
    return iinfo_object(int(info.bits), int(info.max), int(info.min), dt)
