r"""Papers → BibTeX, written by bibtexparser's writer from values we encode ourselves.

Every value is built by :mod:`kb.latex` / :mod:`kb.export.titles` and
handed to bibtexparser already enclosed, with an empty unparse stack: its
``write_string`` only lays the entries out, it never re-escapes anything.

>>> from kb.export.records import Author, PaperRecord
>>> rec = PaperRecord(1, "fongUnderstandingDeepNetworks2019", "inproceedings",
...                   "Understanding Deep Networks via Extremal Perturbations", 2019, "ICCV",
...                   pages="2950-2958", authors=[Author("Fong", "Ruth"), Author("Vedaldi", "Andrea")])
>>> print(format_bibtex([rec]), end="")
@inproceedings{fongUnderstandingDeepNetworks2019,
  author = {Fong, Ruth and Vedaldi, Andrea},
  title = {Understanding Deep Networks via Extremal Perturbations},
  booktitle = {ICCV},
  year = {2019},
  pages = {2950--2958},
}
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import bibtexparser
from bibtexparser.model import Entry, Field
from sqlmodel import Session

from kb.citekeys import is_valid_citekey, suffixed
from kb.export.records import Author, PaperRecord, Selection, ordered_batches
from kb.export.titles import protect_title
from kb.latex import encode_latex, encode_verbatim

ENTRY_TYPES = ("inproceedings", "article", "misc", "book", "incollection", "phdthesis", "techreport")
_VENUE_FIELD = {"inproceedings": "booktitle", "incollection": "booktitle", "article": "journal"}
_PUBLISHER_FIELD = {"phdthesis": "school", "techreport": "institution"}
_DASHES = re.compile(r"\s*[-‐‑‒–—]+\s*")
_KEY_JUNK = re.compile(r"[^A-Za-z0-9_\-:./+]")


def _format() -> bibtexparser.BibtexFormat:
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    fmt.trailing_comma = True  # adding a field by hand never breaks the entry
    return fmt


_FORMAT = _format()


def is_arxiv_preprint(rec: PaperRecord) -> bool:
    """An arXiv paper with no other venue: ``@misc`` with ``eprint`` / ``archivePrefix``."""
    return bool(rec.arxiv_id) and rec.type in ("article", "misc") and (not rec.venue or "arxiv" in rec.venue.lower())


def entry_type(rec: PaperRecord) -> str:
    if is_arxiv_preprint(rec):
        return "misc"
    return rec.type if rec.type in ENTRY_TYPES else "misc"


_NAME_GUARD = re.compile(r",|\band\b|^\s*others\s*$", re.I)


def _name_part(text: str, unicode: bool) -> str:
    encoded = encode_latex(" ".join(text.split()), unicode)
    # A comma, a word "and" or a bare "others" would split or end the name list: keep it one token.
    return "{" + encoded + "}" if _NAME_GUARD.search(text) else encoded


@lru_cache(maxsize=65536)  # the same authors recur across a library
def _format_name(family: str, given: str, unicode: bool) -> str:
    family, given = family.strip(), given.strip()
    if not family:
        return "{" + encode_latex(given, unicode) + "}" if given else ""
    if not given:
        # Without a comma bibtex would read "García Márquez" as given + family: keep it one family name.
        return (
            "{" + encode_latex(" ".join(family.split()), unicode) + "}"
            if " " in family
            else _name_part(family, unicode)
        )
    return f"{_name_part(family, unicode)}, {_name_part(given, unicode)}"


def format_name(author: Author, unicode: bool = False) -> str:
    """``Family, Given`` (BibTeX's unambiguous form), brace-guarded where needed.

    >>> print(format_name(Author("van der Maaten", "Laurens")), format_name(Author("Gates and Co")))
    van der Maaten, Laurens {Gates and Co}
    """
    return _format_name(author.family, author.given, unicode)


def format_authors(rec: PaperRecord, unicode: bool = False) -> str:
    names = [_format_name(a.family, a.given, unicode) for a in rec.authors]
    if "" in names:
        names = [n for n in names if n]
    if rec.et_al and names:
        names.append("others")
    return " and ".join(names)


def format_pages(pages: str, unicode: bool = False) -> str:
    """``123-145`` and ``123–145`` → ``123--145`` (BibTeX's range dash)."""
    return "--".join(encode_latex(p, unicode) for p in _DASHES.split(pages.strip()))


def untitled(rec: PaperRecord) -> str | None:
    """The title of a paper known only by an identifier or a link, until ``kb enrich`` finds the real one:
    the identifier in brackets ("[arXiv:1706.03762]", "[doi:10.18653/v1/D19-1132]",
    "[aclanthology.org/D19-1132]"), so that no entry lacks a title and none pretends to have one."""
    if rec.arxiv_id:
        return f"[arXiv:{rec.arxiv_id}]"
    if rec.doi:
        return f"[doi:{rec.doi}]"
    if rec.url:
        return "[" + re.sub(r"^https?://(?:www\.)?", "", rec.url).rstrip("/") + "]"
    return None


def entry_fields(rec: PaperRecord, unicode: bool = False) -> list[tuple[str, str]]:
    """(field, encoded value) pairs of one entry, in the conventional order."""
    etype = entry_type(rec)
    out: list[tuple[str, str]] = []
    authors = format_authors(rec, unicode)
    if authors:
        out.append(("author", authors))
    if rec.title:
        out.append(("title", protect_title(rec.title, unicode)))
    elif stand_in := untitled(rec):
        out.append(("title", "{" + encode_latex(stand_in, unicode) + "}"))  # styles print it as is
    if rec.venue:
        out.append((_VENUE_FIELD.get(etype, "howpublished"), encode_latex(rec.venue, unicode)))
    if rec.year is not None:
        out.append(("year", str(rec.year)))
    if rec.volume:
        out.append(("volume", encode_latex(rec.volume, unicode)))
    if rec.issue:
        out.append(("number", encode_latex(rec.issue, unicode)))
    if rec.pages:
        out.append(("pages", format_pages(rec.pages, unicode)))
    if rec.publisher:
        out.append((_PUBLISHER_FIELD.get(etype, "publisher"), encode_latex(rec.publisher, unicode)))
    if rec.doi:
        out.append(("doi", encode_verbatim(rec.doi)))
    if rec.url:
        out.append(("url", encode_verbatim(rec.url)))
    if rec.arxiv_id:
        out.append(("eprint", encode_verbatim(rec.arxiv_id)))
        out.append(("eprinttype", "arxiv"))  # biblatex
        out.append(("archivePrefix", "arXiv"))  # BibTeX styles (natbib, arXiv's own)
    return out


def _safe_keys(records: list[PaperRecord]) -> list[str]:
    """Keys as stored; one that could not be written (set by other code) is cleaned and de-duplicated."""
    keys = [r.citekey for r in records]
    if all(is_valid_citekey(k) for k in keys):
        return keys
    taken = {k.lower() for k in keys if is_valid_citekey(k)}
    out = []
    for rec, key in zip(records, keys, strict=False):
        if not is_valid_citekey(key):
            key = suffixed(_KEY_JUNK.sub("", key or "")[:100] or f"ref{rec.id}", taken)
            taken.add(key.lower())
        out.append(key)
    return out


def to_entry(rec: PaperRecord, key: str, unicode: bool = False) -> Entry:
    return Entry(entry_type(rec), key, [Field(k, "{" + v + "}") for k, v in entry_fields(rec, unicode)])


CHUNK = 2_000  # entries per bibtexparser Library: 100k entries in one model cost ~300 MB more


def entries_text(entries: list[Entry]) -> str:
    """The .bib text of entries whose values are final (encoded and enclosed): laid out, never re-escaped."""
    parts = []
    for start in range(0, len(entries), CHUNK):
        library = bibtexparser.Library()
        library.add(entries[start : start + CHUNK])
        # Values are final: an empty unparse stack means no copying and no re-escaping.
        parts.append(bibtexparser.write_string(library, unparse_stack=[], bibtex_format=_FORMAT).strip("\n"))
    return "\n\n".join(parts) + ("\n" if parts else "")


def format_bibtex(records: list[PaperRecord], unicode: bool = False) -> str:
    """The .bib text of these records (pure: no database)."""
    keys = _safe_keys(records)  # over the whole list: keys are unique across the file
    return entries_text([to_entry(rec, key, unicode) for rec, key in zip(records, keys, strict=False)])


def export_bibtex(session: Session, selection: Selection = Selection(), unicode: bool = False) -> str:
    """BibTeX of the selected papers; assigns (and stores) missing citekeys. Formatted a batch at a time."""
    return "".join(iter_bibtex(session, selection, unicode))


def iter_bibtex(
    session: Session, selection: Selection | None = None, unicode: bool = False, size: int = 2_000
) -> Iterator[str]:
    """:func:`export_bibtex`'s text in pieces, ``size`` entries each: 100k papers are never one string."""
    first = True
    for batch in ordered_batches(session, selection or Selection(), size):
        part = format_bibtex(batch, unicode).strip("\n")
        if part:
            yield ("" if first else "\n\n") + part
            first = False
    if not first:
        yield "\n"
