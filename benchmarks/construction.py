"""Construction scaling: ``python -m benchmarks.construction [--elements N] [--lists N]``.

Times building a RaggedArray from offsets and from lengths, hashing and comparing its structure,
and moving it to the jax backend and back, on ``--elements`` values (default 1e7) in ``--lists``
lists (default 1e6) with Poisson-distributed lengths. Every step is a few vectorised NumPy calls;
none loops over lists in Python.
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
    """Best wall time of ``repeat`` calls (seconds), and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def make_input(elements: int, lists: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets, lengths and float64 content for ``lists`` lists holding about ``elements`` values."""
    rng = np.random.default_rng(seed)
    lengths = rng.poisson(elements / lists, lists).astype(np.int64)
    offsets = np.zeros(lists + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    content = rng.standard_normal(int(offsets[-1]))
    return offsets, lengths, content


def run(elements: int, lists: int, repeat: int) -> list[tuple[str, float]]:
    offsets, lengths, content = make_input(elements, lists)
    results: list[tuple[str, float]] = []

    def record(name: str, fn: Callable[[], Any], repeat: int = repeat) -> Any:
        seconds, out = _best(fn, repeat)
        results.append((name, seconds))
        print(f"{name:<44} {seconds * 1e3:10.2f} ms")
        return out

    print(f"{len(content):,} elements in {lists:,} lists (mean length {len(content) / lists:.1f})")
    x = record("from_offsets (validated)", lambda: rg.from_offsets(offsets, content))
    record("from_offsets (validate=False)", lambda: rg.from_offsets(offsets, content, validate=False))
    record("from_offsets (offsets starting at 1)", lambda: rg.from_offsets(offsets[1:], content))
    y = record("from_lengths", lambda: rg.from_lengths(lengths, content))
    # a fresh structure each time, so the hash is computed, not read from the cache
    record("hash(structure), first time", lambda: hash(rg.from_offsets(offsets, content)._structure))
    hash(y._structure)
    record("structure == equal structure", lambda: x._structure == y._structure)
    record("to_padded", lambda: rg.to_padded(x), repeat=1)
    if importlib.util.find_spec("jax") is None:
        print("jax is not installed; skipping to_backend('jax')")
        return results

    def to_jax() -> Any:
        out = rg.to_backend(x, "jax", device="cpu")
        out.values.block_until_ready()
        return out

    on_jax = record("to_backend('jax') (float64 -> float32)", to_jax)
    record("to_backend('numpy') from jax", lambda: rg.to_backend(on_jax, "numpy"))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=float, default=1e7)
    parser.add_argument("--lists", type=float, default=1e6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1e5 elements in 1e4 lists, one repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.elements, args.lists, args.repeat = 1e5, 1e4, 1
    run(int(args.elements), int(args.lists), args.repeat)


if __name__ == "__main__":
    main()
