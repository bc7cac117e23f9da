"""Conversion to and from awkward Arrays (rg.from_awkward, rg.to_awkward, rg.array of ak.Array)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg

ak = pytest.importorskip("awkward")
contents = ak.contents
index = ak.index


def _numbers(n: int = 6) -> ak.contents.NumpyArray:
    return contents.NumpyArray(np.arange(float(n)))


# ---- from_awkward: the supported layouts --------------------------------------------------------


def test_from_numpy_array_layout():
    x = rg.from_awkward(ak.Array(_numbers()))
    assert x.type == "6 * float64"
    assert x.to_list() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_from_list_offset_array_layout_normalises_offsets():
    layout = contents.ListOffsetArray(index.Index64(np.array([1, 3, 3, 6])), _numbers())
    x = rg.from_awkward(layout)
    assert x.type == "3 * var * float64"
    assert x.to_list() == [[1.0, 2.0], [], [3.0, 4.0, 5.0]]
    assert rg.offsets(x).tolist() == [0, 2, 2, 5]


def test_from_list_array_layout_out_of_order():
    starts = index.Index64(np.array([4, 0, 2]))
    stops = index.Index64(np.array([6, 2, 2]))
    a = ak.Array(contents.ListArray(starts, stops, _numbers()))
    x = rg.from_awkward(a)
    assert x.type == "3 * var * float64"
    assert x.to_list() == a.to_list() == [[4.0, 5.0], [0.0, 1.0], []]


def test_from_regular_array_layout():
    x = rg.from_awkward(contents.RegularArray(_numbers(), 3))
    assert x.type == "2 * 3 * float64"
    assert x.to_list() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_from_regular_inside_ragged():
    layout = contents.ListOffsetArray(
        index.Index64(np.array([0, 1, 3])), contents.RegularArray(_numbers(), 2)
    )
    x = rg.from_awkward(layout)
    assert x.type == "2 * var * 2 * float64"
    assert x.to_list() == ak.Array(layout).to_list()


def test_regular_above_ragged_becomes_ragged_of_equal_lengths():
    ragged = contents.ListOffsetArray(index.Index64(np.array([0, 2, 2, 6])), _numbers())
    x = rg.from_awkward(contents.RegularArray(ragged, 1))
    assert x.type == "3 * var * var * float64"
    assert rg.offsets(x, axis=1).tolist() == [0, 1, 2, 3]
    assert x.to_list() == [[[0.0, 1.0]], [[]], [[2.0, 3.0, 4.0, 5.0]]]


def test_from_empty_regular_array():
    layout = contents.RegularArray(contents.NumpyArray(np.zeros(0)), 0, zeros_length=4)
    assert rg.from_awkward(layout).type == "4 * 0 * float64"
    assert rg.from_awkward(ak.Array(np.zeros((0, 3)))).type == "0 * 3 * float64"


def test_from_awkward_of_booleans_and_ints():
    assert rg.from_awkward(ak.Array([[True, False], []])).type == "2 * var * bool"
    assert rg.from_awkward(ak.Array([[1, 2], [3]])).type == "2 * var * int64"


def test_array_of_awkward_array_converts_and_switches_backend():
    a = ak.Array([[1.0, 2.0], [], [3.0]])
    x = rg.array(a)
    assert x.type == "3 * var * float64"
    assert x.backend == "numpy"
    assert rg.array(a, dtype=np.float32).type == "3 * var * float32"
    pytest.importorskip("jax")
    assert rg.array(a, backend="jax").backend == "jax"


@pytest.mark.parametrize(
    ("a", "layout"),
    [
        (ak.Array([[1.0, None], [2.0]]), "IndexedOptionArray"),
        (ak.Array([1.0, None]), "IndexedOptionArray"),
        (ak.Array([[1], ["a"]]), "UnionArray"),
        (ak.Array(["abc", "d"]), "ListOffsetArray of strings"),
        (ak.Array([b"abc"]), "ListOffsetArray of bytestrings"),
        (ak.Array([["abc"], []]), "ListOffsetArray of strings"),
    ],
)
def test_unsupported_layouts_name_the_layout(a, layout):
    with pytest.raises(TypeError, match=rf"rg\.from_awkward: layout {layout} is not supported"):
        rg.from_awkward(a)
    with pytest.raises(TypeError, match=f"layout {layout}"):
        rg.array(a)


# ---- to_awkward --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "type_"),
    [
        ([[1.0, 2.0], [], [3.0]], "3 * var * float64"),
        ([[[1]], [], [[2, 3], []]], "3 * var * var * int64"),
        ([], "0 * float64"),
        ([[], []], "2 * var * float64"),
    ],
)
def test_to_awkward(data, type_):
    a = rg.to_awkward(rg.array(data))
    assert isinstance(a, ak.Array)
    assert str(a.type) == type_
    assert a.to_list() == data


def test_to_awkward_keeps_inner_dims_regular():
    a = rg.to_awkward(rg.from_offsets([0, 1, 3], np.ones((3, 2))))
    assert str(a.type) == "2 * var * 2 * float64"


def test_to_awkward_does_not_share_offsets():
    x = rg.array([[1, 2], [3]])
    a = rg.to_awkward(x)
    a.layout.offsets.data[1] = 0  # awkward may write; raggrad's read-only offsets stay as they are
    assert rg.offsets(x).tolist() == [0, 2, 3]


def test_to_awkward_from_jax_and_batched():
    jax = pytest.importorskip("jax")
    x = rg.array([[1.0], []], backend="jax")
    assert rg.to_awkward(x).to_list() == [[1.0], []]
    batched = jax.vmap(lambda v: rg.from_offsets(np.array([0, 2, 2, 3]), v))(
        jax.numpy.arange(6.0).reshape(2, 3)
    )
    a = rg.to_awkward(batched)
    assert str(a.type) == "2 * 3 * var * float32"
    assert a.to_list() == batched.to_list()


def test_to_awkward_rejects_other_types():
    with pytest.raises(
        TypeError, match=r"rg\.to_awkward: expected a RaggedArray or RecordArray, not ndarray"
    ):
        rg.to_awkward(np.ones(3))


# ---- round trips -------------------------------------------------------------------------------

_values = st.integers(-1000, 1000)


def _nested(depth: int) -> st.SearchStrategy[list]:
    strategy = st.lists(_values, max_size=5)
    for _ in range(depth - 1):
        strategy = st.lists(strategy, max_size=4)
    return strategy


@given(st.integers(1, 4).flatmap(_nested))
def test_awkward_round_trip(data):
    a = ak.Array(data)
    x = rg.from_awkward(a)
    assert x.to_list() == data
    back = rg.to_awkward(x)
    assert back.to_list() == data
    assert rg.from_awkward(back)._structure == x._structure


@given(_nested(2), st.data())
def test_awkward_list_array_round_trip(data, draw):
    # a ListArray over a permuted, padded content gives the same lists as the list-of-lists
    lengths = [len(row) for row in data]
    order = draw.draw(st.permutations(range(len(data))))
    flat, starts, stops = [], [0] * len(data), [0] * len(data)
    for i in order:
        flat.append(99)  # a gap the lists do not cover
        starts[i] = len(flat)
        flat.extend(data[i])
        stops[i] = starts[i] + lengths[i]
    layout = contents.ListArray(
        index.Index64(np.array(starts, dtype=np.int64)),
        index.Index64(np.array(stops, dtype=np.int64)),
        contents.NumpyArray(np.array(flat, dtype=np.int64)),
    )
    x = rg.from_awkward(layout)
    assert x.to_list() == data
    assert rg.to_awkward(x).to_list() == data
