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
import string

from kb.citekeys import STOPWORDS
from kb.latex import clean_text, encode_latex, encode_marked

# Leading and trailing punctuation stays outside the braces: ({GAN}), {T-Net}:
_PUNCT = string.punctuation + "‘’‚“”„«»‹›–—…¡¿·•"
# Digits, or a capital standing alone in a hyphenated word (the T of T-Net).
_ACRONYM_HINT = re.compile(r"\d|(?:^|[-/])[A-Z](?:[-/]|$)")
# Protection is marked with two control characters (which encode_latex never
# sees in its input: it turns control characters into spaces) and the title is
# then encoded in one pass, the markers becoming the braces.
_OPEN, _CLOSE = "\x01", "\x02"
LOWER, CAPITALISED, ACRONYM = 0, 1, 2


def word_kind(core: str) -> int:
    """LOWER (``deep``, ``1x1``), CAPITALISED (``Deep``, ``Self-Supervised``) or ACRONYM.

    ACRONYM: a capital after the first letter of a part, a lone capital, or
    capitals with digits: ``GAN``, ``ImageNet``, ``T-Net``, ``3D``, ``L2``,
    ``iPhone``, ``X`` (but not ``A``). Only C-level string tests in the common
    cases: this runs for every word of every exported title.

    >>> [word_kind(w) for w in ("deep", "Deep", "GAN", "T-Net", "3D", "A", "X", "Self-Supervised")]
    [0, 1, 2, 2, 2, 1, 2, 1]
    """
    if not core or core.islower():
        return LOWER
    if len(core) == 1:
        return CAPITALISED if core == "A" else ACRONYM if core.isupper() else LOWER
    rest = core[1:]
    if rest.islower() or rest == rest.lower():  # no capital after the first character
        if not core[0].isupper():
            return LOWER
        return ACRONYM if _ACRONYM_HINT.search(core) else CAPITALISED
    if core.istitle() and not _ACRONYM_HINT.search(core):
        return CAPITALISED  # Self-Supervised, Schölkopf-Kernel: each part merely capitalised
    return ACRONYM


def _starts_clause(prev: str) -> bool:
    return prev.endswith((":", "?", "!", ".", "—", "–"))


def is_sentence_case(words: list[str]) -> bool:
    """Fewer than half the ordinary words after the first are capitalised.

    >>> is_sentence_case("Deep residual learning for image recognition".split())
    True
    >>> is_sentence_case("Seeing What a GAN Cannot Generate".split())
    False
    """
    cores = [w.strip(_PUNCT) for w in words]
    return _sentence_case(words, cores, [word_kind(c) for c in cores])


def _sentence_case(words: list[str], cores: list[str], kinds: list[int]) -> bool:
    capital = total = 0
    for i in range(1, len(words)):
        kind, core = kinds[i], cores[i]
        if kind == ACRONYM or _starts_clause(words[i - 1]) or not core[:1].isalpha() or core.lower() in STOPWORDS:
            continue
        total += 1
        capital += kind
    return total > 0 and capital * 2 < total


def protect_title(title: str, unicode: bool = False) -> str:
    """LaTeX-encoded title with case-sensitive words braced (see the module docstring)."""
    words = clean_text(title).split()
    text = " ".join(words)
    tail = text[1:]
    if tail.islower() or tail == tail.lower():  # no capital after the first letter: nothing a style could break
        return encode_latex(text, unicode)
    cores = [w.strip(_PUNCT) for w in words]
    kinds = [LOWER if c.islower() else word_kind(c) for c in cores]
    sentence = None
    for i, kind in enumerate(kinds):
        if kind == LOWER:
            continue
        protect = kind == ACRONYM
        if not protect and i > 0 and not words[i - 1].endswith(":"):
            if sentence is None:
                sentence = _sentence_case(words, cores, kinds)
            protect = sentence  # a capital that a sentence-case title meant: a proper noun
        if protect:
            word, core = words[i], cores[i]
            lead = word.index(core)
            words[i] = word[:lead] + _OPEN + core + _CLOSE + word[lead + len(core) :]
    return encode_marked(" ".join(words), unicode)
