"""Reducers on arrays with missing values (option types) and ``mask_identity=``: awkward's values
and types, derivatives that skip missing slots (zero there, never NaN), jit, and the errors."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad.testing.strategies import ragged_arrays

ak = pytest.importorskip("awkward")

REDUCERS = ["sum", "prod", "mean", "var", "std", "max", "min", "argmax", "argmin"]
REDUCERS += ["any", "all", "count", "count_nonzero"]
NAN_REDUCERS = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin"]
NAN_REDUCERS += ["nanargmax", "nanargmin", "ptp"]

CASES = [
    [[1.0, None, 3.0], None, [], [None], [5.0, 2.0]],
    [[None, None], [0.0, -1.0, None], None],
    [[[1.0, None], None, [2.0]], None, [[], [None, 4.0]], [[3.0, 3.0, None]]],
    [1.0, None, -2.0, 0.0],
]


def _close(a, b) -> bool:
    """Equal nested lists: None where the other has None, numbers equal (NaN equal to NaN)."""
    a = a.item() if isinstance(a, np.generic) else a
    b = b.item() if isinstance(b, np.generic) else b
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(map(_close, a, b))
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(np.isclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))


def _inner_lists_missing(x: RaggedArray, axis: int) -> bool:
    """Whether lists below ragged axis ``axis`` (and above the innermost elements) are missing."""
    masks = x._structure.masks
    depth = axis if axis >= 0 else x._structure.nlevels + 1 + axis
    return masks is not None and any(m is not None and not m.all() for m in masks[depth + 1 : -1])


def _check(op: str, data: list, axis, mask_identity: bool, keepdims: bool = False) -> None:
    x, a = rg.array(data), ak.Array(data)
    try:
        want = getattr(ak, op)(a, axis=axis, mask_identity=mask_identity, keepdims=keepdims)
    except Exception:  # awkward refuses it (an axis too deep): nothing to compare
        return
    if op.endswith(("argmax", "argmin")) and axis is not None and _inner_lists_missing(x, axis):
        return  # awkward's index also skips lists missing below the reduced axis (see the module doc)
    got = getattr(rg, op)(x, axis=axis, mask_identity=mask_identity, keepdims=keepdims)
    if isinstance(want, ak.Array):
        assert isinstance(got, RaggedArray), (op, axis, got)
        assert _close(got.to_list(), want.to_list()), (op, axis, got.to_list(), want.to_list())
        if not keepdims:  # raggrad's keepdims is a ragged dimension of 1 where awkward's is regular
            assert got.type == str(want.type), (op, axis, got.type, str(want.type))
    else:
        got = got.item() if hasattr(got, "item") else got
        assert _close(got, want), (op, axis, got, want)


@pytest.mark.parametrize("op", REDUCERS + NAN_REDUCERS)
def test_cases_equal_awkward(op):
    with np.errstate(all="ignore"):
        for data in CASES:
            for axis in (None, 0, 1, -1):
                _check(op, data, axis, False)
                _check(op, data, axis, True, keepdims=not op.endswith(("argmax", "argmin")))


@settings(max_examples=8)
@given(
    x=st.integers(1, 3).flatmap(
        lambda d: ragged_arrays(
            depth=d, allow_none=True, max_outer=4, max_list_length=3, min_value=-3, max_value=3
        )
    ),
    op=st.sampled_from([*REDUCERS, "nansum", "nanmax", "ptp"]),
    mask_identity=st.booleans(),
)
def test_generated_arrays_equal_awkward(x, op, mask_identity):
    with np.errstate(all="ignore"):
        for axis in (None, *range(x._structure.nlevels + 1)):
            _check(op, x.to_list(), axis, mask_identity)


def test_defaults_keep_the_contract():
    x = rg.array([[1.0, None], None, [], [None]])
    assert rg.sum(x, axis=1).to_list() == [1.0, None, 0.0, 0.0]
    assert rg.max(x, axis=1).to_list() == [1.0, None, -math.inf, -math.inf]
    assert rg.argmax(x, axis=1).to_list() == [0, None, -1, -1]
    m = rg.mean(x, axis=1).to_list()
    assert m[:2] == [1.0, None] and math.isnan(m[2]) and math.isnan(m[3])
    assert rg.max(x, axis=1, mask_identity=True).to_list() == [1.0, None, None, None]
    assert rg.max(x, axis=1, mask_identity=True).type == "4 * ?float64"


def test_mask_identity_without_missing_values():
    x = rg.array([[1.0, 3.0], [], [2.0]])
    got = rg.min(x, axis=1, mask_identity=True)
    assert got.to_list() == [1.0, None, 2.0] and got.type == "3 * ?float64"
    assert rg.sum(rg.array([[], []]), mask_identity=True) is None
    assert rg.sum(x, axis=0, mask_identity=True).type == "2 * ?float64"


def test_argmax_keepdims_gives_one_entry_per_list():
    x = rg.array([[1.0, 3.0, None], [], None, [None]])
    got = rg.argmax(x, axis=1, keepdims=True, mask_identity=True)
    assert got.to_list() == [[1], [None], None, [None]]
    assert got.type == "4 * option[var * ?int64]"
    assert rg.argmax(x, axis=1, keepdims=True).to_list() == [[1], [], None, []]
    assert rg.argmin(x, axis=None, keepdims=True, mask_identity=True).to_list() == [[0]]
    assert rg.argmax(rg.array([[None]]), axis=None, mask_identity=True) is None
    assert int(rg.argmax(rg.array([[None]]), axis=None)) == -1


@pytest.mark.parametrize("inner", ["2 * float64", "var * float64"])
def test_argmin_along_missing_rows_counts_the_present_rows_only(inner):
    # awkward leaves a missing list or regular row out of the positions (a missing number counts)
    data = [[], [None, None, [1.0, -1.0], [0.5, 3.0]], None, [[2.0, 2.0], None, [1.0, 5.0]]]
    a = ak.enforce_type(ak.Array(data), f"option[var * option[{inner}]]")
    x = rg.from_awkward(a)
    for name in ("argmin", "argmax", "nanargmin", "nanargmax"):
        want = getattr(ak, name)(a, axis=1, mask_identity=False).to_list()
        assert getattr(rg, name)(x, axis=1).to_list() == want, name
    assert rg.argmin(rg.array([[None, None, -1.0, 2.0]]), axis=1).to_list() == [2]


def test_softmax_leaves_missing_values_out():
    data = [[1.0, None, 3.0], None, [None], [], [2.0]]
    got, want = rg.softmax(rg.array(data)), ak.softmax(ak.Array(data), axis=-1)
    assert _close(got.to_list(), want.to_list()) and got.type == str(want.type)
    logs = rg.log_softmax(rg.array(data)).to_list()
    assert _close(logs, [[math.log(v) if v else v for v in r] if r else r for r in want.to_list()])
    assert rg.logsumexp(rg.array(data), axis=1, mask_identity=True).to_list()[1:4] == [None, None, None]


def test_torch_values():
    torch = pytest.importorskip("torch")
    x = rg.array([[1.0, None, 3.0], None, [None]]).to_backend("torch")
    assert rg.sum(x, axis=1, mask_identity=True).to_list() == [4.0, None, None]
    c = torch.tensor([1.0, 0.0, 3.0, 0.0], requires_grad=True)
    rg.sum(RaggedArray._new(x._structure, c) ** 2, axis=1).to_list()  # a graph through the masks
    y = rg.max(RaggedArray._new(x._structure, c), axis=1)
    y._content.sum().backward()
    assert c.grad.tolist() == [0.0, 0.0, 1.0, 0.0]


# ---- derivatives: the reduction over the present values, zero at missing slots --------------------
GRAD_DATA = [[2.0, None, 0.0, 3.0], None, [None, None], [], [1.5, None, 1.5], [None, -1.0]]
GRAD_OPS = {
    "sum": lambda x: rg.sum(x, axis=1),
    "prod": lambda x: rg.prod(x, axis=1),
    "mean": lambda x: rg.mean(x, axis=1),
    "var": lambda x: rg.var(x, axis=1),
    "std": lambda x: rg.std(x, axis=1),
    "max": lambda x: rg.max(x, axis=1),
    "min": lambda x: rg.min(x, axis=1, mask_identity=True),
    "ptp": lambda x: rg.ptp(x, axis=1),
    "nanmean": lambda x: rg.nanmean(x, axis=1),
    "logsumexp": lambda x: rg.logsumexp(x, axis=1),
    "softmax": lambda x: rg.softmax(x),
    "all": lambda x: rg.sum(x),
    "axis0": lambda x: rg.prod(x, axis=0),
}


def _present(data):
    return [None if r is None else [v for v in r if v is not None] for r in data]


@pytest.mark.parametrize("name", GRAD_OPS)
def test_jax_gradient_equals_present_values_gradient(name):
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    f = GRAD_OPS[name]

    def total(x):
        out = f(x)
        if not isinstance(out, RaggedArray):
            return out
        c = out._content
        return jnp.sum(jnp.where(jnp.isfinite(c), c, 0.0) * jnp.arange(1, c.size + 1).reshape(c.shape))

    with jax.enable_x64(True):
        x = rg.array(GRAD_DATA).to_backend("jax")
        g = jax.grad(lambda c: total(RaggedArray._new(x._structure, c)))(x._content)
        g = np.asarray(g)
        assert np.all(np.isfinite(g)), g
        present = np.asarray(x._structure.masks[-1])
        assert np.all(g[~present] == 0.0), g
        if name in ("softmax", "axis0"):
            return  # no list-for-list counterpart without the missing values (checked by values above)
        dense = rg.array(_present(GRAD_DATA)).to_backend("jax")
        want = jax.grad(lambda c: total(RaggedArray._new(dense._structure, c)))(dense._content)
        np.testing.assert_allclose(g[present], np.asarray(want), rtol=1e-12, atol=1e-12)


def test_jax_jit_matches_eager_and_retraces_on_new_masks():
    jax = pytest.importorskip("jax")
    traces = []

    @jax.jit
    def f(x):
        traces.append(1)
        return rg.max(x, axis=1, mask_identity=True), rg.mean(x, axis=0)

    x = rg.array([[1.0, None, 3.0], None, [None]]).to_backend("jax")
    (m, n), (em, en) = f(x), (rg.max(x, axis=1, mask_identity=True), rg.mean(x, axis=0))
    assert m.to_list() == em.to_list() == [3.0, None, None]
    assert _close(n.to_list(), en.to_list())
    f(x)
    assert len(traces) == 1
    f(rg.array([[1.0, 2.0, None], None, [None]]).to_backend("jax"))
    assert len(traces) == 2


def test_jax_vmap_over_batched_content():
    jax = pytest.importorskip("jax")
    x = rg.array([[1.0, None, 3.0], None, [None, 2.0]]).to_backend("jax")
    cs = jax.numpy.stack([x._content, 2 * x._content])
    out = jax.vmap(lambda c: rg.sum(RaggedArray._new(x._structure, c), axis=1, mask_identity=True)._content)(
        cs
    )
    assert np.asarray(out).tolist() == [[4.0, 0.0, 2.0], [8.0, 0.0, 4.0]]


def test_cumulative_skips_missing_values():
    x = rg.array([[1.0, None, 3.0], None, [None, 2.0], []])
    assert rg.cumulative_sum(x, axis=1).to_list() == [[1.0, None, 4.0], None, [None, 2.0], []]
    assert rg.cumulative_prod(x, axis=1).to_list() == [[1.0, None, 3.0], None, [None, 2.0], []]
    assert rg.cumulative_sum(x, axis=0).to_list() == [[1.0, None, 3.0], None, [None, 2.0], []]
    assert rg.cumulative_sum(x, axis=1).type == x.type
    assert np.cumsum(rg.array([1.0, None, 2.0])).to_list() == [1.0, None, 3.0]
    with pytest.raises(NotImplementedError, match="flatten"):
        np.cumsum(rg.array([[1.0, None]]))
    with pytest.raises(NotImplementedError, match="include_initial"):
        rg.cumulative_sum(x, axis=1, include_initial=True)


def test_cumulative_gradient_is_zero_at_missing_slots():
    jax = pytest.importorskip("jax")
    x = rg.array([[2.0, None, 3.0], None, [None, 0.5]]).to_backend("jax")
    g = jax.grad(lambda c: rg.cumulative_prod(RaggedArray._new(x._structure, c), axis=1)._content.sum())(
        x._content
    )
    assert np.asarray(g).tolist() == [4.0, 0.0, 2.0, 0.0, 1.0]


def test_errors_are_named():
    x = rg.array([[1.0, None], [2.0]])
    with pytest.raises(TypeError):
        rg.sum(x, axis=1, mask_identity=True, bogus=1)


# ---- the cost of missing values under jax.jit, and the derivatives of the cheap paths ------------
EDGE_DATA = [
    [2.0, None, 0.0, 3.0],  # prod through a zero
    None,
    [None, None],  # every element missing: mean NaN, its derivative must stay finite
    [],
    [1.5, None, 1.5],  # tied maxima
    [None, -1.0, -2.0],  # every present element below the missing ones' zeros
    [0.0, None],  # a present zero ties with a missing zero
]
EDGE_OPS = {
    "sum": lambda x: rg.sum(x, axis=1),
    "prod": lambda x: rg.prod(x, axis=1),
    "mean": lambda x: rg.mean(x, axis=1),
    "var": lambda x: rg.var(x, axis=1),
    "std": lambda x: rg.std(x, axis=1, correction=1),
    "max": lambda x: rg.max(x, axis=1),
    "min": lambda x: rg.min(x, axis=1),
    "axis0": lambda x: rg.max(x, axis=0),
    "sum all": lambda x: rg.sum(x),
    "mean all": lambda x: rg.mean(x),
    "var all": lambda x: rg.var(x),
    "max all": lambda x: rg.max(x),
}


def _weighted_total(jnp, out):
    """A scalar that weighs every finite result differently (so a misplaced derivative shows)."""
    if not isinstance(out, RaggedArray):
        return out
    c = out._content
    return jnp.sum(jnp.where(jnp.isfinite(c), c, 0.0) * jnp.arange(1, c.size + 1).reshape(c.shape) ** 0.5)


@pytest.mark.parametrize("name", EDGE_OPS)
def test_jit_derivatives_are_the_present_values_and_zero_at_missing_slots(name):
    jax = pytest.importorskip("jax")
    jnp, f = jax.numpy, EDGE_OPS[name]
    with jax.enable_x64(True):
        x = rg.array(EDGE_DATA).to_backend("jax")
        dense = rg.array(_present(EDGE_DATA)).to_backend("jax")
        present = np.asarray(x._structure.masks[-1])

        def total(structure):
            return lambda c: _weighted_total(jnp, f(RaggedArray._new(structure, c)))

        # axis=0: columns move when missing elements are left out, so no dense counterpart
        compare = name != "axis0"
        for transform in (jax.grad, jax.jacfwd):
            g = np.asarray(jax.jit(transform(total(x._structure)))(x._content))
            assert np.all(g[~present] == 0.0), (transform, g)
            want = transform(total(dense._structure))(dense._content) if compare else g[present]
            np.testing.assert_allclose(g[present], np.asarray(want), rtol=1e-12, atol=1e-12)
        h = np.asarray(jax.jit(jax.hessian(total(x._structure)))(x._content))
        assert np.all(np.isfinite(h)), h
        assert np.all(h[~present] == 0.0) and np.all(h[:, ~present] == 0.0), h
        if not compare:
            return
        want = jax.hessian(total(dense._structure))(dense._content)
        np.testing.assert_allclose(h[np.ix_(present, present)], np.asarray(want), rtol=1e-12, atol=1e-12)


CHEAP = {  # reductions whose forward program holds no mask of the elements, nor a pass with one
    "sum": lambda x: rg.sum(x, axis=1),
    "prod": lambda x: rg.prod(x, axis=1),
    "mean": lambda x: rg.mean(x, axis=1),
    "var": lambda x: rg.var(x, axis=1),
    "max": lambda x: rg.max(x, axis=1),
    "min": lambda x: rg.min(x, axis=-1),
    "sum all": lambda x: rg.sum(x),
    "mean all": lambda x: rg.mean(x),
}
# var sends the means back to the elements with a gather that gives the missing ones 0: one
# select on the gathered values, its condition computed from the gather's index
EXTRA_ELEMENT_SELECTS = {"var": 1}


@pytest.mark.parametrize("name", CHEAP)
def test_jit_program_holds_no_mask_of_the_elements(name):
    jax = pytest.importorskip("jax")
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 21, size=400)  # m about 4000 elements: a mask would show
    values = rng.normal(size=int(lengths.sum()))
    present = rng.random(values.shape[0]) > 0.2
    values[~present] = 0.0
    x = rg.from_awkward(ak.unflatten(ak.mask(values, present), lengths)).to_backend("jax")
    plain = rg.from_lengths(lengths, values).to_backend("jax")
    m = values.shape[0]

    def program(a):
        return jax.jit(lambda a: CHEAP[name](a)).lower(a).as_text(), CHEAP[name](a)

    (text, out), (plain_text, _) = program(x), program(plain)
    # a mask embedded as a constant takes at least 2 characters per element, a second
    # per-element index 8; the few operations on the results (NaN for no element) far fewer
    assert len(text) < len(plain_text) + m, (len(text), len(plain_text))

    def selects(t):  # selects over all the elements
        return [line for line in t.splitlines() if "stablehlo.select" in line and f"<{m}x" in line]

    assert len(selects(text)) == len(selects(plain_text)) + EXTRA_ELEMENT_SELECTS.get(name, 0)
    want = CHEAP[name](rg.array(x.to_list()))  # NumPy, float64
    got, want = (np.asarray((a._content if isinstance(a, RaggedArray) else a), float) for a in (out, want))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_zero_gradient_rule_differentiates_as_a_where():
    jax = pytest.importorskip("jax")
    from raggrad._backends._jax_rules import zero_gradient

    jnp = jax.numpy
    keep = np.array([True, False, True, False])
    data = jnp.asarray([1.5, 0.0, -2.0, 0.0])

    def through(g):
        return lambda c: jnp.sum(jnp.exp(g(c)) * (g(c) + 1.0))  # every derivative non-zero at 0

    rule = through(lambda c: zero_gradient(c, keep))
    plain = through(lambda c: jnp.where(keep, c, 0.0))
    assert float(jax.jit(rule)(data)) == float(plain(data))
    for transform in (jax.grad, jax.jacfwd, jax.hessian, lambda f: jax.jacfwd(jax.jacrev(f))):
        np.testing.assert_allclose(jax.jit(transform(rule))(data), transform(plain)(data), rtol=1e-6)
    assert "xi1>" not in jax.jit(rule).lower(data).as_text()  # forward: not even the constant
    batched = jax.vmap(jax.grad(rule))(jnp.stack([data, 2 * data]))
    np.testing.assert_allclose(batched, jax.vmap(jax.grad(plain))(jnp.stack([data, 2 * data])), rtol=1e-6)


def test_torch_derivatives_are_zero_at_missing_slots():
    torch = pytest.importorskip("torch")
    x = rg.array(EDGE_DATA).to_backend("torch")
    present = np.asarray(x._structure.masks[-1])
    for name, f in EDGE_OPS.items():
        c = x._content.detach().clone().requires_grad_(True)
        out = f(RaggedArray._new(x._structure, c))
        out = out._content if isinstance(out, RaggedArray) else out
        torch.where(torch.isfinite(out), out, 0.0).sum().backward()
        g = c.grad.numpy()
        assert np.all(np.isfinite(g)) and np.all(g[~present] == 0.0), (name, g)


@pytest.mark.parametrize(
    ("lists", "type_"),
    [
        ([[], [None, [-1.0, -3.0]]], "option[var * option[2 * float64]]"),
        ([[[3.0, 1.0], None, [-1.0, -3.0]], None, [[0.0, -5.0]]], "option[var * option[2 * float64]]"),
        ([[None, 5.0, -1.0], [], [-2.0, None]], "var * ?float64"),
    ],
)
def test_flat_argmin_and_argmax_count_positions_as_awkward(lists: list[object], type_: str) -> None:
    # a missing row of a regular dimension has no positions in awkward's flat index, a missing
    # number keeps its one; the index never points past the flattened values
    a = ak.enforce_type(ak.Array(lists), type_)
    x = rg.from_awkward(a)
    for kind in ("argmin", "argmax"):
        assert int(getattr(rg, kind)(x, axis=None)) == int(getattr(ak, kind)(a, axis=None))


# ---- whole-array max/min/var/std: one plain pass where it gives the answer -----------------------
# The missing elements hold zeros: a maximum above 0 (a minimum below) is a present element's, and
# Σ (x - mean)² over all elements exceeds the present ones' by missing · mean². Each data set
# takes the shortcut for some reducers and the masked pass for the others.
WHOLE_DATA = {
    "mixed": EDGE_DATA,
    "negative": [[-2.0, None, -0.5], None, [None, -0.5], []],  # max ≤ 0: ties at -0.5, missing 0s
    "positive": [[2.0, None], [0.5, 0.5, None], [None]],  # min ≥ 0: ties at 0.5
    "zero max": [[-1.0, None, 0.0], [None, -2.0]],  # a present 0 ties with the missing ones
    "far mean": [[1000.0, None, 1001.5], [None, 1002.0, 999.0], [None]],  # mean² outweighs var
    "none present": [[None], [], None, [None, None]],
}
WHOLE_OPS = {
    "max": lambda x: rg.max(x),
    "min": lambda x: rg.min(x),
    "var": lambda x: rg.var(x),
    "std": lambda x: rg.std(x, correction=1),
    "var keepdims": lambda x: rg.var(x, keepdims=True),
}


def _present_values(data: list) -> list[float]:
    return [v for r in data if r is not None for v in r if v is not None]


def _numpy_reference(name: str, values: list[float]) -> float:
    v = np.asarray(values, dtype=float)
    if name.startswith(("max", "min")):
        return getattr(np, name[:3])(v) if v.size else (-math.inf if name[:3] == "max" else math.inf)
    if v.size <= (name == "std"):
        return math.nan
    return float(np.std(v, ddof=1) if name == "std" else np.var(v))


@pytest.mark.parametrize("data", WHOLE_DATA)
@pytest.mark.parametrize("name", WHOLE_OPS)
def test_whole_array_reductions_equal_the_present_values(name, data):
    jax = pytest.importorskip("jax")
    f, lists = WHOLE_OPS[name], WHOLE_DATA[data]
    want = _numpy_reference(name.split()[0], _present_values(lists))
    x = rg.array(lists)
    with jax.enable_x64(True):
        for got in (f(x), f(x.to_backend("jax")), jax.jit(f)(x.to_backend("jax"))):
            got = got._content if isinstance(got, RaggedArray) else got
            np.testing.assert_allclose(np.asarray(got, float).reshape(()), want, rtol=1e-12, atol=1e-12)
    pytest.importorskip("torch")
    got = f(x.to_backend("torch"))
    got = got._content if isinstance(got, RaggedArray) else got
    np.testing.assert_allclose(float(got.reshape(())), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("data", WHOLE_DATA)
@pytest.mark.parametrize("name", ["max", "min", "std"])
def test_whole_array_derivatives_are_the_present_values(name, data):
    jax = pytest.importorskip("jax")
    jnp, f, lists = jax.numpy, WHOLE_OPS[name], WHOLE_DATA[data]
    with jax.enable_x64(True):
        x = rg.array(lists).to_backend("jax")
        dense = rg.from_offsets(np.array([0, len(_present_values(lists))]), _present_values(lists))
        dense = dense.to_backend("jax")
        present = np.asarray(x._structure.masks[-1])

        def total(structure):
            return lambda c: _weighted_total(jnp, f(RaggedArray._new(structure, c)))

        for transform in (jax.grad, jax.hessian):  # the hessian: forward over reverse mode
            g = np.asarray(jax.jit(transform(total(x._structure)))(x._content))
            assert np.all(np.isfinite(g)), (transform, g)
            assert np.all(g[~present] == 0.0) and np.all(g[..., ~present] == 0.0), (transform, g)
            want = np.asarray(transform(total(dense._structure))(dense._content))
            got = g[np.ix_(present, present)] if g.ndim == 2 else g[present]
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
        # batched content (vmap) runs both branches of the cond as a select: the same numbers
        cs = jnp.stack([x._content, 2 * x._content])
        batched = np.asarray(jax.vmap(jax.grad(total(x._structure)))(cs))
        np.testing.assert_allclose(batched[0], jax.grad(total(x._structure))(x._content), rtol=1e-12)


def test_whole_array_variance_keeps_float32_precision_far_from_zero():
    # with the mean 1000 standard deviations from 0, subtracting the missing terms would cancel
    # about 17 bits of float32: the masked pass must run instead
    jax = pytest.importorskip("jax")
    rng = np.random.default_rng(1)
    values = (1000.0 + rng.normal(size=20_000)).astype(np.float32)
    present = rng.random(values.shape[0]) > 0.1
    values[~present] = 0.0
    x = rg.from_awkward(ak.unflatten(ak.mask(values, present), [10_000, 10_000]))
    want = np.var(values[present].astype(np.float64))
    for a in (x, x.to_backend("jax")):
        for f in (rg.var, jax.jit(rg.var)):
            if a.backend == "numpy" and f is not rg.var:
                continue
            np.testing.assert_allclose(float(f(a)), want, rtol=1e-4)
    # close to zero the subtraction is taken, and float32 keeps its precision there too
    small = np.where(present, values - 1000.0, 0.0).astype(np.float32)
    y = rg.from_awkward(ak.unflatten(ak.mask(small, present), [10_000, 10_000]))
    want = np.var(small[present].astype(np.float64))
    for a in (y, y.to_backend("jax")):
        np.testing.assert_allclose(
            float(jax.jit(rg.var)(a) if a.backend == "jax" else rg.var(a)), want, rtol=1e-5
        )


def test_present_rules_differentiate_as_their_masked_passes():
    # the rules on their own, with a mean that is not the kept elements' own (so every term of
    # the derivative counts), on both sides of each shortcut
    jax = pytest.importorskip("jax")
    from raggrad._backends._jax_rules import present_extremum, present_squares

    jnp = jax.numpy
    keep = np.array([True, False, True, True, False])
    with jax.enable_x64(True):
        for data in ([1.5, 0.0, -2.0, 0.5, 0.0], [-1.5, 0.0, -2.0, -0.5, 0.0], [-1.5, 0.0, 0.0, -0.5, 0.0]):
            c = jnp.asarray(data)
            for mu in (0.25, 40.0):  # the subtraction, then the masked pass

                def rule(c, mu):
                    return present_squares(c, mu, keep, (0,), 2)[0]

                def plain(c, mu):
                    return jnp.sum(jnp.where(keep, c - mu, 0.0) ** 2)

                args = (c, jnp.asarray(mu))
                np.testing.assert_allclose(jax.jit(rule)(*args), plain(*args), rtol=1e-12)
                for transform in (jax.grad, jax.hessian):
                    for got, want in zip(
                        jax.tree.leaves(jax.jit(transform(rule, argnums=(0, 1)))(*args)),
                        jax.tree.leaves(transform(plain, argnums=(0, 1))(*args)),
                        strict=True,
                    ):
                        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
            for kind, reduce in (("max", jnp.max), ("min", jnp.min)):
                fill = -np.inf if kind == "max" else np.inf

                rule = partial(_extremum_rule, present_extremum, kind, keep, fill)
                plain = partial(_extremum_plain, jnp, reduce, keep, fill)
                for transform in (lambda f: f, jax.grad, jax.hessian):
                    np.testing.assert_allclose(jax.jit(transform(rule))(c), transform(plain)(c), rtol=1e-12)


def _extremum_rule(present_extremum, kind, keep, fill, c):
    return present_extremum(kind, c, keep, (0,), fill, int((~keep).sum()))[0] ** 2


def _extremum_plain(jnp, reduce, keep, fill, c):
    return reduce(jnp.where(keep, c, fill)) ** 2
