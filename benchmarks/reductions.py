"""Reductions against hand-written kernels: ``python -m benchmarks.reductions [--sizes 1e5 1e6 1e7]``.

JAX (CPU unless another default device): f(x) = Σ_i (Σ_j sin(x_ij) · x_ij²)² and its jitted
gradient, raggrad vs ``jax.ops.segment_sum`` with the segment ids passed as an argument; steady
time per call (median) and the first call (trace + compile + run) of each. NumPy: ``rg.sum(x,
axis=1)`` vs raw ``np.add.reduceat``. List lengths are Poisson(10), values float32.
Targets: JAX ratio ≤ 1.1, NumPy ratio ≤ 1.2.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

import raggrad as rg


def _median_time(fn, *args, repeats=10):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def _first_call(fn, *args):
    t = time.perf_counter()
    jax.block_until_ready(fn(*args))
    return time.perf_counter() - t


def _data(m, rng):
    lengths = rng.poisson(10, size=max(1, m // 10))
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    values = rng.normal(size=int(offsets[-1])).astype(np.float32)
    return offsets, values


def bench_jax(m, rng, repeats):
    offsets, values = _data(m, rng)
    n = len(offsets) - 1
    ids = jnp.asarray(np.repeat(np.arange(n), np.diff(offsets)).astype(np.int32))
    v = jnp.asarray(values)
    x = rg.from_offsets(offsets, v)

    def ours(x):
        inner = rg.sum(rg.sin(x) * x * x, axis=1)
        return rg.sum(inner * inner)

    def hand(v, ids):
        inner = jax.ops.segment_sum(jnp.sin(v) * v * v, ids, num_segments=n, indices_are_sorted=True)
        return jnp.sum(inner * inner)

    rows = []
    for label, a, b in (
        ("f", jax.jit(ours), jax.jit(hand)),
        ("grad f", jax.jit(jax.grad(ours)), jax.jit(jax.grad(hand))),
    ):
        first_ours = _first_call(a, x)
        first_hand = _first_call(b, v, ids)
        got, want = a(x), b(v, ids)
        got = got.values if isinstance(got, rg.RaggedArray) else got
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-4, atol=1e-4)
        t_ours = _median_time(a, x, repeats=repeats)
        t_hand = _median_time(b, v, ids, repeats=repeats)
        rows.append((f"jax {label}", len(values), t_ours, t_hand, first_ours, first_hand))
    return rows


def bench_numpy(m, rng, repeats):
    offsets, values = _data(m, rng)
    values = values.astype(np.float64)
    x = rg.from_offsets(offsets, values)
    starts = offsets[:-1]
    nonempty = np.flatnonzero(np.diff(offsets))

    def hand(values):
        out = np.zeros(len(starts))
        out[nonempty] = np.add.reduceat(values, starts[nonempty])
        return out

    np.testing.assert_allclose(rg.sum(x, axis=1).values, hand(values))
    t_ours = _median_time(lambda: rg.sum(x, axis=1), repeats=repeats)
    t_hand = _median_time(lambda: hand(values), repeats=repeats)
    return [("numpy sum(axis=1)", len(values), t_ours, t_hand, float("nan"), float("nan"))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e5, 1e6, 1e7])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"device: {jax.devices()[0]}")
    print(
        f"{'case':<20}{'elements':>11}{'raggrad ms':>12}{'hand ms':>10}{'ratio':>7}"
        f"{'1st raggrad s':>15}{'1st hand s':>12}"
    )
    for size in args.sizes:
        m = int(size)
        for row in bench_jax(m, rng, args.repeats) + bench_numpy(m, rng, args.repeats):
            case, elements, t_ours, t_hand, f_ours, f_hand = row
            print(
                f"{case:<20}{elements:>11}{t_ours * 1e3:>12.3f}{t_hand * 1e3:>10.3f}"
                f"{t_ours / t_hand:>7.2f}{f_ours:>15.3f}{f_hand:>12.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
