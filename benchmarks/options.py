"""Reductions over missing values: ``python -m benchmarks.options [--size 1e6] [--missing 0.1]``.

Every reducer below over an array of type ``n * var * ?float32`` with a fraction ``--missing`` of
its elements None, against the same reduction over the same structure without an option type
(``n * var * float32``, the missing elements' zeros kept): NumPy eagerly and JAX under
``jax.jit``. Steady time per call (median; the two alternatives are called in turn, and the ratio
of their best calls is shown too, steadier on a busy machine) and, for JAX, the first call (trace
and compile). ``--grad`` adds ``jax.grad`` of the sum of each result. List lengths are
Poisson(10). Target: ratio ≤ 1.3.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import awkward as ak
import jax
import jax.numpy as jnp
import numpy as np

import raggrad as rg

Reduction = Callable[[rg.RaggedArray], Any]

REDUCTIONS: dict[str, Reduction] = {
    "sum axis=1": lambda x: rg.sum(x, axis=1),
    "sum axis=None": lambda x: rg.sum(x),
    "prod axis=1": lambda x: rg.prod(x, axis=1),
    "max axis=1": lambda x: rg.max(x, axis=1),
    "min axis=1": lambda x: rg.min(x, axis=1),
    "max axis=None": lambda x: rg.max(x),
    "min axis=None": lambda x: rg.min(x),
    "mean axis=1": lambda x: rg.mean(x, axis=1),
    "mean axis=None": lambda x: rg.mean(x),
    "var axis=1": lambda x: rg.var(x, axis=1),
    "var axis=None": lambda x: rg.var(x),
    "std axis=None": lambda x: rg.std(x),
}


def _content(out: Any) -> Any:
    """A result's content (a backend array), whether it is a RaggedArray or a 0-d array."""
    return out._content if isinstance(out, rg.RaggedArray) else out


def _first_call(fn: Callable[[Any], Any], x: Any) -> float:
    """Seconds of the first call (caches, trace and compile)."""
    t = time.perf_counter()
    jax.block_until_ready(_content(fn(x)))
    return time.perf_counter() - t


def _times(fn: Callable[[Any], Any], xs: tuple[Any, ...], repeats: int) -> list[np.ndarray]:
    """Seconds per steady call on each of ``xs``, the calls interleaved so that a busy machine
    slows every alternative alike."""
    times: list[list[float]] = [[] for _ in xs]
    for _ in range(repeats):
        for x, spent in zip(xs, times, strict=True):
            t = time.perf_counter()
            jax.block_until_ready(_content(fn(x)))
            spent.append(time.perf_counter() - t)
    return [np.asarray(spent) for spent in times]


def _arrays(m: int, missing: float, rng: np.random.Generator) -> tuple[rg.RaggedArray, rg.RaggedArray]:
    lengths = rng.poisson(10, size=max(1, m // 10))
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    values = rng.normal(size=int(offsets[-1])).astype(np.float32)
    present = rng.random(values.shape[0]) >= missing
    values[~present] = 0.0
    plain = rg.from_offsets(offsets, values)
    options = rg.from_awkward(ak.unflatten(ak.mask(values, present), lengths))
    assert isinstance(options, rg.RaggedArray) and options.type.endswith("var * ?float32"), options.type
    return plain, options


def _jitted(fn: Reduction, grad: bool) -> Callable[[Any], Any]:
    def run(x: Any) -> Any:
        return jnp.sum(_content(fn(x)))

    return jax.jit(jax.grad(run)) if grad else jax.jit(lambda x: _content(fn(x)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=float, default=1e6)
    parser.add_argument("--missing", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--grad", action="store_true", help="also time jax.grad of each reduction")
    parser.add_argument("--only", default="", help="run only the reductions whose label contains this")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    plain, options = _arrays(int(args.size), args.missing, rng)
    size = plain._structure.size
    print(f"{size:,} elements, {args.missing:.0%} missing; median seconds per call (ratios: medians, best)")
    print(
        f"{'backend':9} {'reduction':15} {'no options':>11} {'options':>11} {'ratio':>6} {'(best)':>6}"
        f" {'1st call':>9} {'1st (opt)':>9}"
    )
    modes = [("numpy", False), ("jax", False)] + ([("jax grad", True)] if args.grad else [])
    for label_backend, grad in modes:
        backend = label_backend.split()[0]
        a, b = plain.to_backend(backend), options.to_backend(backend)
        for label, fn in REDUCTIONS.items():
            if args.only not in label:
                continue
            f = fn if backend == "numpy" else _jitted(fn, grad)
            c0, c1 = _first_call(f, a), _first_call(f, b)
            t0, t1 = _times(f, (a, b), args.repeats)
            m0, m1 = float(np.median(t0)), float(np.median(t1))
            ratios = f"{m1 / m0:6.2f} {t1.min() / t0.min():6.2f}"
            print(f"{label_backend:9} {label:15} {m0:11.5f} {m1:11.5f} {ratios} {c0:9.3f} {c1:9.3f}")


if __name__ == "__main__":
    main()
