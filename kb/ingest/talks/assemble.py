"""Labels → talks (small rules): one talk per head, its title from the TITLE tokens, its speakers
from the SPEAKER runs, its kind from kind words in the head or the section above it, and one talk
for a title named twice (a schedule row and then its own heading).
"""

from __future__ import annotations

import re

from kb.ingest.events import LEAD
from kb.ingest.links import classify_url
from kb.ingest.markdown import Block
from kb.ingest.people import canonical_name, given_names, looks_like_person
from kb.ingest.records import Problem
from kb.ingest.talks.eventheads import learned_events
from kb.ingest.talks.features import DATE
from kb.ingest.talks.hits import TalkHit, clean_title, strip_kind_prefix
from kb.ingest.talks.model import Head, analyse, label_post
from kb.ingest.talks.titles import bare_kind_label
from kb.ingest.text import normalise_title

LOW_CONFIDENCE = 0.6
PROSE_WORDS = 40  # a head line longer than this is a paragraph of prose
_KINDS = (
    ("keynote", "keynote"),
    ("plenary", "plenary"),
    ("tutorial", "tutorial"),
    ("panel", "panel"),
    ("lightning", "session"),
    ("invited", "invited"),
    ("spotlight", "spotlight"),
    ("oral", "oral"),
    ("workshop", "workshop"),
)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|/|\+)\s*")
PROSE_SHARE = 0.5  # posts where at least this share of detector hits are sentences are told in prose


def unsure_talk(confidence: float, title: str | None, speakers: list[str], line: int | None) -> Problem:
    """The problem that says the extractor is unsure a talk starts at ``line``: what ``kb extract`` lists, and
    what the review screen reads a talk's confidence from (``kb.review.confidences`` parses its wording)."""
    return Problem(
        f"low confidence ({confidence:.2f}) that a talk starts here: {title or ', '.join(speakers)}",
        line=line,
        severity="info",
    )


def told_in_prose(rule_hits: list[TalkHit]) -> bool:
    """A blog post that tells its talks in sentences ("Tianqi Chen presented XGBoost [1]"), not a
    list of notes: the sentence detectors read it better than a line labeller (measured on our
    samples: holdout talks F1 0.83 → 0.88; on the real-corpus folds unchanged)."""
    return len(rule_hits) >= 2 and sum(h.layout == "prose" for h in rule_hits) >= PROSE_SHARE * len(rule_hits)


def learned_hits(
    blocks: list[Block],
    skip: set[int],
    rule_hits: list[TalkHit],
    problems: list[Problem],
    event_hits: list | None = None,
) -> list[TalkHit] | None:
    """Talks found by the trained labellers; None when no model is installed. ``event_hits``, the event
    rules' hits, is replaced in place by the events the labeller reads (:mod:`kb.ingest.talks.eventheads`).
    A post told in prose keeps the detectors' talks and events, with the labeller's named heads beside them
    (:func:`_prose_and_named_heads`)."""
    prose = told_in_prose(rule_hits)
    a = analyse(blocks, skip, rule_hits, event_hits or [])
    heads = label_post(blocks, a)
    if heads is None:
        return None
    if prose:
        return _prose_and_named_heads(blocks, heads, rule_hits, problems)
    if event_hits is not None:
        event_hits[:] = learned_events(blocks, a, event_hits)
    hits: list[TalkHit] = []
    for h in heads:
        if len(h.rules) > 1 or (h.rules and h.rules[0].layout == "prose"):
            # a sentence detector read this paragraph: it splits several talks, and it reads prose
            found = h.rules
        else:
            hit = _hit(blocks, h)
            found = [hit] if hit is not None else []
            head = h.window[0][1] if h.window else None
            if hit is not None and not hit.speakers and head is not None and len(head.text.split()) > PROSE_WORDS:
                # a talk named by nobody, whose "title" opens a long paragraph: prose, not a talk list
                problems.append(
                    Problem(
                        f"possibly a talk, not taken (no speaker, in running prose): {hit.title}",
                        line=blocks[hit.block].line,
                        severity="info",
                    )
                )
                found = []
        for hit in found:
            _add(hits, hit, h, blocks, problems)
    # Talks told in running prose ("Tianqi Chen presented XGBoost [1]") sit mid-paragraph, where a
    # line labeller cannot see them: the sentence detector's hits with a title and a speaker stay.
    covered = {(u.block, u.start) for h in heads for _, u, _ in h.window}
    for k, rules in a.rule_hits.items():
        u = a.units[k]
        if (u.block, u.start) not in covered:
            for r in rules:
                if r.title and (r.speakers if r.layout == "prose" else r.layout == "cued"):
                    _add(hits, r, Head(k, rules, [], [], 1.0), blocks, problems)
    hits.sort(key=lambda t: (t.block, t.offset))
    # "## Keynote: Grace Hopper" then "The invited talk *Compilers Ahead of Their Time* …": the sentence
    # titles the talk the heading opened (pipeline._talk_record), it is not a talk of its own
    return [
        h
        for k, h in enumerate(hits)
        if not (
            h.layout == "cued"
            and k
            and h.block - hits[k - 1].block <= 1
            and (not hits[k - 1].title or bare_kind_label(hits[k - 1].title))
        )
    ]


def _prose_and_named_heads(
    blocks: list[Block], heads: list[Head], rule_hits: list[TalkHit], problems: list[Problem]
) -> list[TalkHit]:
    """A post told in prose: the sentence detectors' talks, and the labeller's heads that name a title and
    a speaker in a block no detector read ("🌳 [Title - Jane Doe](video)" paragraphs between the prose).
    Its speakerless heads stay out: in such posts they are the writer's topic headings, not talks
    (repository folds: taking every head gave talks 0.645 → 0.645, precision 0.70 → 0.68)."""
    taken = {h.block for h in rule_hits}
    hits = list(rule_hits)
    for h in heads:
        if h.rules:
            continue
        hit = _hit(blocks, h)
        if hit is not None and hit.title and hit.speakers and hit.block not in taken:
            _add(hits, hit, h, blocks, problems)
    hits.sort(key=lambda t: (t.block, t.offset))
    return hits


def _add(hits: list[TalkHit], hit: TalkHit, h: Head, blocks: list[Block], problems: list[Problem]) -> None:
    """One talk per title: a title named again (schedule row, then its heading) adds its speakers."""
    key = normalise_title(hit.title) if hit.title else None
    twin = next((g for g in hits if key and g.title and normalise_title(g.title) == key), None)
    if twin is not None:
        twin.speakers += [s for s in hit.speakers if s not in twin.speakers]
        return
    prev = hits[-1] if hits else None
    if (
        prev is not None
        and not hit.title
        and hit.speakers
        and prev.title
        and not prev.speakers
        and 0 <= hit.block - prev.block <= 1
    ):
        # "**A. Streaming tables**" then "- speaker: Jane Doe": a line that only names who spoke, right
        # under a title that names nobody, is that talk's speaker line, not a talk of its own
        prev.speakers, prev.spelled_speakers = hit.speakers, hit.spelled_speakers
        prev.links += [u for u in hit.links if u not in prev.links]
        return
    hits.append(hit)
    if hit.layout == "learned":
        hit.confidence = h.confidence
    if h.confidence < LOW_CONFIDENCE:
        problems.append(unsure_talk(h.confidence, hit.title, hit.speakers, blocks[hit.block].line))


def _runs(h: Head, label: str) -> list[tuple[int, int, int]]:
    """(block, start, end) of each run of ``label`` tokens on one line."""
    out: list[tuple[int, int, int]] = []
    prev = None
    k = 0
    for n, u, toks in h.window:
        for t in toks:
            lab = h.labels[k] if k < len(h.labels) else "O"
            k += 1
            if lab == label:
                if prev is not None and prev[0] == n and out:
                    out[-1] = (out[-1][0], out[-1][1], t.end)
                else:
                    out.append((u.block, t.start, t.end))
                prev = (n, k)
            else:
                prev = None
    return out


def _closed(text: str, start: int, end: int) -> str:
    """A title run, with the ")" it stopped before when it opened a parenthesis: "Deconstructing P vs NP (or
    why I hate sudoku)" is the title; cut at its "(", it would lose what the parenthesis says."""
    run = text[start:end]
    if run.count("(") > run.count(")") and text[end:].lstrip(" ").startswith(")"):
        return text[start : text.index(")", end) + 1]
    return run


def _name_like(part: str) -> bool:
    """What the span tagger calls a speaker is one if it reads as a name ("axel donath" too: notes are
    typed fast), or is a lone given name ("David") as the post wrote it."""
    if len(part) < 2 or not any(c.isalpha() for c in part):
        return False
    if " " not in part:
        return part[:1].isupper() and part in given_names()
    return looks_like_person(part) or (part.islower() and looks_like_person(part.title()))


_TITLE_DASH_NAME = re.compile(r"^(?P<title>.*\S)\s+[-–—]\s+(?P<name>[^-–—()]+?)\s*(?:\((?P<affil>[^()]*)\))?$")


def _trailing_speaker(title: str) -> tuple[str, list[str], list[str]]:
    """ "Test flakiness - jason palmer (spotify)": a name after the last dash is the speaker, however
    it is typed (the tagger learned capitalised names best)."""
    m = _TITLE_DASH_NAME.match(title)
    if m and _name_like(m.group("name")):
        name = m.group("name")
        return m.group("title"), [_canonical(name)], [name]
    return title, [], []


def _is_byline(title: str, names: list[str]) -> bool:
    """The title is a speaker's name with at most an affiliation after it ("Jane Doe@Acme",
    "Jane Doe (Acme)", "Jane Doe, Acme")."""
    low = title.lower()
    return any(low.startswith(n.lower()) and re.fullmatch(r"\s*(?:[@,(|–—-].*)?", low[len(n) :]) for n in names if n)


def _canonical(name: str) -> str:
    return canonical_name(name if any(c.isupper() for c in name) else name.title())


def _title_text(text: str) -> str | None:
    """A title as the post typed it, without list label, time slot or kind prefix."""
    return clean_title(LEAD.sub("", strip_kind_prefix(LEAD.sub("", text.strip()))))


def _speakers(blocks: list[Block], h: Head) -> tuple[list[str], list[str]]:
    """(canonical names, the post's spellings) of the SPEAKER runs of a head's window."""
    speakers: list[str] = []
    spelled: list[str] = []
    line_starts = {(u.block, u.start + len(u.text) - len(u.text.lstrip())) for _, u, _ in h.window}
    for b, s, e in _runs(h, "SPEAKER"):
        run = blocks[b].text[s:e]
        if (b, s) in line_starts:  # "G. Owen Zhang - …": a list label, not an initial
            run = LEAD.sub("", run)
        for part in _NAME_SPLIT.split(run):
            part = part.strip(" .:-–—()[]*_\"'")
            if _name_like(part) and _canonical(part) not in speakers:
                speakers.append(_canonical(part))
                spelled.append(part)
    return speakers, spelled


def _rule_speakers(rule: TalkHit, title: str | None, line: str) -> tuple[list[str], list[str]]:
    """A detector's speakers that read as names once a list label is off and are not the title
    ("B. Tools Plenary" over "Tools Plenary" is neither). Only a name that opens the head ``line`` can
    carry a list label: "… by K. Zhang" keeps its initial."""
    speakers: list[str] = []
    spelled: list[str] = []
    opening = line.lstrip(" \t*_#>")
    for name, as_written in zip(rule.speakers, rule.spelled_speakers or rule.speakers, strict=False):
        bare = LEAD.sub("", as_written) if opening.startswith(as_written) else as_written
        if bare != as_written and (not _name_like(bare) or (title and normalise_title(bare) == normalise_title(title))):
            continue
        speakers.append(name if bare == as_written else _canonical(bare))
        spelled.append(bare)
    return speakers, spelled


def _hit(blocks: list[Block], h: Head) -> TalkHit | None:
    head = h.window[0][1] if h.window else None
    if head is None:
        return None
    titles = _runs(h, "TITLE")
    title = _title_text(_closed(blocks[titles[0][0]].text, *titles[0][1:])) if titles else None
    speakers, spelled = _speakers(blocks, h)
    if title and speakers and _is_byline(title, spelled):
        title = None  # "Arash Vahdat@NVIDIA" is who spoke, not what about
    if not title and speakers:
        # "## Keynote: Can Models Forget?" then "delivered by Jane Doe": the heading (the head itself, or
        # the line just above it) names the talk
        named = head if head.kind == "heading" else h.above
        if (
            named is not None
            and named.kind == "heading"
            and not DATE.search(named.text)
            and not _is_byline(named.text.strip(), spelled)
        ):
            title = _title_text(named.text)
    if title and not speakers:
        title, speakers, spelled = _trailing_speaker(title)
    rule = h.rules[0] if h.rules else None
    if rule is not None:  # what the span tagger left empty, the detector that fired here may know
        title = title or rule.title
        if not speakers:
            speakers, spelled = _rule_speakers(rule, title, head.text)
    if not title and not speakers:
        return None
    window_text = " ".join(u.text for _, u, _ in h.window[:2]).lower()
    section = " ".join(blocks[head.block].section[-2:]).lower()
    kind = next((k for w, k in _KINDS if w in window_text), None) or next(
        (k for w, k in _KINDS if w in section), "talk"
    )
    links = [
        s.href
        for s in blocks[head.block].links
        if head.start <= s.start < head.end
        and not s.image
        and s.href
        and classify_url(s.href, s.label) in ("slides", "video")
    ]
    return TalkHit(
        title=title,
        speakers=speakers,
        block=head.block,
        offset=head.start,
        kind=kind,
        links=links,
        layout="learned",
        heading_level=head.level if head.kind == "heading" else None,
        spelled_speakers=spelled,
    )
