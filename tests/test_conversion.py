"""Leaving and entering raggrad: to_dense and ``__jax_array__`` (jax.numpy, jax.nn and optax take
arrays without ragged dimensions, under jit and grad), map_values, to_regular/from_regular, lists
of arrays in rg.array, ravel, and the matmul error that names the way out."""

from __future__ import annotations

import math

import numpy as np
import pytest

import raggrad as rg

H = rg.from_lengths([2, 0, 1], np.arange(12.0).reshape(3, 4) / 10)  # 3 * var * 4


# ---- to_dense -----------------------------------------------------------------------------------
def test_to_dense_returns_the_content_of_an_array_without_ragged_dimensions() -> None:
    pooled = rg.sum(H, axis=1)
    dense = rg.to_dense(pooled)
    assert isinstance(dense, np.ndarray) and dense is pooled.values and dense.shape == (3, 4)
    assert rg.to_dense(dense) is dense  # a backend array is already dense
    assert rg.to_dense(rg.asarray([[1.0, 2.0]])).shape == (1, 2)


def test_to_dense_refuses_ragged_dimensions_and_names_the_ways_out() -> None:
    with pytest.raises(ValueError, match=r"rg.to_dense: .*rg.map_values\(f, x\).*x.values.*rg.to_padded"):
        rg.to_dense(H)
    with pytest.raises(TypeError, match=r"RecordArray|record"):
        rg.to_dense(rg.zip({"a": rg.sum(H, axis=1)}))


def test_to_dense_of_bounded_arrays_trims_unless_padded() -> None:
    b = rg.with_capacity(rg.sum(H, axis=1))
    assert rg.to_dense(b).shape == (3, 4)
    padded = rg.to_dense(b, padded=True)
    assert padded.shape == (16, 4) and np.all(padded[3:] == 0)


# ---- map_values -----------------------------------------------------------------------------------
def test_map_values_keeps_the_lists() -> None:
    x = rg.array([[0.0, 1.0], [], [2.0]])
    out = rg.map_values(np.tanh, x)
    assert out.type == x.type and out.to_list() == [[0.0, math.tanh(1.0)], [], [math.tanh(2.0)]]
    assert rg.map_values(lambda c: c.astype(np.int8), x).type == "3 * var * int8"
    onehot = rg.map_values(lambda c: np.eye(3)[c.astype(int)], x)  # a new inner dimension
    assert onehot.type == "3 * var * 3 * float64" and onehot.to_list()[2] == [[0.0, 0.0, 1.0]]
    assert rg.map_values(np.sqrt, H).type == H.type


@pytest.mark.parametrize(
    ("f", "error", "match"),
    [
        ("tanh", TypeError, "must be a function"),
        (lambda c: c.sum(), ValueError, "keep the element axis"),
        (lambda c: c[:-1], ValueError, "keep the element axis"),
        (lambda c: c.tolist(), TypeError, "numpy backend, got list"),
        (lambda c: c.astype(str), TypeError, "str|dtype"),
    ],
)
def test_map_values_bad_functions(f, error, match) -> None:
    with pytest.raises(error, match=match):
        rg.map_values(f, rg.array([[0.0, 1.0], [], [2.0]]))


def test_map_values_on_bounded_arrays_zeroes_the_padding() -> None:
    x = rg.array([[4.0, 1.0], [], [9.0]])
    b = rg.with_capacity(x)
    seen = []
    out = rg.map_values(lambda c: seen.append(c.copy()) or np.log(c), b)
    assert rg.is_bounded(out) and out.to_list() == rg.map_values(np.log, x).to_list()
    assert np.all(np.asarray(out.values)[3:] == 0.0)
    assert np.all(seen[0][3:] == 4.0)  # f sees the first value in the padding, never log(0)


# ---- to_regular, from_regular -------------------------------------------------------------------
def test_to_regular_and_from_regular_round_trip() -> None:
    x = rg.array([[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0]]])
    r = rg.to_regular(x, axis=2)
    assert r.type == "2 * var * 2 * float64" and r.to_list() == x.to_list()
    assert (r @ np.ones((2, 3))).type == "2 * var * 3 * float64"
    back = rg.from_regular(r, axis=2)
    assert back.type == x.type and back.to_list() == x.to_list()
    assert rg.to_regular(rg.array([[1, 2], [3, 4]]), axis=None).type == "2 * 2 * int64"
    assert rg.to_regular(rg.array([[], []])).type == "2 * 0 * float64"
    assert rg.from_regular(rg.array(np.zeros((2, 3, 4))), axis=None).type == "2 * var * var * float64"
    assert rg.from_regular(rg.array(np.zeros((2, 3, 4))), axis=-1).type == "2 * var * var * float64"
    assert rg.from_regular(x, axis=1) is x and rg.to_regular(r, axis=0) is r  # nothing to do


def test_to_regular_names_the_first_list_that_differs() -> None:
    with pytest.raises(ValueError, match=r"axis=1 .* list 2 has 1 items, list 0 has 2"):
        rg.to_regular(rg.array([[1.0, 2.0], [3.0, 4.0], [5.0]]))
    with pytest.raises(
        NotImplementedError, match=r"make the inner ones regular first \(rg.to_regular\(x, axis=2\)"
    ):
        rg.to_regular(rg.array([[[1.0], [2.0]], [[3.0]]]), axis=1)


def test_awkward_agrees() -> None:
    ak = pytest.importorskip("awkward")
    x = rg.array([[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0]]])
    assert str(ak.to_regular(rg.to_awkward(x), axis=2).type).startswith("2 * var * 2")
    assert rg.to_regular(x, axis=2).type.startswith("2 * var * 2")
    assert ak.ravel(rg.to_awkward(x)).to_list() == rg.ravel(x).to_list()


def test_bounded_to_regular_and_back() -> None:
    b = rg.with_capacity(rg.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    r = rg.to_regular(b)
    assert rg.is_bounded(r) and r.type == "3 * 2 * float64" and r.values.shape == (16, 2)
    assert r.to_list() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    f = rg.from_regular(r)
    assert rg.is_bounded(f) and rg.num(f, axis=1).to_list() == [2, 2, 2] and f.to_list() == r.to_list()


# ---- lists of arrays in rg.array, the matmul error, ravel -------------------------------------
def test_a_list_of_arrays_with_equal_trailing_shapes_is_var_by_d() -> None:
    x = rg.array([np.zeros((3, 2)), np.ones((1, 2))])
    assert x.type == "2 * var * 2 * float64" and (x @ np.ones((2, 5))).type == "2 * var * 5 * float64"
    assert (
        rg.array([[np.zeros((3, 2))], [np.ones((1, 2)), np.ones((0, 2))]]).type
        == "2 * var * var * 2 * float64"
    )
    assert rg.array([np.zeros((3, 2)), np.ones((1, 3))]).type == "2 * var * var * float64"  # as before
    assert rg.array([np.arange(3), np.arange(1)], dtype="float32").type == "2 * var * float32"
    assert rg.asarray([np.zeros((2, 2)), np.ones((2, 2))]).type == "2 * 2 * 2 * float64"


def test_matmul_error_names_to_regular() -> None:
    x = rg.array([[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0]]])
    with pytest.raises(ValueError, match=r"must be regular.*rg.to_regular\(x, axis=-1\).*rg.from_regular"):
        x @ np.ones((2, 2))


def test_ravel_and_np_ravel() -> None:
    x = rg.array([[[1, 2], []], [[3]], []])
    assert rg.ravel(x).to_list() == np.ravel(x).to_list() == [1, 2, 3]
    assert np.ravel(H).type == "12 * float64"
    with pytest.raises(NotImplementedError, match="order='F'"):
        np.ravel(x, order="F")


# ---- jax: __jax_array__ -----------------------------------------------------------------------------
jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

HJ = rg.to_backend(H, "jax")
LABELS = jnp.array([0, 1, 3])


def _losses() -> dict:
    optax = pytest.importorskip("optax")
    return {
        "jnp.tanh": lambda p: jnp.sum(jnp.tanh(p)),
        "jnp.asarray": lambda p: jnp.sum(jnp.asarray(p) ** 2),
        "jax.nn.gelu": lambda p: jnp.sum(jax.nn.gelu(p)),
        "jax.nn.log_softmax": lambda p: jnp.sum(jax.nn.log_softmax(p)),
        "optax": lambda p: jnp.mean(optax.softmax_cross_entropy_with_integer_labels(p, LABELS)),
        "matmul": lambda p: jnp.sum(p @ jnp.ones((4, 2))),
    }


@pytest.mark.parametrize(
    "name", ["jnp.tanh", "jnp.asarray", "jax.nn.gelu", "jax.nn.log_softmax", "optax", "matmul"]
)
def test_jax_takes_pooled_arrays_eagerly_under_jit_and_grad(name: str) -> None:
    loss = _losses()[name]
    pooled = rg.sum(HJ, axis=1)
    expected = loss(pooled.values)
    assert float(loss(pooled)) == pytest.approx(float(expected), rel=1e-6)
    assert float(jax.jit(lambda h: loss(rg.sum(h, axis=1)))(HJ)) == pytest.approx(float(expected), rel=1e-6)
    grad = jax.grad(lambda h: loss(rg.sum(h, axis=1)))(HJ)
    ref = jax.grad(lambda c: loss(jnp.stack([c[0] + c[1], jnp.zeros(4), c[2]])))(HJ.values)
    assert grad.type == HJ.type
    np.testing.assert_allclose(np.asarray(grad.values), np.asarray(ref), rtol=1e-5, atol=1e-6)


def test_jax_array_of_ragged_arrays_is_a_type_error_naming_the_ways_out() -> None:
    with pytest.raises(TypeError, match=r"rg.map_values\(f, x\).*x.values.*rg.to_dense"):
        HJ.__jax_array__  # noqa: B018
    assert not hasattr(HJ, "__jax_array__")  # a TypeError that is an AttributeError too
    with pytest.raises(TypeError, match="RaggedArray"):
        jnp.tanh(HJ)
    with pytest.raises(ValueError, match="has ragged dimensions"):
        jax.jit(jnp.asarray)(HJ)  # not TracerArrayConversionError


def test_jax_operators_with_ragged_arrays_stay_raggrads() -> None:
    x = rg.array([[1.0, 2.0], [], [3.0]], backend="jax")
    assert isinstance(jnp.float32(2.0) * x, rg.RaggedArray)
    assert jax.grad(lambda w: rg.sum(w * x))(1.0) == 6.0
    assert (jnp.ones(3) + x).to_list() == [[2.0, 3.0], [], [4.0]]  # one value per list


def test_lax_primitives_need_to_dense() -> None:
    # JAX refuses __jax_array__ in its primitives (jax.lax, jax.nn.sigmoid, jax.nn.relu's
    # derivative rule): rg.to_dense is the explicit way there
    pooled = rg.sum(HJ, axis=1)
    with pytest.raises(ValueError, match="__jax_array__"):
        jax.nn.sigmoid(pooled)
    grad = jax.grad(lambda h: jnp.sum(jax.nn.relu(rg.to_dense(rg.sum(h, axis=1)))))(HJ)
    assert grad.type == HJ.type


def test_bounded_pooled_arrays_under_jit_need_padded() -> None:
    b = rg.with_capacity(HJ)
    assert jnp.asarray(rg.sum(b, axis=1)).shape == (3, 4)  # concrete: trimmed
    with pytest.raises(rg.TracedStructureError, match=r"padded=True"):
        jax.jit(lambda v: rg.to_dense(rg.sum(v, axis=1)))(b)
    out = jax.jit(lambda v: rg.to_dense(rg.sum(v, axis=1), padded=True))(b)
    assert out.shape == (16, 4) and np.all(np.asarray(out)[3:] == 0)


def test_map_values_with_jax_functions_jit_and_grad() -> None:
    x = rg.array([[0.5, 1.0], [], [2.0]], backend="jax")
    out = rg.map_values(jax.nn.gelu, x)
    assert out.type == x.type
    np.testing.assert_allclose(np.asarray(out.values), np.asarray(jax.nn.gelu(x.values)), rtol=1e-6)
    assert jax.jit(lambda v: rg.map_values(jnp.tanh, v))(x).to_list() == rg.map_values(jnp.tanh, x).to_list()
    grad = jax.grad(lambda v: rg.sum(rg.map_values(jnp.log, v)))(x)
    np.testing.assert_allclose(np.asarray(grad.values), [2.0, 1.0, 0.5])
    b = rg.with_capacity(x)
    g = rg.grad(lambda v: rg.sum(rg.map_values(jnp.log, v)))(b)  # no NaN from log(0) in the padding
    assert g.to_list() == grad.to_list() and bool(jnp.all(jnp.isfinite(g.values)))
    assert jax.jit(lambda v: rg.map_values(jnp.log, v))(b).to_list() == rg.map_values(jnp.log, x).to_list()


@pytest.mark.parametrize("lengths", [[0, 0, 0], []])
def test_map_values_of_a_bounded_array_with_no_element_in_use_has_finite_gradients(lengths) -> None:
    # the padding sees the first element's value; with none in use, 1 (not a padding zero, where
    # log and sqrt have infinite derivatives: 0 * inf = NaN reached the parameters)
    b = rg.with_capacity(rg.from_lengths(np.asarray(lengths, dtype=np.int64), jnp.zeros(0)))

    def f(w, v):
        return rg.sum(rg.map_values(lambda a: jnp.log(w * a), v))

    for g in (jax.grad(f)(0.7, b), jax.jit(jax.grad(f))(0.7, b)):
        assert float(g) == 0.0
    g = rg.grad(lambda v: rg.sum(rg.map_values(jnp.sqrt, v)))(b)
    assert not np.any(np.asarray(g.values))


def test_to_regular_under_jit() -> None:
    x = rg.array([[1.0, 2.0], [3.0, 4.0]], backend="jax")
    assert jax.jit(rg.to_regular)(x).type == "2 * 2 * float32"
    with pytest.raises(rg.TracedStructureError, match=r"rg\.trim"):
        jax.jit(rg.to_regular)(rg.with_capacity(x))
    assert jax.jit(lambda v: rg.sum(rg.from_regular(v), axis=1))(
        rg.with_capacity(rg.to_regular(x))
    ).to_list() == [
        3.0,
        7.0,
    ]


def test_lists_of_jax_arrays_keep_their_backend_and_gradient() -> None:
    x = rg.array([jnp.zeros((3, 2)), jnp.ones((1, 2))])
    assert x.backend == "jax" and x.type == "2 * var * 2 * float32"
    grad = jax.grad(lambda a: rg.sum(rg.array([a, a[:1]]) ** 2))(jnp.ones((3, 2)))
    np.testing.assert_allclose(np.asarray(grad), [[4.0, 4.0], [2.0, 2.0], [2.0, 2.0]])
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="different backends"):
        rg.array([jnp.zeros((3, 2)), torch.ones(1, 2)])


def test_torch_to_dense_and_map_values_keep_autograd() -> None:
    torch = pytest.importorskip("torch")
    t = torch.tensor(np.arange(12.0).reshape(3, 4) / 10, requires_grad=True)
    x = rg.from_lengths([2, 0, 1], t)
    dense = rg.to_dense(rg.sum(rg.map_values(torch.nn.functional.silu, x), axis=1))
    assert isinstance(dense, torch.Tensor) and dense.shape == (3, 4)
    dense.sum().backward()
    assert t.grad is not None and bool(torch.isfinite(t.grad).all())


def test_missing_values_are_never_dense() -> None:
    try:
        x = rg.array([1.0, None, 3.0])
    except TypeError:
        pytest.skip("missing values (option types) are not in this build")
    with pytest.raises(TypeError, match=r"missing values .*rg\.fill_none"):
        x.__jax_array__  # noqa: B018
    with pytest.raises(TypeError, match=r"missing values"):
        rg.to_dense(x)


def test_np_asarray_is_a_read_only_view_and_np_array_a_copy():
    # raggrad arrays are immutable: writing through np.asarray(x) must not change x
    content = np.zeros((2, 2))
    x = rg.array(content)
    view = np.asarray(x)
    assert not view.flags.writeable and np.shares_memory(view, x.values)
    with pytest.raises(ValueError, match="read-only"):
        view[0, 0] = 7.0
    copied = np.array(x)
    copied[0, 0] = 7.0
    assert x.to_list() == [[0.0, 0.0], [0.0, 0.0]]
    assert np.asarray(x, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="a cast copies"):
        np.asarray(x, dtype=np.float32, copy=False)
