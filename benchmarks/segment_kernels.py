"""Workload A's gradient through each segment-reduction route, sizes 1e5 … 1e8, two length laws.

``f(x) = Σ_i (Σ_j sin(x_ij)·x_ij²)²``, float32, ``jax.jit(jax.value_and_grad(f))``:

- ``jax-sorted`` / ``jax-unsorted``: hand-written ``jax.ops.segment_sum`` with the segment ids
  passed as an argument, with and without ``indices_are_sorted`` (the best hand-written form);
- ``raggrad-xla``: raggrad with ``JaxBackend.kernels = "xla"`` (``jax.ops.segment_*``; on GPUs the
  ids are rebuilt on the device from the offsets above ``DEVICE_IDS_MIN`` elements);
- ``raggrad-pallas``: raggrad with ``kernels = "pallas"``: the offsets-only Pallas/Triton kernels
  (GPU only; ``--interpret`` runs them through Pallas' interpreter instead, to check the script);
- ``floor``: the fused elementwise pass ``sin(x)·x·x`` alone (read and write ``m`` floats).

Per row: steady-state median (ms), first call (trace + compile + run, s), and the float32 error of
the per-list sums: the largest error relative to the largest sum, against a float64 reference.
``--tilings`` adds ``raggrad-pallas`` rows for other kernel shapes at the largest size.

``python -m benchmarks.segment_kernels [--sizes 1e5,1e6] [--dists poisson,pareto] [--tilings]
[--interpret] [--out FILE.json]``
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import raggrad as rg
from raggrad._backends import _jax_pallas
from raggrad._backends._jax import JaxBackend

from ._timing import Budget, first_call, measure
from .workloads import _a_loss_segment, _a_raggrad_loss, make_case

#: kernel shapes tried by --tilings: (rows, cols, piece, num_warps)
TILINGS = [
    (64, 16, 1024, 4),
    (128, 8, 1024, 4),
    (32, 32, 1024, 4),
    (64, 16, 4096, 4),
    (128, 16, 1024, 8),
    (256, 4, 512, 4),
]


def _per_list(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    terms = np.sin(values.astype(np.float64)) * values.astype(np.float64) ** 2
    sums = np.zeros(len(offsets) - 1)
    nonempty = np.diff(offsets) > 0
    sums[nonempty] = np.add.reduceat(terms, offsets[:-1][nonempty])
    return sums


def _error(got: Any, reference: np.ndarray) -> float:
    got = np.asarray(got, dtype=np.float64)
    return float(np.max(np.abs(got - reference)) / max(np.max(np.abs(reference)), 1e-30))


def _route(name: str, case: Any, device: Any) -> tuple[Any, Any]:
    """(one timed call, one call of the per-list sums or None) of a route."""
    values = jax.device_put(case.data["values"], device)
    if name.startswith("jax-"):
        ids = jax.device_put(case.ids.astype(np.int32), device)
        sorted_ids = name == "jax-sorted"
        grad = jax.jit(_a_loss_segment(sorted_ids), static_argnums=(2,))

        def sums(v: Any, ids: Any, n: int) -> Any:
            return jax.ops.segment_sum(jnp.sin(v) * v * v, ids, num_segments=n, indices_are_sorted=sorted_ids)

        jit_sums = jax.jit(sums, static_argnums=(2,))
        return (lambda: grad(values, ids, case.n)), (lambda: jit_sums(values, ids, case.n))
    if name == "floor":
        floor = jax.jit(lambda v: jnp.sin(v) * v * v)
        return (lambda: floor(values)), None
    x = rg.to_backend(rg.from_offsets(case.offsets, case.data["values"]), "jax", device=device)
    grad = jax.jit(jax.value_and_grad(_a_raggrad_loss))
    sums = jax.jit(lambda x: rg.sum(np.sin(x) * x * x, axis=1).values)
    return (lambda: grad(x)), (lambda: sums(x))


def run_row(
    name: str, case: Any, device: Any, budget: Budget, kernels: str = "xla", tiling: Any = None
) -> dict[str, Any]:
    row: dict[str, Any] = {"route": name, "dist": case.dist, "size": case.size, "lists": case.n}
    if tiling is not None:
        row["tiling"] = [tiling.rows, tiling.cols, tiling.piece, tiling.num_warps]
    before = (JaxBackend.kernels, JaxBackend.tiling)
    try:
        JaxBackend.kernels, JaxBackend.tiling = kernels, tiling
        call, sums = _route(name, case, device)
        row["first_s"], _ = first_call(call)
        timing = measure(call, budget)
        row["ms"], row["q25_ms"], row["q75_ms"] = timing.median * 1e3, timing.q25 * 1e3, timing.q75 * 1e3
        if sums is not None:
            row["error"] = _error(sums(), _per_list(case.data["values"], case.offsets))
    except Exception as exc:  # a route that cannot run here is reported, not fatal
        row["failed"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        JaxBackend.kernels, JaxBackend.tiling = before
    return row


def _fmt(row: dict[str, Any], best: float | None) -> str:
    if "failed" in row:
        return f"| {row['dist']} | {row['size']:.0e} | {row['route']} | failed: {row['failed']} | | | |"
    ratio = f"{row['ms'] / best:.2f}" if best and not row["route"].startswith("jax-") else ""
    err = f"{row['error']:.2e}" if "error" in row else ""
    route = row["route"] + (f" {tuple(row['tiling'])}" if "tiling" in row else "")
    cells = [
        row["dist"],
        f"{row['size']:.0e}",
        route,
        f"{row['ms']:.3f}",
        ratio,
        f"{row['first_s']:.2f}",
        err,
    ]
    return "| " + " | ".join(cells) + " |"


def accuracy(kernels: str, device: Any) -> None:
    """Per-list float32 sums against float64: kernels vs ``jax.ops.segment_sum`` (mean and worst)."""
    rng = np.random.default_rng(1)
    head = [
        "lengths",
        "elements",
        "longest",
        "mean: kernels",
        "mean: segment_sum",
        "worst: kernels",
        "worst: segment_sum",
    ]
    print("| " + " | ".join(head) + " |")
    print("|---|---|---|---|---|---|---|")
    for dist, lengths in (
        ("poisson", rng.poisson(10, 100_000)),
        ("pareto", np.minimum((rng.pareto(1.2, 20_000) * 5).astype(np.int64), 100_000)),
    ):
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        values = (rng.normal(size=offsets[-1]) ** 2 * 3).astype(np.float32)
        exact = np.add.reduceat(np.append(values.astype(np.float64), 0), offsets[:-1]) * (lengths > 0)
        scale = np.maximum(np.abs(exact), 1e-30)
        x = rg.to_backend(rg.from_offsets(offsets, values), "jax", device=device)
        ids = jax.device_put(np.repeat(np.arange(len(lengths)), lengths), device)
        before = JaxBackend.kernels
        try:
            JaxBackend.kernels = kernels
            ours = np.asarray(rg.sum(x, axis=1).values, np.float64)
        finally:
            JaxBackend.kernels = before
        xla = np.asarray(jax.ops.segment_sum(jnp.asarray(x.values), ids, len(lengths)), np.float64)
        a, b = np.abs(ours - exact) / scale, np.abs(xla - exact) / scale
        cells = [
            dist,
            f"{offsets[-1]:.3g}",
            str(lengths.max()),
            *(f"{e:.3g}" for e in (a.mean(), b.mean(), a.max(), b.max())),
        ]
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e5,1e6,1e7,1e8")
    parser.add_argument("--dists", default="poisson,pareto")
    parser.add_argument("--tilings", action="store_true", help="kernel shapes at the largest size")
    parser.add_argument("--interpret", action="store_true", help="Pallas interpreter (no GPU needed)")
    parser.add_argument("--accuracy", action="store_true", help="only the float32 accuracy table")
    parser.add_argument("--seconds", type=float, default=0.5, help="timing budget per row")
    parser.add_argument("--out", default=None, help="write the rows as JSON here")
    args = parser.parse_args()
    device = jax.devices()[0]
    kernels = "interpret" if args.interpret else "pallas"
    # compiled kernels need a GPU: on a CPU "pallas" would silently time the xla route
    no_kernels = kernels == "pallas" and device.platform == "cpu"
    budget = Budget(seconds=args.seconds, min_repeats=5, max_repeats=100)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print(f"device: {device.device_kind} ({device.platform}); jax {jax.__version__}; kernels={kernels}")
    if args.accuracy:
        if no_kernels:
            msg = "the compiled kernels need a GPU: add --interpret to use Pallas' interpreter"
            raise SystemExit(msg)
        accuracy(kernels, device)
        return
    print("| lengths | size | route | ms | ratio to best hand-written | first call s | f32 error |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for dist in args.dists.split(","):
        for size in sizes:
            case = make_case("A", dist, size)
            plain = ("jax-sorted", "jax-unsorted", "floor", "raggrad-xla")
            block = [run_row(name, case, device, budget) for name in plain]
            if no_kernels:
                block.append({"route": "raggrad-pallas", "dist": dist, "size": size, "failed": "needs a GPU"})
            else:
                block.append(run_row("raggrad-pallas", case, device, budget, kernels, _jax_pallas.Tiling()))
            if args.tilings and size == sizes[-1] and not no_kernels:
                for shape in TILINGS[1:]:
                    tiling = _jax_pallas.Tiling(*shape)
                    block.append(run_row("raggrad-pallas", case, device, budget, kernels, tiling))
            hand = [r["ms"] for r in block if r["route"].startswith("jax-") and "ms" in r]
            for row in block:
                print(_fmt(row, min(hand) if hand else None), flush=True)
            rows += block
    if args.out:
        with open(args.out, "w") as f:
            meta = {"device": device.device_kind, "jax": jax.__version__, "when": time.strftime("%Y-%m-%d")}
            json.dump({**meta, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
