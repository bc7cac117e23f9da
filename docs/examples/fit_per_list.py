"""Fit per-list parameters stored in ragged arrays with optax: a jet energy calibration.

Every collision event has its own number of jets, and every jet its own number of calorimeter
deposits. The measured jet energy is the sum of its deposits; the calibrated energy is

    calibrated[event, jet] = scale[event, jet] * measured[event, jet] + offset[event]

with one scale per jet (a ragged array of type ``n * var * float32``) and one offset per event
(``n * float32``). Both are fitted to reference energies with Adam. The parameters are a dict of
RaggedArrays, which are JAX pytrees, so optax updates them as it updates dense arrays, and one
``jax.jit`` compiles the whole update step (the structure is fixed, so it compiles once).

Run it with ``python docs/examples/fit_per_list.py``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import raggrad as rg


def make_data(n_events: int = 64, seed: int = 0) -> dict[str, Any]:
    """Synthetic events: deposits per jet, and reference energies from a known calibration."""
    rng = np.random.default_rng(seed)
    jets_per_event = rng.integers(0, 5, size=n_events)  # some events have no jet
    n_jets = int(jets_per_event.sum())
    deposits_per_jet = rng.integers(1, 6, size=n_jets)
    deposits = rng.exponential(10.0, size=int(deposits_per_jet.sum())).astype(np.float32)
    # n * var * var: events -> jets -> deposits (GeV)
    jets = rg.from_lengths(jets_per_event, rg.from_lengths(deposits_per_jet, deposits))
    measured = rg.sum(jets, axis=-1)  # n * var: measured energy of every jet
    true_scale = rg.from_lengths(jets_per_event, rng.uniform(0.9, 1.3, size=n_jets).astype(np.float32))
    true_offset = rg.asarray(rng.uniform(-2.0, 2.0, size=n_events).astype(np.float32))
    reference = true_scale * measured + true_offset
    to_jax = lambda a: rg.to_backend(a, "jax")  # noqa: E731
    return {"measured": to_jax(measured), "reference": to_jax(reference), "n_jets": n_jets}


def init_params(measured: rg.RaggedArray) -> dict[str, rg.RaggedArray]:
    """Start from no calibration: scale 1 for every jet, offset 0 for every event."""
    return {"scale": rg.ones_like(measured), "offset": rg.zeros_like(rg.sum(measured, axis=1))}


def loss_fn(params: dict[str, rg.RaggedArray], measured: rg.RaggedArray, reference: rg.RaggedArray) -> Any:
    """Mean squared error per jet, in GeV^2 (an event's offset broadcasts over its jets)."""
    calibrated = params["scale"] * measured + params["offset"]
    return rg.mean((calibrated - reference) ** 2)


def fit(steps: int = 300, learning_rate: float = 0.05, seed: int = 0) -> tuple[Any, list[float]]:
    """Run Adam for ``steps`` jitted updates; returns the parameters and the loss history."""
    data = make_data(seed=seed)
    measured, reference = data["measured"], data["reference"]
    params = init_params(measured)
    optimizer = optax.adam(learning_rate)
    state = optimizer.init(params)

    @jax.jit
    def step(params: Any, state: Any) -> tuple[Any, Any, Any]:
        loss, grads = jax.value_and_grad(loss_fn)(params, measured, reference)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    history = []
    for _ in range(steps):
        params, state, loss = step(params, state)
        history.append(loss)
    return params, [float(v) for v in jnp.stack(history)]


def main() -> None:
    params, history = fit()
    print(f"{len(history)} Adam steps on {params['scale'].type} scales and {params['offset'].type} offsets")
    for i in (0, 10, 100, len(history) - 1):
        print(f"  step {i:4d}: mean squared error {history[i]:10.4f} GeV^2")
    print(f"first event's fitted jet scales: {np.round(params['scale'][0].to_list(), 3).tolist()}")


if __name__ == "__main__":
    main()
