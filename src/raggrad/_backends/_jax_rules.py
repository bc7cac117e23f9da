"""Segment reductions on JAX with exact derivatives at the edges.

``jax.ops.segment_sum`` is linear and differentiates correctly by itself. The others need rules:
``prod`` with zeros, ``max``/``min`` with ties (split evenly, as ``jnp.max`` does).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp


def segment_reduce(kind: str, data: Any, ids: Any, n: int, sorted_ids: bool, ident: Any) -> Any:
    if kind == "sum":
        return jax.ops.segment_sum(data, ids, num_segments=n, indices_are_sorted=sorted_ids)
    if kind in ("any", "all"):
        # empty segments: segment_max gives the int8 minimum (any → False), segment_min the
        # maximum (all → True)
        fn = jax.ops.segment_max if kind == "any" else jax.ops.segment_min
        flags = (data != 0).astype(jnp.int8)
        return fn(flags, ids, num_segments=n, indices_are_sorted=sorted_ids) > 0
    fn = {"prod": jax.ops.segment_prod, "max": jax.ops.segment_max, "min": jax.ops.segment_min}[kind]
    return fn(data, ids, num_segments=n, indices_are_sorted=sorted_ids)
