"""reStructuredText notes → Markdown the walk understands, line for line.

A sixth of real conference notes are Sphinx/reST (``Title`` over a row of ``=``/``-``/``~``, links as
```text <url>`_``). CommonMark reads ``~~~`` as a code fence and ``^^^`` as text, so such a post
would lose every heading after the first. This rewrites only what the walk needs: section titles
become ATX headings (levels in order of first appearance of each adornment style, as docutils
does), hyperlink references become Markdown links, images become images, roles lose their markup.
Every line stays on its line, so line numbers still point into the original file.
"""

from __future__ import annotations

import re

_ADORN = re.compile(r"^([=\-~^*+#:'\"._])\1{2,}\s*$")  # not ``` (a Markdown fence)
_LINK = re.compile(r"`([^`<>\n]*?)\s*<([^`<>\s]+)>`__?")
_BARE_REF = re.compile(r"`([^`\n]+?)`__?(?!\w)")
_ROLE = re.compile(r":[\w:+-]+:`([^`\n]+)`")
_TARGET = re.compile(r"^\s*\.\.\s+_([^:\n]+):\s*(\S+)\s*$")
_IMAGE = re.compile(r"^(\s*)\.\.\s+(?:image|figure)::\s*(\S+)\s*$")
_DIRECTIVE = re.compile(r"^\s*\.\.\s+[\w-]+::.*$")
_COMMENT = re.compile(r"^\.\.(?:\s+(?![_\[|])\S.*)?$")


def looks_like_rst(text: str, source: str = "") -> bool:
    """A ``.rst`` file, or text whose headings are reST section adornments."""
    if source.lower().endswith((".rst", ".rest")):
        return True
    lines = text.splitlines()
    over = sum(
        1
        for i in range(1, len(lines) - 1)
        if lines[i - 1].strip() == lines[i + 1].strip() and _titled(lines[i], lines[i + 1])
    )
    odd = sum(
        1
        for i in range(1, len(lines))
        if _ADORN.match(lines[i]) and lines[i][0] in "~^*+#'\":._" and _titled(lines[i - 1], lines[i])
    )
    return over > 0 or odd > 0 or len(_LINK.findall(text)) >= 2


def rst_to_markdown(text: str) -> str:
    lines = text.split("\n")
    out = list(lines)
    styles: list[tuple[str, bool]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        title, overline = None, False
        if (
            _ADORN.match(line)
            and i + 2 < len(lines)
            and lines[i + 1].strip()
            and _ADORN.match(lines[i + 2])
            and lines[i + 2].strip()[0] == line.strip()[0]
        ):
            title, overline, char, end = lines[i + 1].strip(), True, line.strip()[0], i + 2
        elif i + 1 < len(lines) and not line.startswith((" ", "\t")) and _titled(line, lines[i + 1]):
            title, char, end = line.strip(), lines[i + 1].strip()[0], i + 1
        if title is not None:
            style = (char, overline)
            if style not in styles:
                styles.append(style)
            level = min(styles.index(style) + 1, 6)
            for j in range(i, end + 1):
                out[j] = ""
            out[i if not overline else i + 1] = "#" * level + " " + _inline(title)
            i = end + 1
            continue
        out[i] = _line(line)
        i += 1
    return "\n".join(out)


def _titled(title: str, adornment: str) -> bool:
    """``title`` over ``adornment`` is a section title: words, underlined about as long as they are
    (not "}" over a closing ``~~~`` fence)."""
    if not _ADORN.match(adornment):  # the cheap test first: most lines are not under a row of "===="
        return False
    t = title.strip()
    return len(adornment.strip()) >= max(3, len(t) - 3) and not _ADORN.match(title) and sum(map(str.isalnum, t)) >= 2


def _line(line: str) -> str:
    m = _IMAGE.match(line)
    if m:
        return f"{m.group(1)}![]({m.group(2)})"
    m = _TARGET.match(line)
    if m:
        return f"[{m.group(1).strip()}]({m.group(2)})"
    if _DIRECTIVE.match(line) or _COMMENT.match(line):
        return ""
    return _inline(line)


def _inline(text: str) -> str:
    if "`" not in text:
        return text
    text = _LINK.sub(lambda m: f"[{m.group(1) or m.group(2)}]({m.group(2)})", text)
    text = _ROLE.sub(lambda m: m.group(1), text)
    return _BARE_REF.sub(lambda m: m.group(1), text)
