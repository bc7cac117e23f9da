"""Derivatives of reductions on the JAX backend: the custom rules, edges, integer outputs."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
from jax.test_util import check_grads  # noqa: E402

import raggrad as rg  # noqa: E402

OFFSETS = np.array([0, 3, 3, 5, 9])  # lists of 3, 0, 2 and 4 elements


def _on_lists(fn, offsets=OFFSETS, **kwargs):
    """``fn`` applied to the lists given by ``offsets`` over a flat content vector, content out."""

    def f(v):
        out = fn(rg.from_offsets(offsets, v), **kwargs)
        return out.values if isinstance(out, rg.RaggedArray) else out

    return f


def _check(f, v):
    check_grads(f, (v,), order=2, modes=("fwd", "rev"), atol=1e-6, rtol=1e-6)


# ---- prod --------------------------------------------------------------------------------
def test_prod_gradient_at_a_zero_is_the_product_of_the_others():
    x = rg.array([[-1.0, 2.0, 0.0], []], backend="jax")
    g = jax.grad(lambda v: rg.sum(rg.prod(v, axis=1)))(x)
    assert g.to_list() == [[0.0, 0.0, -2.0], []]


@pytest.mark.parametrize(
    "values",
    [
        [0.5, -1.5, 2.0, 1.2, 0.7, 1.1, -0.3, 0.9, 1.4],  # no zeros
        [0.0, -1.5, 2.0, 1.2, 0.0, 1.1, 0.0, 0.9, 1.4],  # one zero per list
        [0.0, 0.0, 2.0, 0.0, 0.0, 1.1, 0.0, 0.9, 0.0],  # two or three zeros per list
    ],
)
@pytest.mark.parametrize("axis", [1, 0])
def test_prod_rule_to_second_order(values, axis):
    with jax.enable_x64(True):
        v = jnp.asarray(values, dtype=jnp.float64)
        _check(_on_lists(rg.prod, axis=axis), v)


def test_prod_hessian_with_zeros_matches_jnp_prod():
    def ours(u):  # lists of 4, 0 and 2 elements: the rule must not mix lists
        return rg.sum(rg.prod(rg.from_offsets([0, 4, 4, 6], u), axis=1))

    hessian = jax.jit(jax.hessian(ours))
    with jax.enable_x64(True):
        for values in ([2.0, 0.0, 3.0, 0.0], [0.0, 1.5, -2.0, 4.0], [0.0, 0.0, 0.0, 5.0]):
            v = jnp.asarray(values)
            h = hessian(jnp.concatenate([v, jnp.asarray([0.0, 3.0])]))
            np.testing.assert_allclose(h[:4, :4], jax.hessian(jnp.prod)(v))
            np.testing.assert_allclose(h[:4, 4:], 0.0)
            np.testing.assert_allclose(h[4:, 4:], [[0.0, 1.0], [1.0, 0.0]])


# ---- max / min -----------------------------------------------------------------------------
def test_max_ties_split_evenly_as_jnp_max():
    x = rg.array([[1.0, 3.0, 3.0], [], [2.0, 2.0, 2.0, 0.0]], backend="jax")
    g = jax.grad(lambda v: rg.sum(rg.max(v, axis=1, initial=-10.0)))(x)
    np.testing.assert_allclose(g.values, [0.0, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3, 0.0], rtol=1e-6)
    np.testing.assert_allclose(g.values[:3], jax.grad(jnp.max)(jnp.asarray([1.0, 3.0, 3.0])))
    g = jax.grad(lambda v: rg.sum(rg.min(v, axis=0)))(x)
    assert g.to_list() == [[1.0, 0.0, 0.0], [], [0.0, 1.0, 1.0, 1.0]]


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("axis", [1, 0])
def test_extremum_rule_to_second_order(name, axis):
    with jax.enable_x64(True):
        v = jnp.asarray([0.5, -1.5, 2.0, 1.2, 0.7, 1.1, -0.3, 0.9, 1.4])
        f = _on_lists(getattr(rg, name), axis=axis)
        if axis == 1:  # empty lists give ±inf; keep finite outputs for the numerical check
            f = _on_lists(getattr(rg, name), axis=axis, initial=-5.0 if name == "max" else 5.0)
        _check(f, v)


# ---- mean / var / std and the smooth ones ---------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["sum", "mean", "var", "std", "logsumexp", "softmax", "log_softmax", "cumulative_sum", "cumulative_prod"],
)
@pytest.mark.parametrize("axis", [1, 0])
def test_smooth_reductions_to_second_order(name, axis):
    with jax.enable_x64(True):
        v = jnp.asarray([0.5, -1.5, 2.0, 1.2, 0.7, 1.1, -0.3, 0.9, 0.0])
        offsets = np.array([0, 3, 5, 9]) if name in ("mean", "var", "std", "logsumexp") else OFFSETS
        _check(_on_lists(getattr(rg, name), offsets=offsets, axis=axis), v)


def test_cumulative_prod_through_zeros():
    with jax.enable_x64(True):
        v = jnp.asarray([0.0, 2.0, 3.0, 0.0, 0.0, 1.5, 4.0, -1.0, 2.0])
        _check(_on_lists(rg.cumulative_prod, axis=1), v)


@pytest.mark.parametrize("name", ["mean", "var", "std"])
def test_empty_lists_leak_no_nan_into_gradients(name):
    x = rg.array([[1.0, 2.0, 4.0], [], [3.0], [5.0, 5.0]], backend="jax")
    fn = getattr(rg, name)

    def guarded(v):
        return rg.sum(rg.where(rg.count(v, axis=1) > 0, fn(v, axis=1), 0.0))

    g = jax.grad(guarded)(x)
    assert np.all(np.isfinite(g.values))
    assert np.all(np.isfinite(jax.jvp(guarded, (x,), (x,))[1]))
    if hasattr(rg, "num"):
        g2 = jax.grad(lambda v: rg.sum(rg.where(rg.num(v, axis=1) > 0, fn(v, axis=1), 0.0)))(x)
        np.testing.assert_array_equal(g2.values, g.values)
    if name == "std":  # a list of one element has std 0 for every value: derivative 0
        assert g.to_list()[2] == [0.0]


def test_where_masked_mean_has_finite_gradients():
    x = rg.array([[1.0, 2.0], [3.0]], backend="jax")
    g = jax.grad(
        lambda v: rg.sum(
            rg.where(rg.count(v, axis=1, where=v > 2.5) > 0, rg.mean(v, axis=1, where=v > 2.5), 0.0)
        )
    )(x)
    assert g.to_list() == [[0.0, 0.0], [1.0]]


def test_logsumexp_and_softmax_gradients_are_stable_for_large_inputs():
    x = rg.array([[1000.0, 1000.0], [], [-1000.0, 0.0]], backend="jax")
    g = jax.grad(lambda v: rg.sum(rg.logsumexp(v, axis=1, keepdims=False)[np.array([0, 2])]))(x)
    assert np.allclose(g.to_list()[0], [0.5, 0.5]) and np.allclose(g.to_list()[2], [0.0, 1.0])
    g = jax.grad(lambda v: rg.sum(rg.log_softmax(v) * v))(x)
    assert np.all(np.isfinite(g.values))


# ---- jit, vjp, jvp as on awkward's JAX page ----------------------------------------------
def test_awkward_page_example_jvp_and_vjp():
    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax")

    def reverse_sum(array):
        return rg.sum(array[::-1], axis=0)

    value, tangent = jax.jvp(reverse_sum, (x,), (x,))
    assert value.to_list() == [5.0, 7.0, 3.0] and tangent.to_list() == [5.0, 7.0, 3.0]
    value, pullback = jax.vjp(reverse_sum, x)
    (cotangent,) = pullback(value)
    assert cotangent.to_list() == [[5.0, 7.0, 3.0], [], [5.0, 7.0]]


def test_gradient_of_axis_none_under_jit():
    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax")
    g = jax.jit(jax.grad(lambda v: rg.sum(v * v, axis=None)))(x)
    assert g.to_list() == [[2.0, 4.0, 6.0], [], [8.0, 10.0]]


# ---- integer outputs ----------------------------------------------------------------------
def test_integer_outputs_have_float0_tangents_and_refuse_grad():
    x = rg.array([[1.0, 3.0, 2.0], [], [4.0]], backend="jax")
    _, tangent = jax.jvp(lambda v: rg.argmax(v, axis=1), (x,), (x,))
    assert tangent.values.dtype == jax.dtypes.float0
    with pytest.raises(TypeError, match=r"real-valued|int"):
        jax.grad(lambda v: rg.sum(rg.argmax(v, axis=1)))(x)
    with pytest.raises(TypeError, match=r"real-valued|int"):
        jax.grad(lambda v: rg.sum(rg.count(v, axis=1)))(x)


def test_ldexp_derivative_is_two_to_the_exponent_at_zero_too():
    """``d ldexp(x, n) / dx = 2**n`` everywhere: ``jnp.ldexp``'s own derivative is 1 at ``x = 0``
    (its bit arithmetic is differentiated as is); raggrad's rule gives 2**n, to second order."""
    x = rg.array([[0.0, 1.5, -0.0], [], [-2.0]], backend="jax")
    n = rg.array([[2, -3, 5], [], [1]], backend="jax")
    grad = rg.grad(lambda x: rg.sum(rg.ldexp(x, n) * 3.0))(x)
    np.testing.assert_array_equal(np.asarray(grad.values), 3.0 * np.ldexp(1.0, [2, -3, 5, 1]))

    def loss(v):
        return rg.sum(rg.ldexp(rg.from_lengths([3, 0, 1], v), n) ** 2)

    second = jax.grad(lambda v: jax.grad(loss)(v)[0])
    np.testing.assert_array_equal(second(x.values), [2 * 2.0**4, 0, 0, 0])  # d²/dx0² (x0 2**2)²
    assert jax.jit(lambda x: rg.ldexp(x, n))(x).to_list() == [[0.0, 0.1875, -0.0], [], [-4.0]]


@pytest.mark.parametrize("bounded", [False, True])
def test_cumulative_prod_gradient_stays_inside_each_list(bounded):
    """An inf in one list's running product never reaches another list's gradient (0 · inf)."""

    def f(v):
        x = rg.from_offsets(np.array([0, 2, 4]), v)
        x = rg.with_capacity(x) if bounded else x
        first = rg.local_index(x, axis=0) == 0
        return rg.sum(rg.where(first, 0.0, rg.cumulative_prod(x, axis=1)))

    v = jnp.array([1e30, 1e30, 2.0, 3.0], dtype=jnp.float32)  # list 0's product overflows
    assert jax.grad(f)(v).tolist() == [0.0, 0.0, 4.0, 2.0]


def test_hypot_has_the_derivatives_of_the_euclidean_norm_to_second_order():
    """``jnp.hypot``'s Hessian is 0 where ``|x| = |y|``; rg.hypot's is that of ``sqrt(x² + y²)``."""
    with jax.enable_x64(True):
        x = jnp.array([1.0, -2.0, 3.0, 0.5])
        y = jnp.array([1.0, 2.0, -4.0, 1e-3])

        def hessian(fn):
            return jax.hessian(lambda a, b: jnp.sum(fn(a, b)), argnums=(0, 1))(x, y)

        got = hessian(lambda a, b: rg.hypot(rg.asarray(a), rg.asarray(b)).values)
        want = hessian(lambda a, b: jnp.sqrt(a * a + b * b))
        for i in range(2):
            for j in range(2):
                np.testing.assert_allclose(got[i][j], want[i][j], rtol=1e-12)
        big = jax.grad(lambda a: rg.sum(rg.hypot(rg.asarray(a), rg.asarray(a))))(jnp.array([1e200]))
        np.testing.assert_allclose(big, [2**0.5], rtol=1e-12)  # no overflow in the first derivative
        g = jax.grad(lambda a: rg.sum(rg.hypot(rg.asarray(a), rg.asarray(a))))(jnp.array([0.0, 3.0]))
        assert g.tolist() == [0.0, pytest.approx(2**0.5)]  # 0 at the origin, never NaN
