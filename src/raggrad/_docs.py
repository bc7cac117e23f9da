"""Generate ``docs/ops.md``, the op table, from the registry.

Run ``python -m raggrad._docs`` to rewrite it; ``tests/test_registry.py`` checks it is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

import raggrad.hep  # noqa: F401 - the package and rg.hep (imported on first use) register every op

from ._ops.elementwise import ufunc_support
from ._registry import KINDS, REGISTRY, Op

__all__ = ["ops_markdown"]

_HEADER = """\
# Op table

Generated from the op registry by `python -m raggrad._docs`; do not edit by hand
(`tests/test_registry.py` checks that this file is current).

Columns: the public name (`rg.<name>`), the NumPy ufuncs (NEP-13) and functions (NEP-18) that
dispatch to it, its awkward counterpart (`ak.<name>`, where awkward has one), and whether it is
differentiable. Which ops the conformance suite covers is reported by `tests/test_registry.py`
and enforced by the suite itself.
"""


def _numpy_names(op: Op) -> str:
    names = [f"`np.{u.__name__}`" for u in op.ufuncs]
    for f in op.numpy:
        module = f.__module__.replace("numpy._core.", "numpy.").replace("numpy.lib._", "numpy.")
        prefix = "np." if module.startswith("numpy") and "linalg" not in module else "np.linalg."
        names.append(f"`{prefix}{f.__name__}`")
    return ", ".join(names)


def ops_markdown() -> str:
    """The text of ``docs/ops.md``.

    >>> ops_markdown().splitlines()[0]
    '# Op table'
    """
    supported, left_out = ufunc_support()
    lines = [_HEADER]
    lines.append(f"{len(REGISTRY)} ops are registered.\n")
    lines.append("## NumPy ufuncs\n")
    lines.append(
        f"{len(supported)} of NumPy's {len(supported) + len(left_out)} ufuncs dispatch to raggrad "
        "through `__array_ufunc__` (method `__call__`; `out=` and the methods `reduce`, "
        "`accumulate`, `reduceat`, `outer`, `at` raise `NotImplementedError`)."
    )
    lines.append("Left out:\n")
    lines.extend(f"- `np.{name}`: {why}" for name, why in left_out.items())
    lines.append("")
    for kind in KINDS:
        ops = sorted((op for op in REGISTRY.values() if op.kind == kind), key=lambda op: op.name)
        if not ops:
            continue
        lines.append(f"## {kind} ({len(ops)})\n")
        lines.append("| op | NumPy | awkward | differentiable | summary |")
        lines.append("|---|---|---|---|---|")
        for op in ops:
            summary = op.doc.replace("|", "\\|")
            awkward = f"`{op.awkward}`" if op.awkward else ""
            differentiable = "yes" if op.differentiable else "no"
            lines.append(f"| `{op.name}` | {_numpy_names(op)} | {awkward} | {differentiable} | {summary} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path("docs/ops.md")
    path.write_text(ops_markdown(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
