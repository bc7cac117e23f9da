"""Elementwise functions: the array API's, every NumPy ufunc (NEP-13), where/clip/round/isclose.

The public functions follow the array API (``rg.acos``, kernels from the backend's array-API
namespace); ``np.<ufunc>(x)`` follows NumPy (kernels named like the ufunc in ``numpy`` or
``jax.numpy``), so ``np.ceil`` of integers gives floats on numpy as NumPy does while ``rg.ceil``
keeps integers as the standard says. Both go through one broadcasting path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _backends
from .._array import RaggedArray, wrap
from .._backends import Backend
from .._bounded import BoundedStructure
from .._broadcast import broadcast
from .._broadcast.numbers import numbers
from .._broadcast.rules import is_scalar
from .._registry import register, ufuncs
from . import reductions
from .padding import guarded, keeps_zeros, present
from .where_options import selected

# (array API name or raggrad name, NumPy ufunc, arity); one row per distinct ufunc object
_UNARY = [
    ("abs", np.absolute),
    ("acos", np.arccos),
    ("acosh", np.arccosh),
    ("asin", np.arcsin),
    ("asinh", np.arcsinh),
    ("atan", np.arctan),
    ("atanh", np.arctanh),
    ("bitwise_count", np.bitwise_count),
    ("bitwise_invert", np.invert),
    ("cbrt", np.cbrt),
    ("ceil", np.ceil),
    ("conj", np.conjugate),
    ("cos", np.cos),
    ("cosh", np.cosh),
    ("deg2rad", np.deg2rad),
    ("degrees", np.degrees),
    ("exp", np.exp),
    ("exp2", np.exp2),
    ("expm1", np.expm1),
    ("fabs", np.fabs),
    ("floor", np.floor),
    ("isfinite", np.isfinite),
    ("isinf", np.isinf),
    ("isnan", np.isnan),
    ("log", np.log),
    ("log10", np.log10),
    ("log1p", np.log1p),
    ("log2", np.log2),
    ("logical_not", np.logical_not),
    ("negative", np.negative),
    ("positive", np.positive),
    ("rad2deg", np.rad2deg),
    ("radians", np.radians),
    ("reciprocal", np.reciprocal),
    ("rint", np.rint),
    ("sign", np.sign),
    ("signbit", np.signbit),
    ("sin", np.sin),
    ("sinh", np.sinh),
    ("spacing", np.spacing),
    ("sqrt", np.sqrt),
    ("square", np.square),
    ("tan", np.tan),
    ("tanh", np.tanh),
    ("trunc", np.trunc),
]
_BINARY = [
    ("add", np.add),
    ("atan2", np.arctan2),
    ("bitwise_and", np.bitwise_and),
    ("bitwise_left_shift", np.left_shift),
    ("bitwise_or", np.bitwise_or),
    ("bitwise_right_shift", np.right_shift),
    ("bitwise_xor", np.bitwise_xor),
    ("copysign", np.copysign),
    ("divide", np.divide),
    ("equal", np.equal),
    ("float_power", np.float_power),
    ("floor_divide", np.floor_divide),
    ("fmax", np.fmax),
    ("fmin", np.fmin),
    ("fmod", np.fmod),
    ("gcd", np.gcd),
    ("greater", np.greater),
    ("greater_equal", np.greater_equal),
    ("heaviside", np.heaviside),
    ("hypot", np.hypot),
    ("lcm", np.lcm),
    ("ldexp", np.ldexp),
    ("less", np.less),
    ("less_equal", np.less_equal),
    ("logaddexp", np.logaddexp),
    ("logaddexp2", np.logaddexp2),
    ("logical_and", np.logical_and),
    ("logical_or", np.logical_or),
    ("logical_xor", np.logical_xor),
    ("maximum", np.maximum),
    ("minimum", np.minimum),
    ("multiply", np.multiply),
    ("nextafter", np.nextafter),
    ("not_equal", np.not_equal),
    ("pow", np.power),
    ("remainder", np.remainder),
    ("subtract", np.subtract),
]
# two outputs each
_MULTI = [("divmod", np.divmod, 2), ("frexp", np.frexp, 1), ("modf", np.modf, 1)]
#: left out of NEP-13, with the reason (reported by the docs' op table)
UNSUPPORTED_UFUNCS = {"isnat": "datetime64/timedelta64 only; raggrad holds numbers and booleans"}

#: derivative zero almost everywhere (piecewise constant) or integer/boolean results
_NONDIFF = frozenset(
    """
    bitwise_count bitwise_invert ceil floor isfinite isinf isnan logical_not rint sign signbit spacing
    trunc bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor equal floor_divide
    gcd greater greater_equal lcm less less_equal logical_and logical_or logical_xor nextafter
    not_equal
    """.split()  # noqa: SIM905 - a word list, as _STANDARD below
)


def _kernel_cache(getter: Callable[[Backend], Callable[..., Any]]) -> Callable[[Backend], Callable[..., Any]]:
    cache: dict[str, Callable[..., Any]] = {}

    def get(backend: Backend) -> Callable[..., Any]:
        try:
            return cache[backend.name]
        except KeyError:
            fn = cache[backend.name] = getter(backend)
            return fn

    return get


def apply(
    kernel: Callable[[Backend], Callable[..., Any]],
    args: tuple[Any, ...],
    name: str,
    nout: int = 1,
    *,
    select: bool = False,
    **kwargs: Any,
) -> Any:
    """Broadcast ``args`` and apply the backend kernel to their contents.

    Where the result has a missing value (None), the kernel sees the same safe inputs as on a
    bounded array's padding and the result holds zero (:func:`.padding.guarded`). ``select=True``: the
    ``where(condition, x, y)`` rule for which elements are missing (:mod:`.where_options`).
    """
    structure, backend, contents, nb, *elements = broadcast(args, name, select=select, big_ints=True)
    if any(is_scalar(c) for c in contents):
        contents = numbers(backend, contents, name)  # NumPy's rule for a number beside arrays
    if elements and structure is not None:
        structure = selected(structure, backend, contents, nb, elements[0], name, args)
    if structure is not None and structure.masks is not None:
        used = present(structure, backend, contents)
        out = guarded(kernel(backend), used, structure.size, backend, contents, nb, name, kwargs)
    elif isinstance(structure, BoundedStructure):
        if keeps_zeros(name, contents, nb, structure.size, backend):
            out = kernel(backend)(*contents, **kwargs)
        else:
            used = structure.slot_mask(structure.nlevels)
            out = guarded(kernel(backend), used, structure.size, backend, contents, nb, name, kwargs)
    else:
        out = kernel(backend)(*contents, **kwargs)
    if nout == 1:
        return wrap(structure, out, nb)
    return tuple(wrap(structure, o, nb) for o in out)


#: the elementwise functions of the array API standard (2024.12): ``rg.<name>`` runs the backend's
#: ``xp.<name>``; the others (``fmax``, ``cbrt``, ...) run the backend's NumPy-named ufunc
_STANDARD = frozenset(
    """
    abs acos acosh add asin asinh atan atan2 atanh bitwise_and bitwise_left_shift bitwise_invert
    bitwise_or bitwise_right_shift bitwise_xor ceil conj copysign cos cosh divide equal exp expm1
    floor floor_divide greater greater_equal hypot isfinite isinf isnan less less_equal log log1p
    log2 log10 logaddexp logical_and logical_not logical_or logical_xor maximum minimum multiply
    negative nextafter not_equal positive pow reciprocal remainder sign signbit sin sinh square sqrt
    subtract tan tanh trunc
    """.split()  # noqa: SIM905 - a word list reads better than 70 quoted names
)


def _xp_kernel(api_name: str, ufunc: np.ufunc) -> Callable[[Backend], Callable[..., Any]]:
    if api_name in _STANDARD:
        return _kernel_cache(lambda b: b.api(api_name))
    return _kernel_cache(lambda b: b.ufunc(ufunc.__name__))


def _np_kernel(name: str) -> Callable[[Backend], Callable[..., Any]]:
    """The backend's kernel of NumPy function ``name``, with NumPy's semantics."""
    return _kernel_cache(lambda b: b.ufunc(name))


def _ufunc_impl(ufunc: np.ufunc) -> Callable[..., Any]:
    """``np.<ufunc>(*inputs)`` on RaggedArrays: NumPy's semantics on the inputs' backend."""
    kernel, where, nout = _np_kernel(ufunc.__name__), f"np.{ufunc.__name__}", ufunc.nout

    def impl(*inputs: Any) -> Any:
        return apply(kernel, inputs, where, nout)

    return impl


def _make(name: str, ufunc: np.ufunc, arity: int, nout: int = 1) -> Callable[..., Any]:
    kernel = _xp_kernel(name, ufunc)
    where = f"rg.{name}"
    if arity == 1:

        def fn(x: Any, /) -> Any:
            return apply(kernel, (x,), where, nout)

        fn.__doc__ = f"Elementwise ``{name}``; ``np.{ufunc.__name__}`` dispatches here."
    else:

        def fn(x1: Any, x2: Any, /) -> Any:  # type: ignore[misc]  # a unary or a binary fn, by design
            return apply(kernel, (x1, x2), where, nout)

        fn.__doc__ = (
            f"Elementwise ``{name}`` with awkward broadcasting; ``np.{ufunc.__name__}`` dispatches here."
        )
    fn.__name__ = fn.__qualname__ = name
    kind = "elementwise-unary" if arity == 1 else "elementwise-binary"
    differentiable = name not in _NONDIFF
    return register(
        name,
        kind,
        ufuncs=(ufunc,),
        numpy_impl=_ufunc_impl(ufunc),
        differentiable=differentiable,
        options=True,
    )(fn)


_U = dict(_UNARY)
_B = dict(_BINARY)

# explicit bindings, one per public name (see STYLE.md)
abs = _make("abs", _U["abs"], 1)
acos = _make("acos", _U["acos"], 1)
acosh = _make("acosh", _U["acosh"], 1)
asin = _make("asin", _U["asin"], 1)
asinh = _make("asinh", _U["asinh"], 1)
atan = _make("atan", _U["atan"], 1)
atanh = _make("atanh", _U["atanh"], 1)
bitwise_count = _make("bitwise_count", _U["bitwise_count"], 1)
bitwise_invert = _make("bitwise_invert", _U["bitwise_invert"], 1)
cbrt = _make("cbrt", _U["cbrt"], 1)
ceil = _make("ceil", _U["ceil"], 1)
conj = _make("conj", _U["conj"], 1)
cos = _make("cos", _U["cos"], 1)
cosh = _make("cosh", _U["cosh"], 1)
deg2rad = _make("deg2rad", _U["deg2rad"], 1)
degrees = _make("degrees", _U["degrees"], 1)
exp = _make("exp", _U["exp"], 1)
exp2 = _make("exp2", _U["exp2"], 1)
expm1 = _make("expm1", _U["expm1"], 1)
fabs = _make("fabs", _U["fabs"], 1)
floor = _make("floor", _U["floor"], 1)
isfinite = _make("isfinite", _U["isfinite"], 1)
isinf = _make("isinf", _U["isinf"], 1)
isnan = _make("isnan", _U["isnan"], 1)
log = _make("log", _U["log"], 1)
log10 = _make("log10", _U["log10"], 1)
log1p = _make("log1p", _U["log1p"], 1)
log2 = _make("log2", _U["log2"], 1)
logical_not = _make("logical_not", _U["logical_not"], 1)
negative = _make("negative", _U["negative"], 1)
positive = _make("positive", _U["positive"], 1)
rad2deg = _make("rad2deg", _U["rad2deg"], 1)
radians = _make("radians", _U["radians"], 1)
reciprocal = _make("reciprocal", _U["reciprocal"], 1)
rint = _make("rint", _U["rint"], 1)
sign = _make("sign", _U["sign"], 1)
signbit = _make("signbit", _U["signbit"], 1)
sin = _make("sin", _U["sin"], 1)
sinh = _make("sinh", _U["sinh"], 1)
spacing = _make("spacing", _U["spacing"], 1)
sqrt = _make("sqrt", _U["sqrt"], 1)
square = _make("square", _U["square"], 1)
tan = _make("tan", _U["tan"], 1)
tanh = _make("tanh", _U["tanh"], 1)
trunc = _make("trunc", _U["trunc"], 1)

add = _make("add", _B["add"], 2)
atan2 = _make("atan2", _B["atan2"], 2)
bitwise_and = _make("bitwise_and", _B["bitwise_and"], 2)
bitwise_left_shift = _make("bitwise_left_shift", _B["bitwise_left_shift"], 2)
bitwise_or = _make("bitwise_or", _B["bitwise_or"], 2)
bitwise_right_shift = _make("bitwise_right_shift", _B["bitwise_right_shift"], 2)
bitwise_xor = _make("bitwise_xor", _B["bitwise_xor"], 2)
copysign = _make("copysign", _B["copysign"], 2)
divide = _make("divide", _B["divide"], 2)
equal = _make("equal", _B["equal"], 2)
float_power = _make("float_power", _B["float_power"], 2)
floor_divide = _make("floor_divide", _B["floor_divide"], 2)
fmax = _make("fmax", _B["fmax"], 2)
fmin = _make("fmin", _B["fmin"], 2)
fmod = _make("fmod", _B["fmod"], 2)
gcd = _make("gcd", _B["gcd"], 2)
greater = _make("greater", _B["greater"], 2)
greater_equal = _make("greater_equal", _B["greater_equal"], 2)
heaviside = _make("heaviside", _B["heaviside"], 2)
heaviside.__doc__ = f"""{heaviside.__doc__}

Derivative (jax): ``heaviside(0, x2) = x2`` has derivative
1 with respect to ``x2`` where ``x1 == 0``, else 0, as ``jnp.heaviside``; torch has none (raises)."""
hypot = _make("hypot", _B["hypot"], 2)
lcm = _make("lcm", _B["lcm"], 2)
ldexp = _make("ldexp", _B["ldexp"], 2)
less = _make("less", _B["less"], 2)
less_equal = _make("less_equal", _B["less_equal"], 2)
logaddexp = _make("logaddexp", _B["logaddexp"], 2)
logaddexp2 = _make("logaddexp2", _B["logaddexp2"], 2)
logical_and = _make("logical_and", _B["logical_and"], 2)
logical_or = _make("logical_or", _B["logical_or"], 2)
logical_xor = _make("logical_xor", _B["logical_xor"], 2)
maximum = _make("maximum", _B["maximum"], 2)
minimum = _make("minimum", _B["minimum"], 2)
multiply = _make("multiply", _B["multiply"], 2)
nextafter = _make("nextafter", _B["nextafter"], 2)
not_equal = _make("not_equal", _B["not_equal"], 2)
pow = _make("pow", _B["pow"], 2)
remainder = _make("remainder", _B["remainder"], 2)
subtract = _make("subtract", _B["subtract"], 2)

divmod = _make("divmod", np.divmod, 2, nout=2)
frexp = _make("frexp", np.frexp, 1, nout=2)
modf = _make("modf", np.modf, 1, nout=2)

_CHECK = {n for n, _ in _UNARY} | {n for n, _ in _BINARY} | {n for n, _, _ in _MULTI}
assert set(globals()) >= _CHECK, sorted(_CHECK - set(globals()))  # every table row is bound


def ufunc_support() -> tuple[list[str], dict[str, str]]:
    """The NumPy ufuncs that dispatch to raggrad, and those left out with the reason.

    Computed from the registry and NumPy's namespace, so the docs' count cannot drift.

    >>> supported, left_out = ufunc_support()
    >>> "sin" in supported, left_out
    (True, {'isnat': 'datetime64/timedelta64 only; raggrad holds numbers and booleans'})
    """
    every = {id(u): u for u in vars(np).values() if isinstance(u, np.ufunc)}.values()
    registered = ufuncs()
    supported = sorted(u.__name__ for u in every if u in registered)
    left_out = {
        u.__name__: UNSUPPORTED_UFUNCS.get(u.__name__, "not registered") for u in every if u not in registered
    }
    return supported, dict(sorted(left_out.items()))


# ---- other elementwise functions (NEP-18) ----------------------------------------------
_WHERE = _np_kernel("where")


def _where_numpy(condition: Any, x: Any = None, y: Any = None) -> Any:
    if x is None or y is None:
        msg = "np.where(condition) with one argument (nonzero) is not supported; use rg.local_index"
        raise NotImplementedError(msg)
    return where(condition, x, y)


@register("where", "elementwise", numpy=(np.where,), numpy_impl=_where_numpy, options=True)
def where(condition: Any, x1: Any, x2: Any, /) -> Any:
    """``x1`` where ``condition`` is true, else ``x2``, with awkward broadcasting.

    Derivatives flow only into the selected branch, so ``where`` guards reductions of empty lists.
    An element is missing (None) where the condition is or the branch it selects is (``ak.where``);
    a list missing in any argument is missing in the result, as with every elementwise op (there
    ``ak.where`` 2.14 raises, or gives a list of None of some operand's length).

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, -2.0], [], [3.0]])
    >>> rg.where(x > 0, x, 0.0).to_list()
    [[1.0, 0.0], [], [3.0]]
    >>> rg.where(rg.array([True, None, False]), rg.array([1.0, 2.0, None]), 0.0).to_list()
    [1.0, None, 0.0]
    """
    return apply(_WHERE, (condition, x1, x2), "rg.where", select=True)


_CLIP = _np_kernel("clip")


def _clip_numpy(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, **kwargs: Any) -> Any:
    if out is not None:
        msg = "np.clip: out= is not supported on RaggedArrays"
        raise NotImplementedError(msg)
    a_min = kwargs.pop("min", a_min)
    a_max = kwargs.pop("max", a_max)
    if kwargs:
        msg = f"np.clip: keyword arguments {sorted(kwargs)} are not supported on RaggedArrays"
        raise NotImplementedError(msg)
    return clip(a, a_min, a_max)


def _bound(x: Any, bound: Any, *, low: bool) -> Any:
    """None for a Python int beyond the side of ``x``'s integer dtype it bounds (NumPy 2's clip:
    ``clip(uint8, -1, 2)`` is ``clip(uint8, None, 2)``); any other int out of bounds raises."""
    if type(bound) is not int or not isinstance(x, RaggedArray):
        return bound
    dtype = x._backend.numpy_dtype(x._content.dtype)
    if dtype.kind not in "iu":
        return bound
    info = np.iinfo(dtype)
    return None if (bound < info.min if low else bound > info.max) else bound


@register("clip", "elementwise", numpy=(np.clip,), numpy_impl=_clip_numpy, options=True)
def clip(x: Any, /, min: Any = None, max: Any = None) -> Any:
    """Clamp every element to ``[min, max]`` (either may be None or an array that broadcasts).

    >>> import raggrad as rg
    >>> rg.clip(rg.array([[1, 5], [9]]), 2, 6).to_list()
    [[2, 5], [6]]
    """
    min, max = _bound(x, min, low=True), _bound(x, max, low=False)
    if min is None and max is None:
        return apply(_kernel_cache(lambda b: lambda c: c), (x,), "rg.clip")
    if min is None:
        return minimum(x, max)
    if max is None:
        return maximum(x, min)
    return minimum(maximum(x, min), max)


def _no_bools(
    get: Callable[[Backend], Callable[..., Any]], name: str
) -> Callable[[Backend], Callable[..., Any]]:
    """``get``'s kernel refusing booleans, as NumPy's ``round`` does (jax and torch raised their
    own errors, the array API module gave float16)."""

    def make(b: Backend) -> Callable[..., Any]:
        fn = get(b)

        def kernel(a: Any, **kwargs: Any) -> Any:
            if isinstance(a, bool) or (hasattr(a, "dtype") and b.numpy_dtype(a.dtype) == np.bool_):
                msg = f"{name}: booleans cannot be rounded (NumPy refuses them too); rg.astype them first"
                raise TypeError(msg)
            return fn(a, **kwargs)

        return kernel

    return _kernel_cache(make)


_ROUND = _no_bools(_np_kernel("round"), "np.round")


def _round_numpy(a: Any, decimals: int = 0, out: Any = None) -> Any:
    if out is not None:
        msg = "np.round: out= is not supported on RaggedArrays"
        raise NotImplementedError(msg)
    return apply(_ROUND, (a,), "np.round", decimals=decimals)


@register(
    "round",
    "elementwise-unary",
    numpy=(np.round, np.around),
    numpy_impl=_round_numpy,
    differentiable=False,
    options=True,
)
def round(x: Any, /) -> Any:
    """Round to the nearest integer, ties to even.

    >>> import raggrad as rg
    >>> rg.round(rg.array([[0.5, 1.5], [2.6]])).to_list()
    [[0.0, 2.0], [3.0]]
    """
    return apply(_RG_ROUND, (x,), "rg.round")


_RG_ROUND = _no_bools(_kernel_cache(lambda b: b.xp.round), "rg.round")


_ISCLOSE = _np_kernel("isclose")


@register("isclose", "elementwise", numpy=(np.isclose,), differentiable=False, options=True)
def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """Elementwise ``|a - b| <= atol + rtol * |b|`` with awkward broadcasting.

    >>> import raggrad as rg
    >>> rg.isclose(rg.array([[1.0], [2.0]]), rg.array([[1.0 + 1e-10], [2.1]])).to_list()
    [[True], [False]]
    """
    return apply(_ISCLOSE, (a, b), "rg.isclose", rtol=rtol, atol=atol, equal_nan=equal_nan)


@register("allclose", "elementwise", numpy=(np.allclose,), differentiable=False, options=True)
def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element of ``a`` is close to the one of ``b`` (same structure required).

    >>> import raggrad as rg
    >>> rg.allclose(rg.array([[1.0], []]), rg.array([[1.0], []]))
    True
    """
    close = isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not isinstance(close, RaggedArray):
        backend = _backends.backend_of(close)
        return bool(np.all(close) if backend is None else backend.xp.all(close))
    # rg.all leaves missing elements out (as awkward's ak.all) and never reads a bounded array's padding
    return bool(reductions.all(close, axis=None))


_NAN_TO_NUM = _np_kernel("nan_to_num")


@register("nan_to_num", "elementwise-unary", numpy=(np.nan_to_num,), options=True)
def nan_to_num(
    x: Any, copy: bool = True, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Any:
    """Replace NaN by ``nan`` and infinities by ``posinf``/``neginf`` (largest finite by default).

    >>> import raggrad as rg
    >>> rg.nan_to_num(rg.array([[float("nan"), 1.0], []])).to_list()
    [[0.0, 1.0], []]
    """
    return apply(_NAN_TO_NUM, (x,), "rg.nan_to_num", nan=nan, posinf=posinf, neginf=neginf)


@register("real", "elementwise-unary", numpy=(np.real,), options=True)
def real(x: Any, /) -> Any:
    """Real part.

    >>> import raggrad as rg
    >>> rg.real(rg.array([[1 + 2j], []])).to_list()
    [[1.0], []]
    """
    return apply(_np_kernel("real"), (x,), "rg.real")


@register("imag", "elementwise-unary", numpy=(np.imag,), options=True)
def imag(x: Any, /) -> Any:
    """Imaginary part.

    >>> import raggrad as rg
    >>> rg.imag(rg.array([[1 + 2j], []])).to_list()
    [[2.0], []]
    """
    return apply(_np_kernel("imag"), (x,), "rg.imag")
