"""Generate the API reference pages from ``raggrad``'s public names and its op registry.

At build time (Sphinx's ``builder-inited``) this writes one reStructuredText stub page per op
family into ``docs/api/`` (gitignored, rewritten on every build): registered ops grouped by the
registry's ``kind``, each an ``autofunction`` entry followed by its NumPy and awkward names; the
array classes with their members; the dtype objects; ``raggrad.testing``; and a catch-all page
for any public name none of the others claims, so that every public name has an entry.

The generator itself does not import Sphinx: ``tests/test_docs_site.py`` calls
:func:`reference_entries` and :func:`write_pages` directly to check that every public name of
``raggrad`` gets a reference entry, without running a build.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import types
from pathlib import Path
from typing import Any

#: the generated directory, relative to the docs source directory (listed in .gitignore)
OUTDIR = "api"

#: titles of the registry's kinds; a kind missing here gets a title made from its name
KIND_TITLES = {
    "elementwise-unary": "Elementwise functions of one array",
    "elementwise-binary": "Elementwise functions of two arrays",
    "elementwise": "Other elementwise functions",
    "reduction": "Reductions and statistics",
    "structural": "Structure operations",
    "indexing": "Indexing",
    "creation": "Creation",
    "conversion": "Construction and conversion",
    "dtype": "Data type functions",
}

#: public submodules that get a reference page (everything else that is a module is internal)
PUBLIC_SUBMODULES = ("raggrad.dask", "raggrad.hep", "raggrad.testing", "raggrad.vector")
#: the library a public submodule cannot be imported without (an extra); the reference leaves the
#: submodule out where that library is not installed (the docs extra installs them all)
NEEDS = {"raggrad.dask": "dask"}


def available(dotted: str) -> bool:
    """Whether the public submodule ``dotted`` can be imported here."""
    need = NEEDS.get(dotted)
    return need is None or importlib.util.find_spec(need) is not None


@dataclasses.dataclass
class Entry:
    """One reference entry: a directive for one public object."""

    name: str  # the public name, as in ``rg.<name>``
    directive: str  # autofunction, autoclass, autoexception, py:data, automodule
    target: str  # the dotted name the directive documents
    options: tuple[str, ...] = ()
    body: tuple[str, ...] = ()


@dataclasses.dataclass
class Page:
    """One generated page: ``api/<slug>.rst``."""

    slug: str
    title: str
    intro: str
    entries: list[Entry] = dataclasses.field(default_factory=list)


def public_names(module: types.ModuleType) -> list[str]:
    """The public names of ``raggrad``: not starting with ``_``, modules left out.

    Submodules are internal, except those in :data:`PUBLIC_SUBMODULES`, which are listed whether
    or not something has imported them yet.
    """
    names = set()
    for name in dir(module):
        if name.startswith("_") or f"{module.__name__}.{name}" in PUBLIC_SUBMODULES:
            continue  # (public submodules are added below, if their extra is installed)
        if isinstance(getattr(module, name), types.ModuleType):
            continue
        names.add(name)
    for dotted in filter(available, PUBLIC_SUBMODULES):
        parent, _, child = dotted.rpartition(".")
        if parent == module.__name__:
            names.add(child)
    return sorted(names)


def _registry() -> dict[str, Any]:
    # the registry is the single source of op names and kinds (DESIGN.md, principle 2)
    registry: dict[str, Any] = importlib.import_module("raggrad._registry").REGISTRY
    return registry


def _op_body(op: Any) -> tuple[str, ...]:
    """Registry facts shown under an op's docstring."""
    facts = [f"``np.{u.__name__}``" for u in op.ufuncs] + [f"``np.{f.__name__}``" for f in op.numpy]
    line = f"NumPy: {', '.join(facts)} · " if facts else ""
    line += f"awkward: ``{op.awkward}`` · " if op.awkward else ""
    line += "differentiable: " + ("yes" if op.differentiable else "no")
    return ("", line)


def api_pages() -> list[Page]:
    """The reference pages, in the order of the API index."""
    import numpy as np

    rg = importlib.import_module("raggrad")
    for dotted in filter(available, PUBLIC_SUBMODULES):
        importlib.import_module(dotted)
    registry = _registry()

    arrays = Page(
        "arrays",
        "Array classes and errors",
        "The array types that every operation takes and returns, and the exceptions raggrad raises "
        "beside the built-in ones.",
    )
    dtypes = Page(
        "dtypes",
        "Data types",
        "The dtype objects of the array API namespace. They are NumPy's scalar types "
        "(``rg.float32 is numpy.float32``), so they compare equal to the dtypes of numpy- and "
        "jax-backed arrays (``x.dtype == rg.float32``).",
    )
    testing = Page(
        "testing",
        "Submodules",
        "The public submodules: ``raggrad.testing`` (hypothesis strategies for ragged arrays), "
        "``raggrad.vector`` (Lorentz vectors with scikit-hep vector's names), ``raggrad.hep`` "
        "(NanoAOD files in chunks, soft selections) and ``raggrad.dask`` (datasets on a dask "
        "cluster). ``raggrad.hep`` and ``raggrad.dask`` need the ``hep`` and ``dask`` extras.",
    )
    other = Page("other", "Other names", "Public names that belong to no op family.")
    by_kind: dict[str, Page] = {}
    kinds = list(KIND_TITLES) + sorted({op.kind for op in registry.values()} - set(KIND_TITLES))
    for kind in kinds:
        title = KIND_TITLES.get(kind, kind.replace("-", " ").capitalize())
        by_kind[kind] = Page(
            f"ops-{kind}",
            title,
            f"Registered ops of kind ``{kind}``; the :doc:`/ops` lists them with their NumPy names.",
        )

    for name in public_names(rg):
        obj = getattr(rg, name, None)
        op = registry.get(name)
        if f"raggrad.{name}" in PUBLIC_SUBMODULES:
            # the submodule's own public functions (its __all__) are documented with it
            testing.entries.append(Entry(name, "automodule", f"raggrad.{name}", (":members:",)))
            for sub in sorted(vars(obj)):
                module = getattr(obj, sub)
                # its own public submodules (raggrad.testing.strategies), not modules it imports
                own = getattr(module, "__name__", None) == f"raggrad.{name}.{sub}"
                if not sub.startswith("_") and isinstance(module, types.ModuleType) and own:
                    entry = Entry(f"{name}.{sub}", "automodule", module.__name__, (":members:",))
                    testing.entries.append(entry)
        elif op is not None and op.func is obj:
            by_kind[op.kind].entries.append(Entry(name, "autofunction", f"raggrad.{name}", body=_op_body(op)))
        elif inspect.isclass(obj) and issubclass(obj, np.generic):
            dtypes.entries.append(Entry(name, "py:data", name, body=("", f"``numpy.{obj.__name__}``")))
        elif inspect.isclass(obj) and issubclass(obj, BaseException):
            arrays.entries.append(Entry(name, "autoexception", f"raggrad.{name}"))
        elif inspect.isclass(obj):
            arrays.entries.append(
                Entry(name, "autoclass", f"raggrad.{name}", (":members:", ":undoc-members:"))
            )
        elif callable(obj):
            other.entries.append(Entry(name, "autofunction", f"raggrad.{name}"))
        else:
            other.entries.append(Entry(name, "py:data", name, body=("", f"``{obj!r}``")))

    pages = [arrays, *by_kind.values(), dtypes, testing, other]
    return [page for page in pages if page.entries]


def reference_entries() -> dict[str, str]:
    """Every public name with a reference entry, mapped to its page's slug."""
    return {entry.name: page.slug for page in api_pages() for entry in page.entries}


def _rst(page: Page) -> str:
    lines = [page.title, "=" * len(page.title), "", page.intro, "", ".. py:currentmodule:: raggrad", ""]
    for entry in page.entries:
        lines.append(f".. {entry.directive}:: {entry.target}")
        lines.extend(f"   {option}" for option in entry.options)
        lines.extend(f"   {line}".rstrip() for line in entry.body)
        lines.append("")
    return "\n".join(lines)


def _index(pages: list[Page]) -> str:
    title = "API reference"
    lines = [
        title,
        "=" * len(title),
        "",
        "Generated from the docstrings of every public name of ``raggrad`` (``import raggrad as rg``)"
        " and from the op registry, one page per op family. :doc:`/ops` is the same registry as "
        "one table with NumPy names.",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
    ]
    lines += [f"   {page.title} <{page.slug}>" for page in pages]
    lines.append("   /ops")
    return "\n".join(lines) + "\n"


def write_pages(outdir: Path) -> dict[str, str]:
    """Write ``index.rst`` and one page per family into ``outdir``; returns the file contents.

    Files whose text has not changed are left alone, so Sphinx does not reread them.
    """
    pages = api_pages()
    texts = {"index.rst": _index(pages)} | {f"{page.slug}.rst": _rst(page) for page in pages}
    outdir.mkdir(parents=True, exist_ok=True)
    for stale in outdir.glob("*.rst"):
        if stale.name not in texts:
            stale.unlink()
    for filename, text in texts.items():
        path = outdir / filename
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return texts


def _generate(app: Any) -> None:
    write_pages(Path(app.srcdir) / OUTDIR)


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
