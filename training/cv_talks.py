"""Cross-validation of the talk labellers by repository: ``python -m training.cv_talks [--folds 5]``.

For choosing features and parameters without touching the test split: the train and dev
annotations are cut into folds by repository (a repository's documents stay together, as in the
corpus split), each fold is scored with models trained on the others, and the summed counts are
printed per entity type. Never reads the test split.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zlib
from pathlib import Path

from kb.corpus import annotated, shared_dir
from kb.evaluate import ENTITY_TYPES, Score, score_items
from kb.ingest.talks import model as talk_model
from kb.ingest.talks.examples import example
from training.train_talks import fit, sample_examples


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument("-v", "--verbose", action="store_true", help="list the held-out errors (see --errors)")
    ap.add_argument(
        "--errors", default="talk", help="with -v, list the errors that contain this word (talk, event, person …)"
    )
    ap.add_argument("--rules", action="store_true", help="also score the rule detectors alone on the same documents")
    ap.add_argument(
        "--train-kind",
        choices=("all", "multi", "single"),
        default="all",
        help="train the fold models on these annotated documents only (all are scored)",
    )
    ap.add_argument(
        "--score-only",
        type=Path,
        help="a file of blob shas (one per line): score only these documents, train on all (to measure what "
        "added training documents change on a fixed set)",
    )
    ap.add_argument(
        "--models",
        type=Path,
        help="keep each fold's models in this folder; when they are there already, reuse them instead of training "
        "(for changes after the labellers: papers, citations, people)",
    )
    ap.add_argument(
        "--style",
        action="store_true",
        help="train reading styles (as kb train does) and score each held-out document with the style of its "
        "repository's other documents (their gold labels), as a KB whose user corrected the author's other posts "
        "(kb.ingest.talks.style)",
    )
    ap.add_argument(
        "--doc-folds",
        action="store_true",
        help="train the one-talk-or-many document classifier per fold too (else the shipped one, trained on "
        "every fold, reads the held-out documents)",
    )
    args = ap.parse_args(argv)
    root = args.shared or shared_dir()
    doc_items = _doc_items(root, args.models) if args.doc_folds else None
    docs = [(doc, gold) for doc, gold in annotated(root, ("train", "dev"))]
    keep = set(args.score_only.read_text().split()) if args.score_only else None
    fold_of = {doc.sha: zlib.crc32(doc.repo.encode()) % args.folds for doc, _ in docs}
    examples = {}
    for doc, gold in docs:
        examples[doc.sha] = example(doc.text(), doc.file.name, gold)[0]
        examples[doc.sha].group = doc.repo
    ours = sample_examples(root)
    totals = {k: Score() for k in ENTITY_TYPES}
    by_format: dict[str, dict[str, Score]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {k: Path(tmp) / f"{k}.crfsuite" for k in ("lines", "spans")}
        talk_model.LINES_MODEL, talk_model.SPANS_MODEL = paths["lines"], paths["spans"]
        for f in range(args.folds):
            te = [(d, g) for d, g in docs if fold_of[d.sha] == f and (keep is None or d.sha in keep)]
            if not te:
                continue
            if args.models:
                paths = {k: args.models / f"fold{f}-{k}.crfsuite" for k in ("lines", "spans")}
                talk_model.LINES_MODEL, talk_model.SPANS_MODEL = paths["lines"], paths["spans"]
            if not (args.models and all(p.exists() for p in paths.values())):
                if args.models:
                    args.models.mkdir(parents=True, exist_ok=True)
                fit(
                    [examples[d.sha] for d, _ in docs if fold_of[d.sha] != f and args.train_kind in ("all", d.kind)]
                    + ours,
                    paths,
                    style=args.style,
                )
            talk_model._taggers.clear()
            if doc_items is not None:
                _fold_document(doc_items, f, args.folds, args.models or Path(tmp))
            _fold_names([g for d, g in docs if fold_of[d.sha] != f], args.models, f, Path(tmp))
            for res in _results(te, examples, args.style):
                for k in ENTITY_TYPES:
                    t = res["totals"][k]
                    totals[k].add(Score(t["tp"], t["fp"], t["fn"]))
                for fmt, scores in res.get("groups", {}).get("format", {}).items():
                    for k in ENTITY_TYPES:
                        t = scores[k]
                        by_format.setdefault(fmt, {e: Score() for e in ENTITY_TYPES})[k].add(
                            Score(t["tp"], t["fp"], t["fn"])
                        )
                if args.verbose:
                    for fr in res["files"]:
                        for e in fr["errors"]:
                            if args.errors in e:
                                print(f"  {Path(fr['post']).name[:40]}: {e}")
        if args.rules:
            talk_model.LINES_MODEL = Path(tmp) / "none.crfsuite"
            talk_model._taggers.clear()
            res = score_items([(d.sha, d.file, d.text(), g, {}) for d, g in docs])
            print(json.dumps({"rules": True, **{k: v["f1"] for k, v in res["totals"].items()}}))
    for fmt, scores in sorted(by_format.items()):
        n = sum(1 for d, _ in docs if d.format == fmt)
        print(json.dumps({"format": fmt, "documents": n, **{k: round(s.f1, 4) for k, s in scores.items()}}))
    print(
        json.dumps(
            {
                "documents": len(docs) if keep is None else len(keep & {d.sha for d, _ in docs}),
                **{k: round(s.f1, 4) for k, s in totals.items()},
                "talks_pr": [round(totals["talks"].precision, 3), round(totals["talks"].recall, 3)],
                "events_pr": [round(totals["events"].precision, 3), round(totals["events"].recall, 3)],
            }
        )
    )
    return 0


def _doc_items(root: Path, models: Path | None) -> list:
    """The document classifier's examples (repository, features, label), kept in ``models`` once made."""
    from training.train_document import examples

    cache = models / "document-items.json" if models else None
    if cache and cache.exists():
        return json.loads(cache.read_text())
    items = examples(root, ("train", "dev"))
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(items))
    return items


def _fold_document(items: list, fold: int, folds: int, out: Path) -> None:
    """The document classifier trained without the fold's repositories."""
    from kb.ingest.talks import document
    from training.train_document import train

    path = out / f"fold{fold}-document.crfsuite"
    if not path.exists():
        train([i for i in items if zlib.crc32(i[0].encode()) % folds != fold], path)
    document.DOC_MODEL = path
    document._tagger.clear()


def _fold_names(golds: list[dict], models: Path | None, fold: int, tmp: Path) -> None:
    """The person-name check trained on the fold's training documents only (their names are the examples)."""
    from kb.ingest import personname
    from training.train_names import refdata_names, train

    path = (models or tmp) / f"fold{fold}-names.crfsuite"
    if not path.exists():
        train(golds, path, refdata_names(shared_dir()))
    personname.MODEL = path


def _results(te: list, examples: dict, style: bool):
    """``score_items`` results of the held-out documents: one for all of them; with ``style``, one per
    document, each read with its repository's other documents' style."""
    items = {d.sha: (d.sha, d.file, d.text(), g, {"format": d.format}) for d, g in te}
    if not style:
        yield score_items(list(items.values()))
        return
    from kb.ingest.talks.style import learn

    try:
        for d, _ in te:
            peers = [examples[o.sha] for o, _ in te if o.repo == d.repo and o.sha != d.sha]
            talk_model.STYLE = learn(peers) if peers else None
            yield score_items([items[d.sha]])
    finally:
        talk_model.STYLE = None


if __name__ == "__main__":
    sys.exit(main())
