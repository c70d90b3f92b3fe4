"""Which conference a post is about: front matter, then title, then headings and prose.

>>> detect_conference({"title": "ICCV 2019 at Seoul"}, [], None).name
'ICCV'
"""

from __future__ import annotations

import re
from typing import Any

from kb.ingest.confnames import Candidate, best, in_path, in_text
from kb.ingest.links import host_of
from kb.ingest.markdown import Block
from kb.ingest.records import Conference

# Canonical spelling of well-known venues; lookups are case-insensitive.
KNOWN = {
    name.lower(): name
    for name in """
    NeurIPS ICML ICLR AAAI IJCAI UAI AISTATS COLT CoRL RSS ICRA IROS CVPR ICCV ECCV WACV BMVC ACCV 3DV MICCAI
    ACL EMNLP NAACL EACL AACL COLING CoNLL LREC Interspeech ICASSP SIGIR WSDM WWW KDD RecSys CIKM ICDM SDM
    SIGMOD VLDB PODS ICDE CIDR EDBT CHI UIST CSCW SIGGRAPH OSDI SOSP NSDI EuroSys MLSys ATC FAST ISCA MICRO ASPLOS
    HPCA PLDI POPL OOPSLA ICSE FSE ASE STOC FOCS SODA ICALP CCS USENIX FAccT AIES ICLR NAACL-HLT ISMIR ICME
    ACMMM MM ECML PKDD ALT ACML IJCNLP NLPCC MLHC CHIL ML4H
    """.split()
}
ALIASES = {
    "nips": "NeurIPS",
    "neurips": "NeurIPS",
    "sigkdd": "KDD",
    "acm mm": "ACMMM",
    "the web conference": "WWW",
    "www": "WWW",
    "usenix security": "USENIX",
}
_MULTI = {k: v for k, v in ALIASES.items() if " " in k}
# Candidate tokens are found with one cheap pattern and looked up in the tables,
# instead of one huge case-insensitive alternation per block of text. The space before a year is
# possessive: two plain ``\s*`` around the apostrophe split a long run of spaces every possible way.
_TOKEN = re.compile(
    r"(?<![\w/.@])((?:" + "|".join(re.escape(k) for k in _MULTI) + r")|[A-Za-z]+)"
    r"(?:\s*+['’]?\s*+((?:19|20)\d{2}|\d{2})\b)?(?![\w])",
    re.I,
)
_CONF = _TOKEN  # kept for callers that need the match positions
_PROSE_BLOCKS = 60  # a post names its conference early; scanning every block of a long post buys nothing


# A text names a venue only if one of its letter runs, lower-cased, is a known name or one-word alias,
# or it holds a many-word alias: every token the pattern takes is a maximal run of [A-Za-z] or such an
# alias, and only those whose lower-cased form is in the tables count. Any other text is passed over with
# one findall, instead of a match and a lookup per word.
_SINGLE = frozenset(KNOWN) | {k for k in ALIASES if " " not in k}
_LETTER_RUN = re.compile(r"[A-Za-z]+", re.I)
_ASCII_RUN = re.compile(r"[a-z]+")


def _lookup(token: str) -> str | None:
    low = token.lower()
    return ALIASES.get(low) or KNOWN.get(low)


_PLACE_AFTER = re.compile(
    r"\b(?:in|at|@)\s+((?:[A-Z][\w\-]+)(?:[ \-](?:[A-Z][\w\-]+|de|di|du|do|la|le))*(?:,\s+[A-Z][\w\-]+)?)"
)
_HELD = re.compile(
    r"\b(?:held|hosted|took place|happened|was|were)\s+(?:in|at)\s+((?:beautiful|sunny|rainy)\s+)?"
    r"([A-Z][\w\-]+(?:\s+[A-Z][\w\-]+){0,2})"
)
_NOT_PLACE = {
    "The",
    "This",
    "That",
    "Our",
    "My",
    "Day",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Workshop",
    "Tutorial",
    "Session",
}


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    y = int(raw)
    return y + 2000 if y < 100 else y


def _mentions(text: str, prose: bool = True) -> list[tuple[str, int | None, int]]:
    low = text.lower()
    if not any(k in low for k in _MULTI):  # (ASCII text lower-cased keeps its letter runs, lower-cased)
        runs = _ASCII_RUN.findall(low) if text.isascii() else [w.lower() for w in _LETTER_RUN.findall(text)]
        if _SINGLE.isdisjoint(runs):
            return []
    out = []
    for m in _TOKEN.finditer(text):
        tok = m.group(1)
        name = _lookup(tok)
        if name is None or (prose and tok.islower()):
            continue  # "acl" in prose is rarely the venue there; tags are often lower-case
        out.append((name, _year(m.group(2)), m.start()))
    return out


def _fm_text(fm: dict[str, Any]) -> list[str]:
    parts = []
    for key in ("conference", "event", "venue", "title", "tags", "categories", "category", "keywords"):
        value = fm.get(key)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        elif value:
            parts.append(str(value))
    return parts


def detect_conference(
    fm: dict[str, Any], blocks: list[Block], post_year: int | None, path: str | None = None
) -> Conference | None:
    """The post's main conference, or None when nothing names one.

    Every place that names a conference votes with its weight: front matter (10), the title or first
    heading (8), the file and folder names (6, less for folders further up), other headings (3 for a
    known venue, 2 otherwise), prose (1, known venues only). A workshop co-located with another
    conference is still reported under the one the title names.
    """
    texts = _fm_text(fm)
    headings = [b.text for b in blocks if b.kind == "heading"]
    title = str(fm.get("title") or "") or (headings[0] if headings else "")
    pool: list[Candidate] = []
    for weight, group in (
        (10, texts),
        (3, headings),
        (1, [b.text for b in blocks[:_PROSE_BLOCKS] if b.kind not in ("code", "heading")]),
    ):
        for text in group:
            pool += [Candidate(name, year, weight) for name, year, _ in _mentions(text, prose=weight < 10)]
    for value in texts:
        pool += in_text(value, 10)
    if title:
        pool += in_text(title, 8)
    for heading in headings[1:6]:
        pool += in_text(heading, 2)
    if path:
        body = "\n".join([*(b.text for b in blocks[:_PROSE_BLOCKS]), *texts])
        pool += in_path(path, body, 6)
    top = best(pool)
    if top is None:
        explicit = fm.get("conference")
        if isinstance(explicit, str) and explicit.strip():
            return Conference(name=explicit.strip(), year=post_year)
        return None
    name = top.name
    year = top.year or _link_year(name, blocks) or _path_year(path) or post_year
    conf = Conference(name=name, year=year)
    conf.url = _conference_url(name, conf.year, blocks, fm)
    conf.location = _location(name, fm, blocks)
    return conf


def _link_year(name: str, blocks: list[Block]) -> int | None:
    for block in blocks:
        for span in block.links:
            for found, year, _ in _mentions(span.label):
                if year and found == name:
                    return year
    return None


def _path_year(path: str | None) -> int | None:
    years = re.findall(r"(?<!\d)((?:19[89]|20[0-4])\d)(?!\d)", path or "")
    return int(years[-1]) if years else None


def _conference_url(name: str, year: int | None, blocks: list[Block], fm: dict[str, Any]) -> str | None:
    for key in ("conference_url", "event_url"):
        if fm.get(key):
            return str(fm[key])
    low = name.lower()
    for block in blocks:
        for span in block.links:
            if span.image or not span.href:
                continue
            host = host_of(span.href)
            label_hit = any(n == name for n, _, _ in _mentions(span.label))
            host_hit = low in host.replace("-", "") and (not year or str(year) in span.href or str(year)[2:] in host)
            path = span.href.split(host, 1)[-1] if host else ""
            if (label_hit or host_hit) and path.strip("/").count("/") <= 1 and "arxiv" not in host:
                return span.href
    return None


def _location(name: str, fm: dict[str, Any], blocks: list[Block]) -> str | None:
    for key in ("location", "city", "place"):
        if fm.get(key):
            return str(fm[key])
    title = str(fm.get("title") or "")
    headings = [b.text for b in blocks if b.kind == "heading"][:1]
    for text in [title, *headings]:
        for m in _TOKEN.finditer(text):
            if _lookup(m.group(1)) != name:
                continue
            pm = _PLACE_AFTER.search(text[m.end() : m.end() + 60])
            if pm and pm.group(1).split()[0] not in _NOT_PLACE:
                return pm.group(1)
    for block in blocks[:30]:
        if block.kind in ("paragraph", "html"):
            m = _HELD.search(block.text)
            if m and m.group(2).split()[0] not in _NOT_PLACE:
                return m.group(2)
    # Last resort: a well-known host city named early in the post ("… filled the convention centre in New Orleans").
    m = _CITY_ANYWHERE.search(title)  # "ACL 2019, Florence: probing …"
    early = " ".join(b.text for b in blocks[:12] if b.kind in ("paragraph", "heading", "html"))
    m = m or _CITY.search(early)
    if m:
        return next(c for c in HOST_CITIES if c.lower() == m.group(1).lower())
    return None


# Cities that have hosted the big CS conferences (a gazetteer is more reliable than guessing from capitals).
HOST_CITIES = """
Amsterdam|Anchorage|Atlanta|Auckland|Austin|Baltimore|Bangkok|Barcelona|Beijing|Berlin|Bologna|Boston|Brisbane|Brno|
Brussels|Budapest|Buenos Aires|Busan|Cambridge|Chicago|Copenhagen|Dallas|Delft|Denver|Doha|Dublin|Dubrovnik|Edinburgh|
Florence|Glasgow|Gothenburg|Hamburg|Helsinki|Hong Kong|Honolulu|Istanbul|Jeju|Kyoto|Las Vegas|Lisbon|Lyon|London|
Long Beach|Los Angeles|Macau|Madrid|Marseille|Melbourne|Miami|Milan|Montreal|Montréal|Munich|Nashville|New Orleans|
New York|Nice|Osaka|Paris|Philadelphia|Phoenix|Pittsburgh|Portland|Prague|Punta Cana|Québec City|Quebec City|
Rio de Janeiro|Rome|Salt Lake City|San Diego|San Francisco|San Jose|Santa Clara|Santiago|Seattle|Seoul|Shanghai|
Singapore|Sorrento|Stockholm|Strasbourg|Sydney|Taipei|Tel Aviv|Tokyo|Toronto|Toulouse|Turin|Valencia|Vancouver|Venice|
Vienna|Waikoloa|Washington|Zurich|Zürich|Hyderabad|Bangalore|Mumbai|Delhi|Abu Dhabi|Dubai|Cape Town|Nairobi|Kigali|
Addis Ababa|Ljubljana|Bilbao|Porto|Seville|Geneva|Lausanne|Montpellier|Grenoble|Monterey|Stanford|Ann Arbor|Orlando|
Hawaii|Maui|Calgary|Ottawa|Halifax|Banff|Whistler|Minneapolis|Houston|Baton Rouge|Palo Alto|Snowbird|Tampa|Tucson
""".replace("\n", "").split("|")
_CITY_NAMES = "|".join(re.escape(c) for c in sorted(HOST_CITIES, key=len, reverse=True))
_CITY = re.compile(
    r"(?:\b(?:in|at|to|from)\s+(?:beautiful\s+|sunny\s+|rainy\s+|downtown\s+)?|(?:^|[.!?]\s+))(" + _CITY_NAMES + r")\b"
)
_CITY_ANYWHERE = re.compile(r"\b(" + _CITY_NAMES + r")\b")
