"""Conformance specs, one module per family of ops; importing this package attaches them.

A spec is attached only to an op that is registered, so specs may be written ahead of the op.
"""

from __future__ import annotations

from raggrad._registry import REGISTRY, Spec, attach_spec

from . import elementwise, indexing, records, reductions, structure  # noqa: F401 - indexing attaches getitem

ALL: dict[str, Spec] = {**elementwise.SPECS, **reductions.SPECS, **structure.SPECS, **records.SPECS}

for _name, _spec in ALL.items():
    if _name in REGISTRY:
        attach_spec(_name, _spec)

from . import parity  # noqa: E402, F401 - attaches its own specs, after the exemptions of structure's
from .vector import SPECS as VECTOR_SPECS  # noqa: E402, F401 - rg.vector's specs attach themselves
