"""Specs of the structure, indexing, creation, conversion and dtype ops.

Creation, conversion and dtype functions are exempt from the op checkers (they take no ragged
input or return no ragged output of the op's kind); ``tests/`` covers them directly.
"""

from __future__ import annotations

from raggrad._registry import REGISTRY, Spec

_EXEMPT_KINDS = {
    "creation": "creates arrays from Python values or shapes; covered by tests/test_construction.py",
    "conversion": "converts between representations; covered by tests/test_construction.py and tests/test_awkward.py",
    "dtype": "dtype queries and casts; covered by the namespace tests",
}

SPECS: dict[str, Spec] = {
    name: Spec(exempt=_EXEMPT_KINDS[op.kind], derivative="none")
    for name, op in REGISTRY.items()
    if op.kind in _EXEMPT_KINDS
}
