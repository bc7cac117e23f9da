"""Conformance suite setup: hypothesis profiles, op specs, devices and the xfails files.

Profiles come from ``HYPOTHESIS_PROFILE`` (``ci`` by default: derandomized, no example database;
``thorough`` for long random runs); the examples per op and checker are in ``_harness.EXAMPLES``,
after the op's canonical examples (``_harness.canonical``). Importing :mod:`conformance.specs`
attaches a spec to every op it knows. Known failures live in ``xfails-<backend>.txt``, one
``test_name[op]  # reason`` per line; they are strict, so an entry that starts passing fails the
run until it is removed.
"""

from __future__ import annotations

import os
import pathlib
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

_HERE = pathlib.Path(__file__).parent
if str(_HERE.parent) not in sys.path:  # --import-mode=importlib does not add the rootdir
    sys.path.insert(0, str(_HERE.parent))

#: the profiles, exactly as tests/conftest.py registers them: ``ci`` (the default, what the
#: README's command and CI run) is reproducible (derandomized, no example database written into
#: the tree); ``thorough`` (``tox -e conformance``) is random and long
PROFILES: dict[str, dict[str, Any]] = {
    "ci": {"max_examples": 25, "derandomize": True, "database": None},
    "thorough": {"max_examples": 2000, "derandomize": False},
}
for _name, _options in PROFILES.items():
    # registered unconditionally: hypothesis has a built-in "ci" profile (100 examples) that a
    # get_profile check would take for ours; every setting not given is inherited from the
    # profile loaded at the time, so the flags above are explicit in both conftest files
    settings.register_profile(_name, deadline=None, suppress_health_check=[HealthCheck.too_slow], **_options)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

import conformance.specs  # noqa: E402, F401  (attaches the specs)
from conformance._devices import KERNEL_OPS, KERNELS, kernels_for  # noqa: E402


def read_xfails(backend: str) -> dict[str, str]:
    """``{test_id: reason}`` from ``xfails-<backend>.txt``; a line without a reason is an error."""
    out = {}
    path = _HERE / f"xfails-{backend}.txt"
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        test_id, sep, reason = line.partition("#")
        if not sep or not reason.strip():
            msg = f"{path.name}:{number}: entry {test_id.strip()!r} has no '# reason'"
            raise ValueError(msg)
        out[test_id.strip()] = reason.strip()
    return out


XFAILS = {backend: read_xfails(backend) for backend in ("numpy", "jax", "torch")}


def item_backend(item: pytest.Item) -> str:
    """The backend a conformance item runs on: ``jax`` when it is parametrized by a jax device,
    ``torch`` by a torch one (``torch:cpu``)."""
    params = getattr(item, "callspec", None)
    device = params.params.get("device") if params is not None else None
    if isinstance(device, str) and device.startswith("torch"):
        return "torch"
    return "numpy" if device in (None, "numpy") else "jax"


def item_key(item: pytest.Item) -> str:
    """``test_name[op]``: the xfails-file key of an item (device left out)."""
    params = getattr(item, "callspec", None)
    op = params.params.get("name") if params is not None else None
    return f"{item.originalname}[{op}]" if op is not None else item.originalname


def _needless_kernel_item(item: pytest.Item) -> bool:
    """A ``+kernels`` item for an op that never reaches the segment kernels."""
    params = getattr(item, "callspec", None)
    if params is None:
        return False
    device = params.params.get("device")
    kernels = isinstance(device, str) and device.endswith(KERNELS)
    return kernels and params.params.get("name") not in KERNEL_OPS


@pytest.fixture(autouse=True)
def _segment_kernels(request: pytest.FixtureRequest) -> Any:
    """Runs ``+kernels`` items with the jax backend's Pallas segment kernels switched on."""
    params = getattr(request.node, "callspec", None)
    device = params.params.get("device") if params is not None else None
    with kernels_for(device if isinstance(device, str) else ""):
        yield


#: memory maps past which compiled programs are dropped (Linux's default limit is 65530)
MAPS_LIMIT = 20_000


def _memory_maps() -> int:
    try:
        with open("/proc/self/maps", "rb") as maps:
            return sum(1 for _ in maps)
    except OSError:  # not Linux: no such limit to watch
        return 0


@pytest.fixture(autouse=True)
def _release_compiled_programs() -> Any:
    """Drops jax's compiled programs when the process nears its limit of memory maps.

    Every example of a new shape compiles programs, and jax keeps them all; each XLA CPU program
    holds memory maps (about 30 for an eager softmax, about 180 with the Pallas kernels). A long
    ``thorough`` run passed ``vm.max_map_count`` (65530) and the next compile crashed the process
    (a segmentation fault in XLA's compiler, after ~370 kernel programs); clearing the caches
    releases the maps. The ``ci`` profile stays far below the limit."""
    yield
    if "jax" in sys.modules and _memory_maps() > MAPS_LIMIT:
        sys.modules["jax"].clear_caches()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needless = [item for item in items if _needless_kernel_item(item)]
    if needless:
        config.hook.pytest_deselected(items=needless)
        items[:] = [item for item in items if not _needless_kernel_item(item)]
    for item in items:
        if _HERE not in pathlib.Path(item.path).parents:
            continue
        reason = XFAILS[item_backend(item)].get(item_key(item))
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
