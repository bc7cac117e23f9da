"""``optional-toctree``: a toctree that lists only the documents that exist.

The user guide and the architecture page grow while the site is built with warnings as errors: a
plain toctree fails on a page that is planned but not written yet. This directive takes the same
options and entries as ``toctree`` and drops, with an info line in the build log, every entry
whose document is not among the sources. Adding a page is then one line in ``docs/index.md`` (or
none, where the page was listed ahead), and a page that exists but is listed nowhere still fails
the build (Sphinx's "document isn't included in any toctree" warning).
"""

from __future__ import annotations

from typing import Any

from docutils.statemachine import StringList
from sphinx.directives.other import TocTree
from sphinx.util import docname_join, logging
from sphinx.util.matching import Matcher

logger = logging.getLogger(__name__)


def _docname(entry: str, current: str, suffixes: Any) -> str | None:
    """The document an entry names, or None for an external link or ``self``."""
    ref = entry.rsplit("<", 1)[1].rstrip(">").strip() if entry.rstrip().endswith(">") else entry.strip()
    if ref == "self" or "://" in ref:
        return None
    for suffix in suffixes:
        if ref.endswith(suffix):
            ref = ref.removesuffix(suffix)
            break
    return docname_join(current, ref)


class OptionalTocTree(TocTree):
    def run(self) -> list[Any]:
        current = self.env.current_document.docname
        excluded = Matcher(self.config.exclude_patterns)
        kept = StringList()
        for i, entry in enumerate(self.content):
            docname = _docname(entry, current, self.config.source_suffix) if entry.strip() else None
            if docname is not None and docname not in self.env.found_docs:
                if excluded(str(self.env.doc2path(docname, False))):
                    kept.append(entry, *self.content.info(i))  # let toctree report the exclusion
                    continue
                logger.info("optional-toctree: %s does not exist yet; not listed", docname)
                # read this page again next time, so the entry appears as soon as the page does
                self.env.note_reread()
                continue
            kept.append(entry, *self.content.info(i))
        self.content = kept
        return super().run()


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("optional-toctree", OptionalTocTree)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
