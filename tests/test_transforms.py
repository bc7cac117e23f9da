"""JAX transformations on every op family: grad, jvp, vjp, jit, vmap, Jacobians, Hessians, compositions.

The oracle for every derivative is the same function written over the flat content (a plain JAX
array), checked against finite differences with ``jax.test_util.check_grads``; the ragged
derivatives (first, second and third order) must equal the oracle's value for value and carry the
primal's structure. Higher-order rules of the reducers are checked in ``test_jax_rules.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = jax.numpy
from jax.test_util import check_grads  # noqa: E402

import raggrad as rg  # noqa: E402

LISTS = [[1.5, -2.0, 3.0], [], [0.5, 4.0], [2.5]]


def _guarded(reduce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A reducer with 0 for empty lists, so that the loss stays finite (empty max is -inf)."""
    return lambda x: rg.where(rg.num(x, axis=1) > 0, reduce(x), 0.0)


def _product_of_pairs(x: Any) -> Any:
    a, b = rg.combinations(x, 2, axis=1)
    return a * b


# one representative (or a few) per op family; each maps a ragged array to a ragged array
OPS: dict[str, Callable[[Any], Any]] = {
    "elementwise": lambda x: np.sin(x) * x + 1.0,
    "reduction-sum": lambda x: rg.sum(x**2, axis=1),
    "reduction-sum-axis0": lambda x: rg.sum(x**2, axis=0),
    "reduction-max": _guarded(lambda x: rg.max(x, axis=1)),
    "reduction-mean-where": _guarded(lambda x: rg.mean(x, axis=1)),
    "reduction-logsumexp": _guarded(lambda x: rg.logsumexp(x, axis=1)),
    "reduction-softmax": lambda x: rg.softmax(x, axis=1),
    "reduction-prod": lambda x: rg.prod(x, axis=1),
    "reduction-keepdims": lambda x: x - rg.mean(x, axis=1, keepdims=True, where=rg.num(x, axis=1) > 0),
    "indexing-slice": lambda x: x[::-1, :2] * 2.0,
    "indexing-int": lambda x: x[:, -1:] ** 2,
    "indexing-argmax": lambda x: x[rg.argmax(x, axis=1, keepdims=True)] ** 2,
    "indexing-outer-array": lambda x: x[np.array([2, 0, 0])] ** 2,
    "structure-flatten": lambda x: rg.flatten(x) ** 2,
    "structure-firsts": lambda x: rg.firsts(x, fill_value=0.0) ** 2,
    "structure-concat": lambda x: rg.concat([x, 2.0 * x], axis=1),
    "structure-sort": lambda x: rg.sort(x, axis=1) * (rg.local_index(x) + 1.0),
    "structure-combinations": _product_of_pairs,
    "structure-padded": lambda x: rg.from_padded(rg.to_padded(x)[0] ** 2, np.array([3, 0, 2, 1])),
}
# the ones every transform is run on (the rest get grad, jit and the oracle check)
CORE = ["elementwise", "reduction-max", "indexing-slice", "indexing-argmax", "structure-combinations"]


@pytest.fixture(autouse=True)
def _x64() -> Any:
    with jax.enable_x64(True):
        yield


def _x() -> rg.RaggedArray:
    return rg.array(LISTS, backend="jax")


def _values(y: Any) -> Any:
    return y.values if isinstance(y, rg.RaggedArray) else y


def _flat(op: Callable[[Any], Any], offsets: Any) -> Callable[[Any], Any]:
    """``op`` over the flat content: the oracle's input and output are plain arrays."""
    return lambda c: _values(op(rg.from_offsets(offsets, c)))


def _loss(op: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def loss(x: Any) -> Any:
        y = op(x)
        return rg.sum(y * y) if isinstance(y, rg.RaggedArray) else jnp.sum(y * y)

    return loss


def _same_structure(a: Any, b: Any) -> None:
    assert isinstance(a, rg.RaggedArray) and isinstance(b, rg.RaggedArray)
    assert a.type == b.type
    for axis in range(1, a.ndim - a._nbatch):
        np.testing.assert_array_equal(rg.offsets(a, axis=axis), rg.offsets(b, axis=axis))


# ---- first derivatives, every op --------------------------------------------------------
@pytest.mark.parametrize("name", OPS)
def test_flat_oracle_matches_finite_differences(name: str) -> None:
    x = _x()
    f = _flat(OPS[name], rg.offsets(x))
    check_grads(lambda c: jnp.sum(f(c) ** 2), (x.values,), order=1, modes=("rev",))


@pytest.mark.parametrize("name", OPS)
def test_grad_is_ragged_like_the_input(name: str) -> None:
    x = _x()
    g = jax.grad(_loss(OPS[name]))(x)
    _same_structure(g, x)
    expected = jax.grad(lambda c: jnp.sum(_flat(OPS[name], rg.offsets(x))(c) ** 2))(x.values)
    np.testing.assert_allclose(g.values, expected, rtol=1e-12)


@pytest.mark.parametrize("name", OPS)
def test_jit_equals_eager_forward_and_gradient(name: str) -> None:
    x = _x()
    op, loss = OPS[name], _loss(OPS[name])
    eager, jitted = op(x), jax.jit(op)(x)
    _same_structure(jitted, eager)
    np.testing.assert_allclose(jitted.values, eager.values, rtol=1e-12)
    np.testing.assert_allclose(jax.jit(jax.grad(loss))(x).values, jax.grad(loss)(x).values, rtol=1e-12)


@pytest.mark.parametrize("name", CORE)
def test_jvp_with_a_ragged_tangent(name: str) -> None:
    x = _x()
    t = rg.array([[1.0, 0.5, -1.0], [], [2.0, 0.0], [3.0]], backend="jax")
    y, ty = jax.jvp(OPS[name], (x,), (t,))
    _same_structure(ty, y)
    _, expected = jax.jvp(_flat(OPS[name], rg.offsets(x)), (x.values,), (t.values,))
    np.testing.assert_allclose(ty.values, expected, rtol=1e-12)


@pytest.mark.parametrize("name", CORE)
def test_vjp_with_a_ragged_cotangent(name: str) -> None:
    x = _x()
    y, pullback = jax.vjp(OPS[name], x)
    # the primal output's structure, other values: build it through the pytree
    cotangent = jax.tree_util.tree_map(lambda v: jnp.arange(1.0, 1.0 + v.size).reshape(v.shape), y)
    (cx,) = pullback(cotangent)
    _same_structure(cx, x)
    _, flat_pullback = jax.vjp(_flat(OPS[name], rg.offsets(x)), x.values)
    np.testing.assert_allclose(cx.values, flat_pullback(cotangent.values)[0], rtol=1e-12)


# ---- vmap: batched content, one structure -------------------------------------------------
def _batch(x: rg.RaggedArray) -> rg.RaggedArray:
    stacked = jnp.stack([x.values, 2.0 * x.values, -x.values])
    return jax.vmap(lambda c: rg.from_offsets(rg.offsets(x), c))(stacked)


@pytest.mark.parametrize("name", CORE)
def test_vmap_maps_over_batched_content(name: str) -> None:
    x = _x()
    xb = _batch(x)
    assert xb.type == "3 * 4 * var * float64"
    out = jax.vmap(OPS[name])(xb)
    rows = [OPS[name](rg.from_offsets(rg.offsets(x), xb.values[i])) for i in range(3)]
    for i, row in enumerate(rows):
        np.testing.assert_allclose(out.values[i], row.values, rtol=1e-12)
    _same_structure(out[0], rows[0])


@pytest.mark.parametrize("name", CORE)
def test_vmap_of_grad_and_jit_of_vmap(name: str) -> None:
    x = _x()
    xb = _batch(x)
    loss = _loss(OPS[name])
    grads = jax.jit(jax.vmap(jax.grad(loss)))(xb)
    assert grads.type == xb.type
    for i in range(3):
        row = rg.from_offsets(rg.offsets(x), xb.values[i])
        np.testing.assert_allclose(grads.values[i], jax.grad(loss)(row).values, rtol=1e-12)


def test_vmap_over_content_returns_one_row_per_batch_element() -> None:
    offsets = np.array([0, 3, 3, 5])
    batch = jnp.arange(10.0).reshape(2, 5)
    out = jax.vmap(lambda v: rg.sum(rg.from_offsets(offsets, v), axis=1))(batch)
    assert isinstance(out, rg.RaggedArray)
    assert out.to_list() == [[3.0, 0.0, 7.0], [18.0, 0.0, 17.0]]


# ---- Jacobians and Hessians: the pytree layout --------------------------------------------
@pytest.mark.parametrize("name", CORE)
@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_jacobian_of_ragged_to_ragged_nests_input_in_output(name: str, jac: str) -> None:
    """Output structure outside; each of its elements holds a ragged array shaped like the input."""
    x = _x()
    y = OPS[name](x)
    J = getattr(jax, jac)(OPS[name])(x)
    assert isinstance(J, rg.RaggedArray) and J._structure == y._structure
    rows = J.values  # one ragged array like x per element of y: batched content
    assert isinstance(rows, rg.RaggedArray)
    assert rows.type == f"{y.values.shape[0]} * 4 * var * float64"
    _same_structure(rows[0], x)
    dense = getattr(jax, jac)(_flat(OPS[name], rg.offsets(x)))(x.values)
    np.testing.assert_allclose(rows.values, dense, rtol=1e-12)


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_jacobian_of_ragged_to_dense_is_batched_like_the_input(jac: str) -> None:
    x = _x()
    J = getattr(jax, jac)(lambda x: rg.sum(x**2, axis=1).values)(x)
    assert J.type == "4 * 4 * var * float64"
    assert J.to_list() == [
        [[3.0, -4.0, 6.0], [], [0.0, 0.0], [0.0]],
        [[0.0, 0.0, 0.0], [], [0.0, 0.0], [0.0]],
        [[0.0, 0.0, 0.0], [], [1.0, 8.0], [0.0]],
        [[0.0, 0.0, 0.0], [], [0.0, 0.0], [5.0]],
    ]


@pytest.mark.parametrize("name", CORE)
def test_hessian_is_ragged_of_ragged_and_matches_the_flat_one(name: str) -> None:
    x = _x()
    loss = _loss(OPS[name])
    H = jax.hessian(loss)(x)
    assert H._structure == x._structure
    assert H.values.type == "6 * 4 * var * float64"
    dense = jax.hessian(lambda c: jnp.sum(_flat(OPS[name], rg.offsets(x))(c) ** 2))(x.values)
    np.testing.assert_allclose(H.values.values, dense, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", CORE)
def test_grad_of_grad_and_third_order(name: str) -> None:
    x = _x()
    loss = _loss(OPS[name])

    def grad_norm(x: Any) -> Any:
        return rg.sum(jax.grad(loss)(x) ** 2)

    gg = jax.grad(grad_norm)(x)
    _same_structure(gg, x)
    flat = _flat(OPS[name], rg.offsets(x))
    flat_loss = lambda c: jnp.sum(flat(c) ** 2)  # noqa: E731
    expected = jax.grad(lambda c: jnp.sum(jax.grad(flat_loss)(c) ** 2))(x.values)
    np.testing.assert_allclose(gg.values, expected, rtol=1e-10)
    third = jax.jit(jax.grad(lambda x: rg.sum(jax.grad(grad_norm)(x))))(x)
    _same_structure(third, x)


# ---- tangents and cotangents must have the primal's structure -----------------------------
def test_jvp_rejects_a_tangent_with_other_list_boundaries() -> None:
    x = _x()
    shifted = rg.array([[1.0, 0.5], [1.0], [2.0, 0.0], [3.0]], backend="jax")  # same count, other lists
    with pytest.raises(TypeError, match="same tree structure"):
        jax.jvp(OPS["reduction-sum"], (x,), (shifted,))


def test_vjp_rejects_a_cotangent_with_other_list_boundaries() -> None:
    x = _x()
    y, pullback = jax.vjp(lambda x: x * 2.0, x)
    other = rg.array([[1.0, 0.5], [1.0], [2.0, 0.0], [3.0]], backend="jax")
    assert other.values.shape == y.values.shape
    with pytest.raises(ValueError, match="structure"):
        pullback(other)


def test_structure_mismatch_is_not_hidden_by_equal_element_counts() -> None:
    a = rg.array([[1.0, 2.0], [3.0]], backend="jax")
    b = rg.array([[1.0], [2.0, 3.0]], backend="jax")
    assert jax.tree_util.tree_structure(a) != jax.tree_util.tree_structure(b)
    assert jax.tree_util.tree_structure(a) == jax.tree_util.tree_structure(a * 2.0)


# ---- integer outputs and integer-valued ops inside derivatives ----------------------------
@pytest.mark.parametrize(
    "f",
    [
        lambda x: rg.sum(rg.argmax(x, axis=1)),
        lambda x: rg.sum(rg.num(x, axis=1)),
        lambda x: rg.count_nonzero(x > 0),
    ],
    ids=["argmax", "num", "count"],
)
def test_grad_of_an_integer_output_says_why(f: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError, match=re.escape("grad requires real-valued outputs")):
        jax.grad(f)(_x())


def test_jacrev_of_an_integer_ragged_output_says_why() -> None:
    with pytest.raises(TypeError, match="real-valued outputs"):
        jax.jacrev(lambda x: rg.argmax(x, axis=1, keepdims=True))(_x())


def test_integer_ops_inside_grad_are_constants() -> None:
    x = _x()

    def top(x: Any) -> Any:
        return rg.sum(x[rg.argmax(x, axis=1, keepdims=True)] * rg.num(x, axis=1))

    g = jax.grad(top)(x)
    # the maximum of each list gets d/dx (max * count) = count; the others and empty lists nothing
    assert g.to_list() == [[0.0, 0.0, 3.0], [], [0.0, 2.0], [1.0]]
    assert jax.jit(jax.grad(top))(x).to_list() == g.to_list()


def test_boolean_mask_under_jit_names_the_alternative() -> None:
    with pytest.raises(rg.TracedStructureError, match="where"):
        jax.jit(lambda x: rg.sum(x[x > 0]))(_x())
    # the jittable spelling gives the same value and gradient as the eager mask
    x = _x()
    eager = jax.grad(lambda x: rg.sum(x[x > 0] ** 2))(x)
    jitted = jax.jit(jax.grad(lambda x: rg.sum(x**2, where=x > 0)))(x)
    assert jitted.to_list() == eager.to_list()


def test_a_content_laid_out_otherwise_is_refused_on_use_not_read_as_other_lists():
    # jax.vmap(out_axes=1), a Jacobian of a plain array into a ragged one and a tree_map that
    # slices the leaf gave arrays whose lists read the wrong numbers (or raw broadcasting errors)
    jnp = jax.numpy
    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax")
    offsets = rg.offsets(x)
    batch = jnp.stack([x.values, 10 * x.values])
    for make in (
        lambda: jax.vmap(lambda v: rg.from_offsets(offsets, v), out_axes=1)(batch),
        lambda: jax.jacrev(lambda w: x * w[0] + x**2 * w[1])(jnp.array([0.5, -1.0])),
        lambda: jax.tree_util.tree_map(lambda v: v[:2], x),
    ):
        bad = make()
        with pytest.raises(ValueError, match=r"cannot hold a content of shape .* jax.vmap maps"):
            bad.to_list()
        with pytest.raises(ValueError, match="cannot hold a content of shape"):
            rg.sum(bad, axis=-1)
    with pytest.raises(ValueError, match=r"content of shape \(\)"):
        jax.vmap(rg.sum)(x)  # no batch axis in front of the elements: vmap would map over them
    # the layouts JAX makes with in_axes=0 / out_axes=0 and the documented Jacobians still work
    stacked = jax.vmap(lambda v: rg.from_offsets(offsets, v))(batch)
    assert stacked.to_list()[1] == [[10.0, 20.0, 30.0], [], [40.0, 50.0]]
    rows = jax.jacrev(lambda x: rg.sum(x, axis=1))(x)
    assert rows.to_list()[2] == [[0.0, 0.0, 0.0], [], [1.0, 1.0]]
