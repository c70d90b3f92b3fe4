"""Re-ranking and snippets: pure functions over candidate documents (no database).

The index finds at most a few dozen candidates; here each gets a score from
its full-text rank, how much of the query its title and names cover, a
rapidfuzz similarity of the query to its title, and a small bonus by kind
(a person named exactly what you typed beats a talk that merely mentions them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.search.query import Query, Words, fold

MARK_OPEN, MARK_CLOSE = "«", "»"
_TOKEN = re.compile(r"[^\W_]+")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s+")

KIND_BONUS = {"person": 0.3, "talk": 0.2, "paper": 0.1, "post": 0.0}
UNTITLED = {"talk": "(untitled talk)", "paper": "(untitled paper)", "person": "(unnamed)", "post": "(untitled post)"}


@dataclass(frozen=True)
class Hit:
    """One search result.

    ``snippet`` is plain text in which matched words are wrapped in ``«`` and
    ``»`` (a literal « or » from the source shows as ‹ or ›), so a UI can
    style them without any markup language: see :meth:`parts`.
    ``score`` is higher for better hits and only comparable within one result list.
    """

    kind: str  # "talk" | "paper" | "person" | "post"
    id: int  # primary key in that kind's table
    title: str
    snippet: str
    score: float
    corrected: bool = False  # True when it matched only through typo corrections (always ranked lower)

    def parts(self) -> list[tuple[str, bool]]:
        """The snippet as (text, is_match) pieces.

        >>> Hit("paper", 1, "t", "by «Zoph» and Le", 1.0).parts()
        [('by ', False), ('Zoph', True), (' and Le', False)]
        """
        return split_marks(self.snippet)


def split_marks(snippet: str) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for i, piece in enumerate(re.split(f"[{MARK_OPEN}{MARK_CLOSE}]", snippet)):
        if piece:
            out.append((piece, i % 2 == 1))
    return out


@dataclass(frozen=True)
class Candidate:
    """A document the index returned, with what the ranker needs."""

    kind: str
    id: int
    title: str
    names: str = ""
    body: str = ""
    conf: str = ""
    year: int | None = None
    bm25: float = 0.0  # FTS5 bm25: negative, lower is better; 0 when unknown (LIKE fallback)
    tier: int = 0  # 0: matched as typed; 1: matched only through typo corrections


def _fold_table() -> dict[int, int]:
    """Latin letters (with diacritics, any case) to their plain lower-case letter, one char to one char."""
    table = {}
    for code in range(0x41, 0x250):
        folded = fold(chr(code))
        if len(folded) >= 1 and folded[0] != chr(code):
            table[code] = ord(folded[0])
    return table


_FOLD_1TO1 = _fold_table()


def fold_same_length(text: str) -> str:
    """``fold`` that keeps every offset, so spans found in it mark the original text."""
    return text.lower() if text.isascii() else text.translate(_FOLD_1TO1)


class Matcher:
    """Which folded tokens count as a match: query words as prefixes, corrections exactly."""

    def __init__(self, q: Query, variants: dict[str, Words] | None = None):
        self.prefixes = tuple(dict.fromkeys(w for w in q.all_words + tuple(x for c in q.confs for x in c)))
        self.exact = frozenset(v for vs in (variants or {}).values() for v in vs)
        self.variants = variants or {}
        alternatives = [re.escape(p) + r"[^\W_]*" for p in self.prefixes]
        alternatives += [re.escape(v) + r"(?![^\W_])" for v in sorted(self.exact)]
        # Matches whole tokens of the folded text; \b-like start without treating "_" as a letter.
        self.pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + ")") if alternatives else None

    def matches(self, token: str) -> bool:
        return token in self.exact or any(token.startswith(p) for p in self.prefixes)

    def spans(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Offsets of matching tokens in ``text`` (folded one character per character, in C)."""
        if self.pattern is None:
            return []
        folded = fold_same_length(text)
        return [m.span() for m in self.pattern.finditer(folded, start, len(text) if end is None else end)]

    def strength(self, ws: Words, title: str, names: str) -> float:
        """How well the (folded) title and names cover ``ws``, 0..1: per word 1 in the title, 0.9 in
        the names, 0.3 elsewhere (the index matched it somewhere); a typo correction counts 0.8 of that."""
        if not ws:
            return 0.0
        fields = (set(_TOKEN.findall(title)), 1.0), (set(_TOKEN.findall(names)), 0.9)
        total = 0.0
        for w in ws:
            best = 0.3
            for tokens, weight in fields:
                if any(t.startswith(w) for t in tokens):
                    best = max(best, weight)
                elif tokens.intersection(self.variants.get(w, ())):
                    best = max(best, 0.8 * weight)
            total += best
        return total / len(ws)


def score(c: Candidate, q: Query, m: Matcher, best_bm25: float) -> float:
    """Higher is better. Typo-free hits always beat corrected ones; then how much of the query the
    title and names cover; then kind (person, talk, paper, post), rapidfuzz title similarity and bm25."""
    from rapidfuzz import fuzz  # lazily: kb list and kb stats never rank

    bm25n = c.bm25 / best_bm25 if best_bm25 < 0 and c.bm25 < 0 else 0.5
    title = fold(c.title)
    names = fold(f"{c.title}; {c.names}" if c.kind == "person" else c.names)
    strength = m.strength(q.all_words, title, names)
    # Title similarity only counts when close (the query *is* the title): below that it is noise.
    similarity = fuzz.token_set_ratio(" ".join(q.all_words), title) / 100 if q.all_words else 0.0
    similarity = similarity if similarity >= 0.8 else 0.0
    return round(
        (2.0 if c.tier == 0 else 0.0) + strength + KIND_BONUS.get(c.kind, 0.0) + 0.2 * similarity + 0.1 * bm25n, 4
    )


def snippet_source(c: Candidate) -> str:
    """The text a hit's snippet is cut from: what the title does not already say."""
    if c.kind == "talk":
        return " — ".join(x for x in (c.names, c.body) if x)
    if c.kind == "paper":
        return " · ".join(x for x in (c.names, c.conf, str(c.year) if c.year else "") if x)
    if c.kind == "person":
        return f"also written {c.names}" if c.names else ""
    return c.body


def clean(text: str) -> str:
    """Markdown link and image syntax off, one line.  ``clean("[a](http://x) ![](y.png)\\nb") == 'a b'``"""
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    return _SPACE.sub(" ", text).strip()


def make_snippet(text: str, m: Matcher, width: int = 160) -> str:
    """A window of ``text`` around the first match, matches wrapped in «».

    >>> make_snippet("Talk by Barret Zoph on NAS", Matcher(Query(terms=("zoph",))))
    'Talk by Barret «Zoph» on NAS'
    """
    text = clean(text).replace(MARK_OPEN, "‹").replace(MARK_CLOSE, "›")
    spans = m.spans(text)
    start = 0
    if spans and spans[0][0] > width // 3:
        start = text.rfind(" ", 0, spans[0][0] - width // 4) + 1
    end = len(text) if len(text) - start <= width else max(text.rfind(" ", start, start + width), start + width // 2)
    pieces, pos = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        pieces += [text[pos:a], MARK_OPEN, text[a:b], MARK_CLOSE]
        pos = b
    pieces.append(text[pos:end])
    return ("…" if start > 0 else "") + "".join(pieces).strip() + ("…" if end < len(text) else "")


def rank(candidates: list[Candidate], q: Query, variants: dict[str, Words] | None, limit: int) -> list[Hit]:
    """Score, sort and cut candidates into hits (ties keep the index's order, so output is stable)."""
    # A hit found as typed is marked and scored as typed; only corrected hits show the corrections.
    matchers = (Matcher(q), Matcher(q, variants))
    best = min((c.bm25 for c in candidates if c.bm25 < 0), default=0.0)
    scored = sorted(
        ((score(c, q, matchers[c.tier], best), i, c) for i, c in enumerate(candidates)), key=lambda t: (-t[0], t[1])
    )
    return [
        Hit(
            c.kind,
            c.id,
            c.title or UNTITLED[c.kind],
            make_snippet(snippet_source(c), matchers[c.tier]),
            s,
            corrected=c.tier > 0,
        )
        for s, _, c in scored[:limit]
    ]
