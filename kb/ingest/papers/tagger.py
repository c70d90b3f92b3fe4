"""Papers named in prose: candidate spans of each line (:mod:`~kb.ingest.papers.candidates`) judged
by a maximum-entropy classifier (python-crfsuite over one-item sequences), the best non-overlapping
ones per line kept as :class:`Mention` records (title, authors, year, where it was found).

The model is trained by ``python -m training.train_papers`` on our annotations of real notes
(a candidate is positive when it spells a gold paper's title) and shipped beside this module with
its sha256 in ``model.json``. Without the model file nothing is found; the reference-list and link
stages run as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pycrfsuite

from kb.ingest.markdown import Block
from kb.ingest.papers.bound import ScoreBound, score_bound
from kb.ingest.papers.candidates import Candidate, candidates
from kb.ingest.papers.features import LATE, candidate_features, line_context, line_words
from kb.ingest.people import looks_like_person, split_display
from kb.ingest.records import Name
from kb.ingest.talks.model import tagger as load_tagger
from kb.ingest.talks.units import Unit, units

HERE = Path(__file__).parent
MODEL = HERE / "papers.crfsuite"
THRESHOLD = 0.7  # the classifier's probability a candidate must reach to be a paper


def tagger(path: Path | None = None) -> pycrfsuite.Tagger | None:
    return load_tagger(path or MODEL)


@dataclass
class Mention:
    title: str
    block: int
    start: int  # offsets of the title in the block's text
    end: int
    line: int
    text: str  # the mention as written: the title with its byline, if any
    span: tuple[int, int] = (0, 0)  # offsets of ``text`` in the block's text
    authors: list[Name] = field(default_factory=list)
    et_al: bool = False
    year: int | None = None
    book: bool = False
    confidence: float = 1.0


def line_candidates(
    blocks: list[Block], skip: set[int], bound: ScoreBound | None = None, threshold: float = THRESHOLD
) -> list[tuple[Unit, list[Candidate], list[list[str] | None]]]:
    """(line, its candidates, their features) for every line of text outside reference lists and code.

    With a ``bound``, the features of a candidate that cannot reach ``threshold`` are None."""
    out = []
    for u in units(blocks, skip):
        block = blocks[u.block]
        cs = candidates(block, u, u.block)
        if cs:
            lw = line_words(block, u)
            shared = line_context(block, u, lw)
            keep = None
            if bound is not None:
                base = bound.score(shared)

                def keep(early: list[str], base: float = base) -> bool:
                    return bound.may_pass(base + bound.score(early), threshold)

            out.append((u, cs, [candidate_features(block, u, c, shared, lw, keep) for c in cs]))
    return out


def find_mentions(
    blocks: list[Block], skip: set[int], model: Path | None = None, threshold: float | None = None
) -> list[Mention]:
    t = tagger(model)
    threshold = THRESHOLD if threshold is None else threshold
    if t is None:
        return []
    bound = score_bound(t, LATE)
    out = []
    for u, cs, feats in line_candidates(blocks, skip, bound, threshold):
        scored = []
        for c, f in zip(cs, feats, strict=False):
            if f is None:  # its score's upper bound is under the threshold
                continue
            t.set([f])
            p = t.marginal("P", 0)
            if p >= threshold:
                scored.append((p, c))
        taken: list[tuple[int, int]] = []
        for p, c in sorted(scored, key=lambda x: (-x[0], x[1].start)):
            if any(c.start < e and s < c.end for s, e in taken):
                continue
            taken.append((c.start, c.end))
            out.append(_mention(blocks[u.block], u, c, p))
    out.sort(key=lambda m: (m.block, m.start))
    return out


_BOOK = re.compile(r"\bbooks?\b", re.IGNORECASE)
_BYLINE = re.compile(
    r"^[\s\"”'’*_]*(?:[(,.]\s*|[-–—]{1,2}\s*|by\s+)?((?:[A-Z][\w'’.-]*\s+){0,2}[A-Z][\w'’-]+)"
    r"((?:\s*(?:,|&|and)\s*(?:[A-Z][\w'’.-]*\s+)?[A-Z][\w'’-]+)*)(\s*,?\s*et\.?\s*al\.?)?"
    r"(?:,?\s*((?:19|20)\d{2})[a-z]?)?\)?"
)
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’"}


def _mention(block: Block, unit: Unit, c: Candidate, p: float) -> Mention:
    text = block.text
    line = text[unit.start : unit.end]
    after = text[c.end : unit.end]
    authors: list[Name] = []
    et_al = False
    start, end = c.start, c.end
    if start > unit.start and _QUOTES.get(text[start - 1]) == text[end : end + 1]:
        start, end = start - 1, end + 1  # the mention as written keeps its quotes
    year = None
    m = _BYLINE.match(after)
    if m and not re.match(r"\s*[(,]?\s*(?:19|20)\d{2}", after):
        names = [m.group(1)] + [n for n in re.split(r"\s*(?:,|&|\band\b)\s*", m.group(2) or "") if n]
        if all(looks_like_person(n) or len(n.split()) == 1 for n in names):
            authors = [_name(n) for n in names if n.strip()]
            et_al = bool(m.group(3))
            year = int(m.group(4)) if m.group(4) else None
            end = c.end + m.end()
    return Mention(
        title=c.text.strip(),
        block=c.block,
        start=c.start,
        end=c.end,
        line=unit.line,
        text=text[start:end].strip(),
        span=(start, end),
        authors=authors,
        et_al=et_al,
        year=year,
        book=bool(_BOOK.search(line)),
        confidence=round(p, 2),
    )


def _name(display: str) -> Name:
    n = split_display(display.strip())
    return Name(family=n.family, given=n.given)
