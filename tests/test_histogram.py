"""histogram, histogram2d, bincount: NumPy's values on the flattened values and per list, NEP-18
dispatch, derivatives in the weights (zero in the values), jit, bounded arrays, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import raggrad as rg
from raggrad._registry import numpy_functions

RNG = np.random.default_rng(7)
LENGTHS = [4, 0, 6, 1, 3]
VALUES = RNG.standard_normal(sum(LENGTHS))
WEIGHTS = RNG.standard_normal(sum(LENGTHS))
X = rg.from_lengths(LENGTHS, VALUES)
W = rg.from_lengths(LENGTHS, WEIGHTS)
BINS = [
    {},
    {"bins": 5},
    {"bins": 4, "range": (-1.0, 1.0)},
    {"bins": [-2.0, -0.5, 0.0, 0.3, 3.0]},
    {"bins": 3, "density": True},
]


def _lists(x: rg.RaggedArray) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in x.to_list()]


@pytest.mark.parametrize("kwargs", BINS)
@pytest.mark.parametrize("weighted", [False, True])
def test_histogram_equals_numpy_on_the_flattened_values(kwargs: dict, weighted: bool) -> None:
    extra = {"weights": W} if weighted else {}
    hist, edges = rg.histogram(X, **kwargs, **extra)
    ref_hist, ref_edges = np.histogram(VALUES, **kwargs, weights=WEIGHTS if weighted else None)
    assert hist.type == f"{len(ref_hist)} * {ref_hist.dtype}"
    np.testing.assert_allclose(np.asarray(hist.values), ref_hist, rtol=1e-12)
    np.testing.assert_array_equal(np.asarray(edges.values), ref_edges)


def test_numpy_functions_dispatch_here() -> None:
    assert {np.histogram, np.histogram2d, np.bincount} <= set(numpy_functions())
    hist, edges = np.histogram(X, bins=4, weights=W)
    assert isinstance(hist, rg.RaggedArray) and isinstance(edges, rg.RaggedArray)
    np.testing.assert_allclose(np.asarray(hist.values), np.histogram(VALUES, bins=4, weights=WEIGHTS)[0])
    h2, _, _ = np.histogram2d(X, W, bins=3)
    np.testing.assert_allclose(np.asarray(h2.values), np.histogram2d(VALUES, WEIGHTS, bins=3)[0])
    counts = np.bincount(rg.array([[0, 2], [], [2, 5]]))
    assert counts.to_list() == np.bincount([0, 2, 2, 5]).tolist()


def test_float32_values_get_numpys_float32_edges_and_bins() -> None:
    values = np.linspace(-1, 1, 101, dtype=np.float32)
    x = rg.from_lengths([50, 51], values)
    for bins in (7, 10, 33):
        hist, edges = rg.histogram(x, bins=bins)
        ref_hist, ref_edges = np.histogram(values, bins=bins)
        assert edges.dtype == np.float32
        np.testing.assert_array_equal(np.asarray(edges.values), ref_edges)
        np.testing.assert_array_equal(np.asarray(hist.values), ref_hist)


def test_edges_are_numpys_the_last_bin_closed_values_outside_and_nan_left_out() -> None:
    x = rg.array([[0.0, 1.0, 2.0], [], [3.0, 4.0, math.nan]])
    hist, edges = rg.histogram(x, bins=2, range=(1.0, 3.0))
    assert hist.to_list() == [1, 2] and edges.to_list() == [1.0, 2.0, 3.0]
    same, edges = rg.histogram(rg.array([[2.0, 2.0]]), bins=2)
    assert same.to_list() == [0, 2] and edges.to_list() == [1.5, 2.0, 2.5]  # NumPy widens by 0.5
    empty, edges = rg.histogram(rg.array([[], []]), bins=2)
    assert empty.to_list() == [0, 0] and edges.to_list() == [0.0, 0.5, 1.0]


def test_one_histogram_per_list() -> None:
    hist, _ = rg.histogram(X, bins=4, range=(-2, 2), weights=W, axis=1)
    assert hist.type == "5 * 4 * float64"
    for h, v, w in zip(hist.to_list(), _lists(X), _lists(W)):
        np.testing.assert_allclose(h, np.histogram(v, bins=4, range=(-2, 2), weights=w)[0], rtol=1e-12)
    nested = rg.from_lengths([2, 0, 3], X)
    per_list = rg.histogram(nested, bins=4, range=(-2, 2), axis=-1)[0]
    assert per_list.type == "3 * var * 4 * int64"
    assert rg.flatten(per_list).to_list() == rg.histogram(X, bins=4, range=(-2, 2), axis=1)[0].to_list()
    edges_all = rg.histogram(X, bins=4)[1]
    assert rg.histogram(X, bins=4, axis=1)[1].to_list() == edges_all.to_list()  # one set of edges


def test_density_per_list_and_weights_that_broadcast() -> None:
    hist = rg.histogram(X, bins=3, range=(-2, 2), density=True, axis=1)[0].to_list()
    for h, v in zip(hist, _lists(X)):
        if len(v):
            np.testing.assert_allclose(h, np.histogram(v, bins=3, range=(-2, 2), density=True)[0])
        else:
            assert all(math.isnan(c) for c in h)  # 0 / 0, as NumPy's (which warns)
    per_event = rg.array(np.arange(1.0, 6.0))  # one weight per list, for each of its values
    hist = rg.histogram(X, bins=3, weights=per_event)[0]
    expanded = np.repeat(np.arange(1.0, 6.0), LENGTHS)
    np.testing.assert_allclose(np.asarray(hist.values), np.histogram(VALUES, bins=3, weights=expanded)[0])


def test_values_with_inner_dimensions_are_flattened() -> None:
    x = rg.from_lengths([2, 0, 1], np.arange(6.0).reshape(3, 2))
    assert rg.histogram(x, bins=3)[0].to_list() == np.histogram(np.arange(6.0), bins=3)[0].tolist()
    assert rg.histogram(x, bins=3, range=(0, 6), axis=1)[0].to_list() == [[2, 2, 0], [0, 0, 0], [0, 0, 2]]


def test_histogram2d_equals_numpy() -> None:
    for bins in (3, (2, 4), [np.array([-3.0, 0.0, 3.0]), 3], np.array([-2.0, -1.0, 0.5, 2.0])):
        for density in (False, True):
            h, xe, ye = rg.histogram2d(X, W, bins=bins, density=density, weights=W * W)
            rh, rxe, rye = np.histogram2d(VALUES, WEIGHTS, bins=bins, density=density, weights=WEIGHTS**2)
            np.testing.assert_allclose(np.asarray(h.values), rh, rtol=1e-12)
            np.testing.assert_array_equal(np.asarray(xe.values), rxe)
            np.testing.assert_array_equal(np.asarray(ye.values), rye)
    ints = rg.array([[1, 2], [], [3]])  # coordinates of two dtypes: one common one, as NumPy's
    h, xe, ye = rg.histogram2d(ints, rg.astype(ints, "float32"), bins=2)
    rh, rxe, rye = np.histogram2d([1, 2, 3], np.array([1, 2, 3], np.float32), bins=2)
    assert h.to_list() == rh.tolist() and xe.to_list() == rxe.tolist() and ye.to_list() == rye.tolist()


def test_bincount_equals_numpy() -> None:
    x = rg.array([[0, 3, 3], [], [1, 5]])
    flat = np.array([0, 3, 3, 1, 5])
    assert rg.bincount(x).to_list() == np.bincount(flat).tolist()
    assert rg.bincount(x, minlength=9).to_list() == np.bincount(flat, minlength=9).tolist()
    w = rg.array([[0.5, 1.0, 2.0], [], [4.0, 8.0]])
    assert rg.bincount(x, w).to_list() == np.bincount(flat, [0.5, 1.0, 2.0, 4.0, 8.0]).tolist()
    assert rg.bincount(x, length=4).to_list() == [1, 1, 0, 2]  # 5 >= length: left out
    assert rg.bincount(x, axis=1, length=6).to_list() == [[1, 0, 0, 2, 0, 0], [0] * 6, [0, 1, 0, 0, 0, 1]]
    assert rg.bincount(rg.array([[True, False, True]])).to_list() == [1, 2]
    assert rg.bincount(rg.array([[], []], dtype="int64")).to_list() == []


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: rg.histogram(X, bins="auto"), NotImplementedError, "estimator"),
        (lambda: rg.histogram(X, bins=0), ValueError, "bins must be positive"),
        (lambda: rg.histogram(X, bins=[1.0, 0.0, 2.0]), ValueError, "increase monotonically"),
        (lambda: rg.histogram(X, range=(2.0, 1.0)), ValueError, "max must be larger than min"),
        (lambda: rg.histogram(X, range=(0.0, math.inf)), ValueError, "not finite"),
        (lambda: rg.histogram(rg.array([[1.0, math.nan]])), ValueError, r"range .* not finite; pass range="),
        (lambda: rg.histogram(X, weights=rg.array([[1.0]])), ValueError, "weights=.*outer lengths"),
        (
            lambda: rg.histogram(X, weights=rg.from_lengths(LENGTHS, rg.from_lengths([1] * 14, VALUES))),
            ValueError,
            "must broadcast to the values' type",
        ),
        (lambda: rg.histogram(X, weights=rg.astype(X, "complex128")), TypeError, "real numbers"),
        (lambda: rg.histogram(rg.from_lengths([1, 1], X[:2]), axis=1), NotImplementedError, "innermost"),
        (lambda: rg.histogram2d(X, rg.array([[1.0]])), ValueError, "y"),
        (lambda: rg.histogram2d(X, W, bins=[5]), ValueError, "one entry"),
        (lambda: rg.bincount(X), TypeError, "non-negative integers"),
        (lambda: rg.bincount(rg.array([[1, -2]])), ValueError, "no negative elements"),
        # with length= too: a negative value was left out silently (NumPy raises)
        (lambda: rg.bincount(rg.array([[0, -1, 2]]), length=3), ValueError, "no negative elements"),
        # soft histograms: one bandwidth, edges not an estimator (NumPy's "only 0-dimensional ...")
        (
            lambda: rg.hep.soft_histogram(rg.array([[0.5]]), [0.0, 1.0], bandwidth=[0.1]),
            TypeError,
            r"rg\.hep\.soft_histogram: bandwidth must be one positive number",
        ),
        (
            lambda: rg.hep.soft_histogram(rg.array([[0.5]]), [0.0, 1.0], bandwidth=rg.array([[0.1]])),
            TypeError,
            "bandwidth must be one positive number",
        ),
        (
            lambda: rg.hep.soft_histogram(rg.array([[0.5]]), "auto", bandwidth=0.1),
            TypeError,
            "bins must be the edges",
        ),
        (lambda: rg.hep.soft_histogram(rg.array([[0.5]]), [0.0, 1.0], bandwidth=None), TypeError, "not None"),
        (lambda: rg.hep.soft_histogram(rg.array([[0.5]]), [0.0, 1.0], bandwidth=True), TypeError, "not True"),
        (lambda: rg.bincount(rg.array([[1]]), minlength=-1), ValueError, "minlength"),
        (lambda: np.histogram(X, bins=3, normed=True), TypeError, "normed"),
    ],
)
def test_bad_arguments_raise_named_errors(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


# ---- derivatives, jit, bounded arrays ---------------------------------------------------------------
jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402


def test_differentiable_in_the_weights_zero_in_the_values() -> None:
    with jax.enable_x64(True):
        x, w = rg.to_backend(X, "jax"), rg.to_backend(W, "jax")
        coef = jnp.arange(1.0, 5.0)

        def loss(x: rg.RaggedArray, w: rg.RaggedArray) -> jax.Array:
            return jnp.sum(rg.histogram(x, bins=4, range=(-1, 1), weights=w)[0].values * coef)

        gx, gw = jax.grad(loss, argnums=(0, 1))(x, w)
        assert np.all(np.asarray(gx.values) == 0.0)
        ids = np.clip(np.floor((VALUES + 1) / 0.5), 0, 3).astype(int)
        inside = (VALUES >= -1) & (VALUES <= 1)
        np.testing.assert_allclose(np.asarray(gw.values), np.where(inside, np.arange(1.0, 5.0)[ids], 0.0))
        # forward mode and second order agree (linear in the weights)
        _, tangent = jax.jvp(lambda w: loss(x, w), (w,), (w,))
        assert float(tangent) == pytest.approx(float(loss(x, w)))


def test_jit_matches_eager_and_numpy() -> None:
    with jax.enable_x64(True):
        x, w = rg.to_backend(X, "jax"), rg.to_backend(W, "jax")
        for kwargs in BINS:
            eager = rg.histogram(x, weights=w, **kwargs)
            jitted = jax.jit(lambda x, w, kw=kwargs: rg.histogram(x, weights=w, **kw))(x, w)
            ref = np.histogram(VALUES, weights=WEIGHTS, **kwargs)
            for a, b, r in zip(eager, jitted, ref):
                np.testing.assert_allclose(np.asarray(a.values), r, rtol=1e-12)
                np.testing.assert_allclose(np.asarray(b.values), r, rtol=1e-12)
        counts = jax.jit(lambda v: rg.bincount(v, length=4, axis=1))(
            rg.array([[0, 3, 3], [], [1]], backend="jax")
        )
        assert counts.to_list() == [[1, 0, 0, 2], [0, 0, 0, 0], [0, 1, 0, 0]]
        with pytest.raises(rg.TracedStructureError, match="length="):
            jax.jit(rg.bincount)(rg.array([[0, 3]], backend="jax"))


def test_bounded_padding_is_never_counted() -> None:
    x = rg.to_backend(X, "jax")
    b, wb = rg.with_capacity(x), rg.with_capacity(rg.to_backend(W, "jax"))
    for axis in (None, 1):
        for kwargs in ({"bins": 4}, {"bins": 4, "range": (-1, 1)}, {"bins": 3, "density": True}):
            expected = rg.histogram(x, axis=axis, **kwargs)
            for out in (
                rg.histogram(b, axis=axis, **kwargs),
                jax.jit(lambda v, a=axis, kw=kwargs: rg.histogram(v, axis=a, **kw))(b),
            ):
                np.testing.assert_allclose(
                    np.asarray(out[0].to_list()), np.asarray(expected[0].to_list()), rtol=1e-5
                )
                np.testing.assert_allclose(
                    np.asarray(out[1].values), np.asarray(expected[1].values), rtol=1e-6
                )
    per_list = jax.jit(lambda v, w: rg.histogram(v, bins=4, weights=w, axis=1))(b, wb)[0]
    assert rg.is_bounded(per_list) and np.all(np.asarray(per_list.values)[len(LENGTHS) :] == 0)
    ints = rg.with_capacity(rg.array([[0, 3, 3], [], [1]], backend="jax"))
    assert rg.bincount(ints).to_list() == [1, 1, 0, 2]


def test_torch_weights_get_gradients() -> None:
    torch = pytest.importorskip("torch")
    w = torch.tensor(WEIGHTS, requires_grad=True)
    hist, _ = rg.histogram(
        rg.to_backend(X, "torch"), bins=4, range=(-1, 1), weights=rg.from_lengths(LENGTHS, w)
    )
    hist.values.sum().backward()
    inside = (VALUES >= -1) & (VALUES <= 1)
    np.testing.assert_array_equal(w.grad.numpy(), inside.astype(float))


def test_torch_density_of_float64_values_is_float64() -> None:
    pytest.importorskip("torch")
    x = rg.to_backend(X, "torch")
    for hist in (rg.histogram(x, bins=3, density=True)[0], rg.histogram2d(x, x, bins=2, density=True)[0]):
        assert str(hist.type).endswith("float64")
    np.testing.assert_allclose(
        np.asarray(rg.histogram(x, bins=3, density=True)[0].to_list()),
        np.histogram(VALUES, bins=3, density=True)[0],
        rtol=1e-12,
    )


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_small_integer_and_boolean_weights_keep_their_dtype_as_numpy(backend):
    pytest.importorskip(backend)
    values = np.array([0.5, 0.5, 0.5, 1.5])
    x = rg.from_lengths(np.array([4]), values).to_backend(backend)
    weights = np.array([100, 100, 100, 1], np.int8)
    for bins, span in ((2, (0, 2)), (3, (0, 3))):  # no empty bin, then one: int64 for the first
        got = rg.histogram(
            x, bins=bins, range=span, weights=rg.from_lengths(np.array([4]), weights).to_backend(backend)
        )[0]
        want = np.histogram(values, bins=bins, range=span, weights=weights)[0]
        assert got.to_list() == want.tolist() and "int8" in str(got.dtype)
    flags = np.array([True, True, False, True])  # jax raised "add does not accept dtype bool"
    for axis in (None, 1):
        got = rg.histogram(
            x,
            bins=2,
            range=(0, 2),
            weights=rg.from_lengths(np.array([4]), flags).to_backend(backend),
            axis=axis,
        )[0]
        want = np.histogram(values, bins=2, range=(0, 2), weights=flags)[0]
        assert rg.flatten(got, axis=None).to_list() == want.tolist() and "bool" in str(got.dtype)
