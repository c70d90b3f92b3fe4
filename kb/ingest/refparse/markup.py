"""Inline Markdown in reference strings: links, autolinks, escapes, markers.

>>> prepare(r"[3] He, K. [Deep residual](https://arxiv.org/abs/1512.03385). \\_CVPR\\_ 2016.")
('He, K. Deep residual. _CVPR_ 2016.', '[3]', ['https://arxiv.org/abs/1512.03385'])
"""

from __future__ import annotations

import re

from kb.ingest.text import repair, squash

_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+)>")
_ANY_LINK = re.compile(f"{_LINK.pattern}|{_AUTOLINK.pattern}")
_LATEX_EMPH = re.compile(r"\\(?:emph|textit|textsl|textbf)\s*\{([^{}]*)\}")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>\"'])")
# Link texts that only say where the link goes.
_BARE_LABELS = frozenset(
    "pdf link paper code slides html here url project page project page video poster "
    "arxiv doi web website github supplementary bibtex abs".split()
)
MARKER = re.compile(
    r"^\s*(?:[-*+]\s+)?"
    r"(\[\^[^\]\s]{1,30}\]:?|\[[^\]\s]{1,30}\](?!\()|\(\d{1,4}\)|\d{1,3}[.)](?=\s))\s*"
)
_EMPHASIS = re.compile(r"(?<![\w*_])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w*_])")


def _link(m: re.Match[str], urls: list[str]) -> str:
    if m.group(3):  # <https://…> stays in the text as a plain URL
        urls.append(m.group(3))
        return m.group(3)
    label, url = m.group(1), m.group(2)
    urls.append(url)
    if label.strip().lower().strip(" .:") in _BARE_LABELS or not label.strip():
        return ""
    return label


def split_marker(text: str) -> tuple[str | None, str]:
    """Leading list marker and the rest: ``"[3] He…"`` → ``("[3]", "He…")``.

    >>> split_marker("12. Smith, J. A title. 2001.")
    ('12.', 'Smith, J. A title. 2001.')
    """
    m = MARKER.match(text)
    if not m or not text[m.end() :].strip():
        return None, text
    return m.group(1), text[m.end() :]


def prepare(text: str) -> tuple[str, str | None, list[str]]:
    """Repair the text, take link targets out of Markdown links, undo escapes
    and strip the list marker. Emphasis markers stay: the tagger uses them.

    Returns (text for the tagger, marker or None, link URLs in order).
    """
    urls: list[str] = []
    text = repair(_LATEX_EMPH.sub(r"_\1_", text))
    # BibTeX case-protection braces ("t-{SNE}") carry no meaning once accents are decoded.
    text = text.replace("{", "").replace("}", "")
    text = _ANY_LINK.sub(lambda m: _link(m, urls), text)
    text = _ESCAPE.sub(r"\1", text)
    text = squash(text)
    marker, text = split_marker(text)
    return text, marker, urls


def strip_emphasis(text: str) -> str:
    """``_Proceedings of …_`` → ``Proceedings of …``; ``**bold**`` → ``bold``.

    >>> strip_emphasis("_Nature_ 521(7553)")
    'Nature 521(7553)'
    """
    if "*" not in text and "_" not in text:  # (every match holds one)
        return text
    return _EMPHASIS.sub("", text)
