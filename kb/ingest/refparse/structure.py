"""From labelled fields to a `ParsedReference`: clean each field, infer the type.

>>> ref = build("x", None, [("author", "Doe, Jane."), ("title", "“A study.”"),
...                         ("journal", "_Nature_"), ("volume", "21(7),"), ("date", "2001.")], [], 0.9)
>>> (ref.title, ref.venue, ref.volume, ref.issue, ref.year, ref.type)
('A study', 'Nature', '21', '7', 2001, 'article')
"""

from __future__ import annotations

import re

from kb.ingest.names import UPPER, split_authors
from kb.ingest.records import ParsedReference
from kb.ingest.refparse import rules
from kb.ingest.refparse.markup import strip_emphasis
from kb.ingest.text import Folded

_QUOTES = "\"'“”‘’«»„"
_CONFERENCE = re.compile(
    r"\b(?:proc(?:eedings|\.)?|conference|conf\.|workshops?|symposium|meeting|congress|colloquium|"
    r"advances in neural|neurips|nips|icml|iclr|cvpr|iccv|eccv|aaai|ijcai|acl|emnlp|naacl|coling|"
    r"sigmod|vldb|icde|kdd|sigir|www|chi|uist|siggraph|osdi|sosp|nsdi|usenix)\b",
    re.IGNORECASE,
)
# Journals whose name starts like a proceedings volume.
# "Proceedings of the IEEE" (a journal), but not "Proceedings of the IEEE CVPR / … Conference on …".
_JOURNAL_PROC = re.compile(
    r"^proc(?:eedings|\.)? (?:of )?the (?:ieee|national academy|royal society)\b"
    r"(?!.*(?:conf|symposium|workshop|cvpr|iccv|icassp|icra|iros|infocom|\d{4}))",
    re.I,
)
_PREPRINT = re.compile(r"^(?:arxiv|corr|preprint|biorxiv|e-?print)", re.IGNORECASE)
# (as booleans, faster on ASCII text: kb.ingest.text.Folded)
_IS_CONFERENCE, _IS_JOURNAL_PROC, _IS_PREPRINT = Folded(_CONFERENCE), Folded(_JOURNAL_PROC), Folded(_PREPRINT)
_IN = re.compile(r"^(?:in:?|in\s+proc(?:eedings|\.)?\s+of:?)\s+", re.IGNORECASE)
_REPEATED_AUTHOR = re.compile(r"^[\s—–―-]+\.?$")
_KEPT_PERIOD = re.compile(rf"\b(?:[{UPPER}]|al|org|Inc|Ltd|Co|Jr|etc)\.$")  # an abbreviation's full stop


def clean(text: str) -> str:
    """Field text without emphasis markers, outer quotes/brackets or closing
    punctuation: ``“Deep image prior.”`` → ``Deep image prior``."""
    text = strip_emphasis(text).strip()
    prev = None
    while text != prev:
        prev = text
        text = text.strip(" ,;:")
        if text.endswith(".") and not _KEPT_PERIOD.search(text):
            text = text[:-1]
        if text and text[0] in _QUOTES and text[-1] in _QUOTES:
            text = text[1:-1]
        elif text[:1] in _QUOTES and not any(q in text[1:] for q in _QUOTES):
            text = text[1:]
        elif text[-1:] in _QUOTES and not any(q in text[:-1] for q in _QUOTES):
            text = text[:-1]
        if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
            text = text[1:-1]
        elif text.endswith(")") and text.count(")") > text.count("("):
            text = text[:-1]
        elif text.startswith("(") and text.count("(") > text.count(")"):
            text = text[1:]
    return " ".join(text.split())


def _first(fields: list[tuple[str, str]], *labels: str) -> str | None:
    for label, text in fields:
        if label in labels:
            return text
    return None


def _venue(fields: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """(venue, the label it came from): journal or container title, else an
    arXiv/preprint note."""
    for label, text in fields:
        if label in ("journal", "container-title"):
            venue = _IN.sub("", clean(text)) if label == "container-title" else clean(text)
            return venue or None, label
    for label, text in fields:
        if label == "note" and rules.HAS_ARXIV_CUE.search(text):
            return clean(text), "note"
    return None, None


def infer_type(fields: list[tuple[str, str]], venue: str | None, venue_label: str | None, arxiv_id: str | None) -> str:
    """Entry type in BibTeX terms from which fields are present and what the
    venue says.

    >>> infer_type([("title", "T"), ("date", "2018")], None, None, None)
    'misc'
    """
    labels = {label for label, _ in fields}
    genre = (_first(fields, "genre") or "").lower()
    if "thesis" in genre or "dissertation" in genre or "phd" in genre:
        return "phdthesis"
    if "report" in genre or "memo" in genre:
        return "techreport"
    if venue and _IS_PREPRINT.match(venue) or (arxiv_id and not venue):
        return "article"
    if venue:
        if _IS_CONFERENCE.search(venue) and not _IS_JOURNAL_PROC.match(venue):
            return "inproceedings"
        if venue_label == "container-title" or "publisher" in labels or "editor" in labels:
            return "incollection"
        return "article"
    if "publisher" in labels and "title" in labels:
        return "book"
    return "misc"


def build(
    raw: str, marker: str | None, fields: list[tuple[str, str]], urls: list[str], confidence: float
) -> ParsedReference:
    """Assemble the structured record from labelled fields."""
    ref = ParsedReference(raw=raw, marker=marker, confidence=round(confidence, 4))
    author = _first(fields, "author")
    if author and not _REPEATED_AUTHOR.match(author):
        ref.authors, ref.et_al = split_authors(author)
    editor = _first(fields, "editor")
    if editor:
        ref.editors, _ = split_authors(editor)
    title = _first(fields, "title")
    ref.title = clean(title) or None if title else None
    ref.venue, venue_label = _venue(fields)
    for label, text in fields:
        if label == "date" and ref.year is None:
            ref.year = rules.find_year(text)
    if ref.year is None:
        ref.year = rules.find_year(" ".join(t for lab, t in fields if lab not in ("title", "url", "doi")))
    volume = _first(fields, "volume")
    if volume:
        ref.volume, ref.issue = rules.split_volume(volume)
    pages = _first(fields, "pages")
    if pages:
        ref.pages = rules.clean_pages(pages)
    elif volume and ":" in volume:  # natbib's "9(Nov):2579--2605," is one token
        ref.pages = rules.clean_pages(volume.split(":", 1)[1]) or None
    ref.publisher = clean(_first(fields, "publisher") or "") or None
    ref.location = clean(_first(fields, "location") or "") or None
    labels = [label for label, _ in fields]
    if ref.publisher and ref.location and "publisher" in labels and "location" in labels:
        # Google Scholar's "Springer, Cham": publisher then place reads as one publisher.
        if labels.index("location") == labels.index("publisher") + 1:
            ref.publisher = f"{ref.publisher}, {ref.location}"
    whole = " ".join(text for _, text in fields) + " " + " ".join(urls)
    ref.doi = rules.find_doi(whole)
    ref.arxiv_id = rules.find_arxiv(whole)
    url = _first(fields, "url")
    ref.url = rules.find_url(url) if url else None
    if ref.url is None and urls:
        ref.url = urls[0]
    ref.type = infer_type(fields, ref.venue, venue_label, ref.arxiv_id)
    return ref
