"""A post cut into units, the things the line labeller labels: one per line of each text block.

A unit keeps its coordinates in the markdown walk (block index, offsets in the block's text) so the
labels map back to :class:`~kb.ingest.markdown.Block` positions that the later stages (regions,
citations, people, links) already understand. Code blocks are not units; the notes the walk found
inside a code block are.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from functools import cached_property

from kb.ingest.markdown import Block

_LETTERS = re.compile(r"[A-Za-z]+")
_DIGITS = re.compile(r"\d+")
TOKEN = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*\.?|[^\w\s]|_", re.UNICODE)


@dataclass
class Unit:
    block: int
    start: int  # offsets into blocks[block].text
    end: int
    text: str
    line: int
    kind: str  # heading, paragraph, item, row, html, footnote
    level: int  # heading level or list depth
    first: bool  # first line of its block
    bold: bool  # the whole line is emphasised
    lead_emph: bool  # the line starts with an emphasised or linked phrase
    link_cover: float  # share of the line's letters inside links
    n_links: int
    depth: int  # headings above it
    anchor: bool = False  # the line links to a place in the post itself ("[Keynote](#keynote)": a contents entry)

    @cached_property
    def shape(self) -> str:
        """How the line looks, words aside: kind, level, emphasis, and its first characters with letters
        and digits abstracted ("**B. Title**" and "**C. Other**" share one). Talk lists repeat a shape."""
        lead = _LETTERS.sub("a", _DIGITS.sub("0", self.text.strip()[:3]))
        return f"{self.kind}{self.level}|{int(self.bold)}{int(self.lead_emph)}|{lead}"


@dataclass
class Token:
    text: str
    start: int  # offsets into the unit's block text
    end: int
    emph: bool
    link: bool


_last: tuple = ((), frozenset(), [])  # the last (blocks, skip, units): both labellers cut the same post


def units(blocks: list[Block], skip: set[int] = frozenset(), join_wrapped: bool = False) -> list[Unit]:
    """The units of ``blocks`` (a new list; the units are shared with the previous call for the same
    blocks object and skip set: the talk labellers and the paper-mention classifier both ask).
    ``join_wrapped``: a line that only continues a hard-wrapped sentence is part of the unit before it
    (the talk labellers: see :func:`join_wrapped`)."""
    global _last
    last_blocks, last_skip, last_out = _last
    if last_blocks is blocks and last_skip == skip:
        out = last_out
    else:
        out = _units(blocks, skip)
        _last = (blocks, frozenset(skip), out)
    return join_wrapped_lines(blocks, out) if join_wrapped else list(out)


_CONTINUES = re.compile(r"\s*[a-z]")  # a wrapped line goes on in lower case: "models tutorial on"
_NOT_CONTINUING = frozenset({"by", "speaker", "speakers", "presented", "with", "from", "featuring", "and"})


def join_wrapped_lines(blocks: list[Block], us: list[Unit]) -> list[Unit]:
    """Units where a paragraph's or a list item's hard-wrapped lines are one: "Torsten Hothorn, Transformation"
    / "models tutorial on" is one line to its writer's reader. A line continues the one before when it
    starts in lower case and is not a line of its own ("by Jane Doe", "with Ann Roe" under a title)."""
    out: list[Unit] = []
    for u in us:
        prev = out[-1] if out else None
        if (
            prev is not None
            and not u.first
            and prev.block == u.block
            and u.kind in ("paragraph", "item")
            and _CONTINUES.match(u.text)
            and u.text.split(None, 1)[0].rstrip(":,").lower() not in _NOT_CONTINUING
            and not prev.text.rstrip().endswith(":")
        ):
            a, b = sum(map(str.isalnum, prev.text)), sum(map(str.isalnum, u.text))
            out[-1] = replace(
                prev,
                end=u.end,
                text=blocks[u.block].text[prev.start : u.end],
                bold=prev.bold and u.bold,
                link_cover=(prev.link_cover * a + u.link_cover * b) / (a + b) if a + b else 0.0,
                n_links=prev.n_links + u.n_links,
                anchor=prev.anchor or u.anchor,
            )
            continue
        out.append(u)
    return out


def _units(blocks: list[Block], skip: set[int]) -> list[Unit]:
    out: list[Unit] = []
    for i, b in enumerate(blocks):
        if b.kind == "code" or i in skip:
            continue
        pos = 0
        for n, line in enumerate(b.text.split("\n")):
            start, end = pos, pos + len(line)
            pos = end + 1
            stripped = line.strip()
            letters = sum(map(str.isalnum, line))
            if not stripped or not letters:
                continue
            lead = start + len(line) - len(line.lstrip())
            in_link = sum(
                sum(map(str.isalnum, b.text[max(s.start, start) : min(s.end, end)]))
                for s in b.links
                if s.end > start and s.start < end and not s.image
            )
            emph_cover = sum(max(0, min(e, end) - max(s, start)) for s, e in b.emphasis)
            out.append(
                Unit(
                    block=i,
                    start=start,
                    end=end,
                    text=line,
                    line=b.line + n,
                    kind=b.kind,
                    level=b.level,
                    first=n == 0,
                    bold=b.bold or emph_cover >= len(stripped) - 2,
                    lead_emph=any(s <= lead < e for s, e in b.emphasis)
                    or any(s.start <= lead < s.end for s in b.links),
                    link_cover=in_link / letters,
                    n_links=sum(1 for s in b.links if start <= s.start < end and not s.image),
                    depth=len(b.section),
                    anchor=any(
                        s.href.startswith("#") for s in b.links if s.end > start and s.start < end and not s.image
                    ),
                )
            )
    return out


def token_starts(text: str, start: int, end: int) -> tuple[list[str], list[int]]:
    """The :data:`TOKEN` matches in ``text[start:end]`` and where each starts: what ``finditer`` gives,
    several times faster (``findall`` makes no match objects). Every character but whitespace belongs
    to a token, so each token is the first occurrence of its text after the previous one."""
    words = TOKEN.findall(text, start, end)
    starts = []
    find = text.find
    pos = start
    for w in words:
        pos = find(w, pos)
        starts.append(pos)
        pos += len(w)
    return words, starts


def tokens(block: Block, start: int, end: int) -> list[Token]:
    text = block.text
    # only the emphasis and link spans that reach into [start, end) can hold a token starting there
    emph = [(s, e) for s, e in block.emphasis if s < end and e > start]
    links = [(s.start, s.end) for s in block.links if not s.image and s.start < end and s.end > start]
    words, starts = token_starts(text, start, end)
    in_emph, in_link = _inside(starts, emph), _inside(starts, links)
    return [Token(w, a, a + len(w), e, k) for w, a, e, k in zip(words, starts, in_emph, in_link, strict=True)]


def _inside(starts: list[int], spans: list[tuple[int, int]]) -> list[bool]:
    """For each start (in increasing order), whether a span holds it (``s <= start < e``): the starts of a span
    are a run found by bisection, not each start tested against every span."""
    flags = [False] * len(starts)
    for s, e in spans:
        for i in range(bisect_left(starts, s), bisect_left(starts, e)):
            flags[i] = True
    return flags
