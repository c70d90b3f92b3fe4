"""People: does a phrase name a person, and which spellings are the same person.

Resolution is by rules a reader would accept, with explicit thresholds:

* same folded key (``Schölkopf`` = ``Scholkopf``) → same person;
* same family name and compatible given names (``A. Vedaldi`` ~ ``Andrea Vedaldi``) → same;
* family names within :data:`FAMILY_RATIO` (or :data:`FAMILY_EDITS`) and the same given name
  (``Andrea Veladi`` ~ ``Andrea Vedaldi``) → same;
* more than one candidate passes → not merged; the candidates are recorded.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from kb.ingest.lexicon import honorific_prefix, lexicon, zipf
from kb.ingest.names import normalise_person_name, parse_name
from kb.ingest.personname import probability, vetoed
from kb.ingest.records import Name
from kb.ingest.text import ascii_fold

FAMILY_RATIO = 80  # rapidfuzz ratio between folded family names for a typo match …
FAMILY_EDITS = 2  # … or at most this many edits (OSA distance) between names of 5+ letters
FULL_RATIO = 90  # ratio between whole folded names when the split is unknown

HONORIFIC = honorific_prefix()
_NAME_TOKEN = re.compile(
    r"^(?:[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’\-]*\.?|[A-Z]\.(?:-?[A-Z]\.)*|(?:van|von|der|den|de|del|della|di|da|du|le|la|dos|bin|al|el)|Jr\.?|II|III)$"
)
_CJK = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_PARTICLE = lexicon()["particle"]

# Capitalised words that start or fill titles, events and places, never names.
# Kept small and general on purpose: it is a filter, not a dictionary.
NOT_NAME_WORDS = frozenset(
    """
    a an the and or of on in at for to from with by via about into over under new our my his her their this that
    these those what how why when where which who is are was were be been being do does did can could would
    should may might must shall not no yes all any some more most many much few first second third last next final
    learning deep neural network networks model models modeling modelling machine intelligence artificial data
    vision language languages speech image images video videos visual text graph graphs representation representations
    understanding generative adversarial reinforcement robust robustness efficient scalable towards toward beyond
    workshop workshops tutorial tutorials keynote keynotes panel panels session sessions talk talks invited oral orals
    poster posters conference conferences symposium summit track day days morning afternoon evening week opening
    closing award awards best paper papers introduction overview lecture lectures challenge challenges meeting
    university institute lab labs laboratory research google deepmind openai microsoft facebook meta amazon apple
    nvidia ibm baidu alibaba tencent huawei stanford mit berkeley oxford cambridge toronto montreal school college
    department center centre group team inc ltd corp company foundation society association committee
    ai ml nlp cv ir db rl gan gans cnn cnns rnn rnns lstm bert gpt transformer transformers attention
    science sciences computer computing computational engineering systems system theory analysis approach approaches
    method methods algorithm algorithms optimization optimisation inference probabilistic bayesian causal causality
    statistical statistics architecture architectures architects search semantic semantics latent space spaces
    explainable explaining interpretable interpretability interpretation fairness privacy safety ethics
    recognition detection segmentation classification generation translation retrieval question answering dialogue
    self supervised unsupervised semi few shot zero meta transfer multi modal multimodal federated distributed
    neuroscience matrix vector tensor factorization subspace convolutional recurrent
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    seoul vancouver montreal long beach new orleans honolulu sydney paris london berlin tokyo beijing singapore
    barcelona venice stockholm lisbon dublin florence brussels copenhagen vienna prague hong kong
    part chapter section appendix figure table slides video code demo link here this home homepage website blog
    happy thanks thank welcome hello hi also however finally overall summary conclusion notes note references
    panelist panelists speaker speakers moderator moderators chair chairs host hosts organizer organizers author authors
    keynoter presenter presenters audience everyone nobody somebody someone
    vortrag vorträge sitzung tagung konferenz thema folien exposé conférence séance charla ponencia sesión
    """.split()
)
# Endings of common nouns and adjectives that person names (almost) never have.
_NOUN_ENDING = re.compile(
    r"(?:tion|tions|sion|ness|ment|ments|ities|ity|ences|ance|ances|ics|isms?|ology|ologies|"
    r"graphy|ship|ware|able|ible|ive|ives|ized|ised|izing|ising)$",
    re.I,
)


def strip_honorific(text: str) -> str:
    return HONORIFIC.sub("", text.strip()).strip()


def has_honorific(text: str) -> bool:
    return bool(HONORIFIC.match(text.strip()))


@lru_cache(maxsize=65536)
def looks_like_person(text: str) -> bool:
    """Heuristic: is this short phrase a person's name? Two to five capitalised name-shaped words (or one
    after an honorific), no digits, no noun endings, not every word an everyday English word. (Pure, so
    cached: the paper-mention features ask it of the same candidate spans again and again.) The extractor's
    people and speakers are checked by :func:`not_a_name` too.

    >>> looks_like_person("Prof. Ying Nian Wu"), looks_like_person("Neural Archtecures")
    (True, False)
    """
    text = " ".join(text.split())
    if not text or len(text) > 60 or any(map(str.isdigit, text)):  # (map: no generator frame per character)
        return False
    honorific = has_honorific(text)
    words = _name_words(text)
    if not words or len(words) > 5:
        return False
    if len(words) == 1:
        return honorific and bool(_NAME_TOKEN.match(words[0]))
    if any(w.lower().strip(".'’") in NOT_NAME_WORDS for w in words if w.lower() not in _PARTICLE):
        return False
    if any(len(w) >= 6 and _NOUN_ENDING.search(w) and w not in given_names() for w in words) or (
        not honorific and len(words[0]) >= 6 and words[0].lower().endswith("ing") and words[0] not in given_names()
    ):
        return False  # "Certified Defences", "Seeing Things", "Cryptography Today" (but "Alan Turing")
    if not all(_NAME_TOKEN.match(w) for w in words):
        return False
    if words[-1].lower() in _PARTICLE:
        return False
    if (
        words[-1].isupper()
        and len(words[-1]) > 3
        and not (honorific or words[0] in given_names() or (len(words) == 2 and words[0][1:].islower()))
    ):
        return False  # "AlexNet VGG" style acronyms are not names, "Xinlei CHEN" is
    capitals = [w for w in words if w[0].isupper()]
    return len(capitals) >= 2 and (honorific or not everyday_words(words))


def _name_words(text: str) -> list[str]:
    """A name's words without honorific, given names first ("Vedaldi, Andrea" → Andrea Vedaldi)."""
    body = strip_honorific(text).rstrip(".,;:")
    if "," in body:
        family, _, given = body.partition(",")
        body = f"{given.strip()} {family.strip()}"
    return body.split()


def not_a_name(text: str, threshold: float | None = None) -> bool:
    """The rules take ``text`` for a name (:func:`looks_like_person`) and the learned check does not
    (:mod:`kb.ingest.personname`: "Longuet-Higgins Prize", "Django Admin Cookbook"); an honorific
    settles it as a name. ``threshold``: the check's, when not its default."""
    text = " ".join(text.split())
    return looks_like_person(text) and not has_honorific(text) and vetoed(_name_words(text), threshold)


# A phrase whose every word is this common in English is no name unless it opens with a given name:
# "Color Issues", "Cape Town", "Key Takeaways", "As Rob" (but "Will Smith", "Bo Li"). Chosen on the
# annotated train/dev posts: 4.0 rejects 7 of 3,038 annotated people's names and 49 of 616 the extractor
# wrongly took for people; 3.5 rejects 32 and 84.
EVERYDAY_ZIPF = 4.0


def everyday_words(words: list[str]) -> bool:
    """Is every word of this capitalised phrase an everyday English word, and none a given name, an
    initial or a common East Asian family name?"""
    if words[0] in given_names():
        return False
    family = lexicon()["east_asian_family"]
    for w in words:
        w = w.strip(".,'’")
        if len(w) <= 1 or w in family or zipf(w) < EVERYDAY_ZIPF:
            return False
    return True


def canonical_name(text: str) -> str:
    """Display form: no honorific, "Given Family", NFC.  ``Dr. Ping Luo`` → ``Ping Luo``,
    ``Xinlei CHEN`` → ``Xinlei Chen``."""
    text = re.sub(r"['’]s$", "", strip_honorific(" ".join(text.split())).rstrip(".,;:"))  # "Finn's" → "Finn"
    words = text.split()
    if len(words) > 1 and any(w[1:].islower() for w in words):
        text = " ".join(w.title() if w.isupper() and len(w) > 2 and w.isalpha() else w for w in words)
    if _CJK.match(text):
        return text
    if "," not in text and " " in text:
        return unicodedata.normalize("NFC", text)
    return normalise_person_name(text)


def person_key(name: str) -> str:
    """Identity key of a display name: folded, lower-case, single spaces."""
    folded = ascii_fold(name).lower()
    return " ".join(re.sub(r"[^a-z0-9\u4e00-\u9fff]+", " ", folded).split())


def _given_compatible(a: str, b: str) -> bool:
    """``A.`` ~ ``Andrea``; ``Matthew D.`` ~ ``Matthew``; empty is compatible with anything."""
    ta = [t for t in re.split(r"[\s.\-]+", ascii_fold(a).lower()) if t]
    tb = [t for t in re.split(r"[\s.\-]+", ascii_fold(b).lower()) if t]
    if not ta or not tb:
        return True
    x, y = ta[0], tb[0]
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    return x == y or fuzz.ratio(x, y) >= 85


def split_display(name: str) -> Name:
    """``Andrea Vedaldi`` → Name(family="Vedaldi", given="Andrea") (a fresh copy: callers may change it)."""
    return replace(_split_display(name))


@lru_cache(maxsize=8192)
def _split_display(name: str) -> Name:
    # The same few names are split again and again while a post's people are resolved.
    if _CJK.match(name):
        return Name(family=name)
    return parse_name(name)


@dataclass
class Match:
    index: int
    score: float
    reason: str


def match_person(name: Name, candidates: list[Name]) -> list[Match]:
    """Every candidate this name could be, best first (empty: a new person)."""
    fam = ascii_fold(name.family_full).lower()
    out: list[Match] = []
    for i, c in enumerate(candidates):
        cfam = ascii_fold(c.family_full).lower()
        if not cfam or not fam:
            continue
        if cfam == fam:
            if _given_compatible(name.given, c.given):
                exact = ascii_fold(name.given).lower() == ascii_fold(c.given).lower()
                out.append(Match(i, 100.0 if exact else 95.0, "same family, compatible given"))
            continue
        ratio = fuzz.ratio(fam, cfam)
        close = ratio >= FAMILY_RATIO or (min(len(fam), len(cfam)) >= 5 and OSA.distance(fam, cfam) <= FAMILY_EDITS)
        if close and name.given and c.given and len(fam) >= 4:
            ga, gb = ascii_fold(name.given).lower(), ascii_fold(c.given).lower()
            if ga.split()[0] == gb.split()[0] and len(ga.split()[0]) > 1:
                out.append(Match(i, ratio, f"family names {ratio:.0f}% alike, same given name"))
    out.sort(key=lambda m: -m.score)
    return out


def resolve(name: Name, candidates: list[Name]) -> tuple[int | None, list[int]]:
    """(index of the one match, or None; indices of ambiguous candidates)."""
    matches = match_person(name, candidates)
    if not matches:
        return None, []
    best = matches[0]
    rivals = [
        m
        for m in matches[1:]
        if m.score >= best.score - 2 and person_key(candidates[m.index].full) != person_key(candidates[best.index].full)
    ]
    if rivals:
        return None, [best.index] + [m.index for m in rivals]
    return best.index, []


class NameIndex:
    """Names blocked the way :func:`match_person` can accept them — the same folded family name, or the
    same first given name and the family name's first two letters — so that resolving a name looks at a
    handful of candidates instead of every author of every reference in the post.

    >>> index = NameIndex([parse_name("Vedaldi, Andrea"), parse_name("Zisserman, Andrew")])
    >>> index.resolve(split_display("Andrea Veladi"))[0].family
    'Vedaldi'
    """

    def __init__(self, names: Iterable[Name] = ()):
        self.names: list[Name] = []
        self._keys: set[str] = set()
        self._by_family: dict[str, list[Name]] = defaultdict(list)
        self._by_given: dict[tuple[str, str], list[Name]] = defaultdict(list)
        for name in names:
            self.add(name)

    @staticmethod
    def _blocks(name: Name) -> tuple[str, tuple[str, str]]:
        family = ascii_fold(name.family_full).lower()
        given = ascii_fold(name.given).lower().replace(".", " ").split()
        return family, (given[0] if given else "", family[:2])

    def add(self, name: Name) -> None:
        key = person_key(name.full)
        if key in self._keys:
            return
        self._keys.add(key)
        self.names.append(name)
        family, given = self._blocks(name)
        self._by_family[family].append(name)
        if len(given[0]) > 1:
            self._by_given[given].append(name)

    def candidates(self, name: Name) -> list[Name]:
        family, given = self._blocks(name)
        out = {id(n): n for n in self._by_family.get(family, [])}
        out.update({id(n): n for n in self._by_given.get(given, [])})
        return sorted(out.values(), key=self.names.index) if len(out) > 1 else list(out.values())

    def resolve(self, name: Name) -> tuple[Name | None, list[Name]]:
        """(the one name this is, or None; ambiguous candidates)."""
        cands = self.candidates(name)
        idx, ambiguous = resolve(name, cands)
        return (cands[idx] if idx is not None else None), [cands[i] for i in ambiguous]


# ---------------------------------------------------------------- people named in prose

_GIVEN_NAMES: frozenset[str] | None = None
_PROSE_NAME = re.compile(  # a name does not run on into the next line
    r"(?<![\w.@/#-])((?:[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’\-]+|[A-Z]\.)(?:[ \t\u00a0]+(?:[A-Z]\.(?:[ \u00a0]?[A-Z]\.)*|"
    r"(?:van|von|de|der|den|da|di|le|la|du)(?=[ \t\u00a0]+[A-ZÀ-ÖØ-Þ])|[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’\-]+|III|II|Jr\.)){1,3})"
)
_BEFORE_CUE = re.compile(r"(?:\bwith|\bby|co-?authored with|\bProf\.?|\bDr\.?|\bmet|\bthanks to)\s+$", re.I)
_AFTER_CUE = re.compile(
    r"^(?:['’]s\b|\s*,\s*(?:a|an|the|who|our|my|his|her)\s+\w+(?:\s+\w+)?,|\s+(?:said|says|asked|answered|argued|noted|"
    r"explained|showed|joked|pointed|mentioned|moderated|moderating|chaired|hosted|led|organi[sz]ed|presented|talked|"
    r"spoke|gave|took|told|described|reminded|wanted|wrote|writes|replied|suggested|recommended|shared|commented)\b"
    r"|\s*(?:\([^()\n]{1,20}\))?:\s*[\"“])"  # a quote's attribution: 'Jane Roe: "…"', 'Jane Roe (Mod): "…"'
)
_TITLE_RUN = re.compile(r"(?:[A-Z][\w\-]*|of|and|for|the|in|on|with|to|a|an|via|through)\s+$")


def given_names() -> frozenset[str]:
    """Given names seen in labelled author lists (kb/ingest/data/given_names.txt)."""
    global _GIVEN_NAMES
    if _GIVEN_NAMES is None:
        from pathlib import Path

        path = Path(__file__).with_name("data") / "given_names.txt"
        words = path.read_text(encoding="utf-8").split() if path.exists() else []
        _GIVEN_NAMES = frozenset(words)
    return _GIVEN_NAMES


# The name model's P(name) that makes a name-shaped phrase in prose a person without a cue. Repository folds
# (713 docs), people: 0.814 without it, 0.818 at 0.98, 0.823 at 0.95, 0.825 at 0.85, 0.823 at 0.7, 0.818 at 0.5.
PROSE_NAME_P = 0.85


def names_in_prose(text: str, authors: NameIndex, skip: list[tuple[int, int]] = ()) -> list[tuple[str, int]]:
    """People named in running text, with where: "Jessica Hullman, a co-author, took …".

    A capitalised name-shaped phrase counts when it is an author of a paper in
    the post, when its context says person ("with A, B and C", "A's", "A
    answered"), or when its first word is a known given name.
    """
    out: list[tuple[str, int]] = []
    accepted_end = -10
    for m in _PROSE_NAME.finditer(text):
        name = m.group(1)
        start, end = m.start(1), m.end(1)
        if any(a <= start < b for a, b in skip):
            continue
        possessive = re.search(r"['’]s\b", name)
        if possessive:  # "Alberto Cairo's Datasaurus"
            name = name[: possessive.start()]
            end = start + len(name)
        words = name.split()
        while len(words) > 2 and words[0].lower() in NOT_NAME_WORDS:
            words.pop(0)
            start = text.index(words[0], start)
        if len(words) > 2 and words[0].islower() and words[1] in given_names():  # "Vortrag von Timo Gerkmann"
            words.pop(0)
            start = text.index(words[0], start)
        name = " ".join(words)
        if not looks_like_person(name) or re.match(r"\s+et\.?\s*al", text[end : end + 8]):
            continue
        before = text[max(0, start - 20) : start]
        after = text[end : end + 40]
        is_author = authors.resolve(split_display(name))[0] is not None
        # Inside a Title Case run ("Creation with Weak Supervision") a cue word is part of a title.
        in_title = (
            bool(_TITLE_RUN.search(before))
            and not before.rstrip().endswith((".", ",", ";", ":"))
            and bool(re.search(r"[A-Z][\w\-]*\s+(?:\w+\s+)?$", before))
        )
        context = (
            (bool(_BEFORE_CUE.search(before)) and not in_title) or bool(possessive) or bool(_AFTER_CUE.match(after))
        )
        given = words[0].rstrip(".") in given_names() and not in_title and not re.match(r"\s+[A-Z]", after)
        glue = text[accepted_end:start] if 0 <= start - accepted_end <= 6 else None
        coordinated = glue is not None and (
            re.fullmatch(r"\s*(?:and|&|,\s*and)\s*", glue) or (re.fullmatch(r"\s*,\s*", glue) and given)
        )
        learned = (
            not in_title
            and lexicon()["place_word"].isdisjoint(w.lower() for w in words)
            and (p := probability(name)) is not None
            and p >= PROSE_NAME_P
        )
        if is_author or context or given or coordinated or learned:
            out.append((name, start))
            accepted_end = end
    return out
