"""Optimise the cuts of a dimuon analysis by gradient ascent on its expected discovery significance.

From ROOT files to a significance, every step differentiable with respect to the cut thresholds:

1. synthetic signal (a dimuon resonance at 91 GeV) and background events, written to NanoAOD-style
   ROOT files with uproot (``nMuon``, ``Muon_pt``, ``Muon_eta``, ``Muon_phi``, ``Muon_mass``,
   ``Muon_charge``, ``nJet``, ``Jet_pt``, ``Jet_eta``, ``genWeight``);
2. read in chunks with ``rg.hep.iterate``: event records (``chunk.Muon``, ``chunk.genWeight``) of
   bounded arrays with the same capacities for every chunk, so each program below is compiled once;
3. soft cuts on the muons' pT and |eta| (``rg.sigmoid``), and a soft jet veto per event: the
   probability that no jet passes a pT threshold, a product of sigmoids over each event's jets
   (``exp(rg.sum(rg.log_sigmoid(...), axis=-1))``);
4. opposite-charge muon pairs with ``rg.combinations(..., capacity=...)``, their mass with
   ``rg.vector``;
5. a soft histogram of the pair masses in the window 70-110 GeV (``rg.hep.soft_histogram``), each
   pair weighted by its selection probability and its event's weight;
6. the expected discovery significance of the signal histogram over the background histogram with
   pyhf's likelihood (JAX backend), ``--likelihood asimov`` for its closed form;
7. the gradient over all chunks by the chain rule (the histograms are sums over chunks: their
   totals first, then one vector-Jacobian product per chunk), and Adam steps (optax) that raise the
   significance; the thresholds printed and plotted.

Run it from the repository root::

    python docs/examples/optimise_analysis.py                      # 2e5 events, 40 steps, a plot
    python docs/examples/optimise_analysis.py --events 20000 --steps 10 --plot none
    python docs/examples/optimise_analysis.py --dask               # the same on a dask LocalCluster

``--dask`` reads the files in partitions of ``--step-size`` entries (``dak.from_map``) and
computes each step with ``rg.dask.value_and_grad(..., finalize=significance)`` on a
``LocalCluster``: the same functions, the same numbers (up to the order of summation).

pyhf's JAX backend turns JAX's 64-bit mode on for the whole process when it is imported
(``pyhf.tensor.jax_backend``); the muon data stay float32 (as read), the likelihood is float64.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import awkward as ak
import jax
import jax.numpy as jnp
import numpy as np
import optax
import uproot

import raggrad as rg

MUON_MASS = 0.1057  # GeV
EDGES = np.linspace(70.0, 110.0, 9)  # the mass window: 8 bins of 5 GeV
BANDWIDTH = 2.0  # GeV: the soft histogram's kernel width, about the mass resolution
#: each cut's width: a threshold t keeps x with weight sigmoid((x - t) / width)
WIDTHS = {"muon_pt": 2.0, "muon_eta": 0.1, "jet_pt": 5.0}
START = {"muon_pt": 5.0, "muon_eta": 2.7, "jet_pt": 100.0}  # loose cuts: GeV, 1, GeV
YIELDS = {"signal": 60.0, "background": 30000.0}  # expected events: cross-section x luminosity
MUON_FIELDS = ("pt", "eta", "phi", "mass", "charge")

Params = dict[str, Any]
Chunk = rg.EventArray  # one chunk of rg.hep.iterate


# ---- synthetic NanoAOD-like samples ---------------------------------------------------------
def _resonance_pairs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Two muons per event whose mass is drawn from a Breit-Wigner at 91.2 GeV (width 2.5 GeV):
    the first muon's pT, both pseudorapidities and the opening angle drawn, the second pT solved
    from ``m**2 = 2 pt1 pt2 (cosh(deta) - cos(dphi))`` (massless), then 1.5% resolution."""
    mass = np.clip(91.19 + 1.25 * np.tan(np.pi * (rng.uniform(size=n) - 0.5)), 40.0, 200.0)
    pt1 = np.clip(rng.normal(42.0, 10.0, n), 5.0, None)
    eta1, eta2 = rng.normal(0.0, 1.1, (2, n))
    phi1 = rng.uniform(-np.pi, np.pi, n)
    dphi = np.pi + rng.normal(0.0, 0.4, n)
    pt2 = mass**2 / (2 * pt1 * (np.cosh(eta1 - eta2) - np.cos(dphi)))
    phi2 = np.mod(phi1 + dphi + np.pi, 2 * np.pi) - np.pi
    pt = np.stack([pt1, pt2], axis=1) * rng.normal(1.0, 0.015, (n, 2))
    return pt, np.stack([eta1, eta2], axis=1), np.stack([phi1, phi2], axis=1)


def simulate(kind: str, n: int, seed: int) -> dict[str, Any]:
    """``n`` events of ``"signal"`` or ``"background"``: muons and jets as awkward records.

    Signal: a resonance pair (opposite charges), 0.3 extra soft muons, 0.8 soft jets per event.
    Background: 40% prompt pairs of unrelated muons (pT 10 + 25 exp, any charges) with 2.5 hard
    jets (top-quark-like), 60% soft non-prompt muons (pT 3 + 7 exp) spread to |eta| = 2.8 with 1.5
    jets. Muons outside |eta| < 2.8 or below 3 GeV are not recorded; muons are sorted by pT.
    """
    rng = np.random.default_rng(seed)
    if kind == "signal":
        pt, eta, phi = _resonance_pairs(rng, n)
        charge = np.stack([np.ones(n), -np.ones(n)], axis=1) * rng.choice([-1, 1], (n, 1))
        k, soft_pt, n_jets, jet_pt = 2, (3.0, 5.0, 0.3), 0.8, (25.0, 20.0)
        lists = [(pt, eta, phi, charge)]
    elif kind == "background":
        prompt = rng.uniform(size=n) < 0.4
        pt = 10 + rng.exponential(25.0, (n, 2))
        eta = rng.normal(0.0, 1.3, (n, 2))
        pt = np.where(prompt[:, None], pt, 3 + rng.exponential(7.0, (n, 2)))
        eta = np.where(prompt[:, None], eta, rng.uniform(-2.8, 2.8, (n, 2)))
        phi = rng.uniform(-np.pi, np.pi, (n, 2))
        charge = rng.choice([-1.0, 1.0], (n, 2))
        k, soft_pt, n_jets, jet_pt = 2, (3.0, 7.0, 0.5), np.where(prompt, 2.5, 1.5), (30.0, 45.0)
        lists = [(pt, eta, phi, charge)]
    else:
        msg = f"simulate: kind is 'signal' or 'background', not {kind!r}"
        raise ValueError(msg)
    # extra soft muons, then acceptance and pT order
    extra = rng.poisson(soft_pt[2], n)
    m = int(extra.sum())
    more = (
        soft_pt[0] + rng.exponential(soft_pt[1], m),
        rng.uniform(-2.8, 2.8, m),
        rng.uniform(-np.pi, np.pi, m),
    )
    counts = np.full(n, k) + extra
    flat = [
        np.concatenate([a.ravel(), b]).astype(np.float32)
        for a, b in zip(lists[0], (*more, rng.choice([-1.0, 1.0], m)), strict=True)
    ]
    event = np.concatenate([np.repeat(np.arange(n), k), np.repeat(np.arange(n), extra)])
    keep = (np.abs(flat[1]) < 2.8) & (flat[0] > 3.0)
    order = np.lexsort((-flat[0][keep], event[keep]))
    pt_, eta_, phi_, charge_ = (f[keep][order] for f in flat)
    counts = np.bincount(event[keep], minlength=n)
    muons = {"pt": pt_, "eta": eta_, "phi": phi_, "mass": np.full_like(pt_, MUON_MASS), "charge": charge_}
    jets_n = rng.poisson(n_jets, n)
    mj = int(jets_n.sum())
    jets = {
        "pt": (jet_pt[0] + rng.exponential(jet_pt[1], mj)).astype(np.float32),
        "eta": rng.uniform(-4.7, 4.7, mj).astype(np.float32),
    }
    return {
        "Muon": ak.zip({f: ak.unflatten(v, counts) for f, v in muons.items()}),
        "Jet": ak.zip({f: ak.unflatten(v, jets_n) for f, v in jets.items()}),
        "genWeight": np.full(n, YIELDS[kind] / n, dtype=np.float32),
    }


def write_sample(path: str | Path, kind: str, n: int, seed: int) -> Path:
    """Write ``n`` simulated events to a NanoAOD-like ROOT file (tree ``Events``)."""
    events = simulate(kind, n, seed)
    events["Muon"] = ak.with_field(
        events["Muon"], ak.values_astype(events["Muon"].charge, np.int32), "charge"
    )
    with uproot.recreate(path) as file:
        file.mktree("Events", events)  # branches nMuon, Muon_pt, ..., nJet, Jet_pt, Jet_eta, genWeight
    return Path(path)


# ---- the chain: thresholds -> histogram of one chunk ----------------------------------------------
def muon_weights(theta: Params, muons: Any) -> Any:
    """Soft cuts: pT above ``theta["muon_pt"]`` and |eta| below ``theta["muon_eta"]``."""
    pt_cut = rg.sigmoid((muons.pt - theta["muon_pt"]) / WIDTHS["muon_pt"])
    eta_cut = rg.sigmoid((theta["muon_eta"] - np.abs(muons.eta)) / WIDTHS["muon_eta"])
    return pt_cut * eta_cut


def jet_veto(theta: Params, jets: Any) -> Any:
    """Per event: the probability that no jet passes pT above ``theta["jet_pt"]``.

    Each jet fails with probability ``sigmoid((theta - pt) / width)``; their product is the
    exponential of a sum of ``log_sigmoid`` over each event's jets. That equals
    ``1 - rg.hep.at_least(rg.sigmoid((pt - theta) / width), 1)``, and is cheaper (one sum per
    list; the product's exact derivative needs two scans over the lists) and stable: a hard jet's
    ``log_sigmoid`` is its (large, negative) argument, where ``1 - sigmoid`` rounds to 0 in float32.
    """
    fails = rg.log_sigmoid((theta["jet_pt"] - jets.pt) / WIDTHS["jet_pt"])
    return np.exp(rg.sum(fails, axis=-1))


def pairs(theta: Params, muons: Any, jets: Any, event_weight: Any, capacity: int) -> tuple[Any, Any]:
    """The mass of every opposite-charge muon pair and its weight (selection probability times
    the event's weight and jet veto)."""
    selected = rg.zip({**{f: muons[f] for f in MUON_FIELDS}, "w": muon_weights(theta, muons)})
    a, b = rg.combinations(selected, 2, capacity=capacity)  # capacity: element slots of the pairs

    def p4(m: Any) -> Any:
        return rg.vector.zip({"pt": m.pt, "eta": m.eta, "phi": m.phi, "mass": m.mass})

    mass = (p4(a) + p4(b)).mass
    weight = a.w * b.w * (a.charge != b.charge) * (event_weight * jet_veto(theta, jets))
    return mass, weight


def histogram(u: Params, muons: Any, jets: Any, event_weight: Any, capacity: int) -> Any:
    """The soft mass histogram of one chunk; ``u`` holds the thresholds in units of their widths."""
    theta = {k: u[k] * WIDTHS[k] for k in WIDTHS}
    mass, weight = pairs(theta, muons, jets, event_weight, capacity)
    return rg.to_dense(rg.hep.soft_histogram(mass, EDGES, bandwidth=BANDWIDTH, weights=weight))


# ---- the likelihood ------------------------------------------------------------------------------
def asimov_significance(s: Any, b: Any) -> Any:
    """Expected discovery significance, ``sqrt(q0)`` on the Asimov data ``s + b`` (Cowan et al.,
    Eur. Phys. J. C 71 (2011) 1554, eq. 97 summed over bins)."""
    return jnp.sqrt(2 * jnp.sum((s + b) * jnp.log1p(s / b) - s))


def pyhf_significance(s: Any, b: Any) -> Any:
    """The same with pyhf's likelihood: ``q0 = -2 log L(mu=0) / L(mu=1)`` on the Asimov data.

    The histograms enter as parameters (per-bin ``shapefactor`` modifiers on unit templates), so
    the model is built once and is differentiable in them; ``mu`` scales the signal. With
    nuisance parameters the conditional fit at ``mu = 0`` would need a differentiable fit
    (implicit differentiation, as in ``relaxed.infer``)."""
    model = pyhf_ready()
    c = model.config

    def pars(mu: float) -> Any:
        p = jnp.zeros(c.npars, dtype=jnp.result_type(s, b, float))
        return p.at[c.par_slice("mu")].set(mu).at[c.par_slice("s")].set(s).at[c.par_slice("b")].set(b)

    data = s + b
    q0 = 2 * (model.logpdf(pars(1.0), data)[0] - model.logpdf(pars(0.0), data)[0])
    return jnp.sqrt(q0)


def pyhf_ready() -> Any:
    """pyhf on its JAX backend, and the model: once per process (also on dask workers), and
    outside ``jax.jit``, whose trace cannot build the model (it needs concrete values)."""
    import pyhf  # here: pyhf's JAX backend turns on JAX's x64 mode for the whole process

    if pyhf.tensorlib.name != "jax":  # pyhf's own API
        pyhf.set_backend("jax")
    return _pyhf_model(len(EDGES) - 1)


_MODELS: dict[int, Any] = {}


def _pyhf_model(bins: int) -> Any:
    import pyhf  # here, as above

    if bins not in _MODELS:
        unit = [1.0] * bins
        spec = {
            "channels": [
                {
                    "name": "mumu",
                    "samples": [
                        {
                            "name": "signal",
                            "data": unit,
                            "modifiers": [
                                {"name": "mu", "type": "normfactor", "data": None},
                                {"name": "s", "type": "shapefactor", "data": None},
                            ],
                        },
                        {
                            "name": "background",
                            "data": unit,
                            "modifiers": [{"name": "b", "type": "shapefactor", "data": None}],
                        },
                    ],
                }
            ]
        }
        _MODELS[bins] = pyhf.Model(spec, poi_name="mu")
    return _MODELS[bins]


SIGNIFICANCE: dict[str, Callable[[Any, Any], Any]] = {
    "pyhf": pyhf_significance,
    "asimov": asimov_significance,
}


# ---- value and gradient over every chunk -----------------------------------------------------------
def pair_capacity(chunks: Iterable[Chunk]) -> int:
    """Element slots for the pairs: the power-of-two bucket of the most pairs in one chunk."""
    most = 16
    for chunk in chunks:
        n = np.diff(np.asarray(rg.offsets(rg.trim(chunk["Muon"]).pt)))
        most = max(most, int((n * (n - 1) // 2).sum()))
    return 1 << (most - 1).bit_length()


class Step:
    """``step(u) -> (significance, gradient)`` over every chunk of every sample.

    The histograms are sums over chunks and the significance is a function of their totals, so
    the chain rule runs in two passes: every chunk's histogram and its vector-Jacobian product
    function (``jax.vjp`` of one jitted function: a forward and a backward program, each compiled
    once for all chunks, since the chunks share their capacities), then the significance and its
    gradient with respect to the totals, then every chunk's pullback of that gradient, summed. The
    pullback of ``jax.vjp`` is a pytree (its leaves: the chunk's intermediate values), so one jitted
    function returns it and another applies it: no tracing in the loop. The pullbacks hold every
    chunk's intermediate values until then; ``rg.dask.value_and_grad(..., finalize=...)``
    recomputes them instead, for data larger than memory.
    """

    def __init__(self, samples: dict[str, list[Chunk]], capacity: int, likelihood: str = "pyhf") -> None:
        self.samples = samples
        significance = SIGNIFICANCE[likelihood]
        if likelihood == "pyhf":
            pyhf_ready()  # before any program compiles: pyhf's backend turns on JAX's x64 mode
        # jitted: eagerly, its value and gradient would run op by op, about 3 ms of dispatch per step
        self.significance = jax.jit(jax.value_and_grad(lambda t: significance(t["signal"], t["background"])))

        def one(u: Params, chunk: Chunk) -> Any:
            return histogram(u, chunk["Muon"], chunk["Jet"], chunk["genWeight"], capacity)

        self.histogram = jax.jit(one)
        self.forward = jax.jit(lambda u, chunk: jax.vjp(lambda v: one(v, chunk), u))
        self.pull = jax.jit(lambda pullback, cotangent: pullback(cotangent)[0])

    def totals(self, u: Params) -> dict[str, Any]:
        """The signal and background histograms, forward only."""
        return {k: sum(self.histogram(u, c) for c in chunks) for k, chunks in self.samples.items()}

    def __call__(self, u: Params) -> tuple[Any, Params]:
        totals, pullbacks = {}, []
        for kind, chunks in self.samples.items():
            for chunk in chunks:
                h, pullback = self.forward(u, chunk)
                totals[kind] = totals.get(kind, 0) + h
                pullbacks.append((kind, pullback))
        z, cotangents = self.significance(totals)
        parts = [self.pull(pullback, cotangents[kind]) for kind, pullback in pullbacks]
        return z, jax.tree.map(lambda *g: sum(g), *parts)


def optimise(
    step: Callable[[Params], tuple[Any, Params]], steps: int, rate: float = 0.5
) -> list[tuple[float, Params]]:
    """Adam steps up the significance; ``u`` are the thresholds in units of their cut widths, so
    a step moves each threshold by up to about ``rate`` widths (less and less: a cosine decay).
    Returns (significance, thresholds) before every step and after the last."""
    u = {k: jnp.asarray(START[k] / WIDTHS[k]) for k in WIDTHS}
    optimiser = optax.adam(optax.cosine_decay_schedule(rate, steps))
    state = optimiser.init(u)
    history = []
    for _ in range(steps):
        z, grad = step(u)
        history.append((float(z), thresholds(u)))
        updates, state = optimiser.update(jax.tree.map(jnp.negative, grad), state)  # ascent
        u = optax.apply_updates(u, updates)
    history.append((float(step(u)[0]), thresholds(u)))
    return history


def thresholds(u: Params) -> dict[str, float]:
    return {k: float(u[k]) * WIDTHS[k] for k in WIDTHS}


# ---- reading -------------------------------------------------------------------------------------
BRANCHES = ["Muon", "Jet_pt", "Jet_eta", "genWeight"]


def chunk_size(files: dict[str, list[Path]], step_size: int) -> int:
    """``step_size``, or the most entries of any file where that is fewer: the same chunks (a
    chunk never spans two files) with no list slot beyond the largest file, one value for every
    sample (so their chunks share one set of capacities)."""
    most = 1
    for path in (p for paths in files.values() for p in paths):
        with uproot.open(path) as f:
            most = max(most, int(f["Events"].num_entries))
    return min(step_size, most)


def capacities(files: dict[str, list[Path]], step_size: int) -> dict[str, int]:
    """Element slots per collection for chunks of ``step_size`` entries of every file: the
    power-of-two bucket of the largest chunk, from the counters (so every sample's chunks share
    them; ``rg.hep.iterate`` alone would find them per call)."""
    out = {}
    for collection in ("Muon", "Jet"):
        most = 16
        for path in (p for paths in files.values() for p in paths):
            with uproot.open(path) as f:
                n = f["Events"][f"n{collection}"].array(library="np").astype(np.int64)
            most = max(most, int(np.add.reduceat(n, np.arange(0, len(n), step_size)).max()))
        out[collection] = 1 << (most - 1).bit_length()
    return out


def read(files: dict[str, list[Path]], step_size: int) -> dict[str, list[Chunk]]:
    """Every chunk of every sample, bounded with the same capacities (one program for all), on
    JAX's default device: read once and used in every step, so no step copies them again."""
    step_size = chunk_size(files, step_size)
    caps = capacities(files, step_size)
    return {
        kind: list(rg.hep.iterate(paths, BRANCHES, step_size=step_size, capacities=caps, backend="jax"))
        for kind, paths in files.items()
    }


def plot(history: list[tuple[float, Params]], path: str | Path) -> Path:
    """The significance and the thresholds along the optimisation, as a PNG."""
    import matplotlib  # here: only the plot needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # here, after choosing the file backend

    fig, axes = plt.subplots(1, 4, figsize=(13, 3), layout="constrained")
    z = [h[0] for h in history]
    axes[0].plot(z, marker=".")
    axes[0].set(xlabel="step", ylabel="expected significance")
    labels = {
        "muon_pt": "muon pT threshold [GeV]",
        "muon_eta": "muon |eta| threshold",
        "jet_pt": "jet veto pT [GeV]",
    }
    for ax, (k, label) in zip(axes[1:], labels.items(), strict=True):
        ax.plot([h[1][k] for h in history], marker=".", color="tab:orange")
        ax.set(xlabel="step", ylabel=label)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


# ---- on a dask cluster ------------------------------------------------------------------------------
class ReadEntries:
    """One dask partition: entries ``start`` to ``stop`` of one file's ``Events`` tree, read on the
    worker (a plain picklable object: ``uproot.dask``'s graphs do not deserialize on a
    ``distributed`` scheduler with uproot 5.7)."""

    def __init__(self, branches: list[str]) -> None:
        self.branches = branches

    def __call__(self, part: tuple[str, int, int]) -> ak.Array:
        path, start, stop = part
        with uproot.open(path) as file:
            return file["Events"].arrays(self.branches, entry_start=start, entry_stop=stop)


def dask_step(
    files: dict[str, list[Path]], step_size: int, capacity: int, likelihood: str
) -> Callable[[Params], Any]:
    """The same step on a dask cluster: partitions of ``step_size`` entries (``dak.from_map`` of
    :class:`ReadEntries`), ``rg.dask.value_and_grad`` with the significance as ``finalize``."""
    import dask_awkward as dak  # here: only --dask needs dask

    import raggrad.dask  # noqa: F401 - rg.dask

    step_size = chunk_size(files, step_size)  # as read(): the same partitions and capacities
    parts = {"muons": [], "jets": [], "events": []}
    for kind, paths in files.items():
        ranges = []
        for path in paths:
            with uproot.open(path) as file:
                n = file["Events"].num_entries
            ranges += [(str(path), a, min(a + step_size, n)) for a in range(0, n, step_size)]
        branches = [f"Muon_{f}" for f in MUON_FIELDS] + ["Jet_pt", "Jet_eta", "genWeight"]
        events = dak.from_map(ReadEntries(branches), ranges, label=f"read-{kind}")
        parts["muons"].append(dak.zip({f: events[f"Muon_{f}"] for f in MUON_FIELDS}))
        parts["jets"].append(dak.zip({f: events[f"Jet_{f}"] for f in ("pt", "eta")}))
        signal = events.genWeight * 0 + (1.0 if kind == "signal" else 0.0)
        parts["events"].append(dak.zip({"genWeight": events.genWeight, "signal": signal}))
    caps = capacities(files, step_size)  # the local chunks' capacities: the same programs
    muons, jets, events = (
        rg.dask.from_awkward(dak.concatenate(p), lists=step_size, elements=caps.get(name, step_size))
        for name, p in zip(("Muon", "Jet", "events"), parts.values(), strict=True)
    )
    significance = SIGNIFICANCE[likelihood]

    def loss(u: Params, muons: Any, jets: Any, events: Any) -> dict[str, Any]:
        # the two samples' histograms share every step but the weights (XLA computes them once)
        w = events.genWeight
        return {
            "signal": histogram(u, muons, jets, w * events.signal, capacity),
            "background": histogram(u, muons, jets, w * (1 - events.signal), capacity),
        }

    value_and_grad = rg.dask.value_and_grad(
        loss, finalize=lambda t: significance(t["signal"], t["background"])
    )
    return lambda u: value_and_grad(u, muons, jets, events)


# ---- main ------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="events per sample")
    parser.add_argument("--files", type=int, default=2, help="files per sample")
    parser.add_argument("--step-size", type=int, default=50_000, help="entries per chunk")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rate", type=float, default=0.5, help="Adam step, in cut widths")
    parser.add_argument("--likelihood", choices=sorted(SIGNIFICANCE), default="pyhf")
    parser.add_argument("--dask", action="store_true", help="run every step on a dask LocalCluster")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (--dask)")
    parser.add_argument(
        "--dir", default=None, help="where to write the ROOT files (default: a temporary one)"
    )
    parser.add_argument("--plot", default="optimise_analysis.png", help="PNG to write ('none': no plot)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        where = Path(args.dir or tmp)
        where.mkdir(parents=True, exist_ok=True)
        per_file = math.ceil(args.events / args.files)
        files = {
            kind: [
                write_sample(where / f"{kind}_{i}.root", kind, per_file, seed=100 * s + i)
                for i in range(args.files)
            ]
            for s, kind in enumerate(("signal", "background"))
        }
        t0 = time.perf_counter()
        samples = read(files, args.step_size)
        read_s = time.perf_counter() - t0
        capacity = pair_capacity(c for chunks in samples.values() for c in chunks)
        nchunks = sum(len(c) for c in samples.values())
        events = 2 * per_file * args.files
        print(f"read {events} events in {nchunks} chunks ({read_s:.2f} s); pair capacity {capacity}")
        if args.dask:
            from dask.distributed import Client, LocalCluster  # here: only --dask needs distributed

            with LocalCluster(n_workers=args.workers, threads_per_worker=1) as cluster, Client(cluster):
                history = optimise(
                    dask_step(files, args.step_size, capacity, args.likelihood), args.steps, args.rate
                )
        else:
            history = optimise(Step(samples, capacity, args.likelihood), args.steps, args.rate)
    first, last = history[0], history[-1]
    print(f"significance {first[0]:.3f} -> {last[0]:.3f}")
    for k in WIDTHS:
        print(f"  {k:9s} {first[1][k]:8.3f} -> {last[1][k]:8.3f}")
    if args.plot != "none":
        print(f"plot: {plot(history, args.plot)}")
    return {"history": history, "capacity": capacity, "chunks": nchunks, "read_s": read_s}


if __name__ == "__main__":
    main()
