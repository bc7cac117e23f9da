"""combinations, argcombinations and cartesian of bounded arrays: ``capacity=``, on the device.

The oracle is the exact op (itself checked against awkward and itertools in test_manipulation);
an overflow must mark the result invalid so that ``to_list`` and ``rg.trim`` raise.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import raggrad as rg

LISTS = [[1.0, 2.0, 3.0, 4.0], [], [5.0, 6.0], [7.0]]

try:
    import jax
    import jax.numpy as jnp
except ImportError:  # the numpy half still runs
    jax = None

needs_jax = pytest.mark.skipif(jax is None, reason="needs jax")
MODES = [
    ("numpy", False),
    pytest.param("jax", False, marks=needs_jax),
    pytest.param("jax", True, marks=needs_jax),
]


def _lists(members):
    return [m.to_list() for m in members]


@functools.cache
def _jitted(op, n):
    return jax.jit(lambda v: op(v, n, capacity=512))


def _run(op, x, n, backend, jit):
    b = rg.with_capacity(rg.array(x, backend=backend), lists=16, elements=64)
    if jit:
        return _jitted(op, n)(b)
    return op(b, n, capacity=512)


@functools.cache
def _jitted_cartesian():
    return jax.jit(lambda u, v: rg.cartesian([u, v], capacity=256))


# at most 8 lists of at most 7 items: C(7, 3) * 8 = 280 combinations, within the capacity 512
small = st.lists(st.lists(st.integers(-50, 50).map(float), max_size=7), min_size=1, max_size=8)


# ---- values equal the exact op's ------------------------------------------------------------------
@pytest.mark.parametrize(("backend", "jit"), MODES)
@given(lists=small, n=st.integers(1, 4))
def test_combinations_equal_the_exact_ones(backend, jit, lists, n):
    x = rg.array(lists, dtype=np.float32)  # the oracle on numpy: eager jax compiles every new shape
    exact = rg.combinations(x, n)
    got = _run(rg.combinations, lists, n, backend, jit)
    assert all(rg.is_bounded(m) and rg.capacity(m) == ((16,), 512) for m in got)
    if not jit:  # members share one structure (broadcasting's fast path); jit's outputs are unflattened anew
        assert got[0]._structure is got[-1]._structure
    assert _lists(got) == _lists(exact) == _lists([rg.trim(m) for m in got])
    assert _lists(_run(rg.argcombinations, lists, n, backend, jit)) == _lists(rg.argcombinations(x, n))
    for m in got:  # padding slots hold zeros
        used = sum(len(r) for r in m.to_list())
        assert not np.any(np.asarray(m.values)[used:])


@pytest.mark.parametrize(("backend", "jit"), MODES)
@given(
    pairs=st.lists(
        st.tuples(st.lists(st.integers(0, 9).map(float), max_size=6), st.integers(0, 5)),
        min_size=1,
        max_size=8,
    )
)
def test_cartesian_equals_the_exact_one(backend, jit, pairs):
    first = [p[0] for p in pairs]
    second = [[float(10 * j)] * p[1] for j, p in enumerate(pairs)]
    x, y = rg.array(first), rg.array(second)  # the oracle on numpy: eager jax compiles every new shape
    bx = rg.with_capacity(x, lists=8, elements=64).to_backend(backend)
    by = rg.with_capacity(y, lists=8, elements=64).to_backend(backend)
    got = _jitted_cartesian()(bx, by) if jit else rg.cartesian([bx, by], capacity=256)
    assert _lists(got) == _lists(rg.cartesian([x, y]))
    three = rg.cartesian([bx, y.to_backend(backend), bx], capacity=2048)  # an exact one joins, bounded
    assert _lists(three) == _lists(rg.cartesian([x, y, x]))


@given(
    lists=st.lists(
        st.lists(st.lists(st.integers(0, 9).map(float), max_size=5), max_size=4), min_size=1, max_size=4
    ),
    n=st.integers(1, 4),
)
def test_combinations_at_the_innermost_of_two_ragged_axes(lists, n):
    x = rg.array(lists, dtype=np.float64)
    if x.ndim != 3:
        return  # no element at all: rg.array cannot tell the depth
    got = rg.combinations(rg.with_capacity(x, lists=(4, 16), elements=80), n, axis=-1, capacity=256)
    assert rg.capacity(got[0]) == ((4, 16), 256)
    assert _lists(got) == _lists(rg.combinations(x, n, axis=-1))


def test_long_lists_unrank_every_combination():
    # many ranks per list exercise the float estimate of the combinadic and its exact steps
    for backend in ["numpy"] + (["jax"] if jax else []):
        for length, n in [(200, 2), (60, 3), (30, 4), (9, 9), (3, 4)]:
            x = rg.with_capacity(rg.array([list(range(length)), [0.0, 1.0]], backend=backend))
            count = math.comb(length, n) + math.comb(2, n)
            members = rg.argcombinations(x, n, capacity=count)
            expected = np.array(list(itertools.combinations(range(length), n))).reshape(-1, n)
            for j, m in enumerate(members):
                assert m.to_list()[0] == expected[:, j].tolist(), (backend, length, n, j)


def test_an_inner_ragged_axis_and_regular_inner_dims():
    deep = rg.array([[[1.0, 2.0, 3.0], []], [], [[4.0, 5.0]]])
    b = rg.with_capacity(deep)
    for axis in (2, -1):
        assert _lists(rg.combinations(b, 2, axis=axis, capacity=8)) == _lists(
            rg.combinations(deep, 2, axis=axis)
        )
    assert rg.capacity(rg.combinations(b, 2, axis=2, capacity=8)[0]) == ((16, 16), 8)
    with pytest.raises(TypeError, match=r"give capacity= as 2 numbers"):
        rg.combinations(b, 2, axis=1, capacity=8)  # the items are lists: (pairs, elements)
    vectors = rg.from_offsets([0, 2, 2, 3], np.array([[3.0, 1.0], [0.0, 2.0], [5.0, 4.0]]))
    got = rg.combinations(rg.with_capacity(vectors), 2, capacity=4)
    assert (
        _lists(got) == _lists(rg.combinations(vectors, 2)) == [[[[3.0, 1.0]], [], []], [[[0.0, 2.0]], [], []]]
    )
    flat = rg.with_capacity(rg.array([1.0, 2.0, 3.0]))
    assert _lists(rg.combinations(flat, 2, axis=0, capacity=4)) == [[1.0, 1.0, 2.0], [2.0, 3.0, 3.0]]


# ---- capacity= is required, and overflow is never silent -----------------------------------------
def test_a_bounded_input_without_capacity_names_it():
    b = rg.with_capacity(rg.array(LISTS))
    for call in (
        lambda: rg.combinations(b, 2),
        lambda: rg.argcombinations(b, 3),
        lambda: rg.cartesian([b, b]),
    ):
        with pytest.raises(TypeError, match=r"capacity="):
            call()
    with pytest.raises(ValueError, match=r"capacity=-1"):
        rg.combinations(b, 2, capacity=-1)
    with pytest.raises(TypeError, match=r"capacity= must be an integer"):
        rg.combinations(b, 2, capacity=2.5)


@pytest.mark.parametrize(("backend", "jit"), MODES)
def test_more_combinations_than_the_capacity_make_to_list_and_trim_raise(backend, jit):
    b = rg.with_capacity(rg.array(LISTS, backend=backend))  # 7 pairs

    def f(v):
        a, c = rg.combinations(v, 2, capacity=5)
        return a, c, rg.sum(a * c, axis=1), rg.sum(a * c)

    a, c, per_list, total = jax.jit(f)(b) if jit else f(b)
    for out in (a, c, per_list):
        capacities = r"\(16, 5\)" if out is not per_list else r"\(16,\)"
        with pytest.raises(ValueError, match=rf"capacities {capacities}\) is invalid.*capacity"):
            out.to_list()
        with pytest.raises(ValueError, match=r"capacities .* is invalid"):
            rg.trim(out)
    assert np.isnan(float(total))  # a 0-d result of an invalid array is NaN
    # the first 5 combinations, in order, are kept
    np.testing.assert_array_equal(np.asarray(a.values), [1.0, 1.0, 1.0, 2.0, 2.0])
    np.testing.assert_array_equal(np.asarray(c.values), [2.0, 3.0, 4.0, 3.0, 4.0])
    fits = rg.combinations(b, 2, capacity=7)
    assert _lists(fits) == _lists(rg.combinations(rg.array(LISTS), 2))
    x, y = rg.with_capacity(rg.array([[1.0, 2.0], [3.0]])), rg.with_capacity(rg.array([[1.0, 2.0, 3.0], []]))
    with pytest.raises(ValueError, match="is invalid"):
        rg.cartesian([x, y], capacity=5)[0].to_list()


@pytest.mark.parametrize(("backend", "jit"), MODES)
def test_totals_of_an_overflowed_result_are_never_a_count_of_what_fitted(backend, jit):
    b = rg.with_capacity(rg.array(LISTS, backend=backend))  # 7 pairs, 5 fit

    def f(v):
        a, c = rg.combinations(v, 2, capacity=5)
        pt = a + c
        return (
            rg.hep.soft_histogram(pt, [0.0, 6.0, 20.0], bandwidth=0.5),
            rg.hep.soft_histogram(pt, [0.0, 6.0, 20.0], bandwidth=0.5, weights=a),
            rg.count(pt),
            rg.sum(rg.num(pt, axis=1)),
        )

    if not jit:  # concrete: an integer total cannot be NaN, so it raises
        with pytest.raises(ValueError, match=r"rg\.count: the bounded array it reduced is invalid"):
            f(b)
        hists = [
            rg.hep.soft_histogram(p, [0.0, 6.0, 20.0], bandwidth=0.5)
            for p in rg.combinations(b, 2, capacity=5)
        ]
        assert all(np.isnan(h.to_list()).all() for h in hists)
        with pytest.raises(ValueError, match=r"rg\.histogram: .* is invalid"):
            rg.histogram(rg.combinations(b, 2, capacity=5)[0], bins=3)
        first = rg.combinations(b, 2, capacity=5)[0]
        with pytest.raises(ValueError, match=r"rg\.argmax: .* is invalid"):
            rg.argmax(first)
        with pytest.raises(ValueError, match=r"rg\.to_padded: .* is invalid"):
            rg.to_padded(rg.astype(first, np.int32))
        assert np.isnan(np.asarray(rg.to_padded(first)[0])).all()
        return
    hist, weighted, count, total = jax.jit(f)(b)
    assert np.isnan(hist.to_list()).all() and np.isnan(weighted.to_list()).all()
    assert int(count) == int(total) == np.iinfo(np.asarray(count).dtype).min  # never a count

    def g(v):
        a, c = rg.combinations(v, 2, capacity=5)
        return rg.argmax(a * c), rg.argmin(a * c), rg.to_padded(a)[0], rg.to_padded(rg.astype(a, np.int32))[0]

    arg_max, arg_min, padded, padded_ints = jax.jit(g)(b)
    assert int(arg_max) == int(arg_min) == np.iinfo(np.int32).min  # was the index among what fitted
    assert np.isnan(np.asarray(padded)).all()  # were the first 5 pairs, marked present
    assert (np.asarray(padded_ints) == np.iinfo(np.int32).min).all()
    ok = jax.jit(lambda v: rg.count(rg.combinations(v, 2, capacity=7)[0]))(b)
    assert int(ok) == 7


@needs_jax
def test_saturating_counts_keep_int32_indices_exact():
    # with jax's int32 indices, lists * capacity passes 2**31: the running sums saturate
    rng = np.random.default_rng(3)
    lengths = rng.poisson(4, 40_000)
    x = rg.from_lengths(lengths, rng.normal(size=int(lengths.sum()))).to_backend("jax")
    exact = np.concatenate([m.values[None] for m in rg.argcombinations(x, 2)])
    count = exact.shape[1]
    b = rg.with_capacity(x)
    assert rg.capacity(b).lists == (65536,)
    big = rg.argcombinations(b, 2, capacity=1 << 19)
    assert big[0].to_list() == rg.argcombinations(x, 2)[0].to_list()
    small = rg.argcombinations(b, 2, capacity=count - 1000)
    with pytest.raises(ValueError, match="invalid"):
        rg.trim(small[0])
    np.testing.assert_array_equal(np.asarray(small[1].values), exact[1, : count - 1000])
    # a single list of more than 2**31 / 2 pairs cannot be counted in int32: invalid, zeros kept
    huge = rg.with_capacity(rg.array([np.arange(70_000, dtype=np.float32)], backend="jax"))
    a, c = rg.combinations(huge, 2, capacity=10)
    with pytest.raises(ValueError, match="invalid"):
        a.to_list()
    assert not np.any(np.asarray(c.values))
    fits = rg.with_capacity(rg.array([np.arange(46_000, dtype=np.float32)], backend="jax"))
    a, c = rg.combinations(fits, 2, capacity=10)  # C(46000, 2) fits: kept exactly
    np.testing.assert_array_equal(np.asarray(c.values), np.arange(1, 11))


# ---- exact inputs with capacity= ------------------------------------------------------------------
def test_an_exact_input_with_capacity_gives_a_bounded_result_or_raises_at_once():
    x = rg.array(LISTS)
    a, c = rg.combinations(x, 2, capacity=8)
    assert rg.is_bounded(a) and rg.capacity(a) == ((16,), 8) and a._structure is c._structure
    assert _lists((a, c)) == _lists(rg.combinations(x, 2))
    assert _lists(rg.argcombinations(x, 2, capacity=8)) == _lists(rg.argcombinations(x, 2))
    y = rg.array([[1.0], [], [2.0, 3.0], []])
    assert _lists(rg.cartesian([x, y], capacity=8)) == _lists(rg.cartesian([x, y]))
    with pytest.raises(ValueError, match=r"7 results, more than capacity=6"):
        rg.combinations(x, 2, capacity=6)
    with pytest.raises(TypeError, match="2 numbers"):
        rg.combinations(rg.array([[[1.0], [2.0]]]), 2, axis=1, capacity=8)


DEEP = [[[1.0, 2.0], [3.0], []], [], [[4.0], [5.0, 6.0, 7.0]], [[8.0]]]


@pytest.mark.parametrize("axis", [1, 0, -2])
def test_combinations_of_sublists_take_a_capacity_per_depth(axis):
    """At an axis above the innermost the items are lists, each in many combinations: capacity=
    gives the slots of the combinations and of every depth below them."""
    deep = rg.array(DEEP)
    b = rg.with_capacity(deep)
    caps = (16, 64) if axis != 0 else (16, 32, 64)
    want = rg.combinations(deep, 2, axis=axis)
    got = rg.combinations(b, 2, axis=axis, capacity=caps)
    assert _lists(got) == _lists(want)
    assert all(rg.capacity(m).elements == caps[-1] for m in got)
    args = rg.argcombinations(b, 2, axis=axis, capacity=caps[0])
    assert _lists(args) == _lists(rg.argcombinations(deep, 2, axis=axis))
    exact = rg.combinations(deep, 2, axis=axis, capacity=caps)  # an exact input: bounded at once
    assert _lists(exact) == _lists(want) and all(rg.is_bounded(m) for m in exact)
    record = rg.zip({"a": b, "b": b * 10})
    first, second = rg.combinations(record, 2, axis=axis, capacity=caps)
    assert first["a"]._structure is first["b"]._structure
    assert _lists((second["b"],)) == _lists((want[1] * 10,))


def test_combinations_of_sublists_past_a_capacity_are_invalid_or_refused():
    deep = rg.array(DEEP)
    with pytest.raises(
        ValueError, match=r"members' items do not fit their capacities \(5,\) .* holds 6 items"
    ):
        rg.combinations(rg.with_capacity(deep), 2, axis=1, capacity=(16, 5))  # 9 elements: eagerly an error
    if jax is not None:  # traced: an invalid result
        pairs = jax.jit(lambda v: rg.combinations(v, 2, axis=1, capacity=(16, 5)))
        over = pairs(rg.with_capacity(rg.array(DEEP, backend="jax")))
        with pytest.raises(ValueError, match="invalid"):
            over[0].to_list()
    with pytest.raises(ValueError, match="items at depth 2, more than their capacity 5"):
        rg.combinations(deep, 2, axis=1, capacity=(16, 5))
    with pytest.raises(TypeError, match=r"capacity=\(1024, 1024\)"):
        rg.combinations(rg.with_capacity(deep), 2, axis=1)
    with pytest.raises(TypeError, match="2 numbers"):
        rg.combinations(rg.with_capacity(deep), 2, axis=1, capacity=(16, 32, 64))


@needs_jax
def test_combinations_of_sublists_keep_the_validity_of_their_input():
    """The plan cached on a structure is not reused by a twin that differs in validity only:
    ``u + v`` with lists that differ is invalid under jit, after ``u``'s own combinations too."""
    x1 = rg.with_capacity(rg.array(DEEP, backend="jax"), lists=(8, 8), elements=16)
    other = [[[1.0], [3.0, 2.0], []], [], [[4.0], [5.0, 6.0, 7.0]], [[8.0]]]
    x2 = rg.with_capacity(rg.array(other, backend="jax"), lists=(8, 8), elements=16)

    def twice(op, cap):
        @jax.jit
        def f(u, v):
            op(u, 2, axis=1, capacity=cap)
            return op(u + v, 2, axis=1, capacity=cap)[0]

        return f

    for op, cap in ((rg.combinations, (16, 64)), (rg.argcombinations, 16)):
        with pytest.raises(ValueError, match="invalid"):
            twice(op, cap)(x1, x2).to_list()
        assert (
            twice(op, cap)(x1, x1).to_list()
            == op(rg.trim(x1) * 2 if op is rg.combinations else rg.trim(x1), 2, axis=1)[0].to_list()
        )


def test_capacity_refuses_missing_values_instead_of_dropping_them():
    for x, cap, axis in (
        (rg.array([[[1.0], None, [2.0, 3.0]], [], [[4.0]]]), (8, 16), 1),
        (rg.array([[1.0, None, 2.0]]), 16, 1),
    ):
        with pytest.raises(rg.OptionTypeError, match="no missing values"):
            rg.combinations(x, 2, axis=axis, capacity=cap)


@needs_jax
def test_combinations_of_sublists_under_jit_trace_once_and_differentiate():
    traces = []

    @jax.jit
    def f(v):
        traces.append(1)
        a, b = rg.combinations(v, 2, axis=1, capacity=(32, 128))
        return rg.sum((rg.sum(a, axis=2) * rg.sum(b, axis=2)) ** 2)

    rng = np.random.default_rng(3)
    for _ in range(3):  # new sublist lengths each batch, one bucket
        lengths = rng.integers(0, 4, 6)
        inner = rng.integers(0, 3, int(lengths.sum()))
        x = rg.from_lengths(lengths, rg.from_lengths(inner, rng.standard_normal(int(inner.sum()))))
        x = x.to_backend("jax")
        a, c = rg.combinations(x, 2, axis=1)
        want = rg.sum((rg.sum(a, axis=2) * rg.sum(c, axis=2)) ** 2)
        b = rg.with_capacity(x, lists=(8, 32), elements=64)
        np.testing.assert_allclose(float(f(b)), float(want), rtol=1e-5)
        g = rg.grad(lambda v: rg.sum(rg.combinations(v, 2, axis=1, capacity=(32, 128))[1] ** 2))(b)
        ge = rg.grad(lambda v: rg.sum(rg.combinations(v, 2, axis=1)[1] ** 2))(x)
        np.testing.assert_allclose(np.asarray(rg.trim(g).values), np.asarray(ge.values), rtol=1e-6)
    assert len(traces) == 1


@needs_jax
def test_an_exact_input_with_capacity_under_jit_and_grad():
    x = rg.array(LISTS, backend="jax")
    a, c = jax.jit(lambda v: rg.combinations(v, 2, capacity=8))(x)
    assert rg.capacity(a) == ((16,), 8) and _lists((a, c)) == _lists(rg.combinations(x, 2))

    def loss(v):
        return rg.sum(rg.sum(rg.combinations(v, 2, capacity=8)[0], axis=1))

    assert jax.grad(loss)(x).to_list() == [[3.0, 2.0, 1.0, 0.0], [], [1.0, 0.0], [0.0]]


# ---- jit: one program per set of capacities -------------------------------------------------------
@needs_jax
def test_one_trace_for_batches_with_new_lengths():
    traces = []

    def mass(pt):
        traces.append(1)
        a, b = rg.combinations(pt, 2, capacity=1024)
        return rg.sum(a * b, axis=1)

    step = jax.jit(mass)
    rng = np.random.default_rng(0)
    for _ in range(6):
        lengths = rng.poisson(4, 50)
        pt = rg.from_lengths(lengths, rng.uniform(1.0, 50.0, int(lengths.sum())).astype(np.float32))
        mu = rg.with_capacity(pt, lists=64, elements=512).to_backend("jax")
        got = step(mu)
        a, b = rg.combinations(pt, 2)
        np.testing.assert_allclose(got.to_list(), rg.sum(a * b, axis=1).to_list(), rtol=1e-5)
    assert len(traces) == 1


@needs_jax
def test_gradients_flow_through_the_members_with_zeros_at_padding():
    x = rg.array(LISTS, backend="jax")

    def exact_loss(v):
        a, b = rg.combinations(v, 2)
        return rg.sum(rg.sum((a + b) * a, axis=1))

    def loss(v):
        a, b = rg.combinations(v, 2, capacity=16)
        return rg.sum(rg.sum((a + b) * a, axis=1))

    expected = jax.grad(exact_loss)(x)
    b = rg.with_capacity(x)
    for g in (rg.grad(loss)(b), jax.jit(rg.grad(loss))(b)):
        assert rg.is_bounded(g)
        assert g.to_list() == expected.to_list()
        assert not np.any(np.asarray(g.values)[7:])
    value = jax.jit(loss)(b)
    np.testing.assert_allclose(float(value), float(exact_loss(x)))
    g = rg.grad(lambda v: rg.sum(sum(rg.combinations(v, 2, capacity=16))))(b)
    assert g.to_list() == jax.grad(lambda v: rg.sum(sum(rg.combinations(v, 2))))(x).to_list()


@needs_jax
def test_a_physics_style_pair_sum_under_jit():
    rng = np.random.default_rng(7)
    lengths = rng.poisson(3, 100)
    pt = rg.from_lengths(lengths, rng.uniform(5.0, 80.0, int(lengths.sum())).astype(np.float32))
    mu = rg.with_capacity(pt).to_backend("jax")

    @jax.jit
    def pair_sum(mu):
        a, b = rg.combinations(mu, 2, capacity=2048)
        return rg.sum(a * b, axis=1), rg.num(a, axis=1)

    total, pairs = pair_sum(mu)
    a, b = rg.combinations(pt, 2)
    np.testing.assert_allclose(total.to_list(), rg.sum(a * b, axis=1).to_list(), rtol=1e-5)
    assert pairs.to_list() == [int(n * (n - 1) // 2) for n in lengths]
    assert rg.is_bounded(total) and rg.capacity(total).elements == rg.capacity(mu).lists[0]


@needs_jax
def test_vmap_over_values_shares_the_structure():
    b = rg.with_capacity(rg.array(LISTS, backend="jax"))
    ws = jnp.arange(3.0, dtype=jnp.float32)
    out = jax.vmap(lambda w: rg.sum(rg.combinations(b * w, 2, capacity=8)[1], axis=1).values)(ws)
    expected = np.asarray([2.0 + 3 + 4 + 3 + 4 + 4, 0.0, 6.0, 0.0] + [0.0] * 12)
    np.testing.assert_allclose(np.asarray(out), ws[:, None] * expected[None, :])


@needs_jax
def test_a_stack_is_refused_and_vmap_maps_over_its_members():
    b = rg.with_capacity(rg.array([[1.0, 2.0, 3.0], [4.0]], backend="jax"), lists=4, elements=8)
    c = rg.with_capacity(rg.array([[1.0, 2.0], [3.0, 4.0, 5.0]], backend="jax"), lists=4, elements=8)
    stack = rg.stack([b, c])
    with pytest.raises(TypeError, match=r"rg\.combinations: this is a stack.*jax\.vmap"):
        rg.combinations(stack, 2, capacity=8)
    out = jax.vmap(lambda v: rg.sum(rg.combinations(v, 2, capacity=8)[1], axis=1))(stack)
    assert out.to_list() == [[8.0, 0.0], [2.0, 14.0]]


# ---- replacement=True and regular axes ------------------------------------------------------------
@functools.cache
def _jitted_replacement(op, n):
    return jax.jit(lambda v: op(v, n, replacement=True, capacity=512))


@pytest.mark.parametrize(("backend", "jit"), MODES)
@settings(max_examples=5)
@given(lists=small, n=st.integers(1, 3))
def test_combinations_with_replacement_equal_the_exact_ones(backend, jit, lists, n):
    # at most 8 lists of at most 7 items: C(9, 3) * 8 = 672 > 512 overflows; n <= 3 and 7 items
    # at most C(9, 3) = 84 per list, 672 for 8: the capacity check below tells the two apart
    x = rg.array(lists, dtype=np.float32)
    b = rg.with_capacity(rg.array(lists, backend=backend), lists=16, elements=64)
    for op in (rg.combinations, rg.argcombinations):
        exact = op(x, n, replacement=True)
        got = _jitted_replacement(op, n)(b) if jit else op(b, n, replacement=True, capacity=512)
        if sum(len(r) for r in exact[0].to_list()) > 512:
            with pytest.raises(ValueError, match="invalid"):
                got[0].to_list()
            continue
        assert _lists(got) == _lists(exact)
        for m in got:  # padding slots hold zeros
            used = sum(len(r) for r in m.to_list())
            assert not np.any(np.asarray(m.values)[used:])


def test_replacement_overflow_marks_the_result_invalid():
    b = rg.with_capacity(rg.array(LISTS))  # 10 + 3 + 1 combinations with replacement of 2
    assert _lists(rg.combinations(b, 2, replacement=True, capacity=14)) == _lists(
        rg.combinations(rg.array(LISTS), 2, replacement=True)
    )
    over = rg.combinations(b, 2, replacement=True, capacity=13)
    with pytest.raises(ValueError, match="invalid"):
        rg.trim(over[0])


VECTORS = rg.from_offsets([0, 2, 2, 3], np.array([[3.0, 1.0, 2.0], [0.0, 2.0, 7.0], [5.0, 4.0, 1.5]]))


@pytest.mark.parametrize(("backend", "jit"), MODES)
@pytest.mark.parametrize("replacement", [False, True])
def test_combinations_along_a_regular_axis_keep_the_structure(backend, jit, replacement):
    b = rg.with_capacity(VECTORS.to_backend(backend))
    for op in (rg.combinations, rg.argcombinations):
        expected = op(VECTORS, 2, axis=2, replacement=replacement)

        def f(v, op=op):
            return op(v, 2, axis=2, replacement=replacement)

        got = jax.jit(f)(b) if jit else f(b)
        assert [m.type.replace("32", "64") for m in got] == [m.type for m in expected]
        assert all(rg.is_bounded(m) and rg.capacity(m) == rg.capacity(b) for m in got)
        assert _lists(got) == _lists(expected)
        assert not any(np.any(np.asarray(m.values)[3:]) for m in got)  # padding slots: zeros
    # capacity= is not needed there (the capacities stay the input's): refused, as for exact arrays
    for x in (b, VECTORS):
        with pytest.raises(ValueError, match="along a regular dimension leave it out"):
            rg.combinations(x, 2, axis=-1, capacity=4)


@needs_jax
@pytest.mark.parametrize("axis", [1, 2])
def test_gradients_through_replacement_and_regular_axes(axis):
    x = rg.to_backend(VECTORS, "jax")

    def loss(v):
        a, c = rg.combinations(v, 2, axis=axis, replacement=True, capacity=None if axis == 2 else 64)
        return rg.sum(rg.sin(a) * c)

    def exact_loss(v):
        a, c = rg.combinations(v, 2, axis=axis, replacement=True)
        return rg.sum(rg.sin(a) * c)

    expected = rg.grad(exact_loss)(x)
    got = jax.jit(rg.grad(loss))(rg.with_capacity(x))
    assert rg.is_bounded(got)
    np.testing.assert_allclose(np.asarray(got.to_list()[0]), np.asarray(expected.to_list()[0]), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(got.to_list()[2]), np.asarray(expected.to_list()[2]), rtol=1e-6)
    assert not np.any(np.asarray(got.values)[3:])


@needs_jax
def test_the_fields_of_a_record_share_one_plan_and_one_result_structure():
    # computed once per structure: every field's members share the result's structure, so
    # binary ops between members of different fields need no run-time check of equal lists
    muons = rg.with_capacity(rg.zip({"pt": rg.array(LISTS), "eta": rg.array(LISTS) * 2.0})).to_backend("jax")

    def pair(r):
        a, b = rg.combinations(r, 2, capacity=16)
        return a["pt"] * b["eta"] + a["eta"]

    first, second = rg.combinations(muons, 2, capacity=16)
    assert first["pt"]._structure is second["eta"]._structure is first["eta"]._structure
    jaxpr = str(jax.make_jaxpr(pair)(muons))
    assert "reduce_and" not in jaxpr and jaxpr.count("scatter-add") == 1  # one plan, no check
    exact = rg.zip({"pt": rg.array(LISTS), "eta": rg.array(LISTS) * 2.0})
    got, expected = jax.jit(pair)(muons).to_list(), pair(exact).to_list()
    np.testing.assert_allclose([v for r in got for v in r], [v for r in expected for v in r], rtol=1e-6)


@needs_jax
def test_a_cached_plan_keeps_each_inputs_validity():
    # a + b with other lists is invalid under jit, and shares its caches with a's structure
    a = rg.with_capacity(rg.array(LISTS, backend="jax"), lists=8, elements=16)
    b = rg.with_capacity(
        rg.array([[1.0], [2.0, 3.0], [4.0], [5.0, 6.0, 7.0]], backend="jax"), lists=8, elements=16
    )

    def both(u, v):
        good = rg.combinations(u, 2, capacity=16)[0]
        return good, rg.combinations(u + v, 2, capacity=16)[0], rg.combinations(u, 2, capacity=16)[1]

    good, bad, again = jax.jit(both)(a, b)
    assert good.to_list() == rg.combinations(rg.array(LISTS), 2)[0].to_list()
    assert again.to_list() == rg.combinations(rg.array(LISTS), 2)[1].to_list()
    with pytest.raises(ValueError, match="invalid"):
        bad.to_list()


def test_torch_bounded_combinations_equal_the_exact_ones() -> None:
    pytest.importorskip("torch")
    exact = rg.array(LISTS, backend="torch")
    b = rg.with_capacity(exact)
    for n in (1, 2, 3):
        got = rg.combinations(b, n, axis=1, capacity=64)
        assert [g.to_list() for g in got] == [e.to_list() for e in rg.combinations(exact, n, axis=1)]
    with pytest.raises(ValueError, match="is invalid"):  # too small: marked, not wrong
        rg.combinations(b, 2, axis=1, capacity=3)[0].to_list()


@needs_jax
def test_a_records_fields_share_one_computation_of_the_indices_under_jit() -> None:
    # XLA fuses index arithmetic into every gather that reads it; the members' indices are
    # computed once (Backend.once), not once per field of the record
    rng = np.random.default_rng(0)
    lengths = rng.poisson(3, 1000)
    rec = rg.zip(
        {
            k: rg.with_capacity(rg.from_lengths(lengths, jnp.asarray(rng.uniform(size=lengths.sum()))))
            for k in "abcdef"
        }
    )

    def flops(f: Any) -> float:
        return float(jax.jit(f).lower(rec).compile().cost_analysis()["flops"])

    one = flops(lambda r: rg.combinations(r.a, 2, capacity=8192))
    assert flops(lambda r: rg.combinations(r, 2, capacity=8192)) <= 2 * one
