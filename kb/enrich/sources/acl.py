"""The ACL Anthology: ``aclanthology.org/{id}.bib`` is the paper's BibTeX entry (read with bibtexparser)."""

from __future__ import annotations

from kb.enrich.record import Author, Record, SourceError, clean

NAME = "acl"
SITE = "https://aclanthology.org/"


def request(value: str) -> tuple[str, dict[str, str], bool]:
    return f"{SITE}{value}.bib", {}, False


def _abstract(text: str) -> str | None:
    """The entry's abstract (the Anthology ships one with many papers; kb's BibTeX reader has no field for it)."""
    import bibtexparser

    from kb.latex import decode_latex_value

    library = bibtexparser.parse_string(text)
    field = library.entries[0].fields_dict.get("abstract") if library.entries else None
    if field is None:
        return None
    return clean(decode_latex_value(str(field.value)).replace("---", "\u2014").replace("--", "\u2013"))


def parse(body: bytes, url: str) -> Record | None:
    from kb.ingest.bibtex import parse_bibtex

    text = body.decode("utf-8", errors="replace")
    if not text.lstrip().startswith("@"):
        raise SourceError("ACL Anthology: not a BibTeX entry")
    papers, problems = parse_bibtex(text, url)
    if not papers:
        raise SourceError(f"ACL Anthology: {problems[0].message if problems else 'no entry'}")
    p = papers[0]
    return Record(
        abstract=_abstract(text),
        source=NAME,
        url=url,
        title=clean(p.title),
        authors=[Author(a.given, a.family_full) for a in p.authors if a.family],
        venue=clean(p.venue),
        year=p.year,
        doi=clean(p.doi),
        link=clean(p.url),
    )
