"""Backends: lookup, lazy imports, structure kernels, and the JAX pytree of a RaggedArray."""

from __future__ import annotations

import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

import raggrad as rg
from raggrad import _backends
from raggrad._structure import Segments

# ---- lookup ------------------------------------------------------------------------------------


def test_get_backend_by_name():
    numpy_backend = _backends.get_backend("numpy")
    assert numpy_backend.name == "numpy"
    assert _backends.get_backend(numpy_backend) is numpy_backend
    assert _backends.names() == ("numpy", "jax", "torch")


def test_get_backend_unknown_name():
    with pytest.raises(ValueError, match="unknown backend 'cupy'; choose one of 'numpy', 'jax', 'torch'"):
        _backends.get_backend("cupy")


def test_backend_of():
    assert _backends.backend_of(np.zeros(2)).name == "numpy"
    assert _backends.backend_of(np.float32(1)).name == "numpy"
    assert _backends.backend_of([1, 2]) is None
    assert _backends.backend_of(1.0) is None


def test_backend_of_jax_array():
    jnp = pytest.importorskip("jax.numpy")
    assert _backends.backend_of(jnp.zeros(2)).name == "jax"


def test_import_raggrad_imports_neither_jax_nor_torch():
    src = str(Path(rg.__file__).resolve().parents[1])
    code = (
        "import sys, raggrad as rg\n"
        "x = rg.array([[1.0, 2.0], []])\n"
        "repr(x); x.to_list(); rg.to_padded(x)\n"
        "print(sorted(m for m in ('jax', 'jaxlib', 'torch') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


# ---- structure kernels -------------------------------------------------------------------------

_SEGMENTS = Segments(np.array([0, 2, 2, 5, 6]))
_DATA = np.array([3.0, -1.0, 4.0, 0.0, 4.0, 7.0])
_EXPECTED = {
    "sum": [2.0, 0.0, 8.0, 7.0],
    "prod": [-3.0, 1.0, 0.0, 7.0],
    "max": [3.0, -np.inf, 4.0, 7.0],
    "min": [-1.0, np.inf, 0.0, 7.0],
    "any": [True, False, True, True],
    "all": [True, True, False, True],
}


@pytest.mark.parametrize("kind", sorted(_EXPECTED))
def test_numpy_segment_reduce_fills_empty_segments_with_the_identity(kind):
    out = _backends.get_backend("numpy").segment_reduce(kind, _DATA, _SEGMENTS)
    assert out.tolist() == _EXPECTED[kind]


@pytest.mark.parametrize("kind", sorted(_EXPECTED))
def test_jax_segment_reduce_matches_numpy(kind):
    jnp = pytest.importorskip("jax.numpy")
    out = _backends.get_backend("jax").segment_reduce(kind, jnp.asarray(_DATA), _SEGMENTS)
    assert out.tolist() == _EXPECTED[kind]


def test_numpy_segment_reduce_keeps_inner_dims():
    data = np.arange(12.0).reshape(6, 2)
    out = _backends.get_backend("numpy").segment_reduce("sum", data, _SEGMENTS)
    assert out.tolist() == [[2.0, 4.0], [0.0, 0.0], [18.0, 21.0], [10.0, 11.0]]


def test_numpy_backend_has_only_cpu():
    numpy_backend = _backends.get_backend("numpy")
    assert numpy_backend.device_of(np.zeros(1)) == "cpu"
    with pytest.raises(ValueError, match="only the 'cpu' device"):
        numpy_backend.asarray([1.0], device="cuda")


def test_jax_device_names():
    jax = pytest.importorskip("jax")
    x = rg.array([[1.0]], backend="jax", device=jax.devices("cpu")[0])
    assert x.device == jax.devices("cpu")[0]
    with pytest.raises(TypeError, match=r"device must be a string or a jax\.Device"):
        rg.array([[1.0]], backend="jax", device=0)


def test_jax_index_maps_are_cached_per_structure():
    jnp = pytest.importorskip("jax.numpy")
    jax_backend = _backends.get_backend("jax")
    segments = Segments(np.array([0, 1, 3]))
    like = jnp.zeros(3)
    first = jax_backend.index(segments, "ids", segments.ids, like)
    assert first.tolist() == [0, 1, 1]
    assert jax_backend.index(segments, "ids", segments.ids, like) is first


# ---- the JAX pytree ----------------------------------------------------------------------------


def test_pytree_leaves_are_the_content_only():
    jax = pytest.importorskip("jax")
    x = rg.array([[1.0, 2.0], [], [3.0]], backend="jax")
    leaves, treedef = jax.tree_util.tree_flatten(x)
    assert len(leaves) == 1
    assert leaves[0] is x.values
    y = jax.tree_util.tree_unflatten(treedef, [leaves[0] * 2])
    assert isinstance(y, rg.RaggedArray)
    assert y._structure is x._structure
    assert y.to_list() == [[2.0, 4.0], [], [6.0]]


def test_pytree_of_numpy_content():
    jax = pytest.importorskip("jax")
    x = rg.array([[1, 2], [3]])
    assert jax.tree_util.tree_leaves(x) == [x.values]
    y = jax.tree_util.tree_map(lambda v: v + 1, x)
    assert y.to_list() == [[2, 3], [4]]
    assert y.backend == "numpy"


def test_pytree_treedefs_compare_by_structure():
    jax = pytest.importorskip("jax")
    a = rg.array([[1.0, 2.0], [3.0]], backend="jax")
    b = rg.from_offsets(np.array([0, 2, 3]), jax.numpy.array([4.0, 5.0, 6.0]))
    c = rg.from_offsets(np.array([0, 1, 3]), jax.numpy.array([4.0, 5.0, 6.0]))
    assert jax.tree_util.tree_structure(a) == jax.tree_util.tree_structure(b)
    assert jax.tree_util.tree_structure(a) != jax.tree_util.tree_structure(c)


def test_jit_reuses_the_trace_for_an_equal_structure_and_retraces_for_another():
    jax = pytest.importorskip("jax")
    traces = []

    @jax.jit
    def double(x):
        traces.append(x.type)
        return jax.tree_util.tree_map(lambda v: v * 2, x)

    a = rg.array([[1.0, 2.0], [3.0]], backend="jax")
    out = double(a)
    assert isinstance(out, rg.RaggedArray)
    assert out.to_list() == [[2.0, 4.0], [6.0]]
    assert out._structure == a._structure
    assert len(traces) == 1

    # an equal structure built separately (a different Structure object): no new trace
    b = rg.from_offsets(np.array([0, 2, 3]), jax.numpy.array([4.0, 5.0, 6.0]))
    assert b._structure is not a._structure
    assert double(b).to_list() == [[8.0, 10.0], [12.0]]
    assert len(traces) == 1

    # same number of elements, other list lengths: a new trace
    c = rg.from_offsets(np.array([0, 1, 3]), jax.numpy.array([4.0, 5.0, 6.0]))
    assert double(c).to_list() == [[8.0], [10.0, 12.0]]
    assert len(traces) == 2

    # other depth: a new trace
    d = rg.from_offsets(np.array([0, 2]), rg.array([[4.0, 5.0], [6.0]], backend="jax"))
    assert double(d).to_list() == [[[8.0, 10.0], [12.0]]]
    assert len(traces) == 3
    assert double(a).to_list() == [[2.0, 4.0], [6.0]]
    assert len(traces) == 3


def test_jit_of_identity_returns_an_equal_structure():
    jax = pytest.importorskip("jax")
    traces = [0]

    @jax.jit
    def identity(x):
        traces[0] += 1
        return x

    x = rg.array([[1.0], [], [2.0, 3.0]], backend="jax")
    y = identity(x)
    assert y._structure == x._structure
    assert y.to_list() == x.to_list()
    identity(rg.array([[5.0], [], [6.0, 7.0]], backend="jax"))
    assert traces[0] == 1


def test_repr_of_a_traced_array():
    jax = pytest.importorskip("jax")
    seen = []

    @jax.jit
    def f(x):
        seen.append(repr(x))
        return x

    f(rg.array([[1.0], []], backend="jax"))
    assert seen == ["<RaggedArray ?? type='2 * var * float32'>"]


@pytest.mark.parametrize("lengths", [[3, 0, 2], [0, 0, 4, 1, 0], [0], [2, 2]])
def test_device_built_segment_ids_match_the_constant_route(monkeypatch, lengths):
    # the GPU route (ids rebuilt on the device from offsets inside a trace) forced on the CPU
    jax = pytest.importorskip("jax")
    from raggrad._backends import get_backend

    backend = get_backend("jax")
    values = np.linspace(-1.0, 2.0, sum(lengths), dtype=np.float32)
    x = rg.from_lengths(lengths, jax.numpy.asarray(values))

    def f(x):
        s = rg.sum(np.sin(x) * x * x, axis=1)
        return rg.sum(s * s, axis=None)

    expected_value = jax.jit(f)(x)
    expected_grad = jax.jit(jax.grad(f))(x)
    monkeypatch.setattr(backend, "ids_route", "device")
    value = jax.jit(f)(x)
    grad = jax.jit(jax.grad(f))(x)
    np.testing.assert_allclose(np.asarray(value), np.asarray(expected_value), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(grad.values), np.asarray(expected_grad.values), rtol=1e-6)
    assert grad._structure == x._structure
    means = jax.jit(lambda x: rg.mean(x, axis=1))(x)
    np.testing.assert_allclose(
        np.asarray(means.values),
        [np.mean(values[a:b]) if b > a else np.nan for a, b in pairwise(np.cumsum([0, *lengths]))],
        rtol=1e-6,
    )


@pytest.mark.parametrize("name", ["numpy", "jax", "torch"])
def test_take_fill_fills_negative_indices_as_out_of_range(name):
    # jnp.take counts a negative index from the end even with mode="fill": options.mask and
    # pad_none mark new missing slots with -1, whose content must be the fill (0), not the last value
    pytest.importorskip(name)
    backend = rg._backends.get_backend(name)
    data = rg.array([1.0, 2.0, 3.0], backend=name).values
    index = backend.asarray(np.array([0, -1, 5, 2]))
    np.testing.assert_array_equal(backend.to_numpy(backend.take_fill(data, index, 0.0)), [1.0, 0.0, 0.0, 3.0])
    for made, sums in (
        (rg.pad_none(rg.array([[1.0, 2.0], [5.0]], backend=name), 3), [3.0, 5.0]),
        (
            rg.mask(rg.array([[1.0, 2.0, 3.0], [4.0]], backend=name), [[True, False, True], [False]]),
            [4.0, 0.0],
        ),
    ):
        assert rg.sum(made, axis=1).to_list() == sums
        assert float(rg.sum(made)) == sum(sums)
