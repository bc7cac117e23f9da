"""matmul, vecdot, matvec, vecmat: NumPy's gufuncs on each element's regular inner dims.

Every ragged element carries its own core (a vector or a matrix in its inner dims); two ragged
operands pair element with element (their lists broadcast as in ``rg.broadcast_arrays``), a
dense array's dims before its core line up with the inner dims before the ragged core, and two
arrays without lists are NumPy's. The oracle is NumPy applied element by element.
"""

from __future__ import annotations

import numpy as np
import pytest

import raggrad as rg

LENGTHS = [2, 0, 3, 1]
RNG = np.random.default_rng(7)


def ragged(*inner: int) -> rg.RaggedArray:
    n = sum(LENGTHS)
    return rg.from_lengths(LENGTHS, RNG.standard_normal((n, *inner)))


def per_element(fn, a, b):
    """``fn`` of element i of ``a`` with element i of ``b`` (a dense ``b``: the same for all)."""
    av = np.asarray(a.values)
    bv = np.asarray(b.values) if isinstance(b, rg.RaggedArray) else None
    return np.stack([fn(av[i], b if bv is None else bv[i]) for i in range(len(av))])


@pytest.mark.parametrize(
    ("name", "inner1", "inner2"),
    [
        ("matmul", (3,), (3,)),  # vector . vector: a number per element
        ("matmul", (2, 3), (3, 4)),
        ("matmul", (2, 3), (3,)),
        ("matmul", (3,), (3, 4)),
        ("matmul", (5, 2, 3), (3, 4)),  # a loop dim inside the elements
        ("vecdot", (3,), (3,)),
        ("vecdot", (5, 3), (3,)),
        ("matvec", (2, 3), (3,)),
        ("vecmat", (3,), (3, 4)),
    ],
)
def test_two_ragged_operands_pair_element_with_element(name, inner1, inner2):
    a, b = ragged(*inner1), ragged(*inner2)
    got = getattr(rg, name)(a, b)
    expected = per_element(getattr(np, name), a, b)
    assert rg.num(got, axis=1).to_list() == LENGTHS
    np.testing.assert_allclose(np.asarray(got.values), expected, rtol=1e-12)
    if name == "matmul":
        np.testing.assert_allclose(np.asarray((a @ b).values), expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "inner", "dense"),
    [
        ("matmul", (3,), (3, 4)),
        ("matmul", (3,), (3,)),
        ("matmul", (5, 2, 3), (3, 4)),
        ("matmul", (5, 2, 3), (5, 3, 4)),  # the dense loop dim meets the inner one
        ("vecdot", (5, 3), (5, 3)),
        ("matvec", (2, 3), (3,)),
        ("vecmat", (3,), (3, 4)),
    ],
)
def test_a_dense_operand_lines_up_with_the_inner_dims(name, inner, dense):
    a, w = ragged(*inner), RNG.standard_normal(dense)
    np.testing.assert_allclose(
        np.asarray(getattr(rg, name)(a, w).values), per_element(getattr(np, name), a, w), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("dense", "ragged_first"), [((3, 4), True), ((3,), True), ((4, 3), False), ((3,), False)]
)
def test_vectors_of_elements_and_a_dense_core_are_one_product(dense, ragged_first):
    """A vector per element and a dense matrix or vector: per element, NumPy's ``matmul``; done
    as one product of the elements' rows (no unit dim per element: XLA then runs one GEMM, at
    twice the speed of the per-element form)."""
    a, w = ragged(3), RNG.standard_normal(dense)
    args = (a, w) if ragged_first else (w, a)
    expected = np.stack([np.matmul(*((v, w) if ragged_first else (w, v))) for v in np.asarray(a.values)])
    np.testing.assert_allclose(np.asarray(rg.matmul(*args).values), expected, rtol=1e-12)
    torch = pytest.importorskip("torch")
    for dense_part in (w, w.tolist(), torch.as_tensor(w)):  # the dense operand of any library
        x = a.to_backend("torch")
        got = rg.matmul(x, dense_part) if ragged_first else rg.matmul(dense_part, x)
        np.testing.assert_allclose(np.asarray(got.values), expected, rtol=1e-12)
    jax = pytest.importorskip("jax")

    def product(values):
        x = rg.from_lengths(LENGTHS, values)
        return rg.matmul(*((x, w) if ragged_first else (w, x))).values

    jaxpr = jax.make_jaxpr(jax.grad(lambda v: product(v).sum()))(jax.numpy.asarray(np.asarray(a.values)))
    dots = [e for e in jaxpr.eqns if e.primitive.name == "dot_general"]
    assert dots and all(len(v.aval.shape) <= 2 for e in dots for v in e.invars), dots


def test_dense_dims_that_would_meet_the_lists_are_refused():
    x = ragged(3)  # 4 * var * 3 with 6 elements
    for call in (
        lambda: rg.vecdot(x, np.ones((6, 3))),  # as many rows as elements: once read silently
        lambda: rg.matmul(x, np.ones((6, 3, 2))),
        lambda: x @ np.ones((2, 3, 4)),
    ):
        with pytest.raises(ValueError, match="would meet its lists"):
            call()


def test_arrays_without_lists_are_numpys():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2))
    for got in (rg.matmul(a, b), rg.matmul(rg.array(a), rg.array(b)), rg.array(a) @ b):
        np.testing.assert_allclose(np.asarray(got.values), a @ b, rtol=1e-12)
    assert float(rg.vecdot(np.ones(3), np.ones(3))) == 3.0


def test_one_item_per_list_broadcasts_over_the_lists_elements():
    x = ragged(3)
    per_list = RNG.standard_normal((len(LENGTHS), 3))
    got = rg.vecdot(x, rg.array(per_list))
    rows = np.repeat(per_list, LENGTHS, axis=0)
    np.testing.assert_allclose(np.asarray(got.values), np.sum(np.asarray(x.values) * rows, axis=-1))


def test_bounded_operands_and_gradients():
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        a, b = ragged(2, 3).to_backend("jax"), ragged(3, 4).to_backend("jax")
        expected = per_element(np.matmul, a, b)
        got = rg.matmul(rg.with_capacity(a), rg.with_capacity(b))
        np.testing.assert_allclose(np.asarray(rg.trim(got).values), expected, rtol=1e-12)

        def loss(a, b):
            return rg.sum(rg.matmul(a, b) ** 2)

        ga, gb = jax.grad(loss, argnums=(0, 1))(a, b)
        direction = RNG.standard_normal(a.values.shape)
        h = 1e-6
        step = rg.from_lengths(LENGTHS, jax.numpy.asarray(direction))
        fd = (float(loss(a + h * step, b)) - float(loss(a - h * step, b))) / (2 * h)
        assert abs(float(np.sum(np.asarray(ga.values) * direction)) - fd) < 1e-6 * max(1.0, abs(fd))
        assert gb.type == b.type


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_backends_match_numpy(backend):
    pytest.importorskip(backend)
    a, b = ragged(2, 3), ragged(3, 4)
    got = rg.matmul(a.to_backend(backend), b.to_backend(backend))
    # float32 on jax: sums of products of numbers about 1 round to about 1e-7 absolutely
    np.testing.assert_allclose(
        np.asarray(got.to_list()[2]), per_element(np.matmul, a, b)[2:5], rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_numpy_arrays_and_lists_beside_another_backend_are_read_as_its_arrays(backend):
    pytest.importorskip(backend)
    # no lists: a RaggedArray of one regular dim @ a NumPy vector or a list, either side
    s = rg.sum(rg.array([[1.0, 2.0], [], [3.0]]), axis=1)
    on = rg.to_backend(s, backend)
    for got in (on @ np.ones(3), np.ones(3) @ on, on @ [1.0, 1.0, 1.0], rg.matmul(on, np.ones(3))):
        assert float(np.asarray(got)) == pytest.approx(float(s @ np.ones(3))) == 6.0
    # a matrix per element @ a NumPy vector (the vector gets a unit dim in the backend's xp)
    m = rg.from_lengths([2, 1], RNG.standard_normal((3, 2, 3)))
    for v in (np.ones(3), [1, 1, 1]):
        got = rg.matmul(rg.to_backend(m, backend), v)
        expected = np.stack([e @ np.asarray(v, dtype=float) for e in np.asarray(m.values)])
        np.testing.assert_allclose(np.asarray(got.values), expected, rtol=1e-5, atol=1e-6)  # float32 on jax
