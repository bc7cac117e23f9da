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


# ---- NumPy's advanced indexing: integer arrays broadcast together -----------------------------
SQUARE = [[1.0, 2.0, 3.0], [4.0, 5.0], [6.0, 7.0, 8.0, 9.0]]  # no empty list: every pick exists
A = np.array

#: (lists, index) pairs whose result awkward defines; raggrad must give the same lists
PAIRED_LIKE_AWKWARD = [
    ("square", ([0, 2], [0, 1])),
    ("square", ([0, 2], [0, 0])),
    ("square", (A([0, 2]), A([-1, -2]))),
    ("square", ([0, 2], 0)),
    ("square", (0, [0, 1])),
    ("square", ([0], [0, 1])),  # length 1 broadcasts
    ("square", ([0, 2], [1])),
    ("square", (A([True, False, True]), 0)),  # a mask counts as its true positions
    ("square", ([0, 2], slice(None))),
    ("square", (slice(None), [0, 1])),
    ("nested", ([0, 2], [0, 1])),
    ("nested", ([0, 2], [0, 1], [1, 0])),
    ("nested", ([0, 2], 0, [0, 0])),
    ("nested", ([0, 2], [2, 1], 0)),
    ("nested", ([0, 2], [0, 1], slice(None))),
    ("nested", (None, [2, 0], 1)),
    ("nested", (A([2]), A([1, 0]), 0)),
    ("regular", (A([0, 2]), A([1, 0]), A([2, 1]))),  # the last array on a regular dim
    ("regular", (A([0, 2]), 0, A([2, 1]))),
    ("regular", (slice(None), 0, A([2, 1]))),
    ("regular", (slice(None), A([0]), A([2, 1]))),
    ("regular", (0, A([0, 1]), A([2, 1]))),
    ("regular", (Ellipsis, A([2, 1]))),
    ("regular", (A([0, 2]), A([0, 0]), slice(None))),
    ("regular", (A([0, 2]), A([0, 0]), 1)),
    ("regular", (slice(None), slice(None), A([True, False, True]))),
]

#: (lists, index) pairs awkward refuses; raggrad raises too
PAIRED_AWKWARD_REFUSES = [
    ("square", ([0, 2], [0, 1, 0])),  # shapes (2,) and (3,) do not broadcast
    ("nested", ([0, 2], slice(None), [0, 0])),  # separated by a slice
    ("nested", (0, slice(None), [0, 0])),
    ("regular", (A([0, 2]), slice(None), A([0, 0]))),
    ("square", (A([True, False, True]), A([0, 1]))),  # awkward: shape mismatch (3,) and (2,)
    ("nested", (rg.array([[2, 0], [], [1]], dtype=np.int64), A([0, 0]))),  # a ragged index and an array
]


def _ragged(name):
    if name == "regular":  # n * var * 3
        return rg.from_offsets([0, 2, 3, 5], np.arange(15.0).reshape(5, 3))
    return rg.array({"square": SQUARE, "nested": NESTED}[name])


def _awkward(name):
    a = ak.Array(_ragged(name).to_list())
    return ak.to_regular(a, axis=2) if name == "regular" else a


@pytest.mark.parametrize(("lists", "where"), PAIRED_LIKE_AWKWARD, ids=repr)
def test_paired_integer_arrays_broadcast_together_as_in_awkward(lists, where):
    _same(_ragged(lists)[where], _awkward(lists)[where])


@pytest.mark.parametrize(("lists", "where"), PAIRED_AWKWARD_REFUSES, ids=repr)
def test_paired_integer_arrays_awkward_refuses_raise(lists, where):
    key = tuple(rg.to_awkward(w) if isinstance(w, rg.RaggedArray) else w for w in where)
    with pytest.raises((ValueError, IndexError)):
        _awkward(lists)[key]
    with pytest.raises((IndexError, NotImplementedError), match=r"broadcast|adjacent|boolean|ragged index"):
        _ragged(lists)[where]


def test_paired_shape_mismatch_names_both_shapes():
    with pytest.raises(IndexError, match=r"shapes \(2,\) \(3,\)"):
        rg.array(SQUARE)[[0, 2], [0, 1, 0]]


def test_paired_array_first_and_integer_after_a_slice_is_numpys_answer():
    # awkward refuses it; NumPy puts the broadcast dimension first, which is where it already is
    x = [[[1.0, 2.0], [3.0]], [[4.0], [5.0, 6.0]], [[7.0, 8.0, 9.0]]]
    assert rg.array(x)[[2, 0], :, 0].to_list() == [[7.0], [1.0, 3.0]]


@given(
    st.lists(st.lists(st.integers(-9, 9).map(float), min_size=1, max_size=5), min_size=1, max_size=6),
    st.data(),
)
def test_paired_integer_arrays_pick_one_element_each_as_awkward(lists, data):
    k = data.draw(st.integers(0, 4))
    rows = data.draw(st.lists(st.integers(-len(lists), len(lists) - 1), min_size=k, max_size=k))
    cols = [data.draw(st.integers(-len(lists[r]), len(lists[r]) - 1)) for r in rows]
    got = _depth2(lists)[np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)].to_list()
    assert got == [lists[r][c] for r, c in zip(rows, cols)]
    if k:
        assert got == ak.Array(lists)[np.array(rows), np.array(cols)].to_list()


@st.composite
def _dense_key(draw, shape):
    """An index of integers, slices, None, equal-length (or length-1) integer arrays and masks."""
    k = draw(st.integers(0, 3))
    key = []
    for n in shape:
        while draw(st.integers(0, 4)) == 4:
            key.append(None)
        kind = draw(st.sampled_from(["int", "slice", "array", "array", "one", "mask"]))
        if kind == "int":
            key.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            key.append(draw(slices))
        elif kind == "mask":
            key.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool))
        else:
            size = 1 if kind == "one" else k
            key.append(
                np.array(draw(st.lists(st.integers(-n, n - 1), min_size=size, max_size=size)), dtype=np.int64)
            )
    cut = draw(st.integers(1, len(key)))
    return tuple(key[:cut])


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
def test_advanced_indexing_without_ragged_dims_follows_numpy(backend, shape, data):
    if backend != "numpy":
        pytest.importorskip(backend)
    dense = np.arange(float(np.prod(shape))).reshape(shape)
    key = data.draw(_dense_key(shape))
    x = rg.to_backend(rg.array(dense), backend)
    try:
        want = dense[key]
    except IndexError:
        with pytest.raises(IndexError):
            x[key]
        return
    got = x[key]
    assert (
        np.asarray(got.to_list() if isinstance(got, rg.RaggedArray) else float(got)).tolist() == want.tolist()
    )


# ---- boolean masks of the wrong length, integers beyond int64 ---------------------------------
@pytest.mark.parametrize(
    ("make", "where", "match"),
    [
        (lambda: rg.array(LISTS), A([True, False]), "length 2 does not match axis 0, which has length 4"),
        (lambda: rg.array(LISTS), A([True] * 5), "length 5 does not match axis 0, which has length 4"),
        (lambda: rg.array(LISTS), A([False] * 5), "length 5 does not match axis 0, which has length 4"),
        (
            lambda: rg.array(LISTS),
            (slice(None), A([False] * 5)),  # no True: the length is checked all the same
            "length 5 does not match list 0 at axis 1",
        ),
        (
            lambda: rg.array(LISTS),
            (slice(None), A([True, False, True])),
            "length 3 does not match list 1 at axis 1",
        ),
        (
            lambda: rg.array([[1.0, 2.0], [3.0, 4.0]]),
            (slice(None), A([True])),
            "length 1 does not match list 0 at axis 1, which has length 2",
        ),
        (
            lambda: rg.array(NESTED),
            (slice(None), slice(None), A([True])),
            "length 1 does not match list 0 at axis 2, which has length 2",
        ),
        (
            lambda: rg.array(np.arange(6.0)),
            A([True, False]),
            "length 2 does not match axis 0, which has length 6",
        ),
        (
            lambda: rg.array(np.zeros((3, 2))),
            (slice(None), A([True, False, True])),
            "length 3 does not match axis 1, which has length 2",
        ),
        (
            lambda: _ragged("regular"),
            (Ellipsis, A([True, False])),
            "length 2 does not match axis 2, which has length 3",
        ),
        (
            lambda: _ragged("regular"),
            (slice(None), 0, A([True])),
            "length 1 does not match axis 2, which has length 3",
        ),
        (
            lambda: _ragged("regular"),
            (A([True, False]), 0),
            "length 2 does not match axis 0, which has length 3",
        ),
    ],
)
def test_boolean_mask_of_the_wrong_length_raises_naming_both_lengths(make, where, match):
    with pytest.raises(IndexError, match=match):
        make()[where]


def test_nested_lists_are_ragged_indices_as_in_awkward():
    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    ak = pytest.importorskip("awkward")
    a = ak.Array(x.to_list())
    for key in ([[0, 0], [], [1]], [[True, False, True], [], [False, True]], [[0, None], [], [1]]):
        assert x[key].to_list() == a[key].to_list()
    assert x[[np.array([0]), np.array([], int), np.array([1])]].to_list() == [[1.0], [], [5.0]]
    x2 = rg.array([[1.0, 2.0], [3.0], [4.0, 5.0]])
    assert x2[[[0], [0], [0]]].to_list() == ak.Array(x2.to_list())[[[0], [0], [0]]].to_list()


def test_mask_at_a_ragged_dim_must_match_every_list():
    x = rg.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert x[:, A([True, False])].to_list() == [[1.0], [3.0], [5.0]]


@pytest.mark.parametrize(
    "where",
    [2**63, -(2**63) - 1, np.uint64(2**63), (slice(None), 2**70), [2**64], A([2**63], dtype=np.uint64)],
    ids=repr,
)
def test_integers_beyond_int64_raise_index_error_naming_them(where):
    with pytest.raises(IndexError, match="out of range"):
        rg.array(LISTS)[where]


@pytest.mark.parametrize(
    "bounds",
    [(None, 2**70), (-(2**70), None), (None, None, 2**70), (None, None, -(2**70)), (2**70, -(2**70), -1)],
)
def test_slice_bounds_beyond_int64_clamp_as_numpy(bounds):
    x = rg.array(LISTS)
    assert x[slice(*bounds)].to_list() == LISTS[slice(*bounds)]
    assert x[:, slice(*bounds)].to_list() == [row[slice(*bounds)] for row in LISTS]
    assert rg.array(np.arange(5.0))[slice(*bounds)].to_list() == np.arange(5.0)[slice(*bounds)].tolist()


@pytest.mark.parametrize("where", [4, (slice(None), 3), 2**63, A([True])], ids=repr)
def test_index_errors_are_not_chained_to_an_internal_key_error(where):
    with pytest.raises(IndexError) as info:
        rg.array(LISTS)[where]
    assert info.value.__context__ is None
    assert info.value.__cause__ is None


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


# ---- jax: out-of-range traced indices follow jnp.take(mode="fill"), list by list ----------------
def _jit_take(x, i):
    return jax.jit(lambda x, i: x[i])(x, i)


def _ji(lists):
    return rg.to_backend(rg.array(lists, dtype=np.int64), "jax")


def test_jit_out_of_range_ragged_index_fills_instead_of_reading_the_next_list():
    x = _jx([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    out = _jit_take(x, _ji([[0, 3], [], [0]]))  # 3 used to read list 2's first value
    assert np.isnan(out[0, 1])
    assert out.to_list()[0][0] == 1.0
    assert out.to_list()[1:] == [[], [4.0]]
    valid = _ji([[0, 2, -1], [], [1, -2]])
    assert _jit_take(x, valid).to_list() == x[valid].to_list()  # eager agrees where it is valid


def test_jit_negative_traced_indices_count_from_the_end_of_each_list():
    x = _jx([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    out = _jit_take(x, _ji([[-1, -3, -4], [], [-2, -3]])).to_list()
    assert out[0][:2] == [3.0, 1.0]
    assert out[2][0] == 4.0
    assert np.isnan(out[0][2]) and np.isnan(out[2][1])  # never list 0 or the list before


def test_jit_out_of_range_ragged_index_has_zero_gradient_where_it_would_point():
    x = _jx([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    index = _ji([[0, 3], [], [-3]])

    def loss(x, i):
        return jnp.sum(jax.jit(lambda x, i: x[i])(x, i).values * 2.0)

    value, grad = jax.value_and_grad(lambda x: jnp.nansum(jax.jit(lambda x, i: x[i])(x, index).values))(x)
    assert float(value) == 1.0
    assert grad.to_list() == [[1.0, 0.0, 0.0], [], [0.0, 0.0]]
    assert jax.grad(loss)(x, index).to_list() == [[2.0, 0.0, 0.0], [], [0.0, 0.0]]  # the NaN is not in it
    _, tangent = jax.jvp(lambda x: jax.jit(lambda x, i: x[i])(x, index), (x,), (rg.ones_like(x),))
    assert tangent.to_list() == [[1.0, 0.0], [], [0.0]]


@pytest.mark.parametrize("dtype", ["float32", "complex64", "int32", "int8", "uint8", "uint32", "bool"])
def test_jit_fill_value_is_jnp_take_mode_fill(dtype):
    x = rg.to_backend(rg.from_offsets([0, 2, 3], np.array([1, 0, 1]).astype(dtype)), "jax")
    out = _jit_take(x, _ji([[5], [-2]]))
    want = jnp.take(jnp.asarray(np.array([1, 0, 1]).astype(dtype)), jnp.array([7]), mode="fill")
    assert out.values.dtype == want.dtype
    np.testing.assert_array_equal(np.asarray(out.values), np.asarray(jnp.concatenate([want, want])))


def test_jit_out_of_range_index_of_a_wide_dtype_is_not_wrapped_into_range():
    with jax.enable_x64(True):
        x = _jx([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
        big = rg.to_backend(rg.array([[2**32], [], [-(2**32) - 1]], dtype=np.int64), "jax")
        assert np.isnan(_jit_take(x, big).values).all()
        small = rg.to_backend(rg.array([[2], [], [-1]], dtype=np.int8), "jax")
        assert _jit_take(x, small).to_list() == [[3.0], [], [5.0]]


def test_jit_out_of_range_dense_integer_array_fills_with_zero_gradient():
    x = rg.to_backend(rg.array(np.arange(6.0).reshape(3, 2)), "jax")
    index = jnp.array([0, -1, 3, -4])
    out = _jit_take(x, index).to_list()
    assert out[:2] == [[0.0, 1.0], [4.0, 5.0]]
    assert np.isnan(out[2:]).all()
    grad = jax.grad(lambda x: jnp.nansum(jax.jit(lambda x, i: x[i])(x, index).values))(x)
    assert grad.to_list() == [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
    # paired with a concrete array on the regular dim, and after a None: the same rule
    assert np.asarray(jax.jit(lambda x, i: x[i, [1, 0, 1, 0]])(x, index).values).tolist()[:2] == [1.0, 4.0]
    filled = jax.jit(lambda x, i: x[None, i, 1])(x, index).to_list()
    assert filled[0][:2] == [1.0, 5.0] and np.isnan(filled[0][2:]).all()


def test_paired_integer_arrays_gradient_reaches_the_picked_elements():
    x = _jx(LISTS)

    def f(x):
        return jnp.sum(x[[0, 3, 3, 0], [2, 1, 1, -3]].values)

    grad = jax.grad(f)(x)
    assert grad.to_list() == [[1.0, 0.0, 1.0], [], [0.0, 0.0], [0.0, 2.0, 0.0, 0.0]]
    assert jax.jit(jax.grad(f))(x).to_list() == grad.to_list()
    dense = rg.to_backend(rg.array(np.arange(6.0).reshape(2, 3)), "jax")
    assert jax.grad(lambda d: jnp.sum(d[[0, 1], [2, 2]].values))(dense).to_list() == [
        [0.0, 0.0, 1.0],
        [0.0, 0.0, 1.0],
    ]


def test_regular_dims_of_jax_content_raise_for_out_of_range_instead_of_clamping():
    x = rg.to_backend(rg.from_offsets([0, 2, 3], np.arange(9.0).reshape(3, 3)), "jax")
    with pytest.raises(IndexError, match="index 3 is out of range for axis 2 with length 3"):
        x[..., 3]
    with pytest.raises(IndexError, match="index 5 is out of range for axis 2 with length 3"):
        x[..., [0, 5]]


def test_new_axes_before_a_ragged_index_wrap_its_result():
    z = rg.array([[1.0, 5.0], [], [4.0]])
    assert z[None, z > 2].to_list() == [[[5.0], [], [4.0]]]  # awkward's
    assert z[None, rg.array([[0], [], [0]])].to_list() == [[[1.0], [], [4.0]]]
    assert z[None, None, z > 2].to_list() == [[[[5.0], [], [4.0]]]]


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_new_axes_in_front_of_a_list_free_array_are_regular_as_numpy(backend):
    pytest.importorskip(backend)
    a = np.arange(6.0).reshape(2, 3)
    x = rg.asarray(a).to_backend(backend)
    for key in [None, (None, None), (None, 0), (None, ..., None), (None, slice(None), 1), (None, [1, 0])]:
        got = x[key]
        assert got.type.count("var") == 0, (key, got.type)  # x[None] was 1 * var * 3 * float64
        np.testing.assert_array_equal(np.asarray(rg.to_dense(got)), a[key])
    assert rg.asarray(np.zeros((0, 3))).to_backend(backend)[None].type.startswith("1 * 0 * 3")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (np.ma.array([True, True, False], mask=[0, 1, 0]), [[1.0], None]),  # the mask was dropped
        (np.ma.array([2, 0], mask=[0, 1]), [[3.0], None]),
        (lambda: ak.Array([True, None, True]), [[1.0], None, [3.0]]),  # was refused
        (lambda: ak.Array([[0], [0], []]), [[1.0], [2.0], []]),
    ],
)
def test_masked_and_awkward_keys_index_as_awkward_does(key, expected):
    x = rg.array([[1.0], [2.0], [3.0]])
    key = key() if callable(key) else key
    assert x[key].to_list() == expected == ak.Array([[1.0], [2.0], [3.0]])[key].to_list()


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_n_dimensional_keys_index_a_list_free_array_as_numpy(backend):
    # the array API's n-d masks and integer arrays; they raised "must be a 1-d ... array"
    pytest.importorskip(backend)
    a = np.arange(6.0).reshape(2, 3)
    x = rg.to_backend(rg.asarray(a), backend)
    m = np.array([[True, False, True], [False, True, False]])
    rows, cols = np.array([[0], [1]]), np.array([[1, 2]])
    for key in (m, (rows, cols), (rows, slice(None)), (Ellipsis, np.array([[0, 2]]))):
        assert x[key].to_list() == a[key].tolist()
    assert x[rg.asarray(m)].to_list() == a[m].tolist() and x[rg.asarray(rows)].type.startswith("2 * 1 * 3 * ")
    with pytest.raises(IndexError, match=r"x\[\.\.\.\]: index 5 is out of bounds"):
        x[np.array([[5]])]  # (jax would clamp it)
    with pytest.raises(IndexError, match="boolean index did not match"):
        x[np.ones((3, 3), bool)]
    with pytest.raises(IndexError):  # a masked entry is missing, not its hidden True
        x[np.ma.array(m, mask=[[0, 0, 1], [0, 0, 0]])]
    if backend == "jax":
        jax = pytest.importorskip("jax")
        assert float(jax.jit(lambda v: rg.sum(v[m]))(x)) == 6.0
        assert jax.grad(lambda v: rg.sum(v[m] * 2.0))(x).to_list() == (2.0 * m).tolist()
