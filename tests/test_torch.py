"""The torch backend: construction, conversions, every op family, autograd against JAX, the edge
rules (prod with zeros, max ties, mean of empty lists), x.requires_grad_()/x.grad. torch.compile:
tests/test_torch_compile.py."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import raggrad as rg  # noqa: E402

LISTS = [[1.5, -2.0, 3.0], [], [4.0, 0.5], [-1.0]]


def t(x):
    return rg.array(x, backend="torch")


def same(a, b):
    """Equal lists (NaN equal to NaN) and equal types."""
    assert a.type == b.type, (a.type, b.type)
    np.testing.assert_allclose(_flat(a.to_list()), _flat(b.to_list()), rtol=1e-12, atol=0)


def _flat(v):
    return [w for u in v for w in _flat(u)] if isinstance(v, list) else [float(v)]


# ---- imports, construction, conversion --------------------------------------------------------
def test_import_raggrad_does_not_import_torch():
    src = str(Path(rg.__file__).resolve().parents[1])
    code = "import sys, raggrad as rg\nrg.sum(rg.array([[1.0], []]), axis=1)\nprint('torch' in sys.modules)\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"


def test_construction_on_torch():
    x = t(LISTS)
    assert x.backend == "torch" and x.type == "4 * var * float64" and x.device == torch.device("cpu")
    assert isinstance(x.values, torch.Tensor) and x.to_list() == LISTS
    y = rg.from_offsets(torch.tensor([0, 2, 2, 3]), torch.arange(3.0))
    assert y.backend == "torch" and y.to_list() == [[0.0, 1.0], [], [2.0]]
    assert isinstance(rg.offsets(y), torch.Tensor) and rg.offsets(y).tolist() == [0, 2, 2, 3]
    dense, mask = rg.to_padded(y)
    assert dense.tolist() == [[0.0, 1.0], [0.0, 0.0], [2.0, 0.0]] and mask.dtype == torch.bool
    assert rg.from_padded(dense, [2, 0, 1]).to_list() == y.to_list()


def test_numpy_to_torch_shares_memory():
    values = np.arange(4.0)
    x = rg.to_backend(rg.from_offsets([0, 1, 4], values), "torch")
    values[0] = 42.0
    assert x.to_list() == [[42.0], [1.0, 2.0, 3.0]]


def test_to_backend_round_trips():
    jax = pytest.importorskip("jax")
    x = rg.array(LISTS)
    via_torch = rg.to_backend(x, "torch")
    with jax.enable_x64(True):
        via_jax = rg.to_backend(via_torch, "jax")
        assert via_jax.backend == "jax" and via_jax.type == x.type and via_jax.to_list() == LISTS
        back = rg.to_backend(via_jax, "torch")
        assert back.backend == "torch" and back.type == x.type and back.to_list() == LISTS
    assert rg.to_backend(back, "numpy").to_list() == LISTS and x.to_backend("torch").backend == "torch"
    # without x64 jax holds float32, as jax.numpy does
    assert rg.to_backend(via_torch, "jax").type == "4 * var * float32"


# ---- op families against the numpy backend ----------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        lambda x: np.sin(x) * x + 1.0,
        lambda x: rg.where(x > 0, x, 0.0),
        lambda x: np.arctan2(x, 2.0) - x / 3,
        lambda x: np.logaddexp(x, x),
        lambda x: rg.clip(x, -1.0, 2.0),
        lambda x: abs(x) ** 0.5,
        lambda x: x * rg.array([1.0, 2.0, 3.0, 4.0], backend=x.backend),
    ],
)
def test_elementwise_matches_numpy(fn):
    same(fn(t(LISTS)), fn(rg.array(LISTS)))


def test_frexp_mantissa_has_its_derivative_at_every_scale():
    """``d mantissa / dx = 2**-e``: torch's own frexp backward is inf below 1e-38 (float32
    ``exp2`` of the exponent); values equal NumPy's, subnormals and infinities included."""
    values = [1.86, 5.6e-31, 7.2e-81, 1e-300, 1e-310, 0.0, -2.5, np.inf, np.nan]
    x = rg.array([values[:4], [], values[4:]], backend="torch", dtype="float64").requires_grad_()
    mantissa, exponent = rg.frexp(x)
    m, e = np.frexp(np.array(values))
    np.testing.assert_array_equal(mantissa.values.detach().numpy(), m)
    np.testing.assert_array_equal(exponent.values.numpy(), e)
    rg.sum(mantissa).backward()
    expected = np.ldexp(1.0, -e[:4])  # 2**-e, up to 2**997
    np.testing.assert_array_equal(x.grad.values.numpy()[:4], expected)


@pytest.mark.parametrize(
    "name",
    [
        "sum",
        "prod",
        "mean",
        "var",
        "std",
        "max",
        "min",
        "argmax",
        "argmin",
        "any",
        "all",
        "count",
        "count_nonzero",
        "logsumexp",
    ],
)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_reductions_match_numpy_including_empty_lists(name, axis):
    fn = getattr(rg, name)
    same(fn(t(LISTS), axis=axis), fn(rg.array(LISTS), axis=axis))


@pytest.mark.parametrize("name", ["sum", "prod", "max", "mean"])
def test_reductions_of_two_ragged_levels_and_all_axes(name):
    nested = [[[1.0, 2.0], []], [], [[3.0], [4.0, 5.0, 6.0]]]
    fn = getattr(rg, name)
    for axis in (0, 1, 2):
        same(fn(t(nested), axis=axis), fn(rg.array(nested), axis=axis))
    assert float(fn(t(nested))) == pytest.approx(float(fn(rg.array(nested))))


def test_scans_softmax_and_keepdims_match_numpy():
    for fn in (
        lambda x: rg.cumulative_sum(x, axis=1),
        lambda x: rg.cumulative_prod(x, axis=0),
        lambda x: rg.cumulative_sum(x, axis=1, include_initial=True),
        rg.softmax,
        rg.log_softmax,
        lambda x: x - rg.mean(x, axis=1, keepdims=True),
    ):
        same(fn(t(LISTS)), fn(rg.array(LISTS)))


def test_indexing_matches_numpy():
    x, y = t(LISTS), rg.array(LISTS)
    for where in (
        1,
        -1,
        slice(1, None),
        (slice(None), slice(None, None, -1)),
        (slice(None), 0),
        np.array([3, 0, 0]),
    ):
        if isinstance(where, tuple) and where[-1] == 0:
            where = (np.array([0, 2, 3]), 0)
        same(x[where], y[where]) if not isinstance(x[where], torch.Tensor) else None
    same(x[x > 0], y[y > 0])
    same(x[rg.argmax(x, axis=1, keepdims=True)], y[rg.argmax(y, axis=1, keepdims=True)])


def test_structure_ops_match_numpy():
    x, y = t(LISTS), rg.array(LISTS)
    for fn in (
        lambda a: rg.combinations(a, 2)[1],
        lambda a: rg.cartesian([a, a])[0],
        rg.sort,
        lambda a: rg.sort(a, descending=True),
        rg.argsort,
        lambda a: rg.flatten(a),
        lambda a: rg.firsts(a, fill_value=0.0),
        lambda a: rg.concat([a, a], axis=1),
        rg.num,
        rg.local_index,
        lambda a: rg.flip(a, axis=-1),
        lambda a: rg.unflatten(rg.flatten(a), [2, 4]),
    ):
        same(fn(x), fn(y))


# ---- autograd ---------------------------------------------------------------------------------
FAMILIES = {
    "elementwise": lambda x: rg.sum(np.sin(x) * x**2 + rg.where(x > 0, np.log1p(abs(x)), x)),
    "sum": lambda x: rg.sum(rg.sum(x, axis=1) ** 2) + rg.sum(rg.sum(x, axis=0) ** 3),
    "prod": lambda x: rg.sum(rg.prod(x, axis=1)),
    "max": lambda x: rg.sum(rg.max(x, axis=1, initial=-10.0) ** 2) + rg.sum(rg.min(x, axis=0) ** 2),
    "stats": lambda x: rg.sum(rg.where(rg.num(x) > 1, rg.std(x, axis=1) + rg.var(x, axis=1), 0.0)),
    "softmax": lambda x: (
        rg.sum(rg.softmax(x) * x) + rg.sum(rg.where(rg.num(x) > 0, rg.logsumexp(x, axis=1), 0.0))
    ),
    "scan": lambda x: rg.sum(rg.cumulative_prod(x, axis=1) + rg.cumulative_sum(x, axis=1) ** 2),
    "indexing": lambda x: rg.sum(x[:, ::-1] * x) + rg.sum(x[rg.argmax(x, axis=1, keepdims=True)] ** 2),
    "structure": lambda x: (
        rg.sum(rg.combinations(x, 2)[0] * rg.combinations(x, 2)[1])
        + rg.sum(rg.sort(x) * rg.local_index(x))
        + rg.sum(rg.firsts(x, fill_value=0.0) ** 2)
    ),
    "padded": lambda x: (rg.to_padded(x)[0] ** 2).sum(),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_gradients_match_jax(family):
    jax = pytest.importorskip("jax")
    fn = FAMILIES[family]
    values = np.array([1.5, -2.0, 3.0, 4.0, 0.5, -1.0, 0.0, 2.5])
    offsets = np.array([0, 3, 3, 5, 6, 8])
    with jax.enable_x64(True):
        expected = jax.grad(lambda v: fn(rg.from_offsets(offsets, v)))(jax.numpy.asarray(values))
    v = torch.tensor(values, requires_grad=True)
    fn(rg.from_offsets(offsets, v)).backward()
    np.testing.assert_allclose(v.grad.numpy(), np.asarray(expected), rtol=1e-12, atol=1e-12)


def test_prod_with_a_zero_has_the_product_of_the_others_as_gradient():
    x = t([[-1.0, 2.0, 0.0]]).requires_grad_()
    rg.sum(rg.prod(x, axis=1)).backward()
    assert x.grad.to_list() == [[0.0, 0.0, -2.0]]
    # two zeros: every first derivative vanishes, the second derivative does not
    v = torch.tensor([0.0, 3.0, 0.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(rg.sum(rg.prod(rg.from_offsets([0, 3], v), axis=1)), v, create_graph=True)
    assert g.tolist() == [0.0, 0.0, 0.0]
    (h0,) = torch.autograd.grad(g[0], v)
    assert h0.tolist() == [0.0, 0.0, 3.0]


@pytest.mark.parametrize(
    ("op", "lists", "expected"),
    [
        ("prod", [[math.inf, 2.0], [3.0]], [[2.0, math.inf], [1.0]]),
        ("prod", [[1e-200, 1e-200, 1e200]], [[1.0, 1.0, 0.0]]),  # the product underflows
        ("prod", [[1e200, 1e200, 1e-200]], [[1.0, 1.0, math.inf]]),  # it overflows
        ("nanprod", [[math.inf, 2.0, math.nan], [4.0, math.inf]], [[2.0, math.inf, 0.0], [math.inf, 4.0]]),
        ("cumulative_prod", [[math.inf, 2.0], [0.0, 5.0, 2.0]], [[3.0, math.inf], [16.0, 0.0, 0.0]]),
    ],
)
def test_products_have_the_gradient_of_jax_where_a_factor_is_infinite_or_the_product_overflows(
    op, lists, expected
):
    # the product of the others, not Q / x_i (inf / inf, 0 / 1e-200); cumprod's own backward divides
    jax = pytest.importorskip("jax")
    x = t(lists).requires_grad_()
    with np.errstate(all="ignore"):
        rg.sum(getattr(rg, op)(x, axis=1)).backward()
        with jax.enable_x64(True):
            want = rg.grad(lambda v: rg.sum(getattr(rg, op)(v, axis=1)))(rg.array(lists, backend="jax"))
    assert x.grad.to_list() == expected == want.to_list()


def test_max_ties_share_the_gradient_evenly():
    x = t([[3.0, 1.0, 3.0], [], [2.0, 2.0, 2.0, 2.0]]).requires_grad_()
    rg.sum(rg.max(x, axis=1, initial=0.0)).backward()
    assert x.grad.to_list() == [[0.5, 0.0, 0.5], [], [0.25, 0.25, 0.25, 0.25]]


def test_mean_of_empty_lists_under_where_has_finite_gradients():
    x = t([[1.0, 2.0], [], [4.0]]).requires_grad_()
    rg.sum(rg.where(rg.num(x) > 0, rg.mean(x, axis=1), 0.0)).backward()
    assert x.grad.to_list() == [[0.5, 0.5], [], [1.0]]
    y = t([[1.0, 3.0], [], [4.0]]).requires_grad_()
    loss = rg.sum(rg.where(rg.num(y) > 0, rg.std(y, axis=1) + rg.var(y, axis=1), 0.0))
    loss.backward()
    assert np.isfinite(_flat(y.grad.to_list())).all()


def test_requires_grad_and_grad_api():
    x = t(LISTS)
    assert x.requires_grad_() is x and x.values.requires_grad and x.grad is None
    rg.sum(x * x).backward()
    assert x.grad.type == x.type and x.grad.to_list() == [[2 * v for v in row] for row in LISTS]
    for other in (rg.array(LISTS),):
        with pytest.raises(TypeError, match=r"x.requires_grad_\(\) needs content on the torch backend"):
            other.requires_grad_()
        with pytest.raises(TypeError, match=r"x\.grad needs content on the torch backend"):
            _ = other.grad


def test_integer_outputs_carry_no_gradient():
    x = t(LISTS).requires_grad_()
    assert not rg.argmax(x, axis=1).values.requires_grad
    assert not rg.count(x, axis=1).values.requires_grad
