"""BibTeX text (a ```bibtex block in a post, or a .bib file) → ParsedReference records.

bibtexparser v2 splits entries and names; LaTeX is decoded by our own
:func:`kb.latex.decode_latex_value`, the inverse of our own encoder (bibtexparser's decoding middleware also
rewrites ``--`` and drops braces we want to control).

>>> refs, problems = parse_bibtex("@misc{k, title={A {GAN}}, year=2019, author={Doe, J.}}")
>>> refs[0].title, refs[0].citekey, refs[0].authors[0].family
('A GAN', 'k', 'Doe')
"""

from __future__ import annotations

import logging
import re

import bibtexparser
from bibtexparser import middlewares

from kb.ingest.links import ARXIV_NEW, ARXIV_OLD, DOI
from kb.ingest.records import Name, ParsedReference, Problem
from kb.ingest.text import squash
from kb.latex import decode_latex_value

# bibtexparser logs every failed block itself; we report them as Problems instead.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

_TYPES = {
    "inproceedings": "inproceedings",
    "conference": "inproceedings",
    "article": "article",
    "incollection": "incollection",
    "inbook": "incollection",
    "book": "book",
    "phdthesis": "phdthesis",
    "mastersthesis": "phdthesis",
    "techreport": "techreport",
    "report": "techreport",
    "misc": "misc",
    "unpublished": "misc",
    "online": "misc",
    "electronic": "misc",
}


def clean_value(value: str) -> str:
    """LaTeX-decoded, brace-free, single-spaced field text (the inverse of :func:`kb.latex.encode_latex`).

    >>> clean_value(r"{T-Net} {\\textquoteright}s Sch{\\"o}lkopf")
    'T-Net ’s Schölkopf'
    """
    text = decode_latex_value(str(value).replace("\\\\", " "))
    return squash(text.replace("\u00a0", " "))


def _names(parts_list) -> tuple[list[Name], bool]:
    names: list[Name] = []
    et_al = False
    for parts in parts_list or []:
        if isinstance(parts, str):  # an unsplittable name stays whole
            names.append(Name(family=clean_value(parts)))
            continue
        last = clean_value(" ".join(parts.last))
        if last.lower() == "others" and not parts.first:
            et_al = True
            continue
        names.append(
            Name(
                family=last,
                given=clean_value(" ".join(parts.first)),
                particle=clean_value(" ".join(parts.von)),
                suffix=clean_value(" ".join(parts.jr)),
            )
        )
    return names, et_al


def entry_to_reference(entry) -> ParsedReference:
    fields = {k.lower(): v.value for k, v in entry.fields_dict.items()}
    authors, et_al = _names(fields.get("author"))
    editors, _ = _names(fields.get("editor"))
    year_match = re.search(r"\d{4}", str(fields.get("year") or fields.get("date") or ""))
    venue = fields.get("booktitle") or fields.get("journal") or fields.get("journaltitle") or fields.get("howpublished")
    etype = _TYPES.get(entry.entry_type.lower(), "misc")
    arxiv = None
    eprint = clean_value(fields.get("eprint", ""))
    if eprint and (str(fields.get("archiveprefix", "")).lower() == "arxiv" or ARXIV_NEW.fullmatch(eprint)):
        arxiv = eprint
    if not arxiv:
        for key in ("journal", "url", "note", "howpublished"):
            m = ARXIV_NEW.search(str(fields.get(key, ""))) if "arxiv" in str(fields.get(key, "")).lower() else None
            m = m or (
                ARXIV_OLD.search(str(fields.get(key, ""))) if "arxiv" in str(fields.get(key, "")).lower() else None
            )
            if m:
                arxiv = m.group(1)
                break
    doi = clean_value(fields.get("doi", "")) or None
    if doi:
        m = DOI.search(doi)
        doi = m.group(1) if m else doi
    pages = clean_value(fields.get("pages", "")).replace("--", "-").replace("–", "-") or None
    return ParsedReference(
        raw=entry.raw.strip() if getattr(entry, "raw", None) else "",
        marker=f"[{entry.key}]",
        authors=authors,
        et_al=et_al,
        editors=editors,
        title=_title(fields),
        venue=clean_value(venue) if venue else None,
        year=int(year_match.group(0)) if year_match else None,
        volume=clean_value(fields.get("volume", "")) or None,
        issue=clean_value(fields.get("number", "")) or None,
        pages=pages,
        publisher=clean_value(fields.get("publisher") or fields.get("institution") or fields.get("school") or "")
        or None,
        location=clean_value(fields.get("address", "")) or None,
        doi=doi,
        arxiv_id=arxiv,
        url=clean_value(fields.get("url", "")) or None,
        type=etype,
        citekey=entry.key,
        origin="bibtex",
    )


def parse_bibtex(
    text: str, source: str = "<bibtex>", line_offset: int = 0
) -> tuple[list[ParsedReference], list[Problem]]:
    """Every entry that parses, and one problem per entry that does not (naming it)."""
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    refs: list[ParsedReference] = []
    problems: list[Problem] = []
    for entry in library.entries:
        try:
            refs.append(entry_to_reference(entry))
        except Exception as exc:  # noqa: BLE001 - one bad entry must not stop the rest
            problems.append(
                Problem(f"{source}: bibtex entry '{entry.key}': {exc}", line=entry.start_line + 1 + line_offset)
            )
    for block in library.failed_blocks:
        raw = getattr(block, "raw", "") or ""
        m = re.match(r"\s*@(\w+)\s*\{\s*([^,\s]*)", raw)
        what = f"entry '{m.group(2)}' (@{m.group(1)})" if m else "block"
        line = (getattr(block, "start_line", 0) or 0) + 1 + line_offset
        problems.append(Problem(f"{source}: bibtex {what} does not parse; skipped", line=line))
    return refs, problems


_STAND_IN = re.compile(r"^\[(?:arXiv:|doi:)?[^\s\]]+\]$")


def _title(fields: dict) -> str | None:
    """The entry's title; the bracketed stand-in kb's own export writes for a paper known only by an
    identifier ("[arXiv:1706.03762]", "[aclanthology.org/D19-1132]") is no title."""
    title = clean_value(fields["title"]) if fields.get("title") else None
    return None if title and _STAND_IN.match(title) else title
