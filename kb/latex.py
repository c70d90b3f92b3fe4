r"""Text → BibTeX field values, and back: our own LaTeX encoder and its exact inverse.

bibtexparser's ``LatexEncodingMiddleware`` escapes every brace (``\{``), and a
bare ``\{`` unbalances the entry for the real ``bibtex`` binary, which counts
braces without looking at backslashes. So literal braces become
``{\textbraceleft}``, every command we emit sits inside its own group (so
``change.case$`` never lower-cases ``\L`` into ``\l``), and the only bare
braces in our output are the balanced ones we add.

>>> print(encode_latex("50% of $x_0$ & more"))
50\% of \$x\_0\$ \& more
>>> print(encode_latex("Schölkopf, Łukasz"))
Sch{\"o}lkopf, {\L}ukasz
>>> print(decode_latex_value(encode_latex(r"}{\end{document}")))
}{\end{document}
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Characters BibTeX/LaTeX give a meaning to, as they are written in a value.
_SPECIALS = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"{\textbraceleft}",
    "}": r"{\textbraceright}",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
    "\\": r"{\textbackslash}",
}
# Letters and symbols with a text-mode LaTeX command. Typographic quotes and
# dashes get a command too: '' or -- would decode ambiguously.
_SYMBOLS = {
    "ß": "ss",
    "ø": "o",
    "Ø": "O",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "å": "aa",
    "Å": "AA",
    "ł": "l",
    "Ł": "L",
    "ı": "i",
    "ȷ": "j",
    "‘": "textquoteleft",
    "’": "textquoteright",
    "“": "textquotedblleft",
    "”": "textquotedblright",
    "–": "textendash",
    "—": "textemdash",
    "…": "ldots",
    "«": "guillemotleft",
    "»": "guillemotright",
    "§": "S",
    "¶": "P",
    "©": "textcopyright",
    "®": "textregistered",
    "™": "texttrademark",
    "°": "textdegree",
    "£": "pounds",
    "€": "texteuro",
    "¡": "textexclamdown",
    "¿": "textquestiondown",
    "×": "texttimes",
    "÷": "textdiv",
    "±": "textpm",
    "µ": "textmu",
    "·": "textperiodcentered",
    "•": "textbullet",
    "†": "dag",
    "‡": "ddag",
}
_COMMAND_TEXT = {v: k for k, v in _SYMBOLS.items()} | {
    "textbraceleft": "{",
    "textbraceright": "}",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textbackslash": "\\",
}
# Combining mark → accent command. Punctuation accents take the letter
# directly ({\"o}); letter accents need it braced ({\c{c}}).
_ACCENTS = {
    "\u0301": "'",
    "\u0300": "`",
    "\u0302": "^",
    "\u0308": '"',
    "\u0303": "~",
    "\u0304": "=",
    "\u0307": ".",
    "\u0306": "u",
    "\u030c": "v",
    "\u030b": "H",
    "\u0327": "c",
    "\u0328": "k",
    "\u030a": "r",
    "\u0323": "d",
    "\u0331": "b",
}
_MARKS = {v: k for k, v in _ACCENTS.items()}
# Anything outside printable ASCII (control characters included) or a special.
_NEEDS_WORK = re.compile(r"[^ -~]|[&%$#_{}~^\\]")
# Control characters and line breaks: a value is one logical line.
_CONTROL = {c: " " for c in (*range(0x20), 0x7F, 0x2028, 0x2029)}


def _accented(ch: str) -> str | None:
    r"""``é`` → ``{\'e}``; ``ǘ`` → ``{\'{\"u}}``; None when no accent command can write it."""
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not ("a" <= base.lower() <= "z") or any(m not in _ACCENTS for m in marks):
        return None
    # Dotless i/j under an accent is the classic spelling; \'i works in any modern LaTeX.
    text = base
    for i, mark in enumerate(marks):
        cmd = _ACCENTS[mark]
        inner = text if i == 0 and not cmd.isalpha() else "{" + text + "}"
        text = "\\" + cmd + inner
    return "{" + text + "}"


@lru_cache(maxsize=4096)
def latex_char(ch: str) -> str:
    """One non-ASCII character as LaTeX, or itself when LaTeX has no text-mode name for it.

    >>> latex_char("é"), latex_char("ł"), latex_char("’"), latex_char("中")
    ("{\\\\'e}", '{\\\\l}', '{\\\\textquoteright}', '中')
    """
    if ch in _SYMBOLS:
        return "{\\" + _SYMBOLS[ch] + "}"
    if ch == "\u00a0":
        return "~"  # a tie: the non-breaking space of LaTeX
    accented = _accented(unicodedata.normalize("NFC", ch))
    # CJK, Greek, emoji …: no text-mode command; kept as UTF-8, which bibtex passes through.
    return accented or ch


class _Table(dict):
    """``str.translate`` table: fixed entries for ASCII, computed (and cached) for the rest."""

    def __init__(self, unicode: bool, braces: dict[int, str] | None = None):
        super().__init__({ord(k): v for k, v in _SPECIALS.items()} | _CONTROL | (braces or {}))
        self.unicode = unicode

    def __missing__(self, code: int) -> str:
        value = chr(code) if self.unicode else latex_char(chr(code))
        self[code] = value
        return value


_TABLES = {False: _Table(False), True: _Table(True)}
# \x01 and \x02 become grouping braces: how titles.py marks protected words
# (any control character in the text itself was already turned into a space).
BRACE_MARKERS = {1: "{", 2: "}"}
_MARKED_TABLES = {False: _Table(False, BRACE_MARKERS), True: _Table(True, BRACE_MARKERS)}


def clean_text(text: str) -> str:
    """Control characters and line breaks become spaces (a value is one logical line)."""
    return text.translate(_CONTROL)


def encode_latex(text: str, unicode: bool = False) -> str:
    r"""Escape BibTeX/LaTeX specials; non-ASCII as LaTeX escapes unless ``unicode``.

    >>> print(encode_latex("Grégoire ~ 100%", unicode=True))
    Grégoire {\textasciitilde} 100\%
    """
    if not _NEEDS_WORK.search(text):  # the common case: plain ASCII words
        return text
    if not unicode and not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.translate(_TABLES[unicode])


def encode_marked(text: str, unicode: bool = False) -> str:
    """:func:`encode_latex` for text whose ``\\x01``/``\\x02`` mark groups to brace (other control characters must be gone)."""
    if not unicode and not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.translate(_MARKED_TABLES[unicode])


def encode_verbatim(text: str) -> str:
    """URL, DOI, eprint: written as they are, except what would break the entry.

    Braces, backslashes and whitespace are percent-encoded; they are not
    valid raw in a URL anyway, so the value means the same.

    >>> encode_verbatim("https://x.org/a_b%20c~d#e{x}")
    'https://x.org/a_b%20c~d#e%7Bx%7D'
    """
    text = clean_text(text).strip()
    return text.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C").replace(" ", "%20").replace('"', "%22")


# ---------------------------------------------------------------- decoding

_NAME = re.compile(r"[A-Za-z]+")


def _read_group(s: str, i: int) -> tuple[str, int]:
    r"""Decode the argument of an accent at ``s[i]``: ``{…}``, ``\i`` or one character."""
    if i < len(s) and s[i] == "{":
        depth, j = 1, i + 1
        while j < len(s) and depth:
            depth += {"{": 1, "}": -1}.get(s[j], 0)
            j += 1
        return decode_latex_value(s[i + 1 : j - 1]), j
    if s.startswith("\\i", i) and not s[i + 2 : i + 3].isalpha():
        return "i", i + 2
    if s.startswith("\\j", i) and not s[i + 2 : i + 3].isalpha():
        return "j", i + 2
    return (s[i], i + 1) if i < len(s) else ("", i)


def decode_latex_value(s: str) -> str:
    r"""The exact inverse of :func:`encode_latex` (and of title protection): braces vanish.

    >>> print(decode_latex_value(r"{T-Net} {\textquoteright}s {\c{c}}a {\'{\"u}}"))
    T-Net ’s ça ǘ
    """
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch in "{}":
            i += 1
        elif ch == "~":
            out.append("\u00a0")
            i += 1
        elif ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
        else:
            nxt = s[i + 1]
            m = _NAME.match(s, i + 1)
            if nxt in "&%$#_":
                out.append(nxt)
                i += 2
            elif nxt in "'`^\"~=.":
                base, i = _read_group(s, i + 2)
                out.append(unicodedata.normalize("NFC", base + _MARKS[nxt]))
            elif m and m.group(0) in _MARKS and m.end() < n and s[m.end()] == "{":
                base, i = _read_group(s, m.end())
                out.append(unicodedata.normalize("NFC", base + _MARKS[m.group(0)]))
            elif m and m.group(0) in _COMMAND_TEXT:
                out.append(_COMMAND_TEXT[m.group(0)])
                i = m.end()
                if s.startswith("{}", i):
                    i += 2
            else:  # a command we never write: keep it as text
                out.append(s[i : m.end()] if m else ch + nxt)
                i = m.end() if m else i + 2
    return "".join(out)


def braces_balanced(s: str) -> bool:
    """True when every ``{`` closes, counting the way bibtex does (backslashes ignored)."""
    depth = 0
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
