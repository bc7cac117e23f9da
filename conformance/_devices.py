"""The JAX devices present, as pytest parameters (``cpu:0``, ``cuda:0``, ...)."""

from __future__ import annotations

from typing import Any

try:
    import jax
except ImportError:  # pragma: no cover - the suite needs jax for everything but the references
    jax = None

DEVICES: list[str] = [f"{d.platform}:{d.id}" for d in jax.devices()] if jax is not None else []


def on_device(name: str) -> Any:
    """The ``jax.Device`` of a :data:`DEVICES` entry."""
    for d in jax.devices():
        if f"{d.platform}:{d.id}" == name:
            return d
    msg = f"no jax device {name!r}; present: {DEVICES}"
    raise ValueError(msg)
