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

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kb.db import session_scope
from kb.export.bibtex import export_bibtex, iter_bibtex
from kb.export.csl import export_csl_json
from kb.export.markdown import export_markdown
from kb.export.records import Selection, SelectionError, ensure_citekeys
from kb.files import replace_atomically
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


def _pieces(session: Session, fmt: str, selection: Selection, unicode: bool) -> Iterator[str]:
    """The export's text in pieces: BibTeX a batch of entries at a time, the other formats whole."""
    if fmt == "bibtex":
        return iter_bibtex(session, selection, unicode=unicode)
    return iter([formats[fmt](session, selection, unicode=unicode)])


def run(
    engine: Engine,
    fmt: str,
    selection: Selection = Selection(),
    unicode: bool = False,
    output: Path | None = None,
    write: Callable[[str], object] | None = None,
) -> Exported:
    """Export; write ``output`` (UTF-8) when given, else hand the text to ``write`` piece by piece when
    given, else return it whole (``Exported.text``; empty when written).

    Missing citekeys are assigned and stored first (a short write transaction); the text is then
    produced in a read transaction and streamed: 100k BibTeX entries are never one string in memory,
    and a slow reader of standard output (``kb export | less``) never holds the write lock.
    Raises :class:`SelectionError` for an unknown conference or talk, ``KeyError`` for an unknown format.
    """
    if fmt not in formats:  # before anything is written
        raise KeyError(fmt)
    with session_scope(engine, write=True) as session:
        ids = ensure_citekeys(session, selection)
        count = len(ids) if ids is not None else count_rows(session, Paper)
    with session_scope(engine) as session:
        pieces = _pieces(session, fmt, selection, unicode)
        if output is not None:
            # A private temporary file next to the target, then renamed: never half a file, never through a symlink.
            with replace_atomically(output) as f:
                for piece in pieces:
                    f.write(piece)
            return Exported("", count, fmt)
        if write is not None:
            for piece in pieces:
                write(piece)
            return Exported("", count, fmt)
        return Exported("".join(pieces), count, fmt)


__all__ = ["Exported", "Exporter", "Selection", "SelectionError", "formats", "run"]
