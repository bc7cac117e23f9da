"""Reducers on arrays with missing values (option types) and ``mask_identity=``: awkward's values
and types, derivatives that skip missing slots (zero there, never NaN), jit, and the errors."""

from __future__ import annotations

import math

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
