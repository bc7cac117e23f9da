"""Derivatives on the jax backend in float64, on every device: jvp against central finite
differences, vjp as the transpose of jvp, grad of a random scalarisation, second order, and the
refusal to differentiate what has no derivative."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import raggrad as rg  # noqa: E402

from . import _harness as h  # noqa: E402
from ._autodiff import H, Problem, flat, vdot  # noqa: E402
from ._devices import DEVICES, on_device  # noqa: E402

DIFF = h.specced(h.differentiated)
#: derivative checks trace anew per example: fewer examples than the value checks
DERIVATIVE_SCALE = 1 / 3
SMOOTH = h.specced(lambda op, spec: h.differentiated(op, spec) and spec.smooth and spec.derivative == "exact")


def _problem(name: str, func: Any, device: str, data: Any) -> tuple[Problem, np.random.Generator, str]:
    spec = h.op(name).spec
    args, kwargs = h.inputs(spec, data)
    snippet = h.record(name, args, kwargs)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    return Problem(func, spec, args, kwargs, on_device(device)), rng, snippet


def _tolerance(p: Problem, rtol: float, expected: np.ndarray) -> np.ndarray:
    atol = p.spec.extra.get("fd_atol", 1e-7) * p.scale()
    return atol + p.spec.extra.get("fd_rtol", rtol) * np.abs(expected)


def check_jvp(name: str, func: Any, device: str, data: Any) -> None:
    with jax.enable_x64(True):
        p, rng, snippet = _problem(name, func, device, data)
        t = p.random_like(p.primals, rng)
        _, tangent = jax.jvp(p.f, p.primals, t)
        plus, minus = p.f(*p.shift(t, H)), p.f(*p.shift(t, -H))
        for k, (tan, a, b, m) in enumerate(
            zip(p.float_leaves(tangent), p.float_leaves(plus), p.float_leaves(minus), p.mask, strict=True)
        ):
            with np.errstate(invalid="ignore"):  # inf - inf at masked (non-finite) outputs
                fd = (np.asarray(a) - np.asarray(b)) / (2 * H)
            fd = np.where(m, 0.0, fd)
            if p.spec.derivative == "zero":
                h.assert_values_close(
                    tan,
                    np.zeros_like(fd),
                    0,
                    0,
                    f"jvp of rg.{name} (output {k}) must be exactly zero",
                    snippet,
                )
            h.assert_values_close(
                tan,
                fd,
                0,
                _tolerance(p, 1e-5, fd),
                f"jvp of rg.{name} (output {k}) vs central finite differences",
                snippet,
                mask=m,
            )
        oracle = p.spec.extra.get("jvp")
        if oracle is not None:  # exact where finite differences cannot judge (ties, jumps)
            tangents: list[Any] = [None] * len(p.np_args)
            for i, ti in zip(p.diff, t, strict=True):
                tangents[i] = rg.to_backend(ti, "numpy")
            h.assert_nested_close(
                h.to_lists(tangent),
                oracle(p.np_args, p.kwargs_np, tangents),
                1e-12,
                1e-12,
                f"jvp of rg.{name} vs its exact reference (spec.extra['jvp'])",
                snippet,
            )


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", DIFF)
@h.checker_settings(DERIVATIVE_SCALE)
@h.canonical_first
@given(data=st.data())
def test_jvp_matches_finite_differences(name: str, device: str, data: Any) -> None:
    check_jvp(name, h.call(name), device, data)


def assert_transpose(jvp_fn: Any, vjp_fn: Any, t: Any, ct: Any, what: str, snippet: str) -> None:
    """``<vjp(ct), t> == <ct, jvp(t)>``."""
    lhs, lscale = vdot(vjp_fn(ct), t)
    rhs, rscale = vdot(ct, jvp_fn(t))
    # relative to the products summed, plus a floor for maps whose terms cancel: the variance of
    # equal values has a Jacobian of rounding size, and each side is then rounding noise
    floor = 1e-14 * float(np.linalg.norm(flat(ct)) * np.linalg.norm(flat(t)))
    tol = 1e-10 * (lscale + rscale) + floor + 1e-300
    assert abs(lhs - rhs) <= tol, f"{what}: <vjp(ct), t> = {lhs!r} but <ct, jvp(t)> = {rhs!r}\n{snippet}"


def check_transpose(name: str, func: Any, device: str, data: Any) -> None:
    with jax.enable_x64(True):
        p, rng, snippet = _problem(name, func, device, data)
        out, vjp = jax.vjp(p.f, *p.primals)
        t = p.random_like(p.primals, rng)
        leaves, treedef = jax.tree.flatten(out)
        ct_leaves = [
            jnp.asarray(rng.standard_normal(np.shape(l)), l.dtype)
            if i in p.out_float
            else np.zeros(np.shape(l), jax.dtypes.float0)
            for i, l in enumerate(leaves)
        ]
        ct = jax.tree.unflatten(treedef, ct_leaves)
        float_ct = [ct_leaves[i] for i in p.out_float]

        def jvp_fn(t: Any) -> Any:
            return p.float_leaves(jax.jvp(p.f, p.primals, t)[1])

        assert_transpose(jvp_fn, lambda _: vjp(ct), t, float_ct, f"rg.{name}", snippet)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", DIFF)
@h.checker_settings(DERIVATIVE_SCALE)
@h.canonical_first
@given(data=st.data())
def test_vjp_is_transpose_of_jvp(name: str, device: str, data: Any) -> None:
    check_transpose(name, h.call(name), device, data)


def check_grad(name: str, func: Any, device: str, data: Any) -> None:
    with jax.enable_x64(True):
        p, rng, snippet = _problem(name, func, device, data)
        g = p.scalarisation(rng)
        grads = jax.grad(g, argnums=tuple(range(len(p.primals))))(*p.primals)
        t = p.random_like(p.primals, rng)
        directional, scale = vdot(grads, t)
        fd = (float(g(*p.shift(t, H))) - float(g(*p.shift(t, -H)))) / (2 * H)
        tol = 1e-5 * abs(fd) + 1e-7 * (1 + scale) * p.scale()
        assert abs(directional - fd) <= tol, (
            f"grad of a random scalarisation of rg.{name}: <grad, t> = {directional!r}, "
            f"finite differences {fd!r} (tol {tol:.3g})\n{snippet}"
        )


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", DIFF)
@h.checker_settings(DERIVATIVE_SCALE)
@h.canonical_first
@given(data=st.data())
def test_grad_matches_finite_differences(name: str, device: str, data: Any) -> None:
    check_grad(name, h.call(name), device, data)


def check_second_order(name: str, func: Any, device: str, data: Any) -> None:
    with jax.enable_x64(True):
        p, rng, snippet = _problem(name, func, device, data)
        g = p.scalarisation(rng)
        argnums = tuple(range(len(p.primals)))
        grad = jax.grad(g, argnums=argnums)
        t = p.random_like(p.primals, rng)
        _, hvp = jax.jvp(grad, p.primals, tuple(t))
        # the four-point central difference: the two-point one's truncation error (eps**2 / 6
        # times the third derivative) reaches 2e-3 of the value for a near-lightlike vector (mass
        # 5 at an energy of 125, rg.vector.mass); the four-point one's stays below 1e-5 there
        eps = 1e-5
        plus, minus, plus2, minus2 = (flat(grad(*p.shift(t, k * eps))) for k in (1, -1, 2, -2))
        fd = (8 * (plus - minus) - (plus2 - minus2)) / (12 * eps)
        tol = 1e-4 * np.abs(fd) + 1e-6 * p.scale() * (1 + np.max(np.abs(fd), initial=0))
        h.assert_values_close(
            flat(hvp), fd, 0, tol, f"jvp of grad of rg.{name} vs finite differences of grad", snippet
        )


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", SMOOTH)
@h.checker_settings(DERIVATIVE_SCALE)
@h.canonical_first
@given(data=st.data())
def test_second_order_matches_finite_differences(name: str, device: str, data: Any) -> None:
    check_second_order(name, h.call(name), device, data)


def _refuses(op: Any, spec: Any) -> bool:
    return spec.derivative == "raises"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", h.specced(_refuses))
@h.checker_settings(DERIVATIVE_SCALE)
@h.canonical_first
@given(data=st.data())
def test_nondifferentiable_op_refuses_grad(name: str, device: str, data: Any) -> None:
    spec = h.op(name).spec
    args, kwargs = h.inputs(spec, data)
    snippet = h.record(name, args, kwargs)
    with jax.enable_x64(True):
        jargs, jkwargs = h.to_device(args, kwargs, on_device(device))
        ragged = [i for i, a in enumerate(jargs) if hasattr(a, "values")]
        # differentiate with respect to every ragged argument, cast to float as a user would try
        floats = [jax.tree.map(lambda a: a.astype(jnp.float64), jargs[i]) for i in ragged]

        def g(*xs: Any) -> Any:
            call = list(jargs)
            for i, x in zip(ragged, xs, strict=True):
                call[i] = _cast(x, jargs[i])
            out = h.call(name)(*call, **jkwargs)
            return sum(jnp.sum(jnp.asarray(leaf)) for leaf in jax.tree.leaves(out))

        with pytest.raises((TypeError, ValueError, NotImplementedError)):
            grads = jax.grad(g, argnums=tuple(range(len(floats))))(*floats)
            pytest.fail(f"jax.grad of rg.{name} returned {grads} instead of raising\n{snippet}")


def _cast(x: Any, like: Any) -> Any:
    return jax.tree.map(lambda a, b: a.astype(b.dtype), x, like)
