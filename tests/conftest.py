"""Shared test settings: hypothesis profiles chosen by ``HYPOTHESIS_PROFILE`` (default ``ci``).

``ci`` is quick enough for every push and reproducible (derandomized, no example database);
``thorough`` is random, for the nightly and conformance runs. ``conformance/conftest.py`` registers
the same two (``conformance/test_meta.py`` checks that they agree).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=False,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
