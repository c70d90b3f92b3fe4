"""One talk or many: most real notes (1,309 of the corpus's 1,561 files) are about a single talk, whose
sub-headings are parts of that talk, not talks. A document classifier (maximum entropy, python-crfsuite
over one-item sequences) trained on the corpus's own single/multi labels of train+dev decides from the
post's shape; a single-talk note then becomes one talk: its title from the front matter or the top
heading (kind prefix and speaker suffix off), its speakers from the labellers' hits near the top.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pycrfsuite

from kb.ingest.lexicon import lexicon, rarity
from kb.ingest.markdown import Block
from kb.ingest.people import given_names, looks_like_person
from kb.ingest.talks.features import DATE, bucket
from kb.ingest.talks.hits import TalkHit, clean_title, strip_kind_prefix

HERE = Path(__file__).parent
DOC_MODEL = HERE / "document.crfsuite"
# 0.6 since the collected posts (all multi-talk) joined the classifier's training: 575 multi-talk examples
# against 214 moved its prior towards "many" (odds ×0.37). By repository folds over the 1,644 posts, single /
# multi read right: 0.923 / 0.899 at 0.6, 0.900 / 0.925 at 0.7 (equal at 0.65); single-talk notes are 84 % of
# the corpus. Talks by folds (620 annotated documents, nearly all multi): 0.637 at 0.6, 0.639 at 0.7.
# With the 93 posts collected next (1,737 posts, 668 multi-talk): 0.921 / 0.913 at 0.6, 0.898 / 0.937 at 0.7.
SINGLE = 0.6  # probability of "one talk" above which the post is read as a single-talk note …
SURE = 0.95  # … unless talks by two different people were found, which only this much certainty overrides
TOP_LINES = 12  # speakers of a single talk are named near its top

_lock = threading.Lock()
_tagger: list[tuple[Path, pycrfsuite.Tagger]] = []
_SPEAKER_SUFFIX = re.compile(
    r"^(.{8,}?)\s+(?:[-–—|:]|by)\s+([A-ZÀ-ÖØ-Þ][\w'’.\-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’.\-]+){1,3})\s*$"
)
_SPEAKER_PREFIX = re.compile(r"^([A-ZÀ-ÖØ-Þ][\w'’.\-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’.\-]+){1,3})\s+[-–—|]\s+(.{8,})$")
_SMALL = frozenset({"a", "an", "the", "of", "and", "or", "in", "on", "for", "to", "with", "at", "by", "from", "vs"})


def _title_like(line: str) -> bool:
    """A short line in title case, not a sentence: "Performance Testing and Profiling: A Virtuous Cycle"."""
    words = re.findall(r"[^\W\d_][\w'’]*", line)
    content = [w for w in words if w.lower() not in _SMALL]
    return (
        0 < len(words) <= 15
        and "," not in line
        and not line.rstrip().endswith(".")
        and sum(w[:1].isupper() for w in content) >= 0.6 * max(len(content), 1)
    )


_SPEAKER_PARENS = re.compile(r"^(.{8,}?)\s*\(([A-ZÀ-ÖØ-Þ][\w'’.\-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’.\-]+){1,3})\)\s*$")


def _model(path: Path | None = None) -> pycrfsuite.Tagger | None:
    path = path or DOC_MODEL
    if not path.exists():
        return None
    with _lock:
        if not _tagger or _tagger[0][0] != path:
            t = pycrfsuite.Tagger()
            t.open(str(path))
            _tagger[:] = [(path, t)]
        return _tagger[0][1]


def doc_features(front_matter: dict, blocks: list[Block], source: str, hits: list[TalkHit]) -> list[str]:
    """What tells a note about one talk from notes about many, independent of the words of the talk."""
    lex = lexicon()
    heads = [b for b in blocks if b.kind == "heading"]
    levels = [b.level for b in heads]
    words = sum(len(b.text.split()) for b in blocks)
    items = sum(1 for b in blocks if b.kind == "item")
    rows = sum(1 for b in blocks if b.kind == "row")
    speakers = {s for h in hits for s in h.speakers}
    top = min(levels) if levels else 0
    f = [
        f"heads={bucket(len(heads))}",
        f"top={top}",
        f"ntop={bucket(levels.count(top)) if levels else 0}",
        f"first_level={levels[0] if levels else 0}",
        f"words={bucket(words // 50)}",
        f"items={bucket(items)}",
        f"rows={bucket(rows)}",
        f"hits={bucket(len(hits))}",
        f"speakers={bucket(len(speakers))}",
        f"fm_title={bool(front_matter.get('title'))}",
    ]
    for key in ("speaker", "speakers", "event", "talk", "slides", "video", "tags", "categories", "layout", "date"):
        if front_matter.get(key):
            f.append(f"fm_{key}")
    name = Path(source).stem.lower()
    for w in re.findall(r"[a-z]+", name):
        if w in (
            "day",
            "days",
            "notes",
            "index",
            "readme",
            "summary",
            "recap",
            "review",
            "conference",
            "talks",
            "sessions",
            "lightning",
            "keynotes",
            "workshop",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "highlights",
            "trip",
            "report",
            "morning",
            "afternoon",
            "plenary",
            "plenaries",
            "session",
            "track",
            "panels",
            "meetup",
            "meetups",
        ):
            f.append(f"file_{w}")
    if re.search(r"\d{4}", name):
        f.append("file_year")
    f.append(f"file_words={bucket(len(re.findall(r'[a-z]+', name)))}")
    title = str(front_matter.get("title") or (heads[0].text if heads else ""))
    tw = [w.lower() for w in re.findall(r"[^\W\d_]+", title)]
    if any(w in lex["kind"] for w in tw):
        f.append("title_kind")
    if any(w in ("notes", "day", "recap", "summary", "highlights", "review", "report") for w in tw):
        f.append("title_notes")
    if re.search(r"\b(?:19|20)\d{2}\b", title):
        f.append("title_year")
    titles = [h.title for h in hits if h.title]
    if titles:
        mean = sum(len(t.split()) for t in titles) / len(titles)
        f.append(f"hit_words={bucket(round(mean))}")
        sections = lex["non_talk_section"]
        generic = sum(1 for t in titles if len(t.split()) <= 2 or t.lower().strip(" :.") in sections)
        f.append(f"hit_generic={round(4 * generic / len(titles))}")
    named = sum(1 for b in heads if looks_like_person(b.text))
    f.append(f"named_heads={bucket(named)}")
    kinds = sum(1 for b in heads if any(w.lower() in lex["kind"] for w in b.text.split()))
    f.append(f"kind_heads={bucket(kinds)}")
    return f


def single_probability(features: list[str], model: Path | None = None) -> float | None:
    t = _model(model)
    if t is None:
        return None
    t.set([features])
    t.tag()
    return t.marginal("single", 0)


def collapse(single: float, hits: list[TalkHit]) -> bool:
    """Read the post as one talk? Talks by two different people found need the classifier to be sure."""
    return single >= SINGLE and (single >= SURE or not several_speakers(hits))


def _named(speaker: str) -> bool:
    """ "Mara Bos", not "Key Takeaways": a known given name, or a first word no dictionary has."""
    words = speaker.split()
    return len(words) >= 2 and (words[0] in given_names() or rarity(words[0]) >= 2)


_CUE = re.compile(r"^(?:(?:speakers?|presenters?|presented by|given by|by)\s*:?\s+)?(.+)$", re.IGNORECASE)


def _generic(heading: str) -> bool:
    """ "Day 2", "Notes", "Tuesday, May 3": a heading that names the day or the notes, not a talk."""
    return bool(DATE.search(heading)) or any(
        w
        in (
            "day",
            "notes",
            "recap",
            "summary",
            "highlights",
            "review",
            "report",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        )
        for w in re.findall(r"[a-z]+", heading.lower())
    )


def _name_line(blocks: list[Block], title_block: int) -> list[str]:
    """A line of its own near the top that is only a name ("### Mara Bos", "Speaker: Ana Lopez")."""
    top = blocks[title_block].line + TOP_LINES
    for b in blocks[title_block + 1 :]:
        if b.line > top:
            break
        for line in b.text.split("\n")[:2]:
            m = _CUE.match(line.strip().strip("*_ "))
            name = m.group(1).strip(" *_.,") if m else ""
            if name and len(name.split()) <= 4 and _named(name) and looks_like_person(name):
                return [name]
    return []


def several_speakers(hits: list[TalkHit]) -> bool:
    """Two titled talks by different people: a note of several talks, whatever its shape says."""
    by = {
        (h.title or "").lower(): frozenset(h.speakers)
        for h in hits
        if h.title and h.speakers and any(_named(s) for s in h.speakers)
    }
    return len(by) >= 2 and len(set(by.values())) >= 2


def single_talk(front_matter: dict, blocks: list[Block], source: str, hits: list[TalkHit], skip: set[int]) -> TalkHit:
    """The one talk of a single-talk note."""
    heads = [(i, b) for i, b in enumerate(blocks) if b.kind == "heading" and i not in skip]
    titled = [h for h in hits if h.title]
    top_text = str(front_matter.get("title") or next((b.text for _, b in heads), ""))
    generic = not top_text or _generic(top_text)
    if len(titled) == 1 and (
        (titled[0].layout != "prose" and (titled[0].speakers or generic)) or (titled[0].speakers and generic)
    ):
        # the labellers found the one talk (a meetup page: "# Boulder meetup" / "## Plotting at scale")
        h = titled[0]
        return TalkHit(
            h.title,
            list(h.speakers),
            0,
            0,
            kind=h.kind or "talk",
            links=list(h.links),
            layout="document",
            heading_level=0,
            spelled_speakers=list(h.spelled_speakers),
            confidence=h.confidence,
        )
    raw = str(front_matter.get("title") or "").strip()
    block = 0
    if not raw and heads:
        top = min(b.level for _, b in heads)
        block, first = next((i, b) for i, b in heads if b.level == top)
        raw = first.text.strip()
        lead = blocks[0].text.split("\n")[0].strip() if blocks[0].kind != "heading" else ""
        if sum(1 for _, b in heads if b.level == top) > 1 and _title_like(lead):
            raw, block = lead, 0  # several top headings are the note's sections; its first line names the talk
    elif not raw and blocks and blocks[0].kind != "heading":
        first_line = blocks[0].text.split("\n")[0].strip()
        raw = first_line if _title_like(first_line) else ""
    raw = raw.lstrip("#").strip()
    speakers: list[str] = []
    title = clean_title(strip_kind_prefix(raw)) if raw else None
    for pattern in (_SPEAKER_SUFFIX, _SPEAKER_PARENS, _SPEAKER_PREFIX):
        m = pattern.match(title or "")
        if not m:
            continue
        name, rest = (m.group(1), m.group(2)) if pattern is _SPEAKER_PREFIX else (m.group(2), m.group(1))
        if looks_like_person(name):
            title, speakers = clean_title(rest), [name]
            break
    for key in ("speaker", "speakers", "presenter"):
        value = front_matter.get(key)
        if isinstance(value, str) and value.strip():
            speakers = [s.strip() for s in re.split(r"\s*(?:,|&|\band\b)\s*", value) if s.strip()]
        elif isinstance(value, list):
            speakers = [str(s).strip() for s in value if str(s).strip()]
    near = [h for h in hits if h.speakers and blocks[h.block].line <= blocks[block].line + TOP_LINES]
    if not speakers and near:
        speakers = list(near[0].speakers)
    if not speakers:
        speakers = _name_line(blocks, block)
    inferred = title is None
    if inferred:
        stem = re.sub(r"^[\d_\-.]+", "", Path(source).stem)
        title = clean_title(re.sub(r"[_\-]+", " ", stem)) or None
    kind = next((h.kind for h in hits if h.kind and h.kind != "talk"), None)
    low = (raw or "").lower()
    for word, k in (("keynote", "keynote"), ("tutorial", "tutorial"), ("panel", "panel"), ("workshop", "workshop")):
        if word in low:
            kind = k
            break
    links = [u for h in hits for u in h.links]
    # heading_level 0: no heading of the note ends the talk's text (its sections are parts of the talk)
    return TalkHit(
        title,
        speakers,
        0,
        0,
        kind=kind or "talk",
        links=list(dict.fromkeys(links)),
        layout="document",
        heading_level=0,
        confidence=1.0,
    )
