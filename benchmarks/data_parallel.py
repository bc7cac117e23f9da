"""Data-parallel training step on 1, 2, 4 and 8 (virtual) devices: docs/examples/data_parallel.py.

One global batch of 8 members (bounded arrays of equal capacities, different list lengths) per
step, stacked along a leading axis and sharded over a mesh of the first ``k`` devices
(``8 / k`` members per device). Rows, per ``k``:

- ``plain``: the same jitted step (``jax.vmap`` of the loss, mean, SGD update) on an unsharded
  stack on one device (only at ``k = 1``: the baseline);
- ``sharded jit``: the step on the stack placed with ``NamedSharding(mesh, P("data"))``;
- ``shard_map``: ``jax.shard_map`` with ``pmean`` of the loss over the devices.

Reported: median milliseconds per step after a warm-up step that compiles, and each step's
ratio to the plain step. On a CPU the devices are virtual
(``--xla_force_host_platform_device_count=8``, set here before jax is imported) and share the
machine's cores, so the point is correctness and overhead, not speed-up.
``python -m benchmarks.data_parallel [--steps 60]``.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")

import argparse
import importlib.util
import time
from pathlib import Path
from typing import Any

import jax
import numpy as np
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "data_parallel.py"
MEMBERS = 8


def _example() -> Any:
    spec = importlib.util.spec_from_file_location("data_parallel", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _time_steps(step: Any, params: Any, batches: list[tuple[Any, Any]]) -> tuple[float, float]:
    """(first step in seconds, median step in milliseconds after it)."""
    t0 = time.perf_counter()
    params, _ = jax.block_until_ready(step(params, *batches[0]))
    first = time.perf_counter() - t0
    times = []
    for xs, ys in batches[1:]:
        t0 = time.perf_counter()
        params, _ = jax.block_until_ready(step(params, xs, ys))
        times.append(time.perf_counter() - t0)
    return first, 1e3 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    ex = _example()
    data = ex.batches(args.steps, members=MEMBERS, seed=0)
    counts = [k for k in (1, 2, 4, 8) if k <= jax.device_count()]
    print(f"# {jax.device_count()} {jax.devices()[0].platform} devices, {os.cpu_count()} cores; ", end="")
    print(f"{MEMBERS} members per step, capacities {ex.LISTS} lists, {ex.ELEMENTS} elements; float32")

    t0 = time.perf_counter()
    plain_batches = [ex.stack(members) for members in data]
    placement = 1e3 * (time.perf_counter() - t0) / len(data)
    first, plain = _time_steps(ex.sharded_step, ex.init_params(), plain_batches)
    print(f"# building and moving a batch: {placement:.1f} ms per step (not in the step times)")
    print("| devices | members per device | step | ms per step | vs plain | first step (s) |")
    print("|---|---|---|---|---|---|")
    print(f"| 1 | {MEMBERS} | plain (unsharded) | {plain:.2f} | 1.00x | {first:.1f} |")
    for k in counts:
        mesh = ex.mesh_of(k)
        sharding = NamedSharding(mesh, P("data"))
        batches = [ex.stack(members, sharding) for members in data]
        for label, step in (("sharded jit", ex.sharded_step), ("shard_map", ex.shard_map_step(mesh))):
            first, ms = _time_steps(step, ex.init_params(), batches)
            print(f"| {k} | {MEMBERS // k} | {label} | {ms:.2f} | {ms / plain:.2f}x | {first:.1f} |")


if __name__ == "__main__":
    main()
