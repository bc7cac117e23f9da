"""The package's layers: imports run one way, modules stay readable, backends stay in _backends.

Layers, top to bottom (docs/architecture.md): the face (``raggrad/__init__.py``), op families
(``_ops/*``, ``_connect/*``), the array core (``_array``, ``_records``, ``_convert``,
``_broadcast``), then foundations (``_registry``, ``_structure``, ``_dtypes``, ``_axes``,
``_errors``) and backends (``_backends/*``, which import only foundations). The checks read the
source with ``ast``, so they need no optional library.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "raggrad"
FOUNDATIONS = {"_errors", "_dtypes", "_axes", "_registry", "_structure"}
CORE = {"_array", "_records", "_events", "_convert", "_broadcast", "_bounded", "_options"}
MAX_LINES = 600
MAX_FUNCTION_IMPORTS = 3


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(("raggrad", *parts))] = path
    return out


MODULES = _modules()


def _layer(module: str) -> str:
    parts = module.split(".")[1:]
    if not parts or parts[0] in ("testing", "demo", "_docs"):
        return "face"
    if parts[0] in FOUNDATIONS:
        return "foundation"
    if parts[0] == "_backends":
        return "backend"
    if parts[0] in CORE:
        return "core"
    return "ops"  # _ops, _connect


# which layers a module of each layer may import
ALLOWED = {
    "foundation": {"foundation"},
    "backend": {"foundation", "backend"},
    "core": {"foundation", "backend", "core"},
    "ops": {"foundation", "backend", "core", "ops"},
    "face": {"foundation", "backend", "core", "ops", "face"},
}


def _imports(module: str, path: Path) -> set[str]:
    """The raggrad modules that ``module`` imports (``from .. import _backends`` names the
    subpackage, not the package)."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            subs = {f"{target}.{a.name}" for a in node.names} & MODULES.keys()
            out |= subs or ({target} & MODULES.keys())
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            out |= {n for n in names if n in MODULES}
    out.discard(module)
    return out


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def test_no_import_cycle() -> None:
    # depth-first search for a back edge
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                cycle = [*path[path.index(n) :], n]
                pytest.fail(f"import cycle: {' -> '.join(cycle)}")
            if n not in state:
                visit(n, [*path, n])
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [m])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_downward(module: str) -> None:
    layer = _layer(module)
    wrong = sorted(m for m in GRAPH[module] if _layer(m) not in ALLOWED[layer])
    assert not wrong, f"{module} ({layer}) imports {wrong} from a layer above it"


def test_few_imports_inside_functions_each_with_its_reason() -> None:
    found = []
    for module, path in MODULES.items():
        if _layer(module) == "face" and module != "raggrad":
            continue  # the demo and the testing helpers import jax/hypothesis on use, as users do
        lines = path.read_text().splitlines()
        for fn in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    line = lines[node.lineno - 1]
                    assert "#" in line, (
                        f"{module}:{node.lineno}: an import inside a function says why: {line!r}"
                    )
                    found.append(f"{module}:{node.lineno}")
    assert len(found) <= MAX_FUNCTION_IMPORTS, found


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_are_short_enough_to_read(module: str) -> None:
    n = len(MODULES[module].read_text().splitlines())
    assert n <= MAX_LINES, f"{module} has {n} lines (at most {MAX_LINES}): split it by family"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) != "backend"))
def test_no_branch_on_the_backend_name_outside_backends(module: str) -> None:
    text = MODULES[module].read_text()
    hits = re.findall(r".*\.name\s*[!=]=\s*[\"'](?:numpy|jax|torch)[\"'].*", text)
    hits += re.findall(r".*__module__\.startswith\([\"'](?:jax|torch|numpy).*", text)
    assert not hits, f"{module} asks which library it runs on (make it a Backend capability): {hits}"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_raggrad_imports_neither_jax_nor_torch() -> None:
    out = _run("""
        import sys
        import raggrad
        print(sorted(m for m in ("jax", "torch") if m in sys.modules))
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_import_raggrad_leaves_optional_and_slow_modules_for_first_use() -> None:
    # rg.hep and rg.dask load on first use (the face's __getattr__), uproot, scikit-hep vector and
    # dask only when their functions run; array_api_compat.numpy (which imports numpy.testing and
    # numpy.f2py) with the first numpy-backend op: `import raggrad` stays fast. rg.vector is
    # imported with raggrad, so that vector records get their class from the start.
    out = _run("""
        import importlib.util
        import sys
        import raggrad as rg
        lazy = ("raggrad.hep", "raggrad.dask", "uproot", "vector", "dask", "awkward")
        lazy += ("array_api_compat.numpy", "numpy.testing", "numpy.f2py")
        print(sorted(m for m in lazy if m in sys.modules))
        p4 = rg.zip({k: rg.array([[1.0]]) for k in ("pt", "eta", "phi", "mass")}, with_name="Momentum4D")
        has_dask = importlib.util.find_spec("dask") is not None  # dir lists rg.dask with its extra
        print(type(p4).__name__, rg.hep.__name__, "hep" in dir(rg), ("dask" in dir(rg)) == has_dask)
        from raggrad import hep
        print(hep is rg.hep, rg.sum(rg.array([[1.0, 2.0], []]), axis=1).to_list())
    """)
    assert out.returncode == 0, out.stderr
    expected = ["[]", "MomentumArray4D raggrad.hep True True", "True [3.0, 0.0]"]
    assert out.stdout.splitlines() == expected


def test_arrays_made_before_jax_is_imported_are_pytrees() -> None:
    pytest.importorskip("jax")
    # a fresh interpreter, so that jax really is imported after the arrays are made
    out = _run("""
        import raggrad as rg
        x = rg.array([[1.0, 2.0], [], [3.0]])
        r = rg.zip({"a": x})
        import jax
        print(jax.grad(lambda x: rg.sum(x))(x).to_list())
        print(jax.tree_util.tree_structure(r).num_leaves)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[[1.0,", "1.0],", "[],", "[1.0]]", "1"]


def test_arrays_are_pytrees_when_something_looked_for_jax_before_importing_it() -> None:
    pytest.importorskip("jax")
    # importlib.util.find_spec("jax") between `import raggrad` and `import jax` (what a test
    # runner's "is jax installed?" check does) must not use up the hook that registers the pytrees
    out = _run("""
        import importlib.util
        import raggrad as rg
        r = rg.zip({"a": rg.array([[1.0, 2.0], [], [3.0]])})
        assert importlib.util.find_spec("jax") is not None
        assert importlib.util.find_spec("jax") is not None
        import jax
        print(jax.tree_util.tree_structure(r).num_nodes)  # a leaf (not a pytree) is one node
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2"]
