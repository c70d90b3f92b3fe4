"""Training examples for the talk labellers, from our gold files over the real corpus.

Gold files name talks and speakers, not positions; every non-inferred title occurs verbatim in its
post (CONVENTIONS, decision 4), so positions are found again here: a talk's head is the line that
holds its title (or, for an inferred title, its first speaker), taken in reading order; its speakers
are the tokens of the head and the next lines that spell a speaker's name (canonical name, the
post's spelling, or the family name alone).
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass

from kb.ingest.pipeline import prepare
from kb.ingest.talks.features import token_features
from kb.ingest.talks.model import Analysis, analyse, head_windows
from kb.ingest.talks.units import TOKEN, Token


def norm_token(t: str) -> str:
    t = unicodedata.normalize("NFKD", t.lower().rstrip("."))
    return "".join(c for c in t if c.isalnum())


def norm_tokens(text: str) -> list[str]:
    return [n for n in (norm_token(m.group()) for m in TOKEN.finditer(html.unescape(text))) if n]


def find(seq: list[str], target: list[str], start: int = 0) -> int:
    """Index in ``seq`` where ``target`` occurs as a contiguous run, or -1."""
    if not target:
        return -1
    for i in range(start, len(seq) - len(target) + 1):
        if seq[i : i + len(target)] == target:
            return i
    return -1


@dataclass
class Example:
    line_features: list[list[str]]
    line_labels: list[str]
    span_features: list[list[list[str]]]
    span_labels: list[list[str]]
    unmatched: list[str]  # gold talks no line was found for
    units: list = None  # the analysis's units (the second pass reads their shapes)
    group: str = ""  # repository (cross-validation keeps a repository's documents together)
    author: str = ""  # whose style the post shares (:mod:`kb.ingest.talks.style`); the group when empty


def speaker_forms(gold: dict, name: str) -> list[list[str]]:
    forms = [name]
    for p in gold.get("people", []):
        if p.get("name") == name and p.get("spelled_in_post"):
            forms.append(p["spelled_in_post"])
    parts = name.split()
    if len(parts) > 1:
        forms.append(parts[-1])
        forms.append(parts[0])
    return [norm_tokens(f) for f in forms if norm_tokens(f)]


def example(text: str, source: str, gold: dict) -> tuple[Example, Analysis]:
    p = prepare(text, source)
    a = analyse(p.blocks, p.ref_blocks, p.rule_hits, p.event_hits)
    unit_toks = [norm_tokens(u.text) for u in a.units]
    heads: list[tuple[int, dict]] = []
    used: set[int] = set()
    unmatched = []
    last = -1
    for talk in gold.get("talks", []):
        target = [] if talk.get("title_inferred") else norm_tokens(talk.get("title") or "")
        if not target and talk.get("speakers"):
            target = speaker_forms(gold, talk["speakers"][0])[0]
        k = _locate(unit_toks, target, last, used, a.units)
        if k < 0 and len(target) > 4:
            k = _locate(unit_toks, target[:4], last, used, a.units)
        if k < 0:
            unmatched.append(talk.get("title") or "")
            continue
        used.add(k)  # taken; but the line just taken stays open: a paragraph may tell several talks
        heads.append((k, talk))
        last = k
    heads.sort(key=lambda x: x[0])
    seen: set[int] = set()
    heads = [(k, t) for k, t in heads if not (k in seen or seen.add(k))]
    labels = ["O"] * len(a.units)
    for n, (k, _) in enumerate(heads):
        labels[k] = "H"
        stop = heads[n + 1][0] if n + 1 < len(heads) else len(a.units)
        hu = a.units[k]
        for j in range(k + 1, stop):
            u = a.units[j]
            if u.kind == "heading" and (hu.kind != "heading" or u.level <= hu.level):
                break
            labels[j] = "I"
    for k in event_lines(unit_toks, gold):
        if labels[k] != "H":
            labels[k] = "E"
    windows = head_windows(p.blocks, a, [k for k, _ in heads])
    sf, sl = [], []
    for (_k, talk), window in zip(heads, windows, strict=False):
        sf.append(token_features(window, a.rule_spans))
        sl.append(_token_labels(window, talk, gold))
    return Example(a.line_features, labels, sf, sl, unmatched, a.units), a


EVENT_COVER = 0.5  # an event's name is at least half of the line's words: the line names the event


def event_lines(unit_toks: list[list[str]], gold: dict) -> list[int]:
    """Lines that name a gold event ("### Lightning Talks", "**Session 2: Tail Risks**"), not lines that
    only mention one in a sentence."""
    out = []
    for ev in gold.get("events", []):
        for form in {ev.get("name") or "", ev.get("spelled_in_post") or ""}:
            target = norm_tokens(form)
            out += [
                k
                for k, toks in enumerate(unit_toks)
                if toks and find(toks, target) >= 0 and len(target) >= EVENT_COVER * len(toks)
            ]
    return sorted(set(out))


def _locate(unit_toks: list[list[str]], target: list[str], last: int, used: set[int], units: list) -> int:
    """The line that heads a gold talk: the first after the previous talk's that holds its title, not a
    table-of-contents entry (a line linking into the post names a section, it is not one)."""
    if not target:
        return -1
    cands = [k for k, toks in enumerate(unit_toks) if (k not in used or k == last) and find(toks, target) >= 0]
    if not cands:
        return -1
    cands = [k for k in cands if not units[k].anchor] or cands
    after = [k for k in cands if k > last] or cands
    good = [k for k in after if len(target) / max(1, len(unit_toks[k])) >= 0.34]
    return (good or after)[0]


def _token_labels(window: list, talk: dict, gold: dict) -> list[str]:
    flat: list[tuple[int, Token]] = [(n, t) for n, _, toks in window for t in toks]
    norm = [norm_token(t.text) for _, t in flat]
    idx = [i for i, x in enumerate(norm) if x]
    seq = [norm[i] for i in idx]
    labels = ["O"] * len(flat)

    def mark(target: list[str], label: str) -> bool:
        at = find(seq, target)
        while at >= 0:
            span = idx[at : at + len(target)]
            if all(labels[i] == "O" for i in span):
                for i in range(span[0], span[-1] + 1):
                    labels[i] = label
                return True
            at = find(seq, target, at + 1)
        return False

    if not talk.get("title_inferred") and talk.get("title"):
        target = norm_tokens(talk["title"])
        if not mark(target, "TITLE") and len(target) > 4:
            mark(target[:4], "TITLE")
    for name in talk.get("speakers", []):
        for form in speaker_forms(gold, name):
            if mark(form, "SPEAKER"):
                break
    return labels
