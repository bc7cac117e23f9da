"""The op registry: every public op registered once (DESIGN.md, principle 2).

An :class:`Op` records the op's public name, its NumPy counterparts (ufuncs for NEP-13, functions
for NEP-18), its awkward alias, its kind, whether it is differentiable, and its conformance spec.
The NumPy dispatch tables, the public namespace and the docs' op table are derived from, or
checked against, :data:`REGISTRY` (``tests/test_registry.py``). Registration checks itself when
the decorator runs, so a mistake fails at import.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

from ._errors import OptionTypeError

__all__ = [
    "KINDS",
    "REGISTRY",
    "Op",
    "Spec",
    "attach_spec",
    "convert",
    "converter",
    "numpy_functions",
    "on_handout",
    "provide",
    "provided",
    "register",
    "ufuncs",
]

_F = TypeVar("_F", bound=Callable[..., Any])

KINDS = (
    "elementwise-unary",
    "elementwise-binary",
    "elementwise",  # other arities (clip, where, ...)
    "reduction",
    "structural",
    "creation",
    "conversion",
    "dtype",
    "transform",  # functions of functions: rg.grad, rg.jvp, ...
)


@dataclasses.dataclass(frozen=True)
class Spec:
    """How the conformance suite exercises an op (interpreted by ``conformance/``).

    ``reference`` is a NumPy function applied to each innermost list (dense) of the inputs: the
    expected value. ``domain`` bounds generated values, one ``(low, high)`` pair for every
    argument or one for all; ``dtypes`` likewise. ``arity`` is the number of array arguments.
    ``awkward`` computes the same result from awkward Arrays (or is None where awkward has no
    counterpart). ``derivative`` is the differentiation contract: ``"exact"`` (checked against
    finite differences), ``"zero"`` (piecewise constant: zero almost everywhere), ``"raises"``
    (integer/bool outputs or no rule: differentiation is refused) or ``"none"`` (not checked, with
    the reason in ``exempt``). ``kink`` marks, for numpy inputs, the output elements too close to
    a point where the op is not differentiable for finite differences to be meaningful. ``smooth``
    enables second-order checks. ``inputs`` replaces the default input generator: a function of a
    hypothesis ``draw`` returning ``(args, kwargs)``. ``exempt`` explains why an op is not
    exercised at all. ``extra`` holds op-specific settings (``rtol``, ``atol``, ``broadcast``,
    ``depths``, ``fd_rtol``).
    """

    reference: Callable[..., Any] | None = None
    domain: tuple[Any, ...] = (-3.0, 3.0)
    smooth: bool = True
    dtypes: tuple[str, ...] = ("float64",)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    arity: int = 1
    awkward: Callable[..., Any] | None = None
    derivative: str = "exact"
    kink: Callable[..., Any] | None = None
    inputs: Callable[..., Any] | None = None
    exempt: str | None = None


@dataclasses.dataclass
class Op:
    name: str
    kind: str
    func: Callable[..., Any]
    ufuncs: tuple[np.ufunc, ...] = ()
    numpy: tuple[Callable[..., Any], ...] = ()
    numpy_impl: Callable[..., Any] | None = None
    awkward: str | None = None
    differentiable: bool = True
    doc: str = ""
    spec: Spec | None = None
    options: bool = False


REGISTRY: dict[str, Op] = {}
_UFUNCS: dict[np.ufunc, Op] = {}
_NUMPY: dict[Callable[..., Any], Callable[..., Any]] = {}


def register(
    name: str,
    kind: str,
    *,
    ufuncs: tuple[np.ufunc, ...] = (),
    numpy: tuple[Callable[..., Any], ...] = (),
    numpy_impl: Callable[..., Any] | None = None,
    numpy_signature: bool = False,
    awkward: str | None = None,
    differentiable: bool = True,
    spec: Spec | None = None,
    options: bool = False,
) -> Callable[[_F], _F]:
    """Register ``func`` as public op ``name``; returns ``func``, or for an op that does not take
    missing values (``options=False``) ``func`` behind a check that refuses them.

    ``ufuncs`` dispatch through NEP-13 and ``numpy`` functions through NEP-18, both to
    ``numpy_impl`` if given (NumPy's signature and semantics: ``np.ceil`` of integers is a float
    array), else to ``func``. ``numpy_signature=True`` makes that implementation from ``func``:
    a call is bound to the NumPy function's own signature and the arguments the caller passed are
    forwarded by name (``out=`` and arguments ``func`` lacks raise ``NotImplementedError``).
    ``options=True`` declares that the op takes arrays with missing values (``None``) and gives
    awkward's answer on them; any other op raises :class:`OptionTypeError` when given one, so no
    op drops a ``None`` silently.
    """
    if kind not in KINDS:
        msg = f"register({name!r}): kind {kind!r} is not one of {KINDS}"
        raise ValueError(msg)

    def decorator(func: _F) -> _F:
        nonlocal numpy_impl
        if not options:
            masked = kind != "creation"  # (rg.from_padded reads a masked array's padding itself)
            func = _refusing_options(func, name, masked)
            if numpy_impl is not None:
                numpy_impl = _refusing_options(numpy_impl, name, masked)
        impl = _numpy_adapter(numpy[0], func) if numpy_signature else numpy_impl
        old = REGISTRY.get(name)
        if old is not None:
            if not _same_source(old.func, func):
                msg = f"register: op {name!r} is registered twice"
                raise ValueError(msg)
            # the defining module ran again (pytest's doctest import, importlib.reload): replace
            _forget(old)
        op = Op(
            name,
            kind,
            func,
            tuple(ufuncs),
            tuple(numpy),
            impl,
            awkward,
            differentiable,
            (func.__doc__ or "").strip().split("\n")[0],
            spec,
            options,
        )
        for u in op.ufuncs:
            if not isinstance(u, np.ufunc):
                msg = f"register({name!r}): {u!r} is not a NumPy ufunc"
                raise TypeError(msg)
            if u in _UFUNCS:
                msg = f"register({name!r}): ufunc {u.__name__} already belongs to {_UFUNCS[u].name!r}"
                raise ValueError(msg)
        for f in op.numpy:
            if isinstance(f, np.ufunc) or not hasattr(f, "_implementation"):
                msg = f"register({name!r}): {f!r} is not a NumPy function that dispatches via NEP-18"
                raise TypeError(msg)
            if f in _NUMPY:
                msg = f"register({name!r}): {f.__name__} is already dispatched"
                raise ValueError(msg)
        REGISTRY[name] = op
        for u in op.ufuncs:
            _UFUNCS[u] = op
        for f in op.numpy:
            _NUMPY[f] = impl or func
        _hand_out(func, impl)
        return func

    return decorator


def _has_options(a: Any, masked: bool = True) -> bool:
    """Whether ``a`` (or an array in a list, tuple or dict ``a``) has missing values; with
    ``masked``, a NumPy masked array's masked entries count (``rg.array`` reads them so)."""
    if isinstance(a, (list, tuple)):
        # nested lists of numbers are parsed by the op, which refuses None there (``as_ragged``)
        scalars = (bool, int, float, complex, list)
        return any(_has_options(v, masked) for v in a if not isinstance(v, scalars))
    if isinstance(a, dict):
        return any(_has_options(v, masked) for v in a.values())
    if isinstance(a, np.ma.MaskedArray):
        return masked and bool(np.ma.getmaskarray(a).any())
    return getattr(getattr(a, "_structure", None), "masks", None) is not None


def _refusing_options(func: _F, name: str, masked: bool) -> _F:
    """``func`` behind a check that refuses arrays with missing values (``None``)."""

    @functools.wraps(func)
    def refusing(*args: Any, **kwargs: Any) -> Any:
        if any(_has_options(a, masked) for a in (*args, *kwargs.values())):
            msg = (
                f"rg.{name} does not take arrays with missing values (None); replace them with "
                "rg.fill_none(x, value) or remove them with rg.drop_none(x) first"
            )
            raise OptionTypeError(msg)
        return func(*args, **kwargs)

    return cast(_F, refusing)


def _numpy_adapter(np_func: Callable[..., Any], func: Callable[..., Any]) -> Callable[..., Any]:
    """NEP-18: bind a call to ``np_func``'s own signature and forward it to ``func`` by name.

    Only the arguments the caller passed are forwarded (NumPy's ``<no value>`` defaults stay
    ``func``'s defaults); the first parameter is passed positionally.
    """
    signature = inspect.signature(np_func)
    accepted = set(inspect.signature(func).parameters)
    name = f"np.{np_func.__name__}"

    def impl(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs).arguments
        first = bound.pop(next(iter(signature.parameters)))
        if bound.pop("out", None) is not None:
            msg = f"{name}: out= is not supported: RaggedArrays are immutable; use the return value"
            raise NotImplementedError(msg)
        extra = sorted(set(bound) - accepted)
        if extra:
            msg = f"{name}: {', '.join(e + '=' for e in extra)} not supported on RaggedArrays"
            raise NotImplementedError(msg)
        return func(first, **bound)

    impl.__name__ = f"{np_func.__name__}_adapter"
    return impl


def _same_source(a: Callable[..., Any], b: Callable[..., Any]) -> bool:
    key = ("__module__", "__qualname__")
    return a is b or all(getattr(a, k, None) == getattr(b, k, None) for k in key)


def _forget(op: Op) -> None:
    del REGISTRY[op.name]
    for u in op.ufuncs:
        _UFUNCS.pop(u, None)
    for f in op.numpy:
        _NUMPY.pop(f, None)


def attach_spec(name: str, spec: Spec) -> None:
    """Give a registered op its conformance spec (used where the spec needs test-only helpers)."""
    REGISTRY[name].spec = spec


# ---- what tracers see as one op -------------------------------------------------------------
_HOOKS: list[Callable[[Callable[..., Any]], None]] = []


def on_handout(hook: Callable[[Callable[..., Any]], None]) -> None:
    """Call ``hook(func)`` for every function the registry hands out (op functions, their NumPy
    implementations, provided implementations), now and for every one registered later.

    A tracer that must see each op as one call (the torch backend, for ``torch.compile``)
    registers them this way, without the registry knowing about it.
    """
    _HOOKS.append(hook)
    for op in REGISTRY.values():
        for func in (op.func, op.numpy_impl):
            if func is not None:
                hook(func)
    for func in _PROVIDED.values():
        hook(func)


def _hand_out(*funcs: Callable[..., Any] | None) -> None:
    for hook in _HOOKS:
        for func in funcs:
            if func is not None:
                hook(func)


def ufuncs() -> dict[np.ufunc, Op]:
    return _UFUNCS


def numpy_functions() -> dict[Callable[..., Any], Callable[..., Any]]:
    return _NUMPY


# ---- what the array core calls by name --------------------------------------------------------
# The array core (``_array``, ``_records``) sits below the op modules, so it cannot import them:
# ``x[i]`` needs the indexing op and ``rg.array`` of an awkward Array needs the awkward
# connection. Op modules *provide* those implementations here when they are imported (importing
# ``raggrad`` imports them all) and the core looks them up by name.
_PROVIDED: dict[str, Callable[..., Any]] = {}
_CONVERTERS: list[tuple[Callable[[Any], bool], Callable[[Any], Any]]] = []


def provide(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make ``func`` the implementation the array core calls as ``name`` (e.g. ``"getitem"``)."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        old = _PROVIDED.get(name)
        if old is not None and not _same_source(old, func):
            msg = f"provide: {name!r} is provided twice"
            raise ValueError(msg)
        _PROVIDED[name] = func
        _hand_out(func)
        return func

    return decorator


def provided(name: str) -> Callable[..., Any]:
    """The implementation provided as ``name``."""
    return _PROVIDED[name]


def converter(accepts: Callable[[Any], bool]) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register ``func`` to turn objects of a foreign array library into raggrad arrays.

    ``accepts(obj)`` must answer without importing the library (look in ``sys.modules`` first).
    """

    def decorator(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        _CONVERTERS[:] = [(a, f) for a, f in _CONVERTERS if not _same_source(f, func)]
        _CONVERTERS.append((accepts, func))
        return func

    return decorator


def convertible(obj: Any) -> bool:
    """Whether a registered converter accepts ``obj`` (an array of a foreign library)."""
    return any(accepts(obj) for accepts, _ in _CONVERTERS)


def convert(obj: Any) -> Any:
    """``obj`` converted by the first registered converter that accepts it, or None."""
    for accepts, func in _CONVERTERS:
        if accepts(obj):
            return func(obj)
    return None
