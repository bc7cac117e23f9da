"""Specs of the elementwise ops: NumPy's ufunc is the per-list reference and, through awkward's
NEP-13 support, the awkward counterpart.

Domains keep each function well inside where it is finite and well conditioned (logs on
positives, ``acos`` in (-1, 1), divisors away from zero). ``kink`` marks elements within
``_TOL`` of a point where the function is not differentiable, so finite differences skip them.

Derivative contract for ops the registry marks non-differentiable: integer/bool outputs, and
functions JAX has no rule for (``spacing``, ``nextafter``), must refuse differentiation
(``"raises"``); piecewise-constant functions with float outputs (``floor``, ``sign``, ``round``,
...) have derivative zero almost everywhere, which is what JAX gives, so their contract is
``"zero"``, checked against finite differences away from the jumps.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

import raggrad as rg
from raggrad._registry import Spec
from raggrad.testing import strategies as rst

from .. import _harness as h
from .reductions import PLAIN, PLAIN_MASK, SAME, arr

_TOL = 1e-3
F = ("float64",)
I = ("int64",)
B = ("bool",)


def _ufunc_awkward(ufunc: np.ufunc) -> Any:
    return lambda *args, **kwargs: ufunc(*args, **kwargs)


def _near(d: Any, tol: float = _TOL) -> Any:
    return rg.less(rg.abs(d), tol)


def _near_integer(x: Any) -> Any:
    return _near(rg.subtract(x, rg.round(x)))


def _near_half(x: Any) -> Any:
    return _near(rg.subtract(rg.subtract(x, rg.floor(x)), 0.5))


def _near_zero(x: Any, *rest: Any) -> Any:
    return _near(x)


def _near_equal(x: Any, y: Any) -> Any:
    return _near(rg.subtract(x, y))


def _near_multiple(x: Any, y: Any) -> Any:
    return _near_integer(rg.divide(x, y))


def _either_zero(x: Any, y: Any) -> Any:
    return rg.logical_or(_near(x), _near(y))


def _near_power_of_two(x: Any) -> Any:
    return rg.logical_or(_near(x, 0.05), _near_integer(rg.log2(rg.abs(rg.where(_near(x, 0.05), 1.0, x)))))


def unary(ufunc: np.ufunc, domain: Any = (-3.0, 3.0), **kw: Any) -> Spec:
    return Spec(reference=ufunc, domain=domain, awkward=_ufunc_awkward(ufunc), arity=1, **kw)


def binary(ufunc: np.ufunc, domain: Any = (-3.0, 3.0), **kw: Any) -> Spec:
    return Spec(reference=ufunc, domain=domain, awkward=_ufunc_awkward(ufunc), arity=2, **kw)


def _zeros_first(spec: Spec) -> Spec:
    """``spec`` whose canonical example has every third element of the first argument at 0, where
    the op's derivative has a rule of its own (``ldexp``: ``2**n``, not ``jnp.ldexp``'s 1)."""

    def examples() -> list[tuple[list[Any], dict[str, Any]]]:
        ((args, kwargs),) = h.elementwise_examples(spec)

        def every_third(c: Any) -> Any:
            return np.where(np.arange(c.shape[0]) % 3 == 0, 0.0, c).astype(c.dtype)

        return [([rg.map_values(every_third, args[0]), *args[1:]], kwargs)]

    spec.extra["examples"] = examples
    return spec


POS = (0.1, 4.0)
UNIT = (-0.9, 0.9)
DIVISOR = ((-3.0, 3.0), (0.5, 3.0))
ZERO = {"derivative": "zero"}

SPECS: dict[str, Spec] = {
    "abs": unary(np.absolute, kink=_near_zero),
    "acos": unary(np.arccos, UNIT),
    "acosh": unary(np.arccosh, (1.1, 4.0)),
    "asin": unary(np.arcsin, UNIT),
    "asinh": unary(np.arcsinh),
    "atan": unary(np.arctan),
    "atanh": unary(np.arctanh, UNIT),
    "bitwise_count": unary(np.bitwise_count, (-100, 100), dtypes=I, derivative="raises"),
    "bitwise_invert": unary(np.invert, (-100, 100), dtypes=I, derivative="raises"),
    "cbrt": unary(np.cbrt, (0.05, 3.0)),  # the derivative is infinite at 0
    "ceil": unary(np.ceil, kink=_near_integer, **ZERO),
    "conj": unary(np.conjugate),
    "cos": unary(np.cos),
    "cosh": unary(np.cosh),
    "deg2rad": unary(np.deg2rad),
    "degrees": unary(np.degrees),
    "radians": unary(np.radians),
    "exp": unary(np.exp),
    "exp2": unary(np.exp2),
    "expm1": unary(np.expm1),
    "fabs": unary(np.fabs, kink=_near_zero),
    "floor": unary(np.floor, kink=_near_integer, **ZERO),
    "isfinite": unary(np.isfinite, derivative="raises"),
    "isinf": unary(np.isinf, derivative="raises"),
    "isnan": unary(np.isnan, derivative="raises"),
    "log": unary(np.log, POS),
    "log10": unary(np.log10, POS),
    "log1p": unary(np.log1p, (-0.9, 3.0)),
    "log2": unary(np.log2, POS),
    "logical_not": unary(np.logical_not, dtypes=B, derivative="raises"),
    "negative": unary(np.negative),
    "positive": unary(np.positive),
    "rad2deg": unary(np.rad2deg),
    "reciprocal": unary(np.reciprocal, (0.2, 3.0)),
    "rint": unary(np.rint, kink=_near_half, **ZERO),
    "sign": unary(np.sign, kink=_near_zero, **ZERO),
    "signbit": unary(np.signbit, derivative="raises"),
    "sin": unary(np.sin),
    "sinh": unary(np.sinh),
    "spacing": unary(np.spacing, derivative="raises"),
    "sqrt": unary(np.sqrt, (0.05, 5.0)),
    "square": unary(np.square),
    "tan": unary(np.tan, (-1.2, 1.2)),
    "tanh": unary(np.tanh),
    "trunc": unary(np.trunc, kink=_near_integer, **ZERO),
    "round": unary(np.round, kink=_near_half, **ZERO),
    "nan_to_num": Spec(reference=np.nan_to_num, awkward=_ufunc_awkward(np.nan_to_num)),
    "real": unary(np.real),
    "imag": unary(np.imag),
    "frexp": unary(np.frexp, kink=_near_power_of_two, smooth=False, extra={"nout": 2}),
    "modf": unary(np.modf, kink=_near_integer, extra={"nout": 2}),
    # binary
    "add": binary(np.add),
    "subtract": binary(np.subtract),
    "multiply": binary(np.multiply),
    "divide": binary(np.divide, DIVISOR),
    # y > 0 keeps clear of the origin (NaN derivative) and of the branch cut on y = 0, x < 0
    "atan2": binary(np.arctan2, ((-3.0, 3.0), (0.2, 3.0))),
    "bitwise_and": binary(np.bitwise_and, (-100, 100), dtypes=I, derivative="raises"),
    "bitwise_or": binary(np.bitwise_or, (-100, 100), dtypes=I, derivative="raises"),
    "bitwise_xor": binary(np.bitwise_xor, (-100, 100), dtypes=I, derivative="raises"),
    "bitwise_left_shift": binary(np.left_shift, ((-100, 100), (0, 8)), dtypes=I, derivative="raises"),
    "bitwise_right_shift": binary(np.right_shift, ((-100, 100), (0, 8)), dtypes=I, derivative="raises"),
    "copysign": binary(np.copysign, kink=_either_zero),
    "equal": binary(np.equal, derivative="raises"),
    "not_equal": binary(np.not_equal, derivative="raises"),
    "greater": binary(np.greater, derivative="raises"),
    "greater_equal": binary(np.greater_equal, derivative="raises"),
    "less": binary(np.less, derivative="raises"),
    "less_equal": binary(np.less_equal, derivative="raises"),
    "float_power": binary(np.float_power, ((0.2, 3.0), (-2.0, 2.0))),
    "pow": binary(np.power, ((0.2, 3.0), (-2.0, 2.0))),
    "floor_divide": binary(np.floor_divide, DIVISOR, kink=_near_multiple, **ZERO),
    "fmod": binary(np.fmod, DIVISOR, kink=_near_multiple),
    "remainder": binary(np.remainder, DIVISOR, kink=_near_multiple),
    "divmod": binary(np.divmod, DIVISOR, kink=_near_multiple, smooth=False, extra={"nout": 2}),
    "fmax": binary(np.fmax, kink=_near_equal),
    "fmin": binary(np.fmin, kink=_near_equal),
    "maximum": binary(np.maximum, kink=_near_equal),
    "minimum": binary(np.minimum, kink=_near_equal),
    "gcd": binary(np.gcd, (-30, 30), dtypes=I, derivative="raises"),
    "lcm": binary(np.lcm, (-30, 30), dtypes=I, derivative="raises"),
    # heaviside(0, x2) = x2: derivative 1 with respect to x2 where x1 == 0 (the jump of x1 is
    # masked for finite differences and checked exactly by _heaviside_jvp), else 0
    "heaviside": binary(np.heaviside, kink=_near_zero),
    "hypot": binary(np.hypot, ((-3.0, 3.0), (0.2, 3.0))),  # NaN derivative at the origin
    "ldexp": _zeros_first(binary(np.ldexp, ((-3.0, 3.0), (-4, 4)), dtypes=("float64", "int64"))),
    "logaddexp": binary(np.logaddexp),
    "logaddexp2": binary(np.logaddexp2),
    "logical_and": binary(np.logical_and, dtypes=B, derivative="raises"),
    "logical_or": binary(np.logical_or, dtypes=B, derivative="raises"),
    "logical_xor": binary(np.logical_xor, dtypes=B, derivative="raises"),
    "nextafter": binary(np.nextafter, derivative="raises"),
    "isclose": Spec(reference=np.isclose, arity=2, derivative="raises"),
}


# ---- ops with their own inputs -----------------------------------------------------------------
def _where_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    x = draw(
        rst.ragged_arrays(depth=draw(st.sampled_from((1, 2))), max_outer=5, max_list_length=4, huge_length=60)
    )
    cond = draw(rst.where_masks(x))
    y = draw(st.one_of(rst.same_structure(x), st.floats(-3, 3)))
    return (cond, x, y), {}


def _clip_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    x = draw(
        rst.ragged_arrays(depth=draw(st.sampled_from((1, 2))), max_outer=5, max_list_length=4, huge_length=60)
    )
    lo = draw(st.floats(-2, 0))
    return (x,), {"min": lo, "max": lo + draw(st.floats(0.5, 2))}


def _gufunc_inputs(x_inner: tuple[int, ...], w_shape: tuple[int, ...]) -> Any:
    def inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        x = draw(
            rst.ragged_arrays(
                depth=draw(st.sampled_from((1, 2))),
                inner_shape=x_inner,
                max_outer=4,
                max_list_length=3,
                huge_length=30,
            )
        )
        w = draw(rst.same_structure(rg.array(np.zeros(w_shape)))).values
        return (x, w), {}

    return inputs


def _rowwise(fn: Any) -> Any:
    """Expected value of an op that acts on each innermost element (row) on its own."""

    def expected(args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, w = args
        out = fn(np.asarray(x.values), w)
        return _like(x, out)

    return expected


def _like(x: Any, content: np.ndarray) -> Any:
    out: Any = rg.array(content)
    for level in reversed(x._structure.levels):
        out = rg.from_offsets(level.offsets, out)
    return out.to_list()


SPECS |= {
    "where": Spec(
        reference=np.where,
        arity=3,
        inputs=_where_inputs,
        awkward=lambda c, x, y: __import__("awkward").where(c, x, y),
        # ak.where cannot broadcast a missing list against a list ("cannot broadcast nested list")
        extra={"missing_lists": False},
    ),
    "clip": Spec(
        reference=lambda x, min, max: np.clip(x, min, max),
        inputs=_clip_inputs,
        kink=lambda x, min, max: rg.logical_or(_near(rg.subtract(x, min)), _near(rg.subtract(x, max))),
    ),
    "allclose": Spec(
        arity=2,
        derivative="raises",
        extra={
            "expected": lambda args, kwargs: bool(np.allclose(args[0].values, args[1].values)),
            "no_jit": "returns a Python bool, which needs concrete values",
            "no_vmap": "returns a Python bool",
            "broadcast": False,
        },
    ),
    "matmul": Spec(inputs=_gufunc_inputs((3,), (3, 2)), extra={"expected": _rowwise(np.matmul)}),
    "vecdot": Spec(inputs=_gufunc_inputs((3,), (3,)), extra={"expected": _rowwise(np.vecdot)}),
    "matvec": Spec(inputs=_gufunc_inputs((2, 3), (3,)), extra={"expected": _rowwise(np.matvec)}),
    "vecmat": Spec(inputs=_gufunc_inputs((3,), (3, 2)), extra={"expected": _rowwise(np.vecmat)}),
}


# ---- canonical examples of the ops with their own inputs (the others: _harness.elementwise_examples)
def _heaviside_examples() -> list[Any]:
    x1 = arr([[0.0, -1.3, 2.1], [], [0.0, -0.9], [1.6], [-2.2, 0.0, 1.1]])
    x2 = arr([[0.4, 0.7, -0.2], [], [1.5, 0.3], [-0.6], [0.9, 2.2, -1.4]])
    return [((x1, x2), {})]


def _heaviside_jvp(args: list[Any], kwargs: dict[str, Any], tangents: list[Any]) -> Any:
    """``heaviside(x1, x2)`` is ``x2`` where ``x1 == 0``: the tangent of ``x2`` there, else 0."""
    t1, t2 = (0.0 if t is None else t for t in tangents)
    return h.nested_reference(lambda x1, x2, t1, t2: np.where(x1 == 0, t2 + 0 * t1, 0.0), [*args, t1, t2], {})


def _gufunc_examples(x_inner: tuple[int, ...], w_shape: tuple[int, ...]) -> Any:
    def examples() -> list[Any]:
        n = sum(h.CANONICAL_LENGTHS)
        x = h.ragged(h.spread("float64", -3.0, 3.0, n * math.prod(x_inner)).reshape(n, *x_inner))
        w = h.spread("float64", -3.0, 3.0, math.prod(w_shape), salt=1).reshape(w_shape)
        return [((x, w), {})]

    return examples


EXAMPLES: dict[str, Any] = {
    "heaviside": _heaviside_examples,
    "where": lambda: [((arr(PLAIN_MASK, "bool"), arr(PLAIN), arr(SAME)), {})],
    "clip": lambda: [((arr(PLAIN),), {"min": -1.0, "max": 1.5})],
    "matmul": _gufunc_examples((3,), (3, 2)),
    "vecdot": _gufunc_examples((3,), (3,)),
    "matvec": _gufunc_examples((2, 3), (3,)),
    "vecmat": _gufunc_examples((3,), (3, 2)),
}
SPECS["heaviside"] = dataclasses.replace(
    SPECS["heaviside"], extra=SPECS["heaviside"].extra | {"jvp": _heaviside_jvp}
)
SPECS = {
    name: dataclasses.replace(spec, extra=spec.extra | {"examples": EXAMPLES[name]})
    if name in EXAMPLES
    else spec
    for name, spec in SPECS.items()
}
