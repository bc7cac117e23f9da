"""Collection rules for the whole repository, doctests of ``src/raggrad`` included.

jax, torch and awkward are optional. Without them, the backend modules that import them at the
top are not collected, and doctest examples that use them are skipped, so ``pytest`` passes on an
install with numpy alone (``tox -e nojax``).
"""

from __future__ import annotations

import importlib.util

import pytest

# `import raggrad` leaves rg.hep for first use; its ops join the op registry when it is imported.
# Every test process imports it here, so the tests that walk the registry (conformance specs,
# bad-input checks, the op table) see every op, whatever order they run in.
import raggrad.hep  # noqa: F401

_MISSING = tuple(
    name for name in ("jax", "torch", "awkward", "uproot") if importlib.util.find_spec(name) is None
)

collect_ignore_glob = [f"src/raggrad/_backends/_{name}*.py" for name in ("jax", "torch") if name in _MISSING]
# raggrad.dask imports dask at the top: without the dask extra its doctests are not collected
if any(importlib.util.find_spec(name) is None for name in ("dask", "distributed", "dask_awkward")):
    collect_ignore_glob.append("src/raggrad/dask.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        dtest = getattr(item, "dtest", None)  # only doctest items carry one
        if dtest is None:
            continue
        source = "".join(example.source for example in dtest.examples)
        needed = [name for name in _MISSING if name in source]
        if needed:
            item.add_marker(pytest.mark.skip(reason=f"the example needs {', '.join(needed)}"))
