"""The Pallas segment kernels (``_backends/_jax_pallas.py``), run through Pallas' interpreter.

Values against NumPy, float32 accuracy against ``jax.ops.segment_sum``, the linear/transpose pair,
autodiff, vmap, the backend switch, and a lowering to Triton for CUDA (a GPU is not needed to
lower, only to run). The conformance suite's ``+kernels`` items check the public reducers on top.
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import raggrad as rg  # noqa: E402
from raggrad._backends import _jax_pallas as P  # noqa: E402
from raggrad._backends._jax import JaxBackend  # noqa: E402
from raggrad._structure import Segments  # noqa: E402

UFUNC = {"sum": np.add, "max": np.maximum, "min": np.minimum}
IDENTITY = {"sum": 0.0, "max": -np.inf, "min": np.inf}
TILINGS = [P.Tiling(), P.Tiling(rows=8, cols=4, piece=8), P.Tiling(rows=2, cols=1, piece=3)]


def _lengths(rng: np.random.Generator, n: int = 60) -> np.ndarray:
    lengths = rng.poisson(4, n)
    lengths[rng.integers(0, n, 5)] = 0  # empty lists, some in a row
    lengths[7] = 150  # one long list: split into pieces by the small tilings
    lengths[-1] = 0
    return lengths


def _reference(kind: str, values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    ids = np.repeat(np.arange(len(lengths)), lengths)
    out = np.full((len(lengths), *values.shape[1:]), IDENTITY[kind], dtype=np.float64)
    UFUNC[kind].at(out, ids, values.astype(np.float64))
    return out


def _plan(lengths: np.ndarray, tiling: P.Tiling | None = None) -> P.Plan:
    return P.plan_for(Segments(np.concatenate([[0], np.cumsum(lengths)])), tiling or P.Tiling())


@pytest.fixture
def x64() -> object:
    with jax.enable_x64(True):
        yield


# ---- the plan --------------------------------------------------------------------------
@pytest.mark.parametrize("piece", [2, 5, 64])
def test_split_levels_cover_every_element_with_short_segments(piece: int) -> None:
    lengths = np.array([0, 1, 7, 0, 0, 20, 3, 64, 0])
    plan = _plan(lengths, P.Tiling(rows=1, cols=1, piece=piece))
    assert plan.levels[0][0] == 0 and plan.levels[0][-1] == lengths.sum()
    for lower, upper in zip(plan.levels, plan.levels[1:], strict=False):
        assert upper[-1] == len(lower) - 1  # each level groups all items of the one below
    assert len(plan.levels[-1]) == len(lengths) + 1
    for level in plan.levels:
        assert np.all(np.diff(level) >= 0) and np.diff(level).max() <= piece
    # the segment sums through the levels are the plain ones
    values = np.arange(lengths.sum(), dtype=np.float64)
    for level in plan.levels:
        values = np.add.reduceat(np.append(values, 0), level[:-1]) * (np.diff(level) > 0)
    np.testing.assert_array_equal(values, _reference("sum", np.arange(lengths.sum()), lengths))


def test_plan_is_cached_per_segments_and_tiling() -> None:
    seg = Segments(np.array([0, 2, 5]))
    assert P.plan_for(seg, P.Tiling()) is P.plan_for(seg, P.Tiling())
    assert P.plan_for(seg, P.Tiling()) is not P.plan_for(seg, P.Tiling(rows=8))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rows", 3, "power of two"),
        ("cols", 0, "power of two"),
        ("num_warps", 6, "power of two"),
        ("piece", 1, "at least 2"),
    ],
)
def test_tiling_rejects_bad_shapes(field: str, value: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        P.Tiling(**{field: value})


# ---- values ----------------------------------------------------------------------------
@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("tiling", TILINGS, ids=str)
@pytest.mark.parametrize("kind", P.KINDS)
def test_reduce_matches_numpy(kind: str, tiling: P.Tiling) -> None:
    rng = np.random.default_rng(0)
    lengths = _lengths(rng)
    values = rng.normal(size=(lengths.sum(), 3))
    plan = _plan(lengths, tiling)
    np.testing.assert_allclose(
        P.reduce(kind, jnp.asarray(values[:, 0]), plan, True),
        _reference(kind, values[:, 0], lengths),
        rtol=1e-13,
    )
    # regular inner dims are columns of the same kernel
    np.testing.assert_allclose(
        P.reduce(kind, jnp.asarray(values), plan, True), _reference(kind, values, lengths), rtol=1e-13
    )


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("tiling", TILINGS, ids=str)
def test_expand_matches_indexing(tiling: P.Tiling) -> None:
    rng = np.random.default_rng(1)
    lengths = _lengths(rng)
    ids = np.repeat(np.arange(len(lengths)), lengths)
    values = rng.normal(size=(len(lengths), 2))
    out = P.expand(jnp.asarray(values), _plan(lengths, tiling), True)
    np.testing.assert_array_equal(out, values[ids])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_narrow_floats_sum_in_float32(dtype: str) -> None:
    rng = np.random.default_rng(2)
    lengths = rng.poisson(30, 40)
    values = jnp.asarray(rng.uniform(0, 1, lengths.sum()), dtype=dtype)
    out = P.reduce("sum", values, _plan(lengths), True)
    assert out.dtype == values.dtype
    expected = _reference("sum", np.asarray(values.astype(jnp.float32)), lengths)
    # one rounding of the result: a float16 sum accumulated in float16 would be off by far more
    np.testing.assert_allclose(
        np.asarray(out.astype(jnp.float32)), expected, rtol=float(jnp.finfo(dtype).eps)
    )


def test_empty_inputs() -> None:
    plan = _plan(np.array([0, 0, 0]))
    assert P.reduce("max", jnp.zeros(0), plan, True).tolist() == [-np.inf] * 3
    assert P.expand(jnp.ones(3), plan, True).shape == (0,)
    none = _plan(np.array([], dtype=np.int64))
    assert P.reduce("sum", jnp.zeros(0), none, True).shape == (0,)


@pytest.mark.parametrize("lengths", ["poisson", "pareto"])
def test_float32_sum_is_as_accurate_as_segment_sum(lengths: str) -> None:
    """Relative error of per-list float32 sums against float64, mean and worst, on fixed seeds."""
    rng = np.random.default_rng(3)
    if lengths == "poisson":
        counts = rng.poisson(10, 20_000)
    else:
        counts = np.minimum((rng.pareto(1.2, 4_000) * 5).astype(np.int64), 20_000)
    values = (rng.normal(size=counts.sum()) ** 2 * 3).astype(np.float32)
    ids = np.repeat(np.arange(len(counts)), counts)
    exact = _reference("sum", values, counts)
    scale = np.maximum(np.abs(exact), 1e-30)
    ours = (
        np.abs(np.asarray(P.reduce("sum", jnp.asarray(values), _plan(counts), True), np.float64) - exact)
        / scale
    )
    xla = np.abs(np.asarray(jax.ops.segment_sum(values, ids, len(counts)), np.float64) - exact) / scale
    assert ours.mean() <= xla.mean()
    assert ours.max() <= xla.max()
    assert ours.max() <= np.finfo(np.float32).eps  # compensated: about one rounding of the result


# ---- derivatives, jit, vmap ------------------------------------------------------------
@pytest.mark.usefixtures("x64")
def test_sum_and_expand_are_each_others_transpose() -> None:
    rng = np.random.default_rng(4)
    lengths = _lengths(rng)
    plan = _plan(lengths, TILINGS[1])
    x = jnp.asarray(rng.normal(size=lengths.sum()))
    v = jnp.asarray(rng.normal(size=len(lengths)))
    (transposed,) = jax.linear_transpose(lambda x: P.reduce("sum", x, plan, True), x)(v)
    np.testing.assert_allclose(transposed, P.expand(v, plan, True))
    (back,) = jax.linear_transpose(lambda v: P.expand(v, plan, True), v)(x)
    np.testing.assert_allclose(back, P.reduce("sum", x, plan, True))


@pytest.mark.usefixtures("x64")
def test_derivatives_match_segment_sum() -> None:
    rng = np.random.default_rng(5)
    lengths = _lengths(rng)
    plan = _plan(lengths, TILINGS[1])
    ids = np.repeat(np.arange(len(lengths)), lengths)
    x = jnp.asarray(rng.normal(size=lengths.sum()))
    t = jnp.asarray(rng.normal(size=lengths.sum()))

    def ours(x: jax.Array) -> jax.Array:
        s = P.reduce("sum", x, plan, True)
        return jnp.sum(jnp.sin(s) * s) + jnp.sum(P.expand(s, plan, True) * x)

    def xla(x: jax.Array) -> jax.Array:
        s = jax.ops.segment_sum(x, ids, len(lengths))
        return jnp.sum(jnp.sin(s) * s) + jnp.sum(s[ids] * x)

    np.testing.assert_allclose(jax.grad(ours)(x), jax.grad(xla)(x), rtol=1e-12)
    np.testing.assert_allclose(jax.jit(jax.grad(ours))(x), jax.grad(xla)(x), rtol=1e-12)
    np.testing.assert_allclose(jax.jvp(ours, (x,), (t,))[1], jax.jvp(xla, (x,), (t,))[1], rtol=1e-12)
    hvp = jax.jvp(jax.grad(ours), (x,), (t,))[1]
    np.testing.assert_allclose(hvp, jax.jvp(jax.grad(xla), (x,), (t,))[1], rtol=1e-10, atol=1e-12)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("kind", P.KINDS)
def test_vmap_over_any_axis(kind: str) -> None:
    rng = np.random.default_rng(6)
    lengths = _lengths(rng)
    plan = _plan(lengths, TILINGS[1])
    batch = rng.normal(size=(lengths.sum(), 4, 2))
    f = jax.vmap(jax.vmap(lambda x: P.reduce(kind, x, plan, True), in_axes=1), in_axes=1)
    out = np.asarray(f(jnp.asarray(batch)))  # (4, 2, n)
    expected = _reference(kind, batch, lengths)  # (n, 4, 2)
    np.testing.assert_allclose(out, np.transpose(expected, (1, 2, 0)), rtol=1e-13)


def test_extremum_alone_has_no_derivative_rule() -> None:
    # raggrad differentiates max/min through the custom_jvp rule in _jax_rules (ties split)
    plan = _plan(np.array([2, 1]))
    with pytest.raises(NotImplementedError):
        jax.grad(lambda x: P.reduce("max", x, plan, True).sum())(jnp.ones(3))


# ---- through the backend -----------------------------------------------------------------
@pytest.fixture
def kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(JaxBackend, "kernels", "interpret")


def _primitives(f: object, *args: object) -> str:
    """The printed jaxpr of ``f``: nested jaxprs and primitive names included."""
    return str(jax.make_jaxpr(f)(*args))


@pytest.mark.usefixtures("kernels")
def test_backend_routes_float_reductions_to_the_kernels() -> None:
    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax")
    assert "raggrad_segment_sum" in _primitives(lambda x: rg.sum(x, axis=1), x)
    assert "raggrad_segment_extremum" in _primitives(lambda x: rg.max(x, axis=1), x)
    grad_prims = _primitives(jax.grad(lambda x: rg.sum(rg.softmax(x, axis=1) * x)), x)
    assert "raggrad_segment_sum" in grad_prims and "raggrad_segment_expand" in grad_prims
    assert "scatter" not in grad_prims and "gather" not in grad_prims
    # integers, prod, any/all keep jax.ops.segment_*
    ints = rg.array([[1, 2], [3]], backend="jax")
    assert "raggrad_segment_sum" not in _primitives(lambda x: rg.sum(x, axis=1), ints)
    assert "raggrad_segment_sum" not in _primitives(lambda x: rg.prod(x, axis=1), x)
    assert rg.max(x, axis=1).to_list() == [3.0, -np.inf, 5.0]
    assert jax.grad(lambda x: rg.sum(rg.max(x, axis=1, initial=0.0)))(x).to_list() == [[0, 0, 1], [], [0, 1]]


@pytest.mark.usefixtures("kernels")
def test_broadcasting_one_value_per_list_uses_the_expand_kernel() -> None:
    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax")
    per_list = rg.array([10.0, 20.0, 30.0], backend="jax")
    assert "raggrad_segment_expand" in _primitives(lambda x, p: x + p, x, per_list)
    assert (x + per_list).to_list() == [[11.0, 12.0, 13.0], [], [34.0, 35.0]]
    centred = jax.jit(lambda x: x - rg.mean(x, axis=1, keepdims=True))(x)
    assert centred.to_list() == [[-1.0, 0.0, 1.0], [], [-0.5, 0.5]]
    nested = rg.array([[[1.0], [2.0, 3.0]], [], [[4.0]]], backend="jax")
    assert (nested * per_list).to_list() == [[[10.0], [20.0, 30.0]], [], [[120.0]]]


def test_pallas_setting_falls_back_on_a_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    # Triton needs a GPU: on CPU content "pallas" means jax.ops.segment_*
    monkeypatch.setattr(JaxBackend, "kernels", "pallas")
    x = rg.array([[1.0, 2.0], [3.0]], backend="jax")
    assert "raggrad_segment_sum" not in _primitives(lambda x: rg.sum(x, axis=1), x)
    assert rg.sum(x, axis=1).to_list() == [3.0, 3.0]


# ---- lowering for a GPU ------------------------------------------------------------------
def _lower_for_cuda(f: object, *specs: object) -> str:
    from jax import export

    try:
        from jax._src.lib import triton  # noqa: F401
    except ImportError:  # pragma: no cover - a jaxlib built without the Triton dialect
        pytest.skip("this jaxlib cannot build Triton IR")
    checks = [export.DisabledSafetyCheck.custom_call("__gpu$xla.gpu.triton")]
    exported = export.export(jax.jit(f), platforms=["cuda"], disabled_checks=checks)(*specs)
    return exported.mlir_module()


@pytest.mark.parametrize("kind", P.KINDS)
def test_kernels_lower_to_triton(kind: str) -> None:
    """What the GPU compiles: forward, gradient and vmap, with and without split pieces."""
    lengths = np.array([3, 0, 5, 2000, 1, 0])
    spec = jax.ShapeDtypeStruct((int(lengths.sum()),), jnp.float32)
    for plan in (_plan(lengths), _plan(lengths, P.Tiling(rows=32, cols=8, piece=64, num_warps=2))):
        if kind == "sum":

            def f(x: jax.Array, plan: P.Plan = plan) -> jax.Array:
                return jnp.sum(jnp.sin(P.reduce("sum", x, plan)) ** 2)

            module = _lower_for_cuda(jax.grad(f), spec)
            assert module.count("__gpu$xla.gpu.triton") >= 2 * len(plan.levels)  # reduce + expand
        else:
            module = _lower_for_cuda(lambda x, plan=plan: P.reduce(kind, x, plan), spec)
            assert module.count("__gpu$xla.gpu.triton") == len(plan.levels)
        batched = jax.ShapeDtypeStruct((3, int(lengths.sum())), jnp.float32)
        assert "__gpu$xla.gpu.triton" in _lower_for_cuda(
            jax.vmap(lambda x, plan=plan: P.reduce(kind, x, plan)), batched
        )


def _gpu() -> object:
    try:
        return jax.devices("gpu")[0]
    except RuntimeError:
        return None


@pytest.mark.skipif(_gpu() is None, reason="needs a GPU: the compiled Triton kernels")
@pytest.mark.parametrize("tiling", [P.Tiling(), *TILINGS[1:]], ids=str)
def test_compiled_kernels_on_a_gpu(tiling: P.Tiling) -> None:
    rng = np.random.default_rng(7)
    lengths = np.concatenate([rng.poisson(10, 20_000), [0, 0, 5000, 0, 70_000], rng.poisson(2, 3000)])
    plan = _plan(lengths, tiling)
    values = rng.normal(size=(lengths.sum(), 2)).astype(np.float32)
    x = jax.device_put(values, _gpu())
    for kind in P.KINDS:
        got = jax.jit(lambda x, kind=kind: P.reduce(kind, x, plan))(x)
        np.testing.assert_allclose(
            np.asarray(got, np.float64), _reference(kind, values, lengths), rtol=2e-5, atol=1e-3
        )
    v = jax.device_put(rng.normal(size=(len(lengths), 2)).astype(np.float32), _gpu())
    np.testing.assert_array_equal(
        jax.jit(lambda v: P.expand(v, plan))(v), np.asarray(v)[np.repeat(np.arange(len(lengths)), lengths)]
    )
    grad = jax.jit(jax.grad(lambda x: jnp.sum(P.reduce("sum", x, plan) ** 2)))(x)
    np.testing.assert_allclose(
        np.asarray(grad),
        2 * np.repeat(_reference("sum", values, lengths), lengths, axis=0),
        rtol=2e-5,
        atol=1e-3,
    )
