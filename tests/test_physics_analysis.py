"""The differentiable analysis chain: soft selections, the soft histogram, the likelihood, the example.

Oracles: a brute-force sum over outcomes for ``rg.hep.at_least``; NumPy and ``relaxed.hist`` for
``rg.hep.soft_histogram``; awkward (NumPy backend) and scikit-hep ``vector`` for every forward
jagged value of ``docs/examples/optimise_analysis.py``'s chain; central finite differences in
float64 for every gradient, the whole chain's included; the closed-form Asimov significance for
pyhf's (in a subprocess: importing pyhf's JAX backend turns on JAX's x64 mode for the process).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import raggrad as rg

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "optimise_analysis.py"
LISTS = [[0.2, 0.9, 0.5], [], [1.0], [0.3, 0.0], [0.0, 1.0, 1.0, 0.4], [0.7, 0.7]]


def _example() -> ModuleType:
    for name in ("awkward", "uproot", "optax"):
        pytest.importorskip(name)
    if "optimise_analysis" not in sys.modules:
        spec = importlib.util.spec_from_file_location("optimise_analysis", EXAMPLE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["optimise_analysis"] = module  # dataclasses and pickling look it up by name
        spec.loader.exec_module(module)
    return sys.modules["optimise_analysis"]


def _relaxed() -> ModuleType:
    pytest.importorskip("relaxed")
    with warnings.catch_warnings():  # relaxed imports jaxopt, which warns that it is unmaintained
        warnings.simplefilter("ignore", DeprecationWarning)
        import relaxed
    return relaxed


def _brute_at_least(weights: list[float], n: int) -> float:
    total = 0.0
    for outcome in itertools.product([0, 1], repeat=len(weights)):
        p = np.prod([w if o else 1 - w for w, o in zip(weights, outcome, strict=True)])
        total += p * (sum(outcome) >= n)
    return float(total)


def _central(f: Any, x: float, h: float) -> float:
    return float((f(x + h) - f(x - h)) / (2 * h))


# ---- rg.hep.at_least --------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2])
def test_at_least_equals_the_sum_over_outcomes(n: int) -> None:
    rng = np.random.default_rng(n)
    lists = [*LISTS, *(list(rng.uniform(size=k)) for k in rng.integers(0, 7, 20))]
    got = rg.hep.at_least(rg.array(lists), n).to_list()
    assert np.allclose(got, [_brute_at_least(w, n) for w in lists], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n", [1, 2])
def test_at_least_gradient_matches_central_differences_and_bounded_jit(n: int) -> None:
    # weights of exactly 0 and 1 included; at_least is a polynomial in the weights, so central
    # differences (of the NumPy backend's float64 values) are exact up to rounding
    lengths = [len(w) for w in LISTS]
    values = np.concatenate([np.asarray(w, dtype=np.float64) for w in LISTS])
    coefficients = np.arange(1.0, len(LISTS) + 1)

    def f_numpy(v: np.ndarray) -> float:
        return float(
            np.sum(np.asarray(rg.hep.at_least(rg.from_lengths(lengths, v), n).values) * coefficients)
        )

    step = 1e-6 * np.eye(len(values))
    numeric = [(f_numpy(values + e) - f_numpy(values - e)) / 2e-6 for e in step]
    with jax.enable_x64(True):
        x = rg.to_backend(rg.from_lengths(lengths, values), "jax")

        def f(w: Any) -> Any:
            return jnp.sum(rg.to_dense(rg.hep.at_least(w, n)) * jnp.asarray(coefficients))

        grad = jax.grad(f)(x)
        assert np.allclose(grad.values, numeric, rtol=1e-7, atol=1e-8)

        # bounded, under jit: the same values and gradient, the padding's gradient zero
        def g(w: Any) -> Any:
            return rg.sum(rg.hep.at_least(w, n) ** 2)

        bounded = rg.with_capacity(x, lists=8, elements=32)
        value, grad_bounded = jax.jit(lambda w: (rg.hep.at_least(w, n), rg.grad(g)(w)))(bounded)
        grad_g = jax.grad(g)(x)
    assert rg.is_bounded(value) and rg.capacity(value).lists == (8,)
    assert np.allclose(rg.trim(value).values, rg.hep.at_least(rg.from_lengths(lengths, values), n).values)
    assert np.allclose(rg.trim(grad_bounded).values, grad_g.values, rtol=1e-12)


def test_at_least_and_soft_histogram_run_on_torch_and_compile() -> None:
    torch = pytest.importorskip("torch")
    x = rg.to_backend(rg.array(LISTS), "torch")
    assert np.allclose(rg.hep.at_least(x, 2).to_list(), [_brute_at_least(w, 2) for w in LISTS])
    edges = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)  # a tensor: a list is a graph break
    hist = torch.compile(
        lambda v: rg.hep.soft_histogram(v, edges, bandwidth=0.1), fullgraph=True, backend="eager"
    )
    want = _logistic_bkde(np.asarray(rg.flatten(rg.array(LISTS), axis=None).values), 1.0, edges.numpy(), 0.1)
    torch.testing.assert_close(hist(x).values, torch.as_tensor(want), rtol=1e-12, atol=1e-12)


def test_at_least_bad_arguments_are_named() -> None:
    x = rg.array(LISTS)
    with pytest.raises(NotImplementedError, match=r"n=3; n is 0, 1 or 2"):
        rg.hep.at_least(x, 3)
    with pytest.raises(TypeError, match=r"n must be an int"):
        rg.hep.at_least(x, 1.5)
    with pytest.raises(TypeError, match=r"expected weights in lists"):
        rg.hep.at_least(rg.array([0.5, 0.2]), 1)
    with pytest.raises(NotImplementedError, match=r"axis=0; only the innermost lists' axis"):
        rg.hep.at_least(x, 1, axis=0)
    with pytest.raises(TypeError, match=r"not the boolean True"):
        rg.hep.at_least(x, axis=True)
    assert rg.hep.at_least(x, axis=np.int64(1)).to_list() == rg.hep.at_least(x, 1).to_list()
    with pytest.raises(rg.OptionTypeError):  # missing values: fill or drop them first
        rg.hep.at_least(rg.array([[0.5, None], []]), 1)


# ---- rg.hep.soft_histogram -----------------------------------------------------------------------------
EDGES = np.array([0.0, 0.7, 1.5, 2.0, 3.0])


def _logistic_bkde(
    values: np.ndarray, weights: np.ndarray, edges: np.ndarray, bandwidth: float
) -> np.ndarray:
    cdf = 1 / (1 + np.exp(-(edges[:, None] - values) / bandwidth * np.pi / np.sqrt(3)))
    return ((cdf[1:] - cdf[:-1]) * weights).sum(axis=1)


def test_soft_histogram_equals_a_weighted_logistic_kernel_density_estimate() -> None:
    rng = np.random.default_rng(5)
    lengths = rng.integers(0, 5, 30)
    x = rg.from_lengths(lengths, rng.uniform(-0.5, 3.5, lengths.sum()))
    w = rg.from_lengths(lengths, rng.uniform(0, 2, lengths.sum()))
    got = rg.hep.soft_histogram(x, EDGES, bandwidth=0.3, weights=w)
    assert got.type == "4 * float64"
    assert np.allclose(got.to_list(), _logistic_bkde(np.asarray(x.values), np.asarray(w.values), EDGES, 0.3))
    # with a tiny bandwidth, the hard histogram
    hard = np.histogram(np.asarray(x.values), EDGES, weights=np.asarray(w.values))[0]
    assert np.allclose(rg.hep.soft_histogram(x, EDGES, bandwidth=1e-6, weights=w).to_list(), hard)


def test_soft_histogram_with_the_normal_cdf_equals_relaxed_hist() -> None:
    relaxed = _relaxed()
    with jax.enable_x64(True):
        x = rg.array([[0.1, 1.2, 2.9], [], [1.6], [0.69, 0.71]], backend="jax")
        normal = rg.hep.soft_histogram(
            x, EDGES, bandwidth=0.4, cdf=lambda z: rg.map_values(jax.scipy.stats.norm.cdf, z)
        )
        theirs = relaxed.hist(x.values, jnp.asarray(EDGES), 0.4)
        assert np.allclose(rg.to_dense(normal), theirs, rtol=1e-12)


def test_soft_histogram_never_counts_bounded_padding() -> None:
    x = rg.array([[0.1, 1.2, 2.9], [], [1.6], [0.69, 0.71]], backend="jax")
    w = rg.array([[1.0, 2.0, 0.5], [], [1.0], [1.0, 3.0]], backend="jax")
    bx, bw = (rg.with_capacity(a, lists=8, elements=16) for a in (x, w))  # padding holds 0.0
    exact = rg.hep.soft_histogram(x, EDGES, bandwidth=0.3, weights=None)
    assert np.allclose(
        jax.jit(lambda v: rg.hep.soft_histogram(v, EDGES, bandwidth=0.3))(bx).to_list(), exact.to_list()
    )
    exact_w = rg.hep.soft_histogram(x, EDGES, bandwidth=0.3, weights=w)
    bounded_w = jax.jit(lambda v, u: rg.hep.soft_histogram(v, EDGES, bandwidth=0.3, weights=u))(bx, bw)
    assert np.allclose(bounded_w.to_list(), exact_w.to_list(), rtol=1e-6)


def test_soft_histogram_computes_its_values_once_under_jit() -> None:
    # XLA fuses elementwise work into its consumers: with one reduction per bin (or one
    # edges-by-values array), whatever computed the values ran again for every bin
    rng = np.random.default_rng(3)
    lengths = rng.poisson(3, 500)
    x = rg.with_capacity(rg.from_lengths(lengths, jnp.asarray(rng.uniform(0, 4, lengths.sum()))))

    def values(x: Any) -> Any:
        return np.cosh(np.sin(x) * np.cos(x)) + np.arctan(x)

    def transcendentals(f: Any, *args: Any) -> float:
        return float(jax.jit(f).lower(*args).compile().cost_analysis()["transcendentals"])

    hist = lambda v: rg.hep.soft_histogram(v, EDGES, bandwidth=0.3)  # noqa: E731
    alone = transcendentals(values, x) + transcendentals(hist, values(x))
    assert transcendentals(lambda v: hist(values(v)), x) <= 1.1 * alone


def test_soft_histogram_gradients_match_central_differences() -> None:
    from jax.test_util import check_grads

    with jax.enable_x64(True):
        x = rg.array([[0.1, 1.2, 2.9], [], [1.6], [0.69, 0.71]], backend="jax")
        w = rg.array([[1.0, 2.0, 0.5], [], [1.0], [1.0, 3.0]], backend="jax")
        weigh = jnp.arange(1.0, 5.0)

        def f(x: Any, w: Any, edges: Any, bandwidth: Any) -> Any:
            return jnp.sum(
                rg.to_dense(rg.hep.soft_histogram(x, edges, bandwidth=bandwidth, weights=w)) * weigh
            )

        # the values, the weights, the edges and the bandwidth (one compiled program for each mode)
        check_grads(jax.jit(f), (x, w, jnp.asarray(EDGES), 0.3), order=1, modes=("rev",), eps=1e-5)
        bx, bw = (rg.with_capacity(a, lists=8, elements=16) for a in (x, w))
        g_exact = jax.grad(f, argnums=(2, 3))(x, w, jnp.asarray(EDGES), 0.3)
        g_bounded = jax.jit(jax.grad(f, argnums=(2, 3)))(bx, bw, jnp.asarray(EDGES), 0.3)
        assert all(np.allclose(a, b) for a, b in zip(g_exact, g_bounded, strict=True))


def test_soft_histogram_bad_arguments_are_named() -> None:
    x = rg.array([[1.0], []])
    with pytest.raises(ValueError, match=r"bandwidth=0.0 must be positive"):
        rg.hep.soft_histogram(x, EDGES, bandwidth=0.0)
    with pytest.raises(ValueError, match=r"bins must be a 1-d array of at least 2 edges"):
        rg.hep.soft_histogram(x, [1.0], bandwidth=1.0)
    with pytest.raises(ValueError, match=r"cannot broadcast") as info:
        rg.hep.soft_histogram(x, EDGES, bandwidth=1.0, weights=rg.array([[1.0, 2.0], []]))
    assert "weights need the lists of the values" in info.value.__notes__[0]


# ---- relaxed's cut on flattened values ------------------------------------------------------------------
def test_relaxed_cut_on_flat_values_is_rg_sigmoid_but_its_float32_gradient_is_nan() -> None:
    relaxed = _relaxed()
    pt = rg.array([[45.0, 3.0, 12.0], [], [22.0]], dtype=np.float32, backend="jax")
    theirs = rg.map_values(lambda v: relaxed.cut(v, 20.0, 0.5), pt)
    assert np.allclose(theirs.values, rg.sigmoid((pt - 20.0) * 0.5).values, rtol=1e-6)
    steep = 50.0  # 3 GeV is 850 widths below the cut: exp overflows float32
    naive = jax.grad(lambda t: rg.sum(rg.map_values(lambda v: relaxed.cut(v, t, steep), pt)))(20.0)
    stable = jax.grad(lambda t: rg.sum(rg.sigmoid((pt - t) * steep)))(20.0)
    assert np.isnan(naive) and np.isfinite(stable)


# ---- the example's chain against awkward and vector -------------------------------------------------------
def _awkward_chain(oa: ModuleType, theta: dict[str, float], events: dict[str, Any]) -> dict[str, Any]:
    """The chain in awkward (NumPy backend) and vector, float64: per muon, per pair, per event."""
    ak = pytest.importorskip("awkward")
    vector = pytest.importorskip("vector")
    vector.register_awkward()
    mu, jets = events["Muon"], events["Jet"]

    def sigmoid(z: Any) -> Any:
        return 1 / (1 + np.exp(-z))

    w = sigmoid((mu.pt - theta["muon_pt"]) / 2.0) * sigmoid((theta["muon_eta"] - abs(mu.eta)) / 0.1)
    veto = ak.prod(sigmoid((theta["jet_pt"] - jets.pt) / 5.0), axis=1)  # no jet passes: each fails
    p4 = ak.zip({"pt": mu.pt, "eta": mu.eta, "phi": mu.phi, "mass": mu.mass}, with_name="Momentum4D")
    a, b = ak.unzip(ak.combinations(ak.zip({"p4": p4, "w": w, "charge": mu.charge}), 2))
    mass = (a.p4 + b.p4).mass
    weight = a.w * b.w * (a.charge != b.charge) * (events["genWeight"] * veto)
    flat_m, flat_w = ak.to_numpy(ak.flatten(mass)), ak.to_numpy(ak.flatten(weight))
    return {
        "w": w,
        "veto": veto,
        "mass": mass,
        "weight": weight,
        "hist": _logistic_bkde(flat_m, flat_w, oa.EDGES, oa.BANDWIDTH),
    }


def _as64(events: dict[str, Any]) -> dict[str, Any]:
    ak = pytest.importorskip("awkward")
    out = {k: ak.values_astype(v, np.float64) if k != "Muon" else v for k, v in events.items()}
    mu = out["Muon"]
    out["Muon"] = ak.zip(
        {f: mu[f] if f == "charge" else ak.values_astype(mu[f], np.float64) for f in mu.fields}
    )
    return out


@pytest.mark.parametrize("bounded", [False, True], ids=["exact", "bounded"])
def test_chain_forward_values_equal_awkward_and_vector(bounded: bool) -> None:
    # raggrad on its numpy backend (float64, eager; the jitted chain is the same code), against
    # awkward and vector on the same events
    oa = _example()
    theta = {"muon_pt": 12.0, "muon_eta": 2.2, "jet_pt": 60.0}
    for kind in ("signal", "background"):
        events = _as64(oa.simulate(kind, 300, seed=7))
        chunk = {k: rg.from_awkward(v) if k != "genWeight" else rg.array(v) for k, v in events.items()}
        if bounded:
            chunk = {k: rg.with_capacity(v, lists=512) for k, v in chunk.items()}
        mass, weight = oa.pairs(theta, chunk["Muon"], chunk["Jet"], chunk["genWeight"], capacity=4096)
        u = {k: theta[k] / oa.WIDTHS[k] for k in theta}
        hist = oa.histogram(u, chunk["Muon"], chunk["Jet"], chunk["genWeight"], capacity=4096)
        ref = _awkward_chain(oa, theta, events)
        assert np.allclose(_flat(oa.muon_weights(theta, chunk["Muon"])), _ak_flat(ref["w"]), rtol=1e-12)
        assert np.allclose(_flat(oa.jet_veto(theta, chunk["Jet"])), np.asarray(ref["veto"]), rtol=1e-12)
        assert rg.num(mass, axis=1).to_list() == [len(m) for m in ref["mass"].to_list()]
        assert np.allclose(_flat(mass), _ak_flat(ref["mass"]), rtol=1e-9)
        assert np.allclose(_flat(weight), _ak_flat(ref["weight"]), rtol=1e-9, atol=1e-300)
        assert np.allclose(hist, ref["hist"], rtol=1e-9)


def _flat(x: Any) -> np.ndarray:
    return np.asarray(rg.trim(x).values if rg.is_bounded(x) else x.values)


def _ak_flat(x: Any) -> np.ndarray:
    ak = pytest.importorskip("awkward")
    return ak.to_numpy(ak.flatten(x))


# ---- the whole chain: gradient, optimisation, the example --------------------------------------------------
@pytest.fixture(scope="module")
def small_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    oa = _example()
    where = tmp_path_factory.mktemp("analysis")
    return {
        kind: [oa.write_sample(where / f"{kind}_{i}.root", kind, 150, seed=10 * s + i) for i in range(2)]
        for s, kind in enumerate(("signal", "background"))
    }


def _float64(chunk: rg.EventArray) -> rg.EventArray:
    """A chunk with float64 values (ROOT files hold float32), for finite differences."""

    def cast(x: Any) -> Any:
        return rg.astype(x, np.float64) if np.issubdtype(x.dtype, np.floating) else x

    out = {}
    for name, x in zip(chunk.fields, rg.unzip(chunk), strict=True):
        out[name] = (
            rg.zip({f: cast(x[f]) for f in rg.fields(x)}) if isinstance(x, rg.RecordArray) else cast(x)
        )
    return rg.zip(out, depth_limit=1)


def test_whole_chain_gradient_matches_central_differences_and_adam_climbs(
    small_files: dict[str, list[Path]], tmp_path: Path
) -> None:
    oa = _example()
    samples = oa.read(small_files, step_size=100)  # 2 files of 150 events: 4 chunks per sample
    assert [len(c) for c in samples.values()] == [4, 4]
    whole = oa.read(small_files, step_size=10**6)  # a chunk per file, no slot beyond its 150 events
    assert {rg.capacity(c.Muon).lists for s in whole.values() for c in s} == {(150,)}
    samples = {k: chunks[1:3] for k, chunks in samples.items()}  # one of each file: less to run
    with jax.enable_x64(True):
        samples = {k: [_float64(c) for c in chunks] for k, chunks in samples.items()}
        step = oa.Step(samples, oa.pair_capacity(c for s in samples.values() for c in s), "asimov")
        theta = {"muon_pt": 14.0, "muon_eta": 2.1, "jet_pt": 55.0}
        u = {k: jnp.asarray(theta[k] / oa.WIDTHS[k], dtype=jnp.float64) for k in theta}
        z, grad = step(u)
        assert z.dtype == jnp.float64
        for k in u:  # the whole chain, from the thresholds to the significance, over every chunk
            numeric = _central(lambda e, k=k: step({**u, k: u[k] + e})[0], 0.0, 1e-5)
            assert np.isclose(grad[k], numeric, rtol=1e-6, atol=1e-10), (k, grad[k], numeric)
        history = oa.optimise(step, 2)
    assert [h[0] for h in history] == sorted(h[0] for h in history)  # every step climbs here
    pytest.importorskip("matplotlib")
    assert oa.plot(history, tmp_path / "steps.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_example_runs_from_its_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the program's glue (files, reading, capacities, the loop, the plot) with a stand-in for the
    # compiled step, whose chain the other tests check
    oa = _example()
    pytest.importorskip("matplotlib")
    seen = {}

    class Step:
        def __init__(self, samples: dict[str, list[Any]], capacity: int, likelihood: str) -> None:
            seen.update(chunks=[len(c) for c in samples.values()], capacity=capacity, likelihood=likelihood)

        def __call__(self, u: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
            return -sum((v - 3.0) ** 2 for v in u.values()), {k: -2 * (v - 3.0) for k, v in u.items()}

    monkeypatch.setattr(oa, "Step", Step)
    png = tmp_path / "plot.png"
    out = oa.main(
        [
            "--events",
            "400",
            "--step-size",
            "200",
            "--steps",
            "5",
            "--likelihood",
            "asimov",
            "--dir",
            str(tmp_path),
            "--plot",
            str(png),
        ]
    )
    assert seen == {"chunks": [2, 2], "capacity": out["capacity"], "likelihood": "asimov"}
    assert out["chunks"] == 4 and len(out["history"]) == 6 and png.exists()
    assert out["history"][-1][0] > out["history"][0][0]
    printed = capsys.readouterr().out
    assert "read 800 events in 4 chunks" in printed and "muon_pt" in printed


def test_pyhf_significance_equals_the_closed_form() -> None:
    pytest.importorskip("pyhf")
    _example()
    code = f"""
        import importlib.util, jax, jax.numpy as jnp, numpy as np, pyhf
        pyhf.set_backend("jax")  # pyhf's JAX backend: x64 on from here
        spec = importlib.util.spec_from_file_location("oa", {str(EXAMPLE)!r})
        oa = importlib.util.module_from_spec(spec); spec.loader.exec_module(oa)
        s = jnp.array([0.3, 2.0, 15.0, 27.0, 5.0, 1.0, 0.5, 0.2])
        b = jnp.array([170.0, 120.0, 100.0, 95.0, 80.0, 81.0, 82.0, 70.0])
        for f in (oa.pyhf_significance,):
            z, g = jax.value_and_grad(f, argnums=(0, 1))(s, b)
            z0, g0 = jax.value_and_grad(oa.asimov_significance, argnums=(0, 1))(s, b)
            assert np.isclose(z, z0, rtol=1e-10), (z, z0)
            assert all(np.allclose(a, c, rtol=1e-8) for a, c in zip(g, g0)), (g, g0)
        print("ok", float(z))
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.startswith("ok")


def test_relaxed_asimov_sig_is_the_closed_form() -> None:
    relaxed = _relaxed()
    oa = _example()
    s, b = jnp.array([1.0, 5.0, 2.0]), jnp.array([10.0, 12.0, 9.0])
    assert np.isclose(relaxed.metrics.asimov_sig(s, b), oa.asimov_significance(s, b), rtol=1e-6)


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE", "ci") != "thorough",
    reason="compiles the chain on dask workers (slow)",
)
def test_dask_step_equals_the_local_step(small_files: dict[str, list[Path]]) -> None:
    for name in ("dask", "dask_awkward", "distributed"):
        pytest.importorskip(name)
    import dask

    oa = _example()
    samples = oa.read(small_files, step_size=100)
    capacity = oa.pair_capacity(c for s in samples.values() for c in s)
    u = {
        k: jnp.float32(v / oa.WIDTHS[k])
        for k, v in {"muon_pt": 14.0, "muon_eta": 2.1, "jet_pt": 55.0}.items()
    }
    z, grad = oa.Step(samples, capacity, "asimov")(u)
    with dask.config.set(scheduler="sync"):
        z_dask, grad_dask = oa.dask_step(small_files, 100, capacity, "asimov")(u)
    assert np.isclose(z_dask, z, rtol=1e-5)
    assert all(np.isclose(grad_dask[k], grad[k], rtol=1e-4, atol=1e-6) for k in u)
