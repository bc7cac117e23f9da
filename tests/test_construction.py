"""Construction and conversion: rg.array, from_offsets, from_lengths, padded arrays, to_list,
to_numpy, to_backend; bad input; batched content; round trips."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg

# ---- strategies --------------------------------------------------------------------------------

_values = st.floats(allow_nan=False, allow_infinity=False, width=32)


def _nested(depth: int) -> st.SearchStrategy[list]:
    """Lists nested exactly ``depth`` deep (empty lists included) with float leaves."""
    strategy = st.lists(_values, max_size=5)
    for _ in range(depth - 1):
        strategy = st.lists(strategy, max_size=4)
    return strategy


nested_lists = st.integers(1, 4).flatmap(_nested)
lengths_lists = st.lists(st.integers(0, 6), max_size=12)


def _offsets(lengths: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64)


def _split(values: list, lengths: list[int]) -> list:
    offsets = _offsets(lengths).tolist()
    return [values[a:b] for a, b in itertools.pairwise(offsets)]


# ---- rg.array / rg.asarray ---------------------------------------------------------------------


def test_asarray_reads_equal_length_lists_as_regular_dimensions_as_the_array_api_does():
    assert rg.asarray([[1, 2], [3, 4]]).type == "2 * 2 * int64"  # the array API's asarray
    assert rg.array([[1, 2], [3, 4]]).type == "2 * var * int64"  # awkward's reading
    assert rg.asarray([[1, 2], [3]]).to_list() == rg.array([[1, 2], [3]]).to_list()  # ragged stays ragged
    x = rg.array([[1.0], []])
    assert rg.asarray(x) is not None and rg.asarray(x).to_list() == x.to_list()
    a = np.arange(3.0)
    assert rg.asarray(a).values is a and rg.asarray(a, copy=True).values is not a
    with pytest.raises(ValueError, match="copy=False"):
        rg.asarray(a, dtype=np.float32, copy=False)


def test_array_from_nested_lists():
    x = rg.array([[1, 2, 3], [], [4, 5]])
    assert x.type == "3 * var * int64"
    assert x.to_list() == [[1, 2, 3], [], [4, 5]]
    assert x.backend == "numpy"


def test_array_from_tuples_and_numpy_rows():
    x = rg.array([(1.0, 2.0), np.array([3.0])])
    assert x.type == "2 * var * float64"
    assert x.to_list() == [[1.0, 2.0], [3.0]]


def test_array_from_numpy_array_shares_memory():
    a = np.arange(6.0).reshape(2, 3)
    x = rg.array(a)
    assert x.type == "2 * 3 * float64"
    assert np.shares_memory(x.values, a)


def test_array_of_a_scalar_is_0d():
    out = rg.array(3.5)
    assert isinstance(out, np.ndarray)
    assert out.ndim == 0
    assert float(out) == 3.5


def test_array_from_ragged_array_keeps_structure():
    x = rg.array([[1, 2], [3]])
    y = rg.array(x)
    assert y._structure is x._structure
    assert y.values is x.values
    z = rg.array(x, dtype=np.float32)
    assert z.type == "2 * var * float32"
    assert z._structure is x._structure


@pytest.mark.parametrize("dtype", [np.float32, "float32", rg.float32])
def test_array_dtype(dtype):
    x = rg.array([[1, 2], [3]], dtype=dtype)
    assert x.dtype == np.float32
    assert x.to_list() == [[1.0, 2.0], [3.0]]


@pytest.mark.parametrize(
    ("data", "dtype"),
    [([[True], []], "bool"), ([[1 + 2j], []], "complex128"), ([[1], [2, 3]], "int64")],
)
def test_array_infers_dtype_like_numpy(data, dtype):
    assert rg.array(data).dtype == np.dtype(dtype)


def test_array_empty_lists_are_float64():
    assert rg.array([[], []]).dtype == np.float64
    assert rg.array([[], []], dtype=np.int32).type == "2 * var * int32"


def test_array_device_cpu_on_numpy():
    assert rg.array([[1.0], []], device="cpu").device == "cpu"


def test_array_unknown_device_on_numpy():
    with pytest.raises(ValueError, match="'gpu'"):
        rg.array([[1.0], []], device="gpu")


def test_array_unknown_backend():
    with pytest.raises(ValueError, match="unknown backend 'nope'"):
        rg.array([[1.0]], backend="nope")


# ---- from_offsets ------------------------------------------------------------------------------


def test_from_offsets_shares_content_when_offsets_cover_it():
    content = np.arange(5.0)
    x = rg.from_offsets([0, 3, 3, 5], content)
    assert x.to_list() == [[0.0, 1.0, 2.0], [], [3.0, 4.0]]
    assert x.values is content


def test_from_offsets_normalises_offsets_not_starting_at_zero():
    content = np.arange(10)
    x = rg.from_offsets(np.array([3, 5, 5, 8]), content)
    assert x.to_list() == [[3, 4], [], [5, 6, 7]]
    assert rg.offsets(x).tolist() == [0, 2, 2, 5]
    assert x.values.tolist() == [3, 4, 5, 6, 7]
    assert np.shares_memory(x.values, content)  # a view, not a copy


def test_from_offsets_normalises_offsets_ending_before_the_content():
    x = rg.from_offsets([0, 1, 2], np.arange(5))
    assert x.values.tolist() == [0, 1]
    assert x.to_list() == [[0], [1]]


def test_from_offsets_nests_over_a_ragged_array():
    inner = rg.array([[1, 2], [3], [], [4, 5, 6]])
    x = rg.from_offsets([0, 2, 2, 4], inner)
    assert x.type == "3 * var * var * int64"
    assert x.to_list() == [[[1, 2], [3]], [], [[], [4, 5, 6]]]
    assert rg.offsets(x, axis=1).tolist() == [0, 2, 2, 4]
    assert rg.offsets(x, axis=2).tolist() == [0, 2, 3, 3, 6]


def test_from_offsets_nested_normalises_a_partial_ragged_content():
    inner = rg.array([[1, 2], [3], [], [4, 5, 6]])
    x = rg.from_offsets([1, 2, 4], inner)
    assert x.to_list() == [[[3]], [[], [4, 5, 6]]]
    assert rg.offsets(x, axis=2).tolist() == [0, 1, 1, 4]
    assert x.values.tolist() == [3, 4, 5, 6]


def test_from_offsets_with_regular_inner_dims():
    x = rg.from_offsets([0, 1, 3], np.arange(6.0).reshape(3, 2))
    assert x.type == "2 * var * 2 * float64"


def test_from_offsets_accepts_list_content():
    assert rg.from_offsets([0, 1, 2], [1.0, 2.0]).to_list() == [[1.0], [2.0]]


def test_from_offsets_validate_false_trusts_the_offsets():
    x = rg.from_offsets(np.array([0, 2, 3]), np.arange(3), validate=False)
    assert x.to_list() == [[0, 1], [2]]


def test_from_offsets_of_a_large_array_is_vectorised():
    # a Python loop per list would take seconds here; the whole construction is a few NumPy calls
    rng = np.random.default_rng(0)
    lengths = rng.poisson(5, 200_000)
    offsets = _offsets(lengths.tolist())
    x = rg.from_offsets(offsets, rng.standard_normal(int(offsets[-1])))
    assert len(x) == 200_000
    assert hash(x._structure) == hash(rg.from_lengths(lengths, x.values)._structure)


# ---- from_lengths, from_padded, to_padded -----------------------------------------------------


def test_from_lengths():
    x = rg.from_lengths([2, 0, 1], np.array([1, 2, 3]))
    assert x.to_list() == [[1, 2], [], [3]]
    assert rg.from_lengths(np.array([1, 1]), [5.0, 6.0]).to_list() == [[5.0], [6.0]]


def test_from_lengths_nests():
    inner = rg.from_lengths([1, 2], np.arange(3))
    assert rg.from_lengths([0, 2], inner).to_list() == [[], [[0], [1, 2]]]


def test_from_padded():
    padded = np.array([[1, 2, 9], [3, 9, 9], [9, 9, 9]])
    x = rg.from_padded(padded, [2, 1, 0])
    assert x.to_list() == [[1, 2], [3], []]
    assert x.type == "3 * var * int64"


def test_from_padded_with_inner_dims():
    padded = np.arange(12.0).reshape(2, 3, 2)
    x = rg.from_padded(padded, [1, 3])
    assert x.type == "2 * var * 2 * float64"
    assert x.to_list() == [[[0.0, 1.0]], [[6.0, 7.0], [8.0, 9.0], [10.0, 11.0]]]


def test_to_padded_defaults():
    dense, mask = rg.to_padded(rg.array([[1, 2], [], [3]]))
    assert dense.tolist() == [[1, 2], [0, 0], [3, 0]]
    assert mask.tolist() == [[True, True], [False, False], [True, False]]
    assert mask.dtype == np.bool_


def test_to_padded_fill_value_and_length():
    x = rg.array([[1.0, 2.0, 3.0], [], [4.0]])
    dense, mask = rg.to_padded(x, fill_value=-1.0, length=2)
    assert dense.tolist() == [[1.0, 2.0], [-1.0, -1.0], [4.0, -1.0]]
    assert mask.tolist() == [[True, True], [False, False], [True, False]]
    dense, mask = rg.to_padded(x, fill_value=np.nan, length=4)
    assert dense.shape == (3, 4)
    assert np.isnan(dense[1]).all()
    assert mask.sum() == 4


def test_to_padded_of_no_lists():
    dense, mask = rg.to_padded(rg.from_offsets([0], np.zeros(0)))
    assert dense.shape == (0, 0)
    assert mask.shape == (0, 0)


def test_to_padded_needs_one_ragged_dim():
    with pytest.raises(ValueError, match="exactly one ragged dimension"):
        rg.to_padded(rg.array([[[1]]]))
    with pytest.raises(TypeError, match="expected a RaggedArray"):
        rg.to_padded(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="length must be non-negative"):
        rg.to_padded(rg.array([[1]]), length=-1)


@given(lengths_lists, st.integers(0, 3))
def test_padded_round_trip(lengths, extra):
    values = np.arange(sum(lengths), dtype=np.float64)
    x = rg.from_lengths(lengths, values)
    dense, mask = rg.to_padded(x, length=max(lengths, default=0) + extra)
    assert mask.sum(axis=1).tolist() == lengths
    y = rg.from_padded(dense, mask.sum(axis=1))
    assert y._structure == x._structure
    assert y.to_list() == x.to_list()


# ---- to_list, to_numpy, np.asarray ---------------------------------------------------------


def test_to_list_function_and_method_agree():
    x = rg.array([[1, 2], [3]])
    assert rg.to_list(x) == x.to_list() == [[1, 2], [3]]
    assert rg.to_list(np.array([1, 2])) == [1, 2]


def test_to_numpy_without_ragged_dims():
    x = rg.array(np.arange(6).reshape(2, 3))
    out = rg.to_numpy(x)
    assert isinstance(out, np.ndarray)
    assert out.tolist() == [[0, 1, 2], [3, 4, 5]]
    np.testing.assert_array_equal(np.asarray(x), out)
    assert np.asarray(x, dtype=np.float32).dtype == np.float32


def test_to_numpy_with_ragged_dims_is_an_error():
    x = rg.array([[1, 2], [3]])
    with pytest.raises(ValueError, match=r"rg.to_numpy: .*'2 \* var \* int64' has ragged dimensions"):
        rg.to_numpy(x)
    with pytest.raises(ValueError, match="ragged dimensions"):
        np.asarray(x)


# ---- bad input: named errors, nothing mutated ------------------------------------------------


@pytest.mark.parametrize(
    ("offsets", "error", "match"),
    [
        ([0, 3, 2, 5], ValueError, r"must not decrease, but offsets\[1\]=3 > offsets\[2\]=2"),
        ([-1, 2, 5], ValueError, "non-negative"),
        ([0, 3, 6], ValueError, r"offsets\[-1\]=6 points past the content \(length 5\)"),
        ([0.0, 2.0, 5.0], TypeError, "must be integers, not dtype float64"),
        ([[0, 2, 5]], ValueError, r"1-d array, got shape \(1, 3\)"),
        ([True, False], TypeError, "must be integers"),
    ],
)
def test_from_offsets_rejects_bad_offsets(offsets, error, match):
    offsets = np.array(offsets)
    content = np.arange(5.0)
    offsets_before, content_before = offsets.copy(), content.copy()
    with pytest.raises(error, match=r"rg\.from_offsets: ") as info:
        rg.from_offsets(offsets, content)
    info.match(match)
    np.testing.assert_array_equal(offsets, offsets_before)
    np.testing.assert_array_equal(content, content_before)
    assert offsets.flags.writeable and content.flags.writeable


def test_from_offsets_rejects_bad_content():
    with pytest.raises(TypeError, match="holds numbers and booleans only"):
        rg.from_offsets([0, 1], np.array(["a"]))
    with pytest.raises(ValueError, match="0-d array"):
        rg.from_offsets([0, 1], np.float64(1.0))
    with pytest.raises(TypeError, match="content must be a backend array"):
        rg.from_offsets([0, 1], "a")
    with pytest.raises(TypeError, match="not a RaggedArray of type '1 \\* var \\* int64'"):
        rg.from_offsets(rg.array([[0, 1]]), np.zeros(1))


def test_offsets_and_lengths_may_be_raggedarrays_without_ragged_dims():
    x = rg.array([[1.0, 2.0], [], [3.0]])
    assert rg.from_offsets(rg.array([0, 1]), np.zeros(1)).to_list() == [[0.0]]
    assert rg.from_lengths(rg.num(x), x.values).to_list() == x.to_list()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([[1], [[2]]], r"mix depths: at depth 2, item 1 is \[2\] while item 0 is 1"),
        ([[[2]], [1]], "mix depths"),
        ([1, [2]], "mix depths"),
    ],
)
def test_array_rejects_lists_mixing_depths(data, match):
    with pytest.raises(ValueError, match=match):
        rg.array(data)
    assert data[0] in ([1], [[2]], 1)  # the input lists are unchanged


@pytest.mark.parametrize(
    "data",
    [[["a"], ["b"]], [[None], ["b"]], np.array(["a", "b"]), "abc", None, {1: 2}],
)
def test_array_rejects_non_numeric_data(data):
    with pytest.raises(TypeError, match=r"rg\.array: "):
        rg.array(data)


def test_from_lengths_whose_sum_disagrees_with_the_content():
    lengths = np.array([2, 2])
    content = np.arange(5)
    with pytest.raises(ValueError, match="lengths sum to 4 but the content has 5 items"):
        rg.from_lengths(lengths, content)
    with pytest.raises(ValueError, match="lengths must be non-negative, got -1"):
        rg.from_lengths([2, -1, 4], content)
    with pytest.raises(TypeError, match="integers"):
        rg.from_lengths([2.5, 2.5], content)
    assert lengths.tolist() == [2, 2]
    assert content.tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "lengths",
    [
        np.array([2**62] * 4),  # the sum wrapped to 0: four empty lists, silently
        np.array([2, 2**63 - 1, 2**63 - 1]),
        np.array([1, 2**63 - 1, 2]),
        np.array([2**63, 2**63], np.uint64),  # read as negative numbers
    ],
)
def test_bounded_lengths_that_add_up_past_int64_are_refused(lengths):
    content = np.arange(6.0)
    with pytest.raises(ValueError, match=r"fit in int64|add up past the largest int64"):
        rg.from_lengths(lengths, content)  # (the exact path)
    with pytest.raises(ValueError, match="the lengths add up past the largest int64"):
        rg.from_lengths(lengths, content, capacity=4)
    with pytest.raises(ValueError, match="the counts add up past the largest int64"):
        rg.unflatten(content, lengths, capacity=4)


@pytest.mark.parametrize(
    "make",
    [
        lambda c: rg.from_offsets(np.ma.array([0, 2, 5], mask=[0, 1, 0]), c),
        lambda c: rg.from_lengths(np.ma.array([2, 3], mask=[1, 0]), c),
        lambda c: rg.from_lengths(np.ma.array([2, 3], mask=[1, 0]), c, capacity=4),
        lambda c: rg.unflatten(c, np.ma.array([2, 3], mask=[0, 1])),
        lambda c: rg.from_padded(np.arange(6.0).reshape(2, 3), np.ma.array([3, 1], mask=[0, 1])),
    ],
)
def test_masked_offsets_and_lengths_are_refused(make):
    # their hidden data was read as the structure
    with pytest.raises(TypeError, match="masked array with masked entries"):
        make(np.arange(5.0))
    assert rg.from_lengths(np.ma.array([2, 3]), np.arange(5.0)).to_list() == [[0.0, 1.0], [2.0, 3.0, 4.0]]


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_to_padded_refuses_a_fill_value_of_none_on_every_backend(backend):
    # numpy padded floats with NaN, jax and torch raised their own TypeErrors
    pytest.importorskip(backend)
    with pytest.raises(TypeError, match="fill_value must be a number or a boolean, not None"):
        rg.to_padded(rg.to_backend(rg.array([[1.0], []]), backend), fill_value=None)


def test_from_padded_whose_sizes_disagree():
    padded = np.zeros((3, 2))
    with pytest.raises(ValueError, match="2 lengths for 3 rows"):
        rg.from_padded(padded, [1, 2])
    with pytest.raises(ValueError, match=r"lengths must lie in \[0, 2\]"):
        rg.from_padded(padded, [1, 2, 3])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        rg.from_padded(np.zeros(3), [1, 1, 1])
    assert not padded.any()


# ---- round trips -------------------------------------------------------------------------------


@given(nested_lists)
def test_lists_round_trip(data):
    x = rg.array(data)
    assert x.to_list() == data
    assert rg.array(x.to_list())._structure == x._structure


@given(_nested(2))
def test_lists_give_the_offsets_of_their_lengths(data):
    x = rg.array(data)
    if data:
        assert rg.offsets(x).tolist() == _offsets([len(row) for row in data]).tolist()
    assert x.values.tolist() == [v for row in data for v in row]


@given(lengths_lists, st.integers(0, 4), st.integers(0, 4))
def test_offsets_round_trip(lengths, start, tail):
    offsets = _offsets(lengths) + start
    content = np.arange(int(offsets[-1]) + tail)
    x = rg.from_offsets(offsets, content)
    assert rg.offsets(x).tolist() == (offsets - start).tolist()
    assert x.to_list() == _split(content[start:].tolist(), lengths)
    assert rg.from_offsets(rg.offsets(x), x.values)._structure == x._structure


# ---- JAX arrays, backends and batched content ------------------------------------------------


def test_array_from_jax_array():
    jnp = pytest.importorskip("jax.numpy")
    x = rg.array(jnp.arange(6.0).reshape(3, 2))
    assert x.backend == "jax"
    assert x.type == "3 * 2 * float32"
    assert rg.array(jnp.arange(3), backend="numpy").backend == "numpy"


def test_array_backend_jax_device_cpu():
    jax = pytest.importorskip("jax")
    x = rg.array([[0.5], [1.5, 2.5]], backend="jax", device="cpu")
    assert x.backend == "jax"
    assert x.type == "2 * var * float32"
    assert x.device == jax.devices("cpu")[0]
    assert isinstance(x.values, jax.Array)
    assert rg.offsets(x).tolist() == [0, 1, 3]
    assert isinstance(rg.offsets(x), jax.Array)


def test_array_backend_jax_keeps_float64_under_x64():
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        x = rg.array([[0.5], []], backend="jax")
        assert x.type == "2 * var * float64"


def test_from_offsets_over_jax_content():
    jnp = pytest.importorskip("jax.numpy")
    x = rg.from_offsets(np.array([1, 2, 4]), jnp.arange(5))
    assert x.backend == "jax"
    assert x.to_list() == [[1], [2, 3]]
    assert rg.from_lengths(jnp.array([1, 0]), jnp.ones(1)).to_list() == [[1.0], []]


def test_from_offsets_rejects_traced_offsets():
    jax = pytest.importorskip("jax")
    content = jax.numpy.arange(3.0)
    with pytest.raises(rg.TracedStructureError, match="offsets is being traced"):
        jax.jit(lambda o: rg.from_offsets(o, content).values)(jax.numpy.array([0, 1, 3]))


def test_from_padded_and_to_padded_on_jax():
    jax = pytest.importorskip("jax")
    padded = jax.numpy.array([[1.0, 2.0], [3.0, 0.0]])
    x = rg.from_padded(padded, [2, 1])
    assert x.backend == "jax"
    assert x.to_list() == [[1.0, 2.0], [3.0]]
    dense, mask = rg.to_padded(x, fill_value=-1.0, length=3)
    assert isinstance(dense, jax.Array)
    assert dense.tolist() == [[1.0, 2.0, -1.0], [3.0, -1.0, -1.0]]
    assert mask.dtype == jax.numpy.bool_
    assert mask.tolist() == [[True, True, False], [True, False, False]]


def test_to_backend_numpy_jax_numpy():
    jax = pytest.importorskip("jax")
    x = rg.array([[1.0, 2.0], [], [3.0]], dtype=np.float32)
    j = rg.to_backend(x, "jax", device="cpu")
    assert j.backend == "jax"
    assert j.device == jax.devices("cpu")[0]
    assert j._structure is x._structure
    back = j.to_backend("numpy")
    assert back.backend == "numpy"
    assert isinstance(back.values, np.ndarray)
    assert back.to_list() == x.to_list()
    assert back.dtype == np.float32


def test_jax_array_to_numpy():
    jax = pytest.importorskip("jax")
    x = rg.array(jax.numpy.ones((2, 3)))
    assert isinstance(rg.to_numpy(x), np.ndarray)
    assert np.asarray(x).shape == (2, 3)


@given(nested_lists)
def test_numpy_jax_round_trip(data):
    jax = pytest.importorskip("jax")
    x = rg.array(data, dtype=np.float32)
    j = x.to_backend("jax")
    assert j.backend == "jax"
    assert j.to_list() == x.to_list()
    back = j.to_backend("numpy")
    assert back._structure == x._structure
    np.testing.assert_array_equal(back.values, x.values)
    with jax.enable_x64(True):
        y = rg.array(data)  # float64 survives the trip when jax has x64 on
        assert rg.to_backend(rg.to_backend(y, "jax"), "numpy").to_list() == data


def test_vmap_of_from_offsets_gives_batched_content():
    jax = pytest.importorskip("jax")
    offsets = np.array([0, 2, 2, 3])
    batch = jax.numpy.arange(6.0).reshape(2, 3)
    x = jax.vmap(lambda v: rg.from_offsets(offsets, v))(batch)
    assert isinstance(x, rg.RaggedArray)
    assert x.values.shape == (2, 3)
    assert x.type == "2 * 3 * var * float32"
    assert x.shape == (2, 3, None)
    assert x.ndim == 3
    assert len(x) == 2
    assert x.to_list() == [[[0.0, 1.0], [], [2.0]], [[3.0, 4.0], [], [5.0]]]
    assert "type='2 * 3 * var * float32'" in repr(x)


@pytest.mark.parametrize("batch_shape", [(2,), (2, 3)])
@pytest.mark.parametrize("inner", [(), (2,)])
def test_to_padded_of_batched_content_pads_each_batch_element(batch_shape, inner):
    jax = pytest.importorskip("jax")
    offsets = np.array([0, 1, 1, 4])
    batch = jax.numpy.arange(np.prod(batch_shape) * 4 * np.prod(inner, dtype=int), dtype=float)
    batch = batch.reshape(*batch_shape, 4, *inner)
    build = lambda v: rg.from_offsets(offsets, v)  # noqa: E731
    for _ in batch_shape:
        build = jax.vmap(build)
    x = build(batch)
    assert x.shape == (*batch_shape, 3, None, *inner)
    dense, mask = rg.to_padded(x, fill_value=-1.0)
    assert dense.shape == (*batch_shape, 3, 3, *inner)
    assert mask.shape == (3, 3)  # the mask belongs to the shared structure
    for index in np.ndindex(*batch_shape):
        expected, _ = rg.to_padded(rg.from_offsets(offsets, batch[index]), fill_value=-1.0)
        np.testing.assert_array_equal(dense[index], expected)


def test_asarray_to_its_own_dtype_without_copy_is_the_same_array():
    # the array API's asarray(x, dtype=x.dtype, copy=False): nothing to convert, nothing copied
    x = rg.asarray(np.arange(3, dtype=np.uint8))
    y = rg.asarray(x, dtype=rg.uint8, copy=False)
    assert y.dtype == np.uint8 and y.to_list() == [0, 1, 2]
    assert np.shares_memory(np.asarray(y.values), np.asarray(x.values))


def test_big_endian_content_converts_to_awkward():
    pytest.importorskip("awkward")
    x = rg.from_offsets(np.array([0, 2, 3]), np.arange(3.0).astype(">f8"))
    a = rg.to_awkward(x)
    assert a.tolist() == [[0.0, 1.0], [2.0]] and str(a.type) == "2 * var * float64"


DICTS = [[{"a": 1.0}], [[{"pt": 1.0, "eta": 0.5}], []], [[], [{"a": 1.0}]], [None, {"a": 1.0}]]


@pytest.mark.parametrize("lists", DICTS)
def test_lists_of_dicts_point_to_the_ways_to_make_records(lists):
    with pytest.raises(TypeError, match=r"hold dicts \(records\).*rg\.zip.*rg\.from_awkward"):
        rg.array(lists)


def test_masked_numpy_arrays_give_missing_values_not_their_hidden_data():
    """As ak.Array reads a numpy masked array; from_padded refuses one rather than read the
    masked entries as values."""
    m = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0], dtype=np.float32)
    x = rg.array(m)
    assert x.to_list() == [1.0, None, 3.0] and x.type == "3 * ?float32"
    ak = pytest.importorskip("awkward")
    assert rg.to_awkward(x).to_list() == ak.Array(m).to_list()
    assert rg.array(np.ma.array([1, 2])).type == "2 * int64"  # nothing masked: a plain array
    # no None inside a regular dimension: the rows of a 2-d masked array become lists
    grid = rg.array(np.ma.array([[1, 2, 3], [4, 5, 6]], mask=[[0, 1, 0], [0, 0, 0]]))
    assert grid.to_list() == [[1, None, 3], [4, 5, 6]] and grid.type == "2 * var * ?int64"
    with pytest.raises(TypeError, match="0-d masked array"):
        rg.array(np.ma.array(3.0, mask=True))
    padded = np.ma.array([[1.0, 2.0], [3.0, 0.0]], mask=[[0, 0], [0, 1]])  # the padding masked
    assert rg.from_padded(padded, [2, 1]).to_list() == [[1.0, 2.0], [3.0]]
    with pytest.raises(TypeError, match=r"masked entries inside the lengths.*rg\.mask"):
        rg.from_padded(padded, [2, 2])


def test_masked_numpy_operands_give_missing_values_not_their_hidden_data():
    """A masked array mixed with raggrad arrays is read as rg.array reads it: NumPy's
    np.add(v, m) is masked where m is, awkward's answer is None there; ops that take no missing
    values refuse it by name."""
    v, m = rg.array([1.0, 2.0, 3.0]), np.ma.array([10.0, 20.0, 30.0], mask=[0, 1, 0])
    assert (v + m).to_list() == np.add(v, m).to_list() == [11.0, None, 33.0]
    assert (rg.array([[1.0, 2.0], [3.0], [4.0]]) + m).to_list() == [[11.0, 12.0], None, [34.0]]
    assert np.maximum(m, v).to_list() == [10.0, None, 30.0]
    assert rg.where(rg.array([True, False, True]), m, v).to_list() == [10.0, 2.0, 30.0]
    assert rg.concat([v, m]).to_list() == [1.0, 2.0, 3.0, 10.0, None, 30.0]
    assert (v + np.ma.array([1.0, 1.0, 1.0])).type == "3 * float64"  # nothing masked: plain
    with pytest.raises(rg.OptionTypeError, match=r"rg\.stack does not take arrays with missing values"):
        rg.stack([v, m])


def test_lengths_and_counts_with_list_levels_or_inner_dims_are_refused_on_every_path():
    """A ragged or 2-d array of lengths is not flattened into them (awkward refuses it too);
    a 1-d RaggedArray (rg.num of an array) still serves."""
    ragged, grid = rg.array([[2], [1]]), rg.array(np.array([[1, 1], [1, 0]]))
    refused = r"lengths must be a 1-d integer array, not a RaggedArray of type '2 \* (var|2) \* int64'"
    for lengths in (ragged, grid, rg.with_capacity(ragged)):
        with pytest.raises(TypeError, match=refused):
            rg.from_lengths(lengths, np.arange(3.0), capacity=4)
        with pytest.raises(TypeError, match=refused):
            rg.from_padded(np.arange(6.0).reshape(2, 3), rg.with_capacity(lengths))
    for counts, capacity in itertools.product((ragged, grid), (None, 4)):
        with pytest.raises(TypeError, match="counts must be a 1-d integer array, not a RaggedArray"):
            rg.unflatten(rg.array([1.0, 2.0, 3.0]), counts, capacity=capacity)
    num = rg.num(rg.array([[1.0, 2.0], [3.0]]))
    assert rg.unflatten(rg.array([1.0, 2.0, 3.0]), num).to_list() == [[1.0, 2.0], [3.0]]
    assert rg.from_lengths(rg.with_capacity(num), np.arange(3.0), capacity=4).to_list() == [[0.0, 1.0], [2.0]]


@pytest.mark.parametrize("dtype", [np.int64, np.uint64])
def test_to_padded_fill_values_just_past_an_integer_dtype_are_refused(dtype):
    """NumPy compares 2.0**63 with int64's largest value as floats (equal); the check is exact."""
    x, edge = rg.array([[1], []], dtype=dtype), int(np.iinfo(dtype).max)
    fill = float(edge + 1)
    wanted = re.escape(f"rg.to_padded: fill_value={fill!r} cannot be stored in the array's dtype")
    with pytest.raises(ValueError, match=wanted):
        rg.to_padded(x, fill_value=fill)
    assert rg.to_padded(x, fill_value=edge)[0].tolist() == [[1], [edge]]
    assert rg.to_padded(x, fill_value=float(2**62))[0].tolist() == [[1], [2**62]]


def test_to_padded_refuses_complex_fill_values_on_real_content_and_strings():
    x = rg.array([[1.0], []])
    with pytest.raises(ValueError, match=r"fill_value=\(1\+2j\) cannot be stored.*rg\.complex128"):
        rg.to_padded(x, fill_value=1 + 2j)
    assert rg.to_padded(rg.astype(x, rg.complex128), fill_value=1 + 2j)[0].tolist() == [[1.0], [1 + 2j]]
    for content in (x, rg.array([[1], []])):
        for fill in ("a", np.str_("a"), b"a"):
            with pytest.raises(TypeError, match=r"rg\.to_padded: fill_value must be a number or a boolean"):
                rg.to_padded(content, fill_value=fill)


def test_object_arrays_of_python_ints_are_offsets_lengths_and_counts():
    """As awkward takes them; other objects, or ints past int64, raise the named errors."""
    ints = np.array([1, 1], dtype=object)
    assert rg.from_offsets(np.array([0, 1, 2], dtype=object), np.arange(2.0)).to_list() == [[0.0], [1.0]]
    assert rg.from_lengths(ints, np.arange(2.0)).to_list() == [[0.0], [1.0]]
    assert rg.unflatten(rg.array([1.0, 2.0]), ints).to_list() == [[1.0], [2.0]]
    for other in (1.5, True):
        with pytest.raises(TypeError, match=r"rg\.from_lengths: lengths must be integers, not dtype object"):
            rg.from_lengths(np.array([1, other], dtype=object), np.arange(2.0))
    with pytest.raises(
        ValueError, match=r"rg\.from_lengths: lengths must fit in int64, got 1844674407370955161"
    ):
        rg.from_lengths(np.array([1, 2**64], dtype=object), np.arange(2.0))


def test_integers_past_int64_convert_to_torch():
    """NumPy gives 2**63 its ulonglong dtype, which torch.from_numpy refuses by name."""
    torch = pytest.importorskip("torch")
    for x in (rg.array([[2**63]], backend="torch"), rg.array([[2**63]]).to_backend("torch")):
        assert x.dtype == torch.uint64 and x.to_list() == [[2**63]]
    y = rg.array(np.array([[-1]], dtype=np.longlong)).to_backend("torch")
    assert y.dtype == torch.int64 and y.to_list() == [[-1]]


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_long_double_content_names_its_dtype_when_converted_to_jax_or_torch(backend):
    pytest.importorskip(backend)
    x = rg.array([[1.0]], dtype=np.longdouble)
    name = np.dtype(np.longdouble).name
    wanted = rf"{backend} backend: cannot hold NumPy's {name} content.*rg\.astype\(x, rg\.float64\)"
    with pytest.raises(TypeError, match=wanted):
        x.to_backend(backend)
    with pytest.raises(TypeError, match=wanted):
        rg.array([[1.0]], dtype=np.longdouble, backend=backend)
    assert rg.astype(x, rg.float64).to_backend(backend).to_list() == [[1.0]]
    wide = np.ones((1, 1), dtype=np.longdouble)
    assert rg.array(wide, dtype=rg.float32, backend=backend).to_list() == [[1.0]]  # converted first


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_masked_numpy_operands_go_to_the_other_operands_backend(backend):
    pytest.importorskip(backend)
    v = rg.array([1.0, 1.0, 1.0], backend=backend)
    assert (v + np.ma.array([1.0, 2.0, 3.0])).to_list() == [2.0, 3.0, 4.0]
    assert (v + np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])).to_list() == [2.0, None, 4.0]
    cond = rg.array([True, False, True], backend=backend)
    assert rg.where(cond, np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0]), 0.0).to_list() == [1.0, 0.0, 3.0]
