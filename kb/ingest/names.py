"""Personal names in reference strings: one name, a list of authors, display form.

Bibliographies write names in many orders: "Zeiler, Matthew D." (inverted),
"A. Vedaldi" (natural), "Wade DT" (Vancouver), "HINTON, G." (all caps),
"van der Maaten, L." (particle). This module turns each into a `Name`.

>>> parse_name("van der Maaten, Laurens").family_full
'van der Maaten'
>>> [n.family for n in split_authors("He, K., Zhang, X., & Sun, J.")[0]]
['He', 'Zhang', 'Sun']
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kb.ingest.lexicon import honorific_prefix, lexicon
from kb.ingest.records import Name
from kb.ingest.text import Folded, repair, squash

# Lower-case words that belong to the family name but sort apart from it.
PARTICLES = frozenset(
    "van von der den de del della dei degli di da das dos do du la le les ter ten zu zur vom "
    "bin ibn al el mac st. d' van't".split()
)
# Capitalised forms that, in natural order, still start a multi-word family name
# ("Luc Van Gool", "Nando De Freitas").
_CAP_PARTICLES = lexicon()["family_prefix"]
_SUFFIXES = {"jr": "Jr.", "jr.": "Jr.", "sr": "Sr.", "sr.": "Sr.", "ii": "II", "iii": "III", "iv": "IV"}
_HONORIFICS = honorific_prefix()
_DEGREES = re.compile(r",?\s+(?:ph\.?\s?d|m\.?d|m\.?sc|b\.?sc)\.?$", re.IGNORECASE)
_ET_AL = re.compile(r"[,;]?\s*(?:\bet\.?\s*al\b\.?|\bet\s+alii\b|\band\s+others\b|…|\.\.\.)\s*\.?", re.IGNORECASE)
_ROLE = re.compile(
    r"^\s*(?:in:?\s+|edited\s+by\s+)|\s*[(\[]?\b(?:eds?|editors?|hrsg|trans|translated)\b\.?[)\]]?[.,]?\s*$",
    re.IGNORECASE,
)
# Whether they match, found faster on ASCII text (kb.ingest.text.Folded): most names need no substitution.
_HAS_DEGREE, _HAS_ET_AL, _HAS_ROLE = Folded(_DEGREES), Folded(_ET_AL), Folded(_ROLE)
_CONJ = re.compile(r"\s*(?:,\s*)?(?:\band\b|&)\s*", re.IGNORECASE)
# An initial: "A.", "A", "M.-W.", "J.R.", "Ch." — at most two letters, the
# second lower-case only when dotted (so "Li" is a name but "Ch." an initial).
# Upper-case letters of Latin-1 and Latin Extended-A too: "Ł.", "Š.", "Ö." are initials like "L.".
UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
_INITIAL = re.compile(rf"^(?:[{UPPER}][a-z]?\.(?:-?[{UPPER}][a-z]?\.)*|[{UPPER}]{{1,3}}|[{UPPER}]\.?-[{UPPER}]\.?)$")
_VANCOUVER_INITIALS = re.compile(r"^[A-Z]{1,3}$")
_EMPHASIS = re.compile(r"(?<![\w])[*_]+|[*_]+(?![\w])")
_KEPT_PERIOD = re.compile(rf"(?:\b[{UPPER}]|\b[JS]r)\.$")  # an initial's or "Jr."'s full stop
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_GLUED_INITIAL = re.compile(r"(?<=\b[A-Z]\.)(?=[A-Z][a-z])")
_SEMICOLON = re.compile(r"\s*;\s*")


@lru_cache(maxsize=65536)
def _is_initials(segment: str) -> bool:
    if segment.lower().rstrip(".") in ("jr", "sr"):
        return False
    words = segment.replace(".", ". ").replace("- ", "-").split()
    return bool(words) and all(_INITIAL.match(w) for w in words)


def _strip_period(text: str) -> str:
    """Drop a closing full stop unless it ends an initial or "Jr."."""
    if text.endswith(".") and not _KEPT_PERIOD.search(text):
        return text.rstrip(". ")
    return text


def _titlecase(word: str) -> str:
    """ "HINTON" → "Hinton", "O'BRIEN" → "O'Brien", "JONES-SMITH" → "Jones-Smith"."""
    if not (word.isupper() and sum(c.isalpha() for c in word) > 1):
        return word
    return _LETTER_RUN.sub(lambda m: m.group(0).capitalize(), word.lower())


def _clean(text: str) -> str:
    text = _EMPHASIS.sub("", repair(text))
    # "A.Vedaldi" → "A. Vedaldi"; "J.R.R." stays.
    if "." in text:
        text = _GLUED_INITIAL.sub(" ", text)
    return squash(text).strip(" ,;:")


def _take_suffix(words: list[str]) -> tuple[list[str], str]:
    if len(words) > 1 and words[-1].lower().rstrip(",") in _SUFFIXES:
        return words[:-1], _SUFFIXES[words[-1].lower().rstrip(",")]
    return words, ""


def _split_particle(words: list[str]) -> tuple[str, list[str]]:
    """Leading lower-case particles of a family name: ["van", "der", "Maaten"]."""
    i = 0
    while i < len(words) - 1 and words[i] in PARTICLES:
        i += 1
    return " ".join(words[:i]), words[i:]


def _natural(words: list[str]) -> Name:
    """ "Laurens van der Maaten", "Wade DT", "Luc Van Gool", "Plato"."""
    words, suffix = _take_suffix(words)
    if len(words) == 1:
        return Name(family=_titlecase(words[0]), suffix=suffix)
    if (
        len(words) >= 2
        and _VANCOUVER_INITIALS.match(words[-1].rstrip("."))
        and not _is_initials(words[0])
        and not words[0].isupper()
    ):
        given = " ".join(c + "." for c in words[-1].rstrip("."))
        particle, family = _split_particle(words[:-1])
        return Name(family=" ".join(map(_titlecase, family)), given=given, particle=particle, suffix=suffix)
    for i in range(1, len(words) - 1):
        if words[i] in PARTICLES:
            j = i
            while j < len(words) - 1 and words[j] in PARTICLES:
                j += 1
            return Name(
                family=" ".join(map(_titlecase, words[j:])),
                given=" ".join(map(_titlecase, words[:i])),
                particle=" ".join(words[i:j]),
                suffix=suffix,
            )
    cut = len(words) - 1
    if cut >= 2 and words[cut - 1] in _CAP_PARTICLES:
        cut -= 1
    return Name(
        family=" ".join(map(_titlecase, words[cut:])),
        given=" ".join(map(_titlecase, words[:cut])),
        suffix=suffix,
    )


def _inverted(family_part: str, given_part: str, suffix: str = "") -> Name:
    """ "van der Maaten" + "Laurens", also "Maaten" + "Laurens van der"."""
    fam_words, suf2 = _take_suffix(family_part.split())
    given_words, suf3 = _take_suffix(given_part.split())
    suffix = suffix or suf2 or suf3
    particle, fam_words = _split_particle(fam_words)
    trailing: list[str] = []
    while given_words and given_words[-1] in PARTICLES and len(given_words) > 1:
        trailing.insert(0, given_words.pop())
    particle = " ".join(p for p in (" ".join(trailing), particle) if p)
    given = " ".join(map(_titlecase, given_words))
    if _VANCOUVER_INITIALS.match(given.replace(".", "").replace(" ", "")) and "." not in given and len(given) <= 3:
        given = " ".join(c + "." for c in given)  # "HINTON, GE" → "G. E."
    return Name(family=" ".join(map(_titlecase, fam_words)), given=given, particle=particle, suffix=suffix)


def parse_name(text: str) -> Name:
    """One personal name in any common order.

    >>> parse_name("Zeiler, Matthew D.")
    Name(family='Zeiler', given='Matthew D.', particle='', suffix='')
    >>> parse_name("Wade DT").given
    'D. T.'
    """
    text = _HONORIFICS.sub("", _clean(text))
    if _HAS_DEGREE.search(text):
        text = _DEGREES.sub("", text)
    text = _strip_period(text.strip(" ,;"))
    if not text:
        return Name(family="")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) == 1:
        return _natural(parts[0].split())
    suffix = ""
    if parts[-1].lower() in _SUFFIXES:  # "King, Martin Luther, Jr."
        suffix = _SUFFIXES[parts.pop().lower()]
    if len(parts) >= 3 and parts[1].lower() in _SUFFIXES:  # "King, Jr., Martin Luther"
        suffix = _SUFFIXES[parts.pop(1).lower()]
    if len(parts) == 1:
        name = _natural(parts[0].split())
        name.suffix = suffix
        return name
    return _inverted(parts[0], " ".join(parts[1:]), suffix)


@lru_cache(maxsize=65536)
def _kind(segment: str) -> str:
    """Classify a comma-separated piece of an author list."""
    words = segment.split()
    if segment.lower() in _SUFFIXES:
        return "suffix"
    if _is_initials(segment):
        return "initials"
    if len(words) == 1 or (len(words) > 1 and all(w in PARTICLES for w in words[:-1])):
        return "family"
    if words[0] in _CAP_PARTICLES and len(words) == 2:
        return "family"
    if _is_initials(words[0]) and not _is_initials(words[-1]):
        return "natural"  # "A. Vedaldi", "M.-W. Chang"
    if _VANCOUVER_INITIALS.match(words[-1].rstrip(".")) and not words[0].isupper():
        return "natural"  # Vancouver "Wade DT"
    return "natural"


def split_authors(text: str) -> tuple[list[Name], bool]:
    """Split an author list into names; the flag says "et al." was present.

    >>> names, et_al = split_authors("Mahendran, Aravindh, and Andrea Vedaldi")
    >>> [(n.family, n.given) for n in names], et_al
    ([('Mahendran', 'Aravindh'), ('Vedaldi', 'Andrea')], False)
    """
    text = _clean(text)
    et_al = _HAS_ET_AL.search(text)
    if et_al:
        text = _ET_AL.sub(" ", text)
    if _HAS_ROLE.search(text):
        text = _ROLE.sub("", text)
    text = _strip_period(text.strip(" ,;"))
    if not text:
        return [], et_al
    groups: list[list[str]] = []
    # ";" always separates people; "and"/"&" separate people too.
    for chunk in _SEMICOLON.split(text) if ";" in text else (text,):
        for part in _CONJ.split(chunk):
            segs = [_strip_period(s.strip()) for s in part.split(",")]
            segs = [s for s in segs if s]
            if segs:
                groups.append(segs)
    names: list[Name] = []
    for g, segs in enumerate(groups):
        i = 0
        while i < len(segs):
            seg = segs[i]
            kind = _kind(seg)
            nxt = segs[i + 1] if i + 1 < len(segs) else None
            if (
                kind == "family"
                and nxt is None
                and g + 1 < len(groups)
                and len(segs) == 1
                and names
                and not names[-1].given
            ):
                names.append(_natural(seg.split()))  # mononyms joined by "and"
                i += 1
            elif kind == "family" and nxt is not None:
                suffix = ""
                if i + 2 < len(segs) and _kind(segs[i + 2]) == "suffix":
                    suffix = _SUFFIXES[segs[i + 2].lower()]
                names.append(_inverted(seg, nxt, suffix))
                i += 3 if suffix else 2
            elif (
                kind == "natural" and nxt is not None and _kind(nxt) == "initials" and not _is_initials(seg.split()[0])
            ):
                names.append(_inverted(seg, nxt))  # "Van Gool, L."
                i += 2
            elif kind == "suffix" and names:
                names[-1].suffix = _SUFFIXES[seg.lower()]
                i += 1
            else:
                names.append(parse_name(seg))
                i += 1
    return [n for n in names if n.family], et_al


def normalise_person_name(text: str) -> str:
    """Display form "Given Family" without honorifics, NFC.

    >>> normalise_person_name("Prof. Dr. Hinton, Geoffrey")
    'Geoffrey Hinton'
    """
    text = _HONORIFICS.sub("", _clean(text))
    return unicodedata.normalize("NFC", parse_name(text).full)
