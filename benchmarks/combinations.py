"""Pairs within lists: ``python -m benchmarks.combinations [--lists N] [--mean K] [--repeat R]``.

The workload of a typical pair analysis: ``a, b = rg.combinations(x, 2)``, a per-pair value
(the product ``a * b``), summed per list; and its gradient with JAX. Input: ``--lists`` lists
(default 1e6) of Poisson(``--mean``, default 4) float64 values, about ``mean**2 / 2`` pairs per
list. Awkward's ``ak.combinations`` on its NumPy backend (forward only) runs in the same process
as the reference.

raggrad is timed cold (a fresh structure, so the pair index maps are built) and warm (the maps
cached on the structure, as in a training loop over one batch); jax is timed under ``jax.jit``,
compile time separately.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import raggrad as rg


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        if hasattr(out, "block_until_ready"):
            out.block_until_ready()
        best = min(best, time.perf_counter() - start)
    return best, out


def make_input(lists: int, mean: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.poisson(mean, lists).astype(np.int64)
    offsets = np.zeros(lists + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets, rng.standard_normal(int(offsets[-1]))


def per_list_sum(y: rg.RaggedArray) -> Any:
    """Sum of every list (``rg.sum(y, axis=1)``)."""
    return rg.sum(y, axis=1).values


def pair_products(x: rg.RaggedArray) -> Any:
    a, b = rg.combinations(x, 2)
    return per_list_sum(a * b)


def run(lists: int, mean: float, repeat: int) -> list[tuple[str, float]]:
    offsets, content = make_input(lists, mean)
    results: list[tuple[str, float]] = []

    def record(name: str, seconds: float) -> None:
        results.append((name, seconds))
        print(f"{name:<52} {seconds * 1e3:10.1f} ms")

    pairs = int((np.diff(offsets) * (np.diff(offsets) - 1) // 2).sum())
    print(f"{lists:,} lists, {len(content):,} values, {pairs:,} pairs")
    expected = None
    if importlib.util.find_spec("awkward") is not None:
        import awkward as ak

        arr = ak.unflatten(content, np.diff(offsets))

        def awkward_forward() -> Any:
            p = ak.combinations(arr, 2)
            return ak.sum(p["0"] * p["1"], axis=1)

        seconds, expected = _best(awkward_forward, repeat)
        record("awkward: ak.combinations + product + ak.sum", seconds)
        expected = ak.to_numpy(expected)

    # cold: a new structure per call, so the pair maps are built each time
    seconds, out = _best(lambda: pair_products(rg.from_offsets(offsets, content, validate=False)), repeat)
    record("raggrad numpy forward, cold (index maps built)", seconds)
    x = rg.from_offsets(offsets, content, validate=False)
    pair_products(x)
    seconds, out = _best(lambda: pair_products(x), repeat)
    record("raggrad numpy forward, warm (index maps cached)", seconds)
    if expected is not None:
        np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)

    if importlib.util.find_spec("jax") is None:
        print("jax is not installed; skipping the jax backend")
        return results
    import jax
    import jax.numpy as jnp

    xj = rg.to_backend(x, "jax")
    forward = jax.jit(pair_products)
    grad = jax.jit(jax.grad(lambda x: jnp.sum(pair_products(x))))
    for name, fn in (("forward", forward), ("gradient", grad)):
        start = time.perf_counter()
        compiled = fn.lower(xj).compile()
        record(f"raggrad jax {name}: trace + compile", time.perf_counter() - start)

        def call(compiled: Any = compiled) -> Any:
            out = compiled(xj)
            return out.values if isinstance(out, rg.RaggedArray) else out

        seconds, out = _best(call, repeat)
        record(f"raggrad jax {name}: jit, steady state", seconds)
    if expected is not None:
        np.testing.assert_allclose(np.asarray(forward(xj)), expected, rtol=1e-4, atol=1e-4)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=float, default=1e6)
    parser.add_argument("--mean", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    run(int(args.lists), args.mean, args.repeat)


if __name__ == "__main__":
    main()
