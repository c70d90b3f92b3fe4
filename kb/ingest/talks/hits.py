"""Talks: the :class:`TalkHit` record, title/speaker splitting, and talks told in prose.

Every layout detector yields :class:`TalkHit`: headings, author blocks, tables and
list items live in :mod:`kb.ingest.layouts`; running prose, one sentence at a
time, is here (cues in :mod:`kb.ingest.prose`).

A talk owns the text from where it is introduced to where the next talk
starts or a heading closes its section. Sentences about talks not attended
("couldn't make it to", "will be presented") yield nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from kb.ingest.events import EVENT_WORDS, NOT_ATTENDED_FOLDED
from kb.ingest.lexicon import lexicon
from kb.ingest.links import GENERIC_LABELS, classify_url
from kb.ingest.markdown import Block
from kb.ingest.people import canonical_name, looks_like_person, strip_honorific
from kb.ingest.prose import (
    TALK_NOUN,
    Speakers,
    _surname_like,
    find_speakers,
    names_at,
    talk_links,
    title_candidates,
    title_span_talk,
    topic_phrase,
)
from kb.ingest.text import Folded

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8}
_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth)\b", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s+[—–]\s+|\s+-{1,2}\s+|:\s+|\s+\|\s+|\s+by\s+|@")
_TRAILING_PARENS = re.compile(r"^([^()]{3,}?)\s*\(([^()]{3,80})\)$")
_AFFIL = re.compile(r"\s*[(\[]([^)\]]{2,80})[)\]]\s*$|,\s+([A-Z][^,]{1,60})$")
KIND_PREFIX = re.compile(
    r"^((?:(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|last|closing|opening)\s+)?"
    r"(?:invited|keynote|plenary|opening|closing|award|contributed)?\s*(?:talk|keynote|speaker|lecture|"
    r"tutorial|panel)(?:\s+\d+)?)\s*(?:[:\-—–]|by)\s+(.*)$",
    re.IGNORECASE,
)


@dataclass
class TalkHit:
    title: str | None
    speakers: list[str]
    block: int
    offset: int = 0
    kind: str | None = None
    event: str | None = None
    links: list[str] = field(default_factory=list)
    layout: str = "prose"
    ordinal: int | None = None
    heading_level: int | None = None
    spelled_speakers: list[str] = field(default_factory=list)
    cited_in_intro: list[str] = field(default_factory=list)  # markers cited in the introducing sentence
    continues: int | None = None  # prose that goes on about a talk listed earlier (index of that hit)
    confidence: float = 1.0  # the line labeller's marginal for its head line (rules: 1.0)


# ------------------------------------------------------------------ helpers


def clean_title(text: str | None) -> str | None:
    if not text:
        return None
    t = " ".join(text.split())
    t = re.sub(r"(?:\s*\[(?:\^?[\w@:\-]+(?:\s*[,;–-]\s*\^?[\w@:\-]+)*)\])+\s*[.,;:]?$", "", t)  # "… equations [11]"
    t = t.strip(" \"“”'‘’*_`.,;:-—–")
    t = re.sub(
        r"^(?:the\s+(?:talk|topic)\s+(?:of|on)\s+|a\s+talk\s+(?:on|about)\s+|titled\s+|entitled\s+)",
        "",
        t,
        flags=re.IGNORECASE,
    )
    t = _drop_kind_tail(t.strip(" \"“”'‘’"))
    if len(t) < 3 or t.lower() in GENERIC_LABELS:
        return None
    return t[0].upper() + t[1:]


_OPEN_TAIL = re.compile(r"\s*\(([^()]*)$")  # "Title (Diversity Track": the title's span stopped before ")"
_PAREN_TAIL = re.compile(r"\s*\(([^()]*)\)$")
_TAIL_WORD = re.compile(r"[^\W\d_]+")


def _drop_kind_tail(t: str) -> str:
    """A title without an unclosed parenthesis at its end, nor a closing one that only says what kind of
    talk it was: "Bayesian Model-Agnostic Meta Learning (Rapid Presentation)", "… (Diversity Track)"."""
    m = _OPEN_TAIL.search(t)
    if m and m.start() > 0 and len(m.group(1).split()) <= 5:
        t = t[: m.start()]
    m = _PAREN_TAIL.search(t)
    if m and m.start() > 0:
        words = [w.lower() for w in _TAIL_WORD.findall(m.group(1))]
        kinds = lexicon()["kind"]
        if 0 < len(words) <= 4 and any(w in kinds for w in words):
            t = t[: m.start()]
    return t.rstrip(" :-—–")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(\[*]?[A-Z0-9])|\n\s*\n|\n(?=[-*•] )|(?<=[。！？])")
_ABBREVIATION = re.compile(r"\b(?:al|Dr|Prof|Mr|Ms|Mrs|vs|etc|e\.g|i\.e|St|[A-Z])\.$")


@lru_cache(maxsize=1024)
def sentences(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence of a block's text (cached: the event, list and prose detectors all ask)."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        prev = text[max(0, m.start() - 6) : m.start()]
        if _ABBREVIATION.search(prev):
            continue
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return tuple((a, b) for a, b in out if text[a:b].strip())


def _strip_affiliation(text: str) -> str:
    prev = None
    while prev != text:
        prev = text
        text = _AFFIL.sub("", text).strip()
    return text


def names_in(text: str, allow_surnames: bool = False) -> list[str]:
    """``A and B`` / ``A, B & C`` / ``A · B`` / ``Ratner, Re`` → names, only if every piece is a name."""
    text = _strip_affiliation(text.strip(" *_."))
    if not text:
        return []
    if ";" in text:  # "Kai-Wei Chang, UCLA; Vinodkumar Prabhakaran, Google"
        pieces = [_strip_affiliation(p.strip()) for p in text.split(";") if p.strip()]
        if all(looks_like_person(p) for p in pieces):
            return [canonical_name(p) for p in pieces]
    pieces = [_strip_affiliation(p.strip()) for p in re.split(r"\s*(?:,|&|·|•|\band\b|;)\s*", text) if p.strip()]
    if pieces and all(looks_like_person(p) for p in pieces):
        return [canonical_name(p) for p in pieces]
    if allow_surnames and pieces and len(pieces) <= 6 and all(_surname_like(p) for p in pieces):
        return pieces
    return []


def strip_kind_prefix(text: str) -> str:
    """``Keynote: Can Models Forget?`` → ``Can Models Forget?``; other text unchanged."""
    m = KIND_PREFIX.match(text)
    return m.group(2) if m else text


def split_title_speaker(text: str, allow_surnames: bool = False) -> tuple[str | None, list[str], str | None]:
    """``Title — Name (Affiliation)`` / ``Name: Title`` / ``Keynote: Name`` → (title, [names], kind word)."""
    text = unicodedata.normalize("NFKC", " ".join(text.split())).strip(" *_")
    kind = None
    m = KIND_PREFIX.match(text)
    if m:
        word = m.group(1).lower()
        kind = "keynote" if ("keynote" in word or "plenary" in word) else EVENT_WORDS.get(word.split()[-1])
        text = m.group(2)
    trailing = _TRAILING_PARENS.match(text)
    if trailing:  # "Title (Jane Doe)", "Title (Jane Doe, Stanford)", "Title (Doe and Roe)"
        names = names_in(re.split(r"\s*[,;]\s*|\s+[—–-]\s+", trailing.group(2))[0])
        title = clean_title(trailing.group(1))
        if names and title and len(title.split()) >= 2 and not looks_like_person(title):
            return title, names, kind
    on_topic = _ON_TOPIC.match(text) if _ON_WORD.search(text) else None
    if on_topic and looks_like_person(on_topic.group(1).strip()):  # "Cordelia Schmid (Inria), on learning from video"
        return clean_title(on_topic.group(2)), [canonical_name(on_topic.group(1).strip())], kind
    parts = [p for p in _SEPARATORS.split(text) if p and p.strip()]
    if len(parts) == 1:
        name = _strip_affiliation(parts[0])
        return (None, [canonical_name(name)], kind) if looks_like_person(name) else (None, [], kind)
    seps = sorted(_SEPARATORS.finditer(text), key=lambda m: (_SEP_RANK.get(m.group(0).strip(), 5), m.start()))
    for surnames in (False, True) if allow_surnames else (False,):
        for sep in seps:
            left, right = text[: sep.start()].strip(), text[sep.end() :].strip()
            if sep.group(0).strip() == "@":
                return (None, [canonical_name(left)], kind) if looks_like_person(left) else (None, [], kind)
            for names_side, title_side in ((right, left), (left, right)):
                names = names_in(names_side, allow_surnames=surnames and names_side is left)
                if names:
                    title = clean_title(title_side)
                    if title and (looks_like_person(title) or len(title.split()) < 2 and not kind):
                        continue
                    return title, names, kind
    return None, [], kind


_ON_TOPIC = re.compile(r"^(.{3,80}?)\s*(?:\([^()]{1,80}\))?,?\s+on\s+(.{4,120})$")
# What _ON_TOPIC cannot match without (its "\s+on\s+"): a plain search, where the pattern backtracks through
# every split of the line's first 80 characters before it fails
_ON_WORD = re.compile(r"\son\s")
_SEP_RANK = {"—": 0, "–": 0, "-": 1, "--": 1, "|": 2, "by": 3, ":": 4}


def make_hit(title, names: list[str], block: int, offset: int = 0, **kw) -> TalkHit:
    spelled = kw.pop("spelled", None) or names
    return TalkHit(
        clean_title(title), names, block, offset, spelled_speakers=[strip_honorific(s) for s in spelled], **kw
    )


def video_slides(block: Block) -> list[str]:
    return [
        s.href for s in block.links if s.href and not s.image and classify_url(s.href, s.label) in ("video", "slides")
    ]


def intro_says_not_attended(blocks: list[Block], i: int) -> bool:
    """A list introduced by "What I had circled and missed:" holds no talks."""
    j = i
    while j > 0 and blocks[j - 1].kind == "item":
        j -= 1
    intro = blocks[j - 1] if j > 0 else None
    return bool(
        intro
        and intro.kind == "paragraph"
        and intro.text.rstrip().endswith(":")
        and NOT_ATTENDED_FOLDED.search(intro.text)
    )


def prose_talks(blocks: list[Block], skip: set[int], exclude: set[str], taken: set[int]) -> list[TalkHit]:
    """Sentence-level talks in paragraphs and items not already claimed by another layout."""
    hits: list[TalkHit] = []
    for i, block in enumerate(blocks):
        if i in skip or i in taken or block.kind not in ("paragraph", "html", "item") or block.quote:
            continue
        if block.kind == "item" and intro_says_not_attended(blocks, i):
            continue
        bold_lead = bool(block.emphasis) and block.emphasis[0][0] == 0
        for n, (a, b) in enumerate(sentences(block.text)):
            hit = prose_talk(block, i, a, b, exclude, weak=bold_lead and n <= 2)
            if hit:
                hits.append(hit)
    return _merge_same_speaker(hits)


_GIVEN_BY = Folded(re.compile(r"\b(?:given|presented|delivered|taught|led|run|facilitated)\s+by\s", re.IGNORECASE))
TALK_NOUN_IN = Folded(TALK_NOUN).search  # is there a talk noun in the text (faster on ASCII text)


def plain_sentence(block: Block, a: int, b: int) -> str:
    """The sentence with emphasised, quoted and linked phrases blanked: "*What Equalized Odds Can't Tell You*"
    is a title, not the writer saying they can't."""
    chars = list(block.text[a:b])
    for s, e in list(block.emphasis) + [(span.start, span.end) for span in block.links]:
        for k in range(max(s, a), min(e, b)):
            chars[k - a] = " "
    return re.sub(r"[\"“][^\"“”]{3,200}[\"”]", lambda m: " " * len(m.group(0)), "".join(chars))


def prose_talk(block: Block, i: int, a: int, b: int, exclude: set[str], weak: bool = False) -> TalkHit | None:
    sentence = block.text[a:b]
    pair = title_span_talk(block, a, b, exclude)
    # No talk here, attended or not. (The tests are pure: the not-attended one, which blanks the titles
    # first, runs only where a talk could be.)
    if not pair and not TALK_NOUN_IN(sentence) and not weak and not _GIVEN_BY.search(sentence):
        return None
    if NOT_ATTENDED_FOLDED.search(plain_sentence(block, a, b)):
        return None
    if pair:
        title, speakers = pair
        km = re.search(r"\b(keynote|panel|tutorial)\b", sentence, re.IGNORECASE)
        return make_hit(
            title,
            speakers.names,
            i,
            a,
            kind=km.group(1).lower() if km else None,
            links=talk_links(block, a, b, exclude),
            layout="prose",
            spelled=speakers.spelled,
        )
    m = KIND_PREFIX.match(sentence.strip(" *"))
    if m and re.match(r"(?:invited|keynote|contributed|plenary)", m.group(1), re.IGNORECASE):
        title, names, kind = split_title_speaker(sentence.strip(" *").rstrip("."))
        if names:
            return make_hit(title, names, i, a, kind=kind, links=talk_links(block, a, b, exclude), layout="prose")
    speakers: Speakers | None = find_speakers(block, a, b, weak=weak)
    if speakers is None:
        speakers = _name_after_title_link(block, a, b, exclude)
    if speakers is None:
        return None
    skip_titles = exclude | {speakers.link.label if speakers.link else ""}
    cands = [
        c
        for c in title_candidates(block, a, b, skip_titles)
        if not (speakers.start <= c[0] < speakers.end) and not any(n in c[1] for n in speakers.spelled)
    ]
    title = cands[0][1] if cands else None
    if title is None:
        rest = block.text[speakers.end : b]
        after = re.match(r"\s*(?:\([^()]{1,80}\)\s*)?,?\s*(?:on|about)\s+(.+)", rest)
        phrase = (
            topic_phrase("talk on " + after.group(1), cut_clauses=True)
            if after
            else topic_phrase(rest, cut_clauses=True) or topic_phrase(block.text[a:b])
        )
        if phrase and not any(n in phrase for n in speakers.spelled):
            title = phrase
    ordinal = None
    om = _ORDINAL.search(sentence)
    if om and re.search(
        r"\b(?:talk|keynote|lecture|presentation|speaker|part)\b", sentence[om.start() :], re.IGNORECASE
    ):
        ordinal = _ORDINALS[om.group(1).lower()]
    kind = "panel" if speakers.panel else None
    km = re.search(r"\b(keynote|panel|tutorial|award talk)\b", sentence, re.IGNORECASE)
    if km and not kind:
        kind = {"award talk": "main"}.get(km.group(1).lower(), km.group(1).lower())
    cited = re.findall(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]", sentence)
    return make_hit(
        title,
        speakers.names,
        i,
        a,
        kind=kind,
        links=talk_links(block, a, b, exclude),
        layout="prose",
        ordinal=ordinal,
        spelled=speakers.spelled,
        cited_in_intro=[f"[{n.strip()}]" for group in cited for n in group.split(",")],
    )


def _name_after_title_link(block: Block, a: int, b: int, exclude: set[str]) -> Speakers | None:
    """ "The first talk was on [Title](slides) Andrea Veladi." — the name right after the title link."""
    for _, _label, span in title_candidates(block, a, b, exclude):
        if span is None:
            continue
        rest = block.text[span.end : b]
        lead = len(rest) - len(rest.lstrip(" ,—–-:"))
        names, _ = names_at(block.text, span.end + lead)
        if names and names[0][1] == span.end + lead:
            return Speakers(
                [canonical_name(n) for n, _, _ in names],
                [strip_honorific(n) for n, _, _ in names],
                names[0][1],
                names[-1][2],
            )
    return None


def _merge_same_speaker(hits: list[TalkHit]) -> list[TalkHit]:
    """ "Susan Athey's tutorial on X. Susan Athey talked about X." is one talk."""
    out: list[TalkHit] = []
    for h in hits:
        prev = out[-1] if out else None
        if prev and prev.block == h.block and prev.speakers == h.speakers:
            prev.title = prev.title or h.title
            prev.links += [u for u in h.links if u not in prev.links]
            prev.cited_in_intro += h.cited_in_intro
            prev.kind = prev.kind or h.kind
            continue
        out.append(h)
    return out
