"""The JAX devices present, as pytest parameters (``cpu:0``, ``cuda:0``, ...).

Each device also appears once more with ``+kernels``: there the jax backend reduces segments with
its Pallas kernels (``JaxBackend.kernels``: ``"interpret"`` on a CPU, where they run through Pallas'
interpreter, ``"pallas"`` on a GPU) instead of ``jax.ops.segment_*``. The conftest keeps those
items only for the ops that reach segment reductions (:data:`KERNEL_OPS`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

try:
    import jax
except ImportError:  # pragma: no cover - the suite needs jax for everything but the references
    jax = None

KERNELS = "+kernels"
#: ops whose jax implementation goes through ``segment_reduce``/``segment_expand`` (every binary
#: ufunc broadcasts one value per list through ``segment_expand``: two of them stand for the rest)
KERNEL_OPS = frozenset(
    ("sum", "mean", "var", "std", "max", "min", "argmax", "argmin", "logsumexp", "softmax", "log_softmax")
) | {"add", "multiply"}

_PLAIN = [f"{d.platform}:{d.id}" for d in jax.devices()] if jax is not None else []
DEVICES: list[str] = _PLAIN + [name + KERNELS for name in _PLAIN]


def on_device(name: str) -> Any:
    """The ``jax.Device`` of a :data:`DEVICES` entry."""
    name = name.removesuffix(KERNELS)
    for d in jax.devices():
        if f"{d.platform}:{d.id}" == name:
            return d
    msg = f"no jax device {name!r}; present: {DEVICES}"
    raise ValueError(msg)


@contextlib.contextmanager
def kernels_for(name: str) -> Iterator[None]:
    """Within the block, the jax backend uses the segment kernels a ``+kernels`` entry asks for."""
    if not name.endswith(KERNELS):
        yield
        return
    from raggrad._backends._jax import JaxBackend

    before = JaxBackend.kernels
    JaxBackend.kernels = "interpret" if on_device(name).platform == "cpu" else "pallas"
    try:
        yield
    finally:
        JaxBackend.kernels = before
