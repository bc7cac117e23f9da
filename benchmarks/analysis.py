"""One optimisation step of the dimuon analysis: ``python -m benchmarks.analysis [--events N ...]``.

The chain of ``docs/examples/optimise_analysis.py`` (soft muon cuts, a soft jet veto, opposite-
charge pairs, their mass, a soft histogram of the masses, the Asimov significance of signal over
background) and its gradient with respect to the three thresholds, on ``--events`` events (half
signal, half background; default 1e5 and 1e6), written as

- ``raggrad``: the example's ``Step`` (bounded chunks of ``--step-size`` events read with
  ``rg.hep.iterate``, one jitted histogram per chunk, its ``jax.vjp``, the significance of the
  totals);
- ``raggrad-fused``: the same functions in one ``jax.jit(jax.value_and_grad(...))`` over every
  chunk (one program, as the padded version; the chunks unrolled, so it compiles for as long as
  there are chunks);
- ``raggrad-scan``: the same in one program that maps over the chunks (``jax.lax.map`` over
  their leaves stacked: chunks with equal capacities have one pytree structure), compiled once
  for any number of chunks;
- ``flat-jax``: the same chain hand-written on flat JAX arrays: muons, jets and muon pairs as
  flat arrays with index arrays made on the host (the pairs ``i < j`` of each event), gathers,
  a segment sum of log-probabilities for the jet veto, one jitted ``value_and_grad``;
- ``padded-jax``: the same chain hand-written with padded JAX arrays (muons and jets padded to the
  most per event, pairs over all ``i < j`` slots, masks), one jitted ``value_and_grad``;
- ``awkward-jax``: the chain in awkward on its JAX backend, ``jax.value_and_grad`` (awkward cannot
  jit); where it fails the error is recorded;
- ``awkward-np``: the chain in awkward on its NumPy backend with ``vector``, forward only.

Every alternative's significance (and gradient, where there is one) is compared with raggrad's.
Reading the ROOT files is timed separately: ``uproot.iterate`` to awkward Arrays, and
``rg.hep.iterate`` to bounded raggrad chunks. Times are medians of steady-state calls (compile
excluded, reported apart).

``--malloc retain`` reruns the benchmark with glibc set to keep freed memory (``RETAIN``): with
its defaults, every buffer of a compiled step that is not in reused memory is paid in page
faults again on every call, which costs a bounded program (more and larger buffers: the
padding slots) more than the flat one; both settings belong in a report.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import platform
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._timing import Budget, block, measure

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "optimise_analysis.py"
THETA = {"muon_pt": 14.0, "muon_eta": 2.1, "jet_pt": 55.0}
#: glibc's settings for ``--malloc retain``: freed memory stays with the process. By default glibc
#: maps large blocks afresh and returns freed memory to the system, so every buffer of a compiled
#: step that is not in reused memory is paid again in page faults on every call.
RETAIN = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "1073741824",
          "MALLOC_TOP_PAD_": "268435456"}  # fmt: skip


#: pairs of calls (the example's step, then flat-jax) for the interleaved ratio
INTERLEAVED = 40


def example() -> Any:
    if "optimise_analysis" not in sys.modules:
        spec = importlib.util.spec_from_file_location("optimise_analysis", EXAMPLE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["optimise_analysis"] = module
        spec.loader.exec_module(module)
    return sys.modules["optimise_analysis"]


def _u(oa: Any) -> dict[str, Any]:
    return {k: jnp.float32(THETA[k] / oa.WIDTHS[k]) for k in oa.WIDTHS}


def asimov(s: Any, b: Any, xp: Any = jnp) -> Any:
    return xp.sqrt(2 * xp.sum((s + b) * xp.log1p(s / b) - s))


# ---- padded JAX ---------------------------------------------------------------------------------
def _pad(lists: Any, width: int) -> np.ndarray:
    import awkward as ak

    return ak.to_numpy(ak.fill_none(ak.pad_none(lists, width, axis=1, clip=True), 0))


def padded_inputs(events: dict[str, Any]) -> dict[str, Any]:
    """Muons and jets padded to the most per event, with masks (the hand-written layout)."""
    import awkward as ak

    mu, jets = events["Muon"], events["Jet"]
    k = max(int(ak.max(ak.num(mu), initial=0)), 2)
    j = max(int(ak.max(ak.num(jets), initial=0)), 1)
    out = {f: jnp.asarray(_pad(mu[f], k)) for f in ("pt", "eta", "phi", "mass", "charge")}
    out["valid"] = jnp.asarray(_pad(ak.ones_like(mu.pt, dtype=bool), k).astype(bool))
    out["jet_pt"] = jnp.asarray(_pad(jets.pt, j))
    out["jet_valid"] = jnp.asarray(_pad(ak.ones_like(jets.pt, dtype=bool), j).astype(bool))
    out["genWeight"] = jnp.asarray(ak.to_numpy(events["genWeight"]))
    return out


def padded_histogram(oa: Any, u: dict[str, Any], d: dict[str, Any]) -> Any:
    theta = {k: u[k] * oa.WIDTHS[k] for k in oa.WIDTHS}
    sig = jax.nn.sigmoid
    w = sig((d["pt"] - theta["muon_pt"]) / oa.WIDTHS["muon_pt"])
    w = w * sig((theta["muon_eta"] - jnp.abs(d["eta"])) / oa.WIDTHS["muon_eta"])
    w = jnp.where(d["valid"], w, 0.0)
    hard = jnp.where(d["jet_valid"], sig((d["jet_pt"] - theta["jet_pt"]) / oa.WIDTHS["jet_pt"]), 0.0)
    event = d["genWeight"] * jnp.prod(1 - hard, axis=1)
    i, j = np.triu_indices(d["pt"].shape[1], k=1)
    pt, eta, phi, m = d["pt"], d["eta"], d["phi"], d["mass"]
    mt = jnp.sqrt(pt * pt + m * m)
    m2 = m[:, i] ** 2 + m[:, j] ** 2
    m2 = m2 + 2 * (
        mt[:, i] * mt[:, j] * jnp.cosh(eta[:, i] - eta[:, j])
        - pt[:, i] * pt[:, j] * jnp.cos(phi[:, i] - phi[:, j])
    )
    ok = d["valid"][:, i] & d["valid"][:, j]
    mass = jnp.sqrt(jnp.where(ok, m2, 1.0))
    weight = jnp.where(ok & (d["charge"][:, i] != d["charge"][:, j]), w[:, i] * w[:, j], 0.0) * event[:, None]
    scale = math.pi / math.sqrt(3.0) / oa.BANDWIDTH
    cdf = sig((jnp.asarray(oa.EDGES, dtype=mass.dtype)[:, None, None] - mass) * scale)
    return jnp.sum((cdf[1:] - cdf[:-1]) * weight, axis=(1, 2))


def padded_step(oa: Any, samples: dict[str, dict[str, Any]]) -> Callable[[Any], Any]:
    def significance(u: Any, samples: Any) -> Any:
        return asimov(
            padded_histogram(oa, u, samples["signal"]), padded_histogram(oa, u, samples["background"])
        )

    step = jax.jit(jax.value_and_grad(significance))
    return lambda u: step(u, samples)


# ---- flat JAX -----------------------------------------------------------------------------------
def flat_inputs(events: dict[str, Any]) -> dict[str, Any]:
    """The flat, index-based layout: every muon and jet once, the event of each, and the muon
    pairs ``i < j`` of each event as two index arrays (made on the host, once per sample)."""
    import awkward as ak

    mu, jets = events["Muon"], events["Jet"]
    counts = ak.to_numpy(ak.num(mu)).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    first, second, owner = [], [], []
    for k in np.unique(counts[counts >= 2]):  # every event with k muons: the same local pairs
        a, b = np.triu_indices(int(k), k=1)
        which = np.flatnonzero(counts == k)
        first.append((starts[which][:, None] + a).ravel())
        second.append((starts[which][:, None] + b).ravel())
        owner.append(np.repeat(which, len(a)))
    order = np.argsort(np.concatenate(owner), kind="stable")  # pairs in event order
    out = {f: jnp.asarray(ak.to_numpy(ak.flatten(mu[f]))) for f in ("pt", "eta", "phi", "mass", "charge")}
    out["i"] = jnp.asarray(np.concatenate(first)[order].astype(np.int32))
    out["j"] = jnp.asarray(np.concatenate(second)[order].astype(np.int32))
    out["pair_event"] = jnp.asarray(np.concatenate(owner)[order].astype(np.int32))
    out["jet_pt"] = jnp.asarray(ak.to_numpy(ak.flatten(jets.pt)))
    out["jet_event"] = jnp.asarray(
        np.repeat(np.arange(len(counts)), ak.to_numpy(ak.num(jets))).astype(np.int32)
    )
    out["genWeight"] = jnp.asarray(ak.to_numpy(events["genWeight"]))
    return out


def flat_histogram(oa: Any, u: dict[str, Any], d: dict[str, Any]) -> Any:
    """The chain on the flat layout: gathers by the pair indices, one segment sum for the jet
    veto, and the soft histogram one edge at a time in a ``lax.scan`` (one edges-by-pairs
    array, or one sum per bin, lets XLA recompute the masses for every edge)."""
    theta = {k: u[k] * oa.WIDTHS[k] for k in oa.WIDTHS}
    sig = jax.nn.sigmoid
    w = sig((d["pt"] - theta["muon_pt"]) / oa.WIDTHS["muon_pt"])
    w = w * sig((theta["muon_eta"] - jnp.abs(d["eta"])) / oa.WIDTHS["muon_eta"])
    # the probability that no jet passes, prod(1 - sigmoid(z)) = exp(sum(log_sigmoid(-z))):
    # jax.ops.segment_prod has no gradient for repeated indices
    soft = jax.nn.log_sigmoid((theta["jet_pt"] - d["jet_pt"]) / oa.WIDTHS["jet_pt"])
    n = d["genWeight"].shape[0]
    veto = jnp.exp(jax.ops.segment_sum(soft, d["jet_event"], num_segments=n, indices_are_sorted=True))
    event = d["genWeight"] * veto
    i, j = d["i"], d["j"]
    pt, eta, phi, m = d["pt"], d["eta"], d["phi"], d["mass"]
    mt = jnp.sqrt(pt * pt + m * m)
    m2 = (
        m[i] ** 2
        + m[j] ** 2
        + 2 * (mt[i] * mt[j] * jnp.cosh(eta[i] - eta[j]) - pt[i] * pt[j] * jnp.cos(phi[i] - phi[j]))
    )
    mass = jnp.sqrt(m2)
    weight = w[i] * w[j] * (d["charge"][i] != d["charge"][j]) * event[d["pair_event"]]
    scale = math.pi / math.sqrt(3.0) / oa.BANDWIDTH
    edges = jnp.asarray(oa.EDGES, dtype=mass.dtype)

    def step(low: Any, edge: Any) -> tuple[Any, Any]:
        high = sig((edge - mass) * scale)
        return high, jnp.sum((high - low) * weight)

    return jax.lax.scan(step, sig((edges[0] - mass) * scale), edges[1:])[1]


def flat_step(oa: Any, samples: dict[str, dict[str, Any]]) -> Callable[[Any], Any]:
    def significance(u: Any, samples: Any) -> Any:
        return asimov(flat_histogram(oa, u, samples["signal"]), flat_histogram(oa, u, samples["background"]))

    step = jax.jit(jax.value_and_grad(significance))
    return lambda u: step(u, samples)


# ---- awkward ------------------------------------------------------------------------------------
def awkward_significance(oa: Any, u: Any, samples: dict[str, Any], xp: Any, vector_mass: bool) -> Any:
    """The chain in awkward: JAX backend (``xp = jnp``) or NumPy (``xp = np``, with ``vector``)."""
    import awkward as ak

    theta = {k: u[k] * oa.WIDTHS[k] for k in oa.WIDTHS}
    flat = ak.to_jax if xp is jnp else ak.to_numpy

    def sig(z: Any) -> Any:
        return np.exp(-np.logaddexp(0.0, -z))  # stable: NumPy's ufuncs dispatch to awkward

    hists = []
    for kind in ("signal", "background"):
        events = samples[kind]
        mu, jets = events["Muon"], events["Jet"]
        w = sig((mu.pt - theta["muon_pt"]) / oa.WIDTHS["muon_pt"])
        w = w * sig((theta["muon_eta"] - abs(mu.eta)) / oa.WIDTHS["muon_eta"])
        veto = ak.prod(1 - sig((jets.pt - theta["jet_pt"]) / oa.WIDTHS["jet_pt"]), axis=1)
        if vector_mass:
            p4 = ak.zip({"pt": mu.pt, "eta": mu.eta, "phi": mu.phi, "mass": mu.mass}, with_name="Momentum4D")
            a, b = ak.unzip(ak.combinations(ak.zip({"p4": p4, "w": w, "q": mu.charge}), 2))
            mass = (a.p4 + b.p4).mass
        else:
            mt = np.sqrt(mu.pt * mu.pt + mu.mass * mu.mass)
            rec = ak.zip(
                {"pt": mu.pt, "eta": mu.eta, "phi": mu.phi, "m": mu.mass, "mt": mt, "w": w, "q": mu.charge}
            )
            a, b = ak.unzip(ak.combinations(rec, 2))
            m2 = (
                a.m * a.m
                + b.m * b.m
                + 2 * (a.mt * b.mt * np.cosh(a.eta - b.eta) - a.pt * b.pt * np.cos(a.phi - b.phi))
            )
            mass = np.sqrt(m2)
        weight = a.w * b.w * (a.q != b.q) * (events["genWeight"] * veto)
        m, wt = flat(ak.flatten(mass)), flat(ak.flatten(weight))
        scale = math.pi / math.sqrt(3.0) / oa.BANDWIDTH
        edges = xp.asarray(oa.EDGES, dtype=m.dtype)[:, None]
        cdf = sig((edges - m) * scale) if xp is np else jax.nn.sigmoid((edges - m) * scale)
        hists.append(xp.sum((cdf[1:] - cdf[:-1]) * wt, axis=1))
    return asimov(hists[0], hists[1], xp)


# ---- the benchmark ------------------------------------------------------------------------------
def write(oa: Any, n: int, where: Path) -> dict[str, list[Path]]:
    return {
        kind: [oa.write_sample(where / f"{kind}.root", kind, n // 2, seed=s)]
        for s, kind in enumerate(("signal", "background"))
    }


def _seconds(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = block(fn())
    return time.perf_counter() - start, out


def _compare(z: Any, grad: Any, ref: tuple[Any, Any] | None) -> str:
    if ref is None:
        return "reference"
    z0, g0 = ref
    err = abs(float(z) - float(z0)) / abs(float(z0))
    if grad is not None:
        err = max(
            err,
            *(abs(float(grad[k]) - float(g0[k])) / (abs(float(g0[k])) + 1e-3 * abs(float(z0))) for k in g0),
        )
    return f"ok ({err:.1e})" if err < 1e-3 else f"MISMATCH: max rel. error {err:.2g}"


def run(n: int, step_size: int, budget: Budget, awkward_jax_max: int) -> list[dict[str, Any]]:
    import awkward as ak
    import uproot

    oa = example()
    rows: list[dict[str, Any]] = []
    u = _u(oa)

    def row(
        name: str, seconds: float | None, compile_s: float | None = None, check: str = "", note: str = ""
    ) -> None:
        rows.append({"events": n, "alternative": name, "ms": None if seconds is None else 1e3 * seconds,
                     "compile_s": compile_s, "check": check, "note": note})  # fmt: skip
        ms = "" if seconds is None else f"{1e3 * seconds:9.1f} ms"
        print(f"{n:>9.0e} {name:14s} {ms:>12s} {check} {note}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        files = write(oa, n, Path(tmp))
        names = [*(f"Muon_{f}" for f in oa.MUON_FIELDS), "Jet_pt", "Jet_eta", "genWeight"]
        t = measure(
            lambda: [
                list(uproot.iterate(f"{p[0]}:Events", names, step_size=step_size)) for p in files.values()
            ],
            Budget(0.5, 1, 3),
        )
        row("read: uproot", t.median, note="uproot.iterate to awkward Arrays")
        chunks = oa.read(files, step_size)  # (the first call also pays JAX's first-use costs)
        t = measure(lambda: oa.read(files, step_size), Budget(0.5, 1, 3))
        row("read: raggrad", t.median, note="rg.hep.iterate to bounded chunks (capacities from the counters)")
        events = {k: uproot.open(p[0])["Events"].arrays(names) for k, p in files.items()}
    events = {
        k: {
            "Muon": ak.zip({f: e[f"Muon_{f}"] for f in oa.MUON_FIELDS}),
            "Jet": ak.zip({"pt": e.Jet_pt, "eta": e.Jet_eta}),
            "genWeight": e.genWeight,
        }
        for k, e in events.items()
    }
    capacity = oa.pair_capacity(c for s in chunks.values() for c in s)

    # raggrad: the example's step, chunk by chunk
    step = oa.Step(chunks, capacity, "asimov")
    compile_s, (z, grad) = _seconds(lambda: step(u))
    ref = (z, grad)
    row("raggrad", measure(lambda: step(u), budget).median, compile_s, _compare(z, grad, None),
        f"{sum(map(len, chunks.values()))} chunks of {step_size}")  # fmt: skip

    # raggrad, one program over every chunk
    def fused(u: Any, chunks: Any) -> Any:
        totals = {
            kind: sum(oa.histogram(u, c["Muon"], c["Jet"], c["genWeight"], capacity) for c in sample)
            for kind, sample in chunks.items()
        }
        return asimov(totals["signal"], totals["background"])

    def program(name: str, call: Callable[[], Any], note: str) -> None:
        compile_s, (z, grad) = _seconds(call)
        row(name, measure(call, budget).median, compile_s, _compare(z, grad, ref), note)

    fused_step = jax.jit(jax.value_and_grad(fused))
    program("raggrad-fused", lambda: fused_step(u, chunks), "one program, the chunks unrolled")

    # raggrad, one program over every chunk: lax.map over the chunks' leaves stacked (the chunks
    # share their capacities, so their pytrees differ in their leaves' values only)
    def scanned(u: Any, stacked: Any) -> Any:
        def one(c: Any) -> Any:
            return oa.histogram(u, c["Muon"], c["Jet"], c["genWeight"], capacity)

        totals = {kind: jnp.sum(jax.lax.map(one, s), axis=0) for kind, s in stacked.items()}
        return asimov(totals["signal"], totals["background"])

    stacked = {kind: jax.tree.map(lambda *leaves: jnp.stack(leaves), *s) for kind, s in chunks.items()}
    scan_step = jax.jit(jax.value_and_grad(scanned))
    program("raggrad-scan", lambda: scan_step(u, stacked), "one program, lax.map over the stacked chunks")

    # flat JAX, hand-written (pair indices made on the host)
    fstep = flat_step(oa, {k: flat_inputs(e) for k, e in events.items()})
    program("flat-jax", lambda: fstep(u), "pair indices from the host")

    # the example's step against flat-jax as interleaved pairs of calls: this machine's drifts
    # (page reclaim, other work; one alternative's median moves by 2x between runs) fall on both
    ratios = [_seconds(lambda: step(u))[0] / _seconds(lambda: fstep(u))[0] for _ in range(INTERLEAVED)]
    q25, q50, q75 = np.percentile(ratios, [25, 50, 75])
    row("raggrad / flat-jax", None, check=f"{q50:.2f}x (IQR {q25:.2f}-{q75:.2f})",
        note=f"{INTERLEAVED} interleaved pairs of calls, median ratio")  # fmt: skip

    # padded JAX, hand-written
    padded = {k: padded_inputs(e) for k, e in events.items()}
    pstep = padded_step(oa, padded)
    k = padded["signal"]["pt"].shape[1], padded["background"]["pt"].shape[1]
    program("padded-jax", lambda: pstep(u), f"muons padded to {k}")

    # awkward, JAX backend (no jit)
    if n > awkward_jax_max:
        row("awkward-jax", None, note=f"not run above {awkward_jax_max:.0e} events (--awkward-jax-max)")
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ak.jax.register_and_check()
                on_jax = {k: {f: ak.to_backend(v, "jax") for f, v in e.items()} for k, e in events.items()}
                ag = jax.value_and_grad(lambda u: awkward_significance(oa, u, on_jax, jnp, False))
                first, (z, grad) = _seconds(lambda: ag(u))
                row(
                    "awkward-jax",
                    measure(lambda: ag(u), budget).median,
                    first,
                    _compare(z, grad, ref),
                    "jax.value_and_grad, eager",
                )
        except Exception as exc:  # recorded: where and why awkward-jax fails
            row("awkward-jax", None, check=f"error ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})")

    # awkward, NumPy backend, with vector: forward only
    try:
        import vector

        vector.register_awkward()
        u_np = {key: float(v) for key, v in u.items()}
        forward = lambda: awkward_significance(oa, u_np, events, np, True)  # noqa: E731
        z = forward()
        row(
            "awkward-np",
            measure(forward, budget).median,
            None,
            _compare(z, None, ref),
            "forward only, vector",
        )
    except Exception as exc:
        row("awkward-np", None, check=f"error ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})")
    return rows


def markdown(rows: list[dict[str, Any]], note: str) -> str:
    lines = [
        note,
        "",
        "| events | alternative | ms per step | compile s | check | note |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        ms = "" if r["ms"] is None else f"{r['ms']:.1f}"
        c = "" if r["compile_s"] is None else f"{r['compile_s']:.1f}"
        lines.append(f"| {r['events']:.0e} | {r['alternative']} | {ms} | {c} | {r['check']} | {r['note']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=float, nargs="+", default=[1e5, 1e6])
    parser.add_argument("--step-size", type=int, default=100_000, help="entries per chunk (raggrad)")
    parser.add_argument("--awkward-jax-max", type=float, default=1e5, help="largest size awkward-jax runs at")
    parser.add_argument("--seconds", type=float, default=2.0, help="time budget per alternative and size")
    parser.add_argument(
        "--malloc",
        choices=("default", "retain"),
        default="default",
        help="retain: rerun with glibc keeping freed memory (no page faults on every new buffer)",
    )
    args = parser.parse_args(argv)
    if args.malloc == "retain" and any(os.environ.get(k) != v for k, v in RETAIN.items()):
        os.execve(sys.executable, [sys.executable, "-m", "benchmarks.analysis", *sys.argv[1:]],
                  {**os.environ, **RETAIN})  # fmt: skip
    warnings.filterwarnings("ignore", message=".*JAX backend is deprecated", category=DeprecationWarning)
    rows = []
    for n in args.events:
        rows += run(int(n), args.step_size, Budget(args.seconds, 3, 20), int(args.awkward_jax_max))
    try:
        load = f"{os.getloadavg()[0]:.1f}"
    except OSError:
        load = "?"
    note = (
        f"`python -m benchmarks.analysis` on {platform.machine()}, {os.cpu_count()} cores, "
        f"JAX {jax.__version__} on `{jax.devices()[0]}`; load average at the end {load}. Float32 data. "
        f"malloc: {args.malloc}."
    )
    print(markdown(rows, note))
    return rows


if __name__ == "__main__":
    main()
