"""Markdown as people type it → CommonMark, line for line.

Old renderers (and many note-takers) accept ``###Title`` without the space CommonMark requires, so
a post written that way has no headings at all to a CommonMark parser. Lines of two to six ``#``
directly followed by a word become headings; fenced code is left alone (``#include``, ``##`` in a
shell comment), and a single ``#`` stays a hashtag.
"""

from __future__ import annotations

import re

_TIGHT_HEADING = re.compile(r"^(#{2,6})(?=[^\W_]|[*_\"'(\[])")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def loose_headings(body: str) -> str:
    if "##" not in body:
        return body
    out = []
    fence = None
    for line in body.split("\n"):
        m = _FENCE.match(line)
        if m:
            mark = m.group(1)[0]
            fence = None if fence == mark else (fence or mark)
        elif fence is None:
            line = _TIGHT_HEADING.sub(r"\1 ", line)
        out.append(line)
    return "\n".join(out)
