"""Specs of the record functions: ``zip``, ``unzip``, ``fields``, ``with_field``, ``values_astype``.

The checkers draw ragged arrays and compare an op's value per innermost list with a NumPy
reference; a record is not an array of numbers (``zip`` takes a mapping, ``unzip`` returns a
tuple, ``fields`` names), so these functions are exempt here. ``tests/test_records.py`` checks
them directly: every structure op on a record against the same op on each field, awkward round
trips, and ``jax.grad``/``jvp``/``vjp``/``jit``/``vmap`` with per-field gradients.
"""

from __future__ import annotations

from raggrad._registry import Spec

_WHY = (
    "takes or returns records (named fields), which the checkers cannot draw yet; "
    "covered per field by tests/test_records.py"
)

SPECS: dict[str, Spec] = {
    name: Spec(exempt=_WHY, derivative="none") for name in ("zip", "unzip", "fields", "with_field")
}
SPECS["values_astype"] = Spec(
    exempt="casts the values of arrays and records, as astype does; covered by tests/test_parity.py",
    derivative="none",
)
