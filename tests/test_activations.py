"""sigmoid, log_sigmoid, softplus, relu: values against jax.nn, finite values and first and second
derivatives in float32 at any magnitude, every backend, bounded arrays, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import raggrad as rg
from raggrad._registry import REGISTRY

NAMES = ["sigmoid", "log_sigmoid", "softplus", "relu"]
#: far into both tails, around 0 and exactly 0; the pair masses of the bug report went up to 1e3
WIDE = [-1e4, -1e3, -100.0, -30.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 30.0, 100.0, 1e3, 1e4]
REFERENCES = {
    "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "log_sigmoid": lambda v: -np.logaddexp(0.0, -v),
    "softplus": lambda v: np.logaddexp(0.0, v),
    "relu": lambda v: np.maximum(v, 0.0),
}


@pytest.mark.parametrize("name", NAMES)
def test_registered_as_elementwise_unary_ops(name: str) -> None:
    op = REGISTRY[name]
    assert op.kind == "elementwise-unary" and op.differentiable and getattr(rg, name) is op.func


@pytest.mark.parametrize("name", NAMES)
def test_values_keep_the_lists_and_match_float64_references(name: str) -> None:
    lists = [WIDE[:5], [], WIDE[5:]]
    out = getattr(rg, name)(rg.array(lists))
    assert out.type == "3 * var * float64"
    with np.errstate(over="ignore"):  # the reference's own exp(1e4)
        expected = REFERENCES[name](np.asarray(WIDE))
    np.testing.assert_allclose(np.asarray(out.values), expected, rtol=1e-14, atol=1e-300)


def test_integers_give_floats_and_relu_keeps_integers() -> None:
    x = rg.array([[-2, 0, 3], []])
    assert rg.sigmoid(x).type == "2 * var * float64"
    assert rg.relu(x).to_list() == [[0, 0, 3], []] and rg.relu(x).type == "2 * var * int64"
    nan = rg.relu(rg.array([[math.nan, -1.0]])).to_list()[0]
    assert math.isnan(nan[0]) and nan[1] == 0.0  # NaN stays NaN, as jax.nn.relu and torch.relu


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", [[True, False], [1 + 2j]])
def test_booleans_and_complex_numbers_are_refused(name: str, value: list) -> None:
    with pytest.raises(TypeError, match=f"rg.{name}: expected an array of real numbers"):
        getattr(rg, name)(rg.array([value]))


@pytest.mark.parametrize("name", NAMES)
def test_bounded_padding_stays_zero(name: str) -> None:
    x = rg.array([[-1.5, 0.5], [], [2.0]])
    b = rg.with_capacity(x)
    out = getattr(rg, name)(b)
    assert rg.is_bounded(out) and out.to_list() == getattr(rg, name)(x).to_list()
    assert np.all(np.asarray(out.values)[3:] == 0.0)


# ---- float32 stability, derivatives ---------------------------------------------------------------
jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

JAX_NN = {
    "sigmoid": jax.nn.sigmoid,
    "log_sigmoid": jax.nn.log_sigmoid,
    "softplus": jax.nn.softplus,
    "relu": jax.nn.relu,
}


def _scalar(name: str):
    fn = getattr(rg, name)
    return lambda s: fn(rg.array(jnp.reshape(s, (1,)))).values[0]


@pytest.mark.parametrize("name", NAMES)
def test_float32_values_and_two_derivatives_are_finite_and_match_jax_nn(name: str) -> None:
    v = jnp.asarray(WIDE, dtype=jnp.float32)
    f, ref = _scalar(name), JAX_NN[name]
    for order in range(3):
        ours, theirs = jax.vmap(f)(v), jax.vmap(ref)(v)
        assert ours.dtype == jnp.float32 and bool(jnp.all(jnp.isfinite(ours))), (order, ours)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=2e-6, atol=1e-7)
        f, ref = jax.grad(f), jax.grad(ref)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_of_a_ragged_loss_is_finite_in_float32(name: str) -> None:
    offsets = np.array([0, 4, 4, 13])
    fn = getattr(rg, name)

    def loss(content: jax.Array) -> jax.Array:
        return rg.sum(rg.sum(fn(rg.from_offsets(offsets, content)), axis=1) ** 2)

    v = jnp.asarray(WIDE, dtype=jnp.float32)
    grad, hess = jax.grad(loss)(v), jax.hessian(loss)(v)
    assert bool(jnp.all(jnp.isfinite(grad))) and bool(jnp.all(jnp.isfinite(hess)))
    assert jax.jit(jax.hessian(loss))(v).shape == (13, 13)


def test_the_textbook_sigmoid_gives_the_nan_gradient_this_one_avoids() -> None:
    masses = rg.array([[-1000.0, 3.0], [], [1000.0]], backend="jax")
    assert masses.dtype == jnp.float32

    def naive(x: rg.RaggedArray) -> jax.Array:
        return rg.sum(1 / (1 + np.exp(-x)))

    assert math.isnan(jax.grad(naive)(masses).to_list()[0][0])  # inf / inf at -1000
    grad = jax.grad(lambda x: rg.sum(rg.sigmoid(x)))(masses).to_list()
    assert grad[0][0] == 0.0 and grad[2][0] == 0.0 and grad[0][1] == pytest.approx(0.0451766, rel=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_at_zero_matches_jax_nn(name: str) -> None:
    # the one-sided forms are exact at 0: sigmoid' = 1/4, softplus' = 1/2, relu' = 0 (jax.nn's choice)
    assert float(jax.grad(_scalar(name))(jnp.float32(0.0))) == float(jax.grad(JAX_NN[name])(jnp.float32(0.0)))


@pytest.mark.parametrize("name", NAMES)
def test_jit_and_bounded_arrays_under_jit(name: str) -> None:
    fn = getattr(rg, name)
    x = rg.array([[-50.0, 0.5], [], [20.0]], backend="jax")
    b = rg.with_capacity(x)
    assert jax.jit(fn)(x).to_list() == fn(x).to_list() == jax.jit(fn)(b).to_list()
    g = rg.grad(lambda v: rg.sum(fn(v)))(b)
    assert g.to_list() == jax.grad(lambda v: rg.sum(fn(v)))(x).to_list()


@pytest.mark.parametrize("name", NAMES)
def test_torch_values_and_backward(name: str) -> None:
    torch = pytest.importorskip("torch")
    t = torch.tensor(WIDE, dtype=torch.float32, requires_grad=True)
    x = rg.from_offsets(np.array([0, 4, 4, 13]), t)
    out = getattr(rg, name)(x)
    torch_ref = {
        "sigmoid": torch.sigmoid,
        "log_sigmoid": torch.nn.functional.logsigmoid,
        "softplus": torch.nn.functional.softplus,
        "relu": torch.relu,
    }[name]
    np.testing.assert_allclose(
        out.values.detach().numpy(), torch_ref(t).detach().numpy(), rtol=2e-6, atol=1e-7
    )
    out.values.sum().backward()
    assert bool(torch.isfinite(t.grad).all())
