"""Transformations on the jax backend (float64, every device): ``jax.jit(f)`` equals ``f``, and
``jax.vmap`` over values with shared structure equals a Python loop."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from raggrad._array import RaggedArray  # noqa: E402

from . import _harness as h  # noqa: E402
from ._devices import DEVICES, on_device  # noqa: E402

SCALE = 1 / 3  # each example compiles anew


def check_jit(name: str, func: Any, device: str, data: Any) -> None:
    spec = h.op(name).spec
    args, kwargs = h.inputs(spec, data)
    snippet = h.record(name, args, kwargs)
    with jax.enable_x64(True):
        jargs, jkwargs = h.to_device(args, kwargs, on_device(device))
        arrays = [i for i, a in enumerate(jargs) if isinstance(a, (RaggedArray, jax.Array))]

        def f(*xs: Any) -> Any:
            call = list(jargs)
            for i, x in zip(arrays, xs, strict=True):
                call[i] = x
            return func(*call, **jkwargs)

        eager = h.call(name)(*jargs, **jkwargs)
        jitted = jax.jit(f)(*[jargs[i] for i in arrays])
        assert h.types(jitted) == h.types(eager), f"jit changes the types of rg.{name}\n{snippet}"
        for a, e in zip(h.leaves(jitted), h.leaves(eager), strict=True):
            h.assert_values_close(a, e, 1e-10, 1e-12, f"jax.jit(rg.{name}) vs eager", snippet)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", h.specced(lambda op, spec: "no_jit" not in spec.extra))
@h.checker_settings(SCALE)
@h.canonical_first
@given(data=st.data())
def test_jit_matches_eager(name: str, device: str, data: Any) -> None:
    check_jit(name, h.call(name), device, data)


def check_vmap(name: str, func: Any, device: str, data: Any) -> None:
    spec = h.op(name).spec
    args, kwargs = h.inputs(spec, data)
    snippet = h.record(name, args, kwargs)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    batch = 3
    with jax.enable_x64(True):
        jargs, jkwargs = h.to_device(args, kwargs, on_device(device))
        ragged = [i for i, a in enumerate(jargs) if isinstance(a, RaggedArray)]
        # batch members permute each content buffer, so values stay inside the op's domain
        stacks = []
        for i in ragged:
            v = jargs[i].values
            perms = [np.arange(v.shape[0])] + [rng.permutation(v.shape[0]) for _ in range(batch - 1)]
            stacks.append(jax.numpy.stack([v[p] for p in perms]))
        treedefs = [jax.tree.structure(jargs[i]) for i in ragged]

        def f(*contents: Any) -> Any:
            call = list(jargs)
            for i, c, td in zip(ragged, contents, treedefs, strict=True):
                call[i] = jax.tree.unflatten(td, [c])
            return func(*call, **jkwargs)

        batched = jax.vmap(f)(*stacks)
        for b in range(batch):
            one = f(*[s[b] for s in stacks])
            for a, e in zip(h.leaves(batched), h.leaves(one), strict=True):
                h.assert_values_close(
                    a[b], e, 1e-10, 1e-12, f"jax.vmap(rg.{name}) member {b} vs a loop", snippet
                )


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "name", h.specced(lambda op, spec: "no_vmap" not in spec.extra and spec.exempt is None)
)
@h.checker_settings(SCALE)
@h.canonical_first
@given(data=st.data())
def test_vmap_matches_loop(name: str, device: str, data: Any) -> None:
    check_vmap(name, h.call(name), device, data)
