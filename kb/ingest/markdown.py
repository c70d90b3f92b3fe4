"""Markdown walk: a post body → a flat list of :class:`Block` in reading order.

Built on markdown-it-py tokens (CommonMark + tables + footnotes + raw HTML).
Each block carries its plain text, the links inside it with their offsets in
that text, its 1-based line in the file and the heading path above it, so the
later stages never look at Markdown syntax again.

Liquid/Hugo template tags are neutralised first, line count preserved, so
line numbers always point into the original file.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from kb.ingest.blocks import Block, Span, inline_markdown  # noqa: F401  (re-exported: the walk's records)
from kb.ingest.rawhtml import html_blocks
from kb.ingest.text import repair

_md = (
    MarkdownIt("commonmark", {"html": True, "maxNesting": 100})
    .enable("table")
    .enable("strikethrough")
    .use(footnote_plugin)
)


# ---------------------------------------------------------------- preprocessing

_LIQUID_HIGHLIGHT = re.compile(r"\{%-?\s*highlight\s+(\w+)[^%]*-?%\}(.*?)\{%-?\s*endhighlight\s*-?%\}", re.S)
_LIQUID_TAG = re.compile(r"\{%-?.*?-?%\}", re.S)
_LIQUID_OUTPUT = re.compile(r"\{\{-?(?![<%]).*?-?\}\}", re.S)
_HUGO_FIGURE = re.compile(r"\{\{[<%]\s*figure\b(.*?)[>%]\}\}", re.S)
_HUGO_SHORTCODE = re.compile(r"\{\{[<%]\s*/?\s*[\w-]+.*?[>%]\}\}", re.S)
_LIQUID_END = re.compile(r"\{%-?\s*+endhighlight\s*+-?%\}")
_HUGO_END = re.compile(r"[>%]\}\}")
_ATTR = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))')


def _keep_lines(replacement: str, original: str) -> str:
    """Pad a replacement with newlines so the line count is unchanged."""
    missing = original.count("\n") - replacement.count("\n")
    return replacement + "\n" * max(missing, 0)


def _sub_closed(pattern: re.Pattern[str], closer: str | re.Pattern[str], repl, body: str) -> str:
    """``pattern.sub(repl, body)`` for a pattern ``opener.*?closer``, in linear time.

    An opener with no closer after it makes ``.*?`` scan to the end of the text, from every such opener:
    ``"{% " * 60000`` took 90 s. Only the text up to the last closer can hold a match, and there every
    opener finds its closer; the rest is left alone.
    """
    if isinstance(closer, str):
        end = body.rfind(closer)
        end = -1 if end < 0 else end + len(closer)
    else:
        end = max((m.end() for m in closer.finditer(body)), default=-1)
    if end < 0:
        return body
    return pattern.sub(repl, body[:end]) + body[end:]


def preprocess(body: str) -> str:
    """Neutralise template syntax: ``{% highlight %}`` → fenced code, shortcodes → nothing/images."""

    def highlight(m: re.Match[str]) -> str:
        code = m.group(2).strip("\n")
        return _keep_lines(f"```{m.group(1)}\n{code}\n```", m.group(0))

    def figure(m: re.Match[str]) -> str:
        attrs = {a.group(1): a.group(2) or a.group(3) or a.group(4) for a in _ATTR.finditer(m.group(1))}
        src = attrs.get("src", "")
        alt = attrs.get("alt") or attrs.get("caption") or attrs.get("title") or ""
        return _keep_lines(f"![{alt}]({src})" if src else "", m.group(0))

    def blank(m: re.Match[str]) -> str:
        return _keep_lines("", m.group(0))

    if "{" not in body:
        return body
    body = _sub_closed(_LIQUID_HIGHLIGHT, _LIQUID_END, highlight, body)
    body = _sub_closed(_HUGO_FIGURE, _HUGO_END, figure, body)
    body = _sub_closed(_HUGO_SHORTCODE, _HUGO_END, blank, body)
    body = _sub_closed(_LIQUID_TAG, "%}", blank, body)
    return _sub_closed(_LIQUID_OUTPUT, "}}", blank, body)


# Brackets markdown-it cannot make a link of, yet tries to, at ~30-250 µs each (the label scan recurses up to
# maxNesting deep from every one): 60,000 "[(" took 5 s, 128,000 "![" 60 s, whatever the size cap. A post
# holds a handful; past this many in one body they are escaped before parsing.
MAX_BARE_BRACKETS = 256
MAX_BRACKET_DEPTH = 16  # "[[[…]]]" this deep is no link text
BRACKET_STANDIN = "\ue05b"  # a private-use character: never a Markdown delimiter
_BRACKET_SCAN = re.compile(r"\\[\s\S]|\[|\]|\n[ \t]*(?=\n)|^ {0,3}(?:`{3,}|~{3,})", re.MULTILINE)


def defuse_brackets(body: str) -> str:
    """``body`` with its hopeless ``[`` replaced by :data:`BRACKET_STANDIN` when there are more than
    :data:`MAX_BARE_BRACKETS` of them (:func:`walk` turns the stand-ins back into ``[`` after parsing).

    Hopeless: no ``]`` closes it before the paragraph ends, or it is nested deeper than
    :data:`MAX_BRACKET_DEPTH`; it could never open a link, and markdown-it shows it as it is. The stand-in is
    plain text to markdown-it (read in runs, not one token each as a backslash escape would be) and one
    character like ``[``, so lengths, offsets and lines are unchanged. Fenced code is left alone; a normal
    post comes back as it is (one regex pass over its brackets).
    """
    if body.count("[") <= MAX_BARE_BRACKETS:
        return body
    hopeless: list[int] = []
    stack: list[int] = []
    fence = ""
    for m in _BRACKET_SCAN.finditer(body):
        token = m.group()
        if token[0] == "\\":
            continue
        if token.lstrip(" ")[:1] in ("`", "~"):  # a fence line opens or closes code; it ends a paragraph too
            mark = token.lstrip(" ")[0]
            fence = "" if fence == mark else (fence or mark)
            hopeless += stack
            stack.clear()
        elif fence:
            continue
        elif token == "[":
            stack.append(m.start())
        elif token == "]":
            if stack:
                start = stack.pop()
                if len(stack) >= MAX_BRACKET_DEPTH:
                    hopeless.append(start)
        else:  # a blank line: the paragraph ends, its open brackets never close
            hopeless += stack
            stack.clear()
    hopeless += stack
    if len(hopeless) <= MAX_BARE_BRACKETS:
        return body
    chars = list(body)
    for pos in hopeless:
        chars[pos] = BRACKET_STANDIN
    return "".join(chars)


def _restore_brackets(tokens: list[Token]) -> None:
    """Stand-ins back to ``[`` in what the walk reads of the tokens: text, code, link targets."""
    for tok in tokens:
        for t in [tok, *(tok.children or [])]:
            if BRACKET_STANDIN in t.content:
                t.content = t.content.replace(BRACKET_STANDIN, "[")
            for name, value in t.attrs.items():
                if isinstance(value, str) and BRACKET_STANDIN in value:
                    t.attrs[name] = value.replace(BRACKET_STANDIN, "[")


# ---------------------------------------------------------------- inline rendering

_NESTED_TARGET = re.compile(r"^\[?(?P<a>[^\]\s]*)\]?\((?P<b>[^)\s]*)\)?$")


def repair_href(href: str) -> tuple[str, bool]:
    """Return (usable URL, malformed?) for a link target as markdown-it saw it.

    ``[x]([https://a](https://a))`` arrives as ``%5Bhttps://a%5D(https://a)``.
    """
    target = unquote(href).strip() if "%5B" in href or "%5D" in href or "%28" in href else href.strip()
    if "](" in target or target.startswith("["):
        m = _NESTED_TARGET.match(target)
        if m:
            return (m.group("b") or m.group("a")).strip("<>"), True
        urls = re.findall(r"(?:https?://|www\.)[^\s\[\]()]+", target)
        return (urls[-1] if urls else target), True
    return target, False


class _InlineRenderer:
    """Plain text of an inline token stream, with link spans and emphasis spans."""

    def __init__(self, line: int):
        self.parts: list[str] = []
        self.len = 0
        self.line = line
        self.links: list[Span] = []
        self.emphasis: list[tuple[int, int]] = []
        self._link_stack: list[tuple[int, str, str]] = []
        self._em_stack: list[int] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.len += len(text)

    def render(self, tokens: list[Token]) -> None:
        struck = 0
        for tok in tokens:
            t = tok.type
            if t == "s_open":
                struck += 1  # ~~Yonatan Bisk~~ **Yonatan Belinkov**: struck-out text was corrected away
                continue
            if t == "s_close":
                struck = max(0, struck - 1)
                continue
            if struck and t in ("text", "code_inline"):
                continue
            if t == "text":
                self.add(tok.content)
            elif t in ("softbreak", "hardbreak"):
                self.add("\n")
                self.line += 1
            elif t == "code_inline":
                self.add(tok.content)
            elif t == "link_open":
                raw = str(tok.attrs.get("href", ""))
                self._link_stack.append((self.len, raw, tok.markup))
            elif t == "link_close" and self._link_stack:
                start, raw, markup = self._link_stack.pop()
                label = "".join(self.parts)[start:]
                href, _ = repair_href(raw)
                if markup == "autolink":
                    label = href
                self.links.append(Span(start, self.len, href, label, self.line, raw_href=raw))
            elif t == "image":
                alt = tok.content or "".join(c.content for c in (tok.children or []))
                src = str(tok.attrs.get("src", ""))
                start = self.len
                self.add(alt)
                self.links.append(Span(start, self.len, src, alt, self.line, image=True, raw_href=src))
            elif t in ("em_open", "strong_open"):
                self._em_stack.append(self.len)
            elif t in ("em_close", "strong_close") and self._em_stack:
                self.emphasis.append((self._em_stack.pop(), self.len))
            elif t == "footnote_ref":
                label = tok.meta.get("label", str(tok.meta.get("id", "")))
                self.add(f"[^{label}]")
            elif t == "html_inline":
                self._html_inline(tok.content)
            elif tok.children:
                self.render(tok.children)

    def _html_inline(self, content: str) -> None:
        # <a href="…">text</a> arrives as three tokens: open tag, text, close tag.
        m = re.match(r"<a\s[^>]*href\s*=\s*[\"']?([^\"'\s>]*)", content, re.I)
        if m:
            self._link_stack.append((self.len, html.unescape(m.group(1)), "html"))
        elif re.match(r"</a\s*>", content, re.I) and self._link_stack:
            start, raw, _ = self._link_stack.pop()
            label = "".join(self.parts)[start:]
            href, _ = repair_href(raw)
            self.links.append(Span(start, self.len, href, label, self.line, raw_href=raw))
        elif re.match(r"<br\s*/?>", content, re.I):
            self.add("\n")
        else:
            img = re.match(r"<img\s[^>]*src\s*=\s*[\"']?([^\"'\s>]*)", content, re.I)
            if img:
                alt = re.search(r"alt\s*=\s*[\"']([^\"']*)", content, re.I)
                start = self.len
                self.add(alt.group(1) if alt else "")
                self.links.append(Span(start, self.len, img.group(1), "", self.line, image=True, raw_href=img.group(1)))

    @property
    def text(self) -> str:
        return "".join(self.parts)


_BRACKETED = re.compile(r"(?<![\]\w!])\[([^\[\]\n]{2,80})\](?![(\[:])")


def _bracketed_names(text: str, line: int, links: list[Span]) -> list[Span]:
    """``[Dr. Sung-Ho Bae]`` — a link whose target was forgotten: keep it as a span without href."""
    if "[" not in text:  # (most blocks: the pattern needs one)
        return []
    out = []
    for m in _BRACKETED.finditer(text):
        inner = m.group(1)
        if re.fullmatch(r"[\d,\s\-–^]+|[A-Z][A-Za-z]+\d{2,4}[a-z]?|\^?\w+", inner) and not re.search(
            r"\s", inner.strip()
        ):
            continue  # a cite marker ([3], [He2016], [^1]), not a forgotten link
        if re.fullmatch(r"[\d,\s\-–]+", inner):
            continue
        if any(s.start <= m.start() < s.end for s in links):
            continue
        out.append(Span(m.start(1), m.end(1), "", inner, line, bracketed=True))
    return out


_BARE_URL = re.compile(r"(?<![\w(\[<\"'=/])(?:https?://|www\.)[^\s<>\"'\]\[]+[^\s<>\"'\]\[.,;:!?)]")


def _bare_urls(text: str, line: int, links: list[Span]) -> list[Span]:
    """``https://doi.org/…`` typed without Markdown link syntax is still a link."""
    if "://" not in text and "www." not in text:  # (most blocks: the pattern needs one, in these letters)
        return []
    out = []
    for m in _BARE_URL.finditer(text):
        if any(s.start <= m.start() < s.end for s in links):
            continue
        url = m.group(0)
        if url.count(")") > url.count("("):
            url = url[: url.rfind(")")]
        out.append(Span(m.start(), m.start() + len(url), url, url, line, raw_href=url))
    return out


# ---------------------------------------------------------------- the walk


_TEXT_LANGS = {"", "text", "txt", "plain", "plaintext", "markdown", "md", "notes", "note"}


def _notes_in_code(lang: str, content: str) -> bool:
    """A code block that holds prose notes rather than code or BibTeX."""
    if lang not in _TEXT_LANGS or re.search(r"^\s*@\w+\s*\{", content, re.M):
        return False
    words = re.findall(r"[A-Za-z]{3,}", content)
    symbols = len(re.findall(r"[{};=<>()$]", content))
    return len(words) >= 5 and symbols < len(words) / 2


def walk(body: str, line_offset: int = 0, _depth: int = 0) -> list[Block]:
    """Blocks of a post body in reading order; ``line_offset`` = lines of front matter."""
    depth = _depth
    text = repair(preprocess(body)) if depth == 0 else body
    defused = defuse_brackets(text)
    tokens = _md.parse(defused)
    if defused is not text:
        _restore_brackets(tokens)
    blocks: list[Block] = []
    section: list[tuple[int, str]] = []  # (level, text)
    quote = 0
    list_depth = 0
    item_markers: list[str] = []
    in_footnote: str | None = None
    table_header: list[str] = []
    row_cells: list[tuple[_InlineRenderer, int]] = []
    in_thead = False
    pending_heading: int | None = None
    item_first_para = False

    def sect() -> tuple[str, ...]:
        return tuple(t for _, t in section)

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        t = tok.type
        line = (tok.map[0] + 1 + line_offset) if tok.map else None
        if t == "blockquote_open":
            quote += 1
        elif t == "blockquote_close":
            quote = max(0, quote - 1)
        elif t in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif t in ("bullet_list_close", "ordered_list_close"):
            list_depth = max(0, list_depth - 1)
        elif t == "list_item_open":
            marker = (tok.info + tok.markup) if tok.info else tok.markup
            item_markers.append(marker)
            item_first_para = True
        elif t == "list_item_close":
            if item_markers:
                item_markers.pop()
        elif t == "heading_open":
            pending_heading = int(tok.tag[1])
        elif t == "footnote_open":
            in_footnote = str(tok.meta.get("label", tok.meta.get("id", "")))
        elif t == "footnote_close":
            in_footnote = None
        elif t == "thead_open":
            in_thead, table_header = True, []
        elif t == "thead_close":
            in_thead = False
        elif t == "tr_open":
            row_cells = []
        elif t == "tr_close":
            if not in_thead and row_cells:
                blocks.append(_row_block(row_cells, table_header, quote, sect()))
        elif t in ("fence", "code_block"):
            lang = (tok.info or "").strip().split(" ")[0].lower()
            blocks.append(
                Block(
                    "code",
                    tok.content,
                    line or 0,
                    (tok.map[1] + line_offset) if tok.map else 0,
                    quote=quote,
                    section=sect(),
                    lang=lang,
                )
            )
            if _notes_in_code(lang, tok.content) and depth < 2:
                # People type notes into ```text blocks: read them as Markdown too.
                start = (line or 1) + (1 if t == "fence" else -1)
                for inner in walk(tok.content, start, _depth=depth + 1):
                    inner.section = sect() + inner.section
                    inner.quote += quote
                    blocks.append(inner)
        elif t == "html_block":
            for hb in html_blocks(tok.content, line or 0, Block("html", "", 0, 0, quote=quote, section=sect())):
                if hb.kind == "heading":  # <h3> in raw HTML opens a section like ###
                    while section and section[-1][0] >= hb.level:
                        section.pop()
                    hb.section = sect()
                    section.append((hb.level, hb.text))
                else:
                    hb.section = sect()
                blocks.append(hb)
        elif t == "inline":
            r = _InlineRenderer(line or 0)
            r.render(tok.children or [])
            text = r.text
            parent = tokens[i - 1].type if i else ""
            if parent in ("th_open", "td_open"):
                if in_thead:
                    table_header.append(text.strip())
                else:
                    row_cells.append((r, line or 0))
            elif pending_heading is not None:
                heading = text.strip()
                while section and section[-1][0] >= pending_heading:
                    section.pop()
                lead = len(text) - len(text.lstrip())
                spans = [
                    Span(x.start - lead, x.end - lead, x.href, x.label, x.line, x.image, x.raw_href) for x in r.links
                ]
                blocks.append(
                    Block(
                        "heading",
                        heading,
                        line or 0,
                        line or 0,
                        spans,
                        level=pending_heading,
                        quote=quote,
                        section=sect(),
                    )
                )
                section.append((pending_heading, heading))
                pending_heading = None
            else:
                blocks.append(
                    _text_block(
                        r, tok, line, line_offset, quote, sect(), list_depth, item_markers, item_first_para, in_footnote
                    )
                )
                item_first_para = False
        i += 1
    return blocks


def _text_block(
    r: _InlineRenderer,
    tok: Token,
    line,
    line_offset,
    quote,
    section,
    list_depth,
    item_markers,
    item_first_para,
    in_footnote,
) -> Block:
    text = r.text
    links = r.links + _bracketed_names(text, line or 0, r.links) + _bare_urls(text, line or 0, r.links)
    links.sort(key=lambda s: s.start)
    end_line = (tok.map[1] + line_offset) if tok.map else (line or 0)
    stripped = text.strip()
    bold = bool(r.emphasis) and any(e - s >= len(stripped) - 1 for s, e in r.emphasis) and len(stripped) < 120
    if in_footnote is not None:
        kind, marker = "footnote", f"^{in_footnote}"
    elif item_markers:
        kind, marker = "item", item_markers[-1] if item_first_para else ""
    else:
        kind, marker = "paragraph", ""
    return Block(
        kind,
        text,
        line or 0,
        end_line,
        links,
        level=list_depth,
        quote=quote,
        section=section,
        marker=marker,
        bold=bold,
        emphasis=r.emphasis,
    )


def _row_block(cells: list[tuple[_InlineRenderer, int]], header: list[str], quote: int, section) -> Block:
    texts: list[str] = []
    spans: list[Span] = []
    offset = 0
    line = cells[0][1] if cells else 0
    for r, _ in cells:
        raw = r.text
        cell = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        for s in r.links:
            shift = offset - lead
            spans.append(Span(s.start + shift, s.end + shift, s.href, s.label, line, s.image, s.raw_href))
        texts.append(cell)
        offset += len(cell) + 3
    return Block(
        "row", " | ".join(texts), line, line, spans, quote=quote, section=section, cells=texts, header=list(header)
    )
