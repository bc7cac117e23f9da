"""Routes to a segmented sum over sorted contiguous segments, measured side by side.

Workload A's gradient, f(x) = sum_i (sum_j sin(x_ij) x_ij^2)^2, float32, Poisson(10) lengths:

- ``ids-sorted`` / ``ids-unsorted``: ``jax.ops.segment_sum`` with per-element segment ids passed
  as an argument, with and without ``indices_are_sorted``;
- ``ids-constant``: the same with the ids embedded as a jit constant (compile-time cost);
- ``ids-on-device``: ids rebuilt on the device from the offsets each call (scatter + cumsum);
- ``blocked-prefix``: a blocked prefix sum whose block carries are summed with error
  compensation; the only constants are offsets (size n); backward gathers with device-built ids.

Prints time per call (median), first-call time (trace + compile + run) and the relative error
of the per-list sums against a float64 reference. ``python -m benchmarks.gpu_segment [--size N]``.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np


def _time(fn, args, repeats=20):
    t0 = time.perf_counter()
    jax.block_until_ready(fn(*args))
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t)
    return float(np.median(times)), first


def _ids_from_offsets(offsets, m):
    # the barrier keeps XLA from constant-folding the id construction when offsets are constant
    offsets = jax.lax.optimization_barrier(offsets)
    marks = jnp.zeros(m, jnp.int32).at[offsets[1:-1]].add(1, mode="drop")
    return jnp.cumsum(marks)


def _two_sum_scan(values):
    """Inclusive prefix sums of float32 ``values`` as (hi, lo) pairs (compensated)."""

    def combine(a, b):
        ahi, alo = a
        bhi, blo = b
        s = ahi + bhi
        bb = s - ahi
        err = (ahi - (s - bb)) + (bhi - bb)
        return s, err + alo + blo

    return jax.lax.associative_scan(combine, (values, jnp.zeros_like(values)))


def blocked_segment_sum(v, offsets, block=64):
    """Sum of ``v`` within contiguous segments given by ``offsets`` (n + 1), offsets-only."""
    m = v.shape[0]
    nblocks = -(-m // block)
    padded = jnp.pad(v, (0, nblocks * block - m)).reshape(nblocks, block)
    local = jnp.cumsum(padded, axis=1)
    # exclusive prefix of block totals, compensated
    hi, lo = _two_sum_scan(local[:, -1])
    hi = jnp.concatenate([jnp.zeros(1, v.dtype), hi])
    lo = jnp.concatenate([jnp.zeros(1, v.dtype), lo])
    flat_local = jnp.concatenate([jnp.zeros(1, v.dtype), local.reshape(-1)])

    def prefix_parts(pos):  # prefix sum of v[:pos] as (carry_hi, carry_lo, local)
        b = pos // block
        within = pos - b * block  # elements of block b before pos
        loc = jnp.where(within > 0, flat_local[pos], 0)
        return hi[b], lo[b], loc

    shi, slo, sloc = prefix_parts(offsets[:-1])
    ehi, elo, eloc = prefix_parts(offsets[1:])
    return ((ehi - shi) + (elo - slo)) + (eloc - sloc)


def make_blocked(offsets_np, m):
    n = len(offsets_np) - 1

    @jax.custom_vjp
    def segsum(v, offsets):
        return blocked_segment_sum(v, offsets)

    def fwd(v, offsets):
        return segsum(v, offsets), offsets

    def bwd(offsets, g):
        return g[_ids_from_offsets(offsets, m)], None

    segsum.defvjp(fwd, bwd)
    del n
    return segsum


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=float, default=1e7)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = int(args.size / 10)
    lengths = rng.poisson(10, n)
    m = int(lengths.sum())
    offsets_np = np.zeros(n + 1, np.int32)
    np.cumsum(lengths, out=offsets_np[1:])
    ids_np = np.repeat(np.arange(n, dtype=np.int32), lengths)
    x_np = rng.random(m, dtype=np.float32) * 2 - 1
    h64 = np.sin(x_np.astype(np.float64)) * x_np.astype(np.float64) ** 2
    ref = np.add.reduceat(h64, offsets_np[:-1][lengths > 0])
    x = jnp.asarray(x_np)
    ids = jnp.asarray(ids_np)
    offsets = jnp.asarray(offsets_np)
    print(f"device: {jax.devices()[0].device_kind}; {m:.3g} elements in {n:.3g} lists")

    def h(v):
        return jnp.sin(v) * v * v

    def loss_ids(v, ids, sorted_):
        s = jax.ops.segment_sum(h(v), ids, num_segments=n, indices_are_sorted=sorted_)
        return jnp.sum(s * s), s

    blocked = make_blocked(offsets_np, m)
    routes = {
        "ids-sorted": (lambda v, i: loss_ids(v, i, True), (x, ids)),
        "ids-unsorted": (lambda v, i: loss_ids(v, i, False), (x, ids)),
        "ids-constant": (lambda v: loss_ids(v, ids, jax.default_backend() == "cpu"), (x,)),
        "ids-on-device": (
            lambda v, o: loss_ids(v, _ids_from_offsets(o, m), False),
            (x, offsets),
        ),
        "blocked-prefix": (lambda v, o: (lambda s: (jnp.sum(s * s), s))(blocked(h(v), o)), (x, offsets)),
    }
    print(f"{'route':16s} {'grad ms':>9s} {'first s':>8s} {'fwd ms':>8s} {'rel err':>9s}")
    for name, (fn, fargs) in routes.items():
        grad = jax.jit(jax.grad(lambda *a, fn=fn: fn(*a)[0]))
        fwd = jax.jit(lambda *a, fn=fn: fn(*a)[1])
        t_grad, first = _time(grad, fargs, args.repeats)
        t_fwd, _ = _time(fwd, fargs, args.repeats)
        s = np.asarray(fwd(*fargs), dtype=np.float64)[lengths > 0]
        err = float(np.max(np.abs(s - ref)) / np.max(np.abs(ref)))
        print(f"{name:16s} {t_grad * 1e3:9.3f} {first:8.2f} {t_fwd * 1e3:8.3f} {err:9.2e}")


if __name__ == "__main__":
    main()
