"""Segment reductions that read only offsets: Pallas kernels (Triton on GPUs) and their JAX rules.

``jax.ops.segment_sum`` needs a segment id per element. Under ``jit`` those ids are either a
compile-time constant of size ``m`` (seconds of compile at 1e8 elements) or rebuilt on the device
from the offsets (a scatter and a cumsum over ``m``, about 1 ms per call at 1e8 on an H200). The
kernels here need only the offsets (size ``n + 1``):

- **reduce** (sum, max, min): each program takes ``Tiling.rows`` consecutive segments and walks
  them together in steps of ``Tiling.cols`` elements, one row of a ``(rows, cols)`` tile per
  segment, until the longest of its segments is done; partial results stay per lane and are
  combined across the tile once at the end. Sums are compensated (TwoSum error terms per lane
  and across lanes; float32 accumulators for 16-bit floats): about one rounding of the result
  per list, whatever its length. Every element is read once; no atomics, so results are
  deterministic.
- **expand** (the transpose of a segment sum, ``values[ids]``): the same walk, storing instead.

A segment longer than ``Tiling.piece`` would keep one program busy while the others idle, so the
plan splits it into pieces of at most ``piece`` elements, reduces pieces, then reduces the pieces
of each segment with the same kernel (recursively: the pieces' offsets are one more level).

``segment_sum_p`` and ``segment_expand_p`` are linear primitives, each the other's transpose, so
``jax.grad``, ``jax.jvp``, ``jax.linear_transpose`` and higher orders go through; both batch under
``vmap`` (the batch becomes one more column of the content). Max and min are a non-differentiable
primitive wrapped by the ``custom_jvp`` rule of :mod:`._jax_rules` (ties split evenly).

``interpret=True`` runs the same kernels through Pallas' interpreter on any device: it is how the
CPU test suite checks them. Without it the kernels lower to Triton and need a GPU.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.experimental import pallas as pl
from jax.experimental.pallas import triton as plt
from jax.extend.core import Primitive
from jax.interpreters import ad, batching, mlir

from ._base import identity

__all__ = ["KINDS", "Plan", "Tiling", "expand", "plan_for", "reduce", "supported"]

#: reductions these kernels implement (others use ``jax.ops.segment_*``)
KINDS = ("sum", "max", "min")


@dataclasses.dataclass(frozen=True)
class Tiling:
    """Kernel shape: segments per program, elements per segment per step, longest piece, warps."""

    rows: int = 64
    cols: int = 16
    piece: int = 1024
    num_warps: int = 4

    def __post_init__(self) -> None:
        for name in ("rows", "cols", "num_warps"):
            value = getattr(self, name)
            if value < 1 or value & (value - 1):
                msg = f"Tiling.{name} must be a power of two, got {value}"
                raise ValueError(msg)
        if self.piece < max(2, self.cols):  # pieces of one element would never shorten a level
            msg = f"Tiling.piece ({self.piece}) must be at least 2 and at least Tiling.cols ({self.cols})"
            raise ValueError(msg)


class Plan:
    """Offsets levels for one segments object and tiling: elements → pieces → … → segments.

    Hashed by identity (primitive parameters must be hashable); :func:`plan_for` caches one per
    segments object and tiling, so a structure seen again gives the same plan.
    """

    __slots__ = ("levels", "n", "size", "tiling")

    def __init__(self, offsets: np.ndarray, tiling: Tiling) -> None:
        self.tiling = tiling
        self.size = int(offsets[-1])
        self.n = len(offsets) - 1
        self.levels = _split(np.asarray(offsets, dtype=np.int64), tiling.piece)

    def __repr__(self) -> str:
        return f"Plan(n={self.n}, size={self.size}, levels={len(self.levels)})"


def _split(offsets: np.ndarray, piece: int) -> tuple[np.ndarray, ...]:
    """Offsets per level, element level first; each level's segments have at most ``piece`` items."""
    levels = []
    while True:
        lengths = np.diff(offsets)
        if lengths.max(initial=0) <= piece:
            levels.append(_frozen32(offsets))
            return tuple(levels)
        counts = np.maximum(1, -(-lengths // piece))  # an empty segment keeps one empty piece
        first = np.concatenate([[0], np.cumsum(counts)])
        local = np.arange(first[-1]) - np.repeat(first[:-1], counts)
        starts = np.repeat(offsets[:-1], counts) + local * piece
        levels.append(_frozen32(np.append(starts, offsets[-1])))
        offsets = first  # the next level groups the pieces of each segment


def _frozen32(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.int32)
    a.flags.writeable = False
    return a


def plan_for(segments: Any, tiling: Tiling) -> Plan:
    """The plan of a :class:`raggrad._structure.Segments`, cached on it."""
    return cast(Plan, segments.cached(("pallas-plan", tiling), lambda: Plan(segments.offsets, tiling)))


def supported(data: Any, segments: Any) -> bool:
    """Whether these kernels handle ``data`` (elements first) over ``segments``."""
    if not jnp.issubdtype(data.dtype, jnp.floating):
        return False
    columns = math.prod(data.shape[1:])
    return cast(bool, columns * max(segments.size, segments.n) < 2**31)  # int32 positions in the kernels


# ---- kernels ---------------------------------------------------------------------------
def _accumulator(kind: str, dtype: Any) -> Any:
    # 16-bit floats add in float32; max/min are exact in any float type
    return jnp.float32 if kind == "sum" and jnp.dtype(dtype).itemsize < 4 else dtype


def _rows(offsets_ref: Any, rows: int, tiling: Tiling) -> tuple[Any, Any, Any, Any]:
    """This program's segments: their ids, validity, first element and length."""
    r = pl.program_id(0) * tiling.rows + jnp.arange(tiling.rows, dtype=jnp.int32)
    valid = r < rows
    start = plt.load(offsets_ref.at[r], mask=valid, other=0)
    stop = plt.load(offsets_ref.at[r + 1], mask=valid, other=0)
    return r, valid, start, stop - start


def _steps(length: Any, tiling: Tiling) -> Any:
    return (jnp.max(length) + tiling.cols - 1) // tiling.cols


def _two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """``a + b`` rounded, and its rounding error exactly (Knuth's branch-free TwoSum)."""
    s = a + b
    b_part = s - a
    return s, (a - (s - b_part)) + (b - b_part)


def _reduce_kernel(
    offsets_ref: Any, x_ref: Any, out_ref: Any, *, kind: str, rows: int, size: int, tiling: Tiling
) -> None:
    r, valid, start, length = _rows(offsets_ref, rows, tiling)
    column = pl.program_id(1)
    first = column * size + start
    acc_dtype = _accumulator(kind, x_ref.dtype)
    ident = identity(kind, x_ref.dtype)
    lanes = jnp.arange(tiling.cols, dtype=jnp.int32)[None, :]
    tile = (tiling.rows, tiling.cols)

    def load(t: Any) -> Any:
        pos = t * tiling.cols + lanes
        return plt.load(x_ref.at[first[:, None] + pos], mask=pos < length[:, None], other=ident).astype(
            acc_dtype
        )

    steps = _steps(length, tiling)
    if kind == "sum":
        # compensated: each lane keeps the rounding errors of its additions, and the lanes are
        # added one by one the same way, so a list's sum is off by about one rounding of the
        # result, however long the list (a plain float32 sum loses one rounding per addition)
        def add(t: Any, carry: Any) -> Any:
            acc, err = _two_sum(carry[0], load(t))
            return acc, carry[1] + err

        acc, err = lax.fori_loop(0, steps, add, (jnp.zeros(tile, acc_dtype), jnp.zeros(tile, acc_dtype)))
        total, carried = jnp.zeros(tiling.rows, acc_dtype), jnp.sum(err, axis=1)
        for k in range(tiling.cols):
            lane = jnp.sum(jnp.where(lanes == k, acc, 0), axis=1)  # exact: the others are zeros
            total, e = _two_sum(total, lane)
            carried = carried + e
        out = total + carried
    else:
        combine = jnp.maximum if kind == "max" else jnp.minimum
        acc = lax.fori_loop(0, steps, lambda t, acc: combine(acc, load(t)), jnp.full(tile, ident, acc_dtype))
        out = jnp.max(acc, axis=1) if kind == "max" else jnp.min(acc, axis=1)
    plt.store(out_ref.at[column * rows + r], out.astype(out_ref.dtype), mask=valid)


def _expand_kernel(
    offsets_ref: Any, v_ref: Any, out_ref: Any, *, rows: int, size: int, tiling: Tiling, sink: int | None
) -> None:
    r, valid, start, length = _rows(offsets_ref, rows, tiling)
    column = pl.program_id(1)
    first = column * size + start
    value = plt.load(v_ref.at[column * rows + r], mask=valid, other=0)
    tile = jnp.broadcast_to(value[:, None], (tiling.rows, tiling.cols))
    lanes = jnp.arange(tiling.cols, dtype=jnp.int32)[None, :]
    # Pallas' interpreter stores masked lanes too (writing back what it read), which races with
    # the lanes that store to the same place; there, masked lanes go to a private sink instead
    spare = None
    if sink is not None:
        spare = sink + (r - pl.program_id(0) * tiling.rows)[:, None] * tiling.cols + lanes

    def step(t: Any, carry: Any) -> Any:
        pos = t * tiling.cols + lanes
        mask = pos < length[:, None]
        index = first[:, None] + pos
        if spare is not None:
            index = jnp.where(mask, index, spare)
        plt.store(out_ref.at[index], tile, mask=mask)
        return carry

    lax.fori_loop(0, _steps(length, tiling), step, 0)


def _launch(
    kernel: Any, offsets: np.ndarray, flat: Any, columns: int, tiling: Tiling, interpret: bool, **kw: Any
) -> Any:
    """Run ``kernel`` over the ``columns`` columns of ``flat``: one result per row or per element."""
    rows, size = len(offsets) - 1, int(offsets[-1])
    if kernel is _reduce_kernel:
        out_size, extra = columns * rows, 0
    else:  # expand; under the interpreter with a sink for masked lanes behind the result
        out_size = columns * size
        kw["sink"] = out_size if interpret else None
        extra = tiling.rows * tiling.cols if interpret else 0
    out = pl.pallas_call(
        functools.partial(kernel, rows=rows, size=size, tiling=tiling, **kw),
        out_shape=jax.ShapeDtypeStruct((out_size + extra,), flat.dtype),
        grid=(pl.cdiv(rows, tiling.rows), columns),
        interpret=interpret,
        compiler_params=None if interpret else plt.CompilerParams(num_warps=tiling.num_warps),
        name="raggrad_segment_" + kw.get("kind", "expand"),
    )(jnp.asarray(offsets), flat)
    return out[:out_size] if extra else out


# ---- primitives ------------------------------------------------------------------------
# Operands have the elements (or segments) on axis 0 and any further axes after it; the kernels
# see one flat buffer with those further axes as leading columns.
def _columns_first(x: Any) -> tuple[Any, int]:
    columns = math.prod(x.shape[1:])
    if x.ndim > 1:
        x = jnp.moveaxis(x.reshape(x.shape[0], columns), 1, 0)
    return x.reshape(-1), columns


def _columns_last(flat: Any, length: int, rest: tuple[int, ...]) -> Any:
    if not rest:
        return flat
    columns = math.prod(rest)
    return jnp.moveaxis(flat.reshape(columns, length), 0, 1).reshape(length, *rest)


def _reduce_impl(x: Any, *, kind: str, plan: Plan, interpret: bool) -> Any:
    rest = x.shape[1:]
    if x.size == 0 or plan.n == 0:
        return jnp.full((plan.n, *rest), identity(kind, x.dtype), x.dtype)
    flat, columns = _columns_first(x)
    for offsets in plan.levels:
        flat = _launch(_reduce_kernel, offsets, flat, columns, plan.tiling, interpret, kind=kind)
    return _columns_last(flat, plan.n, rest)


def _expand_impl(v: Any, *, plan: Plan, interpret: bool) -> Any:
    rest = v.shape[1:]
    if plan.size == 0 or math.prod(rest) == 0:
        return jnp.zeros((plan.size, *rest), v.dtype)
    flat, columns = _columns_first(v)
    for offsets in reversed(plan.levels):
        flat = _launch(_expand_kernel, offsets, flat, columns, plan.tiling, interpret)
    return _columns_last(flat, plan.size, rest)


def _define(name: str, impl: Any, length: Any, static: tuple[str, ...]) -> Primitive:
    prim = Primitive(name)
    # eagerly: one compiled call per (parameters, shapes), cached by jit
    prim.def_impl(jax.jit(impl, static_argnames=static))
    prim.def_abstract_eval(
        lambda x, **params: jax.core.ShapedArray((length(params["plan"]), *x.shape[1:]), x.dtype)
    )
    mlir.register_lowering(prim, mlir.lower_fun(impl, multiple_results=False))

    def batch(args: Any, dims: Any, **params: Any) -> Any:
        (x,), (d,) = args, dims
        return prim.bind(jnp.moveaxis(x, d, 1), **params), 1  # the batch becomes a column

    batching.primitive_batchers[prim] = batch
    return prim


_REDUCE = ("kind", "plan", "interpret")
segment_sum_p = _define("raggrad_segment_sum", _reduce_impl, lambda plan: plan.n, _REDUCE)
segment_extremum_p = _define("raggrad_segment_extremum", _reduce_impl, lambda plan: plan.n, _REDUCE)
segment_expand_p = _define("raggrad_segment_expand", _expand_impl, lambda plan: plan.size, _REDUCE[1:])

# A segment sum and an expansion are linear and each other's transpose. The extremum has no rule
# of its own: raggrad differentiates it through the custom_jvp rule in ``_jax_rules``.
ad.deflinear2(segment_sum_p, lambda ct, x, *, kind, **p: [segment_expand_p.bind(ct, **p)])
ad.deflinear2(segment_expand_p, lambda ct, v, **p: [segment_sum_p.bind(ct, kind="sum", **p)])


def reduce(kind: str, data: Any, plan: Plan, interpret: bool = False) -> Any:
    """``kind`` ("sum", "max", "min") of axis 0 of ``data`` within each segment of ``plan``."""
    prim = segment_sum_p if kind == "sum" else segment_extremum_p
    return prim.bind(data, kind=kind, plan=plan, interpret=interpret)


def expand(values: Any, plan: Plan, interpret: bool = False) -> Any:
    """``values`` (one per segment, axis 0) repeated over the elements of each segment."""
    return segment_expand_p.bind(values, plan=plan, interpret=interpret)
