"""The records the markdown walk produces: a :class:`Block` of plain text with its :class:`Span` links.

Every later ingest stage reads these instead of Markdown syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Span:
    """A link (or image) inside a block's text: ``text[start:end]`` is its label."""

    start: int
    end: int
    href: str
    label: str
    line: int
    image: bool = False
    raw_href: str = ""  # as written, before repair of nested/broken targets
    bracketed: bool = False  # "[Name]" with no target at all


@dataclass
class Block:
    kind: str  # heading, paragraph, item, row, code, html, footnote
    text: str
    line: int
    end_line: int
    links: list[Span] = field(default_factory=list)
    level: int = 0  # heading level; list depth for items
    quote: int = 0  # blockquote depth
    section: tuple[str, ...] = ()  # heading texts above this block, outermost first
    lang: str = ""  # code fence info
    cells: list[str] = field(default_factory=list)  # table row cells (plain text)
    header: list[str] = field(default_factory=list)  # the table's header cells
    marker: str = ""  # list marker ("1.", "-"), footnote label ("^1")
    bold: bool = False  # the whole paragraph is bold (a pseudo-heading)
    emphasis: list[tuple[int, int]] = field(default_factory=list)  # italic/bold spans in text


def inline_markdown(block: Block, start: int = 0, end: int | None = None) -> str:
    """The block's text (or a slice of it) with emphasis as ``_…_`` and links as ``[label](url)``.

    Reference parsing uses this: italics mark the venue, links carry DOIs and arXiv ids.
    """
    end = len(block.text) if end is None else end
    inserts: list[tuple[int, int, str]] = []  # (offset, order, text)
    for s, e in block.emphasis:
        if start <= s < e <= end:
            inserts.append((s, 1, "_"))
            inserts.append((e, 0, "_"))
    for span in block.links:
        if start <= span.start <= span.end <= end and span.href and not span.image:
            inserts.append((span.start, 2, "["))
            inserts.append((span.end, -1, f"]({span.href})"))
    inserts.sort(key=lambda x: (x[0], x[1]))
    out, cursor = [], start
    for pos, _, piece in inserts:
        out.append(block.text[cursor:pos])
        out.append(piece)
        cursor = pos
    out.append(block.text[cursor:end])
    return "".join(out)
