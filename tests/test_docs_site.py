"""The documentation site's API reference covers every public name (without running Sphinx).

``docs/_ext/raggrad_apigen.py`` writes the reference pages at build time from ``dir(raggrad)``
and the op registry; these tests call it directly, so a public name without a reference entry
fails the normal test suite, not only ``tox -e docs``.
"""

from __future__ import annotations

import importlib.util
import pydoc
import sys
import types
from pathlib import Path
from typing import Any

import pytest

import raggrad as rg
from raggrad._registry import REGISTRY

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _load_generator() -> types.ModuleType:
    name = "raggrad_apigen"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DOCS / "_ext" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


apigen = _load_generator()


@pytest.fixture(scope="module")
def pages() -> list[Any]:
    built: list[Any] = apigen.api_pages()
    return built


def test_every_public_name_has_a_reference_entry() -> None:
    public = [name for name in dir(rg) if not name.startswith("_")]
    public = [name for name in public if not isinstance(getattr(rg, name), types.ModuleType)]
    entries = apigen.reference_entries()
    missing = sorted(set(public) - set(entries))
    assert missing == [], f"public names of raggrad with no API reference entry: {missing}"
    for sub in ("testing", "vector", "hep", "dask"):
        if apigen.available(f"raggrad.{sub}"):
            assert sub in entries, f"raggrad.{sub}, a public submodule, has no reference page"


def test_public_names_leave_out_modules_except_the_public_submodules() -> None:
    fake = types.ModuleType("raggrad")
    fake.sum = sum  # type: ignore[attr-defined]
    fake._private = 1  # type: ignore[attr-defined]
    fake.demo = types.ModuleType("raggrad.demo")  # type: ignore[attr-defined]
    subs = [n for n in ("dask", "hep", "testing", "vector") if apigen.available(f"raggrad.{n}")]
    assert apigen.public_names(fake) == sorted(["sum", *subs])


def test_registered_ops_are_on_their_familys_page(pages: list[Any]) -> None:
    slug_of = apigen.reference_entries()
    for name, op in REGISTRY.items():
        if getattr(rg, name, None) is op.func:
            assert slug_of[name] == f"ops-{op.kind}", name


def test_array_classes_document_their_members(pages: list[Any]) -> None:
    entries = {entry.name: entry for page in pages for entry in page.entries}
    for name in ("RaggedArray", "RecordArray"):
        assert entries[name].directive == "autoclass"
        assert ":members:" in entries[name].options
    assert entries["TracedStructureError"].directive == "autoexception"
    assert entries["float32"].directive == "py:data"


def test_written_pages_hold_a_directive_for_every_entry(tmp_path: Path, pages: list[Any]) -> None:
    (tmp_path / "stale.rst").write_text("a page of a family that no longer exists\n")
    texts = apigen.write_pages(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.rst")) == sorted(texts)
    index = texts["index.rst"]
    for page in pages:
        text = (tmp_path / f"{page.slug}.rst").read_text()
        assert f"<{page.slug}>" in index
        for entry in page.entries:
            assert f".. {entry.directive}:: {entry.target}\n" in text, entry.name
    # a second run leaves unchanged files alone (Sphinx then does not reread them)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.rst")}
    apigen.write_pages(tmp_path)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.rst")} == before


def test_the_generated_directory_is_gitignored() -> None:
    ignored = (DOCS.parent / ".gitignore").read_text().splitlines()
    assert f"docs/{apigen.OUTDIR}/" in ignored
    assert "docs/_build/" in ignored


def test_help_lists_the_public_functions_and_submodules() -> None:
    text = pydoc.plain(pydoc.render_doc(rg))
    functions = text[text.index("\nFUNCTIONS\n") :]
    for name in ("array", "from_lengths", "sum", "softmax", "with_capacity", "map_values"):
        assert f"\n    {name}(" in functions, name
    contents = text[text.index("\nPACKAGE CONTENTS\n") :]
    for sub in ("dask", "hep", "testing", "vector"):
        assert f"\n    {sub}" in contents, sub
