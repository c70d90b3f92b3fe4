r"""Titles for BibTeX: words whose capitals matter are wrapped in braces.

Bibliography styles re-case titles (``plain`` lower-cases all but the first
letter and the letter after a colon), which would turn ``GAN`` into ``gan``.
We protect:

* words with a capital after their first letter, a lone capital, or capitals
  and digits together: ``{GAN}``, ``{ImageNet}``, ``{T-Net}``, ``{3D}``;
* in a sentence-case title, every capitalised word after the first (they are
  proper nouns: ``Density estimation using {Real} {NVP}``). In a Title Case
  title capitals carry no information, so ordinary words are left to the style.

>>> print(protect_title("T-Net: Parametrizing Fully Convolutional Nets"))
{T-Net}: Parametrizing Fully Convolutional Nets
>>> print(protect_title("Density estimation using Real NVP"))
Density estimation using {Real} {NVP}
>>> print(protect_title("50% of $x_0$ & more"))
50\% of \$x\_0\$ \& more
"""

from __future__ import annotations

import re

from kb.citekeys import STOPWORDS
from kb.export.latex import clean_text, encode_latex, encode_marked

# Leading and trailing punctuation stays outside the braces: ({GAN}), {T-Net}:
_CORE = re.compile(r"^([^\w]*)(.*?)([^\w]*)$", re.S)
_SEGMENTS = re.compile(r"[-/]")
_DIGIT = re.compile(r"\d")
# Protection is marked with two control characters (which encode_latex never
# sees in its input: it turns control characters into spaces) and the title is
# then encoded in one pass, the markers becoming the braces.
_OPEN, _CLOSE = "\x01", "\x02"


def _acronym_like(core: str) -> bool:
    """``GAN``, ``ImageNet``, ``T-Net``, ``3D``, ``L2``, ``iPhone``, ``X`` (but not ``A``)."""
    if "-" in core or "/" in core:
        return any(_acronym_like(seg) for seg in _SEGMENTS.split(core) if seg)
    rest = core[1:]
    if rest != rest.lower():
        return True
    return core[:1].isupper() and ((len(core) == 1 and core != "A") or bool(_DIGIT.search(core)))


def _starts_clause(prev: str) -> bool:
    return prev.endswith((":", "?", "!", ".", "—", "–"))


def is_sentence_case(words: list[str]) -> bool:
    """Fewer than half the ordinary words after the first are capitalised.

    >>> is_sentence_case("Deep residual learning for image recognition".split())
    True
    >>> is_sentence_case("Seeing What a GAN Cannot Generate".split())
    False
    """
    capital = total = 0
    for i in range(1, len(words)):
        if _starts_clause(words[i - 1]):
            continue
        core = _CORE.match(words[i]).group(2)
        if not core[:1].isalpha() or core.lower() in STOPWORDS or _acronym_like(core):
            continue
        total += 1
        capital += core[0].isupper()
    return total > 0 and capital * 2 < total


def protect_title(title: str, unicode: bool = False) -> str:
    """LaTeX-encoded title with case-sensitive words braced (see the module docstring)."""
    words = clean_text(title).split()
    text = " ".join(words)
    if text[1:] == text[1:].lower():  # no capital after the first letter: nothing a style could break
        return encode_latex(text, unicode)
    sentence = None
    for i, word in enumerate(words):
        if word == word.lower():
            continue
        lead, core, trail = _CORE.match(word).groups()
        if not core:
            continue
        protect = _acronym_like(core)
        if not protect and i > 0 and core[0].isupper() and not words[i - 1].endswith(":"):
            if sentence is None:
                sentence = is_sentence_case(words)
            protect = sentence  # a capital that a sentence-case title meant: a proper noun
        if protect:
            words[i] = lead + _OPEN + core + _CLOSE + trail
    return encode_marked(" ".join(words), unicode)
