"""x[...]: every index form against awkward and per-list NumPy, errors, gradients, jit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg

ak = pytest.importorskip("awkward")

LISTS = [[1.0, 2.0, 3.0], [], [4.0, 5.0], [6.0, 7.0, 8.0, 9.0]]
NESTED = [[[1.0, 2.0], [], [3.0]], [], [[4.0], [5.0, 6.0, 7.0]]]

#: (index, array) pairs whose result awkward defines; compared value for value
CASES = [
    1,
    -1,
    0,
    slice(1, None),
    slice(None, None, -1),
    slice(None, None, 2),
    slice(-1, 0, -2),
    (slice(None), slice(1, None)),
    (slice(None), slice(None, None, -1)),
    (slice(None), slice(None, -1)),
    (slice(None), slice(-2, None)),
    (slice(None), slice(5, 0, -1)),
    (slice(1, 3), slice(-2, None)),
    (slice(None), slice(None, None, -2)),
    (2, 1),
    (-1, -1),
    (3, slice(None, None, -1)),
    (Ellipsis, slice(1, None)),
    (None,),
    (slice(None), None),
    (Ellipsis, None),
    np.array([2, 0, 0]),
    np.array([-1, 1]),
    (np.array([3, 0]), 1),
    np.array([True, False, True, True]),
]

ragged = st.lists(st.lists(st.integers(-9, 9).map(float), max_size=5), max_size=6)
nested = st.lists(st.lists(st.lists(st.integers(-9, 9).map(float), max_size=3), max_size=3), max_size=4)
index_part = st.one_of(st.none(), st.integers(-6, 6))
slices = st.builds(slice, index_part, index_part, st.sampled_from([None, 1, 2, 3, -1, -2, -3]))


def _depth2(lists):
    """A ``n * var`` array even when there are no lists."""
    values = np.array([v for row in lists for v in row], dtype=np.float64)
    return rg.from_lengths([len(r) for r in lists], values)


def _depth3(lists):
    """A ``n * var * var`` array even when every list is empty (rg.array would infer less depth)."""
    inner = [sub for row in lists for sub in row]
    values = np.array([v for sub in inner for v in sub], dtype=np.float64)
    return rg.from_lengths([len(r) for r in lists], rg.from_lengths([len(s) for s in inner], values))


def _same(result, expected):
    got = result.to_list() if isinstance(result, rg.RaggedArray) else np.asarray(result).tolist()
    want = expected.to_list() if isinstance(expected, ak.Array) else expected
    assert got == want


@pytest.mark.parametrize("where", CASES, ids=repr)
def test_index_forms_match_awkward(where):
    _same(rg.array(LISTS)[where], ak.Array(LISTS)[where])


@pytest.mark.parametrize(
    "where",
    [
        1,
        (0, 2),
        (0, 2, 0),
        (slice(None), slice(None), 0),
        (slice(None), -1),
        (Ellipsis, slice(None, None, -1)),
        (slice(None), slice(None, None, -1), slice(1, None)),
        (0, slice(None), -1),
        (Ellipsis, 0),
    ],
    ids=repr,
)
def test_nested_index_forms_match_awkward(where):
    x, a = rg.array(NESTED), ak.Array(NESTED)
    try:
        expected = a[where]
    except (IndexError, ValueError):
        with pytest.raises(IndexError):
            x[where]
        return
    _same(x[where], expected)


@given(ragged, slices, slices)
def test_slices_at_two_dims_match_per_list_python(lists, outer, inner):
    got = _depth2(lists)[outer, inner].to_list()
    want = [row[inner] for row in lists[outer]]
    assert got == want


@given(nested, slices)
def test_slices_in_the_middle_of_nested_lists(lists, middle):
    x = _depth3(lists)
    assert x[:, middle].to_list() == [row[middle] for row in lists]
    assert x[:, :, middle].to_list() == [[sub[middle] for sub in row] for row in lists]


@given(ragged, st.integers(-3, 3))
def test_integer_at_axis_1_matches_awkward_or_names_the_list(lists, i):
    x = _depth2(lists)
    short = [j for j, row in enumerate(lists) if not -len(row) <= i < len(row)]
    if short:
        with pytest.raises(IndexError, match=f"list {short[0]} at axis 1"):
            x[:, i]
    else:
        assert x[:, i].to_list() == [row[i] for row in lists]


@given(ragged, st.data())
def test_boolean_masks_match_awkward(lists, data):
    x = _depth2(lists)
    keep = data.draw(st.lists(st.booleans(), min_size=len(x.values), max_size=len(x.values)))
    mask = rg.from_offsets(rg.offsets(x), np.array(keep, dtype=bool))
    assert x[mask].to_list() == ak.Array(lists)[ak.Array(mask.to_list())].to_list()
    assert x[x > 2].to_list() == [[v for v in row if v > 2] for row in lists]


@given(ragged, st.data())
def test_ragged_integer_indices_select_within_each_list(lists, data):
    x = _depth2(lists)
    picks = [data.draw(st.lists(st.integers(-len(r), len(r) - 1), max_size=3)) if r else [] for r in lists]
    index = rg.from_lengths([len(p) for p in picks], np.array([i for p in picks for i in p], dtype=np.int64))
    assert x[index].to_list() == [[row[i] for i in p] for row, p in zip(lists, picks)]
    if lists:
        assert x[index].to_list() == ak.Array(lists)[ak.Array(picks)].to_list()


def test_argmax_keepdims_style_index_selects_each_maximum_and_keeps_empty_lists():
    x = rg.array(LISTS)
    index = rg.array([[2], [], [1], [3]], dtype=np.int64)  # the form of argmax(..., keepdims=True)
    assert x[index].to_list() == [[3.0], [], [5.0], [9.0]]
    assert x[index].type == "4 * var * float64"


def test_index_with_rg_argmax():
    if not hasattr(rg, "argmax"):
        pytest.skip("rg.argmax is not available yet")
    x = rg.array(LISTS)
    assert x[rg.argmax(x, axis=1, keepdims=True)].to_list() == [[3.0], [], [5.0], [9.0]]


def test_nested_mask_and_index_at_the_outer_level():
    x = rg.array(NESTED)
    mask = rg.array([[True, False, True], [], [False, True]])
    assert x[mask].to_list() == ak.Array(NESTED)[ak.Array(mask.to_list())].to_list()
    index = rg.array([[2, 0], [], [-1]], dtype=np.int64)
    assert x[index].to_list() == ak.Array(NESTED)[ak.Array(index.to_list())].to_list()
    assert x[index, 0].to_list() == [[3.0, 1.0], [], [5.0]]


def test_outer_mask_from_a_dense_boolean_array():
    x = rg.array(LISTS)
    assert x[rg.num(x) > 1].to_list() == [LISTS[0], LISTS[2], LISTS[3]]


def test_regular_inner_dims_and_zero_d_results():
    x = rg.from_offsets([0, 2, 2, 3], np.arange(9.0).reshape(3, 3))
    assert x[..., -1].to_list() == [[2.0, 5.0], [], [8.0]]
    assert x[:, :, ::-1].to_list() == [[[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]], [], [[8.0, 7.0, 6.0]]]
    assert x[0, 1].to_list() == [3.0, 4.0, 5.0]
    assert x[0, 1, 2] == 5.0
    assert np.ndim(x[0, 1, 2]) == 0
    dense = rg.array(np.arange(6).reshape(2, 3))
    assert int(dense[1, 2]) == 5


@pytest.mark.parametrize(
    ("where", "error", "match"),
    [
        ((slice(None), 0), IndexError, "list 1 at axis 1 is empty"),
        ((slice(None), 3), IndexError, "index 3 is out of range for list 0 at axis 1, which has length 3"),
        (4, IndexError, "index 4 is out of range for axis 0 with length 4"),
        (np.array([0, 7]), IndexError, "index 7 is out of range for axis 0"),
        ((0, 0, 0), IndexError, "too many indices"),
        ((Ellipsis, Ellipsis), IndexError, "single ellipsis"),
        (slice(None, None, 0), ValueError, "step cannot be zero"),
        (1.5, TypeError, "cannot index with float"),
        (np.array([0.5]), TypeError, "1-d integer or boolean"),
    ],
    ids=repr,
)
def test_index_errors_name_the_problem(where, error, match):
    with pytest.raises(error, match=match):
        rg.array(LISTS)[where]


def test_ragged_index_errors():
    x = rg.array(LISTS)
    with pytest.raises(IndexError, match="index 2 is out of range for list 2 at axis 1"):
        x[rg.array([[0], [], [2], []], dtype=np.int64)]
    with pytest.raises(ValueError, match="does not match the array's lists"):
        x[rg.array([[True], [], [True, False], [True]])]
    with pytest.raises(ValueError, match="outer lengths differ"):
        x[rg.array([[0], []], dtype=np.int64)]


# ---- jax: gradients and jit ----------------------------------------------------------------
jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")


def _jx(lists):
    return rg.to_backend(rg.array(lists), "jax")


def test_gradient_accumulates_over_repeated_selections():
    x = _jx(LISTS)
    index = rg.array([[0, 0, 2], [], [1], [0, -1, -1]], dtype=np.int64)

    def f(x):
        return jnp.sum(x[index].values * 2.0) + jnp.sum(x[np.array([3, 3, 0])][:, 0].values)

    grad = jax.grad(f)(x)
    assert grad.to_list() == [[5.0, 0.0, 2.0], [], [0.0, 2.0], [4.0, 0.0, 0.0, 4.0]]
    assert jax.jit(jax.grad(f))(x).to_list() == grad.to_list()


@pytest.mark.parametrize(
    "where",
    [
        (slice(None), slice(None, None, -1)),
        (slice(1, None), 0),
        (Ellipsis, -1),
        np.array([3, 0, 0]),
        (None, 2),
    ],
    ids=repr,
)
def test_jit_matches_eager(where):
    x = _jx([[1.0, 2.0], [3.0], [4.0, 5.0, 6.0], [7.0]])
    assert jax.jit(lambda x: x[where])(x).to_list() == x[where].to_list()


def test_traced_ragged_integer_index_works_under_jit():
    x = _jx(LISTS)
    index = rg.to_backend(rg.array([[2], [], [0], [-1]], dtype=np.int64), "jax")
    out = jax.jit(lambda x, i: x[i])(x, index)
    assert out.to_list() == [[3.0], [], [4.0], [9.0]]
    grad = jax.grad(lambda x, i: jnp.sum(x[i].values), argnums=0)(x, index)
    assert grad.to_list() == [[0.0, 0.0, 1.0], [], [1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]


def test_traced_mask_raises_naming_the_jittable_alternatives():
    x = _jx(LISTS)
    with pytest.raises(rg.TracedStructureError, match=r"where= to a reducer.*rg\.where"):
        jax.jit(lambda x: x[x > 2])(x)
    assert issubclass(rg.TracedStructureError, ValueError)


def test_traced_ragged_index_cannot_pick_whole_sublists():
    x = _jx(NESTED)
    index = rg.to_backend(rg.array([[0], [], [1]], dtype=np.int64), "jax")
    with pytest.raises(rg.TracedStructureError):
        jax.jit(lambda x, i: x[i])(x, index)


def test_batched_content_is_gathered_along_the_element_axis():
    offsets = np.array([0, 3, 3, 5])
    batch = jnp.arange(10.0).reshape(2, 5)

    def f(v):
        return x_of(v)[:, ::-1].values

    def x_of(v):
        return rg.from_offsets(offsets, v)

    assert jax.vmap(f)(batch).tolist() == [[2.0, 1.0, 0.0, 4.0, 3.0], [7.0, 6.0, 5.0, 9.0, 8.0]]
    index = rg.array([[1], [], [-1]], dtype=np.int64)
    assert jax.vmap(lambda v: x_of(v)[index].values)(batch).tolist() == [[1.0, 4.0], [6.0, 9.0]]
    # explicit leading batch dims: they are indexed like NumPy's, the rest as usual
    xb = rg.RaggedArray._new(x_of(batch[0])._structure, batch)
    assert xb.type == "2 * 3 * var * float32"
    assert xb[1].to_list() == [[5.0, 6.0, 7.0], [], [8.0, 9.0]]
    assert xb[:, 2].to_list() == [[3.0, 4.0], [8.0, 9.0]]
    assert xb[..., ::-1].to_list() == [[[2.0, 1.0, 0.0], [], [4.0, 3.0]], [[7.0, 6.0, 5.0], [], [9.0, 8.0]]]
