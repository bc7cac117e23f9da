"""What ``array_api_compat.torch`` lacks for ``np.<ufunc>(x)`` on torch content: NumPy's names
(``arctan2``), the ufuncs outside the standard (``fmax``, ``cbrt``, ``modf``, ...) with NumPy's
promotion of scalars and mixed dtypes, and a few NumPy functions (``isclose``, ``nan_to_num``).
Op kernels use the array API namespace; :func:`ufunc` looks here first, then there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import array_api_compat.torch as xp
import numpy as np
import torch

__all__ = ["BY_NAME", "to_torch_dtype", "ufunc"]

_NAMES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
BY_NAME = {
    name: getattr(torch, name)
    for name in (*_NAMES, "float16", "float32", "float64", "complex64", "complex128")
}


def to_torch_dtype(dtype: Any) -> Any:
    """A torch dtype for a torch dtype, a NumPy dtype or type, or a dtype name (None stays None)."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    try:
        return BY_NAME[np.dtype(dtype).name]
    except (KeyError, TypeError):
        msg = f"torch backend: no torch dtype for {dtype!r}"
        raise TypeError(msg) from None


def _promoted(*args: Any) -> list[Any]:
    """The operands as tensors of torch's result type, on the first tensor's device (Python
    scalars promote as scalars do in torch: ``float64 tensor + 1.1`` stays float64)."""
    device = next((a.device for a in args if isinstance(a, torch.Tensor)), None)
    items = [a.item() if isinstance(a, np.generic) else a for a in args]
    items = [torch.as_tensor(a, device=device) if isinstance(a, np.ndarray) else a for a in items]
    dtype = torch.result_type(items[0], items[1])
    return [
        a.to(dtype) if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=dtype, device=device)
        for a in items
    ]


def _binary(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda a, b, /: fn(*_promoted(a, b))


def _power(a: Any, b: Any, /) -> Any:
    # a Python number stays one: torch promotes it as _promoted would, and ``x ** 2`` stays
    # aten's pow(Tensor, Scalar) (a square, also in compiled graphs), not a pow of two tensors
    if isinstance(a, torch.Tensor) and isinstance(b, (bool, int, float)):
        return torch.pow(a, b)
    return torch.pow(*_promoted(a, b))


def _inexact(a: Any) -> Any:
    """Integers and booleans as torch's default float (what ``torch.sqrt`` of an int gives)."""
    return a if a.is_floating_point() or a.is_complex() else a.to(torch.get_default_dtype())


def _frexp(a: Any) -> tuple[Any, Any]:
    """``torch.frexp`` with the mantissa's derivative ``2**-e``: torch's own backward divides by
    ``exp2`` of the exponent in float32, which is 0 past ``2**-126`` (inf gradients below 1e-38).
    The mantissa is ``a`` scaled by two powers of two (one could overflow for subnormal ``a``)."""
    a = _inexact(a)
    e = torch.frexp(a.detach())[1]
    k = (-e).to(a.dtype)
    half = torch.floor(k / 2)
    return a * torch.exp2(half) * torch.exp2(k - half), e


def _spacing(a: Any) -> Any:
    a = _inexact(a)
    return torch.nextafter(a, torch.where(torch.signbit(a), -math.inf, math.inf).to(a.dtype)) - a


def _modf(a: Any) -> tuple[Any, Any]:
    a = _inexact(a)
    whole = torch.trunc(a)
    return torch.where(torch.isinf(a), torch.copysign(torch.zeros_like(a), a), a - whole), whole


def _divmod(a: Any, b: Any, /) -> tuple[Any, Any]:
    a, b = _promoted(a, b)
    return torch.floor_divide(a, b), torch.remainder(a, b)


def _bitwise_count(a: Any) -> Any:
    a = torch.abs(a) if a.dtype.is_signed else a  # NumPy counts the 1-bits of |a|, as uint8
    out = torch.zeros(a.shape, dtype=torch.uint8, device=a.device)
    for bit in range(a.element_size() * 8):
        out += torch.bitwise_and(torch.bitwise_right_shift(a, bit), 1).to(torch.uint8)
    return out


def _where(condition: Any, x: Any, y: Any, /) -> Any:
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor) and x.dtype == y.dtype):
        x, y = _promoted(x, y)
    return torch.where(torch.as_tensor(condition, device=x.device), x, y)


def _isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    a, b = (_inexact(t) for t in _promoted(a, b))
    return torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _round(a: Any, decimals: int = 0) -> Any:
    return torch.round(a, decimals=decimals) if a.is_floating_point() else a


# binary ufuncs whose torch function has NumPy's name, given NumPy's promotion of their operands
_SAME = ("copysign", "float_power", "fmax", "fmin", "fmod", "gcd", "heaviside", "hypot", "lcm", "ldexp")
_SAME_TOO = ("logaddexp", "logaddexp2", "nextafter", "remainder")
_FUNCS: dict[str, Callable[..., Any]] = {
    **{name: _binary(getattr(torch, name)) for name in (*_SAME, *_SAME_TOO)},
    "arctan2": _binary(torch.atan2),
    "power": _power,
    "left_shift": _binary(torch.bitwise_left_shift),
    "right_shift": _binary(torch.bitwise_right_shift),
    "absolute": xp.abs,
    "fabs": xp.abs,
    "arccos": xp.acos,
    "arccosh": xp.acosh,
    "arcsin": xp.asin,
    "arcsinh": xp.asinh,
    "arctan": xp.atan,
    "arctanh": xp.atanh,
    "invert": xp.bitwise_invert,
    "conjugate": xp.conj,
    "degrees": torch.rad2deg,
    "rad2deg": torch.rad2deg,
    "radians": torch.deg2rad,
    "deg2rad": torch.deg2rad,
    "exp2": torch.exp2,
    "exp": lambda a: torch.exp(_inexact(a)),
    "cbrt": lambda a: torch.sign(a) * torch.abs(_inexact(a)) ** (1.0 / 3.0),
    "rint": lambda a: torch.round(a) if a.is_floating_point() else a,
    "imag": lambda a: torch.imag(a) if a.is_complex() else torch.zeros_like(a),
    "mean": lambda a, axis=None, keepdims=False: xp.mean(_inexact(a), axis=axis, keepdims=keepdims),
    "frexp": _frexp,
    "spacing": _spacing,
    "modf": _modf,
    "divmod": _divmod,
    "bitwise_count": _bitwise_count,
    "where": _where,
    "isclose": _isclose,
    "round": _round,
    "nan_to_num": lambda a, nan=0.0, posinf=None, neginf=None: torch.nan_to_num(
        a, nan=nan, posinf=posinf, neginf=neginf
    ),
    "matmul": _binary(torch.matmul),
    "vecdot": _binary(lambda a, b: torch.linalg.vecdot(a, b, dim=-1)),
    "matvec": _binary(lambda a, b: torch.matmul(a, b.unsqueeze(-1)).squeeze(-1)),
    "vecmat": _binary(lambda a, b: torch.matmul(a.conj().unsqueeze(-2), b).squeeze(-2)),
}


def ufunc(name: str) -> Callable[..., Any]:
    """The torch kernel of NumPy ufunc or function ``name``, with NumPy's semantics."""
    fn = _FUNCS.get(name)
    return fn if fn is not None else getattr(xp, name)
