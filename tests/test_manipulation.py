"""Structure operations against awkward and per-list NumPy; errors, gradients, jit, vmap."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg

ak = pytest.importorskip("awkward")

LISTS = [[3.0, 1.0, 2.0, 1.0], [], [5.0, 4.0], [6.0, 7.0, 8.0, 9.0]]
NESTED = [[[1.0, 2.0], [], [3.0]], [], [[4.0], [5.0, 6.0, 7.0]]]

values = st.integers(-5, 5).map(float)
ragged = st.lists(st.lists(values, max_size=5), max_size=6)
nested = st.lists(st.lists(st.lists(values, max_size=3), max_size=3), max_size=4)


def _depth2(lists):
    return rg.from_lengths([len(r) for r in lists], np.array([v for r in lists for v in r], dtype=np.float64))


def _depth3(lists):
    inner = [sub for row in lists for sub in row]
    flat = np.array([v for sub in inner for v in sub], dtype=np.float64)
    return rg.from_lengths([len(r) for r in lists], rg.from_lengths([len(s) for s in inner], flat))


def _lists(result):
    if isinstance(result, tuple | list):
        return [_lists(r) for r in result]
    return result.to_list() if isinstance(result, (rg.RaggedArray, ak.Array)) else result


def _fields(record_array, n):
    return [record_array[str(i)].to_list() for i in range(n)]


# ---- values against awkward --------------------------------------------------------------------
@given(ragged)
def test_one_level_ops_match_awkward(lists):
    x = _depth2(lists)
    a = rg.to_awkward(x)
    assert rg.num(x).to_list() == ak.num(a).to_list()
    assert rg.num(x, axis=0) == ak.num(a, axis=0)
    assert rg.flatten(x).to_list() == ak.flatten(a).to_list()
    assert rg.flatten(x, axis=None).to_list() == ak.flatten(a, axis=None).to_list()
    assert rg.local_index(x).to_list() == ak.local_index(a).to_list()
    assert rg.sort(x).to_list() == ak.sort(a).to_list()
    assert rg.sort(x, descending=True).to_list() == ak.sort(a, ascending=False).to_list()
    assert rg.argsort(x).to_list() == ak.argsort(a, stable=True).to_list()
    assert rg.argsort(x, descending=True).to_list() == ak.argsort(a, ascending=False, stable=True).to_list()
    assert rg.flip(x, axis=-1).to_list() == a[:, ::-1].to_list()
    assert rg.unflatten(rg.flatten(x), rg.num(x)).to_list() == lists
    for n in (1, 2, 3):
        assert _lists(rg.combinations(x, n)) == _fields(ak.combinations(a, n), n)
        assert _lists(rg.argcombinations(x, n)) == _fields(ak.argcombinations(a, n), n)


@given(ragged, ragged)
def test_concat_and_cartesian_match_awkward(p, q):
    x, y = _depth2(p), _depth2(q)
    a, b = rg.to_awkward(x), rg.to_awkward(y)
    assert rg.concat([x, y]).to_list() == ak.concatenate([a, b]).to_list()
    if len(p) == len(q):
        assert rg.concat([x, y, x], axis=1).to_list() == ak.concatenate([a, b, a], axis=1).to_list()
        assert _lists(rg.cartesian([x, y])) == _fields(ak.cartesian([a, b]), 2)


@given(nested)
def test_nested_ops_match_awkward(lists):
    x = _depth3(lists)
    a = rg.to_awkward(x)
    for axis in (1, 2):
        assert rg.num(x, axis=axis).to_list() == ak.num(a, axis=axis).to_list()
        assert rg.flatten(x, axis=axis).to_list() == ak.flatten(a, axis=axis).to_list()
        assert rg.local_index(x, axis=axis).to_list() == ak.local_index(a, axis=axis).to_list()
        assert _lists(rg.combinations(x, 2, axis=axis)) == _fields(ak.combinations(a, 2, axis=axis), 2)
        assert rg.concat([x, x], axis=axis).to_list() == ak.concatenate([a, a], axis=axis).to_list()
    assert rg.sort(x).to_list() == ak.sort(a).to_list()
    assert rg.flatten(x, axis=None).to_list() == ak.flatten(a, axis=None).to_list()


@given(ragged)
def test_firsts_and_lasts_match_per_list_python(lists):
    x = _depth2(lists)
    assert rg.firsts(x, fill_value=-1.0).to_list() == [r[0] if r else -1.0 for r in lists]
    assert rg.lasts(x, fill_value=-1.0).to_list() == [r[-1] if r else -1.0 for r in lists]
    # without fill_value an empty list gives None, as in awkward (version 2 of the contract)
    assert rg.firsts(x).to_list() == ak.firsts(rg.to_awkward(x)).to_list()
    assert rg.lasts(x).to_list() == [r[-1] if r else None for r in lists]


@pytest.mark.parametrize("bounded", [False, True])
@pytest.mark.parametrize("fn", [rg.firsts, rg.lasts])
def test_firsts_and_lasts_of_a_one_dimensional_array_take_the_fill(fn, bounded):
    # an empty array: exact raised NotImplementedError, bounded asked for the fill_value it had
    wrap = rg.with_capacity if bounded else (lambda v: v)
    assert float(fn(wrap(rg.array([])), axis=-1, fill_value=9.0)) == 9.0
    assert float(fn(wrap(rg.array([1.0, 2.0])), axis=0, fill_value=9.0)) == (1.0 if fn is rg.firsts else 2.0)
    assert fn(wrap(rg.array(np.zeros((0, 3)))), axis=0, fill_value=9.0).tolist() == [9.0] * 3


@given(ragged, st.integers(1, 3))
def test_combinations_match_itertools(lists, n):
    x = _depth2(lists)
    members = rg.combinations(x, n)
    expected = [list(itertools.combinations(r, n)) for r in lists]
    for i, member in enumerate(members):
        assert member.to_list() == [[c[i] for c in row] for row in expected]


def test_axis_0_combinations_cartesian_and_flip():
    x, a = rg.array(LISTS), ak.Array(LISTS)
    assert _lists(rg.combinations(x, 2, axis=0)) == _fields(ak.combinations(a, 2, axis=0), 2)
    y = rg.array([[1.0], [2.0, 3.0]])
    expected = ak.cartesian([a, ak.Array(y.to_list())], axis=0)
    assert _lists(rg.cartesian([x, y], axis=0)) == _fields(expected, 2)
    assert rg.flip(x, axis=0).to_list() == LISTS[::-1]
    assert rg.flip(x).to_list() == [r[::-1] for r in LISTS[::-1]]


def test_unflatten_at_axis_1_matches_awkward_with_empty_groups():
    x, a = rg.array(LISTS), ak.Array(LISTS)
    for counts in ([2, 2, 0, 2, 1, 1, 2], [0, 2, 2, 0, 0, 2, 1, 1, 2, 0]):
        assert rg.unflatten(x, counts, axis=1).to_list() == ak.unflatten(a, counts, axis=1).to_list()
    assert rg.unflatten(rg.array([1, 2, 3, 4]), 2).to_list() == [[1, 2], [3, 4]]


def test_regular_inner_dims():
    x = rg.from_offsets([0, 2, 2, 3], np.array([[3.0, 1.0], [0.0, 2.0], [5.0, 4.0]]))
    assert rg.sort(x).to_list() == [[[1.0, 3.0], [0.0, 2.0]], [], [[4.0, 5.0]]]
    assert rg.sort(x, axis=1).to_list() == [[[0.0, 1.0], [3.0, 2.0]], [], [[5.0, 4.0]]]
    assert rg.flatten(x, axis=2).to_list() == [[3.0, 1.0, 0.0, 2.0], [], [5.0, 4.0]]
    assert rg.num(x, axis=2).to_list() == [[2, 2], [], [2]]
    assert rg.local_index(x).to_list() == [[[0, 1], [0, 1]], [], [[0, 1]]]
    assert rg.firsts(x, axis=2).to_list() == [[3.0, 0.0], [], [5.0]]
    assert rg.concat([x, x], axis=2).to_list() == [
        [[3.0, 1.0, 3.0, 1.0], [0.0, 2.0, 0.0, 2.0]],
        [],
        [[5.0, 4.0, 5.0, 4.0]],
    ]
    a, b = rg.combinations(x, 2)
    assert a.to_list() == [[[3.0, 1.0]], [], []] and b.to_list() == [[[0.0, 2.0]], [], []]


def test_broadcast_arrays_follow_awkward():
    x = rg.array(LISTS)
    got = rg.broadcast_arrays(x, rg.array([1.0, 2.0, 3.0, 4.0]), 5.0)
    want = ak.broadcast_arrays(ak.Array(LISTS), ak.Array([1.0, 2.0, 3.0, 4.0]), 5.0)
    assert _lists(got) == [w.to_list() for w in want]
    assert isinstance(got, list)  # as awkward's, and the array API's of 2024.12 (it was a tuple)


def test_numpy_functions_dispatch():
    x, y = rg.array(LISTS), rg.array([[1.0], [2.0], [], [3.0]])
    assert np.concatenate([x, y], axis=1).to_list() == rg.concat([x, y], axis=1).to_list()
    assert np.concatenate([x, y], dtype=np.float32).dtype == np.float32
    assert np.sort(x, kind="stable").to_list() == rg.sort(x).to_list()
    assert np.argsort(x).to_list() == rg.argsort(x).to_list()
    assert np.sort(x, axis=None).to_list() == sorted(v for r in LISTS for v in r)
    assert np.flip(x, axis=1).to_list() == rg.flip(x, axis=1).to_list()


def test_sort_is_stable_and_argsort_reorders():
    x = rg.array([[2, 1, 2, 1, 0], [], [1, 1]])
    assert rg.argsort(x).to_list() == [[4, 1, 3, 0, 2], [], [0, 1]]
    assert rg.argsort(x, descending=True).to_list() == [[0, 2, 1, 3, 4], [], [0, 1]]
    assert x[rg.argsort(x)].to_list() == rg.sort(x).to_list()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: rg.num(x, axis=2), np.exceptions.AxisError, "out of range"),
        (lambda x: rg.combinations(x, 0), ValueError, "n must be a positive integer"),
        (lambda x: rg.concat([x, rg.array([[1.0]])], axis=1), ValueError, "outer lengths differ"),
        (lambda x: rg.concat([x, rg.array([[[1.0]]])]), ValueError, "depths differ"),
        (lambda x: rg.concat(x), TypeError, "sequence"),
        (lambda x: rg.unflatten(x, [3, 3]), ValueError, "sum to 6 but axis 0 has 4"),
        (lambda x: rg.unflatten(x, [3, 7], axis=1), ValueError, "cross the boundary"),
        (lambda x: rg.sort(x, axis=0), NotImplementedError, "innermost"),
        (lambda x: rg.cartesian([x, rg.array([[1.0]])]), ValueError, "same lists"),
        (lambda x: rg.num([1, 2]), ValueError, r"axis=1 is out of range for an array of type '2 \* int64'"),
        (lambda x: rg.num({"a": 1}), TypeError, "expected an array, not dict"),
    ],
)
def test_errors_name_the_problem(call, error, match):
    with pytest.raises(error, match=match):
        call(rg.array(LISTS))


# ---- jax: gradients, jit, vmap -----------------------------------------------------------------
jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")


def _jx(lists):
    return rg.to_backend(rg.array(lists), "jax")


OPS = {
    "sort": lambda x: rg.sort(x),
    "sort-descending": lambda x: rg.sort(x, descending=True),
    "argsort": lambda x: rg.argsort(x),
    "flip": lambda x: rg.flip(x, axis=-1),
    "flatten": lambda x: rg.flatten(x),
    "firsts": lambda x: rg.firsts(x, fill_value=0.0),
    "lasts": lambda x: rg.lasts(x, fill_value=0.0),
    "concat-1": lambda x: rg.concat([x, 2 * x], axis=1),
    "concat-0": lambda x: rg.concat([x, x]),
    "combinations": lambda x: rg.combinations(x, 2)[1],
    "argcombinations": lambda x: rg.argcombinations(x, 2)[0],
    "cartesian": lambda x: rg.cartesian([x, x])[0],
    "num": lambda x: rg.num(x),
    "local_index": lambda x: rg.local_index(x),
    "unflatten": lambda x: rg.unflatten(x, [1, 1, 2, 0, 2, 4], axis=1),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_jit_matches_eager(name):
    x = _jx(LISTS)
    assert jax.jit(OPS[name])(x).to_list() == OPS[name](x).to_list()


def test_gradients_follow_the_selections():
    x = _jx(LISTS)

    def pairs(x):
        a, b = rg.combinations(x, 2)
        return jnp.sum((a * b).values)

    # d/dx_i of the sum of pairwise products is the sum of the others in the list
    assert jax.grad(pairs)(x).to_list() == [[4.0, 6.0, 5.0, 6.0], [], [4.0, 5.0], [24.0, 23.0, 22.0, 21.0]]

    def ranked(x):
        return jnp.sum(rg.sort(x, descending=True).values * jnp.arange(10.0))

    # stable descending: the first 1.0 ranks before the second
    assert jax.grad(ranked)(x).to_list() == [[0.0, 2.0, 1.0, 3.0], [], [4.0, 5.0], [9.0, 8.0, 7.0, 6.0]]

    def joined(x):
        return jnp.sum(rg.concat([x, x * x], axis=1).values) + jnp.sum(rg.firsts(x, fill_value=0.0).values)

    assert jax.grad(joined)(x).to_list() == [[8.0, 3.0, 5.0, 3.0], [], [12.0, 9.0], [14.0, 15.0, 17.0, 19.0]]
    assert jax.jit(jax.grad(joined))(x).to_list() == jax.grad(joined)(x).to_list()


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_descending_sort_is_stable_along_regular_dims(backend):
    """Equal values keep their order descending too, as inside lists (``-0.0 == 0.0``)."""
    if backend != "numpy":
        pytest.importorskip(backend)
    x = rg.asarray(np.array([-0.0, 0.0, 1.0])).to_backend(backend)
    assert [str(v) for v in rg.sort(x, descending=True).to_list()] == ["1.0", "-0.0", "0.0"]
    assert rg.argsort(x, descending=True).to_list() == [2, 0, 1]
    grid = np.array([[3.0, 1.0, 3.0, 2.0], [1.0, 1.0, 0.0, 5.0]])
    y = rg.asarray(grid).to_backend(backend)
    expected = np.argsort(-grid, axis=-1, kind="stable")
    assert rg.argsort(y, axis=-1, descending=True).to_list() == expected.tolist()
    assert (
        rg.argsort(y, axis=0, descending=True).to_list() == np.argsort(-grid, axis=0, kind="stable").tolist()
    )
    ragged = rg.array([[3.0, 1.0, 3.0], [2.0, 2.0]], backend=backend)
    assert rg.argsort(ragged, descending=True).to_list() == [[0, 2, 1], [0, 1]]
    with pytest.raises(TypeError, match="descending must be True or False"):
        rg.argsort(x, descending="yes")


def test_sort_gradient_under_jit_and_vmap():
    offsets = np.array([0, 4, 4, 6, 10])
    batch = jnp.asarray(np.random.default_rng(0).normal(size=(3, 10)))

    def f(v):
        return jnp.sum(rg.sort(rg.from_offsets(offsets, v)).values * jnp.arange(10.0))

    grads = jax.jit(jax.vmap(jax.grad(f)))(batch)
    for row, g in zip(np.asarray(batch), np.asarray(grads)):
        want = np.zeros(10)
        for lo, hi in itertools.pairwise(offsets):
            want[lo + np.argsort(row[lo:hi], kind="stable")] = np.arange(lo, hi)
        np.testing.assert_allclose(g, want)


def test_vmap_of_combinations_shares_the_structure():
    offsets = np.array([0, 3, 3, 5])
    batch = jnp.arange(10.0).reshape(2, 5)
    out = jax.vmap(lambda v: rg.combinations(rg.from_offsets(offsets, v), 2)[0].values)(batch)
    assert out.tolist() == [[0.0, 0.0, 1.0, 3.0], [5.0, 5.0, 6.0, 8.0]]


def test_axis_none_merges_the_batch_dims_of_a_vmap_output_as_numpy():
    """Outside vmap a batched array (``2 * 3 * var``) is one array: axis=None takes all its values,
    as rg.sum does and as np.ravel of the padded array would; inside vmap, each member's own."""
    x = rg.array([[1.0, 5.0], [], [3.0]], backend="jax")
    scales = jnp.array([1.0, -1.0])
    batched = jax.vmap(lambda s: x * s)(scales)
    assert batched.type == "2 * 3 * var * float32"
    every = [1.0, 5.0, 3.0, -1.0, -5.0, -3.0]
    for flat in (rg.flatten(batched, axis=None), np.ravel(batched)):
        assert flat.type == "6 * float32" and flat.to_list() == every
    assert np.sort(batched, axis=None).to_list() == sorted(every)
    assert np.concatenate([batched, batched], axis=None).to_list() == every * 2
    assert np.cumsum(batched, axis=None).to_list() == list(np.cumsum(every))
    assert float(rg.sum(rg.flatten(batched, axis=None))) == float(rg.sum(batched, axis=None))
    inside = jax.vmap(lambda s: rg.flatten(x * s, axis=None))(scales)
    assert inside.to_list() == [every[:3], every[3:]]
    bounded = rg.with_capacity(batched)  # one structure, two rows of content with padding
    for flat in (rg.flatten(bounded, axis=None), jax.jit(lambda b: rg.flatten(b, axis=None))(bounded)):
        assert rg.is_bounded(flat) and flat.to_list() == every
    assert np.sort(bounded, axis=None).to_list() == sorted(every)
    grad = rg.grad(lambda b: rg.sum(rg.flatten(b, axis=None) ** 2))(bounded)
    assert rg.trim(grad).to_list() == [[[2 * v for v in row] for row in m] for m in batched.to_list()]


# ---- combinations size guard -------------------------------------------------------------------
# The number of combinations is counted exactly (Python ints) before anything is allocated: zero
# returns empty lists at once, too many for the memory raises rg.OutputTooLargeError.


def test_combinations_of_lists_shorter_than_n_are_empty():
    x = rg.from_lengths(np.full(100_000, 3), np.arange(300_000.0))
    for n in (5, 64):
        members = rg.combinations(x, n)
        assert len(members) == n
        assert all(m.type == "100000 * var * float64" for m in members)
        assert not rg.offsets(members[-1]).any()
        indices = rg.argcombinations(x, n)
        assert len(indices) == n and indices[0].type == "100000 * var * int64"
        assert rg.num(indices[-1], axis=1).to_list() == [0] * 100_000


def test_combinations_too_large_raise_before_allocating():
    tracemalloc = pytest.importorskip("tracemalloc")
    x = rg.array([list(range(200))], dtype=np.float64)  # C(200, 5) = 2,535,650,040 combinations
    for op in (rg.combinations, rg.argcombinations):
        tracemalloc.start()
        try:
            with pytest.raises(
                rg.OutputTooLargeError,
                match=rf"rg\.{op.__name__}: the result would hold 2535650040 combinations in 5 arrays "
                r"and need at least \d+ bytes \(\d+\.\d GiB\), more than the \d+ bytes",
            ):
                op(x, 5)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 2**24  # nothing of the output's size was allocated
    assert issubclass(rg.OutputTooLargeError, ValueError)


def _zero_width(length: int) -> rg.RaggedArray:
    # one list of `length` items of zero bytes each: a huge list that costs no memory
    return rg.from_lengths([length], np.zeros((length, 0)))


@pytest.mark.parametrize(
    ("n", "count"),
    [
        (2, "9223372034707292160"),  # C(2**32, 2) = 2**63 - 2**31: fits int64, L * (L - 1) does not
        (3, "13204693743154017563500871680"),  # C(2**32, 3): past int64, still exact
        (2**31, "more than 18446744073709551616"),  # not worth its billions of digits
    ],
)
def test_combination_counts_near_the_int64_limit_do_not_wrap(n, count):
    with pytest.raises(rg.OutputTooLargeError, match=rf"would hold {count} combinations in {n} arrays"):
        rg.combinations(_zero_width(2**32), n)


def test_cartesian_counts_exactly_and_guards_too():
    z = _zero_width(2**32)
    with pytest.raises(
        rg.OutputTooLargeError, match=r"rg\.cartesian: the result would hold 18446744073709551616 tuples"
    ):
        rg.cartesian([z, z])
    empty = rg.array([[], [1.0, 2.0]])
    a, b = rg.cartesian([empty, rg.array([[1.0, 2.0, 3.0], []])])
    assert a.to_list() == b.to_list() == [[], []]


def test_flatten_of_a_regular_dim_keeps_missing_lists():
    x = rg.mask(rg.from_lengths([2, 1, 0], np.arange(6.0).reshape(3, 2)), [True, False, True])
    a = rg.to_awkward(x)  # 3 * option[var * 2 * float64]
    flat = rg.flatten(x, axis=-1)
    assert flat.to_list() == ak.flatten(a, axis=-1).to_list() == [[0.0, 1.0, 2.0, 3.0], None, []]
    assert flat.type == str(ak.flatten(a, axis=-1).type)
    assert rg.sum(flat, axis=1).to_list() == [6.0, None, 0.0]  # the None was summed as 0.0
    deep = ak.to_regular(ak.Array([[[[1.0, 2.0], [3.0, 4.0]], None, []], None, [[[5.0, 6.0]]]]), axis=3)
    assert rg.flatten(rg.from_awkward(deep), axis=-1).to_list() == ak.flatten(deep, axis=-1).to_list()


def test_concat_names_what_it_cannot_join():
    r = rg.array([[1.0, 2.0], [3.0]])
    for args in ([r, 9.0], [np.float64(9.0), r]):  # AttributeError from inside before
        with pytest.raises(ValueError, match=r"rg\.concat: argument \d is a single number"):
            rg.concat(args, axis=1)
    with pytest.raises(ValueError, match=r"'3 \* 2 \* float64' \(a regular dimension: rg\.from_regular it\)"):
        rg.concat([rg.array([[1.0], [], [2.0]]), rg.array(np.ones((3, 2)))])


def test_from_regular_of_a_zero_width_inner_dim_and_unflatten_of_nothing():
    z = np.zeros((2, 3, 0))
    for axis in (1, 2, -1, None):  # NumPy's reshape error before
        assert (
            rg.from_regular(rg.array(z), axis=axis).to_list()
            == ak.from_regular(ak.Array(z), axis=axis).to_list()
        )
    assert rg.unflatten(rg.array([]), 0).to_list() == ak.unflatten(ak.Array([]), 0).to_list() == []
    with pytest.raises(ValueError, match="counts=0 does not divide the 1 items"):
        rg.unflatten(rg.array([1.0]), 0)
