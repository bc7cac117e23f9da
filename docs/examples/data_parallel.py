"""Data parallelism with ``jax.sharding``: one bounded batch per device, gradients averaged.

Every step draws one batch of variable-length sequences per device, each with its own list
lengths but the same capacities (``rg.with_capacity``). ``rg.stack`` puts them along a new leading
axis, ``jax.device_put`` with a ``NamedSharding`` on that axis sends member ``i`` to device ``i``,
and one jitted step computes every member's loss and gradient on its own device and averages the
gradients over the devices. Two spellings of the step, with the same result:

- **sharded jit**: ``jax.vmap`` of the loss over the stack inside ``jax.jit``; XLA splits the
  vmapped computation along the sharded axis and inserts the all-reduce for the mean;
- **shard_map**: each device sees its own members and the loss is averaged with
  ``jax.lax.pmean`` *inside* the differentiated function (the gradient of a replicated parameter
  is then the mean over devices; see ``shard_map_step``).

Both give the parameters the single-device loop over the same batches gives (``reference``).
On a machine without several accelerators, virtual CPU devices show it::

    XLA_FLAGS=--xla_force_host_platform_device_count=8 python docs/examples/data_parallel.py
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

import raggrad as rg

DIM = 4
LISTS, ELEMENTS = 64, 1024  # the capacities every member shares: one compiled step
LEARNING_RATE = 0.1

Params = dict[str, Any]
Member = tuple[rg.RaggedArray, rg.RaggedArray]


def make_member(rng: np.random.Generator, true_w: np.ndarray) -> Member:
    """One device's batch, as a data loader gives it: host arrays with new list lengths."""
    lengths = rng.poisson(8, int(rng.integers(32, LISTS))) + 1
    tokens = rng.standard_normal((int(lengths.sum()), DIM))
    x = rg.from_lengths(lengths, tokens)
    y = rg.mean(np.tanh(x @ true_w), axis=1)  # one target per sequence
    return rg.with_capacity(x, lists=LISTS, elements=ELEMENTS), rg.with_capacity(y, lists=LISTS)


def batches(steps: int, members: int, seed: int = 0) -> list[list[Member]]:
    """``steps`` global batches of ``members`` members each (float64 content)."""
    rng = np.random.default_rng(seed)
    true_w = rng.standard_normal(DIM)
    return [[make_member(rng, true_w) for _ in range(members)] for _ in range(steps)]


def init_params(seed: int = 1) -> Params:
    rng = np.random.default_rng(seed)
    w = jnp.asarray(rng.standard_normal((DIM, DIM)) / 2)
    return {"W": w, "a": jnp.zeros(DIM), "v": jnp.ones(DIM) / 2}


def loss(params: Params, x: rg.RaggedArray, y: rg.RaggedArray) -> jax.Array:
    """One member's loss: softmax attention pooling within each sequence, squared error."""
    h = np.tanh(x @ params["W"])  # n * var * DIM
    p = rg.softmax(h @ params["a"], axis=1)
    pooled = rg.sum(p * h, axis=1)  # n * DIM
    return rg.mean((pooled @ params["v"] - y) ** 2)  # padding lists take no part


def _sgd(params: Params, grads: Params) -> Params:
    return jax.tree_util.tree_map(lambda p, g: p - LEARNING_RATE * g, params, grads)


def stack(members: Sequence[Member], sharding: Any = None) -> tuple[rg.RaggedArray, rg.RaggedArray]:
    """The members along a new leading axis, on the devices of ``sharding`` (one member or more
    per device along the leading axis), or on the default device."""
    xs = rg.to_backend(rg.stack([x for x, _ in members]), "jax")
    ys = rg.to_backend(rg.stack([y for _, y in members]), "jax")
    return jax.device_put((xs, ys), sharding) if sharding is not None else (xs, ys)


def mean_loss(params: Params, xs: rg.RaggedArray, ys: rg.RaggedArray) -> jax.Array:
    return jnp.mean(jax.vmap(loss, in_axes=(None, 0, 0))(params, xs, ys))


@jax.jit
def sharded_step(params: Params, xs: rg.RaggedArray, ys: rg.RaggedArray) -> tuple[Params, jax.Array]:
    """The sharded-jit form: with ``xs``, ``ys`` sharded on their leading axis, XLA runs each
    member on its device and all-reduces the gradient; unsharded, it is the plain step."""
    value, grads = jax.value_and_grad(mean_loss)(params, xs, ys)
    return _sgd(params, grads), value


def shard_map_step(mesh: Mesh) -> Callable[..., tuple[Params, jax.Array]]:
    """The ``shard_map`` form: each device computes the loss of its own members.

    ``pmean`` goes on the loss, inside ``jax.value_and_grad``: under ``shard_map`` the gradient of a
    parameter replicated over the devices (``P()``) is summed over them by JAX itself, so
    ``pmean`` of the per-device gradients (the ``pmap``-era spelling) would give the sum, not the
    mean.
    """

    def local(params: Params, xs: rg.RaggedArray, ys: rg.RaggedArray) -> tuple[Params, jax.Array]:
        def averaged(params: Params) -> jax.Array:
            return jax.lax.pmean(mean_loss(params, xs, ys), "data")

        value, grads = jax.value_and_grad(averaged)(params)
        return _sgd(params, grads), value

    specs = (P(), P("data"), P("data"))
    return jax.jit(jax.shard_map(local, mesh=mesh, in_specs=specs, out_specs=(P(), P())))


@jax.jit
def _member_value_and_grad(params: Params, x: rg.RaggedArray, y: rg.RaggedArray) -> tuple[jax.Array, Params]:
    return jax.value_and_grad(loss)(params, x, y)


def reference(params: Params, data: Sequence[Sequence[Member]]) -> tuple[Params, list[float]]:
    """The single-device loop: every member in turn on one device, gradients averaged."""
    losses = []
    for members in data:
        results = [_member_value_and_grad(params, *(rg.to_backend(a, "jax") for a in m)) for m in members]
        grads = jax.tree_util.tree_map(lambda *g: sum(g) / len(g), *(g for _, g in results))
        params = _sgd(params, grads)
        losses.append(float(sum(v for v, _ in results) / len(results)))
    return params, losses


def mesh_of(ndevices: int) -> Mesh:
    return Mesh(np.array(jax.devices()[:ndevices]), ("data",))


def train(
    form: str, params: Params, data: Sequence[Sequence[Member]], ndevices: int
) -> tuple[Params, list[float]]:
    """``form``: ``"jit"`` (sharded jit) or ``"shard_map"``, on the first ``ndevices`` devices."""
    mesh = mesh_of(ndevices)
    step = sharded_step if form == "jit" else shard_map_step(mesh)
    sharding = NamedSharding(mesh, P("data"))
    losses = []
    for members in data:
        params, value = step(params, *stack(members, sharding))
        losses.append(float(value))
    return params, losses


def max_relative_difference(a: Params, b: Params) -> float:
    diffs = jax.tree_util.tree_map(lambda u, v: float(jnp.max(jnp.abs(u - v) / (jnp.abs(v) + 1e-300))), a, b)
    return max(jax.tree_util.tree_leaves(diffs))


def main(steps: int = 20) -> None:
    ndevices = jax.device_count()
    with jax.enable_x64(True):
        data = batches(steps, members=ndevices)
        expected, losses = reference(init_params(), data)
        print(f"{ndevices} device(s); one member per device; loss {losses[0]:.4f} -> {losses[-1]:.4f}")
        for form in ("jit", "shard_map"):
            params, _ = train(form, init_params(), data, ndevices)
            diff = max_relative_difference(params, expected)
            print(f"{form:>9}: parameters after {steps} steps differ from the one-device loop by {diff:.1e}")


if __name__ == "__main__":
    main()
