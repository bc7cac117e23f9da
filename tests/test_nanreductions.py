"""NumPy's NaN reducers and ptp: values against NumPy per list, NEP-18 dispatch, the conventions for
empty and all-NaN lists, exact derivatives (NaN entries get none), bounded arrays, bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import raggrad as rg

NAN = math.nan
LISTS = [[0.7, NAN, 2.1, -1.3], [], [NAN, NAN], [1.6], [-2.2, 0.3, NAN, 1.1, 0.3]]
NAN_REDUCERS = [
    "nansum",
    "nanprod",
    "nanmean",
    "nanvar",
    "nanstd",
    "nanmax",
    "nanmin",
    "nanargmax",
    "nanargmin",
]
#: raggrad's value where NumPy raises or warns (an empty list, a list of NaN only)
IDENTITY = {"nanmax": -math.inf, "nanmin": math.inf, "nanargmax": -1, "nanargmin": -1}


def _numpy(name: str, values: list[float], **kwargs: float) -> float:
    v = np.asarray(values, dtype=np.float64)
    if name in IDENTITY and not len(v):
        return IDENTITY[name]
    if name.startswith("nanarg") and np.all(np.isnan(v)):
        return -1  # NumPy raises ValueError
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # NumPy's RuntimeWarnings for empty and all-NaN slices
        return float(getattr(np, name)(v, **kwargs))


def _same(actual: list[float], expected: list[float]) -> None:
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAN_REDUCERS)
def test_values_per_list_match_numpy(name: str) -> None:
    out = getattr(rg, name)(rg.array(LISTS), axis=1)
    _same(out.to_list(), [_numpy(name, v) for v in LISTS])


@pytest.mark.parametrize("name", NAN_REDUCERS)
def test_values_of_all_elements_match_numpy(name: str) -> None:
    flat = [v for row in LISTS for v in row]
    out = getattr(rg, name)(rg.array(LISTS))
    assert np.ndim(out) == 0
    _same([float(out)], [_numpy(name, flat)])


@pytest.mark.parametrize("name", [*NAN_REDUCERS, "ptp"])
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_regular_arrays_match_numpy_exactly(name: str, axis: int | None) -> None:
    dense = np.array([[1.0, NAN, 3.0], [NAN, 2.0, 0.5], [2.0, -1.0, 2.0]])  # no slice of NaN only
    expected = getattr(np, name)(dense, axis=axis)
    out = getattr(rg, name)(rg.array(dense), axis=axis)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-12)


@pytest.mark.parametrize("name", [*NAN_REDUCERS, "ptp"])
def test_numpy_functions_dispatch_here(name: str) -> None:
    x = rg.array(LISTS)
    out = getattr(np, name)(x, axis=1)
    assert isinstance(out, rg.RaggedArray)
    _same(out.to_list(), getattr(rg, name)(x, axis=1).to_list())
    with pytest.raises(NotImplementedError, match="out="):
        getattr(np, name)(x, axis=1, out=np.zeros(5))


def test_numpy_keywords_reach_raggrad() -> None:
    x = rg.array(LISTS)
    assert np.nanvar(x, axis=1, ddof=1).to_list()[0] == pytest.approx(np.nanvar([0.7, 2.1, -1.3], ddof=1))
    assert np.nansum(x, axis=1, keepdims=True).type == "5 * 1 * float64"
    assert np.nanmax(x, axis=1, initial=0.0).to_list()[1:3] == [0.0, 0.0]
    with pytest.raises(NotImplementedError, match="mean="):
        np.nanvar(x, axis=1, mean=np.zeros(5))


def test_empty_and_all_nan_lists_follow_numpy_and_do_not_warn() -> None:
    x = rg.array([[], [NAN, NAN], [1.0, NAN]])
    # (the suite turns warnings into errors: NumPy warns for the second list, raggrad does not)
    assert rg.nansum(x, axis=1).to_list() == [0.0, 0.0, 1.0]
    assert rg.nanprod(x, axis=1).to_list() == [1.0, 1.0, 1.0]
    mean = rg.nanmean(x, axis=1).to_list()
    assert math.isnan(mean[0]) and math.isnan(mean[1]) and mean[2] == 1.0
    high = rg.nanmax(x, axis=1).to_list()
    assert high[0] == -math.inf and math.isnan(high[1]) and high[2] == 1.0
    assert rg.nanmax(x, axis=1, initial=-5.0).to_list() == [-5.0, -5.0, 1.0]
    assert rg.nanargmax(x, axis=1).to_list() == [-1, -1, 0]  # NumPy raises for the second list
    assert rg.nanargmin(x, axis=1, keepdims=True).to_list() == [[], [-1], [0]]
    with pytest.raises(ValueError, match="All-NaN"):
        np.nanargmax(np.array([NAN, NAN]))


def test_nanvar_is_nan_wherever_the_degrees_of_freedom_are_not_positive() -> None:
    x = rg.array([[1.0, NAN, 3.0], [5.0, NAN], [NAN]])
    assert rg.nanvar(x, axis=1, ddof=1).to_list()[:1] == [2.0]
    assert all(math.isnan(v) for v in rg.nanvar(x, axis=1, ddof=1).to_list()[1:])
    assert math.isnan(rg.nanvar(x, axis=1, ddof=3).to_list()[0])  # np.var would give inf
    assert rg.var(rg.array([[1.0, 3.0]]), axis=1, ddof=3).to_list() == [math.inf]
    with pytest.raises(ValueError, match="not both"):
        rg.nanvar(x, axis=1, correction=1, ddof=0.5)


def test_where_combines_with_the_nan_mask() -> None:
    x = rg.array([[1.0, NAN, 3.0], [4.0, 5.0]])
    where = rg.array([[False, True, True], [True, False]])
    assert rg.nansum(x, axis=1, where=where).to_list() == [3.0, 4.0]
    mean = rg.nanmean(x, axis=0, where=where).to_list()  # column 1: a NaN and a masked 5
    assert mean[0] == 4.0 and math.isnan(mean[1]) and mean[2] == 3.0
    with pytest.raises(ValueError, match="where="):
        rg.nansum(x, axis=1, where=rg.array([[True], [True, False]]))


def test_integer_arrays_hold_no_nan() -> None:
    x = rg.array([[3, 1, 2], [], [5]])
    assert rg.nansum(x, axis=1).to_list() == [6, 0, 5]
    assert rg.nanmax(x, axis=1).to_list() == rg.max(x, axis=1).to_list()
    assert rg.nanargmin(x, axis=1).to_list() == [1, -1, 0]
    assert rg.nanmean(x, axis=1).to_list()[0] == 2.0


def test_ptp_values_empty_lists_and_where() -> None:
    x = rg.array([[1.0, 5.0, 2.0], [], [4.0], [NAN, 1.0]])
    out = rg.ptp(x, axis=1).to_list()
    assert out[:3] == [4.0, 0.0, 0.0] and math.isnan(out[3])  # NaN propagates, as np.ptp's
    assert rg.ptp(rg.array([[3, -2], []]), axis=1).to_list() == [5, 0]  # no overflow for empty ints
    assert rg.ptp(x, axis=1, where=rg.array([[True, False, True], [], [True], [False, True]])).to_list() == [
        1.0,
        0.0,
        0.0,
        0.0,
    ]
    assert rg.ptp(rg.array([[1.0, 5.0], [2.0]]), axis=0).to_list() == [1.0, 0.0]
    with pytest.raises(TypeError, match="booleans"):
        rg.ptp(rg.array([[True, False]]), axis=1)


def test_nanargmax_without_elements_at_axis_none_is_minus_one_as_argmax() -> None:
    # no index to give: -1, as rg.argmax (NumPy raises), and the same for a bounded array, whose
    # number of elements is data under jit
    for x in (rg.array([[], []]), rg.with_capacity(rg.array([[], []]))):
        assert int(rg.nanargmax(x)) == int(rg.nanargmin(x)) == int(rg.argmax(x)) == -1
    assert int(rg.nanargmax(rg.array([[NAN], [NAN]]))) == -1


@pytest.mark.parametrize("fn", [rg.nanargmax, rg.nanargmin])
def test_nanargmax_without_elements_and_mask_identity_is_none_as_argmax(fn: object) -> None:
    x = rg.array([[], []])  # it gave -1 and [[-1]], where rg.argmax and awkward give None
    assert fn(x, axis=None, mask_identity=True) is None is rg.argmax(x, axis=None, mask_identity=True)
    assert fn(x, axis=None, mask_identity=True, keepdims=True).to_list() == [[None]]
    with pytest.raises(NotImplementedError, match=r"rg.nanarg(max|min): mask_identity=True is not supported"):
        fn(rg.with_capacity(rg.array([[], [1.0]])), axis=None, mask_identity=True)  # as rg.argmax


# ---- derivatives ----------------------------------------------------------------------------------
jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from jax.test_util import check_grads  # noqa: E402

SMOOTH = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd"]


@pytest.mark.parametrize("name", [*SMOOTH, "nanmax", "nanmin"])
def test_nan_entries_get_zero_derivative_and_the_others_the_plain_one(name: str) -> None:
    with jax.enable_x64(True):
        x = rg.array(LISTS, backend="jax")
        keep = ~np.isnan(np.asarray(x.values))
        weights = jnp.arange(1.0, 6.0)

        def f(v: rg.RaggedArray) -> jax.Array:
            out = getattr(rg, name)(v, axis=1).values
            return jnp.sum(jnp.where(jnp.isfinite(out), out * weights, 0.0))

        grad = np.asarray(jax.grad(f)(x).values)
        assert np.all(np.isfinite(grad)) and np.all(grad[~keep] == 0.0)
        # the plain reducer of the same lists without their NaN entries has the same derivative
        plain = getattr(rg, name.removeprefix("nan"))
        y = rg.array([[v for v in row if not math.isnan(v)] for row in LISTS], backend="jax")

        def g(v: rg.RaggedArray) -> jax.Array:
            out = plain(v, axis=1).values
            return jnp.sum(jnp.where(jnp.isfinite(out), out * weights, 0.0))

        np.testing.assert_allclose(grad[keep], np.asarray(jax.grad(g)(y).values), rtol=1e-12)


@pytest.mark.parametrize("name", SMOOTH)
def test_second_order_derivatives(name: str) -> None:
    with jax.enable_x64(True):
        values = jnp.asarray([0.7, NAN, 2.1, -1.3, 1.6, -2.2, 0.3, NAN, 1.1])
        offsets = np.array([0, 4, 4, 5, 9])

        def f(v: jax.Array) -> jax.Array:
            out = getattr(rg, name)(rg.from_offsets(offsets, v), axis=1).values
            return jnp.where(jnp.isfinite(out), out, 0.0)

        check_grads(f, (values,), order=2, modes=("fwd", "rev"))


def test_jit_and_bounded_arrays_match_exact_ones() -> None:
    x = rg.array(LISTS, backend="jax")
    b = rg.with_capacity(x)
    for name in [*NAN_REDUCERS, "ptp"]:
        fn = getattr(rg, name)
        expected = fn(x, axis=1).to_list()
        _same(jax.jit(lambda v, fn=fn: fn(v, axis=1))(x).to_list(), expected)
        _same(jax.jit(lambda v, fn=fn: fn(v, axis=1))(b).to_list(), expected)
        _same(fn(b, axis=0).to_list(), fn(x, axis=0).to_list())
        _same([float(fn(b))], [float(fn(x))])
    padded = rg.nanmax(b, axis=1).values  # padding slots of the result hold zeros
    assert np.all(np.asarray(padded)[len(LISTS) :] == 0)
    assert (
        rg.nanargmax(b, axis=1, keepdims=True).to_list() == rg.nanargmax(x, axis=1, keepdims=True).to_list()
    )


def test_torch_backward_gives_zero_at_nan_entries() -> None:
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.0, NAN, 3.0, NAN, 2.0], dtype=torch.float64, requires_grad=True)
    x = rg.from_offsets(np.array([0, 3, 4, 5]), t)
    total = rg.nanmean(x, axis=1).values
    torch.nansum(total).backward()
    assert t.grad.tolist() == [0.5, 0.0, 0.5, 0.0, 1.0]
