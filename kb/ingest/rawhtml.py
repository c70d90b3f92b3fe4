"""Raw HTML blocks in a post → blocks: list items become lines, ``<h3>`` a heading, table rows rows.

>>> [b.kind for b in html_blocks("<h3>Talk</h3><p>Jane Roe</p>", 1, Block("html", "", 0, 0))]
['heading', 'html']
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from kb.ingest.blocks import Block, Span


class _HtmlText(HTMLParser):
    """Plain text and links of a raw HTML block; list items become separate lines and
    table rows become rows (a placeholder line stands where each row was)."""

    BREAKS = {
        "li",
        "p",
        "br",
        "div",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "table",
        "dt",
        "dd",
        "summary",
        "details",
        "figcaption",
    }
    HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.links: list[tuple[int, int, str]] = []
        self.rows: list[tuple[list[tuple[str, list[tuple[int, int, str]]]], bool]] = []  # (cells, header?)
        self._open: list[tuple[int, str]] = []
        self._skip = 0
        self._cells: list[tuple[str, list[tuple[int, int, str]]]] | None = None
        self._cell: list[str] | None = None
        self._cell_links: list[tuple[int, int, str]] = []
        self._header = False

    def _pos(self) -> int:
        return len("".join(self._cell)) if self._cell is not None else len(self.text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "tr":
            self._cells, self._header = [], False
        elif tag in ("td", "th") and self._cells is not None:
            self._cell, self._cell_links = [], []
            self._header = self._header or tag == "th"
        elif tag in self.BREAKS and self._cell is None:
            self.text += "\n"
            if tag in self.HEADINGS:
                self.text += f"\x00H{tag[1]}\x00"
        if tag == "a":
            self._open.append((self._pos(), a.get("href") or ""))
        elif tag == "img" and a.get("src"):
            target = self._cell_links if self._cell is not None else self.links
            target.append((self._pos(), self._pos(), "!" + (a.get("src") or "")))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self._open:
            start, href = self._open.pop()
            target = self._cell_links if self._cell is not None else self.links
            target.append((start, self._pos(), href))
        elif tag in ("td", "th") and self._cell is not None and self._cells is not None:
            self._cells.append(("".join(self._cell), self._cell_links))
            self._cell = None
        elif tag == "tr" and self._cells is not None:
            if self._cells:
                self.text += f"\n\x00ROW{len(self.rows)}\x00\n"
                self.rows.append((self._cells, self._header))
            self._cells = None
        elif tag in self.BREAKS and self._cell is None:
            self.text += "\n"

    def handle_data(self, data):
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._cells is None:
            self.text += data


def _html_row(cells, header: list[str], line: int, base: Block) -> Block:
    texts, spans, offset = [], [], 0
    for raw, links in cells:
        cell = " ".join(raw.split())
        lead = len(raw) - len(raw.lstrip())
        for s, e, href in links:
            image = href.startswith("!")
            label = " ".join(raw[s:e].split())
            start = offset + max(0, s - lead)
            spans.append(
                Span(start, start + len(label), href[1:] if image else href, label, line, image=image, raw_href=href)
            )
        texts.append(cell)
        offset += len(cell) + 3
    return Block(
        "row",
        " | ".join(texts),
        line,
        line,
        spans,
        quote=base.quote,
        section=base.section,
        cells=texts,
        header=list(header),
    )


def html_blocks(content: str, line: int, base: Block) -> list[Block]:
    if content.lstrip().startswith("<!--"):
        return []  # an HTML comment is not part of the published post
    parser = _HtmlText()
    try:
        parser.feed(content)
        parser.close()
    except Exception:  # noqa: BLE001 - malformed HTML: keep what was parsed
        pass
    blocks: list[Block] = []
    offset = 0
    header: list[str] = []
    for piece in parser.text.split("\n"):
        start, end = offset, offset + len(piece)
        offset = end + 1
        stripped = piece.strip()
        if not stripped:
            continue
        row = re.fullmatch(r"\x00ROW(\d+)\x00", stripped)
        if row:
            cells, is_header = parser.rows[int(row.group(1))]
            if is_header:
                header = [" ".join(c.split()) for c, _ in cells]
            else:
                blocks.append(_html_row(cells, header, line, base))
            continue
        level = 0
        hm = re.match(r"\s*\x00H(\d)\x00", piece)
        if hm:  # <h3>…</h3>: a heading, like ### …
            level = int(hm.group(1))
            piece = piece[: hm.start()] + " " * (hm.end() - hm.start()) + piece[hm.end() :]
            stripped = piece.strip()
            if not stripped:
                continue
        lead = len(piece) - len(piece.lstrip())
        spans = []
        for s, e, href in parser.links:
            if start <= s <= end and (e <= end or s == e):
                image = href.startswith("!")
                href = href[1:] if image else href
                label = piece[s - start : e - start].strip() if not image else ""
                rel = s - start - lead
                spans.append(Span(max(rel, 0), max(rel, 0) + len(label), href, label, line, image=image, raw_href=href))
        blocks.append(
            Block(
                "heading" if level else "html",
                stripped,
                line,
                line,
                spans,
                level=level,
                quote=base.quote,
                section=base.section,
            )
        )
    return blocks
