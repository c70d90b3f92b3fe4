"""Train the talk labellers: ``python -m training.train_talks [--splits train] [--eval dev]``.

Reads our annotations (``corpus/annotations``) over ``../shared/realcorpus`` (or ``$KB_SHARED``),
builds line and token examples (:mod:`kb.ingest.talks.examples`), trains both CRFs with fixed
parameters (crfsuite's L-BFGS is deterministic: the same data gives byte-identical models) and
writes them beside :mod:`kb.ingest.talks.model`, with their sha256 in ``models.json``.
``--eval dev`` then scores the whole extractor on the dev split; ``--limit N`` trains on the first
N training documents only (for the learning curve); ``--out DIR`` writes the models elsewhere.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from kb.corpus import annotated
from kb.ingest.talks import model as talk_model
from kb.ingest.talks.examples import example
from kb.teach import LINE_PARAMS, SAMPLE_REPEAT, SPAN_PARAMS, fit, sample_examples, samples
from training.common import corpus_root

# The parameters, our sample posts and the fitting live in kb.teach (kb train uses them too).
__all__ = ["LINE_PARAMS", "SPAN_PARAMS", "build", "fit", "sample_examples", "samples"]


def build(root: Path, splits: tuple[str, ...], limit: int | None = None, kind: str = "all"):
    """Examples of our samples and of the annotated documents of ``splits`` (first ``limit`` only; of one
    ``kind``, multi or single, unless all)."""
    exs = sample_examples(root)
    n = 0
    for doc, gold in annotated(root, splits):
        if kind not in ("all", doc.kind):
            continue
        if limit is not None and n >= limit:
            break
        n += 1
        ex, _ = example(doc.text(), doc.file.name, gold)
        ex.group = doc.repo
        exs.append(ex)
    return exs, n


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument("--splits", default="train,dev", help="comma-separated splits to train on")
    ap.add_argument("--eval", default=None, help="split to score afterwards (dev; test only for reporting)")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument(
        "--kind",
        choices=("all", "multi", "single"),
        default="multi",
        help="train on these annotated documents only (the shipped models: multi-talk ones; training "
        "on the single-talk notes too is even by folds and costs our samples, see README)",
    )
    ap.add_argument("--out", type=Path, default=talk_model.HERE)
    args = ap.parse_args(argv)
    root = corpus_root(args.shared)
    if root is None:
        return 2
    t0 = time.perf_counter()
    exs, n = build(root, tuple(args.splits.split(",")), args.limit, args.kind)
    heads = sum(ex.line_labels.count("H") for ex in exs)
    unmatched = sum(len(ex.unmatched) for ex in exs)
    print(
        f"{n} annotated documents + {(len(exs) - n) // SAMPLE_REPEAT} samples (x{SAMPLE_REPEAT}), {heads} talk heads, {unmatched} gold talks not located "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    paths = {"lines": args.out / talk_model.LINES_MODEL.name, "spans": args.out / talk_model.SPANS_MODEL.name}
    fit(exs, paths)
    meta = {
        "documents": n,
        "samples": (len(exs) - n) // SAMPLE_REPEAT,
        "sample_repeat": SAMPLE_REPEAT,
        "talk_heads": heads,
        "splits": args.splits,
        "kind": args.kind,
        "limit": args.limit,
        "models": {p.name: {"sha256": sha256(p), "bytes": p.stat().st_size} for p in paths.values()},
    }
    (args.out / "models.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(
        f"trained in {time.perf_counter() - t0:.1f} s: "
        + ", ".join(f"{k} {v['bytes'] // 1024} KiB" for k, v in meta["models"].items())
    )
    if args.eval:
        if args.out != talk_model.HERE:
            talk_model.LINES_MODEL, talk_model.SPANS_MODEL = paths["lines"], paths["spans"]
            talk_model._taggers.clear()
        from kb.evaluate import evaluate_corpus

        result = evaluate_corpus(root, (args.eval,))
        print(
            json.dumps(
                {
                    "eval": args.eval,
                    "documents": len(result["files"]),
                    **{k: v["f1"] for k, v in result["totals"].items()},
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
