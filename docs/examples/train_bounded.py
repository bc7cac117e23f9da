"""Train a per-token model on a stream of batches of variable-length sequences, compiled once.

Each step draws a new batch: sequences of 8-dim token embeddings with new lengths. The model
scores every token (``tanh(x @ W) @ a``), pools each sequence with a softmax over its own tokens,
and regresses a target per sequence. Bounded arrays (``rg.with_capacity``) keep the list lengths
as data, so ``jax.jit`` compiles one program for all batches of a capacity bucket instead of one
per batch. Run ``python docs/examples/train_bounded.py``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import raggrad as rg

DIM = 8


def make_batch(rng: np.random.Generator, n: int, true_w: np.ndarray) -> tuple[rg.RaggedArray, rg.RaggedArray]:
    """A batch as a data loader gives it: host arrays, made bounded and moved to the device."""
    lengths = rng.poisson(12, n) + 1
    tokens = rng.standard_normal((int(lengths.sum()), DIM)).astype(np.float32)
    x = rg.from_lengths(lengths, tokens)
    y = rg.mean(np.tanh(x @ true_w), axis=1)  # the target: one number per sequence
    # the same capacities for every batch: one compiled step (targets: as many slots as sequences)
    x = rg.with_capacity(x, lists=128, elements=2048).to_backend("jax")
    return x, rg.with_capacity(y, lists=128).to_backend("jax")


def model(params: dict[str, jnp.ndarray], x: rg.RaggedArray) -> rg.RaggedArray:
    h = np.tanh(x @ params["W"])  # n * var * 8
    p = rg.softmax(h @ params["a"], axis=1)  # attention within each sequence
    pooled = rg.sum(p * h, axis=1)  # one vector per sequence: n * 8
    return pooled @ params["v"]  # n


def loss(params: dict[str, jnp.ndarray], x: rg.RaggedArray, y: rg.RaggedArray) -> jnp.ndarray:
    # padding slots take no part: rg.mean counts the sequences in use only
    return rg.mean((model(params, x) - y) ** 2)


def train(steps: int = 60, batch_size: int = 100, seed: int = 0) -> tuple[list[float], int]:
    """Returns the loss of every step and the number of times the step was traced (compiled)."""
    rng = np.random.default_rng(seed)
    true_w = rng.standard_normal(DIM).astype(np.float32)
    params = {
        "W": jnp.asarray(rng.standard_normal((DIM, DIM)) / 3, jnp.float32),
        "a": jnp.zeros(DIM, jnp.float32),
        "v": jnp.asarray(rng.standard_normal(DIM) / 3, jnp.float32),
    }
    optimizer = optax.adam(0.05)
    state = optimizer.init(params)
    traces = []

    @jax.jit
    def step(params: dict[str, jnp.ndarray], state: optax.OptState, x: rg.RaggedArray, y: rg.RaggedArray):
        traces.append(1)  # runs once per compilation
        value, grads = jax.value_and_grad(loss)(params, x, y)
        updates, state = optimizer.update(grads, state)
        return optax.apply_updates(params, updates), state, value

    losses = []
    for _ in range(steps):
        x, y = make_batch(rng, int(rng.integers(batch_size // 2, batch_size)), true_w)
        params, state, value = step(params, state, x, y)
        losses.append(float(value))
    return losses, len(traces)


if __name__ == "__main__":
    losses, traces = train()
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f} over {len(losses)} batches, compiled {traces} time(s)")
