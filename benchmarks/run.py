"""Benchmark harness: ``python -m benchmarks.run --quick`` (or ``--full``).

Runs workloads A (micro), B (HEP) and C (ML) as raggrad code and as the alternatives (hand-written
JAX, padded dense JAX, awkward), checks that every alternative gives the same loss and gradients,
times them, and writes a table (stdout), ``results-<device>.json``, ``RESULTS.md`` (CPU) or
``RESULTS-gpu.md`` (GPU) and ``results-<device>.png``. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from . import _report, _timing
from . import workloads as wl

# sizes: elements (A), events (B), sequences (C)
SIZES: dict[str, dict[str, list[int]]] = {
    "quick": {"A": [10**4, 10**5, 10**6], "B": [10**4, 10**5], "C": [10**3, 10**4]},
    "full": {"A": [10**4, 10**5, 10**6, 10**7], "B": [10**4, 10**5, 10**6], "C": [10**3, 10**4, 10**5]},
}
GPU_FULL_EXTRA = {"A": [10**8]}
DISTS = {"A": ["poisson", "pareto"], "B": ["poisson"], "C": ["poisson"]}
BUDGETS = {
    "quick": _timing.Budget(seconds=0.25, min_repeats=3, max_repeats=20),
    "full": _timing.Budget(seconds=1.0, min_repeats=5, max_repeats=50),
}
#: an eager alternative is skipped at a size where one call would take longer than this (seconds),
#: extrapolated linearly from the previous size
EAGER_LIMIT = {"quick": 4.0, "full": 30.0}
#: the padded alternative is skipped where its padded inputs would exceed this many bytes
PADDED_LIMIT = {"cpu": 1 << 30, "gpu": 8 << 30}
EAGER = ("awkward-jax", "awkward-np", "raggrad-eager")
# loss and gradients must agree to this relative tolerance (float32 sums over up to 1e8 terms)
RTOL = 2e-3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", action="store_const", dest="mode", const="quick", help="small sizes (default)"
    )
    mode.add_argument("--full", action="store_const", dest="mode", const="full", help="all sizes")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent, help="where results go")
    parser.add_argument("--only", default="A,B,C", help="comma-separated workloads, e.g. A,C")
    parser.add_argument("--note", default="", help="a sentence added to the Markdown report")
    args = parser.parse_args(argv)
    mode = args.mode or "quick"
    only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = set(only) - set(SIZES[mode])
    if unknown:
        parser.error(f"--only: unknown workloads {sorted(unknown)}; choose from A, B, C")

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # awkward's JAX backend
    warnings.filterwarnings("ignore", message=".*awkward.*")
    import jax

    try:
        device = jax.devices(args.device)[0]
    except RuntimeError as exc:
        parser.error(f"--device {args.device}: no such JAX device ({exc}); available: {jax.devices()}")

    machine = _report.machine_info(args.device, device)
    print(f"raggrad benchmarks ({mode}) on {machine['name']}, {machine['cores']} cores, {machine['date']}")
    if machine["busy"]:
        print(f"note: load average {machine['load_at_start']:.1f} at start: other processes are running")
    started = time.perf_counter()
    with jax.default_device(device):
        rows = []
        for workload in only:
            sizes = SIZES[mode][workload] + (
                GPU_FULL_EXTRA.get(workload, []) if mode == "full" and args.device == "gpu" else []
            )
            for dist in DISTS[workload]:
                rows += run_workload(workload, dist, sizes, mode, args.device, device)
        overhead = eager_overhead(device)
    torch_result = torch_rows(mode, args.device)
    targets = _report.evaluate_targets(rows, overhead, mode)
    elapsed = time.perf_counter() - started
    print()
    print(_report.text_table(rows))
    print()
    print(_report.text_overhead(overhead))
    print()
    print(_report.text_targets(targets))
    if torch_result is not None:
        from . import torch_bench

        print()
        print(torch_bench.text(torch_result))
    results = {
        "mode": mode,
        "device": args.device,
        "machine": machine,
        "seconds": elapsed,
        "alternatives": wl.ALTERNATIVES,
        "rows": rows,
        "overhead": overhead,
        "targets": targets,
        "torch": torch_result,
        "note": args.note,
    }
    written = _report.write_all(results, args.out)
    print(f"\nfinished in {elapsed:.0f} s; wrote " + ", ".join(str(p) for p in written))
    mismatches = [r for r in rows if r["status"] == "MISMATCH"]
    if mismatches:
        print(
            f"\n!!! {len(mismatches)} row(s) gave different numbers from hand-written JAX: "
            + ", ".join(f"{r['case']} {r['size']:.0e} {r['alt']}" for r in mismatches)
        )
    return 1 if mismatches else 0


def torch_rows(mode: str, device: str) -> dict[str, Any] | None:
    """Workload A's gradient on raggrad's torch backend vs hand-written torch (None without torch)."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        print("torch is not installed: no torch rows")
        return None
    from . import torch_bench

    size = 1_000_000 if mode == "full" else 100_000
    return torch_bench.measure(size=size, device="cuda" if device == "gpu" else "cpu", seconds=1.0)


def run_workload(
    workload: str, dist: str, sizes: list[int], mode: str, device_kind: str, device: Any
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    last_eager: dict[str, tuple[int, float]] = {}
    for size in sizes:
        case = wl.make_case(workload, dist, size)
        shape = f"{case.n:,} lists, {case.m:,} elements, longest {case.max_length}"
        print(f"\n{case.label}: size {size:.0e}, {shape}")
        reference: dict[str, Any] | None = None
        case_rows = []
        for alt in wl.ALTERNATIVES:
            if alt not in wl.IMPLEMENTATIONS[workload]:  # a variant of one workload only
                continue
            row = _base_row(case, alt)
            case_rows.append(row)
            reason = _skip_reason(case, alt, mode, device_kind, last_eager)
            if reason:
                row.update(
                    status="skipped" if reason.startswith("est.") or "padded" in reason else "n/a",
                    reason=reason,
                )
            else:
                reference = _run_one(case, alt, row, mode, device, reference)
                if alt in EAGER and row["median_s"] is not None:
                    last_eager[alt] = (size, row["median_s"])
            print("  " + _report.progress_line(row), flush=True)
        best = [
            r["median_s"]
            for r in case_rows
            if r["alt"] in wl.HANDWRITTEN and r["median_s"] and r["status"] == "ok"
        ]
        for row in case_rows:
            if best and row["median_s"]:
                row["ratio"] = row["median_s"] / min(best)
        rows += case_rows
    return rows


def _base_row(case: wl.Case, alt: str) -> dict[str, Any]:
    return {
        "workload": case.workload,
        "dist": case.dist,
        "case": case.label,
        "size": case.size,
        "alt": alt,
        "lists": case.n,
        "elements": case.m,
        "longest": case.max_length,
        "content_bytes": case.content_bytes,
        "status": "ok",
        "reason": "",
        "median_s": None,
        "q25_s": None,
        "q75_s": None,
        "min_s": None,
        "max_s": None,
        "repeats": 0,
        "first_call_s": None,
        "compile_s": None,
        "memory": {},
        "peak_x": None,
        "temp_x": None,
        "padded_x": None,
        "ratio": None,
        "max_rel_err": None,
    }


def _skip_reason(
    case: wl.Case, alt: str, mode: str, device_kind: str, last_eager: dict[str, tuple[int, float]]
) -> str:
    if alt.startswith("awkward") and device_kind != "cpu":
        return "awkward runs on CPU only"
    if alt.startswith("awkward") and not wl.have_awkward():
        return "awkward not installed"
    if alt.startswith("raggrad") and wl.missing_ops(case.workload):
        return "op missing: " + ", ".join(wl.missing_ops(case.workload))
    if alt == "padded":
        need = wl.padded_footprint(case)
        if need > PADDED_LIMIT[device_kind]:
            return f"padded inputs {need / 2**30:.1f} GiB = {case.padded_fraction:.0f}x content elements"
    if alt in last_eager:
        size, seconds = last_eager[alt]
        estimate = seconds * case.size / size
        if estimate > EAGER_LIMIT[mode]:
            return f"est. {estimate:.0f} s per call"
    return ""


def _run_one(
    case: wl.Case, alt: str, row: dict[str, Any], mode: str, device: Any, reference: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Prepare, compile, check and time one alternative; fills ``row``; returns the reference."""
    try:
        prepared = wl.IMPLEMENTATIONS[case.workload][alt](case, device)
    except wl.Unavailable as exc:
        row.update(status="n/a", reason=str(exc))
        return reference
    except Exception as exc:
        row.update(status="error", reason=_error_text(exc))
        return reference
    if prepared.padded_bytes is not None:
        row["padded_x"] = prepared.padded_bytes / case.content_bytes
    try:
        if alt in wl.JITTED:
            compiled = _timing.aot_compile(
                prepared.fn, *prepared.args, static_argnums=prepared.static_argnums
            )
            call = compiled.call
            row["compile_s"] = compiled.compile_seconds
            row["memory"] = compiled.memory
            if "peak_memory" in compiled.memory:
                row["peak_x"] = compiled.memory["peak_memory"] / case.content_bytes
            if "temp_size" in compiled.memory:
                row["temp_x"] = compiled.memory["temp_size"] / case.content_bytes
        else:
            call = lambda: prepared.fn(*prepared.args)  # noqa: E731
        first, out = _timing.first_call(call)
        row["first_call_s"] = first
        loss, grads = prepared.check(out)
    except Exception as exc:
        row.update(status="error", reason=_error_text(exc))
        return reference
    row["loss"] = loss
    if reference is None and alt in wl.HANDWRITTEN:
        reference = {"alt": alt, "loss": loss, "grads": grads}
        row["max_rel_err"] = 0.0
    elif reference is not None:
        err = _compare(loss, grads, reference, prepared.forward_only)
        row["max_rel_err"] = err
        if not np.isfinite(err) or err > RTOL:
            row.update(status="MISMATCH", reason=f"differs from {reference['alt']}: max rel. error {err:.2g}")
    if not np.isfinite(loss):
        row.update(status="MISMATCH", reason=f"loss is {loss}")
    timing = _timing.measure(call, BUDGETS[mode])
    row.update(
        median_s=timing.median,
        q25_s=timing.q25,
        q75_s=timing.q75,
        min_s=timing.min,
        max_s=timing.max,
        repeats=len(timing.times),
    )
    return reference


def _compare(loss: float, grads: list[np.ndarray], reference: dict[str, Any], forward_only: bool) -> float:
    """Largest relative error: of the loss, and of each gradient (relative to its largest entry)."""
    ref_loss = reference["loss"]
    errors = [abs(loss - ref_loss) / max(abs(ref_loss), 1e-30)]
    if not forward_only:
        if len(grads) != len(reference["grads"]):
            return float("inf")
        for g, r in zip(grads, reference["grads"], strict=True):
            if g.shape != r.shape:
                return float("inf")
            scale = max(float(np.max(np.abs(r), initial=0.0)), 1e-30)
            # elementwise: |g - r| <= rtol * (|r| + max|r|), reported as the worst ratio to the scale
            errors.append(float(np.max(np.abs(g - r) / (np.abs(r) + scale), initial=0.0)))
    return float(max(errors))


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    if os.environ.get("RAGGRAD_BENCH_TRACEBACK"):
        traceback.print_exception(exc, file=sys.stderr)
    return text[:300]


def eager_overhead(device: Any) -> list[dict[str, Any]]:
    """Eager cost of one raggrad op on 1,000 elements minus the raw backend op on ``x.values``."""
    import raggrad as rg

    case = wl.make_case("A", "poisson", 1000)
    out: list[dict[str, Any]] = []
    for backend in ("numpy", "jax"):
        for op, ours, raw in _overhead_ops(case, backend, device):
            entry = {"backend": backend, "op": op, "raggrad_us": None, "raw_us": None, "overhead_us": None}
            # the last jax entry compares with a precompiled kernel: what an eager op could cost at best
            entry.update(reason="", informational="jitted" in op)
            try:
                mine, theirs, diff = _timing.overhead(ours, raw)
                entry.update(raggrad_us=mine * 1e6, raw_us=theirs * 1e6, overhead_us=diff * 1e6)
            except Exception as exc:
                missing = op.startswith("rg.sum") and not hasattr(rg, "sum")
                entry["reason"] = "op missing: rg.sum" if missing else _error_text(exc)
            out.append(entry)
    return out


def _overhead_ops(case: wl.Case, backend: str, device: Any) -> list[tuple[str, Any, Any]]:
    """``(name, raggrad call, raw call on x.values)`` for one elementwise op and one reduction."""
    import jax
    import jax.numpy as jnp

    import raggrad as rg

    x = rg.from_offsets(case.offsets, case.data["values"])
    if backend == "numpy":
        starts = case.offsets[:-1]
        return [
            ("np.sin(x)", lambda: np.sin(x), lambda: np.sin(x.values)),
            ("rg.sum(x, axis=1)", lambda: rg.sum(x, axis=1), lambda: np.add.reduceat(x.values, starts)),
        ]
    x = rg.to_backend(x, "jax", device=device)
    ids = jax.device_put(case.ids, device)
    kernel = jax.jit(lambda v, i: jax.ops.segment_sum(v, i, case.n))
    return [
        (
            "np.sin(x)",
            lambda: np.sin(x).values.block_until_ready(),
            lambda: jnp.sin(x.values).block_until_ready(),
        ),
        (
            "rg.sum(x, axis=1)",
            lambda: rg.sum(x, axis=1).values.block_until_ready(),
            lambda: jax.ops.segment_sum(x.values, ids, case.n).block_until_ready(),
        ),
        (
            "rg.sum(x, axis=1) vs jitted segment_sum",
            lambda: rg.sum(x, axis=1).values.block_until_ready(),
            lambda: kernel(x.values, ids).block_until_ready(),
        ),
    ]


if __name__ == "__main__":
    sys.exit(main())
