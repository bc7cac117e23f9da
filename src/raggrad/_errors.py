"""Named errors and the checks that raise them."""

from __future__ import annotations

from typing import Any


class TracedStructureError(ValueError):
    """An operation needs a concrete value (its output structure depends on it) but got a tracer."""


def check_concrete(
    backend: Any,
    array: Any,
    name: str,
    what: str,
    alternative: str = "",
    reason: str = "the output's list lengths depend on it",
) -> None:
    if not backend.is_concrete(array):
        msg = (
            f"{name}: {what} is being traced (inside jax.jit or another transformation), but "
            f"raggrad needs its concrete value because {reason}."
        )
        if alternative:
            msg += f" {alternative}"
        else:
            msg += " Compute it outside the transformation and pass it in as a static value."
        raise TracedStructureError(msg)


class OutputTooLargeError(ValueError):
    """An operation's output (e.g. ``rg.combinations`` of long lists) cannot fit in memory.

    Raised before anything is allocated; the message names the number of items and the bytes.
    """


class OptionTypeError(TypeError):
    """An op was given an array with missing values (``None``, an option type) that it does not
    take; the message names the op and the ways out (``rg.fill_none``, ``rg.drop_none``)."""
