"""Structure ops and ``x[...]`` on arrays with missing values (option types): awkward's values and
types, gradients exactly zero at missing slots, jit/vmap, torch, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad._errors import OptionTypeError
from raggrad.testing.strategies import ragged_arrays

ak = pytest.importorskip("awkward")

X = [[1.0, None, 3.0], None, [], [4.0, 5.0]]
Y = [[[1.0, None], None, []], None, [[2.0, 3.0]], [[4.0], [None, 5.0]]]


def _same(got, want) -> None:
    """Equal lists and awkward's type string."""
    assert got.type == str(want.type), (got.type, str(want.type))
    assert got.to_list() == want.to_list(), (got.to_list(), want.to_list())


# ---- x[...] against awkward -----------------------------------------------------------------
KEYS_X = [
    0,
    1,
    -1,
    (3, 1),
    (0, 1),
    slice(1, None),
    slice(None, None, -1),
    (slice(None), slice(1, None)),
    (slice(None), slice(None, None, -2)),
    (slice(None), slice(None, 1)),
    [3, 1, 0],
    np.array([True, True, False, True]),
]
KEYS_Y = [
    (slice(None), 0),
    (slice(None), -1),
    (slice(None), slice(None), slice(1, None)),
    (slice(None), slice(None, None, -1), slice(None, None, -1)),
    (3, slice(None), 0),
    (slice(1, None), 0),
    (Ellipsis, slice(None, 1)),
    [3, 1],
]


@pytest.mark.parametrize("key", KEYS_X, ids=repr)
def test_getitem_one_level_equals_awkward(key):
    x, a = rg.array(X), ak.Array(X)
    got, want = x[key], a[key]
    if not isinstance(want, ak.Array):
        assert got == want  # a number, or None where the item picked is missing
    else:
        _same(got, want)


@pytest.mark.parametrize("key", KEYS_Y, ids=repr)
def test_getitem_two_levels_equals_awkward(key):
    _same(rg.array(Y)[key], ak.Array(Y)[key])


def test_getitem_of_a_missing_list_gives_none_and_an_empty_list_still_raises():
    x = rg.array([[1.0, 2.0], None, [3.0]])
    assert x[:, 0].to_list() == [1.0, None, 3.0] and x[:, 0].type == "3 * ?float64"
    with pytest.raises(IndexError, match="list 1 at axis 1 is empty"):
        rg.array([[1.0], [], None])[:, 0]  # awkward raises here too


def test_an_integer_index_onto_a_missing_record_gives_none_as_awkward():
    b = ak.Array([[{"pt": 1.0, "eta": 0.5}, None], None])
    x = rg.from_awkward(b)
    for key in (1, -1, (0, 1)):
        assert x[key] is None and b[key] is None
    assert x[0][1] is None
    assert x[0][0] == {"pt": 1.0, "eta": 0.5}
    assert rg.from_awkward(ak.Array([None, {"pt": 1.0}]))[0] is None


@pytest.mark.parametrize(
    "index",
    [
        [[True, None, False], None, [], [True, None]],
        [[False, True, True], None, [], None],
        [[2, 0], None, [], [None, 1]],
        [[-1], [], [], [0, -1, None]],
        [[], None, [], [1]],
    ],
)
def test_ragged_index_with_missing_values_equals_awkward(index):
    # a None in the index (or a list missing in either) gives None, as in awkward
    _same(rg.array(X)[rg.array(index)], ak.Array(X)[ak.Array(index)])


@pytest.mark.parametrize("index", [[3, None, 0], [None, None], [True, None, False, True]])
def test_outer_index_with_missing_values_equals_awkward(index):
    _same(rg.array(X)[rg.array(index)], ak.Array(X)[ak.Array(index)])
    _same(rg.array(X)[index], ak.Array(X)[ak.Array(index)])  # a Python list with None too


def test_new_axis_wraps_items_as_awkward_does():
    x, a = rg.array(X), ak.Array(X)
    for key in [(slice(None), None), (None,), (0, None)]:
        assert x[key].to_list() == a[key].to_list()  # (a new axis is var here, 1 in awkward)
    with pytest.raises(OptionTypeError, match="new axis"):
        x[..., None]  # awkward gives [None] for a missing element: refused, not made a missing list
    assert rg.unflatten(x, 1, axis=-1).to_list() == a[..., None].to_list()


def test_argmax_keepdims_with_mask_identity_selects_the_maximum_or_none():
    x, a = rg.array(X), ak.Array(X)
    index = rg.argmax(x, axis=1, keepdims=True, mask_identity=True)
    _same(x[index], a[ak.argmax(a, axis=1, keepdims=True)])
    _same(rg.flatten(x[index]), ak.flatten(a[ak.argmax(a, axis=1, keepdims=True)]))


def test_ragged_index_must_match_present_lists():
    with pytest.raises(ValueError, match="does not match the array's lists"):
        rg.array(X)[rg.array([[True, False], None, [], [True, None]])]


# ---- structure ops against awkward -----------------------------------------------------------
@pytest.mark.parametrize("data", [X, Y], ids=["X", "Y"])
@pytest.mark.parametrize("axis", [1, -1])
@pytest.mark.parametrize("name", ["flatten", "num", "local_index", "firsts"])
def test_structure_ops_equal_awkward(name, axis, data):
    _same(getattr(rg, name)(rg.array(data), axis=axis), getattr(ak, name)(ak.Array(data), axis=axis))


@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("name", ["sort", "argsort"])
def test_sort_and_argsort_equal_awkward(name, ascending):
    x, a = rg.array(X), ak.Array(X)
    _same(getattr(rg, name)(x, ascending=ascending), getattr(ak, name)(a, ascending=ascending))


def test_sort_below_missing_lists_keeps_every_list():
    # awkward 2.14 gives [None] for the list [[2.0, 3.0]] here (it loses the innermost list);
    # raggrad keeps the lists and sorts within them
    x = rg.array(Y)
    assert rg.sort(x).to_list() == [[[1.0, None], None, []], None, [[2.0, 3.0]], [[4.0], [5.0, None]]]
    assert rg.sort(x).type == x.type
    assert rg.argsort(x, descending=True).to_list() == [[[0, 1], None, []], None, [[1, 0]], [[0], [1, 0]]]
    assert rg.argsort(x).type == "4 * option[var * option[var * int64]]"


def test_sort_puts_missing_values_last_in_both_directions():
    x = rg.array([3.0, None, 1.0, None, 2.0])
    assert rg.sort(x).to_list() == [1.0, 2.0, 3.0, None, None]
    assert rg.sort(x, descending=True).to_list() == [3.0, 2.0, 1.0, None, None]
    assert rg.argsort(x).to_list() == [2, 4, 0, 1, 3] and rg.argsort(x).type == "5 * int64"
    a = ak.Array(x.to_list())
    for ascending in (True, False):
        _same(rg.sort(x, ascending=ascending), ak.sort(a, ascending=ascending))
        _same(rg.argsort(x, ascending=ascending), ak.argsort(a, ascending=ascending))


def test_numpy_sort_of_all_elements_keeps_or_refuses_missing_values():
    """``np.sort(x, axis=None)`` dropped the None (``rg.flatten`` drops them), and argsort's
    indices counted places in that unseen array; ``np.cumsum`` and ``np.ravel`` refuse them."""
    flat = rg.array([3.0, None, 2.0])
    assert np.sort(flat, axis=None).to_list() == [2.0, 3.0, None]  # as a NumPy masked array's
    assert np.argsort(flat, axis=None).to_list() == [2, 0, 1]
    nested = rg.array([[3.0, None], None, [2.0, 1.0]])
    for func in (np.sort, np.argsort, np.cumsum):
        with pytest.raises(NotImplementedError, match=rf"np\.{func.__name__}: axis=None over nested lists"):
            func(nested, axis=None)
    assert np.sort(rg.array([[3.0, 1.0], [2.0]]), axis=None).to_list() == [1.0, 2.0, 3.0]
    only_lists = rg.array([[3.0, 1.0], None, [2.0]])  # a missing list holds no elements
    assert np.sort(only_lists, axis=None).to_list() == [1.0, 2.0, 3.0]
    assert np.argsort(only_lists, axis=None).to_list() == [1, 2, 0]
    assert np.cumsum(only_lists).to_list() == [3.0, 4.0, 6.0]


def test_ascending_and_descending_agree_or_raise():
    x = rg.array([[3.0, 1.0, 2.0], []])
    assert rg.sort(x, ascending=True).to_list() == rg.sort(x).to_list()
    assert rg.argsort(x, ascending=False).to_list() == rg.argsort(x, descending=True).to_list()
    assert rg.sort(x, ascending=False, descending=True).to_list() == [[3.0, 2.0, 1.0], []]
    with pytest.raises(ValueError, match="contradict"):
        rg.sort(x, ascending=True, descending=True)
    with pytest.raises(TypeError, match="ascending must be True or False"):
        rg.argsort(x, ascending="yes")


def test_flatten_axis_none_drops_every_missing_value():
    _same(rg.flatten(rg.array(Y), axis=None), ak.flatten(ak.Array(Y), axis=None))
    _same(rg.flatten(rg.array(X), axis=None), ak.flatten(ak.Array(X), axis=None))


@pytest.mark.parametrize("data", [[1.0, None, 2.5], [None, [1.0, -2.0]], [[1.0, None], None, []], [[1.0]]])
def test_flatten_axis_0_drops_the_outer_missing_items_as_awkward(data):
    _same(rg.flatten(rg.array(data), axis=0), ak.flatten(ak.Array(data), axis=0))


def test_firsts_and_lasts_give_none_for_empty_and_missing_lists():
    x = rg.array([[1.0, 2.0], [], None, [3.0]])
    assert rg.firsts(x).to_list() == [1.0, None, None, 3.0] and rg.firsts(x).type == "4 * ?float64"
    assert rg.lasts(x).to_list() == [2.0, None, None, 3.0]
    # fill_value fills an empty list; a missing one stays missing
    assert rg.firsts(x, fill_value=0.0).to_list() == [1.0, 0.0, None, 3.0]
    # without empty or missing lists the type stays plain (raggrad's first version; awkward: ?float64)
    assert rg.firsts(rg.array([[1.0], [2.0, 3.0]])).type == "2 * float64"
    _same(rg.firsts(x), ak.firsts(ak.Array(x.to_list())))


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("data", [[[[1.0]], None, []], [[[1.0, 2.0]], None, [[3.0]]], [None, [[]], [[2.0]]]])
def test_firsts_at_the_innermost_axis_keeps_a_missing_outer_list(backend, data):
    # the result's own elements need no mask here; the missing outer list must stay None
    pytest.importorskip(backend)
    x = rg.array(data, backend=backend)
    want = ak.firsts(ak.Array(data), axis=-1)
    assert rg.firsts(x, axis=-1).to_list() == want.to_list()
    lasts = ak.firsts(ak.Array(data)[..., ::-1], axis=-1)  # awkward has no lasts
    assert rg.lasts(x, axis=-1).to_list() == lasts.to_list()
    filled = rg.firsts(rg.array(data, backend=backend), axis=-1, fill_value=0.0).to_list()
    assert filled == ak.fill_none(ak.firsts(ak.Array(data), axis=-1), 0.0, axis=-1).to_list()


def test_num_of_a_missing_list_is_none():
    _same(rg.num(rg.array(X)), ak.num(ak.Array(X)))
    _same(rg.num(rg.array(Y), axis=2), ak.num(ak.Array(Y), axis=2))


@pytest.mark.parametrize(
    ("a", "b", "axis"),
    [
        (X, [[7.0], [8.0, None], None, None], 0),
        (X, [[7.0], [8.0, None], None, None], 1),
        ([[1.0], [2.0]], [None, [3.0]], 0),
        ([[1.0], [2.0]], [None, [3.0]], 1),
        ([1.0, None], [2.0], 0),
        (Y, [[[9.0]], [[]], None, None], 0),
        (Y, [[[9.0]], [[]], None, None], 1),
    ],
)
def test_concat_equals_awkward(a, b, axis):
    got = rg.concat([rg.array(a), rg.array(b)], axis=axis)
    _same(got, ak.concatenate([ak.Array(a), ak.Array(b)], axis=axis))
    again = rg.concatenate([rg.array(a), rg.array(b)], axis)
    assert again.type == got.type and again.to_list() == got.to_list()


def test_concat_list_by_list_refuses_present_items_beside_a_missing_list():
    with pytest.raises(ValueError, match="missing in one array must be empty or missing"):
        rg.concat([rg.array([[[1.0]], None]), rg.array([[[2.0]], [[3.0]]])], axis=2)


def test_concatenate_is_concat_under_awkwards_name():
    a, b = rg.array([[1.0], []]), rg.array([[2.0, 3.0]])
    assert rg.concatenate([a, b]).to_list() == [[1.0], [], [2.0, 3.0]]
    assert rg.concatenate([a, a], 1).to_list() == [[1.0, 1.0], []]
    assert np.concatenate([a, b]).to_list() == rg.concat([a, b]).to_list()


def test_flip_moves_missing_values_with_their_places():
    _same(rg.flip(rg.array(X), axis=1), ak.Array(X)[:, ::-1])
    _same(rg.flip(rg.array(X), axis=0), ak.Array(X)[::-1])


def test_unflatten_with_missing_counts_equals_awkward():
    x = rg.array([3.0, None, 1.0, None, 2.0])
    _same(rg.unflatten(x, [2, None, 3]), ak.unflatten(ak.Array(x.to_list()), ak.Array([2, None, 3])))


def test_from_offsets_and_from_lengths_keep_missing_values_of_their_content():
    c = rg.array([1.0, None, 3.0])
    assert rg.from_offsets([0, 2, 3], c).to_list() == [[1.0, None], [3.0]]
    assert rg.from_lengths([1, 2], c).type == "2 * var * ?float64"
    with pytest.raises(OptionTypeError, match="bounded arrays hold no missing values"):
        rg.from_lengths([1, 2], c, capacity=4)


def test_to_padded_fills_missing_slots_and_masks_them_out():
    x = rg.array(X)
    dense, mask = rg.to_padded(x, 2, fill_value=-1.0)  # length positional
    assert dense.tolist() == [[1.0, -1.0], [-1.0, -1.0], [-1.0, -1.0], [4.0, 5.0]]
    assert mask.tolist() == [[True, False], [False, False], [False, False], [True, True]]
    # awkward's pad_none keeps a missing list missing; fill_none then fills the padded slots
    want = ak.fill_none(ak.pad_none(ak.fill_none(ak.Array(X), [], axis=0), 3, clip=True), -1.0)
    assert rg.to_padded(x, fill_value=-1.0)[0].tolist() == want.to_list()


def test_broadcast_arrays_gives_none_where_either_is_missing():
    a, b = [[1.0, 2.0], None, [3.0]], [10.0, 20.0, None]
    got = rg.broadcast_arrays(rg.array(a), rg.array(b))
    want = ak.broadcast_arrays(ak.Array(a), ak.Array(b))
    for g, w in zip(got, want, strict=True):
        _same(g, w)


def test_queries_accept_missing_values_and_bounded_arrays_refuse_them():
    x = rg.array(X)
    assert not rg.is_bounded(x) and rg.capacity(x) is None and rg.trim(x).to_list() == X
    with pytest.raises(OptionTypeError, match="fill_none"):
        rg.with_capacity(x)


@pytest.mark.parametrize(
    "op",
    [
        lambda x: rg.firsts(x),
        lambda x: rg.lasts(x),
        lambda x: x[:, -1],
        lambda x: x[rg.array([[2, 0, 0], None, [], [None, 1]])],
        lambda x: x[rg.array([[True, None, False], None, [False], [True, None]])],
        lambda x: x[[3, None, 0]],
        lambda x: rg.sort(x, descending=True),
        lambda x: rg.concat([x, x], axis=1),
        lambda x: rg.flatten(x),
    ],
)
def test_missing_slots_hold_zero_content(op):
    # the invariant every op relies on: a missing element's content is zero
    x = rg.array([[1.0, None, 3.0], None, [7.0], [4.0, 5.0]])
    y = op(x)
    mask = y._structure.masks[-1]
    assert mask is not None and not mask.all()
    assert (y.values[~mask] == 0).all(), y.values


# ---- random option types against awkward -----------------------------------------------------
@given(ragged_arrays(depth=2, allow_none=True, max_outer=4, max_list_length=3), st.data())
def test_random_option_arrays_equal_awkward(x, data):
    a = rg.to_awkward(x)
    _same(rg.flatten(x, axis=1), ak.flatten(a, axis=1))
    _same(rg.flatten(x, axis=None), ak.flatten(a, axis=None))
    _same(rg.num(x, axis=2), ak.num(a, axis=2))
    firsts, want = rg.firsts(x, axis=1), ak.firsts(a, axis=1)
    assert firsts.to_list() == want.to_list()
    if firsts.type != str(want.type):  # an option type only where a list is empty or missing
        assert all(rg.num(x, axis=1).to_list()) and x.type.split(" * ")[1] == "var"
        n, item = str(want.type).split(" * ", 1)
        assert firsts.type == f"{n} * {item[1:] if item.startswith('?') else item[7:-1]}"
    _same(x[:, ::-1, 1:], a[:, ::-1, 1:])
    _same(rg.concat([x, x], axis=0), ak.concatenate([a, a], axis=0))
    _same(rg.concat([x, x], axis=2), ak.concatenate([a, a], axis=2))
    start = data.draw(st.integers(-3, 3))
    _same(x[start:], a[start:])
    got = rg.sort(x, axis=-1).to_list()
    for g, w in zip(got, rg.to_list(x)):
        for gl, wl in zip(g or [], w or []):  # every innermost list: present values sorted, None last
            if wl is not None:
                present = sorted(v for v in wl if v is not None)
                assert gl == present + [None] * (len(wl) - len(present))


# ---- derivatives: exactly zero at missing slots, jit and vmap ---------------------------------
jax = pytest.importorskip("jax")
jnp = jax.numpy

W = [[1.0, 2.0, 3.0], [], [], [4.0, 5.0]]

CASES = {
    "int": lambda x: rg.sum(rg.fill_none(x[[0, 3]][:, 1], 0.0) * 3.0, axis=None),
    "slice": lambda x: rg.sum(rg.fill_none(x[:, ::-1], 0.0) ** 2, axis=None),
    "firsts": lambda x: rg.sum(rg.fill_none(rg.firsts(x), 0.0) ** 2, axis=None),
    "lasts": lambda x: rg.sum(rg.fill_none(rg.lasts(x), 0.0) ** 3, axis=None),
    "sort": lambda x: rg.sum(rg.fill_none(rg.sort(x), 0.0) * rg.array(W, backend="jax"), axis=None),
    "concat": lambda x: rg.sum(rg.fill_none(rg.concat([x, x * 2.0], axis=1), 0.0) ** 2, axis=None),
    "flatten": lambda x: rg.sum(rg.fill_none(rg.flatten(x), 0.0) ** 3, axis=None),
    "flatten-none": lambda x: rg.sum(rg.flatten(x, axis=None) ** 3, axis=None),
    "to_padded": lambda x: jnp.sum(rg.to_padded(x, 2, fill_value=7.0)[0] ** 2),
    "mask": lambda x: rg.sum(
        rg.fill_none(x[rg.array([[True, None, False], None, [], [True, None]])], 0.0) ** 2, axis=None
    ),
    "index": lambda x: rg.sum(
        rg.fill_none(x[rg.array([[2, 0, 0], None, [], [None, 1]])], 0.0) ** 2, axis=None
    ),
    # the raw content: a missing slot holds zero and passes no gradient back (the invariant)
    "firsts-raw": lambda x: jnp.sum(rg.firsts(x).values ** 2),
    "index-raw": lambda x: jnp.sum(x[rg.array([[2, 0, 0], None, [], [None, 1]])].values ** 2),
}
#: d/dx of each case at X's present elements 1, 3, 4, 5 (its content: 1, 0 (missing), 3, 4, 5)
EXPECTED = {
    "int": [0, 0, 0, 0, 3],
    "slice": [2, 0, 6, 8, 10],
    "firsts": [2, 0, 0, 8, 0],
    "lasts": [0, 0, 27, 0, 75],
    "sort": [1, 0, 2, 4, 5],
    "concat": [10, 0, 30, 40, 50],
    "flatten": [3, 0, 27, 48, 75],
    "flatten-none": [3, 0, 27, 48, 75],
    "to_padded": [2, 0, 0, 8, 10],
    "mask": [2, 0, 0, 8, 0],
    "index": [4, 0, 6, 0, 10],
    "firsts-raw": [2, 0, 0, 8, 0],
    "index-raw": [4, 0, 6, 0, 10],
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_is_exact_and_zero_at_missing_slots(name):
    with jax.enable_x64(True):
        x = rg.array(X, backend="jax", dtype="float64")
        g = jax.grad(CASES[name])(x)
        assert g.type == x.type
        np.testing.assert_array_equal(np.asarray(g.values), np.array(EXPECTED[name], dtype=np.float64))
        if name in ("firsts", "sort", "index", "to_padded"):
            jitted = jax.jit(jax.grad(CASES[name]))(x)
            np.testing.assert_array_equal(np.asarray(jitted.values), np.asarray(g.values))


def test_second_order_and_forward_mode_through_a_gather_with_holes():
    with jax.enable_x64(True):
        s = rg.array(X, backend="jax", dtype="float64")._structure

        def f(values):
            return rg.sum(rg.fill_none(rg.firsts(RaggedArray._new(s, values)), 0.0) ** 3, axis=None)

        values = jnp.asarray([1.0, 0.0, 3.0, 4.0, 5.0])
        assert np.diag(np.asarray(jax.hessian(f)(values))).tolist() == [6.0, 0.0, 0.0, 24.0, 0.0]
        _, tangent = jax.jvp(f, (values,), (jnp.ones(5),))
        assert float(tangent) == 3.0 * 1.0 + 3.0 * 16.0


def test_vmap_over_batched_content_keeps_missing_slots():
    s = rg.array(X, backend="jax")._structure  # static, missing slot included
    batch = jnp.stack([jnp.asarray([1.0, 0.0, 3.0, 4.0, 5.0]), jnp.asarray([2.0, 0.0, 6.0, 8.0, 10.0])])

    def f(values):
        return rg.fill_none(rg.sort(RaggedArray._new(s, values), descending=True)[:, -1:], -1.0)

    out = jax.vmap(f)(batch)
    assert out.to_list() == [[[-1.0], None, [], [4.0]], [[-1.0], None, [], [8.0]]]
    firsts = jax.vmap(lambda v: rg.firsts(RaggedArray._new(s, v)))(batch)
    assert firsts.to_list() == [[1.0, None, None, 4.0], [2.0, None, None, 8.0]]


def test_jit_retraces_when_the_missing_values_change():
    traces = []

    @jax.jit
    def f(x):
        traces.append(1)
        return rg.fill_none(rg.firsts(x), 0.0)

    a = rg.array([[1.0], [2.0, 3.0], [4.0]], backend="jax")
    b = rg.array([[1.0], None, [4.0]], backend="jax")
    assert f(a).to_list() == [1.0, 2.0, 4.0]
    assert f(b).to_list() == [1.0, 0.0, 4.0]
    assert len(traces) == 2


def test_traced_ragged_index_beside_missing_lists_works_under_jit():
    x = rg.array([[1.0, 2.0], None, [3.0]], backend="jax")
    index = rg.array([[1, 0], [], [0]], backend="jax", dtype="int32")
    got = jax.jit(lambda x, i: x[i])(x, index)
    assert got.to_list() == [[2.0, 1.0], None, [3.0]] == ak.Array(x.to_list())[index.to_list()].to_list()
    g = jax.jit(jax.grad(lambda x, i: rg.sum(x[i] ** 2, axis=None)))(x, index)
    assert g.to_list() == [[2.0, 4.0], None, [6.0]]


def test_traced_index_into_missing_items_is_refused_under_jit():
    x = rg.array(X, backend="jax")

    @jax.jit
    def f(index):
        return x[index]

    with pytest.raises(rg.TracedStructureError, match=r"missing.*rg\.fill_none"):
        f(rg.array([[0], [], [], [1]], dtype="int32", backend="jax"))
    # the way out it names: fill the missing items, then the argmax index works under jit
    picked = jax.jit(lambda v: (w := rg.fill_none(v, -np.inf))[rg.argmax(w, axis=1, keepdims=True)])(x)
    assert (
        picked.to_list()
        == rg.fill_none(x, -np.inf)[rg.argmax(rg.fill_none(x, -np.inf), axis=1, keepdims=True)].to_list()
    )


# ---- torch: values and autograd ----------------------------------------------------------------
def test_torch_values_and_autograd():
    torch = pytest.importorskip("torch")
    x = rg.array(X, backend="torch", dtype="float64")
    values = x.values.detach().clone().requires_grad_(True)
    y = RaggedArray._new(x._structure, values)
    out = rg.sum(rg.fill_none(rg.sort(y, descending=True), 0.0) * rg.array(W, backend="torch"), axis=None)
    out.backward()
    assert rg.sort(x, descending=True).to_list() == [[3.0, 1.0, None], None, [], [5.0, 4.0]]
    assert values.grad.tolist() == [2.0, 0.0, 1.0, 5.0, 4.0]
    assert rg.firsts(x).to_list() == [1.0, None, None, 4.0]
    assert isinstance(x[:, 1:].values, torch.Tensor)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ([1.0, None, 3.0], (1, None)),  # a missing element, wrapped: [None]
        ([[1.0, None, 3.0], None, [], [4.0, 5.0], [None]], (0, 1, None)),
        ([[1.0, None, 3.0], None, [], [4.0, 5.0], [None]], (-1, 0, None)),
        ([[1.0, None, 3.0], None, [], [4.0, 5.0], [None]], (1, None)),  # a missing list, wrapped
        ([[1.0, None, 3.0], None, [], [4.0, 5.0], [None]], (1, 0, None)),  # inside a missing list
        ([[[1.0, None], None, []], None, [[4.0, 5.0]], []], (1, slice(None), None)),
        ([[[1.0, None], None, []], None, [[4.0, 5.0]], []], (1, slice(1, None), None)),
        ([[[1.0, None], None, []], None, [[4.0, 5.0]], []], (0, 1, None)),
        ([[[1.0, None], None, []], None, [[4.0, 5.0]], []], (0, 0, 1, None)),
    ],
)
def test_a_new_axis_after_a_missing_item_as_awkward(data, key):
    # a new axis right after a missing item wraps it ([None]); indexing into a missing item
    # gives None whatever follows
    got, want = rg.array(data)[key], ak.Array(data)[key]
    if want is None:
        assert got is None
    else:
        assert got.to_list() == want.to_list() and got.type == str(want.type)


def test_from_regular_keeps_missing_lists_and_rows():
    for a in (
        ak.Array([[1.0, 2.0], None, [3.0]]),  # nothing regular: as it is (it raised OptionTypeError)
        ak.Array([[1.0, None], [3.0]]),
        ak.to_regular(ak.Array([[[1.0, 2.0]], None, [[3.0, 4.0]]]), axis=2),
        ak.to_regular(ak.Array([[1.0, 2.0], None, [3.0, 4.0]]), axis=1),  # a missing row: a missing list
        ak.to_regular(ak.Array([[[1.0, 2.0], None], [], [[3.0, 4.0]]]), axis=2),
    ):
        for axis in (1, -1, None):
            got, want = rg.from_regular(rg.from_awkward(a), axis=axis), ak.from_regular(a, axis=axis)
            assert got.to_list() == want.to_list() and got.type == str(want.type)
