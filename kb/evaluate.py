"""``kb eval``: score the extractor against hand-made gold files.

Matching rules (one-to-one, greedy, best score first):

* **titles** match when rapidfuzz ``ratio`` ≥ :data:`TITLE_RATIO` after
  :func:`normalise_title` (folded, lower-case, alphanumerics), against the
  gold ``title`` or its ``spelled_in_post``;
* **talks** match on title; a talk without a title on either side matches on
  its speakers (same person keys); when the gold title is inferred (the post gives none)
  and the speakers are the same, a predicted title that is a piece of the gold phrase
  (``partial_ratio`` ≥ :data:`TITLE_RATIO`) matches too;
* **people** match on :func:`person_key` of the canonical name (folded,
  lower-case); the gold ``spelled_in_post`` spelling also counts;
* **papers** match on title, or on arXiv id / DOI / URL when a side has no title;
* **citations** are (talk, paper) pairs: the predicted talk and paper are first
  mapped to their gold partners, then compared as sets; gold cite markers find
  their paper through :func:`marker_key` (``[3]`` = ``3``, ``[@key]`` = ``key``,
  ``(Devlin et al., 2019)`` = ``Devlin et al. (2019)``);
* **events** match on name like titles; **links** are (kind, URL) pairs; the **conference** is one item
  per post, right when its name (see :func:`same_conference_name`) and year match.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from kb.corpus import original_path
from kb.ingest.people import person_key
from kb.ingest.records import LINK_CLASSES
from kb.ingest.text import normalise_title

TITLE_RATIO = 90
ENTITY_TYPES = ("talks", "people", "papers", "citations", "events", "links", "conference")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.misses.extend(other.misses)

    def to_json(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def title_score(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return fuzz.ratio(normalise_title(a), normalise_title(b))


def _gold_titles(g: dict) -> list[str]:
    return [t for t in (g.get("title"), g.get("spelled_in_post"), g.get("name")) if isinstance(t, str) and t]


def _match(pred: list, gold: list, score_fn, threshold: float) -> dict[int, int]:
    """Greedy one-to-one matching: pred index → gold index."""
    pairs = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            s = score_fn(p, g)
            if s >= threshold:
                pairs.append((s, i, j))
    pairs.sort(key=lambda t: -t[0])
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in pairs:
        if i not in out and j not in used:
            out[i] = j
            used.add(j)
    return out


def _count(pred: list, gold: list, mapping: dict[int, int], label) -> Score:
    s = Score(tp=len(mapping), fp=len(pred) - len(mapping), fn=len(gold) - len(mapping))
    matched = set(mapping.values())
    s.misses += [f"missed {label(g)}" for j, g in enumerate(gold) if j not in matched]
    s.misses += [f"extra {label(p)}" for i, p in enumerate(pred) if i not in mapping]
    return s


def _person_keys(g: dict) -> set[str]:
    return {person_key(n) for n in (g.get("name"), g.get("spelled_in_post")) if isinstance(n, str) and n}


def _talk_score(p: dict, g: dict) -> float:
    ps = {person_key(n) for n in p.get("speakers", [])}
    gs = {person_key(n) for n in g.get("speakers", [])}
    same_speakers = bool(ps) and ps == gs
    if p.get("title") and g.get("title"):
        score = max(title_score(p["title"], t) for t in _gold_titles(g))
        if g.get("title_inferred") and same_speakers:
            # the gold title is the annotator's own phrase ("Talk on vision and action"): a predicted title that
            # is a piece of it ("Vision and action") names the same talk
            score = max(score, fuzz.partial_ratio(normalise_title(p["title"]), normalise_title(g["title"])))
        return score
    return 95.0 if same_speakers else 0.0


def _paper_ids(p: dict) -> set[str]:
    ids = {f"arxiv:{p['arxiv']}" if p.get("arxiv") else "", f"doi:{str(p.get('doi')).lower()}" if p.get("doi") else ""}
    if p.get("url"):
        ids.add(f"url:{p['url']}")
    if str(p.get("ref") or "").startswith("http"):
        ids.add(f"url:{p['ref']}")
    return ids - {""}


def _paper_score(p: dict, g: dict) -> float:
    if p.get("title") and g.get("title"):
        s = max(title_score(p["title"], t) for t in _gold_titles(g))
        if s >= TITLE_RATIO:
            return s
    if _paper_ids(p) & _paper_ids(g):
        return 100.0
    # a paper known only by its cite ("(Doe et al., 2019)"): the same cite, spelling-blind
    if not p.get("title") and p.get("ref") and g.get("ref") and marker_key(p["ref"]) == marker_key(g["ref"]):
        return 100.0
    return 0.0


def marker_key(marker: str) -> str:
    """One spelling per cite: ``[3]``/``3``/``(3)`` → ``3``; ``[@key]``/``[key]`` → ``key``;
    ``(Devlin et al., 2019)``/``Devlin et al. (2019)`` → ``devlin|2019``; URLs without scheme/slash."""
    m = marker.strip()
    if re.match(r"^(?:https?://)?(?:www\.)?[\w.-]+\.[a-z]{2,}/", m, re.IGNORECASE):
        return re.sub(r"^(?:https?://)?(?:www\.)?", "", m).rstrip("/").lower()
    ay = re.search(r"([A-ZÀ-ÖØ-Þ][\w'’\-]+).*?\b((?:19|20)\d{2})", m)
    if ay and not re.fullmatch(r"[\[(]?@?[A-Za-z]+\d{2,4}[a-z]?[\])]?", m):
        return f"{normalise_title(ay.group(1))}|{ay.group(2)}"
    return m.strip("[]() ").lstrip("@").lower()


def _gold_citation_pairs(gold: dict) -> set[tuple[int, int]]:
    refs = {marker_key(p["ref"]): j for j, p in enumerate(gold.get("papers", [])) if p.get("ref")}
    out = set()
    for ti, talk in enumerate(gold.get("talks", [])):
        for marker in talk.get("cites", []):
            out.add((ti, refs.get(marker_key(marker), hash(marker_key(marker)))))
    return out


def _pred_citation_pairs(pred: dict, talk_map: dict[int, int], paper_map: dict[int, int]) -> set[tuple[int, int]]:
    """Predicted (talk, paper) pairs via the citation records, mapped to gold indices."""
    by_key = {}
    for i, p in enumerate(pred.get("papers", [])):
        for k in (p.get("ref"), p.get("key")):
            if k:
                by_key.setdefault(k, i)
    out = set()
    for c in pred.get("citations", []):
        if c.get("talk") is None:
            continue
        talk = talk_map.get(c["talk"], -1 - c["talk"])
        paper = by_key.get(c["paper"])
        out.add((talk, paper_map.get(paper, -1000 - (paper or 0)) if paper is not None else hash(c["marker"])))
    return out


def compare(pred: dict, gold: dict) -> dict[str, Score]:
    """Per-entity-type scores of one predicted extraction against its gold file."""
    scores: dict[str, Score] = {}
    talk_map = _match(pred.get("talks", []), gold.get("talks", []), _talk_score, TITLE_RATIO)
    scores["talks"] = _count(
        pred.get("talks", []),
        gold.get("talks", []),
        talk_map,
        lambda t: f"talk {t.get('title')!r} by {', '.join(t.get('speakers', []))}",
    )
    people_map = _match(
        pred.get("people", []),
        gold.get("people", []),
        lambda p, g: 100.0 if _person_keys(p) & _person_keys(g) else 0.0,
        100,
    )
    scores["people"] = _count(
        pred.get("people", []), gold.get("people", []), people_map, lambda p: f"person {p.get('name')!r}"
    )
    paper_map = _match(pred.get("papers", []), gold.get("papers", []), _paper_score, TITLE_RATIO)
    scores["papers"] = _count(
        pred.get("papers", []), gold.get("papers", []), paper_map, lambda p: f"paper {p.get('ref')} {p.get('title')!r}"
    )
    pc = _pred_citation_pairs(pred, talk_map, paper_map)
    gc = _gold_citation_pairs(gold)
    scores["citations"] = Score(
        tp=len(pc & gc),
        fp=len(pc - gc),
        fn=len(gc - pc),
        misses=[f"citation pair {x} wrong" for x in sorted(pc ^ gc, key=str)],
    )
    event_map = _match(
        pred.get("events", []),
        gold.get("events", []),
        lambda p, g: max(title_score(p.get("name"), t) for t in _gold_titles(g)),
        TITLE_RATIO,
    )
    scores["events"] = _count(
        pred.get("events", []), gold.get("events", []), event_map, lambda e: f"event {e.get('name')!r}"
    )
    scores["conference"] = _conference_score(pred.get("conference") or {}, gold.get("conference") or {})
    pl, gl = _link_set(pred.get("links", {})), _link_set(gold.get("links", {}))
    scores["links"] = Score(
        tp=len(pl & gl),
        fp=len(pl - gl),
        fn=len(gl - pl),
        misses=[f"link {x} {'extra' if x in pl else 'missed'}" for x in sorted(pl ^ gl)],
    )
    return scores


def same_conference_name(a: str | None, b: str | None) -> bool:
    """Equal once lower-cased without spaces and punctuation ("PyCon US" = "Pycon-US"), or rapidfuzz
    ratio ≥ 90 on that form."""
    ka, kb_ = (re.sub(r"[\W_]+", "", (x or "").lower()) for x in (a, b))
    return bool(ka and kb_) and (ka == kb_ or fuzz.ratio(ka, kb_) >= TITLE_RATIO)


def _conference_score(pred: dict, gold: dict) -> Score:
    """One item per post: right when name and year both match the gold's."""
    ok = same_conference_name(pred.get("name"), gold.get("name")) and pred.get("year") == gold.get("year")
    has_pred, has_gold = bool(pred.get("name")), bool(gold.get("name"))
    miss = (
        []
        if ok or not (has_pred or has_gold)
        else [f"conference {pred.get('name')!r} {pred.get('year')} ≠ {gold.get('name')!r} {gold.get('year')}"]
    )
    return Score(tp=int(ok), fp=int(has_pred and not ok), fn=int(has_gold and not ok), misses=miss)


def _link_set(links: dict) -> set[tuple[str, str]]:
    """(class, URL) pairs; gold files of our own fixtures written before CONVENTIONS fixed the class
    names say ``video``/``paper``/``homepage``, read as ``videos``/``papers``/``homepages``."""
    out = set()
    for kind, urls in links.items():
        if isinstance(urls, list):
            out.update((LINK_CLASSES.get(kind, kind), u) for u in urls)
    return out


def find_post(gold_path: Path, posts_dir: Path | None) -> Path:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    source = gold.get("source") or gold_path.name.replace(".gold.json", ".md")
    for base in [posts_dir, gold_path.parent] if posts_dir else [gold_path.parent]:
        if base and (base / source).exists():
            return base / source
    raise FileNotFoundError(
        f"{gold_path}: post {source!r} not found beside it" + (f" or in {posts_dir}" if posts_dir else "")
    )


def evaluate(gold_paths: list[Path], posts_dir: Path | None = None) -> dict[str, Any]:
    """Score every gold file; returns per-file and total scores (JSON-ready)."""
    items = []
    for gold_path in gold_paths:
        post = find_post(gold_path, posts_dir)
        items.append(
            (
                str(gold_path),
                post,
                post.read_text(encoding="utf-8"),
                json.loads(gold_path.read_text(encoding="utf-8")),
                {},
            )
        )
    return score_items(items)


def evaluate_corpus(root: Path, splits: tuple[str, ...], folder: Path | None = None) -> dict[str, Any]:
    """Score the annotated real corpus (``kb.corpus``): totals, and totals by format, field and split."""
    from kb.corpus import ANNOTATIONS, annotated

    items = [
        (
            f"{doc.sha}.gold.json",
            doc.file,
            doc.text(),
            gold,
            {"format": doc.format, "field": doc.field, "split": doc.split, "kind": doc.kind},
        )
        for doc, gold in annotated(root, splits, folder or ANNOTATIONS)
    ]
    return score_items(items)


def score_items(items: list[tuple[str, Path, str, dict, dict[str, str]]]) -> dict[str, Any]:
    """(gold name, post path, post text, gold record, groups) → per-file, total and per-group scores."""
    from kb.ingest.pipeline import extract

    totals = {k: Score() for k in ENTITY_TYPES}
    groups: dict[str, dict[str, dict[str, Score]]] = {}
    files = []
    for name, post, text, gold, tags in items:
        pred = extract(text, source=post.name, path=original_path(post)).to_json()
        scores = compare(pred, gold)
        for k, s in scores.items():
            totals[k].add(s)
            for dim, value in tags.items():
                groups.setdefault(dim, {}).setdefault(value, {t: Score() for t in ENTITY_TYPES})[k].add(s)
        files.append(
            {
                "gold": name,
                "post": str(post),
                **tags,
                "scores": {k: s.to_json() for k, s in scores.items()},
                "errors": [m for s in scores.values() for m in s.misses],
            }
        )
    overall = Score()
    for s in totals.values():
        overall.add(s)
    result = {"files": files, "totals": {k: s.to_json() for k, s in totals.items()}, "overall": overall.to_json()}
    if groups:
        result["groups"] = {
            dim: {v: {k: s.to_json() for k, s in by.items()} for v, by in sorted(vals.items())}
            for dim, vals in groups.items()
        }
    return result
