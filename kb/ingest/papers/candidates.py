"""Where a paper or book can be named on a line of notes: the candidate spans the mention classifier
judges. Writers set titles apart in a few ways — quotes, emphasis, link text, a line or list item of
its own, one side of a separator ("Title - Author", "Title by Author", "Author: Title",
"Title (Doe et al.)") — so the candidates are exactly those pieces, never arbitrary word runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.ingest.markdown import Block
from kb.ingest.talks.units import Unit

_QUOTE = re.compile(r"[\"“]([^\"“”\n]{3,300})[\"”]")
_LEAD = re.compile(
    r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+|#+\s*|\\-\s*|>\s*)*(?::[a-z_]+:\s*)*(?:\((?:poster|demo|could not attend|"
    r"oral|spotlight|talk|paper|book)\)\s*)*",
    re.IGNORECASE,
)
# (Every separator starts with a space or one of ( [ ) ] : , ; . — the lookahead says so first, which spares
# the regex engine trying each alternative at every other character: the same matches, ~2.5x faster.)
_SEP = re.compile(
    r"(?=[\s(\[)\]:,;.])(?:\s+[-–—]{1,2}\s+|\s+by\s+|\s*[(\[]|\s*[)\]]|:\s+|,\s+|;\s+|(?<=\w\w)\.\s+(?=[A-Z])|\s+-->\s+)"
)


MAX_LINE_WORDS = 40  # longer lines offer only their quoted, emphasised and linked spans
MAX_PIECES = 12  # a line cut into more pieces than this is not a title with a byline (and stays linear)


@dataclass
class Candidate:
    block: int
    start: int  # offsets in the block's text
    end: int
    text: str
    source: str  # quote, emph, link, line, part
    index: int = 0  # for parts: which piece of the line (0 = first)
    pieces: int = 1


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t*_`\"“”'‘’«»,;:.([{":
        start += 1
    while end > start and text[end - 1] in " \t*_`\"“”'‘’«»,;:.)]}\\":
        end -= 1
    return start, end


def candidates(block: Block, unit: Unit, block_index: int) -> list[Candidate]:
    text = block.text
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()

    def add(s: int, e: int, source: str, index: int = 0, pieces: int = 1) -> None:
        s, e = _trim(text, s, e)
        if e - s < 4 or (s, e) in seen:  # the cheap tests first (all of them are pure: any order rejects alike)
            return
        span = text[s:e]
        if len(span.split()) > 30 or not any(map(str.isalpha, span)):
            return
        seen.add((s, e))
        out.append(Candidate(block_index, s, e, span, source, index, pieces))

    for m in _QUOTE.finditer(text, unit.start, unit.end):
        add(m.start(1), m.end(1), "quote")
    for s, e in block.emphasis:
        if unit.start <= s < unit.end:
            add(s, min(e, unit.end), "emph")
    for span in block.links:
        if not span.image and unit.start <= span.start < unit.end and span.label:
            i = text.find(span.label, span.start, span.end)
            if i >= 0:
                add(i, i + len(span.label), "link")
    if len(text[unit.start : unit.end].split()) > MAX_LINE_WORDS:
        return out  # a line of prose: titles in it are set apart by quotes, emphasis or links
    lead = _LEAD.match(text, unit.start, unit.end)
    body_start = lead.end() if lead else unit.start
    add(body_start, unit.end, "line")
    bounds = (
        [body_start] + [x for m in _SEP.finditer(text, body_start, unit.end) for x in (m.start(), m.end())] + [unit.end]
    )
    pieces = [(bounds[k], bounds[k + 1]) for k in range(0, len(bounds) - 1, 2)][:MAX_PIECES]
    for n, (s, e) in enumerate(pieces):
        add(s, e, "part", n, len(pieces))
    # "Title: Subtitle - Author": the pieces before the byline joined again
    for n in range(1, min(len(pieces), 4)):
        add(pieces[0][0], pieces[n][1], "prefix", n, len(pieces))
    return out
