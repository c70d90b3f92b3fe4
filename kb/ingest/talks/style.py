"""An author's style: which line shapes head talks in the posts a user corrected.

One author writes every post alike: talks under ``###`` headings with a "**Speaker**:" line below, or
as bold list items "**Title** — Name". A corrected post says which of its lines were talk heads, event
lines, bodies or nothing; a :class:`Style` counts those labels by the line's *shape key* (its kind,
level and emphasis; finer, also its separators, time prefix and speaker cues), and the line labeller
reads, for each line of a new post, what the author's corrected posts did with lines of its key
(``sty_f=H``: lines of this key were heads; ``sty_f=new``: the author's posts have no line like it).

A KB's model (``kb train``) learns those features' weights like any other: in its training, a document
of a repository with other annotated documents reads the style of those others (leave one out), the
situation of a user whose earlier posts are corrected. The shipped model reads no style: a KB without
corrections has none, and training with styles costs the plain reading (repository folds: citations
0.446 → 0.396, talks 0.642 → 0.641), for +0.012 talks on documents whose author's other posts are known.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from kb.ingest.talks.units import Unit

# The unit features (kb.ingest.talks.features) a fine key adds to the coarse one.
_FINE = ("time=", "sep_name=", "by_Name", "speaker_label", "kind_first", "enum=", "section_word", "anchor")
_LABELS = ("H", "I", "E", "O")
_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
_SHORT = 6  # words of a line whose text is a key


def keys(u: Unit, feats: Sequence[str]) -> tuple[str, ...]:
    """The coarse and fine shape keys of a line (``feats``: its unit features), and for a short line its
    words (digits as 0): an author's recurring section names ("Day 2", "Things to read")."""
    coarse = f"{u.kind}{u.level if u.kind in ('heading', 'item') else ''}|{int(u.bold)}{int(u.lead_emph)}{int(u.first)}"
    fine = [coarse, "link" if u.link_cover >= 0.5 else ""]
    fine += [f for f in feats if f.startswith(_FINE)]
    words = _WORD.findall(u.text.lower())
    text = "t:" + " ".join(_DIGITS.sub("0", w) for w in words) if 0 < len(words) <= _SHORT else ""
    return coarse, "|".join(fine), text


class Style:
    """Label counts by shape key, learned from labelled posts."""

    def __init__(self, counts: dict[str, dict[str, int]] | None = None, posts: int = 0):
        self.counts: dict[str, Counter] = {k: Counter(v) for k, v in (counts or {}).items()}
        self.posts = posts

    def add(self, units: Sequence[Unit], feats: Sequence[Sequence[str]], labels: Sequence[str]) -> None:
        """Count one labelled post."""
        for u, f, lab in zip(units, feats, labels, strict=True):
            for key in keys(u, f):
                if key:
                    self.counts.setdefault(key, Counter())[lab] += 1
        self.posts += 1

    def __bool__(self) -> bool:
        return self.posts > 0

    def line_features(self, u: Unit, feats: Sequence[str]) -> list[str]:
        """What the style says of a line: per key, the label its lines mostly had, and whether any of
        them was a head; ``new`` when the author's posts have no line of that key."""
        out = []
        for name, key in zip(("c", "f", "t"), keys(u, feats), strict=True):
            c = self.counts.get(key) if key else None
            if not c:
                if name != "t":
                    out.append(f"sty_{name}=new")
                continue
            n = sum(c.values())
            top = max(_LABELS, key=lambda lab: (c[lab], lab))
            out.append(f"sty_{name}={top}")
            h = c["H"] / n
            out.append(f"sty_{name}_h={'0' if not h else 'some' if h < 0.5 else 'most'}")
        return out

    def apply(self, units: Sequence[Unit], feats: Sequence[Sequence[str]]) -> list[list[str]]:
        """The line features with the style's features added (new lists)."""
        return [[*f, *self.line_features(u, f)] for u, f in zip(units, feats, strict=True)]

    def to_json(self) -> dict:
        return {"posts": self.posts, "counts": {k: dict(sorted(c.items())) for k, c in sorted(self.counts.items())}}

    @classmethod
    def from_json(cls, data: dict | None) -> Style | None:
        if not data or not data.get("posts"):
            return None
        return cls(data.get("counts"), data["posts"])


def learn(examples: Iterable) -> Style:
    """The style of labelled examples (:class:`kb.ingest.talks.examples.Example`: units, features, labels)."""
    style = Style()
    for ex in examples:
        style.add(ex.units, ex.line_features, ex.line_labels)
    return style


def leave_one_out(examples: list) -> list:
    """Each example whose author has other distinct examples, with the style of those others added to its
    line features (a copy of the example); the rest unchanged. Repeated copies of one example (our samples,
    a corrected post's weight) count once."""
    by_author: dict[str, list] = {}
    for ex in examples:
        group = by_author.setdefault(_author(ex), [])
        if all(ex is not other for other in group):
            group.append(ex)
    made: dict[int, object] = {}
    out = []
    for ex in examples:
        peers = [o for o in by_author[_author(ex)] if o is not ex]
        if not peers:
            out.append(ex)
            continue
        if id(ex) not in made:
            style = learn(peers)
            made[id(ex)] = _with_features(ex, style.apply(ex.units, ex.line_features))
        out.append(made[id(ex)])
    return out


def _author(ex) -> str:
    return ex.author or ex.group


def _with_features(ex, feats: list[list[str]]):
    return replace(ex, line_features=feats)
