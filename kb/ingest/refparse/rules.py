"""Deterministic patterns: DOIs, arXiv ids, URLs, years, page ranges.

Used twice: as CRF features (``token_kind``) and to pull identifiers out of
a whole reference, where a regular expression is more reliable than a model.

>>> find_arxiv("arXiv preprint arXiv:1312.6034v2 (2013)")
'1312.6034v2'
>>> find_doi("doi: 10.1145/3292500.3330701.")
'10.1145/3292500.3330701'
"""

from __future__ import annotations

import re

from kb.ingest.text import Folded

DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
# New-style ids (since 2007): 1312.6034, 2101.00001v3; old style: cs/0112017, math.GT/0309136.
ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5}(?:v\d+)?)(?![\d])")
ARXIV_OLD = re.compile(r"\b([a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)\b")
ARXIV_CUE = re.compile(r"arxiv|abs/|pdf/|preprint|corr", re.IGNORECASE)
HAS_ARXIV_CUE = Folded(ARXIV_CUE)  # (a bool, faster on ASCII text)
URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"]+", re.IGNORECASE)
YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
PAGE_RANGE = re.compile(r"(?<![\d.])([A-Za-z]?\d+)\s*[-–—‐‑−]{1,2}\s*([A-Za-z]?\d+)(?!\d|\.\d)")
_PAGE = re.compile(r"[A-Za-z]?\d+")
_YEAR_SEMICOLON = re.compile(r"^\s*(?:1[5-9]|20)\d\d\s*;\s*")
_VOLUME = re.compile(r"(?:vol(?:ume)?\.?\s*)?(\d+[A-Za-z]?)", re.IGNORECASE)
_ISSUE = re.compile(r"(?:no|nr|issue|number|n)\.?\s*(\d+(?:[-–/]\d+)?)", re.IGNORECASE)
_PAREN_ISSUE = re.compile(r"\d+\s*\((\d+(?:[-–/]\d+)?)\)")
VOL_ISSUE = re.compile(r"^(\d+)\s*(?:\((\w+(?:[-–/]\d+)?)\)|[.,]\s*(\d+)$)")

_KIND_PATTERNS = (
    ("url", re.compile(r"^[(<\[]?(?:https?://|ftp://|www\.)", re.IGNORECASE)),
    ("doi", re.compile(r"^[(\[]?(?:doi[:>]?)?10\.\d{4,9}/", re.IGNORECASE)),
    ("doicue", re.compile(r"^[(\[]?doi[:>]?$", re.IGNORECASE)),
    (
        "arxiv",
        re.compile(r"^(?:arxiv:)?(?:\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7})[,.;)]*$", re.IGNORECASE),
    ),
    ("arxivcue", re.compile(r"^[(\[_*]?arxiv", re.IGNORECASE)),
    ("isbn", re.compile(r"^(?:isbn|issn)", re.IGNORECASE)),
    ("volissue", re.compile(r"^\d+\(\d+(?:[-–/]\d+)?\)[,.:;]*$")),
    ("pagerange", re.compile(r"^(?:pp?\.?)?\(?[A-Za-z]?\d+[-–—‐‑−]{1,2}[A-Za-z]?\d+\)?[,.;:)]*$")),
    ("year", re.compile(r"^[(\[]?(?:1[5-9]\d\d|20\d\d)[a-z]?[)\]]?[,.;:)]*$")),
    ("yearish", re.compile(r"(?<!\d)(?:1[5-9]\d\d|20\d\d)(?!\d)")),
    ("ordinal", re.compile(r"^\d+(?:st|nd|rd|th)$", re.IGNORECASE)),
    ("marker", re.compile(r"^(?:\[\^?[\w.:+-]{1,24}\]:?|\d{1,4}[.)]|\(\d{1,4}\))$")),
    ("email", re.compile(r"@\w")),
)


_CUES = ("arxiv", "isbn", "issn", "doi", "www.", "http", "ftp")
# The leading patterns, all anchored at the start, as one alternation tried in their order: the first that
# matches is the first whose search succeeds (none holds a capturing group of its own: the match's group
# is the pattern's name). The rest, unanchored or after an unanchored one, are searched one by one.
_ANCHORED = 9
assert all(p.pattern.startswith("^") and not p.groups for _, p in _KIND_PATTERNS[:_ANCHORED])
_FIRST_KINDS = re.compile(
    "|".join(
        f"(?P<{name}>(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern}))" for name, p in _KIND_PATTERNS[:_ANCHORED]
    )
)
_LATER_KINDS = _KIND_PATTERNS[_ANCHORED:]
_ASCII_DIGIT = re.compile(r"[0-9]")


def has_digit(text: str) -> bool:
    """Whether a character of the text is a digit (``str.isdigit``: "²" is one); ASCII text by one regex search.

    >>> has_digit("p.12"), has_digit("x²"), has_digit("abc")
    (True, True, False)
    """
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(c.isdigit() for c in text)


def token_kind(token: str) -> str:
    """The first matching pattern name for a token, or "".

    >>> token_kind("(2015)."), token_kind("193-209."), token_kind("21(7),")
    ('year', 'pagerange', 'volissue')
    """
    # Most tokens are plain words: skip the patterns when none can match.
    if (
        token[0] not in "[(<"
        and not has_digit(token)
        and "@" not in token
        and not token.lstrip("_*").lower().startswith(_CUES)
    ):
        return ""
    first = _FIRST_KINDS.match(token)
    if first is not None:
        return first.lastgroup  # type: ignore[return-value]
    for name, pattern in _LATER_KINDS:
        if pattern.search(token):
            return name
    return ""


def find_doi(text: str) -> str | None:
    """First DOI in the text, without trailing punctuation."""
    if "10." not in text:  # (every DOI starts so)
        return None
    m = DOI.search(text)
    return m.group(1).rstrip(".,;)]}>") if m else None


def find_arxiv(text: str) -> str | None:
    """First arXiv identifier, new (``1312.6034``) or old (``cs/0112017``) style,
    only where the text says arXiv (or it is an arxiv.org URL)."""
    if not HAS_ARXIV_CUE.search(text):
        return None
    m = ARXIV_NEW.search(text) or ARXIV_OLD.search(text)
    return m.group(1) if m else None


def find_url(text: str) -> str | None:
    """First URL, trailing punctuation and Markdown brackets removed."""
    m = URL.search(text)
    if not m:
        return None
    url = m.group(0).rstrip(".,;:>]")
    if url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    return url


def find_year(text: str) -> int | None:
    """First plausible publication year."""
    m = YEAR.search(text)
    return int(m.group(1)) if m else None


def clean_pages(text: str) -> str | None:
    """``pp. 193–209.`` → ``193–209``; ``pages 5`` → ``5``."""
    m = PAGE_RANGE.search(text)
    if m:
        return text[m.start() : m.end()].replace(" ", "").replace("--", "-")
    m = _PAGE.search(text)
    return m.group(0) if m else None


def split_volume(text: str) -> tuple[str | None, str | None]:
    """``21(7),`` → ("21", "7"); ``Vol. 9, No. 3`` → ("9", "3"); ``vol. 70`` → ("70", None)."""
    t = _YEAR_SEMICOLON.sub("", text.replace("_", "").replace("*", ""))  # "2011;70:"
    t = t.strip(" ,.;:").lstrip("(")
    m = VOL_ISSUE.match(t)  # "21(7)", Scholar's "521.7553", ACM's "9, 8"
    if m:
        return m.group(1), m.group(2) or m.group(3)
    vol = _VOLUME.search(t)
    issue = _ISSUE.search(t)
    if not issue:
        issue = _PAREN_ISSUE.search(t)
    return (vol.group(1) if vol else None), (issue.group(1) if issue else None)
