"""The two trained labellers: lines (H = a talk starts here, I = inside a talk, E = a line naming an
event — session, track, workshop — O = outside), then
tokens of each talk head and the lines after it (TITLE, SPEAKER, O).

Both are CRFs (python-crfsuite) trained by ``python -m training.train_talks`` on our annotations of
the real corpus; the model files ship beside this module. :func:`label_post` returns, per talk, the
head unit and the labelled tokens; :mod:`kb.ingest.talks.assemble` makes talks of them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pycrfsuite

from kb.ingest.markdown import Block
from kb.ingest.talks.fastcrf import FAST_FROM, plain, span_tagger
from kb.ingest.talks.features import token_features, token_parts, unit_features, window_tokens
from kb.ingest.talks.hits import TalkHit
from kb.ingest.talks.style import Style
from kb.ingest.talks.units import TOKEN, Token, Unit, units

HERE = Path(__file__).parent
LINES_MODEL = HERE / "lines.crfsuite"
SPANS_MODEL = HERE / "spans.crfsuite"

STYLE: Style | None = None  # the style of the KB's corrected posts, when its model is in use (kb.teach)

_lock = threading.Lock()
_taggers: dict[Path, pycrfsuite.Tagger] = {}


def tagger(path: Path) -> pycrfsuite.Tagger | None:
    """The process-wide tagger over a shipped model; None when the model is not there."""
    t = _taggers.get(path)
    if t is None and path.exists():
        with _lock:
            t = _taggers.get(path)
            if t is None:
                t = pycrfsuite.Tagger()
                t.open(str(path))
                _taggers[path] = t
    return t


@dataclass
class Analysis:
    """What both labellers read: the units, their features, and the old detectors' hits located."""

    units: list[Unit]
    line_features: list[list[str]]
    rule_spans: dict[tuple[int, int], str]  # (block, token start) → TITLE / SPEAKER in a detector's hit
    rule_hits: dict[int, list[TalkHit]]  # unit index → the old detectors' hits that start in it
    rule_events: dict[int, list] = field(default_factory=dict)  # unit index → the event rules' hits in it
    labels: list[str] = field(default_factory=list)  # the line labels, once :func:`label_post` ran
    event_p: list[float] = field(default_factory=list)  # each line's marginal of E, once label_post ran


def analyse(blocks: list[Block], skip: set[int], rule_hits: list[TalkHit], event_hits: list = ()) -> Analysis:
    """Units and their features. ``event_hits``: :class:`kb.ingest.events.EventHit` s the event rules
    found, a feature of the lines they are in (the labeller's E label decides which are events)."""
    us = units(blocks, skip, join_wrapped=True)
    rule_heads: dict[tuple[int, int], str] = {}
    rule_spans: dict[tuple[int, int], str] = {}
    rule_by_unit: dict[int, list[TalkHit]] = {}
    by_block: dict[int, list[int]] = {}
    for k, u in enumerate(us):
        by_block.setdefault(u.block, []).append(k)
    for h in rule_hits:
        for k in by_block.get(h.block, []):
            u = us[k]
            if u.start <= h.offset <= u.end or (h.offset < u.start and u.first):
                rule_heads[(u.block, u.start)] = h.layout
                rule_by_unit.setdefault(k, []).append(h)
                break
        _mark(blocks, h.block, h.title, "TITLE", rule_spans)
        for name in h.spelled_speakers or h.speakers:
            _mark(blocks, h.block, name, "SPEAKER", rule_spans)
    rule_events: dict[tuple[int, int], str] = {}
    events_by_unit: dict[int, list] = {}
    for e in event_hits:
        for k in by_block.get(e.block, []):
            u = us[k]
            if u.start <= e.offset <= u.end:
                rule_events.setdefault((u.block, u.start), e.event.kind or "other")
                events_by_unit.setdefault(k, []).append(e)
                break
    return Analysis(
        us, unit_features(us, rule_heads, rule_events, blocks), rule_spans, rule_by_unit, rule_events=events_by_unit
    )


def _mark(blocks: list[Block], block: int, phrase: str | None, label: str, out: dict[tuple[int, int], str]) -> None:
    if not phrase:
        return
    for b in range(block, min(block + 3, len(blocks))):
        at = blocks[b].text.find(phrase)
        if at >= 0:
            for m in TOKEN.finditer(blocks[b].text, at, at + len(phrase)):
                out.setdefault((b, m.start()), label)
            return


@dataclass
class Head:
    unit: int
    rules: list[TalkHit]  # the old detectors' hits in the head line
    window: list[tuple[int, Unit, list[Token]]]
    labels: list[str]  # one per token of the window, in order
    confidence: float
    above: Unit | None = None  # the line before the head


def head_windows(blocks: list[Block], a: Analysis, heads: list[int]) -> list[list[tuple[int, Unit, list[Token]]]]:
    return [
        window_tokens(blocks, a.units, k, heads[n + 1] if n + 1 < len(heads) else len(a.units))
        for n, k in enumerate(heads)
    ]


SPEAKER_NEXT = "prominent=True&next_spk=True"


def siblings(a: Analysis, labels: list[str]) -> list[str]:
    """A post's talk heads share a template, and the line labeller, reading one line at a time,
    misses some of them. Document-level passes:

    * a head that is a prominent line followed by a speaker line ("**B. Title**" then "speaker: Jane
      Doe") makes every line of the same shape followed by a speaker line a head; two or more headings
      (or bold lines) of one level each followed by a line that says "Speaker: …" are heads too;
    * a shape of heading or bold line whose lines are at least half heads (two or more) makes the
      rest of them heads;
    * a heading, bold line or table row of a head's shape that the rule detectors read as a titled talk
      with a speaker ("### Fast builds (John Roe)" after "### Keynote: Testing at Scale (Jane Doe)", the
      next row of a talk table) is a head.
    """
    shapes = [u.shape for u in a.units]
    strong = {shapes[k] for k, lab in enumerate(labels) if lab == "H" and SPEAKER_NEXT in a.line_features[k]}
    labelled: dict[tuple, list[int]] = {}  # prominent lines whose next line says "Speaker: …", by kind
    for k in range(len(shapes) - 1):
        if SPEAKER_NEXT in a.line_features[k] and "speaker_label" in a.line_features[k + 1]:
            u = a.units[k]
            labelled.setdefault((u.kind, u.level, u.bold, u.lead_emph), []).append(k)
    labels = list(labels)
    for k in (k for ks in labelled.values() if len(ks) >= 2 for k in ks):
        if labels[k] != "E":
            labels[k] = "H"
    headed = {shapes[k] for k, lab in enumerate(labels) if lab == "H"}
    out = [
        "H"
        if lab != "E"  # the labeller's event lines stay events: these passes recover missed heads only
        and (
            (shapes[k] in strong and SPEAKER_NEXT in a.line_features[k])
            or (
                shapes[k] in headed
                and (a.units[k].kind in ("heading", "row") or a.units[k].bold or a.units[k].lead_emph)
                and any(h.title and h.speakers for h in a.rule_hits.get(k, []))
            )
        )
        else lab
        for k, lab in enumerate(labels)
    ]
    total: dict[str, int] = {}
    heads: dict[str, int] = {}
    for k, sh in enumerate(shapes):
        total[sh] = total.get(sh, 0) + 1
        heads[sh] = heads.get(sh, 0) + (out[k] == "H")
    return [
        "H"
        if out[k] != "E"
        and heads[sh] >= 2
        and 2 * heads[sh] >= total[sh]
        and (a.units[k].kind == "heading" or a.units[k].bold)
        and "section_word" not in a.line_features[k]  # "## Overview" among "## Title" headings: a section
        else out[k]
        for k, sh in enumerate(shapes)
    ]


def max_marginal(tagger, features: list) -> list[str]:
    """Each line's most probable label (posterior decoding; H from :data:`HEAD_P` on), not the single
    most probable sequence.

    Viterbi commits to one whole labelling: on a long post whose heads are each likely (marginal
    P(H) ≈ 0.7) but whose head-then-body pattern is unusual, the best single sequence can be all
    "O" — every talk lost at once. Deciding line by line keeps what the model believes of each line."""
    return decide(marginals(tagger, features))


# A line is a talk head once its marginal P(H) reaches this, even when another label is likelier: the
# labeller misses more heads than it invents (repository folds, 381 train/dev documents: precision 0.67,
# recall 0.54). Chosen by folds: with the features of the time, the most likely label gave talks F1 0.598
# (citations 0.323), 0.4 0.604 (0.323), 0.3 0.615 (0.369); earlier features 0.35 / 0.25 / 0.2 gave 0.610 /
# 0.609 / 0.612, but below 0.3 our sample posts lose talks (0.887 at 0.25).
HEAD_P = 0.3


def _most_likely(m: dict[str, float]) -> str:
    return max(m, key=lambda lab: (m[lab], lab))


def decide(table: list[dict[str, float]]) -> list[str]:
    """Each line's label from its marginals: the most likely one, or H from :data:`HEAD_P` on unless
    the line before is a head (a "speaker: …" line under a head is its body, however likely a head)."""
    out: list[str] = []
    for m in table:
        lab = _most_likely(m)
        if lab != "H" and m.get("H", 0.0) >= HEAD_P and not (out and out[-1] == "H"):
            lab = "H"
        out.append(lab)
    return out


def marginals(tagger, features: list) -> list[dict[str, float]]:
    """Each line's marginal probability of every label."""
    tagger.set(features)
    labels = tagger.labels()
    marginal = tagger.marginal
    return [{lab: marginal(lab, k) for lab in labels} for k in range(len(features))]


def label_post(blocks: list[Block], a: Analysis) -> list[Head] | None:
    """Talk heads with their labelled tokens; None when the models are not installed."""
    lines, spans = tagger(LINES_MODEL), tagger(SPANS_MODEL)
    if lines is None or spans is None:
        return None
    if not a.units:
        return []
    table = marginals(lines, STYLE.apply(a.units, a.line_features) if STYLE else a.line_features)
    labels = siblings(a, decide(table))
    a.labels = labels
    a.event_p = [m.get("E", 0.0) for m in table]
    heads = [k for k, lab in enumerate(labels) if lab == "H"]
    windows = head_windows(blocks, a, heads)
    big = sum(len(toks) for w in windows for _, _, toks in w) >= FAST_FROM  # a few tokens: crfsuite is cheaper
    fast = span_tagger(SPANS_MODEL) if big else None  # (read from the model file the first time: ~10 ms)
    if fast is not None and all(plain(blocks[b].text) for b in {u.block for w in windows for _, u, _ in w}):
        # crfsuite's labels of token_features' rows, without its cost of reading each row's strings
        tagged = fast.tag_parts([token_parts(window, a.rule_spans) for window in windows])
    else:
        tagged = [spans.tag(f) if f else [] for f in (token_features(window, a.rule_spans) for window in windows)]
    out = []
    for k, window, tok_labels in zip(heads, windows, tagged, strict=False):
        conf = lines.marginal("H", k)
        out.append(Head(k, a.rule_hits.get(k, []), window, tok_labels, conf, a.units[k - 1] if k else None))
    return out
