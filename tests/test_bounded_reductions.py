"""Reducers and cumulative ops on bounded arrays where the result's shape is static but its
construction differs from the exact path: ``keepdims=True`` with ``axis=None`` (a structure of
lists of one), and cumulative ops with ``include_initial=True`` (one more element per list)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import raggrad as rg

# every value above 1, so a reduction that reads a padding zero (min, prod, ptp, any/all of x < 1,
# argmin, count_nonzero) gives a different result
LISTS = [[1.5, 2.0, 3.0], [], [4.0, 5.5]]
DEEP = [[[1.5, 2.0], []], [], [[3.0], [4.0, 5.5, 6.0]]]

REDUCERS: dict[str, Callable[..., Any]] = {
    name: getattr(rg, name)
    for name in (
        "sum",
        "prod",
        "mean",
        "var",
        "std",
        "min",
        "max",
        "ptp",
        "argmin",
        "argmax",
        "count",
        "nansum",
        "nanprod",
        "nanmean",
        "nanvar",
        "nanstd",
        "nanmin",
        "nanmax",
        "nanargmin",
        "nanargmax",
        "logsumexp",
    )
}
BOOLEAN: dict[str, Callable[..., Any]] = {"any": rg.any, "all": rg.all, "count_nonzero": rg.count_nonzero}


def _flat(v: Any) -> list[Any]:
    return [y for item in v for y in _flat(item)] if isinstance(v, list) else [v]


def _same(a: Any, b: Any) -> None:
    """Nested lists of equal nesting and values (up to float tolerance)."""
    assert repr(a).count("[") == repr(b).count("["), (a, b)
    np.testing.assert_allclose(
        np.asarray(_flat(a), dtype=float), np.asarray(_flat(b), dtype=float), rtol=1e-6
    )


def _bounded_grad_equals_exact(loss: Callable[[Any], Any]) -> None:
    """``rg.grad(loss)`` under jit on a bounded DEEP equals it on the exact one; padding gets 0."""
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        x = rg.to_backend(rg.array(DEEP), "jax")
        expected = rg.grad(loss)(x)
        got = jax.jit(rg.grad(loss))(rg.with_capacity(x))
        assert rg.is_bounded(got)
        np.testing.assert_allclose(np.asarray(got.values)[6:], 0.0)  # padding: zero gradient
    _same(got.to_list(), expected.to_list())


def _case(name: str) -> tuple[Callable[..., Any], Callable[[Any], Any]]:
    """The reducer and what it takes (the boolean ones a comparison that padding zeros fail)."""
    if name in BOOLEAN:
        return BOOLEAN[name], lambda v: v > 1.0
    return REDUCERS[name], lambda v: v


ALL = sorted([*REDUCERS, *BOOLEAN])


@pytest.mark.parametrize("lists", [LISTS, DEEP], ids=["1-level", "2-level"])
@pytest.mark.parametrize("name", ALL)
def test_keepdims_with_axis_none_equals_the_exact_result(name: str, lists: Any) -> None:
    f, arg = _case(name)
    x = rg.array(lists)
    expected = f(arg(x), axis=None, keepdims=True)
    got = f(arg(rg.with_capacity(x)), axis=None, keepdims=True)
    assert got.type == expected.type
    _same(got.to_list(), expected.to_list())


@pytest.mark.parametrize("name", ALL)
def test_keepdims_with_axis_none_under_jit_gives_a_bounded_result_of_ones(name: str) -> None:
    jax = pytest.importorskip("jax")
    f, arg = _case(name)
    x = rg.array(DEEP)
    expected = f(arg(x), axis=None, keepdims=True)
    with jax.enable_x64(True):
        b = rg.with_capacity(rg.to_backend(x, "jax"))
        got = jax.jit(lambda v: f(arg(v), axis=None, keepdims=True))(b)
    assert got.type == expected.type
    _same(got.to_list(), expected.to_list())
    if name not in ("argmin", "argmax", "nanargmin", "nanargmax"):
        assert rg.is_bounded(got) and rg.capacity(got) == ((1, 1), 1)


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "std", "min", "max", "ptp", "logsumexp", "nanvar"])
def test_keepdims_with_axis_none_differentiates_like_the_exact_result(name: str) -> None:
    pytest.importorskip("jax")
    f = REDUCERS[name]

    def loss(v: Any) -> Any:
        return rg.sum(rg.sin(f(v * v, axis=None, keepdims=True)))

    _bounded_grad_equals_exact(loss)


def test_keepdims_with_axis_none_of_an_invalid_array_stays_invalid() -> None:
    jax = pytest.importorskip("jax")
    a = rg.with_capacity(rg.array(LISTS, backend="jax"), lists=4, elements=8)
    b = rg.with_capacity(rg.array([[1.0], [2.0, 3.0], [4.0, 5.0]], backend="jax"), lists=4, elements=8)
    out = jax.jit(lambda u, v: rg.sum(u + v, axis=None, keepdims=True))(a, b)
    with pytest.raises(ValueError, match="invalid"):
        out.to_list()


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_over_all_axes_equals_the_exact_result(name: str) -> None:
    jax = pytest.importorskip("jax")
    f = getattr(rg, name)
    x = rg.array(DEEP)
    expected = f(x, axis=None)
    _same(
        rg.flatten(f(rg.with_capacity(x), axis=None), axis=None).to_list(),
        rg.flatten(expected, axis=None).to_list(),
    )
    with jax.enable_x64(True):
        got = jax.jit(lambda v: f(v, axis=None))(rg.with_capacity(rg.to_backend(x, "jax")))
    assert got.type == expected.type
    _same(got.to_list(), expected.to_list())


# ---- arrays without ragged dimensions: the padding is along the outer axis ----------------------
FLAT = [np.array([1.5, 2.0, 3.0]), np.array([[1.5, 2.0], [3.0, 4.0], [5.5, 1.25]])]
ALONG = {
    "softmax": rg.softmax,
    "log_softmax": rg.log_softmax,
    "cumulative_sum": rg.cumulative_sum,
    "cumulative_prod": rg.cumulative_prod,
    "sort": rg.sort,
    "argsort": rg.argsort,
}


@pytest.mark.parametrize("values", FLAT, ids=["n", "n*2"])
@pytest.mark.parametrize("name", [*ALL, *ALONG])
def test_arrays_without_ragged_dims_equal_the_exact_result_at_every_axis(name: str, values: Any) -> None:
    # rg.flatten(bounded, axis=None) gives such arrays: their padding slots are items of the outer
    # axis, which no reduction along it may count (every value above 1, as above)
    jax = pytest.importorskip("jax")
    f, arg = (ALONG[name], lambda v: v) if name in ALONG else _case(name)
    x = rg.array(values)
    axes = [0, -1] + ([1] if values.ndim > 1 else []) + ([None] if name not in ALONG else [])
    with jax.enable_x64(True):
        b = rg.with_capacity(rg.to_backend(x, "jax"))
        for axis in axes:
            expected = f(arg(x), axis=axis)
            for got in (f(arg(b), axis=axis), jax.jit(lambda v, a=axis: f(arg(v), axis=a))(b)):
                got = got.to_list() if isinstance(got, rg.RaggedArray) else np.asarray(got).tolist()
                want = expected.to_list() if isinstance(expected, rg.RaggedArray) else expected.tolist()
                _same(got, want)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_selection_over_no_elements_gives_minus_one_as_for_exact_arrays(name: str) -> None:
    # a mask that selects nothing leaves a bounded array of padding only: no index to give
    jax = pytest.importorskip("jax")
    f = REDUCERS[name]
    x = rg.array(LISTS, backend="jax")
    b = rg.with_capacity(x)
    none = rg.array([[], []])
    for empty, bounded in [(none, rg.with_capacity(none)), (x[x > 100], b[b > 100])]:
        assert int(f(empty)) == -1 and int(f(bounded)) == -1
        assert f(bounded, keepdims=True).to_list() == f(empty, keepdims=True).to_list() == [[-1]]
    assert int(jax.jit(lambda v: f(v[v > 100]))(b)) == -1
    assert int(jax.jit(f)(b)) == int(f(x))


# ---- cumulative ops with include_initial=True ------------------------------------------------------
CUMULATIVE = {"cumulative_sum": rg.cumulative_sum, "cumulative_prod": rg.cumulative_prod}


@pytest.mark.parametrize("lists", [LISTS, DEEP], ids=["1-level", "2-level"])
@pytest.mark.parametrize("name", sorted(CUMULATIVE))
def test_include_initial_prepends_the_identity_to_every_list(name: str, lists: Any) -> None:
    jax = pytest.importorskip("jax")
    f = CUMULATIVE[name]
    x = rg.array(lists)
    expected = f(x, axis=-1, include_initial=True)
    b = rg.with_capacity(x)
    got = f(b, axis=-1, include_initial=True)
    assert got.type == expected.type and rg.is_bounded(got)
    _same(got.to_list(), expected.to_list())
    lists_cap, elements = rg.capacity(b)
    assert rg.capacity(got) == (lists_cap, elements + lists_cap[-1])  # a static function of them
    assert not np.any(np.asarray(got.values)[int(rg.num(rg.flatten(expected, axis=None), axis=0)) :])
    with jax.enable_x64(True):
        traced = jax.jit(lambda v: f(v, axis=-1, include_initial=True))(rg.to_backend(b, "jax"))
    assert traced.type == expected.type
    _same(traced.to_list(), expected.to_list())


@pytest.mark.parametrize("name", sorted(CUMULATIVE))
def test_include_initial_differentiates_like_the_exact_result(name: str) -> None:
    pytest.importorskip("jax")
    f = CUMULATIVE[name]

    def loss(v: Any) -> Any:
        return rg.sum(rg.sin(f(v, axis=-1, include_initial=True)) * 1.7)

    _bounded_grad_equals_exact(loss)


def test_include_initial_along_regular_axes_of_bounded_arrays() -> None:
    x = rg.array([[[1.0, 2.0], [3.0, 4.0]], [], [[5.0, 6.0]]])
    b = rg.with_capacity(x)
    for f in CUMULATIVE.values():
        expected = f(x, axis=2, include_initial=True)
        got = f(b, axis=2, include_initial=True)
        assert got.type == expected.type and got.to_list() == expected.to_list()
    sums = rg.sum(rg.with_capacity(rg.array(LISTS)), axis=1)  # bounded, no lists left
    got = rg.cumulative_sum(sums, axis=0, include_initial=True)
    assert rg.is_bounded(got) and got.type == "4 * float64"
    assert got.to_list() == [0.0, 6.5, 6.5, 16.0]
    assert rg.capacity(got).lists == (rg.capacity(sums).lists[0] + 1,)


def test_include_initial_along_an_outer_ragged_axis_is_refused_as_for_exact_arrays() -> None:
    with pytest.raises(NotImplementedError, match="innermost ragged axis"):
        rg.cumulative_sum(rg.with_capacity(rg.array(DEEP)), axis=1, include_initial=True)


@pytest.mark.parametrize("kind", ["argmax", "argmin"])
def test_torch_bounded_arg_selection_equals_the_exact_one(kind):
    # the NaN check gathers booleans by list with a fill: they stay booleans on torch
    pytest.importorskip("torch")
    exact = rg.array([[1.0, 3.0, 2.0], [], [4.0, float("nan")], [-1.0]], backend="torch")
    b = rg.with_capacity(exact)
    i, j = getattr(rg, kind)(b, axis=1, keepdims=True), getattr(rg, kind)(exact, axis=1, keepdims=True)
    assert i.to_list() == j.to_list()
    assert str(b[i].to_list()) == str(exact[j].to_list())
