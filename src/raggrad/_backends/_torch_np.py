"""A small NumPy-like namespace over torch, for ops that call ``backend.np_like.<name>``.

Ops written against NumPy's spellings (``np_like.where``, ``np_like.moveaxis``, ufunc names such as
``np_like.arctan2``) run on torch through :data:`NP`. Only the names the ops use are defined;
everything else falls back to ``array_api_compat.torch`` (array API spellings), so a name neither
defines raises ``AttributeError`` instead of silently doing something else. Operands may be torch
tensors, NumPy arrays or scalars: the last two become tensors on the device of the first tensor,
and binary functions promote both operands to torch's result type first (several torch kernels
require equal dtypes where NumPy promotes).
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat.torch as xp
import numpy as np
import torch

__all__ = ["NP", "XP", "to_torch_dtype"]

_BY_NAME = {
    "bool": torch.bool,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "uint16": torch.uint16,
    "uint32": torch.uint32,
    "uint64": torch.uint64,
    "float16": torch.float16,
    "float32": torch.float32,
    "float64": torch.float64,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
}


def to_torch_dtype(dtype: Any) -> Any:
    """A torch dtype for a torch dtype, a NumPy dtype or type, or a dtype name (None stays None)."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype).removeprefix("torch.")
    try:
        return _BY_NAME[name]
    except KeyError:
        msg = f"torch backend: no torch dtype for {dtype!r}"
        raise TypeError(msg) from None


def _device(args: tuple[Any, ...]) -> Any:
    for a in args:
        if isinstance(a, torch.Tensor):
            return a.device
    return None


def _tensor(a: Any, device: Any) -> Any:
    """``a`` as a tensor: NumPy arrays and scalars are converted; Python scalars become 0-d tensors
    (which promote like scalars in torch: ``float64 + 0-d float32`` stays float64)."""
    if isinstance(a, torch.Tensor):
        return a
    if isinstance(a, np.ndarray | np.generic):
        return torch.as_tensor(np.asarray(a), device=device)
    return torch.as_tensor(a, device=device)


def _promoted(*args: Any) -> list[Any]:
    """The operands as tensors of torch's result type (Python scalars promote as scalars do in
    torch: ``float64 tensor + 1.1`` stays float64 and keeps all of 1.1's digits)."""
    device = _device(args)
    items = [a.item() if isinstance(a, np.generic) else a for a in args]
    items = [_tensor(a, device) if isinstance(a, np.ndarray) else a for a in items]
    dtype = torch.result_type(items[0], items[1])
    for a in items[2:]:
        dtype = torch.promote_types(dtype, a.dtype if isinstance(a, torch.Tensor) else dtype)
    return [
        a.to(dtype) if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=dtype, device=device)
        for a in items
    ]


def _binary(fn: Any) -> Any:
    def call(a: Any, b: Any, /) -> Any:
        return fn(*_promoted(a, b))

    call.__name__ = getattr(fn, "__name__", "binary")
    return call


def _unary(fn: Any) -> Any:
    def call(a: Any, /) -> Any:
        return fn(_tensor(a, None))

    call.__name__ = getattr(fn, "__name__", "unary")
    return call


def _inexact(a: Any) -> Any:
    """Integers and booleans as torch's default float (what ``torch.sqrt`` of an int gives)."""
    return a if a.is_floating_point() or a.is_complex() else a.to(torch.get_default_dtype())


# ---- ufuncs that torch lacks or spells differently --------------------------------------------
def _cbrt(a: Any) -> Any:
    a = _inexact(a)
    return torch.sign(a) * torch.abs(a) ** (1.0 / 3.0)


def _rint(a: Any) -> Any:
    return torch.round(a) if a.is_floating_point() else a


def _spacing(a: Any) -> Any:
    a = _inexact(a)
    toward = torch.where(torch.signbit(a), -math.inf, math.inf).to(a.dtype)
    return torch.nextafter(a, toward) - a


def _modf(a: Any) -> tuple[Any, Any]:
    a = _inexact(a)
    whole = torch.trunc(a)
    frac = torch.where(torch.isinf(a), torch.copysign(torch.zeros_like(a), a), a - whole)
    return frac, whole


def _divmod(a: Any, b: Any) -> tuple[Any, Any]:
    a, b = _promoted(a, b)
    return torch.floor_divide(a, b), torch.remainder(a, b)


def _frexp(a: Any) -> tuple[Any, Any]:
    return torch.frexp(_inexact(a))


def _bitwise_count(a: Any) -> Any:
    # NumPy counts the 1-bits of |a| and returns uint8
    a = torch.abs(a) if a.dtype.is_signed else a
    out = torch.zeros(a.shape, dtype=torch.uint8, device=a.device)
    for bit in range(a.element_size() * 8):
        out += torch.bitwise_and(torch.bitwise_right_shift(a, bit), 1).to(torch.uint8)
    return out


def _imag(a: Any) -> Any:
    return torch.imag(a) if a.is_complex() else torch.zeros_like(a)


def _heaviside(a: Any, b: Any) -> Any:
    a, b = _promoted(a, b)
    return torch.heaviside(a, b)


_UNARY = {
    "absolute": xp.abs,
    "arccos": xp.acos,
    "arccosh": xp.acosh,
    "arcsin": xp.asin,
    "arcsinh": xp.asinh,
    "arctan": xp.atan,
    "arctanh": xp.atanh,
    "invert": xp.bitwise_invert,
    "conjugate": xp.conj,
    "cbrt": _cbrt,
    "degrees": torch.rad2deg,
    "radians": torch.deg2rad,
    "deg2rad": torch.deg2rad,
    "rad2deg": torch.rad2deg,
    "fabs": torch.abs,
    "rint": _rint,
    "spacing": _spacing,
    "exp2": torch.exp2,
    "signbit": torch.signbit,
    "reciprocal": torch.reciprocal,
    "modf": _modf,
    "frexp": _frexp,
    "bitwise_count": _bitwise_count,
    "imag": _imag,
}
_BINARY = {
    "arctan2": torch.atan2,
    "left_shift": torch.bitwise_left_shift,
    "right_shift": torch.bitwise_right_shift,
    "power": torch.pow,
    "copysign": torch.copysign,
    "float_power": torch.float_power,
    "fmax": torch.fmax,
    "fmin": torch.fmin,
    "fmod": torch.fmod,
    "gcd": torch.gcd,
    "lcm": torch.lcm,
    "hypot": torch.hypot,
    "ldexp": torch.ldexp,
    "logaddexp": torch.logaddexp,
    "logaddexp2": torch.logaddexp2,
    "nextafter": torch.nextafter,
    "remainder": torch.remainder,
    "floor_divide": torch.floor_divide,
    "logical_and": torch.logical_and,
    "logical_or": torch.logical_or,
    "logical_xor": torch.logical_xor,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "add": torch.add,
    "subtract": torch.subtract,
    "multiply": torch.multiply,
    "divide": torch.divide,
    "equal": torch.eq,
    "not_equal": torch.ne,
    "less": torch.lt,
    "less_equal": torch.le,
    "greater": torch.gt,
    "greater_equal": torch.ge,
    "bitwise_and": torch.bitwise_and,
    "bitwise_or": torch.bitwise_or,
    "bitwise_xor": torch.bitwise_xor,
}


class _NumpyLike:
    """NumPy spellings on torch tensors (see the module docstring)."""

    __name__ = "raggrad._backends._torch_np"

    def __init__(self) -> None:
        for name, fn in _UNARY.items():
            setattr(self, name, _unary(fn))
        for name, fn in _BINARY.items():
            setattr(self, name, _binary(fn))
        self.heaviside = _heaviside
        self.divmod = _divmod

    def __getattr__(self, name: str) -> Any:
        # array API spellings (sin, exp, isnan, ...) from array_api_compat.torch
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(xp, name)

    # ---- creation and conversion -----------------------------------------------------------
    @staticmethod
    def asarray(a: Any, dtype: Any = None) -> Any:
        if isinstance(a, torch.Tensor):
            return a if dtype is None else a.to(to_torch_dtype(dtype))
        return torch.as_tensor(np.asarray(a) if isinstance(a, np.generic) else a, dtype=to_torch_dtype(dtype))

    @staticmethod
    def full(shape: Any, fill_value: Any, dtype: Any = None, device: Any = None) -> Any:
        return torch.full(tuple(shape), fill_value, dtype=to_torch_dtype(dtype), device=device)

    @staticmethod
    def ones(shape: Any, dtype: Any = None) -> Any:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return torch.ones(shape, dtype=to_torch_dtype(dtype))

    @staticmethod
    def arange(*args: Any, dtype: Any = None) -> Any:
        return torch.arange(*args, dtype=to_torch_dtype(dtype))

    @staticmethod
    def iscomplexobj(a: Any) -> bool:
        return bool(a.is_complex())

    # ---- shapes ----------------------------------------------------------------------------
    @staticmethod
    def moveaxis(a: Any, source: Any, destination: Any) -> Any:
        return torch.movedim(a, source, destination)

    @staticmethod
    def reshape(a: Any, shape: Any) -> Any:
        return torch.reshape(a, (shape,) if isinstance(shape, int) else tuple(shape))

    @staticmethod
    def squeeze(a: Any, axis: Any = None) -> Any:
        return torch.squeeze(a) if axis is None else torch.squeeze(a, axis)

    @staticmethod
    def expand_dims(a: Any, axis: int) -> Any:
        return torch.unsqueeze(a, axis)

    @staticmethod
    def broadcast_to(a: Any, shape: Any) -> Any:
        return torch.broadcast_to(a, tuple(shape))

    @staticmethod
    def concatenate(arrays: Any, axis: int = 0) -> Any:
        return torch.cat(list(arrays), dim=axis)

    # ---- selection -------------------------------------------------------------------------
    @staticmethod
    def where(condition: Any, x: Any, y: Any) -> Any:
        condition = _tensor(condition, _device((x, y)))
        tensors = [v for v in (x, y) if isinstance(v, torch.Tensor)]
        if (len(tensors) == 2 and x.dtype != y.dtype) or not tensors:
            x, y = _promoted(x, y)
        return torch.where(condition, x, y)

    @staticmethod
    def take(a: Any, indices: Any, axis: int | None = None) -> Any:
        if axis is None:
            return torch.take(a, indices)
        if indices.dim() == 1:
            return torch.index_select(a, axis, indices)
        return torch.movedim(torch.movedim(a, axis, 0)[indices], 0, axis)

    @staticmethod
    def take_along_axis(a: Any, indices: Any, axis: int) -> Any:
        return torch.take_along_dim(a, indices, dim=axis)

    @staticmethod
    def lexsort(keys: Any, axis: int = -1) -> Any:
        """NumPy's lexsort (the last key is the primary one) as successive stable sorts."""
        order = None
        for key in keys:
            k = key if order is None else torch.take_along_dim(key, order, dim=axis)
            step = torch.sort(k, dim=axis, stable=True).indices
            order = step if order is None else torch.take_along_dim(order, step, dim=axis)
        return order

    # ---- reductions ------------------------------------------------------------------------
    @staticmethod
    def sum(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return xp.sum(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def prod(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return xp.prod(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def max(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return xp.max(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def min(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return xp.min(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def any(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return xp.any(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def all(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return xp.all(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return xp.mean(_inexact(a), axis=axis, keepdims=keepdims)

    @staticmethod
    def argmax(a: Any, axis: int | None = None, keepdims: bool = False) -> Any:
        a = a.to(torch.uint8) if a.dtype == torch.bool else a
        if axis is None:
            return torch.argmax(a)
        return torch.argmax(a, dim=axis, keepdim=keepdims)

    @staticmethod
    def argmin(a: Any, axis: int | None = None, keepdims: bool = False) -> Any:
        a = a.to(torch.uint8) if a.dtype == torch.bool else a
        if axis is None:
            return torch.argmin(a)
        return torch.argmin(a, dim=axis, keepdim=keepdims)

    @staticmethod
    def exp(a: Any) -> Any:
        return torch.exp(_inexact(a))

    # ---- other elementwise functions -------------------------------------------------------
    @staticmethod
    def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
        a, b = _promoted(a, b)
        if not (a.is_floating_point() or a.is_complex()):
            a, b = _inexact(a), _inexact(b)
        return torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)

    @staticmethod
    def nan_to_num(a: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Any:
        return torch.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def round(a: Any, decimals: int = 0) -> Any:
        if not a.is_floating_point():
            return a
        return torch.round(a, decimals=decimals) if decimals else torch.round(a)

    @staticmethod
    def matmul(a: Any, b: Any) -> Any:
        a, b = _promoted(a, b)
        return torch.matmul(a, b)

    @staticmethod
    def vecdot(a: Any, b: Any) -> Any:
        a, b = _promoted(a, b)
        return torch.linalg.vecdot(a, b, dim=-1)

    @staticmethod
    def matvec(a: Any, b: Any) -> Any:
        a, b = _promoted(a, b)
        return torch.matmul(a, b.unsqueeze(-1)).squeeze(-1)

    @staticmethod
    def vecmat(a: Any, b: Any) -> Any:
        a, b = _promoted(a, b)
        return torch.matmul(a.conj().unsqueeze(-2), b).squeeze(-2)


#: the NumPy-like module of the torch backend
NP = _NumpyLike()


class _ArrayAPI:
    """``array_api_compat.torch``, except for the torch functions it re-exports unwrapped.

    The compat namespace passes non-standard torch functions (``fmax``, ``gcd``, ``ldexp``, ...)
    through as they are, and those reject Python scalars and mixed dtypes; the NumPy-like versions
    above accept both. ``imag`` of a real tensor is zeros, as in NumPy.
    """

    __name__ = "raggrad._backends._torch_np.XP"
    _OVERRIDES = frozenset(
        {
            "fmax",
            "fmin",
            "fmod",
            "gcd",
            "lcm",
            "heaviside",
            "ldexp",
            "logaddexp2",
            "nextafter",
            "float_power",
            "frexp",
            "copysign",
            "hypot",
            "logaddexp",
            "remainder",
            "bitwise_count",
            "imag",
        }
    )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(NP, name) if name in self._OVERRIDES else getattr(xp, name)
        setattr(self, name, value)  # found once, then an ordinary attribute
        return value


#: the array API namespace of the torch backend
XP = _ArrayAPI()
