"""The type checking setup: ``mypy --strict`` over all of raggrad, suppressions rare and explained.

``tox -e typecheck`` runs mypy itself; these checks read the configuration and the source, so they
need no type checker.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "raggrad"
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


def _mypy_config() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return dict(tomllib.load(f)["tool"]["mypy"])


def test_mypy_is_strict_over_the_whole_package() -> None:
    config = _mypy_config()
    assert config["strict"] is True
    assert config["files"] == ["src/raggrad"]


def test_overrides_only_excuse_untyped_third_party_libraries() -> None:
    """No override relaxes a check for raggrad's own modules; the ones there only tell mypy how to
    read libraries whose type information is missing or incomplete."""
    overrides = _mypy_config().get("overrides", [])
    assert isinstance(overrides, list)
    for override in overrides:
        modules = override["module"] if isinstance(override["module"], list) else [override["module"]]
        assert not [m for m in modules if m.split(".")[0] == "raggrad"], override
        allowed = {"ignore_missing_imports", "follow_imports", "implicit_reexport"}
        assert set(override) - {"module"} <= allowed, override


def test_every_type_ignore_names_its_error_code_and_reason() -> None:
    """``# type: ignore`` only for a third-party stub that is wrong or missing: with the error code
    and, after it on the same line, a comment saying why."""
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            m = IGNORE.search(line)
            if m and (not m["codes"] or not m["rest"].strip().startswith("#")):
                bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bad, "\n".join(bad)
