"""Find a talk again after its post changed a little: by title (fuzzy), speakers, line and position.

A user's talk edit remembers the talk as the extractor last found it (an *anchor*). When the post is
re-imported its talks may have moved a line, gained "(2019)" in the title or lost a speaker; the
edit must still land on its talk. :func:`match` pairs anchors with extracted talks one to one, best
pairs first, and leaves an anchor unpaired when no talk is close enough (the edit is then kept,
stale, for the user to see).
"""

from __future__ import annotations

from rapidfuzz import fuzz

from kb.ingest.people import person_key
from kb.ingest.records import Talk
from kb.ingest.text import normalise_title

MIN_SCORE = 0.6


def anchor_of(talk: Talk, position: int) -> dict:
    return {"title": talk.title, "speakers": list(talk.speakers), "line": talk.line, "position": position}


def _speakers(names) -> set[str]:
    return {person_key(n) for n in names or [] if n}


def score(anchor: dict, talk: Talk, position: int) -> float:
    """0..1: how surely ``talk`` (at ``position``) is the talk ``anchor`` describes."""
    a_title, t_title = normalise_title(anchor.get("title") or ""), normalise_title(talk.title or "")
    if a_title and t_title:
        title = fuzz.ratio(a_title, t_title) / 100
        if min(len(a_title), len(t_title)) >= 12:  # a title that gained or lost a tail ("… NLP (2019)")
            title = max(title, fuzz.partial_ratio(a_title, t_title) / 100 - 0.05)
    else:
        title = 0.5 if not (a_title or t_title) else 0.0
    a_sp, t_sp = _speakers(anchor.get("speakers")), _speakers(talk.speakers)
    speakers = len(a_sp & t_sp) / len(a_sp | t_sp) if (a_sp or t_sp) else 0.5
    line = anchor.get("line")
    near = 1.0 - min(abs(line - talk.line), 20) / 20 if line is not None and talk.line is not None else 0.0
    same_pos = 1.0 if anchor.get("position") == position else 0.0
    s = 0.55 * title + 0.25 * speakers + 0.12 * near + 0.08 * same_pos
    if title < 0.75 and speakers < 0.5 and not (title == 0.5 and near == 1.0):
        return 0.0  # neither the title nor the speakers say it is the same talk
    return s


def match(anchors: list[dict], talks: list[Talk]) -> dict[int, int]:
    """{anchor index: talk index}, one to one, best-scoring pairs first; deterministic."""
    pairs = sorted(
        ((score(a, t, k), n, k) for n, a in enumerate(anchors) for k, t in enumerate(talks)),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    out: dict[int, int] = {}
    taken: set[int] = set()
    for s, n, k in pairs:
        if s < MIN_SCORE:
            break
        if n not in out and k not in taken:
            out[n] = k
            taken.add(k)
    return out
