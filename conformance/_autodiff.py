"""Derivative machinery shared by the derivative, jit and vmap checkers (jax, float64)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from raggrad._array import RaggedArray
from raggrad._options import element_mask

from . import _harness as h

H = 1e-6  # central-difference step in float64


class Problem:
    """One op call with its ragged float arguments singled out as the differentiated ones."""

    def __init__(self, func: Any, spec: Any, args: list[Any], kwargs: dict[str, Any], device: Any) -> None:
        self.spec = spec
        self.np_args, self.kwargs_np = args, kwargs
        jargs, self.kwargs = h.to_device(args, kwargs, device)
        self.args = jargs
        self.diff = [
            i for i, a in enumerate(jargs) if isinstance(a, RaggedArray) and np.dtype(a.dtype).kind == "f"
        ]
        self.func = func
        self.primals = tuple(jargs[i] for i in self.diff)
        out = self.f(*self.primals)
        self.out_float = [
            i for i, leaf in enumerate(jax.tree.leaves(out)) if jnp.issubdtype(leaf.dtype, jnp.floating)
        ]
        self.mask = self._kink_mask(out)

    def f(self, *diff: Any) -> Any:
        args = list(self.args)
        for i, a in zip(self.diff, diff, strict=True):
            args[i] = a
        return self.func(*args, **self.kwargs)

    def float_leaves(self, out: Any) -> list[Any]:
        leaves = jax.tree.leaves(out)
        return [leaves[i] for i in self.out_float]

    def _kink_mask(self, out: Any) -> list[np.ndarray]:
        """Per float output leaf: True where finite differences are meaningless (kinks, NaN)."""
        values = [np.asarray(v) for v in self.float_leaves(out)]
        masks = [~np.isfinite(v) for v in values]
        if self.spec.kink is not None:
            kink = h.leaves(self.spec.kink(*self.np_args, **self.kwargs_np))
            kink = kink * len(masks) if len(kink) == 1 else kink
            masks = [
                m | np.broadcast_to(np.asarray(k, bool), m.shape) for m, k in zip(masks, kink, strict=True)
            ]
        return masks

    def random_like(self, tree: Any, rng: np.random.Generator) -> Any:
        return jax.tree.map(lambda a: jnp.asarray(rng.standard_normal(np.shape(a)), dtype=a.dtype), tree)

    def shift(self, t: Any, eps: float) -> tuple[Any, ...]:
        return tuple(
            jax.tree.map(lambda a, b: a + eps * b, p, d) for p, d in zip(self.primals, t, strict=True)
        )

    def scalarisation(self, rng: np.random.Generator) -> Any:
        out = self.f(*self.primals)
        weights = [
            jnp.where(m, 0.0, jnp.asarray(rng.standard_normal(np.shape(v))))
            for v, m in zip(self.float_leaves(out), self.mask, strict=True)
        ]
        masks = [jnp.asarray(m) for m in self.mask]

        def g(*diff: Any) -> Any:
            total = jnp.zeros((), jnp.float64)
            for v, w, m in zip(self.float_leaves(self.f(*diff)), weights, masks, strict=True):
                total = total + jnp.sum(w * jnp.where(m, 0.0, v))
            return total

        return g

    def scale(self) -> float:
        """Size and magnitude of the problem, for finite-difference tolerances."""
        n = sum(int(np.size(p.values)) for p in self.primals)
        mags = [
            float(np.max(np.abs(np.where(m, 0, np.asarray(v))), initial=0.0))
            for v, m in zip(self.float_leaves(self.f(*self.primals)), self.mask, strict=True)
        ]
        return (1.0 + max(mags, default=0.0)) * np.sqrt(1.0 + n)


def flat(tree: Any) -> np.ndarray:
    leaves = [np.ravel(np.asarray(leaf, dtype=np.float64)) for leaf in jax.tree.leaves(tree)]
    return np.concatenate(leaves) if leaves else np.zeros(0)


def vdot(a: Any, b: Any) -> tuple[float, float]:
    """``<a, b>`` and ``sum |a * b|`` (the scale of its rounding error)."""
    fa, fb = flat(a), flat(b)
    return float(fa @ fb), float(np.abs(fa) @ np.abs(fb))


def present(tree: Any) -> list[np.ndarray]:
    """Per content leaf of ``tree`` (in ``jax.tree.leaves`` order): True at the slots of present
    elements, False at missing ones (awkward's None), broadcast to the leaf's shape."""
    out = []
    for node in jax.tree.leaves(tree, is_leaf=lambda a: isinstance(a, RaggedArray)):
        keep = element_mask(node._structure) if isinstance(node, RaggedArray) else None
        for leaf in jax.tree.leaves(node):
            shape = np.shape(leaf)
            if keep is None:
                out.append(np.ones(shape, bool))
                continue
            nbatch = node._nbatch  # leading batch dims, then one row per element
            column = np.reshape(keep, (1,) * nbatch + keep.shape + (1,) * (len(shape) - nbatch - 1))
            out.append(np.broadcast_to(column, shape))
    return out
