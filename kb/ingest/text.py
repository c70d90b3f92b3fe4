"""Text repair shared by every ingest stage: mojibake, LaTeX accents, whitespace.

>>> repair("Montavon, Gr√©goire")
'Montavon, Grégoire'
>>> repair("Sch{\\\"o}lkopf")
'Schölkopf'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# ftfy's defaults, minus the ones that would change meaning in notes
# (we keep curly quotes as written; they help to find quoted titles).
_FTFY_OPTIONS = {"uncurl_quotes": False, "fix_latin_ligatures": True, "normalization": "NFC", "explain": False}
_MAX_DECODE = 1_000_000  # ftfy's max_decode_length (its default; set explicitly below, read here without ftfy)
_ftfy_configs: list = []  # [ftfy's config, the same without HTML unescaping], made with the first text to fix


def _ftfy_config(unescape: bool = True):
    """The ftfy config (ftfy is imported on first use: ~35 ms, and plain-ASCII text never needs it)."""
    if not _ftfy_configs:
        import ftfy

        config = ftfy.TextFixerConfig(**_FTFY_OPTIONS, max_decode_length=_MAX_DECODE)
        _ftfy_configs.extend((config, config._replace(unescape_html=False)))
    return _ftfy_configs[0 if unescape else 1]


def __getattr__(name: str):
    if name == "_FTFY_CONFIG":  # the config, as tests and callers named it when ftfy was imported eagerly
        return _ftfy_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_LATEX_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_LATEX_SYMBOLS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "&": "&",
    "%": "%",
    "$": "$",
    "#": "#",
    "_": "_",
}
# {\'e}, \'{e}, \'e, {\"{o}}, \c{c}, \v{s}
_ACCENT_RE = re.compile(
    r"""\{?\\(?P<cmd>['`^"~=.]|[uvHckr](?=[{\s]))\s*(?:\{(?P<a>\\?[A-Za-z])\}|(?P<b>\\?[A-Za-z]))\}?"""
)
_SYMBOL_RE = re.compile(r"\{?\\(?P<sym>ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])\s*(?:\{\})?\}?|\\(?P<esc>[&%$#_])")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\ufe00-\ufe0f]")


def _accent(m: re.Match[str]) -> str:
    base = m.group("a") or m.group("b")
    if base in ("\\i", "\\j"):
        base = base[1]
    elif base.startswith("\\"):
        return m.group(0)
    return unicodedata.normalize("NFC", base + _LATEX_ACCENTS[m.group("cmd")])


def _symbol(m: re.Match[str]) -> str:
    if m.group("esc"):
        return m.group("esc")
    return _LATEX_SYMBOLS[m.group("sym")]


def decode_latex(text: str) -> str:
    """Turn LaTeX accent commands into Unicode: ``{\\'e}`` → ``é``, ``\\ss`` → ``ß``."""
    if "\\" not in text:
        return text
    text = _ACCENT_RE.sub(_accent, text)
    return _SYMBOL_RE.sub(_symbol, text)


def fix_mojibake(text: str) -> str:
    """Repair UTF-8-read-as-Latin-1/MacRoman mojibake (``Gr√©goire`` → ``Grégoire``).

    What ``ftfy.fix_text(text, _FTFY_CONFIG)`` gives, line by line as it goes, but a line of plain
    ASCII (no "&", no control character but tab and newline), or of ASCII, curly quotes, dashes and
    ellipses (:data:`_PLAIN_TYPOGRAPHY`), is passed over: every fix ftfy would try leaves such a line as it is,
    and most lines of a post with a few curly quotes are such lines.
    Its one piece of state is kept too: once a line holds "<", HTML entities are no longer decoded.
    """
    unescape = True  # ftfy's unescape_html="auto": off for good once a line holds "<"
    out = []
    pos, n = 0, len(text)
    while pos < n:
        stop = text.find("\n", pos) + 1 or n
        stop = min(stop, pos + _MAX_DECODE)
        line = text[pos:stop]
        if unescape and "<" in line:
            unescape = False
        if (not line.isascii() and not _PLAIN_TYPOGRAPHY(line)) or "&" in line or _ASCII_CONTROL.search(line):
            import ftfy

            line = ftfy.fix_and_explain(line, _ftfy_config(unescape)).text
        out.append(line)
        pos = stop
    return "".join(out)


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Curly quotes, dashes and the ellipsis are, in every encoding ftfy reads mojibake as (Latin-1, the Windows code
# pages, ISO 8859-2, MacRoman; cp437 has none of them), either all UTF-8 continuation bytes (0x80-0xBF) or, in
# MacRoman, all lead bytes (0xD0-0xD5, 0xC9): a run of them alone can never be valid UTF-8, so never mojibake;
# none is a ligature, a wide form or a control, and each is NFC. ftfy leaves a line of ASCII and these as it is.
_PLAIN_TYPOGRAPHY = re.compile(r"[\x00-\x7f‘’“”–—…]*").fullmatch


def repair(text: str) -> str:
    """Mojibake, LaTeX accents, invisible characters, NFC — safe to apply twice."""
    if text.isascii():  # the common case: nothing to repair but LaTeX escapes
        return decode_latex(text)
    text = fix_mojibake(text)
    text = decode_latex(text)
    text = _ZERO_WIDTH.sub("", text)
    return unicodedata.normalize("NFC", text)


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and strip."""
    return " ".join(text.split())


def ascii_fold(text: str) -> str:
    """``Schölkopf`` → ``Scholkopf``; ``Łukasz`` → ``Lukasz``."""
    if text.isascii():
        return text
    text = text.translate(_FOLD_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_FOLD_EXTRA = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "þ": "th",
    }
)


@lru_cache(maxsize=8192)  # a pure function of the text; a post's titles and lines are normalised by several stages
def normalise_title(text: str) -> str:
    """Key for comparing titles: folded, lower-case, alphanumerics and single spaces."""
    text = ascii_fold(repair(text)).lower()
    return _NON_ALNUM.sub(" ", text).strip()


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_INLINE_FLAGS = re.compile(r"\(\?[A-Za-z-]")


class Folded:
    """``bool(pattern.search(text))`` and ``bool(pattern.match(text))`` for a case-insensitive pattern,
    several times faster on ASCII text: there, such a pattern whose letters are all lower-case finds what
    its case-sensitive twin finds in the text lower-cased (same length, same positions, same word
    boundaries), and Python's ``re`` runs the twin much faster. Non-ASCII text, and a pattern that could
    tell cases apart otherwise (an upper-case letter or range, a non-ASCII letter, an escape other than
    ``\\b \\s \\w \\d``, their negations and punctuation, an inline flag), use the pattern itself."""

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern
        self.twin: re.Pattern[str] | None = None
        if pattern.flags & re.IGNORECASE:
            rest = _ESCAPE.sub(
                lambda m: "" if m.group(1) in "bBsSwWdD" or not m.group(1).isalnum() else "A", pattern.pattern
            )
            cased = any(c.isupper() or (c.isalpha() and not c.isascii()) for c in rest)  # "ſ" folds to "s"
            if not cased and not _INLINE_FLAGS.search(rest):
                self.twin = re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)

    def search(self, text: str) -> bool:
        if self.twin is not None and text.isascii():
            return self.twin.search(text.lower()) is not None
        return self.pattern.search(text) is not None

    def match(self, text: str) -> bool:
        if self.twin is not None and text.isascii():
            return self.twin.match(text.lower()) is not None
        return self.pattern.match(text) is not None
