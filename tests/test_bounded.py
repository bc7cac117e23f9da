"""Bounded arrays: list lengths as data, capacities as shape; one compiled program per bucket."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import raggrad as rg
from raggrad._ops.padding import _ZERO_AT_ZERO

LISTS = [[1.0, 2.0, 3.0], [], [4.0, 5.0]]


def _backends():
    out = ["numpy"]
    try:
        import jax  # noqa: F401

        out.append("jax")
    except ImportError:
        pass
    return out


# ---- construction and what a user sees -------------------------------------------------------
def test_capacities_default_to_power_of_two_buckets_of_at_least_16():
    x = rg.with_capacity(rg.array([[0.0] * 20, [1.0]] * 10))  # 20 lists, 210 elements
    assert rg.capacity(x).lists == (32,) and rg.capacity(x).elements == 256
    assert rg.capacity(rg.with_capacity(rg.array([[1.0]]))) == ((16,), 16)
    deep = rg.with_capacity(rg.array([[[1.0], [2.0, 3.0]], []]), lists=(4, 8), elements=16)
    assert rg.capacity(deep) == ((4, 8), 16)


def test_a_capacity_below_the_size_names_both_numbers():
    with pytest.raises(ValueError, match=r"capacity 2 for the lists at depth 0 is below the size 3"):
        rg.with_capacity(rg.array(LISTS), lists=2)
    with pytest.raises(ValueError, match=r"capacity 4 for the elements is below the size 5"):
        rg.with_capacity(rg.array(LISTS), elements=4)
    for big in ({"lists": 2**62}, {"elements": 2**40}):  # NumPy's bare "array is too big" before
        with pytest.raises(
            rg.OutputTooLargeError, match=r"rg\.with_capacity: .* slots .* give smaller capacities"
        ):
            rg.with_capacity(rg.array(LISTS), **big)


@pytest.mark.parametrize("backend", _backends())
def test_a_bounded_array_looks_like_the_exact_one(backend):
    x = rg.array(LISTS, backend=backend)
    b = rg.with_capacity(x)
    assert rg.is_bounded(b) and not rg.is_bounded(x)
    assert rg.capacity(x) is None
    assert b.to_list() == x.to_list()
    assert repr(b) == repr(x) and b.type == x.type and len(b) == len(x) and b.shape == x.shape
    assert rg.trim(b).to_list() == x.to_list() and not rg.is_bounded(rg.trim(b))
    assert pickle.loads(pickle.dumps(b)).to_list() == x.to_list()


# ---- values: every op supported on bounded arrays equals the exact one ----------------------------
OPS = {
    "add": lambda v: v + 1.5,
    "ufunc": lambda v: np.sin(v) * v**2,
    "log": lambda v: np.log(v),
    "sum1": lambda v: rg.sum(v, axis=1),
    "mean1": lambda v: rg.mean(v, axis=1),
    "max1": lambda v: rg.max(v, axis=1),
    "std1": lambda v: rg.std(v, axis=1),
    "prod1": lambda v: rg.prod(v, axis=1),
    "count1": lambda v: rg.count(v, axis=1),
    "any1": lambda v: rg.any(v > 2, axis=1),
    "argmax1": lambda v: rg.argmax(v, axis=1),
    "argmax_keep": lambda v: rg.argmax(v, axis=1, keepdims=True),
    "sum_all": lambda v: rg.sum(v),
    "max_all": lambda v: rg.max(v),
    "argmax_all": lambda v: rg.argmax(v),
    "softmax": lambda v: rg.softmax(v),
    "log_softmax": lambda v: rg.log_softmax(v),
    "logsumexp1": lambda v: rg.logsumexp(v, axis=1),
    "centred": lambda v: v - rg.mean(v, axis=1, keepdims=True),
    "per_list": lambda v: v * rg.sum(v, axis=1),
    "where": lambda v: rg.sum(v, axis=1, where=v > 1.5),
    "sum_sum": lambda v: rg.sum(rg.sum(v, axis=1) ** 2),
}


def _values(r):
    return r.tolist() if hasattr(r, "tolist") else r.to_list()


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("op", sorted(OPS))
def test_ops_on_bounded_arrays_equal_the_exact_results(backend, op):
    f = OPS[op]
    x = rg.array(LISTS, backend=backend)
    expected, got = f(x), f(rg.with_capacity(x))
    _same(_values(got), _values(expected))
    if hasattr(got, "_structure"):
        assert rg.is_bounded(got) and got.type == expected.type


def _same(a, b):
    """Nested lists equal up to float tolerance (NaN equal to NaN)."""
    if isinstance(a, list) or isinstance(b, list):
        assert isinstance(a, list) and isinstance(b, list) and len(a) == len(b), (a, b)
        for u, v in zip(a, b):
            _same(u, v)
        return
    assert type(a) is type(b) or {type(a), type(b)} <= {int, float}, (a, b)
    np.testing.assert_allclose(a, b, rtol=1e-6, equal_nan=True)


def _flat(v):
    if isinstance(v, list):
        return [y for item in v for y in _flat(item)]
    return [v]


# ---- jit: one program per bucket ----------------------------------------------------------------
def test_one_trace_for_batches_with_new_lengths_in_one_bucket():
    jax = pytest.importorskip("jax")
    traces = []

    def loss(w, x):
        traces.append(1)
        return rg.sum(rg.sum(np.sin(w * x) * x**2, axis=1) ** 2)

    step = jax.jit(jax.value_and_grad(loss))
    rng = np.random.default_rng(0)
    for _ in range(20):
        lengths = rng.poisson(3, 40)
        x = rg.from_lengths(lengths, rng.normal(size=int(lengths.sum())))
        xb = rg.with_capacity(x, lists=64, elements=256).to_backend("jax")
        value, g = step(jax.numpy.float32(0.5), xb)
        expected, eg = jax.value_and_grad(loss)(jax.numpy.float32(0.5), x.to_backend("jax"))
        np.testing.assert_allclose(value, expected, rtol=1e-5)
        np.testing.assert_allclose(g, eg, rtol=1e-4)
    assert len(traces) == 1 + 20  # one trace under jit, one per eager reference
    step(jax.numpy.float32(0.5), rg.with_capacity(x, lists=128, elements=256).to_backend("jax"))
    assert len(traces) == 22  # a new bucket, a new trace


@pytest.mark.parametrize(
    "structure_op",
    [lambda u: u[:, 1:], lambda u: u[u > 2.0], lambda u: u[::-1], lambda u: rg.flip(u, axis=1)],
)
def test_a_traced_bounded_array_used_in_branches_and_loop_bodies_keeps_each_traces_values(structure_op):
    # a jit argument's structure caches what ops derive from its traced lists; made inside one
    # branch of lax.cond (or a scan body) and reused in the other (or after the loop), they
    # leaked that sub-trace's tracers (UnexpectedTracerError)
    jax = pytest.importorskip("jax")
    b = rg.with_capacity(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax"), lists=4, elements=8)
    expected = structure_op(b).to_list()
    both = jax.jit(lambda p, u: jax.lax.cond(p, lambda: structure_op(u), lambda: structure_op(u)))
    assert both(True, b).to_list() == both(False, b).to_list() == expected

    def loop_then_after(u):
        total = jax.lax.scan(lambda c, _: (c + rg.sum(structure_op(u)), None), 0.0, None, length=2)[0]
        return total, structure_op(u)

    total, after = jax.jit(loop_then_after)(b)
    assert after.to_list() == expected
    assert float(total) == 2 * sum(sum(row) for row in expected)


def test_a_bounded_array_closed_over_by_jit_serves_every_trace():
    # a concrete bounded array captured by traced functions (pair indices made once per chunk, say):
    # what one trace derives from its lists (segment ids, slot masks, combination plans) must not
    # stay on the array and leak that trace's values into the next one
    jax = pytest.importorskip("jax")
    muons = rg.with_capacity(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax"))
    first, second = rg.argcombinations(muons, 2, capacity=16)
    expected = [[3.0, 4.0, 5.0], [], [9.0]]

    def pair_sums(m):
        return m[first] + m[second]

    for _ in range(2):  # one function traced twice, then another one
        assert rg.trim(jax.jit(pair_sums)(muons)).to_list() == expected
        jax.clear_caches()
    assert rg.trim(jax.jit(lambda m: pair_sums(2 * m) / 2)(muons)).to_list() == expected
    total = jax.jit(lambda m: rg.sum(rg.combinations(muons, 2, capacity=16)[0] * m[first]))
    for _ in range(2):
        assert float(total(muons)) == pytest.approx(1 + 1 + 2 * 2 + 16)
        jax.clear_caches()
    derived = jax.jit(
        lambda m: rg.sum(muons * m, axis=1) + rg.sum(muons[first], axis=1) + rg.sum(muons[:, 1:], axis=1)
    )
    for _ in range(2):
        assert rg.trim(derived(2.0)).to_list() == [12.0 + 4.0 + 5.0, 0.0, 18.0 + 4.0 + 5.0]
        jax.clear_caches()
    other = rg.with_capacity(rg.array([[1.0, 2.0], [3.0], [4.0, 5.0]], backend="jax"))
    with pytest.raises(ValueError, match="their lists differ"):  # two captured arrays: checked at once
        jax.jit(lambda m: muons * m + other)(1.0)
    assert rg.sum(rg.num(first, axis=1)) == 4  # the captured array is unchanged and usable eagerly


def test_twins_in_validity_or_inner_dims_keep_their_own_derived_structures():
    # an array and its twins (the same lists, another validity flag or inner dims) share index
    # maps only: a plan made for one must not give another its flag, its inner dims or a tracer
    jax = pytest.importorskip("jax")
    jnp = jax.numpy

    def mk(lists):
        return rg.with_capacity(rg.array(lists, backend="jax"), lists=4, elements=8)

    x, other = mk([[1.0, -2.0], [], [3.0, 4.0, -5.0]]), mk([[1.0], [2.0, 3.0], [3.0, 4.0, -5.0]])
    idx = mk([[1, 0, 1], [], [2]])
    assert rg.trim(x[idx]).to_list() == [[-2.0, 1.0, -2.0], [], [-5.0]]  # x's plans, cached eagerly
    assert rg.sum(x, axis=1).to_list() == [-1.0, 0.0, 2.0]
    with pytest.raises(ValueError, match="invalid"):  # other lists: flagged under jit, as when fresh
        rg.trim(jax.jit(lambda z: (x + z)[idx])(other))
    flags = jax.vmap(lambda m: rg.sum(x + m, axis=1))(rg.stack([mk([[1.0, 1.0], [], [1.0] * 3]), other]))
    assert np.asarray(flags._structure.valid).tolist() == [True, False]

    ones = mk([[1.0, 1.0], [], [1.0] * 3])
    total = jax.jit(lambda w: rg.sum(x * w + ones, axis=1))  # two captured arrays, traced twice
    for w in (2.0, 3.0):
        assert rg.trim(total(w)).to_list() == [2 - w, 0.0, 3 + 2 * w]
        jax.clear_caches()
    per_list = rg.with_capacity(rg.array([1.0, 2.0, 3.0], backend="jax"), lists=4)
    assert np.asarray(jax.jit(lambda w: rg.to_dense(rg.sum(x * w, axis=1) + per_list))(1.0)).tolist() == [
        0.0,
        2.0,
        5.0,
    ]
    with pytest.raises(rg.TracedStructureError, match="validity is data"):
        jax.jit(lambda z: rg.to_dense(rg.sum(x, axis=1) + rg.sum(z, axis=1)))(other)
    assert rg.sum(x, axis=1).to_list() == [-1.0, 0.0, 2.0]  # and x still works eagerly
    with pytest.raises(rg.TracedStructureError, match=r"to_list\(\) outside"):  # values traced
        jax.jit(lambda w: (x * w).to_list())(2.0)

    def wide(k):
        return rg.map_values(lambda c: jnp.broadcast_to(c[:, None], (c.shape[0], k)), x)

    rg.flatten(wide(2))
    flat = rg.flatten(wide(3))  # the same lists, inner dims (3,)
    assert flat.type == "5 * 3 * float32"
    assert rg.trim(flat + jnp.ones(3)).to_list() == [[2.0] * 3, [-1.0] * 3, [4.0] * 3, [5.0] * 3, [-4.0] * 3]


def test_an_invalid_result_names_what_eager_code_refuses():
    jax = pytest.importorskip("jax")
    x = rg.with_capacity(rg.array(LISTS, backend="jax"))
    with pytest.raises(ValueError, match=r"empty list for rg\.firsts or rg\.lasts without fill_value"):
        rg.trim(jax.jit(rg.firsts)(x))
    with pytest.raises(ValueError, match="list 1 at axis 1 is empty"):  # the eager error it points to
        rg.firsts(x)


def test_len_under_jit_names_the_traced_alternative():
    jax = pytest.importorskip("jax")
    b = rg.with_capacity(rg.array(LISTS, backend="jax"))
    with pytest.raises(rg.TracedStructureError, match=r"rg\.num\(x, axis=0\)"):
        jax.jit(lambda v: len(v))(b)
    with pytest.raises(rg.TracedStructureError, match="traced"):
        jax.jit(lambda v: rg.trim(v))(b)
    with pytest.raises(rg.TracedStructureError, match=r"bounded already.*capacity= of the op"):
        jax.jit(lambda v: rg.with_capacity(v, lists=32))(b)


# ---- operands from different sources: never silently combined ------------------------------------
def test_mismatched_bounded_operands_raise_eagerly_and_invalidate_under_jit():
    jax = pytest.importorskip("jax")
    a = rg.with_capacity(rg.array(LISTS, backend="jax"), lists=4, elements=8)
    b = rg.with_capacity(rg.array([[1.0], [2.0, 3.0], [4.0, 5.0]], backend="jax"), lists=4, elements=8)
    same = rg.with_capacity(rg.array(LISTS, backend="jax"), lists=4, elements=8)
    with pytest.raises(ValueError, match="lists differ"):
        a + b
    assert (a + same).to_list() == [[2.0, 4.0, 6.0], [], [8.0, 10.0]]
    out = jax.jit(lambda u, v: u + v)(a, b)  # lists are data here: the result is marked invalid
    with pytest.raises(ValueError, match="invalid"):
        out.to_list()
    assert np.isnan(float(jax.jit(lambda u, v: rg.sum(u + v))(a, b)))  # no structure left: NaN
    assert jax.jit(lambda u, v: u + v)(a, same).to_list() == [[2.0, 4.0, 6.0], [], [8.0, 10.0]]
    with pytest.raises(ValueError, match="capacities differ"):
        a + rg.with_capacity(rg.array(LISTS, backend="jax"))


@pytest.mark.parametrize(
    "name", ["sum", "prod", "mean", "var", "max", "min", "any", "count_nonzero", "logsumexp"]
)
def test_a_where_mask_of_other_lists_invalidates_the_reduction_under_jit(name):
    # where= is an operand too: eagerly its lists are compared (ValueError), under jit they are
    # data and a mismatch marks the result invalid, or NaN where no structure is left
    jax = pytest.importorskip("jax")
    f = getattr(rg, name)
    a = rg.with_capacity(rg.array(LISTS, backend="jax"), lists=4, elements=8)
    b = rg.with_capacity(rg.array([[1.0], [2.0, 3.0], [4.0, 5.0]], backend="jax"), lists=4, elements=8)
    other = rg.array([[1.0], [2.0, 3.0], [4.0, 5.0]], backend="jax")
    with pytest.raises(ValueError, match="lists differ"):
        f(a, axis=1, where=b > 0)
    for axis in (1, 0):
        for g in (
            lambda u, v, k=axis: f(u, axis=k, where=v > 0),
            lambda u, v, k=axis: f(u, axis=k, where=other > 0),
        ):
            with pytest.raises(ValueError, match="invalid"):
                jax.jit(g)(a, b).to_list()
    total = jax.jit(lambda u, v: f(u, where=v > 0))(a, b)
    if np.issubdtype(np.asarray(total).dtype, np.floating):
        assert np.isnan(float(total))
    want = f(rg.trim(a), axis=1, where=rg.trim(a) > 1.5).to_list()
    got = jax.jit(lambda u: f(u, axis=1, where=u > 1.5))(a).to_list()
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=1e-6)


def test_histogram_weights_of_other_lists_invalidate_the_histogram_under_jit():
    # weights= and histogram2d's y= are operands like where=: a mismatch under jit is NaN counts
    # (nothing left to flag) or an invalid per-list result; an exact array with bounded weights
    # is told to bound the values
    jax = pytest.importorskip("jax")
    a = rg.with_capacity(rg.array([[0.5, 1.5, 2.5], [], [1.5, 0.5]], backend="jax"), lists=4, elements=8)
    w = rg.with_capacity(rg.array([[1.0], [2.0, 3.0], [4.0, 5.0]], backend="jax"), lists=4, elements=8)
    flat = jax.jit(lambda u, v: rg.histogram(u, bins=3, range=(0, 3), weights=v)[0])(a, w)
    assert np.isnan(np.asarray(flat.to_list())).all()
    with pytest.raises(ValueError, match="invalid"):
        jax.jit(lambda u, v: rg.histogram(u, bins=3, range=(0, 3), weights=v, axis=1)[0])(a, w).to_list()
    both = jax.jit(lambda u, v: rg.histogram2d(u, v, bins=2, range=[(0, 3), (0, 6)])[0])(a, w)
    assert np.isnan(np.asarray(both.to_list())).all()
    same = jax.jit(lambda u: rg.histogram(u, bins=3, range=(0, 3), weights=u)[0])(a)
    assert same.to_list() == rg.histogram(rg.trim(a), bins=3, range=(0, 3), weights=rg.trim(a))[0].to_list()
    x = rg.array([[0.5, 1.5], [], [2.5]])
    bounded = rg.with_capacity(rg.array([[1.0, 2.0], [], [3.0]]))
    with pytest.raises(ValueError, match=r"where= is a bounded array.*rg\.with_capacity"):
        rg.sum(x, where=bounded > 0)
    with pytest.raises(ValueError, match="weights= is a bounded array"):
        rg.histogram(x, bins=3, range=(0, 3), weights=bounded)


def test_exact_and_bounded_operands_give_a_bounded_result():
    b = rg.with_capacity(rg.array(LISTS))
    out = b * rg.array(LISTS)
    assert rg.is_bounded(out) and out.to_list() == [[1.0, 4.0, 9.0], [], [16.0, 25.0]]
    assert (b + np.array([1.0, 2.0, 3.0])).to_list() == [[2.0, 3.0, 4.0], [], [7.0, 8.0]]


# ---- derivatives ---------------------------------------------------------------------------------
def test_rg_grad_gives_gradients_with_the_arguments_lists():
    jax = pytest.importorskip("jax")
    x = rg.array(LISTS, backend="jax")

    def f(v):
        return rg.sum(rg.sum(np.sin(v) * v, axis=1) ** 2)

    expected = jax.grad(f)(x)
    b = rg.with_capacity(x)
    g = rg.grad(f)(b)
    assert rg.is_bounded(g)
    np.testing.assert_allclose(_flat(g.to_list()), _flat(expected.to_list()), rtol=1e-6)
    assert not np.any(np.asarray(g.values)[5:])  # padding slots get zero gradient
    assert rg.grad(f)(x).to_list() == expected.to_list()  # exact arrays: jax.grad itself
    value, _ = rg.value_and_grad(f)(b)
    np.testing.assert_allclose(float(value), float(f(x)), rtol=1e-6)
    with pytest.raises(TypeError):
        jax.grad(f)(b)  # jax refuses integer leaves (the offsets)


def test_no_nan_reaches_a_gradient_through_a_padding_slot():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    rng = np.random.default_rng(1)
    lengths = rng.poisson(3, 10)
    x = rg.with_capacity(rg.from_lengths(lengths, rng.uniform(1.0, 2.0, int(lengths.sum())))).to_backend(
        "jax"
    )

    def loss(w):
        y = x * w  # padding slots: 0 * w = 0, where log, sqrt and 1/y are not finite
        return rg.sum(rg.sum(np.log(y) + np.sqrt(y) + 1.0 / y + y**0.5, axis=1))

    g = jax.jit(jax.grad(loss))(jnp.float32(1.5))
    assert np.isfinite(float(g))
    exact = rg.trim(x)

    def exact_loss(w):
        y = exact * w
        return rg.sum(rg.sum(np.log(y) + np.sqrt(y) + 1.0 / y + y**0.5, axis=1))

    expected = jax.grad(exact_loss)(jnp.float32(1.5))
    np.testing.assert_allclose(float(g), float(expected), rtol=1e-5)


def test_jvp_and_vjp_of_bounded_arrays():
    pytest.importorskip("jax")
    b = rg.with_capacity(rg.array(LISTS, backend="jax"))
    out, t = rg.jvp(lambda v: rg.sum(v * v, axis=1), (b,), (rg.ones_like(b),))
    assert out.to_list() == [14.0, 0.0, 41.0] and t.to_list() == [12.0, 0.0, 18.0]
    out, pullback = rg.vjp(lambda v: v * v, b)
    (ct,) = pullback(rg.ones_like(out))
    assert rg.is_bounded(ct) and ct.to_list() == [[2.0, 4.0, 6.0], [], [8.0, 10.0]]
    # the pullback is a pytree, as jax.vjp's: one jitted function returns it, another applies it
    jax = pytest.importorskip("jax")
    out, pullback = jax.jit(lambda v: rg.vjp(lambda w: rg.sum(w * w, axis=1), v))(b)
    (ct,) = jax.jit(lambda p, c: p(c))(pullback, rg.ones_like(out))
    assert rg.is_bounded(ct) and ct.to_list() == [[2.0, 4.0, 6.0], [], [8.0, 10.0]]


def test_integer_values_get_float0_zeros_never_their_own_value():
    """An integer parameter or record field is held fixed as jax.grad(allow_int=True) holds it:
    its derivative is float0 zeros; only the arrays' structure leaves come back as they were."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    x = rg.array(LISTS, backend="jax")

    def f(p, x):
        return rg.sum(x * p["w"]) * p["n"]

    params = {"w": jnp.float32(2.0), "n": 3}
    g = rg.grad(f)(params, x)
    expected = jax.grad(f, allow_int=True)(params, x)
    assert g["n"].dtype == jax.dtypes.float0 == expected["n"].dtype
    assert float(g["w"]) == float(expected["w"]) == 45.0
    charged = rg.zip({"pt": x, "charge": rg.array([[1, -1, 1], [], [-1, 1]], backend="jax")})
    for record in (charged, rg.with_capacity(charged)):
        gr = rg.grad(lambda r: rg.sum(r.pt * r.charge))(record)
        assert rg.trim(gr.pt).to_list() == [[1.0, -1.0, 1.0], [], [-1.0, 1.0]]
        assert gr.charge.type == "3 * var * float0"
        (ct,) = rg.vjp(lambda r: r.pt * r.charge, record)[1](rg.ones_like(record.pt))
        assert ct.charge.type == "3 * var * float0" and rg.trim(ct.pt).to_list() == gr.pt.to_list()
        _, tangent = rg.jvp(lambda r: r, (record,), (gr,))
        assert tangent.charge.type == "3 * var * float0" and rg.trim(tangent.pt).to_list() == gr.pt.to_list()


def test_moving_a_bounded_array_moves_its_lists_too():
    pytest.importorskip("jax")
    b = rg.with_capacity(rg.array(LISTS))
    on_jax = b.to_backend("jax")
    assert on_jax._structure.backend.name == "jax" and on_jax.backend == "jax"
    assert on_jax.to_list() == LISTS and rg.capacity(on_jax) == rg.capacity(b)
    back = rg.array(on_jax, backend="numpy")
    assert back._structure.backend.name == "numpy" and back.to_list() == LISTS


def test_a_batch_built_on_the_host_moves_to_jax_without_converting_its_ids():
    """The slot ids, the largest index array, are built as int32 on the host (the list capacity
    marks padding), so moving a batch to jax copies them as they are."""
    pytest.importorskip("jax")
    b = rg.with_capacity(rg.from_lengths([2, 0, 3], np.arange(5.0)), lists=4, elements=8)
    (ids,) = b._structure.given_ids
    assert ids.dtype == np.int32 and ids.tolist() == [0, 0, 2, 2, 2, 4, 4, 4]
    assert b._structure.levels[0].dtype == np.int64  # offsets keep numpy's index dtype
    first = b.to_backend("jax")
    assert first._structure.given_ids[0].dtype == np.int32
    assert first.to_list() == [[0.0, 1.0], [], [2.0, 3.0, 4.0]]


@pytest.mark.parametrize("name", sorted(_ZERO_AT_ZERO))
def test_functions_run_without_the_padding_select_keep_padding_zero(name):
    """The functions that skip the select keeping a bounded array's padding zero (by raggrad's or
    NumPy's name): each maps 0 to 0 with a finite derivative, and leaves the padding of its result
    and of a gradient through it at 0."""
    jax = pytest.importorskip("jax")
    f = getattr(rg, name, None) or getattr(np, name)  # np.arcsin: NumPy's name, through NEP 13
    b = rg.with_capacity(rg.array([[0.5, -0.25], [], [0.75]], backend="jax"), elements=8)
    out = f(b)
    assert np.all(np.asarray(out.values)[3:] == 0)
    assert out.to_list() == f(rg.trim(b)).to_list()
    grad = rg.grad(lambda x: rg.sum(f(x) * 3.0))(b)
    assert np.all(np.asarray(grad.values)[3:] == 0) and np.all(np.isfinite(np.asarray(grad.values)))
    if name not in ("sign", "trunc", "floor", "ceil", "rint"):
        d = jax.grad(lambda t: rg.sum(f(rg.array(t[None]))))(jax.numpy.float32(0.0))
        assert np.isfinite(d)


_BINARY_ZEROS = [
    ("x + x", lambda x: x + x),
    ("x - 2x", lambda x: x - 2 * x),
    ("x * x", lambda x: x * x),
    ("3 * x", lambda x: 3 * x),
    ("x * -0.5", lambda x: x * np.float32(-0.5)),
    ("x / 4", lambda x: x / 4),
    ("x ** 2", lambda x: x**2),
    ("x ** 3.0", lambda x: x**3.0),
    # these must keep the select: the padding would not stay zero (or finite) without it
    ("x * inf", lambda x: x * np.inf),
    ("x / 0", lambda x: x / 0.0),
    ("x ** 0", lambda x: x**0),
    ("x ** 0.5", lambda x: x**0.5),
    ("x ** -1", lambda x: x**-1.0),
    ("x - 1", lambda x: x - 1),
    ("x * traced", lambda x: x * x.values[0] * np.inf),
    ("x * 1e300", lambda x: x * 1e300),  # finite as a Python float, inf in float32
    ("x / 1e-40", lambda x: x / 1e-40),  # a float32 subnormal: flushed to 0 by XLA on a CPU
    ("ones_like + x", lambda x: rg.ones_like(x) + x),
    ("full_like * 2", lambda x: rg.full_like(x, 7.0) * 2),
]


@pytest.mark.parametrize(("name", "f"), _BINARY_ZEROS, ids=[n for n, _ in _BINARY_ZEROS])
def test_binary_functions_keep_padding_zero_and_finite(name, f):
    """Arithmetic that skips the padding select (``x + x``, ``3 * x``, ``x / 4``, ``x ** 2``, by
    :func:`raggrad._ops.padding.keeps_zeros`) and arithmetic that cannot (a non-finite factor, a
    power below 1, ``x - 1``): the padding of the result and of its gradient is zero either way."""
    pytest.importorskip("jax")
    b = rg.with_capacity(rg.array([[0.5, -0.25], [], [0.75]], backend="jax"), elements=8)
    with np.errstate(all="ignore"):
        out = f(b)
        assert np.all(np.asarray(out.values)[3:] == 0)
        np.testing.assert_array_equal(np.asarray(out.values)[:3], np.asarray(f(rg.trim(b)).values))

    def loss(x):
        return rg.sum(rg.where(rg.isfinite(f(x)), f(x), 0.0))

    with np.errstate(all="ignore"):  # (x * 1e300: NumPy's overflow warning in the cast, once)
        grad, exact = rg.grad(loss)(b), rg.grad(loss)(rg.trim(b))
    np.testing.assert_array_equal(np.asarray(grad.values)[:3], np.asarray(exact.values))
    if np.all(np.isfinite(np.asarray(exact.values))):  # (x * inf: NaN in the lists too)
        assert np.all(np.asarray(grad.values)[3:] == 0)


def test_keeps_zeros_reads_numbers_not_arrays_that_may_be_non_finite():
    from raggrad._backends import get_backend
    from raggrad._ops.padding import keeps_zeros as keeps

    def keeps_zeros(name, contents, nb, size):
        return keeps(name, contents, nb, size, get_backend("numpy"))

    c = np.zeros(16)
    assert keeps_zeros("np.multiply", [c, 2.0], 0, 16)
    assert keeps_zeros("np.multiply", [np.float32(2), c], 0, 16)
    assert keeps_zeros("np.add", [c, c], 0, 16) and not keeps_zeros("np.add", [c, 1.0], 0, 16)
    assert not keeps_zeros("np.multiply", [c, np.ones(1)], 0, 16)  # a dense array: maybe inf
    assert not keeps_zeros("np.multiply", [c, float("nan")], 0, 16)
    assert not keeps_zeros("np.divide", [2.0, c], 0, 16)  # 2 / 0 at the padding
    assert not keeps_zeros("np.power", [c, 1.5], 0, 16) and keeps_zeros("np.power", [c, 2], 0, 16)
    assert not keeps_zeros("np.multiply", [np.zeros(1), 2.0], 0, 1)  # one slot: content or dense?
    small = np.zeros(16, np.float32)  # numbers are read in the content's dtype
    assert not keeps_zeros("np.multiply", [small, 1e300], 0, 16) and keeps_zeros(
        "np.multiply", [c, 1e300], 0, 16
    )
    assert not keeps_zeros("np.divide", [small, 1e-40], 0, 16) and keeps_zeros("np.divide", [c, 1e-40], 0, 16)
    assert not keeps_zeros("np.multiply", [np.zeros(16, np.int64), 2], 0, 16)  # integers: keep it
    assert not keeps(name="np.multiply", contents=[c, 2.0], nb=0, size=16)  # no backend: keep it


# ---- stacks of bounded arrays ------------------------------------------------------------------
def test_stack_keeps_every_members_lists_and_vmap_runs_per_member():
    jax = pytest.importorskip("jax")
    members = [rg.array([[1.0, 2.0], []], backend="jax"), rg.array([[3.0], [4.0, 5.0], [6.0]], backend="jax")]
    s = rg.stack(members)
    assert len(s) == 2 and s.to_list() == [m.to_list() for m in members]
    assert s.type == "2 * var * var * float32"
    assert [m.to_list() for m in rg.unstack(s)] == [m.to_list() for m in members]
    sums = jax.jit(jax.vmap(lambda m: rg.sum(m, axis=1)))(s)
    assert sums.to_list() == [[3.0, 0.0], [3.0, 9.0, 6.0]]
    grads = jax.vmap(rg.grad(lambda m: rg.sum(m * m)))(s)
    assert grads.to_list() == [[[2.0, 4.0], []], [[6.0], [8.0, 10.0], [12.0]]]
    with pytest.raises(TypeError, match=r"jax\.vmap"):
        rg.sum(s)
    with pytest.raises(ValueError, match="equal capacities"):
        rg.stack([rg.with_capacity(members[0], lists=4, elements=8), rg.with_capacity(members[1])])
    with pytest.raises(ValueError, match="one depth"):
        rg.stack([members[0], rg.array([1.0, 2.0], backend="jax")])
    # an integer picks a member (eagerly and under jit); anything else says what to do
    assert s[1].to_list() == s[-1].to_list() == members[1].to_list() and rg.is_bounded(s[0])
    assert float(jax.jit(lambda v: rg.sum(v[1]))(s)) == 18.0
    with pytest.raises(IndexError, match="a stack of 2 bounded arrays"):
        s[2]
    for key in (slice(None), (0, 1), True):
        with pytest.raises(TypeError, match=r"rg\.unstack"):
            s[key]
    # flipping or running along a stack's content would mix its members' lists
    for op in (
        lambda: rg.flip(s, axis=0),
        lambda: rg.flip(s),
        lambda: np.flip(s, axis=1),
        lambda: np.cumsum(s),
        lambda: s + np.array([10.0, 20.0]),  # (an array operand asks for the stack's count)
        lambda: s + np.ones((2, 1)),
        lambda: s * rg.array(s.to_list(), backend="jax"),  # these raised a bare IndexError ...
        lambda: s * rg.with_capacity(members[0]),  # ... or NumPy's "truth value is ambiguous"
        lambda: s + rg.stack(members[::-1]),
    ):
        with pytest.raises(TypeError, match=r"stack of bounded arrays.*rg\.unstack"):
            op()


@pytest.mark.parametrize("fn", [np.cumsum, np.cumprod])
def test_cumulative_with_axis_none_runs_over_the_elements_in_use(fn) -> None:
    x = rg.array([[1.0, 2.0], [], [3.0]])
    b = rg.with_capacity(x)
    assert rg.trim(fn(b)).to_list() == fn(x).to_list() == fn(np.array([1.0, 2.0, 3.0])).tolist()


def test_repr_of_a_long_bounded_record_shows_its_lists() -> None:
    x = rg.from_lengths(np.ones(100, np.int64), np.arange(100.0))
    b = rg.with_capacity(rg.zip({"a": x}))
    assert repr(b) == repr(rg.zip({"a": x}))


def test_from_offsets_not_at_zero_over_bounded_content_reads_its_lists() -> None:
    inner = rg.array([[1.0], [2.0, 3.0], [4.0]])
    got = rg.from_offsets(np.array([1, 3]), rg.with_capacity(inner))
    assert got.to_list() == rg.from_offsets(np.array([1, 3]), inner).to_list() == [[[2.0, 3.0], [4.0]]]


def test_rg_grad_of_a_torch_array_says_how_to_differentiate_on_torch():
    pytest.importorskip("jax")
    pytest.importorskip("torch")
    x = rg.array(LISTS, backend="torch")
    for call in (
        lambda: rg.grad(lambda v: rg.sum(v))(x),
        lambda: rg.jvp(lambda v: v, (x,), (x,)),
        lambda: rg.vjp(lambda v: v, x),
    ):
        with pytest.raises(TypeError, match=r"JAX.s transformations; an argument holds torch arrays"):
            call()


def test_an_invalid_bounded_result_has_nan_derivatives_not_zeros():
    """firsts of an empty list under jit cannot raise: the sum is NaN, and so is the gradient
    where it reaches, never a zero that looks valid."""
    jax = pytest.importorskip("jax")
    b = rg.with_capacity(rg.array(LISTS, backend="jax"))  # list 1 is empty
    value, g = jax.jit(rg.value_and_grad(lambda u: rg.sum(rg.firsts(u) ** 2)))(b)
    assert np.isnan(float(value)) and np.isnan(np.asarray(g.values)).any()
    full = rg.with_capacity(rg.array([[1.0, 2.0], [3.0], [4.0]], backend="jax"))
    value, g = jax.jit(rg.value_and_grad(lambda u: rg.sum(rg.firsts(u) ** 2)))(full)
    assert float(value) == 26.0 and g.to_list() == [[2.0, 0.0], [6.0], [8.0]]


def test_a_tuple_of_list_capacities_pins_the_outer_depths_and_buckets_the_rest():
    x = rg.array([[[1.0], [2.0, 3.0]], [[]]])
    assert rg.capacity(rg.with_capacity(x, lists=(4,), elements=8)) == ((4, 16), 8)
    assert rg.capacity(rg.with_capacity(x, lists=(4, 5), elements=8)) == ((4, 5), 8)
    with pytest.raises(ValueError, match=r"gives 3 capacities for 2 list depths"):
        rg.with_capacity(x, lists=(4, 5, 6))


def test_bounded_arrays_of_one_capacity_share_a_tree_structure_whichever_op_made_them() -> None:
    # a mask or a slice made no list ids on the host: they travel anyway, so control flow
    # takes the results of ops that change the lists, and jit traces once for all of them
    jax = pytest.importorskip("jax")
    b = rg.with_capacity(rg.array([[1.0, -2.0], [], [3.0]], backend="jax"))
    made = (b, b[b > 0], b[::-1], b[:, 1:], rg.sort(b), b * 2)
    assert len({jax.tree_util.tree_structure(x) for x in made}) == 1
    assert jax.lax.cond(False, lambda: b, lambda: b[b > 0]).to_list() == [[1.0], [], [3.0]]
    shrink = jax.lax.while_loop(lambda c: rg.count(c) > 2, lambda c: c[c > rg.min(c)], b)
    assert shrink.to_list() == [[1.0], [], [3.0]]
    kept, _ = jax.lax.scan(lambda c, _: (c[c > 0.0], None), b, None, length=2)
    assert kept.to_list() == [[1.0], [], [3.0]]
    traces = []
    f = jax.jit(lambda x: traces.append(1) or rg.sum(x))
    assert [float(f(x)) for x in made[:2]] == [2.0, 4.0] and len(traces) == 1
    s = rg.stack([b, b[b > 0]])  # members with and without host ids
    assert rg.unstack(s)[1].to_list() == [[1.0], [], [3.0]]
    np.testing.assert_allclose(np.asarray(jax.vmap(rg.sum)(s)), [2.0, 4.0])


def test_eval_shape_of_a_bounded_array_prints_its_type() -> None:
    jax = pytest.importorskip("jax")
    b = rg.with_capacity(rg.array([[1.0, -2.0], [], [3.0]], backend="jax"))
    out = jax.eval_shape(lambda v: v * 2.0, b)
    assert out.type == "? * var * float32" and "??" in repr(out)
    assert rg.capacity(out) == rg.capacity(b)


def test_bounded_offsets_are_read_only_as_exact_ones():
    # the index maps are made once per structure and shared: a write through rg.offsets of one
    # bounded array changed every later with_capacity of the same lists
    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    with pytest.raises(ValueError, match="read-only"):
        rg.offsets(rg.with_capacity(x))[1] = 1
    with pytest.raises(ValueError, match="read-only"):
        rg.offsets(x)[1] = 1
    assert rg.with_capacity(x).to_list() == [[1.0, 2.0, 3.0], [], [4.0, 5.0]]


def test_a_records_fields_are_bounded_with_one_set_of_index_maps():
    # the fields share their lists: the offsets and slot ids are made once (a repeat over the
    # elements per field before), and the bounded record keeps one structure
    lists = rg.from_lengths([2, 0, 3], np.arange(5.0))
    muons = rg.zip({"pt": lists, "eta": lists * 2.0, "phi": lists * 3.0})
    bounded = rg.with_capacity(muons)
    maps = [rg.with_capacity(muons[f])._structure for f in ("pt", "eta", "phi")]
    assert all(m.levels[0] is maps[0].levels[0] and m.given_ids[0] is maps[0].given_ids[0] for m in maps)
    assert bounded["eta"].to_list() == [[0.0, 2.0], [], [4.0, 6.0, 8.0]]
    assert rg.capacity(bounded) == rg.capacity(rg.with_capacity(lists))


def test_a_function_mapped_over_a_bounded_arrays_leaves_is_named_not_read_as_lists():
    # its offsets, count and ids are pytree leaves: jax.tree.map (an SGD step, a sum of gradients)
    # maps over them too, and to_list read the result as lists: [[0.88, 1.88], []] for a step
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    b = rg.with_capacity(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax"))
    g = rg.grad(lambda v: rg.sum(rg.sum(v, axis=1) ** 2))(b)
    with pytest.raises(TypeError, match=r"lists are float32 arrays.*rg\.map_values"):
        jax.tree.map(lambda p, d: p - 0.01 * d, b, g).to_list()
    with pytest.raises(ValueError, match=r"offsets do not rise from 0"):
        jax.tree.map(jnp.ones_like, b).to_list()
    with pytest.raises(ValueError, match=r"list ids disagree with its offsets"):
        jax.tree.map(lambda *gs: sum(gs), g, g).to_list()
    with pytest.raises(TypeError, match=r"float0"):  # jax.vjp's cotangents of the integer leaves
        jax.vjp(lambda v: rg.sum(v * 2), b)[1](jnp.float32(1.0))[0].to_list()
    step = b - 0.01 * g  # the arrays' own arithmetic keeps the lists
    np.testing.assert_allclose(rg.flatten(step).to_list(), [0.88, 1.88, 2.88, 3.82, 4.82], rtol=1e-6)
    assert rg.map_values(lambda v: v * 2, b).to_list() == [[2.0, 4.0, 6.0], [], [8.0, 10.0]]
