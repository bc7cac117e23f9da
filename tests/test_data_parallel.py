"""Data parallelism over devices (docs/examples/data_parallel.py): a stack of bounded batches
sharded on its leading axis, one member per device, gives the parameters of the single-device
loop. Runs on 8 virtual CPU devices in a subprocess of its own, so that ``XLA_FLAGS`` touches no
other test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("jax")

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "data_parallel.py"

CHECKS = """
    import importlib.util, json
    import jax, numpy as np
    import raggrad as rg
    from jax.sharding import NamedSharding, PartitionSpec as P

    spec = importlib.util.spec_from_file_location("data_parallel", {example!r})
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    out = {{"devices": jax.device_count()}}
    with jax.enable_x64(True):
        data = ex.batches(steps=3, members=8)
        expected, losses = ex.reference(ex.init_params(), data)
        for form in ("jit", "shard_map"):
            params, got = ex.train(form, ex.init_params(), data, ndevices=8)
            out[form] = ex.max_relative_difference(params, expected)
            out[form + "_losses"] = max(abs(a - b) / b for a, b in zip(got, losses))
        # two devices with four members each: vmap within a device, the mean across them
        params, _ = ex.train("shard_map", ex.init_params(), data, ndevices=2)
        out["shard_map_2"] = ex.max_relative_difference(params, expected)

        # member i lives on device i, with its own lists
        sharding = NamedSharding(ex.mesh_of(8), P("data"))
        xs, ys = ex.stack(data[0], sharding)
        shards = sorted(xs.values.addressable_shards, key=lambda s: s.index[0].start)
        out["placement"] = [(s.index[0].start, s.device.id) for s in shards]
        out["lists"] = [m.to_list() == x.to_list() for m, (x, _) in zip(rg.unstack(xs), data[0])]
        lowered = ex.sharded_step.lower(ex.init_params(), xs, ys).compile().as_text()
        out["all_reduce"] = "all-reduce" in lowered
    print(json.dumps(out))
"""


def test_sharded_training_equals_the_single_device_loop() -> None:
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=8"}
    code = textwrap.dedent(CHECKS.format(example=str(EXAMPLE)))
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["devices"] == 8
    for key in ("jit", "shard_map", "shard_map_2", "jit_losses", "shard_map_losses"):
        assert out[key] <= 1e-10, (key, out[key])
    assert out["placement"] == [[i, i] for i in range(8)]
    assert all(out["lists"])
    assert out["all_reduce"]  # the gradient's mean over devices is one collective in the program
