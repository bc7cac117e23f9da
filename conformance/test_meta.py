"""Checks of the suite itself: every op has a spec, the derivative contract agrees with the
registry, the xfails files name real tests, and every checker can fail (a deliberately wrong
derivative or value injected here is reported)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import raggrad as rg  # noqa: E402
from raggrad._registry import REGISTRY, Op, Spec  # noqa: E402

from . import _harness as h  # noqa: E402
from . import test_derivatives as td  # noqa: E402
from . import test_jit_vmap as tj  # noqa: E402
from . import test_values as tv  # noqa: E402
from .conftest import XFAILS  # noqa: E402

DERIVATIVES = ("exact", "zero", "raises", "none")


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_op_has_a_spec(name: str) -> None:
    spec = REGISTRY[name].spec
    assert spec is not None, (
        f"op {name!r} ({REGISTRY[name].kind}) has no conformance spec; add one in conformance/specs/"
    )
    assert spec.derivative in DERIVATIVES, f"{name}: derivative={spec.derivative!r} not in {DERIVATIVES}"
    if spec.exempt is None:
        assert spec.reference is not None or "expected" in spec.extra or spec.awkward is not None, (
            f"{name}: a spec needs an oracle (reference, expected or awkward), or an exempt reason"
        )


@pytest.mark.parametrize("name", h.specced())
def test_derivative_contract_matches_registry(name: str) -> None:
    """A non-differentiable op refuses or has derivative zero; a differentiable one is checked."""
    op = h.op(name)
    spec = op.spec
    if op.differentiable:
        assert spec.derivative in ("exact", "raises"), (
            f"{name}: differentiable but spec says {spec.derivative}"
        )
    else:
        assert spec.derivative in ("zero", "raises"), (
            f"{name}: the registry marks it non-differentiable, yet its derivative is {spec.derivative!r} "
            "(JAX differentiates it, and correctly): the registry flag and the behaviour disagree"
        )


def test_xfail_entries_name_registered_ops() -> None:
    tests = {
        "test_forward_matches_reference",
        "test_forward_matches_awkward",
        "test_forward_matches_numpy_backend",
        "test_jvp_matches_finite_differences",
        "test_vjp_is_transpose_of_jvp",
        "test_grad_matches_finite_differences",
        "test_second_order_matches_finite_differences",
        "test_nondifferentiable_op_refuses_grad",
        "test_jit_matches_eager",
        "test_vmap_matches_loop",
        "test_derivative_contract_matches_registry",
        "test_every_op_has_a_spec",
    }
    for backend, entries in XFAILS.items():
        for key in entries:
            test, _, rest = key.partition("[")
            known = rest.rstrip("]") in REGISTRY or rest.rstrip("]") in h.EXTRA_OPS
            assert test in tests and known, f"xfails-{backend}.txt: stale entry {key!r}"


# ---- every checker can fail ---------------------------------------------------------------------
@jax.custom_jvp
def _sin_wrong_sign(c: Any) -> Any:
    return jnp.sin(c)


@_sin_wrong_sign.defjvp
def _sin_wrong_sign_jvp(primals: Any, tangents: Any) -> Any:
    return jnp.sin(primals[0]), -jnp.cos(primals[0]) * tangents[0]


@jax.custom_jvp
def _cos_wrong_derivative(c: Any) -> Any:
    return jnp.cos(c)


@_cos_wrong_derivative.defjvp
def _cos_wrong_derivative_jvp(primals: Any, tangents: Any) -> Any:
    return jnp.cos(primals[0]), 2.0 * jnp.sin(primals[0]) * tangents[0]


@jax.custom_jvp
def _sin_wrong_second(c: Any) -> Any:
    return jnp.sin(c)


@_sin_wrong_second.defjvp
def _sin_wrong_second_jvp(primals: Any, tangents: Any) -> Any:
    return jnp.sin(primals[0]), _cos_wrong_derivative(primals[0]) * tangents[0]


def _on_content(kernel: Any) -> Any:
    def op(x: Any) -> Any:
        if x.backend == "numpy":
            return rg.sin(x)
        return jax.tree.unflatten(jax.tree.structure(x), [kernel(x.values)])

    return op


def _traced_differs(x: Any) -> Any:
    if isinstance(x.values, jax.core.Tracer):
        return rg.add(rg.sin(x), 1.0)
    return rg.sin(x)


def _fake(monkeypatch: pytest.MonkeyPatch, func: Any) -> str:
    name = "conformance_fake_sin"
    spec = Spec(reference=np.sin, awkward=np.sin)
    monkeypatch.setitem(REGISTRY, name, Op(name, "elementwise-unary", func, spec=spec))
    return name


def _fails(check: Any, name: str, *extra: Any) -> None:
    @h.checker_settings()
    @given(data=st.data())
    def run(data: Any) -> None:
        check(name, REGISTRY[name].func, *extra, data)

    with pytest.raises(AssertionError):
        run()


from ._devices import DEVICES, KERNELS, on_device  # noqa: E402

DEVICE = DEVICES[0]


@pytest.mark.parametrize("name", ["sum"])
@pytest.mark.parametrize("device", [d for d in DEVICES if d.endswith(KERNELS)])
def test_kernel_items_run_with_the_segment_kernels(name: str, device: str) -> None:
    """A ``+kernels`` item really reduces with the Pallas kernels (else it would test xla twice)."""
    from raggrad._backends._jax import JaxBackend

    assert JaxBackend.kernels == ("interpret" if on_device(device).platform == "cpu" else "pallas")
    x = rg.to_backend(rg.array([[1.0, 2.0], [], [3.0]]), "jax", device=on_device(device))
    assert "raggrad_segment_sum" in str(jax.make_jaxpr(lambda x: rg.sum(x, axis=1))(x))
    assert rg.sum(x, axis=1).to_list() == [3.0, 0.0, 3.0]


def test_plain_items_run_without_the_segment_kernels() -> None:
    from raggrad._backends._jax import JaxBackend

    assert JaxBackend.kernels == "xla"


def test_wrong_first_derivative_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, _on_content(_sin_wrong_sign))
    _fails(td.check_jvp, name, DEVICE)
    _fails(td.check_grad, name, DEVICE)


def test_wrong_second_derivative_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, _on_content(_sin_wrong_second))
    _fails(td.check_second_order, name, DEVICE)


def test_vjp_that_is_not_the_transpose_is_reported() -> None:
    # custom_jvp rules are transposed by JAX itself, so inject the mismatch at the identity
    t, ct = [np.array([1.0, 2.0])], [np.array([0.5, -1.0])]
    with pytest.raises(AssertionError):
        td.assert_transpose(lambda t: t, lambda ct: [2 * c for c in ct], t, ct, "fake", "")


def test_wrong_value_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, lambda x: rg.add(rg.sin(x), 1e-6))
    _fails(tv.check_reference, name)


def test_backend_mismatch_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, lambda x: rg.sin(x) if x.backend == "numpy" else rg.cos(x))
    _fails(tv.check_backends, name, DEVICE)


def test_jit_mismatch_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, _traced_differs)
    _fails(tj.check_jit, name, DEVICE)


def test_vmap_mismatch_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, _traced_differs)
    _fails(tj.check_vmap, name, DEVICE)
