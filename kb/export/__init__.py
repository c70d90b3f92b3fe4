"""Exports of the knowledge base: a small registry keyed by format name.

Each exporter is ``fn(session, selection, unicode=False) -> str``. Exporting
assigns citekeys to papers that have none (and stores them), so run it in a
write transaction:

>>> from kb.db import open_db, session_scope
>>> from kb.export import Selection, formats
>>> with session_scope(open_db(":memory:"), write=True) as session:  # doctest: +SKIP
...     bib = formats["bibtex"](session, Selection(conference="ICCV 2019"))

Or from the command line: ``kb export --format bibtex --conference "ICCV 2019" -o iccv.bib``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kb.db import session_scope
from kb.export.bibtex import export_bibtex
from kb.export.csl import export_csl_json
from kb.export.markdown import export_markdown
from kb.export.records import Selection, SelectionError, select_paper_ids
from kb.files import write_text_atomically
from kb.models import Paper
from kb.queries import count as count_rows


class Exporter(Protocol):
    def __call__(self, session: Session, selection: Selection = ..., unicode: bool = ...) -> str: ...


formats: dict[str, Exporter] = {
    "bibtex": export_bibtex,
    "csl-json": export_csl_json,
    "markdown": export_markdown,
}
"""Format name → exporter; add an entry to add a format (the CLI lists these)."""

@dataclass
class Exported:
    text: str
    papers: int
    format: str


def run(engine: Engine, fmt: str, selection: Selection = Selection(), unicode: bool = False,
        output: Path | None = None) -> Exported:
    """Export in one write transaction; write ``output`` (UTF-8) when given.

    Raises :class:`SelectionError` for an unknown conference or talk, ``KeyError`` for an unknown format.
    """
    exporter = formats[fmt]
    with session_scope(engine, write=True) as session:
        ids = select_paper_ids(session, selection)
        text = exporter(session, selection, unicode=unicode)
        count = len(ids) if ids is not None else count_rows(session, Paper)
    if output is not None:
        # A private temporary file next to the target, then renamed: never half a file, never through a symlink.
        write_text_atomically(output, text)
    return Exported(text, count, fmt)


__all__ = ["Exported", "Exporter", "Selection", "SelectionError", "formats", "run"]
