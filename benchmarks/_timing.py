"""Timing and memory helpers: adaptive repeats, AOT compile time, XLA memory analysis."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Budget:
    """How long to spend measuring one alternative at one size."""

    seconds: float = 0.3  # keep repeating until this much time has been spent ...
    min_repeats: int = 3  # ... but at least this many calls (one if a call is slower than `seconds`)
    max_repeats: int = 30


@dataclass
class Timing:
    times: list[float] = field(default_factory=list)  # seconds, one per steady-state call

    @property
    def median(self) -> float:
        return float(np.median(self.times))

    @property
    def q25(self) -> float:
        return float(np.percentile(self.times, 25))

    @property
    def q75(self) -> float:
        return float(np.percentile(self.times, 75))

    @property
    def min(self) -> float:
        return float(np.min(self.times))

    @property
    def max(self) -> float:
        return float(np.max(self.times))


def block(out: Any) -> Any:
    """Wait for every JAX array in ``out`` (a pytree) so that the clock measures the work."""
    import jax

    for leaf in jax.tree_util.tree_leaves(out):
        if hasattr(leaf, "block_until_ready"):
            leaf.block_until_ready()
    return out


def measure(fn: Callable[[], Any], budget: Budget) -> Timing:
    """Time ``fn()`` (already warmed up) with repeats chosen so that ``budget`` holds.

    Stops after ``max_repeats`` calls, or once ``budget.seconds`` are spent and ``min_repeats``
    calls made, or once four times the budget is spent (slow alternatives: one or two calls).
    """
    timing = Timing()
    spent = 0.0
    while len(timing.times) < budget.max_repeats:
        start = time.perf_counter()
        block(fn())
        elapsed = time.perf_counter() - start
        timing.times.append(elapsed)
        spent += elapsed
        if spent >= 4 * budget.seconds or (
            spent >= budget.seconds and len(timing.times) >= budget.min_repeats
        ):
            break
    return timing


def first_call(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Duration and result of one call (JAX work waited for)."""
    start = time.perf_counter()
    out = block(fn())
    return time.perf_counter() - start, out


@dataclass
class Compiled:
    call: Callable[[], Any]
    compile_seconds: float  # trace + lower + compile (jax AOT)
    memory: dict[str, int]  # from `memory_analysis()`, bytes; empty where unavailable


def aot_compile(fn: Callable[..., Any], *args: Any, static_argnums: tuple[int, ...] = ()) -> Compiled:
    """``jax.jit(fn)`` compiled ahead of time for ``args``: compile time and XLA memory statistics."""
    import jax

    dynamic = [a for i, a in enumerate(args) if i not in static_argnums]
    start = time.perf_counter()
    compiled = jax.jit(fn, static_argnums=static_argnums).lower(*args).compile()
    seconds = time.perf_counter() - start
    return Compiled(lambda: compiled(*dynamic), seconds, memory_stats(compiled))


def memory_stats(compiled: Any) -> dict[str, int]:
    try:
        stats = compiled.memory_analysis()
    except Exception:  # not every platform implements it
        return {}
    if stats is None:
        return {}
    out: dict[str, int] = {}
    for name in (
        "argument_size_in_bytes",
        "output_size_in_bytes",
        "temp_size_in_bytes",
        "alias_size_in_bytes",
        "generated_code_size_in_bytes",
        "peak_memory_in_bytes",
    ):
        value = getattr(stats, name, None)
        if value is not None:
            out[name.removesuffix("_in_bytes")] = int(value)
    if "peak_memory" not in out and {"argument_size", "output_size", "temp_size"} <= out.keys():
        # older jaxlib: an upper bound on what is live at once
        out["peak_memory"] = out["argument_size"] + out["output_size"] + out["temp_size"]
        out["peak_estimated"] = 1
    return out


def overhead(
    ours: Callable[[], Any], raw: Callable[[], Any], seconds: float = 0.4, batch: int = 100
) -> tuple[float, float, float]:
    """Seconds per call of ``ours`` and ``raw`` and their difference, for fast (µs) calls.

    Batches of the two alternate and the difference is the median of per-round differences, so
    that load from other processes affects both sides of each round alike.
    """
    ours()
    raw()
    rounds: list[tuple[float, float]] = []
    spent = 0.0
    while spent < seconds or len(rounds) < 7:
        pair = []
        for fn in (ours, raw):
            start = time.perf_counter()
            for _ in range(batch):
                fn()
            pair.append((time.perf_counter() - start) / batch)
        rounds.append((pair[0], pair[1]))
        spent += (pair[0] + pair[1]) * batch
    a = np.array(rounds)
    return float(np.median(a[:, 0])), float(np.median(a[:, 1])), float(np.median(a[:, 0] - a[:, 1]))
