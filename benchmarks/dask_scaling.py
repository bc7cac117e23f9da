"""Workload B on dask: the value and gradient of the soft-histogram loss over many partitions.

Workload B (``benchmarks/README.md``): events with Poisson(2.5) muons, all pairs per event, the
invariant mass, soft cuts on pt and |eta| (the two parameters), a soft mass histogram of 20 bins,
the squared distance to a target histogram. Over partitions the loss is a ``finalize`` of sums:
each partition returns its histogram (unnormalised) and its number of events, and
``finalize(totals) = sum((hist / events - target)**2)``. Rows:

- ``in-process``: ``jax.jit(jax.value_and_grad(finalize ∘ sums))`` on all events as one bounded
  array (the single-process computation the others must equal);
- ``in-process loop``: the two passes ``rg.dask.value_and_grad`` makes (totals, then one
  vector-Jacobian product per partition) run partition by partition in this process, no dask;
- ``dask, k workers``: ``rg.dask.value_and_grad`` on a ``LocalCluster`` of ``k`` worker
  processes with one thread each, over the partitions persisted in the workers' memory
  (``client.persist``); ``from files`` reads every partition from its ``.npz`` file again
  (``dak.from_map``), as a first pass over a dataset does.

Every process runs XLA on one thread (``XLA_FLAGS``), so that ``k`` workers use ``k`` cores.
Reported: seconds per call (the fastest and the median of ``--repeats``, after a warm-up call
that compiles), the CPU seconds per call of every process taking part (robust where other work
shares the cores), events/s, dask's overhead at one worker, the speed-up from one to two workers,
and the programs each worker compiled.
``python -m benchmarks.dask_scaling [--events 2000000] [--partitions 16]``.
"""

from __future__ import annotations

import os

# one XLA thread per process (set before jax is imported; the workers inherit it)
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse
import functools
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import raggrad as rg

from .workloads import B_BINS, B_SIGMA, B_WIDTH, b_pair_mass, b_weight, make_case

CENTERS = tuple(float((k + 0.5) * B_WIDTH) for k in range(B_BINS))
FIELDS = ("pt", "eta", "phi", "mass")


# ---- the loss, written once for a partition -----------------------------------------------------
def partition_sums(theta: Any, muons: Any) -> dict[str, Any]:
    """Per-partition sums: the soft mass histogram of the muon pairs and the number of events."""
    w = b_weight(np, muons.pt, muons.eta, theta)
    mt = np.sqrt(muons.pt * muons.pt + muons.mass * muons.mass)
    both = rg.zip({"pt": muons.pt, "eta": muons.eta, "phi": muons.phi, "mass": muons.mass, "mt": mt, "w": w})
    # Poisson(2.5) muons give 1.25 pairs per muon: the element capacity (>= 1.0 per muon, in
    # power-of-two buckets) holds them with room; more pairs would make the sums NaN, never wrong
    cap = rg.capacity(muons)
    first, second = rg.combinations(both, 2, capacity=None if cap is None else 2 * cap.elements)
    fields = ("pt", "eta", "phi", "mass", "mt")
    m = b_pair_mass(np, tuple(first[f] for f in fields), tuple(second[f] for f in fields))
    ww = first.w * second.w
    hist = jnp.stack([rg.sum(ww * np.exp(-0.5 * ((m - c) / B_SIGMA) ** 2)) for c in CENTERS])
    return {"hist": hist, "events": rg.num(muons, axis=0)}


def distance(target: Any, totals: dict[str, Any]) -> Any:
    """``finalize``: the squared distance of the normalised total histogram to the target."""
    return jnp.sum((totals["hist"] / totals["events"] - target) ** 2)


# ---- data: one .npz file per partition --------------------------------------------------------
class ReadPartition:
    """``dak.from_map``'s function: one partition's muons from its file."""

    def __call__(self, path: str) -> Any:
        import awkward as ak

        with np.load(path) as f:
            lengths = f["lengths"]
            return ak.zip({k: ak.unflatten(f[k], lengths) for k in FIELDS})


def write_partitions(case: Any, n: int, folder: Path) -> list[str]:
    edges = np.linspace(0, case.n, n + 1).astype(np.int64)
    paths = []
    for i in range(n):
        lo, hi = case.offsets[edges[i]], case.offsets[edges[i + 1]]
        path = folder / f"muons-{i:03d}.npz"
        arrays = {k: case.data[k][lo:hi] for k in FIELDS}
        np.savez(path, lengths=np.diff(case.offsets[edges[i] : edges[i + 1] + 1]), **arrays)
        paths.append(str(path))
    return paths


def _cpu_seconds() -> float:
    """CPU seconds this process has used (all threads), user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(fn: Any, repeats: int, cpu: Any = _cpu_seconds) -> dict[str, Any]:
    """Wall seconds of ``fn()`` (fastest and median of ``repeats``) and CPU seconds per call.

    On a machine shared with other work the fastest call is the better estimate of the cost, and
    the CPU seconds (of every process taking part) do not count the time spent waiting for a core.
    """
    times, out = [], None
    cpu0 = cpu()
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    cpu_per_call = (cpu() - cpu0) / repeats
    return {"seconds": min(times), "median": float(np.median(times)), "cpu": cpu_per_call, "out": out}


def _relative(a: Any, b: Any) -> float:
    pairs = zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    return max(float(np.max(np.abs(np.asarray(u) - np.asarray(v)) / np.abs(np.asarray(v)))) for u, v in pairs)


# ---- the rows -----------------------------------------------------------------------------------
def in_process(case: Any, theta: Any, finalize: Any, repeats: int) -> dict[str, Any]:
    lengths = np.diff(case.offsets)
    muons = rg.zip({k: rg.from_lengths(lengths, case.data[k]) for k in FIELDS})
    x = rg.to_backend(rg.with_capacity(muons), "jax")
    step = jax.jit(jax.value_and_grad(lambda t, x: finalize(partition_sums(t, x))))
    t0 = time.perf_counter()
    jax.block_until_ready(step(theta, x))
    first = time.perf_counter() - t0
    return {
        "row": "in-process",
        "first_call": first,
        "compilations": 1,
        **_timed(lambda: step(theta, x), repeats),
    }


def in_process_loop(paths: list[str], theta: Any, finalize: Any, repeats: int) -> dict[str, Any]:
    """The computation rg.dask.value_and_grad distributes, partition by partition, in this process."""
    read = ReadPartition()
    parts = [rg.with_capacity(rg.from_awkward(read(p))) for p in paths]
    totals_of = jax.jit(partition_sums)

    @jax.jit
    def pullback(theta: Any, x: Any, ct: Any) -> Any:
        return rg.vjp(lambda t: partition_sums(t, x), theta)[1](ct)[0]

    def run() -> Any:
        partials = [totals_of(theta, p) for p in parts]
        totals = jax.tree_util.tree_map(lambda *leaves: sum(leaves[1:], leaves[0]), *partials)
        value, ct = rg.value_and_grad(finalize)(totals)  # rg: the event count is an integer
        grads = [pullback(theta, p, ct) for p in parts]
        return value, jax.tree_util.tree_map(lambda *g: sum(g[1:], g[0]), *grads)

    t0 = time.perf_counter()
    jax.block_until_ready(run())
    first = time.perf_counter() - t0
    buckets = len({rg.capacity(p) for p in parts})
    return {
        "row": "in-process loop",
        "first_call": first,
        "compilations": 2 * buckets,
        **_timed(run, repeats),
    }


def on_dask(paths: list[str], workers: int, theta: Any, finalize: Any, repeats: int) -> list[dict[str, Any]]:
    import dask_awkward as dak
    from distributed import Client, LocalCluster, wait

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    )
    with cluster, Client(cluster) as client:
        client.run(lambda: __import__("raggrad.dask"))  # workers import jax and raggrad before timing

        def cpu() -> float:  # the workers' and this process's (client and scheduler)
            return sum(client.run(_cpu_seconds).values()) + _cpu_seconds()

        source = dak.from_map(ReadPartition(), paths, label="muons")
        f = rg.dask.value_and_grad(partition_sums, finalize=finalize)
        t0 = time.perf_counter()
        jax.block_until_ready(f(theta, rg.dask.from_awkward(source)))  # reads, compiles
        first = time.perf_counter() - t0
        # each call reads the files again: nothing stays in the workers' memory after a call
        files = _timed(lambda: f(theta, rg.dask.from_awkward(source)), max(1, repeats // 2), cpu)
        t0 = time.perf_counter()
        persisted = client.persist(rg.dask.from_awkward(source))
        wait(persisted)
        read = time.perf_counter() - t0
        timing = _timed(lambda: f(theta, persisted), repeats, cpu)
        compilations = sorted(client.run(rg.dask.compilations).values())
    label = f"dask, {workers} worker{'s' if workers > 1 else ''}"
    row = {"row": label, "first_call": first, "read_and_persist": read, "compilations": compilations}
    return [
        {**row, **timing},
        {"row": f"{label}, from files", "compilations": compilations, **files, "out": None},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=None, help="write the rows as JSON here")
    args = parser.parse_args()

    case = make_case("B", "", args.events)
    theta = jnp.asarray(case.data["theta"])
    finalize = functools.partial(distance, np.asarray(case.data["target"]))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        paths = write_partitions(case, args.partitions, Path(folder))
        rows.append(in_process(case, theta, finalize, args.repeats))
        rows.append(in_process_loop(paths, theta, finalize, args.repeats))
        for k in (int(w) for w in args.workers.split(",")):
            rows.extend(on_dask(paths, k, theta, finalize, args.repeats))

    reference = rows[0]["out"]
    print(f"# workload B, {args.events:.0e} events in {args.partitions} partitions, float32")
    print(f"# {os.cpu_count()} cores, XLA_FLAGS={os.environ['XLA_FLAGS']!r}, load {os.getloadavg()[0]:.1f}")
    print(
        "| row | s per call (fastest) | median | CPU s per call | events/s | vs in-process | first call (s) |"
    )
    print("|---|---|---|---|---|---|---|")
    base = rows[0]
    for r in rows:
        if r["out"] is not None:
            r["max_relative_difference"] = _relative(r["out"], reference)
        first = f"{r['first_call']:.1f}" if "first_call" in r else ""
        print(
            f"| {r['row']} | {r['seconds']:.2f} | {r['median']:.2f} | {r['cpu']:.2f} | "
            f"{args.events / r['seconds']:.3g} | {r['seconds'] / base['seconds']:.2f}x | {first} |"
        )
    print("\ncompilations per process:", {r["row"]: r["compilations"] for r in rows if "first_call" in r})
    by = {r["row"]: r for r in rows}
    if "dask, 1 worker" in by:
        one, loop = by["dask, 1 worker"], by["in-process loop"]
        print(
            f"dask at 1 worker vs in-process: {one['seconds'] / base['seconds']:.2f}x wall, "
            f"{one['cpu'] / base['cpu']:.2f}x CPU; of which the two passes over partitions (the loop): "
            f"{loop['seconds'] / base['seconds']:.2f}x wall, and dask itself (1 worker vs the loop): "
            f"{one['seconds'] / loop['seconds']:.2f}x wall, {one['cpu'] / loop['cpu']:.2f}x CPU"
        )
    if "dask, 1 worker" in by and "dask, 2 workers" in by:
        one, two = by["dask, 1 worker"], by["dask, 2 workers"]
        print(
            f"1 -> 2 workers: {one['seconds'] / two['seconds']:.2f}x faster (wall); CPU per call "
            f"{one['cpu']:.2f} -> {two['cpu']:.2f} s"
        )
    worst = max(r.get("max_relative_difference", 0.0) for r in rows)
    print(f"largest relative difference to the in-process result (float32): {worst:.1e}")
    if args.out:
        for r in rows:
            r.pop("out")
        Path(args.out).write_text(json.dumps({"events": args.events, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
