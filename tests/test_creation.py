"""Creation functions, *_like, reshape/broadcast_to."""

from __future__ import annotations

import numpy as np
import pytest

import raggrad as rg

BACKENDS = ["numpy", pytest.param("jax", marks=pytest.mark.jax)]


def _b(name):
    if name == "jax":
        pytest.importorskip("jax")
    return name


@pytest.mark.parametrize("backend", BACKENDS)
def test_like_functions_keep_structure_dtype_and_backend(backend):
    x = rg.array([[1.5, 2.5], [], [3.5]], backend=_b(backend))
    likes = ((rg.zeros_like, 0), (rg.ones_like, 1), (lambda a: rg.full_like(a, 7.0), 7), (rg.empty_like, 0))
    for f, value in likes:
        out = f(x)
        assert out.type == x.type and out.backend == backend
        assert out.to_list() == [[value] * 2, [], [value]]
    assert rg.ones_like(x, dtype=rg.int32).type == "3 * var * int32"


def test_like_numpy_signatures():
    x = rg.array([[1, 2], []])
    assert np.zeros_like(x, dtype=np.float32).type == "2 * var * float32"
    assert np.full_like(x, 4).to_list() == [[4, 4], []]
    assert np.empty_like(x, dtype=np.float32).type == "2 * var * float32"
    assert rg.empty_like(rg.array([[1.0, None], []])).to_list() == [[0.0, None], []]
    bounded = rg.empty_like(rg.with_capacity(rg.array([[1.0, 2.0], []])))
    assert rg.is_bounded(bounded) and bounded.to_list() == [[0.0, 0.0], []]
    with pytest.raises(NotImplementedError, match="shape="):
        np.ones_like(x, shape=(3,))


@pytest.mark.parametrize("backend", BACKENDS)
def test_shape_creation(backend):
    b = _b(backend)
    z = rg.zeros((2, 3), backend=b)
    assert isinstance(z, rg.RaggedArray) and z.shape == (2, 3) and z.backend == backend
    assert rg.ones(3, dtype=rg.int8, backend=b).to_list() == [1, 1, 1]
    assert rg.full((2,), 2.5, backend=b).to_list() == [2.5, 2.5]
    assert rg.empty((0, 2), backend=b).shape == (0, 2)
    assert rg.arange(1, 7, 2, backend=b).to_list() == [1, 3, 5]
    assert rg.linspace(0, 1, 5, backend=b).to_list() == [0.0, 0.25, 0.5, 0.75, 1.0]
    scalar = rg.zeros((), backend=b)
    assert not isinstance(scalar, rg.RaggedArray) and scalar.shape == ()


def test_default_float_follows_the_backend():
    assert rg.zeros(2).dtype == rg.float64
    pytest.importorskip("jax")
    assert rg.zeros(2, backend="jax").type == "2 * float32"


def test_reshape_and_broadcast_to_regular_arrays():
    x = rg.arange(6)
    assert rg.reshape(x, (2, 3)).to_list() == [[0, 1, 2], [3, 4, 5]]
    assert rg.reshape(x, (3, -1)).shape == (3, 2)
    assert rg.reshape(rg.arange(1), ()).shape == ()
    assert rg.broadcast_to(rg.asarray([1, 2]), (3, 2)).shape == (3, 2)
    with pytest.raises(ValueError, match="cannot reshape"):
        rg.reshape(x, (4, 2))
    with pytest.raises(ValueError, match="cannot broadcast"):
        rg.broadcast_to(x, (2, 3))


@pytest.mark.parametrize("func", [lambda x: rg.reshape(x, (3,)), lambda x: rg.broadcast_to(x, (3, 2))])
def test_reshape_and_broadcast_to_reject_ragged_arrays(func):
    with pytest.raises(ValueError, match="ragged dimensions"):
        func(rg.array([[1, 2], [], [3]]))


def test_reshape_and_broadcast_to_bounded_arrays_without_ragged_dims_use_the_items_in_use():
    # rg.flatten(bounded, axis=None): 3 items in 16 slots reshape as the 3 items; under jit their
    # number is data, which a regular shape cannot take
    jax = pytest.importorskip("jax")
    b = rg.with_capacity(rg.array([[1.0, 2.0], [], [3.0]], backend="jax"))
    flat = rg.flatten(b, axis=None)
    assert rg.reshape(flat, (3, 1)).to_list() == [[1.0], [2.0], [3.0]]
    assert rg.broadcast_to(flat, (2, 3)).to_list() == [[1.0, 2.0, 3.0]] * 2
    with pytest.raises(rg.TracedStructureError, match="number of items of a bounded array is data"):
        jax.jit(lambda v: rg.reshape(rg.flatten(v, axis=None), (3, 1)))(b)


def test_shapes_are_integers_as_numpy_reads_them():
    assert (
        rg.zeros(np.array(3)).type == "3 * float64" and rg.zeros((2, np.int64(3))).type == "2 * 3 * float64"
    )
    for shape in ((2.5,), (2, 2.7), "3", True, (True, 3), 2.0):
        with pytest.raises(TypeError, match=r"rg\.zeros: shape must be an integer"):
            rg.zeros(shape)


@pytest.mark.parametrize("backend", BACKENDS)
def test_full_refuses_integers_its_dtype_cannot_hold(backend):
    backend = _b(backend)
    with pytest.raises(OverflowError, match="does not fit in uint8"):
        rg.full(3, -1, dtype="uint8", backend=backend)
    with pytest.raises(OverflowError, match="does not fit in int"):
        rg.full(3, 2**70, backend=backend)  # NumPy would make an object array
    assert rg.full(2, 7, backend=backend).to_list() == [7, 7]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_complex_fill_value_in_a_real_dtype_is_refused(backend):
    backend = _b(backend)
    x = rg.array([[1.0, 2.0], []], backend=backend)
    for call in (
        lambda: rg.full_like(x, 1 + 2j),
        lambda: rg.full_like(x, 1 + 0j),
        lambda: rg.full(2, 1j, dtype=float),
    ):
        with pytest.raises(TypeError, match="a complex fill value"):
            call()
    assert rg.full(2, 1 + 2j, backend=backend).to_list() == [1 + 2j, 1 + 2j]


def test_shapes_of_integer_arrays_and_numpy_integer_fills():
    assert rg.zeros(np.array([2, 3])).type == "2 * 3 * float64"
    jnp = pytest.importorskip("jax.numpy")
    assert rg.zeros(jnp.array(3)).type == "3 * float64"
    assert rg.reshape(rg.arange(6), (jnp.array(2), 3)).type == "2 * 3 * int64"
    with pytest.raises(OverflowError, match="does not fit in uint8"):
        rg.full(2, np.int64(-1), dtype="uint8")
