"""Awkward's broadcasting rules, one table row per rule and per mismatch error."""

from __future__ import annotations

import numpy as np
import pytest

import raggrad as rg

X = [[1.0, 2.0], [], [3.0]]  # 3 * var * float64
XX = [[[1.0], [2.0, 3.0]], [], [[4.0]]]  # 3 * var * var * float64


def _inner3():  # 3 * var * 3 * float64
    return rg.from_offsets([0, 2, 2, 3], np.arange(9.0).reshape(3, 3))


RULES = [
    # (name, left, right, expected to_list)
    ("python scalar", lambda: rg.array(X), lambda: 10, [[11.0, 12.0], [], [13.0]]),
    ("numpy scalar", lambda: rg.array(X), lambda: np.float64(10), [[11.0, 12.0], [], [13.0]]),
    ("0-d array", lambda: rg.array(X), lambda: np.array(10.0), [[11.0, 12.0], [], [13.0]]),
    ("equal structure", lambda: rg.array(X), lambda: rg.array(X), [[2.0, 4.0], [], [6.0]]),
    ("dense length n", lambda: rg.array(X), lambda: np.array([10.0, 20.0, 30.0]), [[11.0, 12.0], [], [33.0]]),
    (
        "dense length n, left",
        lambda: np.array([10.0, 20.0, 30.0]),
        lambda: rg.array(X),
        [[11.0, 12.0], [], [33.0]],
    ),
    (
        "ragged array without ragged dims",
        lambda: rg.array(X),
        lambda: rg.asarray([10.0, 20.0, 30.0]),
        [[11.0, 12.0], [], [33.0]],
    ),
    ("dense length 1", lambda: rg.array(X), lambda: np.array([10.0]), [[11.0, 12.0], [], [13.0]]),
    (
        "keepdims n * 1",
        lambda: rg.array(X),
        lambda: rg.asarray(np.array([[10.0], [20.0], [30.0]])),
        [[11.0, 12.0], [], [33.0]],
    ),
    (
        "keepdims numpy (n, 1)",
        lambda: rg.array(X),
        lambda: np.array([[10.0], [20.0], [30.0]]),
        [[11.0, 12.0], [], [33.0]],
    ),
    (
        "depth: n * var against n * var * var",
        lambda: rg.array(XX),
        lambda: rg.array([[10.0, 20.0], [], [30.0]]),
        [[[11.0], [22.0, 23.0]], [], [[34.0]]],
    ),
    (
        "depth, left",
        lambda: rg.array([[10.0, 20.0], [], [30.0]]),
        lambda: rg.array(XX),
        [[[11.0], [22.0, 23.0]], [], [[34.0]]],
    ),
    (
        "depth: dense n against n * var * var",
        lambda: rg.array(XX),
        lambda: np.array([1.0, 2.0, 3.0]),
        [[[2.0], [3.0, 4.0]], [], [[7.0]]],
    ),
    (
        "regular inner dims, NumPy rules",
        _inner3,
        lambda: rg.from_offsets([0, 2, 2, 3], np.ones((3, 1))),
        [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [], [[7.0, 8.0, 9.0]]],
    ),
    (
        "one value per regular row",
        _inner3,
        lambda: rg.array([[1.0, 2.0], [], [3.0]]),
        [[[1.0, 2.0, 3.0], [5.0, 6.0, 7.0]], [], [[9.0, 10.0, 11.0]]],
    ),
]


@pytest.mark.parametrize(("name", "left", "right", "expected"), RULES, ids=[r[0] for r in RULES])
def test_broadcasting_rule(name, left, right, expected):
    out = left() + right()
    assert isinstance(out, rg.RaggedArray)
    assert out.to_list() == expected


@pytest.mark.parametrize(("name", "left", "right", "expected"), RULES, ids=[r[0] for r in RULES])
def test_broadcasting_rule_matches_awkward(name, left, right, expected):
    ak = pytest.importorskip("awkward")

    def conv(v):
        # from lists, regular dims as RegularArrays: awkward broadcasts a NumpyArray's inner dims
        # right-aligned, a RegularArray's left-aligned (its documented rules)
        if not isinstance(v, rg.RaggedArray):
            return v
        a = ak.from_iter(v.to_list())
        for axis in range(v.ndim - len(v._structure.inner), v.ndim):
            a = ak.to_regular(a, axis=axis)
        return a

    want = np.add(conv(left()), conv(right()))
    assert want.tolist() == expected


@pytest.mark.parametrize(("name", "left", "right", "expected"), RULES[3:9], ids=[r[0] for r in RULES[3:9]])
def test_broadcasting_rule_on_jax(name, left, right, expected):
    pytest.importorskip("jax")
    a, b = (v.to_backend("jax") if isinstance(v, rg.RaggedArray) else v for v in (left(), right()))
    out = a + b
    assert out.backend == "jax"
    assert out.to_list() == expected


@pytest.mark.parametrize(("name", "left", "right", "expected"), RULES, ids=[r[0] for r in RULES])
def test_broadcasting_rule_on_bounded(name, left, right, expected):
    # every operand with lists bounded (with_capacity), exact ones left as they are: the result is
    # bounded and holds the exact result's lists
    def bounded(v):
        ragged = isinstance(v, rg.RaggedArray) and v.ndim > 1 + len(v._structure.inner)
        return rg.with_capacity(v) if ragged else v

    out = bounded(left()) + bounded(right())
    assert rg.is_bounded(out)
    assert out.to_list() == expected


@pytest.mark.parametrize("side", [0, 1])
@pytest.mark.parametrize(("name", "left", "right", "expected"), RULES, ids=[r[0] for r in RULES])
def test_broadcasting_rule_with_one_operand_bounded(name, left, right, expected, side):
    # a bounded operand beside an exact one with more levels raised a bare IndexError: the exact
    # one is bounded with the shared capacities and broadcast into as it is between exact arrays
    args = [left(), right()]
    v = args[side]
    if not (isinstance(v, rg.RaggedArray) and v.ndim > 1 + len(v._structure.inner)):
        pytest.skip("no lists to bound on this side")
    args[side] = rg.with_capacity(v)
    out = args[0] + args[1]
    assert rg.is_bounded(out)
    assert out.to_list() == expected


def test_a_deeper_exact_operand_meets_a_bounded_one_eagerly_under_jit_and_in_where():
    b, e = rg.with_capacity(rg.array([[1.0, 2.0], []])), rg.array([[[1.0], [2.0, 3.0]], []])
    assert (b + e).to_list() == (e + b).to_list() == [[[2.0], [4.0, 5.0]], []]
    assert rg.broadcast_arrays(b, e)[0].to_list() == [[[1.0], [2.0, 2.0]], []]
    flags = rg.with_capacity(rg.array([True, False]))
    assert rg.where(flags, rg.array([[1.0, 2.0], [3.0]]), 0.0).to_list() == [[1.0, 2.0], [0.0]]
    with pytest.raises(ValueError, match=r"list 1 at axis 1 has length 1 vs 2"):
        rg.with_capacity(rg.array([[1.0], [2.0]])) + rg.array([[[1.0]], [[2.0], [3.0]]])
    jax = pytest.importorskip("jax")
    bj, ej = b.to_backend("jax"), e.to_backend("jax")
    assert jax.jit(lambda b, e: rg.sum(b * e, axis=-1))(bj, ej).to_list() == [[1.0, 10.0], []]
    assert rg.grad(lambda b: rg.sum(b * ej))(bj).to_list() == [[1.0, 5.0], []]


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_python_lists_and_host_bounded_arrays_join_the_other_operands_backend(backend):
    # a Python list beside a jax or torch array was refused as a 'numpy' RaggedArray; a bounded
    # array on the host beside a torch tensor mixed NumPy and torch flags (TypeError)
    lib = pytest.importorskip(backend)
    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend=backend)
    assert np.add(x, [10.0, 20.0, 30.0]).to_list() == [[11.0, 12.0, 13.0], [], [34.0, 35.0]]
    assert ([[1.0, 1.0, 1.0], [], [2.0, 2.0]] * x).to_list() == [[1.0, 2.0, 3.0], [], [8.0, 10.0]]
    assert rg.where(x > 2, x, [0.0, 1.0, 2.0]).backend == backend
    host = rg.with_capacity(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]]))
    per_list = lib.numpy.asarray([10.0, 20.0, 30.0]) if backend == "jax" else lib.tensor([10.0, 20.0, 30.0])
    for other in (per_list, per_list[0]):  # per-list values, and a 0-d array
        out = host + other
        assert out.backend == backend and rg.is_bounded(out)
        assert out.to_list() == (x + other).to_list()
    # a deeper exact operand on the host too: bounded on the shared backend
    b, e = rg.with_capacity(rg.array([[1.0, 2.0], []])), rg.array([[[1.0], [2.0, 3.0]], []])
    out = rg.where(b > 1.0, e, per_list[0])
    assert out.backend == backend and out.to_list() == [[[10.0], [2.0, 3.0]], []]


def test_dense_length_one_dims_broadcast_against_lists_and_inner_dims():
    # (1, 1, k) meets n * var * 1 as NumPy and awkward broadcast it: every value of the lists
    # against every one of the k (a per-element row, e.g. distances to k centres)
    centers = np.array([0.0, 1.0, 2.0])[None, None, :]
    x = rg.array(X)[..., None]
    want = [[[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]], [], [[3.0, 2.0, 1.0]]]
    assert (x - centers).to_list() == want
    bounded = rg.with_capacity(rg.array(X))[..., None] - centers
    assert rg.is_bounded(bounded) and bounded.to_list() == want
    assert rg.sum(rg.sum(bounded, axis=1), axis=0).to_list() == [6.0, 3.0, 0.0]


def test_zero_d_result_of_scalars_is_a_backend_array():
    out = rg.add(np.float64(1.0), np.array(2.0))
    assert not isinstance(out, rg.RaggedArray) and out.shape == ()


MISMATCHES = [
    ("outer lengths", lambda: rg.array(X), lambda: rg.array([[1.0], [2.0]]), "outer lengths differ"),
    (
        "list lengths",
        lambda: rg.array(X),
        lambda: rg.array([[1.0], [], [2.0]]),
        "list 0 at axis 1 has length",
    ),
    (
        "inner list lengths",
        lambda: rg.array(XX),
        lambda: rg.array([[[1.0], [2.0, 3.0]], [], [[4.0, 5.0]]]),
        "list 2 at axis 2",
    ),
    (
        "var length-1 lists do not broadcast",
        lambda: rg.array(X),
        lambda: rg.array([[10.0], [20.0], [30.0]]),
        "list 0 at axis 1 has length",
    ),
    ("dense length", lambda: rg.array(X), lambda: np.array([1.0, 2.0]), "outer lengths differ"),
    (
        "regular dim against ragged",
        lambda: rg.array(X),
        lambda: np.ones((3, 2)),
        "regular dimension of length 2 cannot broadcast against a ragged dimension",
    ),
    (
        "regular inner dims",
        _inner3,
        lambda: rg.from_offsets([0, 2, 2, 3], np.ones((3, 2))),
        "regular dimensions do not broadcast",
    ),
    (
        "dense shapes",
        lambda: rg.asarray(np.ones((3, 4))),
        lambda: rg.asarray(np.ones((3, 5))),
        "regular dimensions do not broadcast",
    ),
]


@pytest.mark.parametrize(("name", "left", "right", "detail"), MISMATCHES, ids=[m[0] for m in MISMATCHES])
def test_mismatch_raises_value_error_with_both_types(name, left, right, detail):
    a, b = left(), right()
    with pytest.raises(ValueError, match=r"np\.add: cannot broadcast") as info:
        np.add(a, b)
    message = str(info.value)
    assert detail in message
    for v in (a, b):
        assert (v.type if isinstance(v, rg.RaggedArray) else f"shape {v.shape}") in message


def test_mixing_backends_raises_type_error_naming_to_backend():
    pytest.importorskip("jax")
    x = rg.array(X)
    with pytest.raises(TypeError, match=r"to_backend"):
        x + x.to_backend("jax")
    with pytest.raises(TypeError, match=r"'numpy' and 'jax'"):
        rg.where(x > 0, x, x.to_backend("jax"))


def test_jax_parameter_lifts_a_numpy_ragged_array():
    jnp = pytest.importorskip("jax.numpy")
    out = rg.array(X) * jnp.float32(2.0)
    assert out.backend == "jax" and out.to_list() == [[2.0, 4.0], [], [6.0]]


def test_batched_content_from_vmap():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    offsets = np.array([0, 2, 2, 3])
    batch = jnp.arange(6.0).reshape(2, 3)
    out = jax.vmap(lambda v: np.sin(rg.from_offsets(offsets, v)))(batch)
    assert out.type == "2 * 3 * var * float32"
    np.testing.assert_allclose(np.asarray(out.values), np.sin(np.arange(6.0).reshape(2, 3)), rtol=1e-6)
    # batched ragged against an unbatched dense per-list value, and against a batched one
    dense = jnp.array([10.0, 20.0, 30.0])
    out = jax.vmap(lambda v: rg.from_offsets(offsets, v) + dense)(batch)
    assert out.to_list() == [[[10.0, 11.0], [], [32.0]], [[13.0, 14.0], [], [35.0]]]
    out = jax.vmap(lambda v, w: rg.from_offsets(offsets, v) * w)(batch, jnp.array([[1.0, 1, 1], [2, 2, 2]]))
    assert out.to_list() == [[[0.0, 1.0], [], [2.0]], [[6.0, 8.0], [], [10.0]]]
    # batched against unbatched ragged of the same structure
    x = rg.from_offsets(offsets, jnp.array([1.0, 1.0, 1.0]))
    out = jax.vmap(lambda v: rg.from_offsets(offsets, v) - x)(batch)
    assert out.to_list() == [[[-1.0, 0.0], [], [1.0]], [[2.0, 3.0], [], [4.0]]]


# ---- plain arrays against regular inner dimensions (NumPy's right alignment) --------------------
def _points(lengths, width):
    return rg.from_lengths(lengths, np.arange(float(sum(lengths) * width)).reshape(-1, width))


def test_a_bias_meets_the_regular_inner_dimension_even_when_the_batch_has_as_many_lists():
    # n * var * 64 + (64,): a dense layer's bias adds to every point, whatever n is; with n == 64
    # the one-value-per-list reading could apply too, so raggrad asks which one is meant
    b = np.arange(4.0)
    h = _points([2, 0, 1], 4)  # 3 lists: only NumPy's reading applies
    assert (h + b).to_list() == [
        [list(p + b) for p in np.arange(8.0).reshape(2, 4)],
        [],
        [list(np.arange(8.0, 12.0) + b)],
    ]
    square = _points([1, 2, 0, 1], 4)  # 4 lists and an inner dimension of 4: both could apply
    with pytest.raises(ValueError, match=r"two ways.*b\[None, None, :\].*b\[:, None, None\]"):
        square + b
    inner = (square + b[None, None, :]).to_list()
    per_list = (square + b[:, None, None]).to_list()
    assert inner[1][0] == [4.0, 6.0, 8.0, 10.0]  # b added along the inner dimension
    assert per_list[1][0] == [5.0, 6.0, 7.0, 8.0]  # b[1] added to every value of list 1
    assert (square + rg.asarray(b)).to_list() == per_list  # a RaggedArray follows awkward's rule


def test_the_two_readings_of_a_bias_depend_on_a_bounded_arrays_lists_not_its_capacity():
    # which readings apply depends on the number of lists: eagerly it is known and bounded arrays
    # raise where exact ones do; under jit it is data, so NumPy's reading is taken and a batch
    # with as many lists as the bias is long is marked invalid (never silently one reading)
    jax = pytest.importorskip("jax")
    b = np.arange(4.0)
    square = _points([1, 2, 0, 1], 4)
    with pytest.raises(ValueError, match="two ways"):
        rg.with_capacity(square, lists=16) + b
    few = _points([2, 0, 1], 4)
    assert (rg.with_capacity(few, lists=4) + b).to_list() == (few + b).to_list()  # capacity 4: fine
    add = jax.jit(lambda v: v + b)
    with pytest.raises(ValueError, match="invalid"):
        add(rg.with_capacity(square.to_backend("jax"), lists=16)).to_list()
    assert add(rg.with_capacity(few.to_backend("jax"), lists=16)).to_list() == (few + b).to_list()


def test_one_value_per_list_without_inner_dimensions_is_awkwards_rule():
    x = rg.array([[1.0, 2.0], [], [3.0]])
    assert (x + np.array([10.0, 20.0, 30.0])).to_list() == [[11.0, 12.0], [], [33.0]]
    h = _points([2, 1], 3)
    assert (h + np.array([100.0, 200.0])[:, None, None]).to_list()[1] == [[206.0, 207.0, 208.0]]
    assert (h + np.ones((1, 3))).to_list() == (h + 1.0).to_list()  # (1, 3): fits both, same answer


WITHOUT_RAGGED = [  # (content of an array without ragged dims, a plain operand) -> NumPy's result
    (np.arange(4.0).reshape(4, 1), np.arange(3.0)),
    (np.arange(4.0).reshape(4, 1), np.arange(3.0)[None]),
    (np.arange(4.0).reshape(4, 1), np.arange(4.0)),
    (np.arange(8.0).reshape(4, 2, 1), np.arange(6.0).reshape(2, 3)),
    (np.arange(8.0).reshape(4, 2, 1), np.arange(12.0).reshape(4, 1, 3)),
]


@pytest.mark.parametrize(("content", "other"), WITHOUT_RAGGED)
def test_bounded_array_without_ragged_dims_broadcasts_as_numpy(content, other):
    # rg.flatten(bounded, axis=None) gives such an array: (k,) centres meet its n * 1 as they meet
    # the exact array (every item against every centre), not as one value per item
    want = (content - other).tolist()
    assert (rg.array(content) - other).to_list() == want
    bounded = rg.with_capacity(rg.array(content)) - other
    assert rg.is_bounded(bounded) and bounded.to_list() == want
    values = rg.with_capacity(rg.array([[1.0, 2.0], [], [3.0]]))
    flat = rg.flatten(values, axis=None)[:, None] - np.arange(3.0)
    assert rg.sum(flat, axis=0).to_list() == [6.0, 3.0, 0.0]


def test_bounded_array_without_ragged_dims_refuses_a_plain_array_with_more_dims():
    x = rg.with_capacity(rg.array(np.arange(4.0).reshape(4, 1)))
    with pytest.raises(ValueError, match=r"more dimensions than .* rg.trim"):
        x - np.ones((1, 1, 3))
