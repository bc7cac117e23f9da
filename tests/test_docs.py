"""Every code cell of every page under ``docs/`` runs, in order, in one namespace per page.

Pages are MyST notebooks (jupytext's ``myst`` format): code cells are ```` ```{code-cell} ```` blocks.
A page is skipped when a module it imports is not installed (jax, the ``hep`` extra, ...).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)
_IMPORT = re.compile(r"^\s*(?:import|from)\s+(\w+)", re.MULTILINE)


def code_cells(text: str) -> list[str]:
    """The source of every code cell, in order (cell options such as ``:tags:`` dropped)."""
    cells = []
    for body in _CELL.findall(text):
        lines = body.splitlines()
        while lines and lines[0].startswith(":"):
            lines.pop(0)
        cells.append("\n".join(lines))
    return cells


def test_code_cells_are_found() -> None:
    text = "x\n```{code-cell} ipython3\n:tags: [hide]\na = 1\n```\n\n```{code-cell} ipython3\nb = a\n```\n"
    assert code_cells(text) == ["a = 1", "b = a"]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_runs(page: Path) -> None:
    text = page.read_text()
    cells = code_cells(text)
    if not cells:
        pytest.skip("no code cells")
    imported = {m for cell in cells for m in _IMPORT.findall(cell)}
    missing = sorted(m for m in imported if importlib.util.find_spec(m) is None)
    if missing:  # optional extras (jax, hep: uproot, ...) a page needs
        pytest.skip(f"needs {', '.join(missing)}")
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    for i, source in enumerate(cells):
        try:
            exec(compile(source, f"{page.name}[cell {i}]", "exec"), namespace)
        except Exception as exc:
            exc.add_note(f"in code cell {i} of {page}:\n{source}")
            raise


def test_the_jax_walkthrough_is_a_myst_notebook() -> None:
    text = (DOCS / "user-guide" / "differentiation-jax.md").read_text()
    assert text.startswith("---\njupytext:")
    assert "format_name: myst" in text and "name: python3" in text
    assert len(code_cells(text)) >= 20


def test_readme_example_runs() -> None:
    pytest.importorskip("jax")
    text = (DOCS.parent / "README.md").read_text()
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["per_event"].to_list()[2] == 0.0
    assert namespace["leading"].to_list() == [[54.2], [88.1], [], [41.0]]
    assert namespace["grad"].type == "4 * var * float32"
