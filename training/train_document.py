"""Train the one-talk-or-many document classifier: ``python -m training.train_document [--cv 5]``.

Labels are the corpus's own: ``MANIFEST.tsv`` says of every file of ``../shared/realcorpus`` whether
it is a single-talk note or a multi-talk document; our collected posts (``corpus/collected``, every one
a multi-talk document) join them when their texts are here. Trains on train+dev (never test); ``--cv N``
prints accuracy by repository folds instead. Deterministic (crfsuite's L-BFGS).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

import pycrfsuite

from kb.corpus import collected, manifest
from kb.ingest.pipeline import prepare
from kb.ingest.records import Problem
from kb.ingest.talks import document
from kb.ingest.talks.assemble import learned_hits
from training.common import corpus_root, record_model

PARAMS = {"c1": 0.0, "c2": 1.0, "max_iterations": 200}


def examples(root: Path, splits: tuple[str, ...]) -> list[tuple[str, list[str], str]]:
    """(repository, features, single|multi) for every post of ``splits`` that kb can read (with "train",
    our collected posts too)."""
    out = []
    docs = sorted(manifest(root).values(), key=lambda d: d.sha)
    if "train" in splits:
        docs += sorted(collected().values(), key=lambda d: d.sha)
    for doc in docs:
        if doc.split not in splits:
            continue
        try:
            p = prepare(doc.text(), doc.file.name)
        except Exception:  # noqa: BLE001, S112 - a post kb refuses (too big, broken front matter) teaches nothing
            continue
        problems: list[Problem] = []
        hits = learned_hits(p.blocks, p.ref_blocks, p.rule_hits, problems)
        hits = p.rule_hits if hits is None else hits
        out.append(
            (
                doc.repo,
                document.doc_features(p.front_matter, p.blocks, doc.file.name, hits),
                "single" if doc.kind == "single" else "multi",
            )
        )
    return out


def train(items, path: Path) -> None:
    t = pycrfsuite.Trainer(verbose=False)
    for _, f, y in items:
        t.append([f], [y])
    t.set_params(PARAMS)
    t.train(str(path))


def cv(items, folds: int, path: Path, thresholds=(0.5, 0.7, 0.8, 0.9, 0.95)) -> dict:
    """Per threshold on P(single): the share of single and of multi posts read right."""
    scored = []
    for k in range(folds):
        train([i for i in items if zlib.crc32(i[0].encode()) % folds != k], path)
        document._tagger.clear()
        scored += [
            (document.single_probability(f, path), y) for repo, f, y in items if zlib.crc32(repo.encode()) % folds == k
        ]
        document._tagger.clear()
    out = {}
    for th in thresholds:
        right = {y: sum(1 for p, g in scored if g == y and (p >= th) == (y == "single")) for y in ("single", "multi")}
        total = {y: sum(1 for _, g in scored if g == y) for y in ("single", "multi")}
        out[th] = {y: round(right[y] / max(total[y], 1), 3) for y in right}
    return out


def cv_talks(items, root: Path, folds: int, path: Path, thresholds=(0.5, 0.7, 0.8, 0.9, 0.95, 1.01)) -> dict:
    """Talks F1 of the whole extractor on the annotated posts of each fold (single and multi), the
    document model trained on the other folds; threshold 1.01 = never collapse (the baseline)."""
    from kb.corpus import annotated
    from kb.evaluate import Score, score_items

    docs = list(annotated(root, ("train", "dev")))
    totals = {th: {"all": Score(), "single": Score(), "multi": Score()} for th in thresholds}
    shipped, single = document.DOC_MODEL, document.SINGLE
    try:
        document.DOC_MODEL = path
        for k in range(folds):
            train([i for i in items if zlib.crc32(i[0].encode()) % folds != k], path)
            document._tagger.clear()
            held = [
                (f"{d.sha}.gold.json", d.file, d.text(), g, {"kind": d.kind})
                for d, g in docs
                if zlib.crc32(d.repo.encode()) % folds == k
            ]
            for th in thresholds:
                document.SINGLE = th
                r = score_items(held)
                for kind in ("single", "multi"):
                    v = r.get("groups", {}).get("kind", {}).get(kind, {}).get("talks")
                    if v:
                        totals[th][kind].add(Score(v["tp"], v["fp"], v["fn"]))
                v = r["totals"]["talks"]
                totals[th]["all"].add(Score(v["tp"], v["fp"], v["fn"]))
            document._tagger.clear()
    finally:
        document.DOC_MODEL, document.SINGLE = shipped, single
        document._tagger.clear()
    return {th: {k: round(v.f1, 3) for k, v in t.items()} for th, t in totals.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument("--cv", type=int, default=0)
    ap.add_argument("--out", type=Path, default=document.HERE)
    args = ap.parse_args(argv)
    root = corpus_root(args.shared)
    if root is None:
        return 2
    t0 = time.perf_counter()
    items = examples(root, ("train", "dev"))
    print(f"{len(items)} posts ({sum(y == 'single' for *_, y in items)} single) in {time.perf_counter() - t0:.1f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.cv:
        print(json.dumps(cv(items, args.cv, args.out / "cv-document.crfsuite")))
        print(json.dumps(cv_talks(items, root, args.cv, args.out / "cv-document.crfsuite")))
        (args.out / "cv-document.crfsuite").unlink(missing_ok=True)
        return 0
    path = args.out / document.DOC_MODEL.name
    train(items, path)
    meta = record_model(path, args.out / "document.json", posts=len(items), splits="train,dev")
    print(f"trained: {meta['model']['bytes'] // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
