"""Conformance specs, one module per family of ops; importing this package attaches them.

A spec is attached only to an op that is registered, so specs may be written ahead of the op.
"""

from __future__ import annotations

from raggrad._registry import REGISTRY, Spec, attach_spec

from . import elementwise, records, reductions, structure

ALL: dict[str, Spec] = {**elementwise.SPECS, **reductions.SPECS, **structure.SPECS, **records.SPECS}

for _name, _spec in ALL.items():
    if _name in REGISTRY:
        attach_spec(_name, _spec)
