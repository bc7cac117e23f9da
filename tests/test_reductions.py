"""Reductions and statistics: values against awkward and per-list NumPy at every axis and depth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.exceptions import AxisError

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad.testing import strategies as rst

REDUCERS = [
    "sum",
    "prod",
    "mean",
    "var",
    "std",
    "min",
    "max",
    "argmin",
    "argmax",
    "any",
    "all",
    "count",
    "count_nonzero",
]


def _close(a, b, rtol=1e-9, atol=1e-9):
    """Nested lists equal up to float tolerance, NaN equal to NaN and to None (awkward's empty)."""
    if isinstance(a, list) or isinstance(b, list):
        assert isinstance(a, list) and isinstance(b, list), (a, b)
        assert len(a) == len(b), (a, b)
        for u, v in zip(a, b):
            _close(u, v, rtol, atol)
        return
    if b is None:
        b = math.nan
    if isinstance(a, float) or isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), (a, b)
        else:
            assert a == pytest.approx(b, rel=rtol, abs=atol), (a, b)
    else:
        assert a == b, (a, b)


def _ak_reduce(ak, name, a, axis):
    if name in ("var", "std"):
        # awkward's one-pass formula (E[x^2] - E[x]^2) can give NaN or a tiny non-zero for equal
        # values; the oracle is a two-pass float64 reference with awkward's grouping of elements
        variance = _two_pass_variance
        f = variance if name == "var" else (lambda v: math.sqrt(variance(v)) if v else math.nan)
        return _reduce_lists(a.to_list(), axis, f, a.ndim)
    fn = getattr(ak, name)
    if name in ("min", "max", "argmin", "argmax", "prod", "sum", "any", "all", "count", "count_nonzero"):
        out = fn(a, axis=axis, mask_identity=False)
    else:
        out = fn(a, axis=axis)
    return out.to_list() if isinstance(out, ak.Array) else out


def _two_pass_variance(values):
    if not values:
        return math.nan
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values) / len(values)


def _reduce_lists(lists, axis, f, depth):
    """awkward's reduction along ``axis`` of nested lists: elements that differ only in their
    index at depth ``axis`` combine, lists left-aligned."""
    if axis > 0:
        return [_reduce_lists(item, axis - 1, f, depth - 1) for item in lists]
    return _combine(lists, f, depth)


def _combine(items, f, depth):
    if depth == 1:
        return f([float(v) for v in items])
    width = max((len(item) for item in items), default=0)
    return [_combine([item[j] for item in items if len(item) > j], f, depth - 1) for j in range(width)]


def test_var_oracle_is_exact_for_equal_values():
    # awkward's one-pass formula gives NaN here (hypothesis found it); the two-pass oracle gives 0
    x = rg.array([[1.5, 1.5, 1.5]])
    assert _reduce_lists(x.to_list(), 1, _two_pass_variance, 2) == [0.0]
    assert rg.std(x, axis=1).to_list() == [0.0]
    assert _reduce_lists([[1.0, 2.0], [], [4.0]], 0, _two_pass_variance, 2) == [2.25, 0.0]


# ---- against awkward, every axis, depth 1-3 ---------------------------------------------
@settings(max_examples=30)
@given(st.data(), st.integers(1, 3), st.sampled_from(REDUCERS))
def test_matches_awkward_at_every_axis(data, depth, name):
    ak = pytest.importorskip("awkward")
    x = data.draw(
        rst.ragged_arrays(
            depth=depth, max_outer=4, max_list_length=4, lengths="small", min_value=-3, max_value=3
        )
    )
    if name == "prod":
        x = rg.round(x)  # exact products, whatever the order of multiplication
    axis = data.draw(st.integers(0, depth))
    got = getattr(rg, name)(x, axis=axis).to_list()
    if _AWKWARD_ARG_AXIS0_QUIRK(name, axis, depth):
        return
    expected = _ak_reduce(ak, name, rg.to_awkward(x), axis)
    _close(got, expected)
    # negative axes name the same dimension
    _close(getattr(rg, name)(x, axis=axis - depth - 1).to_list(), got)


def _AWKWARD_ARG_AXIS0_QUIRK(name, axis, depth):
    # awkward 2.x's argmax/argmin at axis=0 of an array with two or more ragged levels count only
    # the outer items that reach each result position (its depth-2 answers and its other axes do not);
    # raggrad gives the index along the axis everywhere (test_argmax_at_axis0_is_the_outer_index)
    return name in ("argmax", "argmin") and axis == 0 and depth >= 2


def test_argmax_at_axis0_is_the_outer_index():
    x = rg.array([[[1, 2], [3]], [[4]], [[5, 6], [7], [8]]])
    assert rg.argmax(x, axis=0).to_list() == [[2, 2], [2], [2]]
    assert rg.argmin(x, axis=0).to_list() == [[0, 0], [0], [2]]
    assert rg.argmax(rg.array([[1, 2, 3], [], [4, 1]]), axis=0).to_list() == [2, 0, 0]


@settings(max_examples=15)
@given(
    rst.ragged_arrays(
        depth=2, dtype="int32", max_outer=4, max_list_length=4, lengths="small", min_value=-5, max_value=5
    ),
    st.integers(0, 2),
)
def test_integer_reductions_match_awkward(x, axis):
    ak = pytest.importorskip("awkward")
    a = rg.to_awkward(x)
    for name in ("sum", "min", "max", "argmax", "count_nonzero"):
        if _AWKWARD_ARG_AXIS0_QUIRK(name, axis, 2):
            continue
        _close(getattr(rg, name)(x, axis=axis).to_list(), _ak_reduce(ak, name, a, axis))


# ---- against per-list NumPy, innermost axis ------------------------------------------------
def _per_list(x, fn):
    def walk(v, depth):
        return fn(np.asarray(v, dtype=float)) if depth == 0 else [walk(u, depth - 1) for u in v]

    return walk(x.to_list(), x.ndim - 1)


def _np_oracle(name):
    def guard(f, empty):
        return lambda v: f(v) if len(v) else empty

    oracles = {
        "sum": np.sum,
        "prod": np.prod,
        "mean": guard(np.mean, math.nan),
        "var": guard(np.var, math.nan),
        "std": guard(np.std, math.nan),
        "min": guard(np.min, math.inf),
        "max": guard(np.max, -math.inf),
        "argmin": guard(np.argmin, -1),
        "argmax": guard(np.argmax, -1),
        "any": np.any,
        "all": np.all,
        "count": len,
        "count_nonzero": np.count_nonzero,
        "logsumexp": lambda v: np.log(np.sum(np.exp(v))) if len(v) else -math.inf,
        "cumulative_sum": lambda v: np.cumsum(v).tolist(),
        "cumulative_prod": lambda v: np.cumprod(v).tolist(),
        "softmax": lambda v: (np.exp(v) / np.sum(np.exp(v))).tolist(),
        "log_softmax": lambda v: (v - np.log(np.sum(np.exp(v)))).tolist() if len(v) else [],
    }
    fn = oracles[name]
    return lambda v: _py(fn(v))


def _py(v):
    return v.item() if isinstance(v, np.generic) else v


@settings(max_examples=25)
@given(
    st.integers(1, 3),
    st.sampled_from([*REDUCERS, "logsumexp", "cumulative_sum", "cumulative_prod", "softmax", "log_softmax"]),
    st.data(),
)
def test_innermost_axis_matches_numpy_per_list(depth, name, data):
    x = data.draw(
        rst.ragged_arrays(depth=depth, max_outer=4, max_list_length=5, lengths="mixed", huge_length=30)
    )
    got = getattr(rg, name)(x, axis=-1).to_list()
    _close(got, _per_list(x, _np_oracle(name)), rtol=1e-7)


@settings(max_examples=20)
@given(
    rst.ragged_arrays(depth=1, max_outer=5, max_list_length=5, lengths="mixed", huge_length=12),
    st.sampled_from(["sum", "max", "mean", "var", "argmin", "cumulative_sum"]),
)
def test_axis0_is_columnwise_with_lists_left_aligned(x, name):
    lists = x.to_list()
    width = max((len(v) for v in lists), default=0)
    columns = [[v[j] for v in lists if len(v) > j] for j in range(width)]
    if name == "cumulative_sum":  # column-wise running sums, written back in place
        running = [np.cumsum(c).tolist() for c in columns]
        seen = [0] * width
        expected = []
        for v in lists:
            row = []
            for j in range(len(v)):
                row.append(running[j][seen[j]])
                seen[j] += 1
            expected.append(row)
    elif name == "argmin":  # the index of the list, not the position within the column
        rows = [[i for i, v in enumerate(lists) if len(v) > j] for j in range(width)]
        expected = [r[int(np.argmin(c))] for r, c in zip(rows, columns)]
    else:
        expected = [_np_oracle(name)(np.asarray(c)) for c in columns]
    _close(getattr(rg, name)(x, axis=0).to_list(), expected)


# ---- edge cases ------------------------------------------------------------------------------
X = [[1.0, 2.0, 3.0], [], [4.0, 5.0]]


def test_reverse_sum_axis0_is_awkward_page_example():
    assert rg.sum(rg.array(X)[::-1], axis=0).to_list() == [5.0, 7.0, 3.0]


def test_empty_lists_give_identities():
    x = rg.array([[], [2.0]])
    assert rg.sum(x, axis=1).to_list() == [0.0, 2.0]
    assert rg.prod(x, axis=1).to_list() == [1.0, 2.0]
    assert rg.max(x, axis=1).to_list() == [-math.inf, 2.0]
    assert rg.min(x, axis=1).to_list() == [math.inf, 2.0]
    assert rg.max(x, axis=1, initial=7.0).to_list() == [7.0, 7.0]
    assert rg.argmax(x, axis=1).to_list() == [-1, 0]
    assert rg.argmin(x, axis=1).to_list() == [-1, 0]
    assert rg.any(x, axis=1).to_list() == [False, True]
    assert rg.all(x, axis=1).to_list() == [True, True]
    assert rg.count(x, axis=1).to_list() == [0, 1]
    for f in (rg.mean, rg.var, rg.std):
        assert math.isnan(f(x, axis=1).to_list()[0])
    i = rg.array([[], [2]], dtype="int32")
    assert rg.max(i, axis=1).to_list()[0] == np.iinfo(np.int32).min
    assert rg.min(i, axis=1).to_list()[0] == np.iinfo(np.int32).max


def test_sum_keeps_trailing_empty_lists():
    x = rg.array([[1.0], [], []])
    assert rg.sum(x, axis=1).to_list() == [1.0, 0.0, 0.0]
    assert rg.cumulative_sum(x, axis=1).to_list() == [[1.0], [], []]
    y = rg.array([[[1.0], []], [], [[]]])
    assert rg.sum(y, axis=-1).to_list() == [[1.0, 0.0], [], [0.0]]
    assert rg.sum(y, axis=1).to_list() == [[1.0], [], []]


def test_keepdims_types():
    x = rg.array(X)
    assert rg.sum(x, axis=-1, keepdims=True).type == "3 * 1 * float64"
    assert rg.max(x, axis=0, keepdims=True).to_list() == [[4.0, 5.0, 3.0]]
    am = rg.argmax(x, axis=1, keepdims=True)
    assert am.type == "3 * var * int64" and am.to_list() == [[2], [], [1]]
    assert rg.sum(x, axis=None, keepdims=True).to_list() == [[15.0]]
    y = rg.array([[[1.0, 2.0], [3.0]], [[4.0]]])
    assert rg.sum(y, axis=1, keepdims=True).to_list() == [[[4.0, 2.0]], [[4.0]]]


def test_argmax_keepdims_selects_the_maxima():
    x = rg.array([[1.0, 3.0, 2.0], [], [5.0, 4.0]])
    idx = rg.argmax(x, axis=1, keepdims=True)
    assert x[idx].to_list() == [[3.0], [], [5.0]]


def test_argmax_ties_and_nan_pick_the_first():
    x = rg.array([[1.0, 3.0, 3.0], [math.nan, 2.0, math.nan]])
    assert rg.argmax(x, axis=1).to_list() == [1, 0]
    assert rg.argmin(x, axis=1).to_list() == [0, 0]
    assert rg.argmax(x, axis=None) == np.argmax(np.array([1.0, 3.0, 3.0, math.nan, 2.0, math.nan]))


def test_axis_none_is_a_0d_array():
    out = rg.sum(rg.array(X))
    assert isinstance(out, np.ndarray) and out.shape == () and float(out) == 15.0
    assert float(rg.mean(rg.array(X))) == 3.0


def test_where_leaves_elements_out():
    x = rg.array(X)
    w = x > 1.5
    assert rg.sum(x, axis=1, where=w).to_list() == [5.0, 0.0, 9.0]
    assert rg.mean(x, axis=1, where=w).to_list()[::2] == [2.5, 4.5]
    assert rg.max(x, axis=0, where=x < 4.5).to_list() == [4.0, 2.0, 3.0]
    assert rg.count(x, axis=1, where=w).to_list() == [2, 0, 2]
    assert rg.var(x, axis=1, where=w).to_list()[::2] == [0.25, 0.25]
    assert rg.all(x > 0, axis=1, where=w).to_list() == [True, True, True]
    # one flag per list broadcasts to its elements
    assert rg.sum(x, axis=1, where=np.array([True, True, False])).to_list() == [6.0, 0.0, 0.0]


def test_where_of_another_structure_is_an_error():
    with pytest.raises(ValueError, match=r"rg\.sum"):
        rg.sum(rg.array(X), axis=1, where=rg.array([[True], [], [True]]))


def test_var_correction_and_ddof():
    x = rg.array([[1.0, 2.0, 4.0], [3.0]])
    assert rg.var(x, axis=1, correction=1).to_list()[0] == pytest.approx(np.var([1, 2, 4], ddof=1))
    assert rg.var(x, axis=1, ddof=1).to_list()[0] == pytest.approx(np.var([1, 2, 4], ddof=1))
    assert math.isnan(rg.var(x, axis=1, ddof=1).to_list()[1])  # 0 / 0, as NumPy
    assert np.var(x, axis=1, ddof=1).to_list()[0] == pytest.approx(np.var([1, 2, 4], ddof=1))
    assert np.std(x, axis=1, correction=1).to_list()[0] == pytest.approx(np.std([1, 2, 4], ddof=1))
    with pytest.raises(ValueError, match="correction"):
        rg.var(x, axis=1, correction=1, ddof=2)


def test_dtypes_follow_numpy():
    i32 = rg.array([[1, 2], []], dtype="int32")
    assert rg.sum(i32, axis=1).dtype == np.sum(np.zeros(1, np.int32)).dtype
    assert rg.sum(rg.array([[True, True], []]), axis=1).to_list() == [2, 0]
    assert rg.mean(i32, axis=1).dtype == np.float64
    assert rg.max(i32, axis=1).dtype == np.int32
    assert rg.argmax(i32, axis=1).dtype == np.int64
    assert rg.cumulative_sum(i32, axis=1).dtype == np.cumulative_sum(np.zeros(1, np.int32)).dtype
    assert rg.sum(rg.array([[1.0]], dtype="float32"), axis=1).dtype == np.float32
    assert rg.sum(i32, axis=1, dtype="float32").dtype == np.float32


def test_regular_inner_axes_reduce_like_numpy():
    content = np.arange(12.0).reshape(6, 2)
    x = rg.from_offsets([0, 2, 2, 6], content)
    assert rg.sum(x, axis=-1).to_list() == [[1.0, 5.0], [], [9.0, 13.0, 17.0, 21.0]]
    assert rg.sum(x, axis=1).to_list() == [[2.0, 4.0], [0.0, 0.0], [28.0, 32.0]]
    assert rg.max(x, axis=0).to_list() == [[4.0, 5.0], [6.0, 7.0], [8.0, 9.0], [10.0, 11.0]]
    assert rg.sum(x, axis=2, keepdims=True).type == "3 * var * 1 * float64"
    d = rg.array(np.arange(6.0).reshape(2, 3))
    assert rg.sum(d, axis=0).to_list() == [3.0, 5.0, 7.0]
    assert rg.sum(d, axis=(0, 1)) == 15.0
    assert rg.cumulative_sum(d, axis=1, include_initial=True).to_list() == [[0, 0, 1, 3], [0, 3, 7, 12]]


def test_batched_content_keeps_batch_dims_in_front():
    offsets = np.array([0, 3, 3, 5])
    content = np.arange(10.0).reshape(2, 5)
    from raggrad._structure import Structure

    x = RaggedArray._new(Structure(3, (offsets,)), content)
    assert x.type == "2 * 3 * var * float64"
    assert rg.sum(x, axis=-1).to_list() == [[3.0, 0.0, 7.0], [18.0, 0.0, 17.0]]
    assert rg.sum(x, axis=1).to_list() == [[3.0, 5.0, 2.0], [13.0, 15.0, 7.0]]
    assert rg.sum(x, axis=0).to_list() == [[5.0, 7.0, 9.0], [], [11.0, 13.0]]
    assert rg.argmax(x, axis=2, keepdims=True).to_list() == [[[2], [], [1]], [[2], [], [1]]]
    assert rg.cumulative_sum(x, axis=2).to_list()[1] == [[5.0, 11.0, 18.0], [], [8.0, 17.0]]
    assert rg.softmax(x).type == x.type


def test_cumulative_include_initial_and_axes():
    x = rg.array([[1, 2, 3], [], [4, 5]])
    assert rg.cumulative_prod(x, axis=1, include_initial=True).to_list() == [[1, 1, 2, 6], [1], [1, 4, 20]]
    assert rg.cumulative_sum(x, axis=0).to_list() == [[1, 2, 3], [], [5, 7]]
    with pytest.raises(ValueError, match="axis=None"):
        rg.cumulative_sum(x)
    with pytest.raises(NotImplementedError, match="include_initial"):
        rg.cumulative_sum(x, axis=0, include_initial=True)


def test_logsumexp_and_softmax_are_stable():
    x = rg.array([[1000.0, 1000.0], [], [-1000.0]])
    assert rg.logsumexp(x, axis=1).to_list() == pytest.approx([1000.0 + math.log(2), -math.inf, -1000.0])
    assert rg.softmax(x).to_list() == [[0.5, 0.5], [], [1.0]]
    _close(rg.log_softmax(x).to_list(), [[-math.log(2)] * 2, [], [0.0]])


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_mean_of_float16_sums_in_float32_as_numpy(backend):
    pytest.importorskip(backend)
    c = np.array([60000, 60000, 60000, 1, 2], np.float16)
    x = rg.from_lengths([3, 2, 0], c).to_backend(backend)
    with np.errstate(invalid="ignore"):  # the empty list's mean
        means = rg.mean(x, axis=1)
    assert means.to_list()[:2] == [float(np.mean(c[:3])), 1.5] and "float16" in str(means.dtype)
    assert float(rg.mean(x)) == float(np.mean(c))


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_log_softmax_keeps_the_normalisation_of_large_inputs(backend):
    # (x - max) - log(sum): max + log(sum) first rounds log(sum) away next to 1e7 in float32
    pytest.importorskip(backend)
    big = rg.from_lengths([3, 2], np.array([1e7, 1e7, 1e7 - 1, 3e4, 3e4 + 1], np.float32)).to_backend(backend)
    got = rg.flatten(rg.log_softmax(big, axis=1)).to_list()
    want = [-0.8619948, -0.8619948, -1.8619948, -1.3132616, -0.3132616]  # scipy.special.log_softmax
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert rg.log_softmax(rg.array([[1e17, 1e17]], dtype="float64"), axis=1).to_list() == [[-math.log(2)] * 2]


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_a_nan_in_a_list_makes_its_logsumexp_and_softmax_nan(backend):
    # as scipy.special.logsumexp and jax.nn: the NaN list's results are NaN (not -inf, +inf, or
    # "probabilities" above 1), the other lists' are unchanged, with and without missing values
    pytest.importorskip(backend)
    nan = math.nan
    for x in (
        rg.array([[nan, 1.0, 2.0], [1.0, 2.0], []], backend=backend),
        rg.array([[nan, 1.0, 2.0], [1.0, 2.0, None], [None]], backend=backend),
    ):
        lse = rg.logsumexp(x, axis=1).to_list()
        assert math.isnan(lse[0]) and lse[1] == pytest.approx(2.0 + math.log1p(math.exp(-1.0)))
        assert lse[2] == -math.inf
        for op in (rg.softmax, rg.log_softmax):
            out = op(x, axis=1).to_list()
            assert all(math.isnan(v) for v in out[0]), op
            assert all(v is None or math.isfinite(v) for v in out[1]), op
        assert math.isnan(rg.logsumexp(x, axis=0).to_list()[0])


# ---- NumPy functions (NEP-18) ------------------------------------------------------------
def test_numpy_functions_dispatch():
    x = rg.array(X)
    assert np.sum(x, axis=1).to_list() == [6.0, 0.0, 9.0]
    assert np.prod(x, axis=-1).to_list() == [6.0, 1.0, 20.0]
    assert np.mean(x, axis=0).to_list() == [2.5, 3.5, 3.0]
    assert np.amax(x, axis=1).to_list() == [3.0, -math.inf, 5.0]
    assert np.min(x, axis=1, initial=0.0).to_list() == [0.0, 0.0, 0.0]
    assert np.amin(x, axis=0).to_list() == [1.0, 2.0, 3.0]
    assert np.argmin(x, axis=1).to_list() == [0, -1, 0]
    assert np.argmax(x, axis=1, keepdims=True).to_list() == [[2], [], [1]]
    assert np.any(x > 4, axis=1).to_list() == [False, False, True]
    assert np.all(x > 1, axis=1).to_list() == [False, True, True]
    assert np.count_nonzero(x > 2, axis=1).to_list() == [1, 0, 2]
    assert np.cumsum(x, axis=1).to_list() == [[1.0, 3.0, 6.0], [], [4.0, 9.0]]
    assert np.cumprod(x).to_list() == [1.0, 2.0, 6.0, 24.0, 120.0]
    assert float(np.sum(x)) == 15.0
    assert np.std(x, axis=0).to_list() == [1.5, 1.5, 0.0]
    assert np.var(x, axis=1, ddof=1).to_list()[0] == 1.0


@pytest.mark.parametrize(
    "fn",
    [
        np.sum,
        np.prod,
        np.mean,
        np.std,
        np.var,
        np.min,
        np.max,
        np.amin,
        np.amax,
        np.argmin,
        np.argmax,
        np.any,
        np.all,
        np.cumsum,
        np.cumprod,
    ],
)
def test_numpy_out_is_not_supported(fn):
    with pytest.raises(NotImplementedError, match="out="):
        fn(rg.array(X), axis=1, out=np.zeros(3))


def test_axis_errors_name_the_function():
    with pytest.raises(AxisError, match=r"rg\.sum"):
        rg.sum(rg.array(X), axis=2)
    with pytest.raises(TypeError, match=r"rg\.max"):
        rg.max(rg.array(X), axis=1.5)


def test_registered_once_with_numpy_names():
    from raggrad._registry import REGISTRY

    for name in [*REDUCERS, "cumulative_sum", "cumulative_prod", "logsumexp", "softmax", "log_softmax"]:
        op = REGISTRY[name]
        assert op.func is getattr(rg, name)
        assert op.differentiable == (name not in ("argmin", "argmax", "any", "all", "count", "count_nonzero"))
    assert np.amax in REGISTRY["max"].numpy and np.cumsum in REGISTRY["cumulative_sum"].numpy


# ---- JAX backend: jit at every axis, vmap, dtypes ------------------------------------------
@pytest.mark.parametrize(
    "name", [*REDUCERS, "logsumexp", "cumulative_sum", "cumulative_prod", "softmax", "log_softmax"]
)
def test_every_reducer_jits_at_every_axis(name):
    jax = pytest.importorskip("jax")
    x = rg.array([[[1.0, 2.0], [], [3.0]], [], [[4.0, 5.0, 6.0]]], backend="jax")
    fn = getattr(rg, name)
    axes = [0, 1, 2, -1] + ([None] if not name.startswith(("cumulative", "soft", "log_")) else [])
    for axis in axes:
        eager = fn(x, axis=axis)
        jitted = jax.jit(lambda v, axis=axis: fn(v, axis=axis))(x)
        expected = fn(x.to_backend("numpy"), axis=axis)
        if isinstance(eager, RaggedArray):
            _close(jitted.to_list(), eager.to_list(), rtol=1e-6)
            _close(eager.to_list(), expected.to_list(), rtol=1e-6, atol=1e-6)
        else:
            _close(float(jitted), float(eager), rtol=1e-6)


def test_vmap_over_batched_content():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    offsets = np.array([0, 3, 3, 5])
    batch = jnp.arange(10.0).reshape(2, 5)
    out = jax.vmap(lambda v: rg.sum(rg.from_offsets(offsets, v), axis=1))(batch)
    assert isinstance(out, RaggedArray) and out.to_list() == [[3.0, 0.0, 7.0], [18.0, 0.0, 17.0]]
    out = jax.vmap(lambda v: rg.argmax(rg.from_offsets(offsets, v), axis=1, keepdims=True))(batch)
    assert out.to_list() == [[[2], [], [1]], [[2], [], [1]]]
    out = jax.vmap(lambda v: rg.var(rg.from_offsets(offsets, v), axis=0))(batch)
    assert out.to_list() == [[2.25, 2.25, 0.0], [2.25, 2.25, 0.0]]


def test_jax_dtypes_follow_jax_numpy():
    pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    i32 = rg.array([[1, 2], []], dtype="int32", backend="jax")
    assert rg.sum(i32, axis=1).dtype == jnp.sum(jnp.zeros(1, jnp.int32)).dtype
    assert rg.mean(i32, axis=1).dtype == jnp.mean(jnp.zeros(1, jnp.int32)).dtype
    assert rg.argmax(i32, axis=1).dtype == jnp.argmax(jnp.zeros(1, jnp.int32)).dtype
    assert rg.max(i32, axis=1).to_list() == [2, np.iinfo(np.int32).min]
    assert rg.any(i32, axis=1).to_list() == [True, False]


def test_jax_index_maps_are_not_cached_as_tracers():
    jax = pytest.importorskip("jax")
    x = rg.array(X, backend="jax")
    jax.jit(lambda v: rg.sum(v, axis=0))(x)
    assert jax.jit(lambda v: rg.max(v, axis=0))(x).to_list() == [4.0, 5.0, 3.0]
    assert rg.sum(x, axis=0).to_list() == [5.0, 7.0, 3.0]


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_initial_takes_the_result_dtype_as_numpy(backend):
    pytest.importorskip(backend)
    x = rg.array([[1, 2, 3], []], dtype=np.int8).to_backend(backend)
    a = np.array([1, 2, 3], np.int8)
    for fn, kw in [("max", {"initial": 10.7}), ("max", {"initial": 0.5}), ("min", {"initial": -3.5})]:
        out = getattr(rg, fn)(x, axis=1, **kw)
        want = getattr(np, fn)(a, **kw)
        assert out.to_list()[0] == want and "int8" in str(out.dtype), (fn, kw, out)
        assert out.to_list()[1] == int(kw["initial"])
    assert rg.sum(x, axis=1, initial=0.5).to_list() == [6, 0]
    assert rg.prod(x, axis=1, initial=2.5).to_list() == [int(np.prod(a, initial=2.5)), 2]
    with pytest.raises(OverflowError, match=r"rg\.max.*300.*int8"):
        rg.max(x, axis=1, initial=300)  # jax wrapped it to 44
    with pytest.raises(ValueError, match=r"rg\.min.*nan"):
        rg.min(x, axis=1, initial=math.nan)
    f = rg.array([[1.0, 5.0], []]).to_backend(backend)
    assert rg.max(f, axis=1, initial=2).to_list() == [5.0, 2.0]


def test_initial_may_be_traced_under_jit():
    jax = pytest.importorskip("jax")
    x = rg.array([[1.0, 3.0], [], [4.0]], backend="jax")
    f = jax.jit(lambda x, t: rg.max(x, axis=1, initial=t))
    assert f(x, 2.0).to_list() == [3.0, 2.0, 4.0]
    assert float(jax.grad(lambda t: rg.sum(rg.max(x, axis=1, initial=t)))(2.0)) == 1.0


@pytest.mark.parametrize("fn", ["mean", "var", "std"])
def test_statistics_refuse_an_integer_dtype(fn):
    x = rg.array([[1, 2, 4], [3], []])
    for dtype in (int, np.int32, bool):
        with pytest.raises(TypeError, match=rf"rg\.{fn}.*floating.*rg\.astype"):
            getattr(rg, fn)(x, axis=1, dtype=dtype)
    assert getattr(rg, fn)(x, axis=1, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_cumulative_sum_along_lists_keeps_the_dtype_asked_for(backend):
    pytest.importorskip(backend)
    x = rg.from_lengths(np.array([3, 0, 1]), np.array([100, 100, 100, 1], np.int8)).to_backend(backend)
    for dtype in (np.int8, np.int16):  # torch's cumsum widened both to int64
        out = rg.cumulative_sum(x, axis=1, dtype=dtype)
        assert np.dtype(dtype).name in str(out.dtype)
        assert out.to_list()[0] == np.cumsum(np.array([100, 100, 100], np.int8), dtype=dtype).tolist()


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
@pytest.mark.parametrize("fn", ["cumulative_sum", "cumulative_prod"])
@pytest.mark.parametrize("dtype", ["int8", "uint16", "int32"])
def test_running_sums_and_products_widen_small_integers_as_numpy(backend, fn, dtype):
    """jnp's cumulative product kept int8 (100 * 100 wrapped to 16) where NumPy, torch and
    jnp.prod widen: every backend now gives the exact running products."""
    pytest.importorskip(backend)
    x = rg.from_lengths(np.array([3, 0, 1]), np.array([100, 100, 100, 2], dtype)).to_backend(backend)
    expected = getattr(np, fn)(np.array([100, 100, 100], dtype)).tolist()  # widened by NumPy
    for y in (x, rg.with_capacity(x)):
        out = getattr(rg, fn)(y, axis=1)
        assert out.to_list() == [expected, [], [2]]
        assert np.dtype(str(out.dtype).removeprefix("torch.")).itemsize >= 4


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_softmax_of_a_list_holding_inf_is_nan_as_jax_nn(backend):
    pytest.importorskip(backend)
    x = rg.array([[math.inf, 0.0], [1.0, 2.0]], backend=backend)
    with np.errstate(invalid="ignore"):  # inf - inf on the numpy backend
        soft, log_soft = rg.softmax(x).to_list(), rg.log_softmax(x).to_list()
    assert np.isnan(soft[0]).all() and np.isnan(log_soft[0]).all()  # softmax gave [nan, 0.0]
    np.testing.assert_allclose(soft[1], [0.2689414213699951, 0.7310585786300049], rtol=1e-6)
