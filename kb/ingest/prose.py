"""Talks told in running prose: who spoke, on what, one sentence at a time.

Cues, strongest first:

* "… by NAME[, NAME and NAME]" (presented / given / delivered / led by), "with NAMES" for panels;
* "NAME talked about / spoke on / presented / gave / delivered …";
* "NAME's talk / keynote / tutorial on …";
* a weak verb ("NAME explained / showed / argued …") only at the start of a
  paragraph that opens with a bold lead-in ("**FRAUDAR.** Bryan Hooi explained …").

The title is a quoted or emphasised phrase or a non-person link label in the
sentence, else the phrase after "on" / "about" / "titled"; failing that, the
title of a paper cited in the sentence that the speaker co-authored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.ingest.links import GENERIC_LABELS, classify_url
from kb.ingest.markdown import Block, Span
from kb.ingest.people import NOT_NAME_WORDS, canonical_name, looks_like_person, strip_honorific

_UP = "A-ZÀ-ÖØ-ÞĀ-ſ"
_WORD = rf"[{_UP}][\w'’\-]*"
_NAME = (
    rf"(?:(?:Prof(?:essor)?|Dr)\.?\s+)?{_WORD}(?:\s+(?:[A-Z]\.(?:\s?[A-Z]\.)*|(?:van|von|de|der|den|da|di|le|la|du|dos|bin)"
    rf"(?=\s+[{_UP}])|{_WORD}|III|II|Jr\.?))*"
)
NAME_RE = re.compile(_NAME)
_AFFIL = re.compile(r"\s*\([^()]{1,80}\)")
_LIST_SEP = re.compile(r"\s*(?:,\s*and|,|and|&)\s+")

STRONG_VERBS = (
    r"talked|spoke|presented|co-presented|copresented|gave|delivered|deliverd|keynoted|lectured|opened|"
    r"closed|introduced|walked|talking(?=\s+(?:about|on)\b)|speaking(?=\s+(?:about|on)\b)|presenting"
)
WEAK_VERBS = r"explained|showed|argued|discussed|described|framed|demonstrated|reviewed|motivated|covered|went"
_AFTER_NAME = re.compile(
    rf"^\s*(?:\([^()]{{1,80}}\)\s*)?(?:,[^,.]{{1,60}},\s*)?(?:also\s+|then\s+|first\s+)?({STRONG_VERBS})\b"
    r"|^\s*(?:\([^()]{1,80}\)\s*)?,\s*talking\b|^\s+(?:from|of|at)\s+[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,4}\s+on\s"
)
_AFTER_NAME_WEAK = re.compile(rf"^\s*(?:\([^()]{{1,80}}\)\s*)?(?:,[^,.]{{1,60}},\s*)?({WEAK_VERBS}|{STRONG_VERBS})\b")
_BY = re.compile(
    r"(?<!moderated )(?<!chaired )(?<!hosted )\b(?:(?:presented|given|delivered|deliverd|led|taught|run|facilitated|was|"
    r"were|talk|keynote|lecture|tutorial|presentation|panel|session|address)\s+)?by\s+(?:the\s+)?$",
    re.I,
)
# "The first invited speaker was NAME", "Wednesday's keynote was NAME on …", "the talk I remember best was NAME"
_WAS_NAME = re.compile(
    r"\b(?:speaker|keynote|talk|oral|presentation|lecture|plenary|tutorial)\b[^.;:]{0,40}?\b(?:was|is)\s+"
    r"(?:by\s+)?(?=[A-Z])",
    re.I,
)
# "Next was NAME with a talk titled …", "NAME, with a keynote on …"
_WITH_TALK = re.compile(
    r"^\s*(?:\([^()]{1,80}\)\s*)?,?\s+with\s+(?:a|an|his|her|their|the)\s+(?:\w+\s+)?"
    r"(?:talk|keynote|presentation|lecture)\b",
    re.I,
)
_WITH = re.compile(r"\bwith\s+$", re.I)
_POSSESSIVE = re.compile(
    r"^['’]s\s+(?:\w+\s+)?(talk|keynote|tutorial|lecture|presentation|invited talk|award talk)\b", re.I
)
TALK_NOUN = re.compile(
    r"\b(talks?|keynotes?|plenary|presentation|lecture|invited|tutorial|panel|session|orals?|spotlight|"
    r"spoke|speaks|speaker|"
    r"presented|presenting|talked|gave|delivered|deliverd|award|address|opened|"
    r"(?:first|second|third|fourth|last|next|final)\s+part)\b",
    re.I,
)
_TOPIC = re.compile(
    r"\b(?:was\s+on|was\s+about|talked\s+about|talking\s+(?:about|on)|speaking\s+(?:about|on)|spoke\s+(?:about|on)|(?:talk|keynote|tutorial|lecture|"
    r"presentation|panel|session)\s+(?:was\s+)?(?:on|about)|titled|entitled|called)\s+(?:the\s+topic\s+of\s+)?(.+)",
    re.I,
)
_TOPIC_END = re.compile(
    r"\s+by\s+|\s+which\b|\s+where\b|\s+that\s+(?:was|is)\b|\s+with\s+(?:a|an|the)\b|,|;|\.\s|\.$|"
    r"\s+\(|\s+\[|\s+[—–]\s+|:|$"
)
# After "NAME talked about …" the topic also stops where an explanation starts ("… and how they close the gap").
_CLAUSE_END = re.compile(r"\s+and\s+(?:how|why|what|whether|when)\b")
_QUOTED = re.compile(r"[\"“]([^\"“”]{6,200})[\"”]")


@dataclass
class Speakers:
    names: list[str]  # canonical display names
    spelled: list[str]  # as written (honorific stripped)
    start: int
    end: int
    link: Span | None = None
    panel: bool = False  # found as the panelists of a panel


def names_at(text: str, pos: int, allow_single: bool = False) -> tuple[list[tuple[str, int, int]], int]:
    """Person names listed from ``pos``: "A (Affil), B and C" → [(A, s, e), (B…), (C…)], end offset."""
    out: list[tuple[str, int, int]] = []
    i = pos
    while True:
        m = NAME_RE.match(text, i)
        if not m:
            break
        raw = re.sub(r"['’]s$", "", m.group(0))  # "Finn's keynote": the possessive is not part of the name
        # Trim trailing words that are not part of a name ("Zhou on understanding" is cut by the regex already;
        # "Kunle Olukotun I" is not).
        words = raw.split()
        while len(words) > 1 and words[-1].lower() in NOT_NAME_WORDS:
            words.pop()
        raw = " ".join(words)
        if not (looks_like_person(raw) or (allow_single and _surname_like(raw))):
            break
        out.append((raw, m.start(), m.start() + len(raw)))
        i = m.start() + len(raw)
        am = _AFFIL.match(text, i)
        if am:
            i = am.end()
        sm = _LIST_SEP.match(text, i)
        if not sm or not NAME_RE.match(text, sm.end()):
            break
        i = sm.end()
    return out, i


def _surname_like(word: str) -> bool:
    return (
        bool(re.fullmatch(_WORD, word)) and word.lower() not in NOT_NAME_WORDS and len(word) > 1 and not word.isupper()
    )


def name_before(text: str, pos: int) -> tuple[str, int] | None:
    """The person name that ends right before ``pos`` ("… Susan Athey| talked")."""
    head = text[:pos].rstrip()
    m = re.search(rf"({_NAME})\s*(?:\([^()]{{1,80}}\))?\s*(?:,[^,.]{{1,60}},)?\s*$", head)
    if not m:
        return None
    words = re.sub(r"['’]s$", "", m.group(1)).split()
    # Drop sentence-initial capitalised words that are not names ("Then Susan Athey").
    while len(words) > 2 and words[0].lower() in NOT_NAME_WORDS:
        words.pop(0)
    name = " ".join(words)
    if looks_like_person(name):
        return name, m.start(1) + (len(m.group(1)) - len(name))
    return None


def find_speakers(block: Block, a: int, b: int, weak: bool = False) -> Speakers | None:
    """Speakers of the talk a sentence (``block.text[a:b]``) introduces, or None."""
    text = block.text
    # Person links first: their labels are names by construction.
    for span in block.links:
        if not (a <= span.start < b) or span.image or not looks_like_person(span.label):
            continue
        before = text[max(a, span.start - 40) : span.start]
        after = text[span.end : b]
        if (
            _BY.search(before)
            or _AFTER_NAME.match(after)
            or _POSSESSIVE.match(after)
            or _WITH_TALK.match(after)
            or (weak and (_AFTER_NAME_WEAK.match(after) or re.match(r"\s+on\s", after)))
        ):
            names, end = names_at(text, span.start)
            names = names or [(span.label, span.start, span.end)]
            return _speakers(names, span)
    if re.search(r"\bpanel", text[max(0, a - 120) : b], re.I):  # "Panel time. "Title" with A, B and C, …"
        for m in re.finditer(r"\bwith\s+", text[a:b]):
            names, _ = names_at(text, a + m.end(), allow_single=True)
            if len(names) >= 2 and looks_like_person(names[0][0]):
                found = _speakers(names, None)
                found.panel = True
                return found
    for m in _WAS_NAME.finditer(text, a, b):
        names, _ = names_at(text, m.end())
        if names and names[0][1] == m.end():
            return _speakers(names, None)
    for m in re.finditer(
        r"\bby\s+(?:(?:its|the|one of the|their)\s+(?:first\s+|lead\s+|last\s+)?(?:author|authors|"
        r"organi[sz]ers?)\s*,\s*|the\s+)?",
        text[a:b],
    ):
        start = a + m.end()
        if not _BY.search(
            re.sub(
                r"(?:its|the|one of the|their)\s+(?:first\s+|lead\s+|last\s+)?(?:author|authors|"
                r"organi[sz]ers?)\s*,\s*$",
                "",
                text[max(a, start - 60) : start],
            )
        ):
            continue
        names, _ = names_at(text, start)
        if names:
            return _speakers(names, None)
    if TALK_NOUN.search(text[a:b]):
        # (?<!\s) and possessive spaces: a match starts where a run of spaces starts, or a long run costs n².
        for m in re.finditer(r"(?<!\s)\s*+\([^()]{1,80}\),?\s+on\s", text[a:b]):  # "Cordelia Schmid (Inria), on video"
            hit = name_before(text, a + m.start())
            if hit and hit[1] >= a:
                return _speakers([(hit[0], hit[1], a + m.start())], None)
    for m in re.finditer(r"(?<!\s)\s++(?:from|of|at)\s+[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,4}\s+on\s", text[a:b]):
        hit = name_before(text, a + m.start())  # "Tobias Johannink from Siemens on [residual RL](…)"
        if hit and hit[1] >= a:
            return _speakers([(hit[0], hit[1], a + m.start())], None)
    for m in re.finditer(
        r"(?<!\s)\s++with\s+(?:a|an|his|her|their|the)\s+(?:\w+\s+)?(?:talk|keynote|presentation|lecture)\b",
        text[a:b],
        re.I,
    ):
        hit = name_before(text, a + m.start())  # "Next was Lerrel Pinto with a talk titled …"
        if hit and hit[1] >= a:
            return _speakers([(hit[0], hit[1], a + m.start())], None)
    for m in re.finditer(rf"\b(?:{STRONG_VERBS}|{WEAK_VERBS})\b|['’]s\s", text[a:b]):
        pos = a + m.start()
        verb = m.group(0)
        if verb.startswith(("'", "’")):
            if not _POSSESSIVE.match(text[pos:b]):
                continue
        elif not re.match(rf"(?:{STRONG_VERBS})\b", text[pos:b]) and not weak:
            continue
        hit = name_before(text, pos)
        if hit and hit[1] >= a:
            names, _ = names_at(text, hit[1])
            return _speakers(names or [(hit[0], hit[1], pos)], None)
    return None


def _speakers(names: list[tuple[str, int, int]], link: Span | None) -> Speakers:
    return Speakers(
        [canonical_name(n) for n, _, _ in names],
        [strip_honorific(n) for n, _, _ in names],
        names[0][1],
        names[-1][2],
        link,
    )


# "The first oral session, *Variational Inference*, opened with …": that emphasis names the session.
# (A tutorial's or panel's name is its talk's title; a session's or workshop's is not.)
_NAMES_AN_EVENT = re.compile(
    r"\b(?:session|workshop|track|symposium)s?\s*(?:on|about|called|named)?\s*[,:(]?\s*$", re.I
)


def title_candidates(block: Block, a: int, b: int, skip: set[str]) -> list[tuple[int, str, Span | None]]:
    """(offset, text, link) of quoted, emphasised and linked phrases in a sentence."""
    text = block.text
    out: list[tuple[int, str, Span | None]] = []
    for span in block.links:
        if not (a <= span.start < b) or span.image or span.bracketed or looks_like_person(span.label):
            continue
        label = span.label.strip()
        if label.lower() in GENERIC_LABELS or label in skip or span.href in skip or len(label.split()) < 2:
            continue
        if re.search(r"\bet al\b|^https?://|^www\.", label):
            continue
        out.append((span.start, label, span))
    for s, e in block.emphasis:
        phrase = text[s:e].strip()
        if (
            a <= s < b
            and len(phrase.split()) >= 2
            and not looks_like_person(phrase)
            and phrase not in skip
            and not _NAMES_AN_EVENT.search(text[max(a, s - 30) : s])
        ):
            out.append((s, phrase, None))
    for m in _QUOTED.finditer(text, a, b):
        if len(m.group(1).split()) >= 2:
            out.append((m.start(1), m.group(1), None))
    out.sort(key=lambda t: t[0])
    return out


def topic_phrase(sentence: str, cut_clauses: bool = False) -> str | None:
    """ "… was on X by Y" / "talked about X, …" → X; ``cut_clauses`` also stops at "and how/why …"."""
    m = _TOPIC.search(sentence)
    if not m:
        return None
    rest = m.group(1)
    end = _TOPIC_END.search(rest)
    phrase = rest[: end.start()] if end else rest
    clause = _CLAUSE_END.search(phrase) if cut_clauses else None
    if clause and len(phrase[: clause.start()].split()) >= 3:  # never cut a topic down to a generic stub
        phrase = phrase[: clause.start()]
    if phrase.split() and phrase.split()[0].lower() in (
        "how",
        "why",
        "what",
        "whether",
        "his",
        "her",
        "their",
        "a",
        "an",
    ):
        if not re.match(r"^(?:a|an)\s+\w+", phrase):
            return None
    return phrase if 2 <= len(phrase.split()) <= 20 else None


def talk_links(block: Block, a: int, b: int, skip: set[str]) -> list[str]:
    """Slides and video links of a sentence (person homepages and event pages excluded)."""
    out = []
    for s in block.links:
        if not (a <= s.start < b) or s.image or not s.href or s.href in skip:
            continue
        person = looks_like_person(s.label)
        kind = classify_url(s.href, s.label, person_label=person)
        if kind in ("slides", "video"):
            out.append(s.href)
        elif (
            not person
            and kind == "other"
            and s.label.strip().lower() in ("talk", "slides", "video", "recording", "part")
        ):
            out.append(s.href)
    return out


_DASH_AFTER = re.compile(r"\s*[)\]]?\s*(?:[—–:-]+|,)\s*")  # used with .match(text, pos): no "^"
_DASH_BEFORE = re.compile(r"(?:\([^()]{1,80}\))?\s*(?:[—–:-]+|\bon|,)\s*$")
_PAREN_NAME = re.compile(r"\s*\(((?:(?:van|von|de|der|den|da|di|le|la|du)\s+)*[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+)?)\)")


def title_span_talk(block: Block, a: int, b: int, exclude: set[str]) -> tuple[str, Speakers] | None:
    """A quoted/emphasised/linked title joined to a name by a dash or colon:
    "Asia J. Biega — *Fairness of exposure*", "**Title** — Arpan Gujarati (MPI-SWS)",
    "Ansor, by Lianmin Zheng (UC Berkeley): *Ansor: …*", "Mahesh Balakrishnan on **Delos**"."""
    text = block.text
    for start, title, span in title_candidates(block, a, b, exclude):
        end = span.end if span else start + len(title)
        while end < b and text[end] in "\"”*_’'":
            end += 1
        after = _DASH_AFTER.match(text, end)
        if after:
            names, _ = names_at(text, after.end())
            if names and names[0][1] == after.end():
                return title, _speakers(names, None)
        paren = _PAREN_NAME.match(text, end)  # '"Sylvester Normalizing Flows" (van den Berg)'
        if (
            paren
            and span is None
            and TALK_NOUN.search(text[a:b]) is None
            and re.search(r"\b(?:next|then|first|last)\b", text[a:start], re.I)
        ):
            name = paren.group(1)
            if looks_like_person(name) or _surname_like(name.split()[-1]):
                return title, Speakers([name], [name], paren.start(1), paren.end(1))
        head = text[a:start].rstrip(" \"“*_‘'")
        before = _DASH_BEFORE.search(head)
        if before:
            lead = head[: before.start()].rstrip()
            lead = re.sub(r"^.*?,\s*by\s+", "", lead) if re.search(r",\s*by\s+", lead) else lead
            hit = name_before(lead + " x", len(lead) + 1)
            single = re.search(r"(?:^|[\s,])([A-Z][\w'’\-]+)\s*\([^()]{2,60}\)$", lead)  # "Kolesnikov (Google Brain):"
            if not hit and single and _surname_like(single.group(1)) and head.rstrip().endswith(":"):
                return title, Speakers([single.group(1)], [single.group(1)], a + single.start(1), a + single.end(1))
            if hit and looks_like_person(lead[hit[1] :].strip()):
                names, _ = names_at(lead, hit[1])
                if names:
                    return title, Speakers(
                        [canonical_name(n) for n, _, _ in names],
                        [strip_honorific(n) for n, _, _ in names],
                        a + hit[1],
                        a + len(lead),
                    )
    return None
