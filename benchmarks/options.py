"""Reductions over missing values: ``python -m benchmarks.options [--size 1e6] [--missing 0.1]``.

``rg.sum(x, axis=1)``, ``rg.sum(x)`` (axis=None) and ``rg.max(x, axis=1)`` over an array of type
``n * var * ?float32`` with a fraction ``--missing`` of its elements None, against the same
reductions over the same structure without an option type (``n * var * float32``, the missing
elements' zeros kept): NumPy eagerly and JAX under ``jax.jit``; steady time per call (median),
both timed in the same run. List lengths are Poisson(10). Target: ratio ≤ 1.3.
"""

from __future__ import annotations

import argparse
import time

import awkward as ak
import jax
import numpy as np

import raggrad as rg

REDUCTIONS = {
    "sum axis=1": lambda x: rg.sum(x, axis=1),
    "sum axis=None": lambda x: rg.sum(x),
    "max axis=1": lambda x: rg.max(x, axis=1),
}


def _median_time(fn, *args, repeats=15):
    jax.block_until_ready(fn(*args))  # warm: caches, trace and compile
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn(*args)
        jax.block_until_ready(out._content if isinstance(out, rg.RaggedArray) else out)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def _arrays(m, missing, rng):
    lengths = rng.poisson(10, size=max(1, m // 10))
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    values = rng.normal(size=int(offsets[-1])).astype(np.float32)
    present = rng.random(values.shape[0]) >= missing
    values[~present] = 0.0
    plain = rg.from_offsets(offsets, values)
    options = rg.from_awkward(ak.unflatten(ak.mask(values, present), lengths))
    assert options.type.endswith("var * ?float32"), options.type
    return plain, options


def _unwrap(fn):
    def run(x):
        out = fn(x)
        return out._content if isinstance(out, rg.RaggedArray) else out

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e6)
    parser.add_argument("--missing", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    plain, options = _arrays(int(args.size), args.missing, rng)
    print(f"{plain._structure.size:,} elements, {args.missing:.0%} missing; median seconds per call")
    print(f"{'backend':8} {'reduction':15} {'no options':>11} {'options':>11} {'ratio':>6}")
    for backend in ("numpy", "jax"):
        a, b = plain.to_backend(backend), options.to_backend(backend)
        for label, fn in REDUCTIONS.items():
            f = fn if backend == "numpy" else jax.jit(_unwrap(fn))
            t0 = _median_time(f, a, repeats=args.repeats)
            t1 = _median_time(f, b, repeats=args.repeats)
            print(f"{backend:8} {label:15} {t0:11.5f} {t1:11.5f} {t1 / t0:6.2f}")


if __name__ == "__main__":
    main()
