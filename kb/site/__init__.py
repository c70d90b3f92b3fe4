"""``kb site OUT/``: a static website of the knowledge base (Jinja2 templates shipped in ``kb/site/templates``).

Home → conference (events → talks) → talk (speakers, links by type, cited
papers with the citing sentence) → person / paper, and every post. Search
runs in the browser over an index built here (:mod:`kb.site.searchindex`,
MiniSearch vendored in ``static/``), loaded as a script so the site works
from ``file://`` as from any static host. The same KB gives the same bytes;
only changed pages are rewritten (:mod:`kb.site.writer`). Post text is
untrusted: Jinja2 autoescapes it, and only http(s) or relative URLs become links.

>>> from kb.db import open_db
>>> report = build_site(open_db(":memory:"), Path("site/"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy.engine import Engine

from kb.db import session_scope
from kb.export.records import SelectionError
from kb.site.writer import SiteWriter, WriteReport

STATIC = ("minisearch.js", "minisearch-LICENSE.txt", "search.js", "site.css")


class SiteError(ValueError):
    """The site cannot be built (bad OUT, unknown conference): one line for the user."""


@dataclass
class SiteReport:
    pages: int
    written: list[str]
    removed: list[str]
    out: Path


Picture = Callable[[object, str, int, Callable[[str, int], str | None]], str | None]


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out}: exists and is not a folder")
    if not out.exists() and not out.parent.is_dir():
        raise SiteError(f"{out.parent}: no such folder")


def build_site(engine: Engine, out: Path, conference: str | None = None, picture: Picture | None = None) -> SiteReport:
    """Build (or update) the site in ``out``. ``picture(session, kind, id, href)`` gives a page's inline SVG.

    Raises :class:`SiteError` before anything is written when ``out`` is a file or ``conference`` names none.
    """
    from kb.site.pages import make_scope
    from kb.site.render import Renderer

    out = Path(out)
    _check_out(out)
    with session_scope(engine) as session:
        try:
            scope = make_scope(session, conference)
        except SelectionError as exc:
            raise SiteError(str(exc)) from None
        out.mkdir(exist_ok=True)
        writer = SiteWriter(out)
        Renderer(scope, picture).render_all(session, writer)
    for name in STATIC:
        writer.write(f"static/{name}", resources.files("kb.site").joinpath("static", name).read_bytes())
    report: WriteReport = writer.finish()
    return SiteReport(report.pages, report.written, report.removed, out)


__all__ = ["SiteError", "SiteReport", "build_site"]
