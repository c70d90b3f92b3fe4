"""A BibTeX entry pasted as a reference: read its fields directly, no model.

>>> ref = parse_entry("@inproceedings{he2016, title={Deep Residual Learning}, "
...                   "author={He, Kaiming and Sun, Jian}, booktitle={CVPR}, year={2016}}")
>>> ref.citekey, ref.type, [a.family for a in ref.authors], ref.year
('he2016', 'inproceedings', ['He', 'Sun'], 2016)
"""

from __future__ import annotations

import re

from kb.ingest.names import parse_name
from kb.ingest.records import ParsedReference
from kb.ingest.refparse import rules
from kb.ingest.text import repair, squash

ENTRY = re.compile(r"^\s*@(\w+)\s*[{(]\s*([^,\s]*)\s*,", re.DOTALL)
_FIELD = re.compile(r"\s*,?\s*([\w-]+)\s*=\s*")
_TYPES = {
    "inproceedings": "inproceedings", "conference": "inproceedings", "article": "article",
    "incollection": "incollection", "inbook": "incollection", "book": "book",
    "phdthesis": "phdthesis", "mastersthesis": "phdthesis", "techreport": "techreport",
}


def _value(text: str, i: int) -> tuple[str, int]:
    """Read one value at text[i]: {braced}, "quoted" or a bare word/number."""
    if text[i] == "{":
        depth, j = 0, i
        while j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                return text[i + 1 : j], j + 1
            j += 1
        return text[i + 1 :], len(text)
    if text[i] == '"':
        j = text.find('"', i + 1)
        j = len(text) if j < 0 else j
        return text[i + 1 : j], j + 1
    m = re.match(r"[^,}\s]+", text[i:])
    return (m.group(0), i + m.end()) if m else ("", i)


def fields(text: str) -> tuple[str, str, dict[str, str]] | None:
    """(entry type, citekey, {field: value}) or None when not a BibTeX entry."""
    m = ENTRY.match(text)
    if not m:
        return None
    out: dict[str, str] = {}
    i = m.end()
    while True:
        fm = _FIELD.match(text, i)
        if not fm:
            break
        value, i = _value(text, fm.end())
        # Braces protect capitals in BibTeX; accents go through repair().
        out[fm.group(1).lower()] = squash(repair(value).replace("{", "").replace("}", ""))
    return m.group(1).lower(), m.group(2), out


def parse_entry(text: str, marker: str | None = None) -> ParsedReference | None:
    """A ParsedReference from a BibTeX entry, or None if the text is not one."""
    parsed = fields(text)
    if parsed is None:
        return None
    kind, key, f = parsed
    ref = ParsedReference(raw=text, marker=marker, citekey=key or None, confidence=1.0)
    authors = [a for a in re.split(r"\s+and\s+", f.get("author", "")) if a.strip()]
    ref.et_al = any(a.strip().lower() == "others" for a in authors)
    ref.authors = [parse_name(a) for a in authors if a.strip().lower() != "others"]
    ref.editors = [parse_name(a) for a in re.split(r"\s+and\s+", f.get("editor", "")) if a.strip()]
    ref.title = f.get("title")
    ref.venue = f.get("journal") or f.get("booktitle")
    ref.year = rules.find_year(f.get("year", "")) or None
    ref.volume = f.get("volume")
    ref.issue = f.get("number")
    ref.pages = f["pages"].replace("--", "-") if "pages" in f else None
    ref.publisher = f.get("publisher") or f.get("school") or f.get("institution") or f.get("organization")
    ref.location = f.get("address")
    ref.doi = f.get("doi")
    ref.url = f.get("url")
    ref.arxiv_id = f.get("eprint") if f.get("archiveprefix", "").lower() == "arxiv" else None
    ref.arxiv_id = ref.arxiv_id or rules.find_arxiv(" ".join(f.values()))
    ref.type = _TYPES.get(kind, "misc")
    if kind == "misc" and ref.arxiv_id:
        ref.type = "article"
    return ref
