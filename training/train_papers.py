"""Train the paper-mention tagger: ``python -m training.train_papers [--splits train,dev] [--cv 5]``.

Examples come from our annotations over ``../shared/realcorpus``: every line of a post (reference
lists and code aside) is a sequence; the tokens of each gold paper title found on a line are
TB/TI, the tokens of its authors' names on that line A, the rest O (:func:`labels`). ``--cv N``
scores title spans by repository folds over train+dev instead of training the shipped model (never
the test split). Training is deterministic (crfsuite's L-BFGS): the same data gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

import pycrfsuite

from kb.corpus import annotated
from kb.evaluate import TITLE_RATIO, title_score
from kb.ingest.papers import tagger as paper_model
from kb.ingest.papers.tagger import find_mentions, line_candidates
from kb.ingest.pipeline import prepare
from kb.ingest.talks import model as talk_model
from training.common import corpus_root, record_model

PARAMS = {"c1": 0.05, "c2": 0.5, "max_iterations": 200}
OVERSAMPLE = 5


def positive(text: str, titles: list[str]) -> bool:
    return any(title_score(text, t) >= TITLE_RATIO for t in titles)


def gold_titles(gold: dict) -> list[str]:
    return [p["title"] for p in gold.get("papers", []) if p.get("title")]


def examples(root: Path, splits: tuple[str, ...]):
    """(repository, document, gold, [(features, label) per candidate]) for each annotated document."""
    out = []
    for doc, gold in annotated(root, splits):
        p = prepare(doc.text(), doc.file.name)
        titles = gold_titles(gold)
        items = [
            (f, "P" if positive(c.text, titles) else "N")
            for _, cs, feats in line_candidates(p.blocks, p.ref_blocks)
            for c, f in zip(cs, feats, strict=False)
        ]
        out.append((doc.repo, doc, gold, items))
    return out


def train(items, path: Path) -> None:
    """Positives are about 1 % of the candidates: each is shown OVERSAMPLE times, so that the
    classifier's probabilities rise to where one threshold (tagger.THRESHOLD) reads them."""
    t = pycrfsuite.Trainer(verbose=False)
    for f, y in items:
        for _ in range(OVERSAMPLE if y == "P" else 1):
            t.append([f], [y])
    t.set_params(PARAMS)
    t.train(str(path))


def score(docs, path: Path, threshold: float) -> tuple[int, int, int]:
    """(tp, fp, fn) of mention titles against gold paper titles, one-to-one."""
    talk_model._taggers.pop(path, None)
    tp = fp = fn = 0
    for doc, gold in docs:
        p = prepare(doc.text(), doc.file.name)
        found = list(dict.fromkeys(m.title for m in find_mentions(p.blocks, p.ref_blocks, path, threshold)))
        titles = list(dict.fromkeys(gold_titles(gold)))
        used: set[int] = set()
        for m in found:
            j = next((j for j, t in enumerate(titles) if j not in used and title_score(m, t) >= TITLE_RATIO), None)
            if j is None:
                fp += 1
            else:
                used.add(j)
                tp += 1
        fn += len(titles) - len(used)
    return tp, fp, fn


def cv(exs, folds: int, path: Path, thresholds: tuple[float, ...]) -> dict:
    counts = {th: [0, 0, 0] for th in thresholds}
    for f in range(folds):
        train([i for repo, _, _, items in exs if zlib.crc32(repo.encode()) % folds != f for i in items], path)
        held = [(doc, gold) for repo, doc, gold, _ in exs if zlib.crc32(repo.encode()) % folds == f]
        for th in thresholds:
            for k, v in enumerate(score(held, path, th)):
                counts[th][k] += v
    out = {}
    for th, (tp, fp, fn) in counts.items():
        prec, rec = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        out[th] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": round(prec, 3),
            "recall": round(rec, 3),
            "f1": round(2 * prec * rec / max(prec + rec, 1e-9), 3),
        }
    return out


def cv_end_to_end(exs, folds: int, path: Path, thresholds: tuple[float, ...]) -> dict:
    """Papers and citations of the whole extractor per repository fold, the mention model trained on
    the other folds (the talk models stay the shipped ones)."""
    from kb.evaluate import ENTITY_TYPES, Score, score_items

    totals = {th: {k: Score() for k in ENTITY_TYPES} for th in thresholds}
    shipped, threshold = paper_model.MODEL, paper_model.THRESHOLD
    try:
        paper_model.MODEL = path
        for f in range(folds):
            train([i for repo, _, _, items in exs if zlib.crc32(repo.encode()) % folds != f for i in items], path)
            talk_model._taggers.clear()
            held = [
                (f"{d.sha}.gold.json", d.file, d.text(), g, {"kind": d.kind})
                for repo, d, g, _ in exs
                if zlib.crc32(repo.encode()) % folds == f
            ]
            for th in thresholds:
                paper_model.THRESHOLD = th
                for k, v in score_items(held)["totals"].items():
                    totals[th][k].add(Score(v["tp"], v["fp"], v["fn"]))
    finally:
        paper_model.MODEL, paper_model.THRESHOLD = shipped, threshold
        talk_model._taggers.clear()
    return {
        th: {
            k: {"p": round(v.precision, 3), "r": round(v.recall, 3), "f1": round(v.f1, 3)}
            for k, v in t.items()
            if k in ("papers", "citations")
        }
        for th, t in totals.items()
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument("--splits", default="train,dev")
    ap.add_argument("--cv", type=int, default=0, help="score title spans by N repository folds of train+dev instead")
    ap.add_argument("--out", type=Path, default=paper_model.HERE)
    args = ap.parse_args(argv)
    root = corpus_root(args.shared)
    if root is None:
        return 2
    t0 = time.perf_counter()
    splits = ("train", "dev") if args.cv else tuple(args.splits.split(","))
    exs = examples(root, splits)
    n_pos = sum(1 for *_, items in exs for _, y in items if y == "P")
    print(
        f"{len(exs)} documents, {sum(len(x[3]) for x in exs)} candidates, {n_pos} positive "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / paper_model.MODEL.name
    if args.cv:
        for th, r in cv_end_to_end(exs, args.cv, args.out / "cv.crfsuite", (0.5, 0.6, 0.7, 0.8, 0.9)).items():
            print(th, json.dumps(r))
        (args.out / "cv.crfsuite").unlink(missing_ok=True)
        return 0
    train([i for *_, items in exs for i in items], path)
    meta = record_model(
        path, args.out / "model.json", documents=len(exs), positive_candidates=n_pos, splits=args.splits
    )
    print(f"trained in {time.perf_counter() - t0:.1f} s: {meta['model']['bytes'] // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
