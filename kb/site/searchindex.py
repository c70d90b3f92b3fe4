"""The site's search index, built here in MiniSearch's own serialised form (``MiniSearch.loadJS``).

The browser only loads it: no indexing at view time, no fetch (``file://``
forbids it), just ``search-index.js`` assigning ``window.KB_SEARCH``. Terms
are made exactly as ``static/search.js`` makes query terms: NFKD, combining
marks dropped, split on anything that is not a letter or digit, lower-cased.
Terms and documents are sorted, so the same KB gives the same bytes.

>>> terms("Schölkopf's GAN-2")
['scholkopf', 's', 'gan', '2']
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
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


def build_index(docs: list[Doc]) -> dict:
    """MiniSearch ``toJSON()`` output (serialisation version 2) for ``docs``, fields ``title`` and ``text``."""
    docs = sorted(docs, key=lambda d: d.url)
    index: dict[str, dict[str, dict[str, int]]] = {}
    lengths: dict[str, list[int]] = {}
    totals = [0] * len(FIELDS)
    for short, doc in enumerate(docs, 1):
        lengths[str(short)] = []
        for fid, name in enumerate(FIELDS):
            words = terms(getattr(doc, name))
            lengths[str(short)].append(len(set(words)))
            totals[fid] += len(set(words))
            for term, n in Counter(words).items():
                index.setdefault(term, {}).setdefault(str(fid), {})[str(short)] = n
    n = len(docs)
    return {
        "documentCount": n,
        "nextId": n + 1,
        "documentIds": {str(i): d.url for i, d in enumerate(docs, 1)},
        "fieldIds": {name: i for i, name in enumerate(FIELDS)},
        "fieldLength": lengths,
        "averageFieldLength": [round(t / n, 6) if n else 0 for t in totals],
        "storedFields": {str(i): {k: getattr(d, k) for k in STORED} for i, d in enumerate(docs, 1)},
        "dirtCount": 0,
        "index": [[term, index[term]] for term in sorted(index)],
        "serializationVersion": 2,
    }


def index_script(docs: list[Doc]) -> str:
    """``search-index.js``: the index as a script (``<script src>`` works from ``file://``; fetch does not).

    JSON is valid JavaScript; ``<`` is written as ``\\u003c`` so no text can close the script element.
    """
    data = json.dumps(build_index(docs), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    data = data.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.KB_SEARCH = {data};\n"
