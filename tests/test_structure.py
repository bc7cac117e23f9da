"""The data model: Structure (value semantics, cached hash) and the attributes of a RaggedArray."""

from __future__ import annotations

import numpy as np
import pytest

import raggrad as rg
from raggrad._structure import Segments, Structure


def _structure(length: int, *offsets: list[int], inner: tuple[int, ...] = ()) -> Structure:
    return Structure(length, tuple(np.array(o, dtype=np.int64) for o in offsets), inner)


# ---- Structure: equality by value, identity, hash ---------------------------------------------


def test_structure_equal_by_value():
    a = _structure(3, [0, 2, 2, 5])
    b = _structure(3, [0, 2, 2, 5])
    assert a is not b
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


@pytest.mark.parametrize(
    "other",
    [
        _structure(3, [0, 2, 3, 5]),  # same sizes, other list boundaries
        _structure(3, [0, 2, 2, 5], inner=(3,)),  # other inner shape
        _structure(2, [0, 2, 5]),  # other outer length
        _structure(3, [0, 2, 2, 5], [0, 1, 1, 1, 1, 1]),  # deeper
    ],
)
def test_structure_differs_when_anything_differs(other):
    a = _structure(3, [0, 2, 2, 5])
    assert a != other
    assert other != a


def test_structure_identity_fast_path_skips_comparing_offsets():
    a = _structure(3, [0, 2, 2, 5])
    # with identity checked first, a structure equals itself without looking at its offsets
    a.levels[0].offsets = None  # type: ignore[assignment]
    assert a == a


def test_structure_hash_is_computed_once():
    a = _structure(3, [0, 2, 2, 5])
    assert a._hash is None
    h = hash(a)
    assert a._hash == h
    a.levels[0].offsets = None  # type: ignore[assignment]  # a second hash must not read them
    assert hash(a) == h


def test_structure_compares_unequal_to_other_types():
    assert _structure(1, [0, 1]) != (1, (0, 1))


def test_structure_offsets_are_read_only_copies():
    offsets = np.array([0, 1, 3], dtype=np.int64)
    x = rg.from_offsets(offsets, np.arange(3.0))
    level = x._structure.levels[0].offsets
    assert not level.flags.writeable
    assert offsets.flags.writeable  # the caller's array is neither frozen nor shared
    assert not np.shares_memory(level, offsets)


def test_structure_of_equal_arrays_compare_equal():
    x = rg.array([[1.0, 2.0], [], [3.0]])
    y = rg.from_offsets([0, 2, 2, 3], np.array([7.0, 8.0, 9.0]))
    assert x._structure is not y._structure
    assert x._structure == y._structure


def test_segments_derived_maps():
    seg = Segments(np.array([0, 2, 2, 5]))
    assert seg.n == 3
    assert seg.size == 5
    assert seg.lengths.tolist() == [2, 0, 3]
    assert seg.ids.tolist() == [0, 0, 2, 2, 2]
    assert seg.local.tolist() == [0, 1, 0, 1, 2]
    assert seg.max_length == 3
    assert seg.ids is seg.ids  # cached


def test_structure_first_difference_names_the_list():
    a = _structure(3, [0, 2, 2, 5])
    b = _structure(3, [0, 2, 3, 5])
    assert a.first_difference(b) == "list 1 at axis 1 has length 0 vs 1"


# ---- any depth, regular inner dims, empties ----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "type_", "shape"),
    [
        ([[1.0, 2.0, 3.0], [], [4.0, 5.0]], "3 * var * float64", (3, None)),
        ([[[1.0], [2.0, 3.0]], [], [[]]], "3 * var * var * float64", (3, None, None)),
        ([[[[1]]], [[[2, 3]], []]], "2 * var * var * var * int64", (2, None, None, None)),
        ([[], []], "2 * var * float64", (2, None)),
        ([], "0 * float64", (0,)),
        ([1, 2, 3], "3 * int64", (3,)),
        ([[True], [False, True]], "2 * var * bool", (2, None)),
    ],
)
def test_type_and_shape_from_lists(data, type_, shape):
    x = rg.array(data)
    assert x.type == type_
    assert x.shape == shape
    assert x.ndim == len(shape)
    assert len(x) == shape[0]
    assert x.to_list() == data


def test_regular_inner_dims():
    x = rg.from_offsets([0, 2, 2, 3], np.arange(9.0).reshape(3, 3))
    assert x.type == "3 * var * 3 * float64"
    assert x.shape == (3, None, 3)
    assert x.ndim == 3
    assert x.to_list() == [[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], [], [[6.0, 7.0, 8.0]]]


def test_regular_array_has_no_ragged_dims():
    x = rg.array(np.zeros((4, 3), dtype=np.float32))
    assert x.type == "4 * 3 * float32"
    assert x.shape == (4, 3)


def test_empty_arrays_at_every_depth():
    assert rg.array(np.zeros((0, 3))).type == "0 * 3 * float64"
    assert rg.from_offsets([0], np.zeros(0)).type == "0 * var * float64"
    assert rg.from_lengths([], np.zeros(0)).to_list() == []
    x = rg.array([[[]], []])
    assert x.type == "2 * var * var * float64"
    assert x.to_list() == [[[]], []]


# ---- attributes -------------------------------------------------------------------------------


def test_numpy_attributes():
    x = rg.array([[1, 2, 3], [], [4, 5]])
    assert x.backend == "numpy"
    assert x.device == "cpu"
    assert x.dtype == rg.int64
    assert isinstance(x.values, np.ndarray)
    assert x.values.tolist() == [1, 2, 3, 4, 5]


def test_values_shares_memory_with_the_content():
    content = np.arange(5.0)
    x = rg.from_offsets([0, 2, 5], content)
    assert np.shares_memory(x.values, content)


@pytest.mark.parametrize(
    ("axis", "expected"),
    [(1, [0, 2, 2, 3]), (2, [0, 1, 3, 3]), (-1, [0, 1, 3, 3]), (-2, [0, 2, 2, 3])],
)
def test_offsets_of_each_ragged_level(axis, expected):
    x = rg.array([[[1], [2, 3]], [], [[]]])
    out = rg.offsets(x, axis=axis)
    assert isinstance(out, np.ndarray)
    assert out.tolist() == expected


def test_offsets_start_at_zero_after_normalisation():
    x = rg.from_offsets([2, 4, 5], np.arange(6))
    assert rg.offsets(x).tolist() == [0, 2, 3]


def test_offsets_of_a_regular_axis_is_an_error():
    x = rg.from_offsets([0, 1, 2], np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"axis=2 .* not a ragged dimension"):
        rg.offsets(x, axis=2)
    with pytest.raises(ValueError, match="axis=0"):
        rg.offsets(x, axis=0)
    with pytest.raises(np.exceptions.AxisError, match="axis=3 is out of range"):
        rg.offsets(x, axis=3)


# ---- repr --------------------------------------------------------------------------------------


def test_repr_is_awkward_style():
    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    assert repr(x) == "<RaggedArray [[1.0, 2.0, 3.0], [], [4.0, 5.0]] type='3 * var * float64'>"
    assert str(x) == repr(x)


def test_repr_of_a_large_array_is_short():
    x = rg.from_offsets(np.arange(0, 10_001, 10), np.arange(10_000.0))
    text = repr(x)
    assert len(text) < 200
    assert text.startswith("<RaggedArray [[0.0, 1.0, 2.0")
    assert "...], ...]" in text
    assert text.endswith("type='1000 * var * float64'>")


def test_repr_of_one_long_list_is_short():
    text = repr(rg.array([list(range(10_000))]))
    assert len(text) < 200
    assert text.endswith("...]] type='1 * var * int64'>")


def test_repr_of_empty_array():
    assert repr(rg.array([])) == "<RaggedArray [] type='0 * float64'>"


def test_a_jit_call_does_not_compare_offsets_with_other_cached_structures(monkeypatch):
    # jax hashes a treedef without its node data, so a jit call compares its structure with every
    # cached one of the same tree shape: the hashes decide, not a pass over the offsets
    jax = pytest.importorskip("jax")
    a = rg.array([[1.0, None], [2.0, 3.0]]).to_backend("jax")
    b = rg.array([[1.0, 2.0], [None, 3.0]]).to_backend("jax")  # same lists, other masks
    f = jax.jit(lambda x: rg.sum(x))
    f(a), f(b)
    compared = []
    monkeypatch.setattr(Structure, "same_levels", lambda self, other: compared.append(1) or False)
    for _ in range(3):
        assert float(f(b)) == 6.0
    assert compared == []
