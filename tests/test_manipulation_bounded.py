"""Structure operations on bounded arrays: every op on ``rg.with_capacity(x)`` equals the op on
``x`` (after ``rg.trim``), eagerly on numpy and jax and under ``jax.jit``; capacities follow the
documented rules; padding never reaches a result or a gradient; one trace serves every batch of
a bucket; value-dependent structure (traced counts and lengths) works on bounded arrays."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg
from raggrad.testing import strategies as rst

jax = pytest.importorskip("jax")
jnp = jax.numpy

NESTED = [[[1.0, 2.0], [], [3.0]], [], [[4.0], [5.0, 6.0, 7.0]]]


# ---- what the results are compared with ----------------------------------------------------------
def _padding_is_zero(r):
    """Every content slot past the ones in use holds zero."""
    _, used = r._structure.trim("test")
    values = np.moveaxis(np.asarray(r.values), r._nbatch, 0)
    assert not np.any(values[used:]), (used, values)


def _type(t):
    """A type string with jax's dtypes (the references are computed on numpy)."""
    return t.replace("float64", "float32").replace("int64", "int32")


def _same(got, want):
    """``got`` (from a bounded array) equals ``want`` (from the exact one, maybe on numpy)."""
    if isinstance(want, tuple | list):
        assert isinstance(got, tuple | list) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
        return
    if isinstance(want, dict):
        assert got.keys() == want.keys()
        for key in want:
            _same(got[key], want[key])
        return
    if isinstance(want, rg.RaggedArray | rg.RecordArray):
        assert rg.is_bounded(got), got
        got = got.to_backend("numpy")  # read on the host: no device op per new shape
        trimmed = rg.trim(got)
        assert _type(trimmed.type) == _type(want.type)
        _close(trimmed.to_list(), want.to_list())
        if isinstance(got, rg.RecordArray):
            for name in got.fields:
                _padding_is_zero(got[name])
        else:
            _padding_is_zero(got)
        return
    np.testing.assert_allclose(np.asarray(got), np.asarray(want))  # ints and 0-d arrays


def _close(a, b):
    if isinstance(a, list | dict) or isinstance(b, list | dict):
        assert type(a) is type(b) and len(a) == len(b), (a, b)
        for u, v in zip(a, b) if isinstance(a, list) else ((a[k], b[k]) for k in a):
            _close(u, v)
        return
    assert type(a) is type(b) or {type(a), type(b)} <= {int, float}, (a, b)
    np.testing.assert_allclose(a, b, rtol=1e-6)


def _outcome(f, x):
    try:
        out = f(x)
    except ValueError as exc:
        return None, exc
    if out is None or getattr(getattr(out, "_structure", None), "masks", None) is not None:
        # an exact array's empty list has None as its first item; a bounded array holds no
        # missing values and refuses it, as both did before missing values existed
        return None, ValueError("a missing value")
    return out, None


# ---- the ops, by label (one jitted function per label, so traces are shared across examples) ------
def _cases(depth: int, ndim: int) -> list[str]:
    out = ["num", "local_index", "flatten", "unflatten", "concat-0", "concat-self", "concat-mixed"]
    out += ["flip", "sort", "broadcast", "records"]
    out += [f"firsts-{a}" for a in range(ndim)] + [f"lasts-{a}" for a in range(ndim)]
    out += [f"concat-{a}" for a in range(1, ndim)]
    if depth == 1 and ndim == 2:
        out += ["to_padded", "offsets"]
    return out


def _op(label: str):
    name, _, arg = label.partition("-")
    if name in ("firsts", "lasts"):
        axis = int(arg)
        func = rg.firsts if name == "firsts" else rg.lasts

        def pick(x):
            depth = x._structure.nlevels
            return func(x, axis=axis, fill_value=-1.0 if axis == depth else None)

        return pick
    if label.startswith("concat-") and arg.isdigit() and arg != "0":
        axis = int(arg)
        return lambda x: rg.concat([x, 2.0 * x, rg.flip(x, axis=-1)], axis=axis)
    return OPS[label]


def _levels(x):
    return range(1, x._structure.nlevels + 1)


def _unflatten(x):
    out = []
    for a in _levels(x):
        flat = rg.flatten(x, axis=a)
        out.append(rg.unflatten(flat, rg.flatten(rg.num(x, axis=a), axis=None), axis=a - 1))
    return out


def _records(x):
    r = rg.zip({"a": x, "b": 2.0 * x})
    return [rg.flatten(r, axis=None), rg.flip(r, axis=0), rg.concat([r, r]), rg.local_index(r, axis=-1)]


def _sort(x):
    depth = x._structure.nlevels
    out = [rg.sort(x, axis=depth), rg.sort(x, axis=depth, descending=True)]
    out += [rg.argsort(x, axis=depth), rg.argsort(x, axis=depth, descending=True)]
    if x.ndim > depth + 1:
        out += [rg.sort(x, axis=-1, descending=True), rg.argsort(x, axis=-1)]
    return out


OPS = {
    "num": lambda x: [rg.num(x, axis=a) for a in range(x.ndim)],
    "local_index": lambda x: [rg.local_index(x, axis=a) for a in range(x.ndim)],
    "flatten": lambda x: [rg.flatten(x, axis=a) for a in (None, *range(x.ndim))],
    "unflatten": _unflatten,
    "concat-0": lambda x: rg.concat([x, 2.0 * x, rg.flip(x, axis=0)]),
    "concat-self": lambda x: rg.concat([x, x], axis=None),
    "concat-mixed": lambda x: rg.concat([x, rg.trim(x) if rg.is_bounded(x) else x]),
    "flip": lambda x: [*(rg.flip(x, axis=a) for a in range(x.ndim)), rg.flip(x)],
    "sort": _sort,
    "broadcast": lambda x: [rg.broadcast_arrays(x, 1.5), rg.broadcast_arrays(rg.num(x, axis=1), x)],
    "records": _records,
    "to_padded": lambda x: [rg.to_padded(x), rg.to_padded(x, length=2, fill_value=-1.0)],
    "offsets": lambda x: rg.offsets(x),
}

#: needs concrete offsets (rg.trim), and binds an exact array with its sizes: new shapes, new
#: compilations for every example on jax, so it runs on numpy only
NUMPY_ONLY = {"concat-mixed"}


@functools.cache
def _jitted(labels):
    """One program for every op (one compilation per capacities, shared between examples)."""
    return jax.jit(lambda b: {label: _op(label)(b) for label in labels})


def _compare(label, got, want):
    if label == "to_padded":
        for (dense, mask), (dense_x, mask_x) in zip(got, want):
            n, w = np.asarray(dense_x).shape[:2]
            dense, mask = np.asarray(dense), np.asarray(mask)
            np.testing.assert_allclose(dense[:n, :w], np.asarray(dense_x))
            assert np.array_equal(mask[:n, :w], np.asarray(mask_x))
            assert not mask[n:].any() and not mask[:, w:].any()
        return
    if label == "offsets":
        got, want = np.asarray(got), np.asarray(want)
        assert np.array_equal(got[: len(want)], want) and np.all(got[len(want) :] == want[-1])
        return
    _same(got, want)


def _check_all(x, b, jit, eager=True):
    """Every op on bounded ``b`` (eagerly and under jit, as asked) against the op on exact ``x``."""
    labels = [c for c in _cases(x._structure.nlevels, x.ndim) if not (jit and c in NUMPY_ONLY)]
    traced = _jitted(tuple(labels))(b) if jit else {}
    for label in labels:
        want, error = _outcome(_op(label), x)
        got, got_error = _outcome(_op(label), b) if eager else (None, None)
        if error is not None:  # as for the exact array (an empty list has no first item)
            assert got_error is not None or not eager, (label, error)
            if jit:  # under jit the lists are data: the result is invalid
                with pytest.raises(ValueError, match="invalid"):
                    traced[label].to_list()
            continue
        assert got_error is None, (label, got_error)
        if eager:
            _compare(label, got, want)
        if jit:
            _compare(label, traced[label], want)


def _capacities(x, data):
    """Random capacities at least the sizes: often exactly the sizes."""
    s = x._structure
    extra = st.sampled_from([0, 0, 1, 3])
    lists = tuple(s.count_at(d) + data.draw(extra) for d in range(max(s.nlevels, 1)))
    return lists, s.size + data.draw(extra)


#: exact in float32 (jax's), with ties (sorting is stable)
VALUES = st.integers(-8, 8).map(lambda v: v / 4)
#: at most 4 outer items and 3 items per list: the sizes at each depth are at most these
MAX_OUTER, MAX_LENGTH = 4, 3


def _arrays(inner_shapes):
    return st.integers(1, 3).flatmap(
        lambda depth: st.sampled_from(inner_shapes).flatmap(
            lambda inner: rst.ragged_arrays(
                depth=depth,
                inner_shape=inner,
                max_outer=MAX_OUTER,
                max_list_length=MAX_LENGTH,
                lengths="small",
                values=VALUES,
            )
        )
    )


@given(_arrays([(), (2,)]), st.data())
def test_every_op_on_a_bounded_numpy_array_equals_the_exact_result(x, data):
    lists, elements = _capacities(x, data)
    _check_all(x, rg.with_capacity(x, lists=lists, elements=elements), jit=False)


_EAGER_DEPTHS: set[int] = set()


@given(_arrays([(2,)]))
def test_every_op_on_a_bounded_jax_array_equals_the_exact_result_eagerly_and_under_jit(x):
    # capacities that fit every drawn array of its depth: one compiled program per depth, shared
    # between examples (the inner shape is fixed here, the numpy test draws both); eager jax
    # compiles every primitive anew for every new shape, so it runs once per depth; the reference
    # on numpy, whose ops need no compilation per new structure
    depth = x._structure.nlevels
    bounds = [MAX_OUTER * MAX_LENGTH**d for d in range(depth + 1)]
    b = rg.with_capacity(rg.to_backend(x, "jax"), lists=tuple(bounds[:depth]), elements=bounds[depth])
    _check_all(x, b, jit=True, eager=depth not in _EAGER_DEPTHS)
    _EAGER_DEPTHS.add(depth)


def test_every_op_on_a_jax_array_whose_capacities_are_its_sizes():
    x = rg.array(NESTED)
    sizes = tuple(x._structure.count_at(d) for d in range(3))
    _check_all(x, rg.with_capacity(rg.to_backend(x, "jax"), lists=sizes[:2], elements=sizes[2]), jit=True)


# ---- capacities ----------------------------------------------------------------------------------
def test_capacities_follow_the_documented_rules():
    b = rg.with_capacity(rg.array(NESTED), lists=(5, 9), elements=12)
    cap = rg.capacity
    assert cap(rg.num(b, axis=2)) == ((5,), 9) and cap(rg.local_index(b, axis=0)) == ((5,), 5)
    assert cap(rg.flatten(b, axis=1)) == ((9,), 12)  # the outer depth goes
    assert cap(rg.flatten(b, axis=2)) == ((5,), 12)  # depth 1 goes
    assert cap(rg.flatten(b, axis=None)) == ((12,), 12)
    counts = rg.flatten(rg.num(b, axis=2), axis=None)
    assert cap(rg.unflatten(rg.flatten(b, axis=2), counts, axis=1)) == ((5, 9), 12)  # inherited
    assert cap(rg.unflatten(rg.flatten(b, axis=2), counts, axis=1, capacity=7)) == ((5, 7), 12)
    assert cap(rg.firsts(b, axis=2, fill_value=0.0)) == ((5,), 9)  # the elements go
    assert cap(rg.lasts(b, axis=0)) == ((9,), 12)  # the outer depth goes
    other = rg.with_capacity(rg.array([[[8.0]]]), lists=(2, 3), elements=4)
    assert cap(rg.concat([b, other])) == ((7, 12), 16)  # capacities add
    assert cap(rg.concat([b, b], axis=1)) == ((5, 18), 24)  # above the axis kept, below add
    assert cap(rg.concat([b, b], axis=2)) == ((5, 9), 24)
    assert cap(rg.concat([b, rg.array(NESTED)])) == ((8, 14), 19)  # exact: its sizes
    for op in (rg.flip, rg.sort, rg.argsort, lambda v: rg.flip(v, axis=1)):
        assert cap(op(b)) == ((5, 9), 12)
    with pytest.raises(ValueError, match="list 1 at axis 1 is empty"):
        rg.firsts(b, axis=1)


def test_to_padded_of_a_bounded_array_pads_to_static_capacities():
    b = rg.with_capacity(rg.array([[1.0, 2.0], [], [3.0]]), lists=4, elements=6)
    dense, mask = rg.to_padded(b)
    assert dense.shape == (4, 6) and mask.shape == (4, 6)  # rows: outer slots; width: elements
    assert dense[:, :2].tolist() == [[1.0, 2.0], [0.0, 0.0], [3.0, 0.0], [0.0, 0.0]]
    assert mask.sum(axis=1).tolist() == [2, 0, 1, 0]
    dense, mask = jax.jit(lambda v: rg.to_padded(v, length=1, fill_value=9.0))(b.to_backend("jax"))
    assert np.asarray(dense).tolist() == [[1.0], [9.0], [3.0], [9.0]]
    back = rg.from_padded(*jax.jit(lambda v: (rg.to_padded(v)[0], rg.num(v)))(b.to_backend("jax")))
    assert rg.trim(back).to_list() == [[1.0, 2.0], [], [3.0]]
    assert rg.offsets(b).tolist() == [0, 2, 2, 3, 3]


def test_num_at_axis_0_is_the_count_a_traced_scalar_under_jit():
    b = rg.with_capacity(rg.array(NESTED, backend="jax"))
    assert rg.num(b, axis=0) == 3 and isinstance(rg.num(b, axis=0), int)
    assert int(jax.jit(lambda v: rg.num(v, axis=0))(b)) == 3


# ---- value-dependent structure under jit ----------------------------------------------------------
def test_unflatten_with_traced_counts_and_a_capacity():
    flat = jnp.arange(6.0)
    f = jax.jit(lambda c: rg.unflatten(flat, c, capacity=8))
    out = f(jnp.array([2, 0, 3, 1]))
    assert rg.capacity(out) == ((8,), 6) and out.to_list() == [[0.0, 1.0], [], [2.0, 3.0, 4.0], [5.0]]
    with pytest.raises(ValueError, match="invalid"):
        f(jnp.array([2, 0, 3, 9])).to_list()  # counts sum past the items: flagged, not wrong
    with pytest.raises(rg.TracedStructureError, match=r"capacity=.*rg\.with_capacity"):
        jax.jit(lambda c: rg.unflatten(flat, c))(jnp.array([6]))  # exact: today's error, with the way out
    with pytest.raises(ValueError, match="sum to 5 but axis 0 has 6"):
        rg.unflatten(flat, np.array([2, 3]), capacity=4)
    b = rg.with_capacity(rg.array(NESTED, backend="jax"))
    g = jax.jit(lambda v, c: rg.unflatten(rg.flatten(v, axis=2), c, axis=1))
    out = g(b, jnp.array([2, 0, 1, 1, 3]))  # plain counts: their length is the capacity
    assert out.to_list() == NESTED and rg.capacity(out) == ((16, 5), 16)
    out = g(b, rg.flatten(rg.num(b, axis=2), axis=None))  # a bounded array's counts: its capacity
    assert out.to_list() == NESTED and rg.capacity(out) == ((16, 16), 16)
    assert rg.unflatten(rg.flatten(b, axis=None), 7).to_list() == [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]


def test_from_lengths_with_traced_lengths_and_a_capacity():
    content = jnp.arange(1.0, 9.0)  # the element capacity: 8 slots
    f = jax.jit(lambda lengths: rg.from_lengths(lengths, content, capacity=4))
    out = f(jnp.array([2, 0, 3]))
    assert out.to_list() == [[1.0, 2.0], [], [3.0, 4.0, 5.0]] and rg.capacity(out) == ((4,), 8)
    assert not np.any(np.asarray(out.values)[5:])  # the slots past the lists are padding: zeros
    with pytest.raises(ValueError, match="invalid"):
        f(jnp.array([5, 5, 0])).to_list()  # more elements than the content holds
    with pytest.raises(rg.TracedStructureError, match=r"rg\.with_capacity"):
        jax.jit(lambda lengths: rg.from_lengths(lengths, content))(jnp.array([8]))
    with pytest.raises(ValueError, match="do not fit the capacity 2"):
        rg.from_lengths(np.array([1, 1, 1]), np.arange(3.0), capacity=2)
    nested = rg.from_lengths(
        np.array([1, 2]), rg.from_lengths(np.array([2, 0, 1]), np.arange(3.0)), capacity=3
    )
    assert nested.to_list() == [[[0.0, 1.0]], [[], [2.0]]] and rg.capacity(nested) == ((3, 3), 3)
    assert rg.capacity(rg.from_lengths(rg.num(rg.with_capacity(rg.array(NESTED))), np.arange(7.0))) == (
        (16,),
        7,
    )


def test_from_offsets_over_a_bounded_array_nests_it_as_from_lengths_does():
    b = rg.with_capacity(rg.array([[1.0, -2.0, 3.0], [], [4.0, 5.0], [-1.0]], backend="jax"))
    want = [[[1.0, -2.0, 3.0]], [[], [4.0, 5.0], [-1.0]]]
    out = rg.from_offsets(np.array([0, 1, 4]), b)
    assert rg.is_bounded(out) and out.to_list() == want
    assert rg.capacity(out) == rg.capacity(rg.from_lengths(np.array([1, 3]), b))
    assert rg.from_offsets(np.array([1, 2, 3]), b).to_list() == [[[]], [[4.0, 5.0]]]  # not from 0
    f = jax.jit(lambda v: rg.from_offsets(np.array([0, 1, 4]), v))
    assert f(b).to_list() == want
    with pytest.raises(ValueError, match="invalid"):  # three lists in use, offsets for four
        f(rg.with_capacity(rg.array([[1.0], [], [2.0]], backend="jax"))).to_list()
    with pytest.raises(ValueError, match=r"offsets\[-1\]=5 points past the content \(length 4\)"):
        rg.from_offsets(np.array([0, 1, 5]), b)


def test_from_padded_with_traced_lengths():
    padded = jnp.array([[1.0, 2.0], [3.0, 0.0], [4.0, 5.0]])
    f = jax.jit(lambda lengths: rg.from_padded(padded, lengths))
    out = f(jnp.array([2, 1, 0]))
    assert out.to_list() == [[1.0, 2.0], [3.0], []] and rg.capacity(out) == ((3,), 6)
    with pytest.raises(ValueError, match="invalid"):
        f(jnp.array([3, 1, 0])).to_list()


def test_one_trace_serves_two_batches_with_different_lengths_in_one_bucket():
    traces = []

    def step(x, counts):
        traces.append(1)
        y = rg.concat([rg.sort(x), rg.flip(x, axis=1)], axis=1)
        z = rg.unflatten(rg.flatten(y), counts, capacity=64)
        return rg.sum(rg.firsts(y, fill_value=0.0)) + rg.sum(rg.lasts(z, fill_value=0.0) ** 2), rg.num(
            z, axis=0
        )

    f = jax.jit(step)
    rng = np.random.default_rng(0)
    for n in (5, 9):
        lengths = rng.integers(0, 4, n)
        x = rg.from_lengths(lengths, rng.normal(size=int(lengths.sum()))).to_backend("jax")
        counts = np.ones(int(2 * lengths.sum()), dtype=np.int32)  # one list per element
        b = rg.with_capacity(x, lists=16, elements=32)
        got, count = f(b, jnp.asarray(np.pad(counts, (0, 64 - len(counts)))))  # then empty lists
        want, want_count = step(x, counts)
        np.testing.assert_allclose(float(got), float(want), rtol=1e-5)
        assert int(count) == 64 and want_count == len(counts)
    assert len(traces) == 3  # one trace under jit, and one per eager reference


# ---- derivatives -----------------------------------------------------------------------------------
GRAD_OPS = {
    "flatten": lambda v: rg.flatten(v, axis=1),
    "unflatten": lambda v: rg.unflatten(
        rg.flatten(v, axis=2), rg.flatten(rg.num(v, axis=2), axis=None), axis=1
    ),
    "firsts": lambda v: rg.firsts(v, axis=2, fill_value=0.5),
    "lasts-0": lambda v: rg.lasts(v, axis=0),
    "concat-0": lambda v: rg.concat([v, v * v]),
    "concat-1": lambda v: rg.concat([v * v, v], axis=1),
    "concat-2": lambda v: rg.concat([v, np.sin(v)], axis=2),
    "flip": lambda v: rg.flip(v),
    "sort": lambda v: rg.sort(v, descending=True),
    "broadcast": lambda v: rg.broadcast_arrays(v, rg.sum(v, axis=2))[1],
    "records": lambda v: rg.flip(rg.zip({"a": v, "b": v * 3.0}), axis=1).b,
}


EAGER = {"concat-1", "firsts", "sort"}


def _loss(op):
    def loss(v):
        flat = rg.flatten(op(v), axis=None)  # a position-dependent loss of the values in use
        return rg.sum(np.sin(flat) * (1.0 + rg.local_index(flat, axis=0)))

    return loss


@pytest.mark.parametrize("name", sorted(GRAD_OPS))
def test_gradients_equal_jax_grad_on_the_exact_array_and_are_zero_at_padding(name):
    x = rg.array(NESTED, backend="jax")
    b = rg.with_capacity(x, lists=(4, 8), elements=10)
    loss = _loss(GRAD_OPS[name])
    want = jax.grad(loss)(x)
    # eagerly for a few (each new shape compiles op by op), under jit for all
    for g in (rg.grad(loss)(b), jax.jit(rg.grad(loss))(b)) if name in EAGER else (jax.jit(rg.grad(loss))(b),):
        assert rg.is_bounded(g)
        _close(rg.trim(g).to_list(), want.to_list())
        assert not np.any(np.asarray(g.values)[7:])
    np.testing.assert_allclose(float(jax.jit(loss)(b)), float(loss(x)), rtol=1e-6)


def test_to_padded_gradient():
    x = rg.array([[1.0, 2.0], [], [3.0]], backend="jax")
    b = rg.with_capacity(x, lists=4, elements=5)
    weights = jnp.arange(1.0, 21.0).reshape(4, 5)

    def loss(v):
        dense, _ = rg.to_padded(v)
        return jnp.sum(jnp.sin(dense) * weights[: dense.shape[0], : dense.shape[1]])

    g = rg.grad(loss)(b)
    _close(rg.trim(g).to_list(), jax.grad(loss)(x).to_list())
    assert not np.any(np.asarray(g.values)[3:])


# ---- mismatches are never silently combined ---------------------------------------------------------
def test_concat_list_by_list_checks_the_lists():
    a = rg.with_capacity(rg.array([[1.0], [2.0, 3.0]], backend="jax"), lists=4, elements=8)
    c = rg.with_capacity(rg.array([[1.0], [2.0], [3.0]], backend="jax"), lists=4, elements=8)
    with pytest.raises(ValueError, match="lists differ"):
        rg.concat([a, c], axis=1)
    with pytest.raises(ValueError, match="invalid"):
        jax.jit(lambda u, v: rg.concat([u, v], axis=1))(a, c).to_list()
    with pytest.raises(ValueError, match="capacities differ"):
        rg.concat([a, rg.with_capacity(rg.trim(a))], axis=1)
    out = jax.jit(lambda u, v: rg.concat([u, v], axis=1))(a, a)
    assert out.to_list() == [[1.0, 1.0], [2.0, 3.0, 2.0, 3.0]]


def test_records_of_bounded_fields():
    x = rg.array(NESTED, backend="jax")
    r = rg.with_capacity(rg.zip({"a": x, "b": x * 2.0}))
    assert rg.is_bounded(r) and r.to_list() == rg.zip({"a": x, "b": x * 2.0}).to_list()
    f = jax.jit(lambda r: rg.firsts(rg.flatten(r, axis=2), fill_value=0.0))
    assert (
        f(r).to_list()
        == rg.firsts(rg.flatten(rg.zip({"a": x, "b": x * 2.0}), axis=2), fill_value=0.0).to_list()
    )
    g = rg.grad(lambda r: rg.sum(rg.concat([r, r]).a))(r)
    assert rg.trim(g.a).to_list() == [[[2.0, 2.0], [], [2.0]], [], [[2.0], [2.0, 2.0, 2.0]]]
    mismatched = rg.with_capacity(rg.array([[[1.0]], [], [[2.0], []]], backend="jax"))
    with pytest.raises(ValueError):
        rg.zip({"a": rg.with_capacity(x), "b": mismatched})


def test_vmap_and_batched_content():
    offsets = np.array([0, 2, 2, 5])
    batch = jnp.arange(10.0).reshape(2, 5)

    def f(v):
        b = rg.with_capacity(rg.from_offsets(offsets, v), lists=4, elements=8)
        return rg.concat([rg.sort(b, descending=True), rg.flip(b, axis=0)], axis=1).values

    out = jax.vmap(f)(batch)
    for row, got in zip(np.asarray(batch), np.asarray(out)):
        x = rg.from_offsets(offsets, row)
        want = rg.flatten(rg.concat([rg.sort(x, descending=True), rg.flip(x, axis=0)], axis=1), axis=None)
        np.testing.assert_allclose(got[:10], want.values)
        assert not got[10:].any()
