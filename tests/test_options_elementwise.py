"""Elementwise ops on arrays with missing values (option types): awkward's values and types, no
NaN in any derivative, jit/vmap/jacfwd/hessian, torch autograd, and the usual errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad._errors import OptionTypeError, TracedStructureError
from raggrad._registry import REGISTRY, ufuncs

ak = pytest.importorskip("awkward")


def _same(got, want) -> None:
    """Equal lists (NaN equal to NaN) and equal type strings."""
    assert got.type == str(want.type), (got.type, str(want.type))
    g, w = got.to_list(), want.to_list()
    assert _nan_equal(g, w), (g, w)


def _nan_equal(a, b) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_nan_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b or (isinstance(a, float) and isinstance(b, float) and np.isclose(a, b, rtol=1e-12, atol=0))


# ---- values and types against awkward ---------------------------------------------------------
PAIRS = [
    # a missing list facing a present one: the result's list is missing, whatever its length
    ([[1.0, 2.0], None], [[1.0, 2.0], [3.0]]),
    ([[1.0, None], [3.0]], [[1.0, 2.0], None]),
    ([[1.0, 2.0], None], [None, [1.0, 2.0]]),
    ([None, 1.0], [None, 2.0]),
    ([1.0, None], [3.0, 4.0]),
    # one value per list, from an operand with missing values, and onto one
    ([1.0, None, 3.0], [[1.0, 2.0], [5.0], [6.0, 7.0]]),
    ([[1.0, 2.0], [5.0], [6.0, 7.0]], [1.0, None, 3.0]),
    ([[1.0, 2.0], None, [6.0, 7.0]], [1.0, 2.0, 3.0]),
    ([[1.0, None], [5.0]], [[[1.0], [2.0, 3.0]], [[4.0]]]),
    # options at every depth of a doubly nested array
    ([[[1.0, 2.0]], None, [None, [6.0, 7.0]]], [[[1.0, None]], [[3.0]], [[4.0], [5.0, 6.0]]]),
    ([[[1.0, 2.0]], None, [[3.0], [6.0, 7.0]]], [[[1.0, None]], [[3.0]], None]),
    ([[[1.0], []], [[None]]], [[[2.0], []], [[3.0]]]),
    ([[1.0, 2.0], [], [3.0]], [[1.0, None], [], [None]]),
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
@pytest.mark.parametrize("op", [np.add, np.multiply, np.greater, np.maximum, np.arctan2])
def test_binary_values_and_types_equal_awkward(a, b, op):
    with np.errstate(all="ignore"):
        _same(op(rg.array(a), rg.array(b)), op(ak.Array(a), ak.Array(b)))
        _same(op(rg.array(b), rg.array(a)), op(ak.Array(b), ak.Array(a)))


@pytest.mark.parametrize("a", [a for a, _ in PAIRS])
def test_scalars_and_dense_arrays_broadcast_over_missing_values(a):
    x, xa = rg.array(a), ak.Array(a)
    _same(x * 2.0, xa * 2.0)
    _same(1.5 - x, 1.5 - xa)
    dense = np.arange(len(a), dtype=np.float64) + 1.0
    _same(x + dense, xa + dense)
    _same(dense / x, dense / xa)


def _signature(u: np.ufunc) -> str | None:
    for code in ("d", "l", "?"):
        for t in u.types:
            ins = t.split("->")[0]
            if code in ins and set(ins) <= {"d", "l", "?"}:
                return ins
    return None


UFUNCS = sorted((u for u in ufuncs() if u.signature is None and _signature(u)), key=lambda u: u.__name__)
_SAMPLES = {
    "d": ([[0.25, None, 0.75], None, [], [None, 0.5]], [[0.5, 0.125, None], [], None, [0.375, None]]),
    "l": ([[1, None, 6], None, [], [None, 3]], [[2, 5, None], [], None, [4, None]]),
    "?": ([[True, None, False], None, [], [None, True]], [[False, True, None], [], None, [True, None]]),
}


@pytest.mark.parametrize("ufunc", UFUNCS, ids=lambda u: u.__name__)
def test_every_ufunc_gives_awkwards_answer_on_missing_values(ufunc):
    args = [_SAMPLES[code][i] for i, code in enumerate(_signature(ufunc))]
    with np.errstate(all="ignore"):
        got = ufunc(*(rg.array(a) for a in args))
        want = ufunc(*(ak.Array(a) for a in args))
    for g, w in zip(*((got, want) if isinstance(got, tuple) else ((got,), (want,))), strict=True):
        _same(g, w)
        assert not np.any(np.asarray(g.values)[~g._structure.masks[-1]])  # missing values hold zero


@st.composite
def option_pairs(draw):
    """Two arrays of type ``n * option[var * ?float64]`` whose lists agree where both are present;
    a list missing in one may have any length in the other (awkward drops it)."""
    n = draw(st.integers(0, 5))
    lengths = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    out = []
    for _ in range(2):
        missing = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        rows = []
        for length, gone in zip(lengths, missing, strict=True):
            if gone:
                rows.append(None)
                continue
            values = draw(st.lists(st.sampled_from([None, 0.5, 1.5, -2.0]), min_size=length, max_size=length))
            rows.append(values)
        out.append(rows)
    # a list missing in one operand: the other's may have any length
    for i, (a, b) in enumerate(zip(*out, strict=True)):
        if a is None and b is not None and draw(st.booleans()):
            out[1][i] = [*b, 1.0]
    return out


@settings(max_examples=30)
@given(option_pairs())
def test_random_option_arrays_equal_awkward(pair):
    a, b = pair
    # awkward has no element type for an array without elements
    assume(all(any(row for row in rows if row) for rows in pair))
    x, y = rg.array(a), rg.array(b)
    xa, ya = ak.Array(a), ak.Array(b)
    _same(x + y, xa + ya)
    _same(np.minimum(x, y), np.minimum(xa, ya))
    _same(x < y, xa < ya)


# ---- the other elementwise functions ----------------------------------------------------------
X = [[1.0, None, -2.0], None, [3.0], []]


def test_comparisons_logical_isnan_copysign_clip_round_equal_awkward():
    x, xa = rg.array(X), ak.Array(X)
    _same(x > 0, xa > 0)
    _same(np.logical_and(x > 0, x < 2), np.logical_and(xa > 0, xa < 2))
    _same(np.isnan(x), np.isnan(xa))
    _same(rg.isfinite(x), np.isfinite(xa))
    _same(np.copysign(x, -1.0), np.copysign(xa, -1.0))
    _same(rg.clip(x, 0, 2), np.minimum(np.maximum(xa, 0), 2))
    _same(np.clip(x, 0, None), np.maximum(xa, 0))
    _same(rg.round(x * 0.6), ak.round(xa * 0.6))
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 at the missing slot too
        _same(rg.nan_to_num(x / 0.0), ak.nan_to_num(xa / 0.0))
    _same(rg.isclose(x, x + 1e-12), ak.isclose(xa, xa + 1e-12))
    _same(rg.real(x), np.real(xa))


def test_allclose_leaves_missing_values_out_as_awkward_all_does():
    x = rg.array([[1.0, None], None])
    assert rg.allclose(x, rg.array([[1.0, 5.0], [2.0]]))
    assert not rg.allclose(x, rg.array([[1.5, 5.0], [2.0]]))
    assert bool(ak.all(ak.isclose(ak.Array([[1.0, None], None]), ak.Array([[1.0, 5.0], [2.0]]))))


WHERE_CASES = [
    ([True, None, False], [1.0, 2.0, 3.0], 0.0),
    ([True, True, False], [1.0, None, None], 0.0),
    ([True, True, False], [1.0, 2.0, 3.0], [None, 5.0, 6.0]),
    ([[True, False], [True]], [[1.0, None], [4.0]], 0.0),
    ([[True, None], [True]], [[1.0, 2.0], [4.0]], 0.0),
    ([[True, False], [False]], [[1.0, None], [None]], [[None, 2.0], [3.0]]),
]


@pytest.mark.parametrize(("c", "x", "y"), WHERE_CASES)
def test_where_is_missing_where_the_condition_or_the_selected_branch_is(c, x, y):
    def conv(v, f):
        return f(v) if isinstance(v, list) else v

    got = rg.where(conv(c, rg.array), conv(x, rg.array), conv(y, rg.array))
    _same(got, ak.where(conv(c, ak.Array), conv(x, ak.Array), conv(y, ak.Array)))


def test_where_with_a_guard_condition_keeps_the_arrays_missing_values():
    x = rg.array(X)
    got = rg.where(x > 0, x, 0.0)
    assert got.to_list() == [[1.0, None, 0.0], None, [3.0], []]
    assert got.type == "4 * option[var * ?float64]"
    # a constant condition decides between the branches' missing values
    assert rg.where(False, rg.array([1.0, None]), 0.0).to_list() == [0.0, 0.0]
    assert rg.where(True, rg.array([1.0, None]), 0.0).to_list() == [1.0, None]


WHERE_LIST_CASES = [
    # a missing list, or a missing value broadcast into lists, is a list of missing elements
    # (condition, x1, x2, the answer where ak.where 2.14 raises "cannot broadcast nested list")
    ([[True], [False]], [[1.0], None], 0.0, None),
    ([[True], [False]], [[1.0], None], [[3.0], [4.0]], None),
    ([[True, False], [False]], [1.0, None], [[3.0, 4.0], [5.0]], None),
    ([[True], None], [[1.0], [2.0]], 0.0, None),
    ([[True, False], [True]], [[1.0, None], None], [[3.0, 4.0], [5.0]], [[1.0, 4.0], [None]]),
    (
        [[[True], [False, True]], [[True]]],
        [[[1.0], None], [[2.0]]],
        [[[3.0], [4.0, 5.0]], [[6.0]]],
        [[[1.0], [4.0, None]], [[2.0]]],
    ),
    # a missing list whose donor is empty, before other lists (the count of items below was off by
    # the lists filled: NumPy's IndexError, or "negative dimensions")
    (True, [None, [3.0], [1.0]], [[], [4.0], [2.0]], [[], [3.0], [1.0]]),
    ([None, []], [None, []], [[], []], [[], []]),
    (
        [[True], [True, False], [True]],
        [[1.0], None, [2.0]],
        [[5.0], [6.0, 7.0], [8.0]],
        [[1.0], [None, 7.0], [2.0]],
    ),
]


@pytest.mark.parametrize(("c", "x", "y", "expected"), WHERE_LIST_CASES)
def test_where_fills_a_missing_list_with_missing_elements_as_awkward(c, x, y, expected):
    def conv(v, f):
        return f(v) if isinstance(v, list) else v

    got = rg.where(conv(c, rg.array), conv(x, rg.array), conv(y, rg.array))
    if expected is None:
        _same(got, ak.where(conv(c, ak.Array), conv(x, ak.Array), conv(y, ak.Array)))
    else:
        assert got.to_list() == expected
    assert not np.any(np.asarray(got.values)[~got._structure.masks[-1]])


def test_where_of_lists_missing_in_every_argument_is_missing():
    c, x = rg.array([[True, False], None]), rg.array([[1.0, 2.0], None])
    got = rg.where(c, x, rg.array([[3.0, 4.0], None]))  # ak.where gives [None, None] here
    assert got.to_list() == [[1.0, 4.0], None] and got.type == "2 * option[var * float64]"


def test_where_needs_the_condition_only_where_its_branches_disagree_under_jit():
    jax = pytest.importorskip("jax")
    x = rg.array([[1.0, None], [2.0]]).to_backend("jax")
    guarded = jax.jit(lambda x: rg.where(x > 0, x, 0.0))(x)  # the mask is x's: no values needed
    assert guarded.to_list() == [[1.0, None], [2.0]]
    cond = rg.array([[True, False], [True]]).to_backend("jax")
    with pytest.raises(TracedStructureError, match=r"rg\.fill_none"):
        jax.jit(lambda c: rg.where(c, x, 0.0))(cond)


def test_creation_ops_keep_missing_values_and_zero_content():
    x, xa = rg.array([[1.5, None], None, [3.0]]), ak.Array([[1.5, None], None, [3.0]])
    _same(rg.zeros_like(x), ak.zeros_like(xa))
    _same(rg.ones_like(x), ak.ones_like(xa))
    _same(np.ones_like(x), ak.ones_like(xa))
    _same(rg.full_like(x, 7.0), ak.full_like(xa, 7.0))
    _same(np.full_like(x, 7, dtype=np.int32), ak.full_like(xa, 7, dtype=np.int32))
    _same(rg.astype(x, rg.int32), ak.values_astype(xa, np.int32))
    for y in (rg.ones_like(x), rg.full_like(x, 7.0), rg.astype(x, rg.int32)):
        assert np.asarray(y.values).tolist()[1] == 0  # the missing element holds zero
    flat = rg.array([1.0, None])
    assert rg.broadcast_to(flat, (2,)).to_list() == [1.0, None]
    assert rg.broadcast_to(rg.array([None]), (3,)).type == "3 * ?float64"
    assert rg.result_type(x, rg.float32) == np.float64
    assert rg.finfo(x).bits == 64


# ---- derivatives: exactly zero at missing slots, never NaN --------------------------------------
def _grad_cases(y):
    return {
        "log": rg.log,
        "log2": rg.log2,
        "sqrt": rg.sqrt,
        "cbrt": rg.cbrt,
        "arcsin": rg.asin,
        "arccosh": lambda a: rg.acosh(a + 1.0),
        "reciprocal": rg.reciprocal,
        "power": lambda a: a**y,
        "rpower": lambda a: y**a,
        "sqrt-power": lambda a: a**0.5,
        "divide": lambda a: y / a,
        "divide-by": lambda a: a / y,
        "arctan2": lambda a: rg.atan2(a, y),
        "arctan2-x": lambda a: rg.atan2(y, a),
        "hypot": lambda a: rg.hypot(a, y),
        "float_power": lambda a: np.float_power(a, y),
        "remainder": lambda a: np.remainder(y, a),
    }


A = [[0.5, None, 0.25], None, [], [None, 0.75], [0.125]]
B = [[2.0, 3.0, None], [], None, [1.0, None], [0.5]]


@pytest.mark.parametrize("case", sorted(_grad_cases(None)))
def test_jax_gradient_is_zero_at_missing_slots_and_finite(case):
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        x, y = rg.array(A).to_backend("jax"), rg.array(B).to_backend("jax")
        f = _grad_cases(y)[case]
        s, c = x._structure, x._content
        out = f(x)
        used = out._structure.masks[-1]
        g = np.asarray(jax.grad(lambda c: f(RaggedArray._new(s, c))._content.sum())(c))
        assert np.all(np.isfinite(g)), g
        assert np.all(np.asarray(out.values)[~used] == 0)
        missing_x = ~x._structure.masks[-1]
        assert np.all(g[missing_x] == 0)
        # at the elements present in both, the derivative of the function itself
        both_present = [0, 5]
        xv, yv = np.asarray(c)[both_present], np.asarray(y.values)[both_present]
        dense = jax.grad(lambda v: f_dense(case, v, yv).sum())(xv)
        np.testing.assert_allclose(g[both_present], np.asarray(dense), rtol=1e-12)
        # where only the other operand is missing, x's content is left out too
        if case not in ("log", "log2", "sqrt", "cbrt", "arcsin", "arccosh", "reciprocal", "sqrt-power"):
            assert g[2] == g[4] == 0


def f_dense(case, v, y):
    jnp = pytest.importorskip("jax.numpy")
    return {
        "log": jnp.log,
        "log2": jnp.log2,
        "sqrt": jnp.sqrt,
        "cbrt": jnp.cbrt,
        "arcsin": jnp.arcsin,
        "arccosh": lambda a: jnp.arccosh(a + 1.0),
        "reciprocal": jnp.reciprocal,
        "power": lambda a: a**y,
        "rpower": lambda a: y**a,
        "sqrt-power": lambda a: a**0.5,
        "divide": lambda a: y / a,
        "divide-by": lambda a: a / y,
        "arctan2": lambda a: jnp.arctan2(a, y),
        "arctan2-x": lambda a: jnp.arctan2(y, a),
        "hypot": lambda a: jnp.hypot(a, y),
        "float_power": lambda a: jnp.float_power(a, y),
        "remainder": lambda a: jnp.remainder(y, a),
    }[case](v)


def test_jax_jit_traces_once_per_mask_pattern():
    jax = pytest.importorskip("jax")
    traces = []

    @jax.jit
    def f(x, y):
        traces.append(1)
        return rg.log(x) * y

    x = rg.array([[0.5, None], None, [2.0]]).to_backend("jax")
    y = rg.array([[2.0, 3.0], [1.0], [1.0]]).to_backend("jax")
    eager = rg.log(x) * y
    got = f(x, y)
    assert got.to_list() == eager.to_list() and got.type == eager.type == "3 * option[var * ?float32]"
    f(x + 1.0, y)  # new values, same masks: no new trace
    assert len(traces) == 1
    f(rg.array([[0.5, 1.0], None, [None]]).to_backend("jax"), y)  # new masks: a new trace
    assert len(traces) == 2


def test_jax_vmap_jacfwd_and_hessian_through_missing_values():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    with jax.enable_x64(True):
        x = rg.array(A).to_backend("jax")
        s, c = x._structure, x._content
        batch = jnp.stack([c, 2 * c])
        v = jax.vmap(lambda cc: rg.log(RaggedArray._new(s, cc)))(batch)
        assert v.type == "2 * 5 * option[var * ?float64]"
        assert v.to_list()[1] == rg.log(RaggedArray._new(s, 2 * c)).to_list()
        missing = ~s.masks[-1]
        jac = np.asarray(jax.jacfwd(lambda cc: rg.log(RaggedArray._new(s, cc))._content)(c))
        assert np.all(np.isfinite(jac))
        assert np.all(jac[missing] == 0) and np.all(jac[:, missing] == 0)
        np.testing.assert_allclose(np.diag(jac)[~missing], 1 / np.asarray(c)[~missing])
        hess = np.asarray(jax.hessian(lambda cc: rg.sqrt(RaggedArray._new(s, cc))._content.sum())(c))
        assert np.all(np.isfinite(hess)) and np.all(np.diag(hess)[missing] == 0)
        cv = np.asarray(c)[~missing]
        np.testing.assert_allclose(np.diag(hess)[~missing], -0.25 * cv**-1.5)


@pytest.mark.parametrize("case", ["log", "sqrt", "divide", "power", "arctan2-x"])
def test_torch_autograd_is_zero_at_missing_slots_and_finite(case):
    torch = pytest.importorskip("torch")
    x, y = rg.array(A).to_backend("torch"), rg.array(B).to_backend("torch")
    x.requires_grad_()
    out = _grad_cases(y)[case](x)
    out.values.sum().backward()
    g = x.grad.values.detach().numpy()
    assert np.all(np.isfinite(g)) and np.all(g[~x._structure.masks[-1]] == 0)
    want = _grad_cases(rg.array(B))[case](rg.array(A))
    assert _nan_equal(out.to_list(), want.to_list())
    assert torch.all(out.values.detach()[torch.as_tensor(~out._structure.masks[-1])] == 0)


# ---- where and the activations: awkward's values, gradients only through present slots ----------
WX, WY = [[1.0, None], [2.0, 3.0], None], [[4.0, 5.0], [None, 6.0], [7.0]]


def _where_case(x, y, cond):
    return rg.where(cond, rg.log(x), y * y)


def test_where_gradient_reaches_only_the_selected_present_branch():
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        x, y = rg.array(WX).to_backend("jax"), rg.array(WY).to_backend("jax")
        cond = x > 2.0  # concrete: which elements are missing depends on its values
        xa, ya = ak.Array(WX[:2]), ak.Array(WY[:2])  # ak.where refuses the missing list below
        _same(
            _where_case(rg.array(WX[:2]), rg.array(WY[:2]), rg.array(WX[:2]) > 2.0),
            ak.where(xa > 2.0, np.log(xa), ya * ya),
        )
        assert _where_case(x, y, cond).to_list() == [[16.0, None], [None, np.log(3.0)], [None]]
        sx, sy = x._structure, y._structure

        def loss(cx, cy):
            out = _where_case(RaggedArray._new(sx, cx), RaggedArray._new(sy, cy), cond)
            return out._content.sum()

        gx, gy = jax.grad(loss, argnums=(0, 1))(x._content, y._content)
        np.testing.assert_allclose(np.asarray(gx), [0.0, 0.0, 0.0, 1 / 3], rtol=1e-12, atol=0)
        np.testing.assert_allclose(np.asarray(gy), [8.0, 0.0, 0.0, 0.0, 0.0], rtol=1e-12, atol=0)
        jitted = jax.jit(jax.grad(loss, argnums=(0, 1)))(x._content, y._content)
        np.testing.assert_array_equal(np.asarray(jitted[1]), np.asarray(gy))


def test_where_gradient_under_torch_autograd():
    pytest.importorskip("torch")
    x, y = rg.array(WX).to_backend("torch"), rg.array(WY).to_backend("torch")
    x.requires_grad_()
    y.requires_grad_()
    _where_case(x, y, x > 2.0).values.sum().backward()
    np.testing.assert_allclose(x.grad.values.numpy(), [0.0, 0.0, 0.0, 1 / 3], rtol=1e-6, atol=0)
    np.testing.assert_allclose(y.grad.values.numpy(), [8.0, 0.0, 0.0, 0.0, 0.0], rtol=1e-6, atol=0)


ACT = [[-100.0, None, 0.0], None, [], [None, 3.5], [100.0]]
_ACTIVATIONS = {
    "sigmoid": (rg.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
    "log_sigmoid": (rg.log_sigmoid, lambda a: -np.logaddexp(-a, 0.0)),
    "softplus": (rg.softplus, lambda a: np.logaddexp(a, 0.0)),
    "relu": (rg.relu, lambda a: np.maximum(a, 0.0)),
}


@pytest.mark.parametrize("name", sorted(_ACTIVATIONS))
def test_activations_keep_missing_values_with_zero_gradient(name):
    jax = pytest.importorskip("jax")
    f, reference = _ACTIVATIONS[name]
    _same(f(rg.array(ACT)), reference(ak.Array(ACT)))
    x = rg.array(ACT).to_backend("jax")  # float32, where the textbook forms overflow
    s = x._structure
    g = np.asarray(jax.grad(lambda c: f(RaggedArray._new(s, c))._content.sum())(x._content))
    present = s.masks[-1]
    assert np.all(g[~present] == 0)
    want = jax.vmap(jax.grad(getattr(jax.nn, name)))(x._content[present])
    np.testing.assert_allclose(g[present], np.asarray(want), rtol=1e-6, atol=0)
    assert np.all(np.isfinite(g))


def test_activations_under_torch_autograd_keep_missing_values():
    torch = pytest.importorskip("torch")
    for name, (f, reference) in _ACTIVATIONS.items():
        x = rg.array(ACT).to_backend("torch")
        x.requires_grad_()
        out = f(x)
        out.values.sum().backward()
        _same(out.to_backend("numpy"), reference(ak.Array(ACT)))
        g = x.grad.values.numpy()
        present = x._structure.masks[-1]
        assert np.all(g[~present] == 0) and np.all(np.isfinite(g)), name
        v = torch.tensor(np.asarray(rg.array(ACT).values)[present], requires_grad=True)
        getattr(torch.nn.functional, {"log_sigmoid": "logsigmoid"}.get(name, name))(v).sum().backward()
        np.testing.assert_allclose(g[present], v.grad.numpy(), rtol=1e-12, atol=1e-30)


# ---- what stays an error ----------------------------------------------------------------------
def test_present_lists_that_differ_still_raise():
    with pytest.raises(ValueError, match=r"cannot broadcast.*list 0 at axis 1 has length 2 vs 1"):
        rg.array([[1.0, 2.0], None]) + rg.array([[1.0], [3.0]])
    with pytest.raises(ValueError, match="outer lengths differ"):
        rg.array([[1.0], None]) + rg.array([[1.0], [2.0], [3.0]])
    with pytest.raises(ValueError, match="list 0 at axis 2"):
        rg.array([[[1.0]], None]) + rg.array([[[1.0, 2.0]], [[3.0]]])


def test_missing_values_cannot_hide_in_a_regular_dimension():
    with pytest.raises(ValueError, match="regular dimension"):
        rg.array([1.0, None]) + np.ones((3, 2))
    with pytest.raises(ValueError, match="regular dimension"):
        rg.broadcast_to(rg.array([1.0, None]), (3, 2))


def test_bounded_arrays_refuse_missing_values():
    x = rg.with_capacity(rg.array([[1.0, 2.0], [3.0]]))
    with pytest.raises(OptionTypeError, match="bounded"):
        x + rg.array([[1.0, None], [3.0]])


def test_every_elementwise_op_here_takes_missing_values():
    modules = ("raggrad._ops.elementwise", "raggrad._ops.creation", "raggrad._ops.activations")
    kinds = ("elementwise-unary", "elementwise-binary", "elementwise", "creation", "dtype")
    ops = [op for op in REGISTRY.values() if op.func.__module__ in modules and op.kind in kinds]
    refused = [op.name for op in ops if not op.options and op.name not in _SHAPE_BASED]
    assert not refused, refused


#: creation from a shape, not from an array: nothing to be missing
_SHAPE_BASED = {"zeros", "ones", "empty", "full", "arange", "linspace", "isdtype"}
