"""Sphinx configuration for raggrad's documentation site.

Build it with ``tox -e docs``, or ``python -m sphinx -b html -W --keep-going -n docs docs/_build/html``
(warnings are errors, references are nitpicky). Every MyST notebook page is executed during the
build; nothing is written into the source tree except the generated API pages in ``docs/api/``,
which are gitignored and rewritten on every build.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.dont_write_bytecode = True  # the build writes nothing into docs/ but _build/ and api/

import raggrad  # noqa: E402 - after the path set-up above, like the extensions below

project = "raggrad"
author = "the raggrad developers"
copyright = "the raggrad developers"  # noqa: A001 - Sphinx's name for it
version = release = raggrad.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "optional_toctree",  # docs/_ext: a toctree that lists only pages that exist
    "raggrad_apigen",  # docs/_ext: API pages generated from the registry and public names
]

# ---- sources ---------------------------------------------------------------------------------
root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "_static"]
nitpicky = True

# ---- MyST and MyST-NB ------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # [text](page.md#a-section) links work for headings down to ###
# every notebook page is executed; "cache" keeps the results in the (gitignored) build directory
# and reruns a page only when its code changed
nb_execution_mode = "cache"
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_execution_in_temp = True  # the kernels run in a temporary directory, not in docs/
nb_execution_raise_on_error = True  # a failing cell fails the build, with the traceback
nb_execution_timeout = 300
nb_execution_show_tb = True
nb_merge_streams = True

# ---- autodoc ---------------------------------------------------------------------------------
autodoc_typehints = "description"
# the docstrings describe arguments in prose; types are added only where a docstring documents a
# parameter, so the many ``Any`` of the array API signatures do not fill every entry
autodoc_typehints_description_target = "documented"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"
# the array classes' constructors are private (rg.array and friends build them): no class signature
autodoc_class_signature = "separated"
autodoc_preserve_defaults = True
autodoc_default_options = {"exclude-members": "__new__, __init__"}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

# No intersphinx: the build has no network, so types of Python and of the backends cannot link to
# their own documentation. Where a docstring's Args/Returns section or an annotation names one, it
# is listed here instead of failing the nitpicky build. (Today's docstrings are prose, so none of
# these is hit yet; keep each entry justified.)
nitpick_ignore = [
    # typing.Any: Python's documentation, offline
    ("py:class", "Any"),
    ("py:class", "typing.Any"),
    # the backends' array types: NumPy's, JAX's and torch's documentation, offline
    ("py:class", "numpy.ndarray"),
    ("py:class", "np.ndarray"),
    ("py:class", "jax.Array"),
    ("py:class", "torch.Tensor"),
]

# ---- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"raggrad {release}"
html_logo = "_static/raggrad-logo.svg"
html_favicon = "_static/raggrad-logo.svg"  # without one, browsers ask for /favicon.ico and get a 404
html_theme_options = {
    "logo": {"text": "raggrad"},
    "header_links_before_dropdown": 6,
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
# top-level pages have no section to navigate: no empty left sidebar
html_sidebars = {page: [] for page in ("index", "getting-started", "concepts", "performance", "changelog")}
# the theme's script logs a console error on a first visit when no default mode is set
html_context = {"default_mode": "auto"}

# ---- linkcheck: internal links only (there is no network) ----------------------------------
linkcheck_ignore = [r"https?://.*", r"mailto:.*"]


# ---- hooks -----------------------------------------------------------------------------------
def _keep_property_prose(app, what, name, obj, options, lines):
    """Undo napoleon's inline ``type: description`` reading of a property's first line.

    Google style lets a property docstring start with its type (``int: The number of ...``);
    raggrad's properties take their type from the annotation and write prose with colons in it
    ("Name of the backend that holds the content: ``"numpy"``, ..."), which napoleon would turn
    into a type reference that cannot resolve. Runs after napoleon and puts the sentence back.
    """
    if what != "property":
        return
    for i, line in enumerate(lines):
        if line.startswith(":type: ") and " " in line.removeprefix(":type: ").strip():
            prose = line.removeprefix(":type: ").strip()
            del lines[i]
            if i > 0 and not lines[i - 1]:
                del lines[i - 1]
            lines[0] = f"{prose}: {lines[0]}" if lines else prose
            return


def setup(app):
    # napoleon handles autodoc-process-docstring at the default priority (500): run after it
    app.connect("autodoc-process-docstring", _keep_property_prose, priority=600)
