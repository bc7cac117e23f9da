"""What ``array_api_compat.torch`` lacks for ``np.<ufunc>(x)`` on torch content: NumPy's names
(``arctan2``), the ufuncs outside the standard (``fmax``, ``cbrt``, ``modf``, ...) with NumPy's
promotion of scalars and mixed dtypes, and a few NumPy functions (``isclose``, ``nan_to_num``).
Op kernels use the array API namespace; :func:`ufunc` looks here first, then there.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import array_api_compat.torch as xp
import numpy as np
import torch

from ._base import NEGATIVE_POWERS, integer_reciprocal, integer_round

__all__ = ["BY_NAME", "api", "to_torch_dtype", "translated", "ufunc"]

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
    scalars promote as scalars do in torch: ``float64 tensor + 1.1`` stays float64). A Python int
    an integer tensor cannot hold is its value as a float: only float functions get one (the
    others raised NumPy's ``OverflowError`` before), and torch would wrap it (-1 as uint8 255)."""
    tensor = next((a for a in args if isinstance(a, torch.Tensor)), None)
    device = None if tensor is None else tensor.device
    items = [a.item() if isinstance(a, np.generic) else a for a in args]
    if (
        tensor is not None
        and tensor.dtype != torch.bool
        and not (tensor.is_floating_point() or tensor.is_complex())
    ):
        info = torch.iinfo(tensor.dtype)
        items = [float(a) if type(a) is int and not info.min <= a <= info.max else a for a in items]
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
    a, b = _promoted(a, b)
    integers = not (a.is_floating_point() or a.is_complex() or a.dtype == torch.bool)
    if integers and not torch.compiler.is_compiling() and bool((b < 0).any()):
        raise ValueError(NEGATIVE_POWERS)  # NumPy's (torch gives garbage for a tensor of exponents)
    return torch.pow(a, b)


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
    return _API["floor_divide"](a, b), _API["remainder"](a, b)


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
    if a.is_complex():  # torch rounds no complex numbers: the parts, as NumPy does
        return torch.complex(torch.round(a.real, decimals=decimals), torch.round(a.imag, decimals=decimals))
    if a.is_floating_point():
        return torch.round(a, decimals=decimals)
    return a if decimals >= 0 else integer_round(xp, a, decimals)


def _hypot(a: Any, b: Any, /) -> Any:
    a, b = (_inexact(t) for t in _promoted(a, b))
    if a.is_complex():
        msg = "hypot: complex numbers have no hypot (NumPy refuses them too); use abs"
        raise TypeError(msg)
    return _Hypot.apply(*torch.broadcast_tensors(a, b))  # type: ignore[no-untyped-call]  # torch's Function.apply is unannotated


class _Hypot(torch.autograd.Function):
    """``torch.hypot`` with the derivatives of ``sqrt(a² + b²)``: ``a / h`` and ``b / h``, 0 at
    the origin (torch's own is NaN there, 0 / 0)."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return torch.hypot(a, b)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        a, b = ctx.saved_tensors
        h = _Hypot.apply(a, b)  # type: ignore[no-untyped-call]  # differentiable: second order works
        zero = h == 0
        scale = torch.where(zero, torch.zeros_like(h), grad / torch.where(zero, torch.ones_like(h), h))
        return scale * a, scale * b


class _Cbrt(torch.autograd.Function):
    """The real cube root with derivative ``1 / (3 cbrt(a)²)`` (inf at 0, as ``jnp.cbrt``'s): the
    composition ``copysign(|a|^(1/3), a)`` differentiates to NaN at 0."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return torch.copysign(torch.abs(a) ** (1.0 / 3.0), a)  # -0.0 stays -0.0

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (a,) = ctx.saved_tensors
        root = _Cbrt.apply(a)  # type: ignore[no-untyped-call]  # differentiable: second order works
        return (grad / (3 * root * root),)


def _heaviside(a: Any, b: Any, /) -> Any:
    # NumPy's values (NaN at NaN, where torch gives 0; floats for integers), derivative 0 in
    # ``a`` and that of ``b`` at ``a = 0`` (torch.heaviside has no derivative at all)
    a, b = (_inexact(t) for t in _promoted(a, b))
    step = torch.where(a > 0, torch.ones_like(a), torch.zeros_like(a))
    return torch.where(torch.isnan(a), a.detach(), torch.where(a == 0, b, step))


def _integer_safe(fn: Callable[..., Any], *, constant: bool = False) -> Callable[..., Any]:
    """``fn`` (floor division or remainder) with NumPy's 0 where an integer divisor is 0 (torch
    raises ``ZeroDivisionError`` from inside the kernel). ``constant``: derivative 0, as jax's
    (torch has no derivative of ``floor_divide``)."""

    def safe(a: Any, b: Any, /) -> Any:
        nonzero_number = isinstance(b, (int, float)) and b != 0
        a, b = _promoted(a, b)
        if a.is_floating_point() or a.is_complex() or nonzero_number:
            return fn(a.detach(), b.detach()) if constant else fn(a, b)
        zero = b == 0
        out = fn(a, torch.where(zero, torch.ones_like(b), b))
        return torch.where(zero, torch.zeros_like(out), out)

    return safe


def _gcd(a: Any, b: Any) -> Any:
    return torch.abs(torch.gcd(a, b))  # torch gives -1 for gcd(INT_MIN, odd)


def _lcm(a: Any, b: Any) -> Any:
    """``|a| // gcd * |b|`` (wrapping as NumPy's): ``torch.lcm`` dies of SIGFPE on ``INT_MIN``."""
    g = _gcd(a, b)
    zero = g == 0
    lcm = torch.abs(a) // torch.where(zero, torch.ones_like(g), g) * torch.abs(b)
    return torch.where(zero, torch.zeros_like(g), lcm)


def _vecdot(a: Any, b: Any) -> Any:
    """NumPy's ``vecdot`` (torch's takes floats only): integers sum in their dtype, booleans are
    any of the products."""
    if a.is_floating_point() or a.is_complex():
        return torch.linalg.vecdot(a, b, dim=-1)
    if a.dtype == torch.bool:
        return torch.any(a & b, dim=-1)
    return torch.sum(a * b, dim=-1, dtype=a.dtype)


def _reciprocal(a: Any) -> Any:
    return torch.reciprocal(a) if a.is_floating_point() or a.is_complex() else integer_reciprocal(xp, a)


def _subtract(a: Any, b: Any, /) -> Any:
    """``a - b``; a boolean operand counts as 0 and 1 (torch refuses to subtract booleans),
    and two booleans raise NumPy's ``TypeError``."""
    if not any(_is_bool(t) for t in (a, b)):
        return torch.subtract(a, b)
    a, b = _promoted(a, b)
    if a.dtype == torch.bool:
        msg = "subtract: two booleans do not subtract (as in NumPy); use rg.logical_xor or rg.astype"
        raise TypeError(msg)
    return torch.subtract(a, b)


def _is_bool(a: Any) -> bool:
    return isinstance(a, bool) or (isinstance(a, torch.Tensor) and a.dtype == torch.bool)


def _inexact_binary(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Binary ``fn`` defined on floats only: integers become torch's default float, as NumPy's
    integers become floats (``np.hypot`` of int64 is float64)."""
    return lambda a, b, /: fn(*(_inexact(t) for t in _promoted(a, b)))


def _bool_same(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Unary ``fn`` that NumPy applies to booleans as the identity (``abs``, ``floor``, ``ceil``,
    ``trunc``), which torch has no boolean kernel for."""
    return lambda a, /: a if a.dtype == torch.bool else fn(a)


def _ldexp(x: Any, n: Any, /) -> Any:
    """NumPy's ``ldexp``: integer exponents only, kept integers (promoted with ``x``, a float
    exponent made ``2**n`` overflow first: ``ldexp(0.0, 300)`` in float32 gave NaN)."""
    x = x if isinstance(x, torch.Tensor) else torch.as_tensor(x, device=getattr(n, "device", None))
    n = n if isinstance(n, torch.Tensor) else torch.as_tensor(n, device=x.device)
    if n.is_floating_point() or n.is_complex():
        msg = f"ldexp: the exponents must be integers, not {n.dtype} (NumPy refuses them too)"
        raise TypeError(msg)
    return torch.ldexp(_inexact(x), n.to(torch.int8) if n.dtype == torch.bool else n)


def _float_power(a: Any, b: Any, /) -> Any:
    """``torch.float_power`` of the operands as they are (it computes in float64 or complex128, as
    NumPy's does; promoted first, ``float32 -1 ** (2**31 - 1)`` met an even float32 exponent)."""
    t = next(v for v in (a, b) if isinstance(v, torch.Tensor))
    return torch.float_power(
        *(v if isinstance(v, torch.Tensor) else torch.as_tensor(v, device=t.device) for v in (a, b))
    )


# binary ufuncs whose torch function has NumPy's name, given NumPy's promotion of their operands
_SAME = ("copysign", "fmax", "fmin")
_FLOATS = ("logaddexp", "logaddexp2", "nextafter")
#: kernels of the array API's names where ``array_api_compat.torch`` departs from NumPy
_API: dict[str, Callable[..., Any]] = {
    **{name: _bool_same(getattr(xp, name)) for name in ("abs", "floor", "ceil", "trunc")},
    **{name: _inexact_binary(getattr(torch, name)) for name in _FLOATS},
    "hypot": _hypot,
    "floor_divide": _integer_safe(torch.floor_divide, constant=True),
    "remainder": _integer_safe(torch.remainder),
    # as on the other backends: NumPy's integer results (torch's pow wraps, reciprocal gives floats)
    "pow": _power,
    "reciprocal": _reciprocal,
    "square": lambda a: torch.square(a.to(torch.int8) if a.dtype == torch.bool else a),  # NumPy: int8
}
_FUNCS: dict[str, Callable[..., Any]] = {
    **_API,
    **{name: _binary(getattr(torch, name)) for name in _SAME},
    "heaviside": _heaviside,
    "ldexp": _ldexp,
    "float_power": _float_power,
    "gcd": _binary(_gcd),
    "lcm": _binary(_lcm),
    "arctan2": _binary(torch.atan2),
    "power": _power,
    "left_shift": _binary(torch.bitwise_left_shift),
    "right_shift": _binary(torch.bitwise_right_shift),
    "absolute": _API["abs"],
    "fabs": lambda a: torch.abs(_inexact(a)),  # NumPy's fabs of integers is a float
    "subtract": _subtract,
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
    "cbrt": lambda a: _Cbrt.apply(_inexact(a)),  # type: ignore[no-untyped-call]  # torch's Function.apply is unannotated
    "rint": lambda a: torch.round(_inexact(a)),  # NumPy's rint of integers is a float
    "fmod": _integer_safe(torch.fmod),
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
    "vecdot": _binary(_vecdot),
    "matvec": _binary(lambda a, b: torch.matmul(a, b.unsqueeze(-1)).squeeze(-1)),
    "vecmat": _binary(lambda a, b: torch.matmul(a.conj().unsqueeze(-2), b).squeeze(-2)),
}


def ufunc(name: str) -> Callable[..., Any]:
    """The torch kernel of NumPy ufunc or function ``name``, with NumPy's semantics."""
    fn = _FUNCS.get(name)
    return translated(repr(name), fn if fn is not None else getattr(xp, name))


def api(name: str) -> Callable[..., Any]:
    """The torch kernel of the array API function ``name``."""
    fn = _API.get(name)
    return translated(repr(name), fn if fn is not None else getattr(xp, name))


def translated(name: str, fn: Callable[..., Any], *, data: int | None = None) -> Callable[..., Any]:
    """``fn`` raising a named ``TypeError`` where torch has no kernel for a dtype (e.g. most
    operations on ``uint16``/``uint32``/``uint64``, which torch stores but barely computes on).
    ``data``: the position of the one argument whose dtype the message names (else every tensor's)."""

    def kernel(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, _NUMPY) for a in args):
            args = _tensors(args)
        with missing_kernels(name, args if data is None else args[data : data + 1]):
            return fn(*args, **kwargs)

    return kernel


_NUMPY = (np.generic, np.ndarray)


def _tensors(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """NumPy operands as torch's: a NumPy scalar as the Python number (as ``tensor + np.int64(3)``
    promotes in torch), an array as a tensor on the device of the tensors."""
    device = next((a.device for a in args if isinstance(a, torch.Tensor)), None)
    return tuple(
        a.item()
        if isinstance(a, np.generic)
        else torch.as_tensor(a, device=device)
        if isinstance(a, np.ndarray)
        else a
        for a in args
    )


#: torch's RuntimeErrors for what NumPy refuses too, as NumPy's errors (words in torch's message)
_TORCH_REFUSALS = (
    ("negative integer powers", ValueError, "integers to negative integer powers are not allowed"),
    ("on a bool tensor is not supported", TypeError, "booleans do not negate (as in NumPy); use ~x"),
    (
        "Promotion for uint16, uint32, uint64",
        TypeError,
        "torch does not promote uint16/32/64; rg.astype first",
    ),
)


@contextlib.contextmanager
def missing_kernels(name: str, operands: Any = ()) -> Iterator[None]:
    """Torch's ``NotImplementedError`` (or ``RuntimeError``) for a dtype it has no kernel for, as
    a ``TypeError`` naming ``name`` and the dtypes of the tensors among ``operands``."""
    try:
        yield
    except (NotImplementedError, RuntimeError) as exc:
        said = str(exc)
        for words, error, what in _TORCH_REFUSALS:
            if words in said:
                msg = f"torch backend: {name}: {what}"
                raise error(msg) from None
        if "not implemented for" not in said:
            raise
        dtypes = ", ".join(sorted({str(a.dtype) for a in operands if isinstance(a, torch.Tensor)}))
        msg = (
            f"torch backend: torch has no {name} kernel for {dtypes} ({exc}); "
            "convert with rg.astype (e.g. to rg.int64 or rg.float64) or use the numpy or jax backend"
        )
        raise TypeError(msg) from None
