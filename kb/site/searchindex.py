"""The site's search index, built here in MiniSearch's own serialised form (``MiniSearch.loadJS``).

The browser only loads it: no indexing at view time, no fetch (``file://``
forbids it), just ``search-index.js`` assigning ``window.KB_SEARCH``. Terms
are made exactly as ``static/search.js`` makes query terms: NFKD, combining
marks dropped, split on anything that is not a letter or digit, lower-cased.
Terms are sorted and documents numbered in the order the site adds them, so the same KB gives
the same bytes.

>>> terms("Schölkopf's GAN-2")
['scholkopf', 's', 'gan', '2']
"""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

FIELDS = ("title", "text")
STORED = ("title", "kind", "url", "sub")
_WORD = re.compile(r"[^\W_]+")


def terms(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return [t.lower() for t in _WORD.findall(plain)]


@dataclass(frozen=True, slots=True)
class Doc:
    url: str  # the page, relative to the site root: also the document's id
    kind: str
    title: str
    text: str = ""  # speakers, authors, event, conference …: found, not shown
    sub: str = ""  # one line shown under the title


class SearchIndex:
    """The index, built a document at a time in compact form: each term's postings are one array of 32-bit
    ints (document, field, count), not nested dicts; field lengths are one int array; the stored fields are
    serialised as each document comes and spooled to a temporary file. 170k pages stay within tens of MB.

    Documents are numbered in the order they are added (the site adds them in a fixed order).
    """

    def __init__(self):
        self.urls: list[str] = []
        self.lengths = array("I")  # len(FIELDS) a document
        self.postings: dict[str, array] = {}
        self.totals = [0] * len(FIELDS)
        self.stored = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")  # one JSON object a line

    def add(self, doc: Doc) -> None:
        short = len(self.urls) + 1
        if short >= 1 << 23:
            raise ValueError("more than 8 million documents: postings hold a document in 23 bits")
        self.urls.append(doc.url)
        self.stored.write(_dump({k: getattr(doc, k) for k in STORED}, ensure_ascii=False, sort_keys=True) + "\n")
        for fid, name in enumerate(FIELDS):
            words = terms(getattr(doc, name))
            self.lengths.append(len(set(words)))
            self.totals[fid] += self.lengths[-1]
            for term, n in Counter(words).items():
                self.postings.setdefault(term, array("I")).append((short << 9) | (fid << 8) | min(n, 255))

    def pieces(self) -> Iterator[str]:
        """MiniSearch's ``toJSON()`` (serialisation version 2), keys sorted, in pieces of at most a thousand
        documents or one term: never a string the size of the index."""
        n = len(self.urls)
        k = len(FIELDS)
        yield (
            f'{{"averageFieldLength":{_dump([round(t / n, 6) if n else 0 for t in self.totals])},'
            f'"dirtCount":0,"documentCount":{n},"documentIds":{{'
        )
        yield from _joined(f'"{i}":{_dump(url, ensure_ascii=False)}' for i, url in enumerate(self.urls, 1))
        yield f'}},"fieldIds":{_dump({name: i for i, name in enumerate(FIELDS)})},"fieldLength":{{'
        yield from _joined(f'"{i}":{_dump(self.lengths[(i - 1) * k : i * k].tolist())}' for i in range(1, n + 1))
        yield '},"index":['
        for j, term in enumerate(sorted(self.postings)):
            by_field: dict[int, list[str]] = {}
            for v in self.postings[term]:
                by_field.setdefault((v >> 8) & 1, []).append(f'"{v >> 9}":{v & 255}')
            fields = ",".join(f'"{fid}":{{{",".join(docs)}}}' for fid, docs in sorted(by_field.items()))
            yield ("," if j else "") + f"[{_dump(term, ensure_ascii=False)},{{{fields}}}]"
        yield f'],"nextId":{n + 1},"serializationVersion":2,"storedFields":{{'
        self.stored.flush()
        self.stored.seek(0)
        yield from _joined(f'"{i}":{line[:-1]}' for i, line in enumerate(self.stored, 1))
        self.stored.seek(0, 2)  # add() may go on
        yield "}}"

    def script_pieces(self) -> Iterator[str]:
        """``search-index.js`` in pieces: the index as a script (``<script src>`` works from ``file://``; fetch
        does not). JSON is valid JavaScript; ``<`` is written as ``\\u003c`` so no text can close the script
        element. Never one string: at 170k pages the index is tens of MB."""
        yield "window.KB_SEARCH = "
        for piece in self.pieces():
            yield piece.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        yield ";\n"

    def script(self) -> str:
        return "".join(self.script_pieces())


def _dump(value, **kw) -> str:
    return json.dumps(value, separators=(",", ":"), **kw)


def _joined(parts: Iterable[str], most: int = 1000) -> Iterator[str]:
    """``",".join(parts)`` in pieces of at most ``most`` parts."""
    batch: list[str] = []
    lead = ""
    for part in parts:
        batch.append(part)
        if len(batch) == most:
            yield lead + ",".join(batch)
            batch, lead = [], ","
    if batch:
        yield lead + ",".join(batch)
