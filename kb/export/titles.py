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
from kb.export.latex import encode_latex

_TOKEN = re.compile(r"(\s+)")
# Leading and trailing punctuation stays outside the braces: ({GAN}), {T-Net}:
_CORE = re.compile(r"^([^\w]*)(.*?)([^\w]*)$", re.S)
_SEGMENTS = re.compile(r"[-/]")


def _acronym_like(core: str) -> bool:
    """``GAN``, ``ImageNet``, ``T-Net``, ``3D``, ``iPhone``, ``X`` (but not ``A``)."""
    for seg in _SEGMENTS.split(core):
        if not seg:
            continue
        if any(c.isupper() for c in seg[1:]):
            return True
        if seg[0].isupper() and (len(seg) == 1 and seg != "A" or any(c.isdigit() for c in seg)):
            return True
    return False


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
    for i, word in enumerate(words):
        if i == 0 or _starts_clause(words[i - 1]):
            continue
        core = _CORE.match(word).group(2)
        if not core[:1].isalpha() or core.lower() in STOPWORDS or _acronym_like(core):
            continue
        total += 1
        capital += core[0].isupper()
    return total > 0 and capital * 2 < total


def protect_title(title: str, unicode: bool = False) -> str:
    """LaTeX-encoded title with case-sensitive words braced (see the module docstring)."""
    parts = _TOKEN.split(" ".join(title.split()))
    words = parts[::2]
    if not any(c.isupper() for c in title[1:]):  # nothing a style could lower-case wrongly
        return encode_latex(" ".join(words), unicode)
    sentence = is_sentence_case(words)
    out: list[str] = []
    for i, word in enumerate(words):
        lead, core, trail = _CORE.match(word).groups()
        keep_first = i == 0 or words[i - 1].endswith(":")  # styles keep these capitals themselves
        protect = bool(core) and (_acronym_like(core) or (sentence and not keep_first and core[0].isupper()))
        if protect:
            out.append(encode_latex(lead, unicode) + "{" + encode_latex(core, unicode) + "}"
                       + encode_latex(trail, unicode))
        else:
            out.append(encode_latex(word, unicode))
    return " ".join(out)
