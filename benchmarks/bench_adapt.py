"""Adaptation benchmark: does a corrected post teach kb the author's style?

For each repository of the corpus split (dev by default: we tune on dev, never on test) with ≥ 3
annotated documents, and for ``--rotations`` choices of which documents are corrected:

0. the base model (``kb train`` on the shipped data without the split: train-split annotations +
   our samples; with ``--split train``, the train split without the repository scored) scores the repository's held-out documents (talk F1, ``kb.evaluate``);
1. one document's gold annotation is applied to a KB as hand corrections through the corrections API
   (``kb.correct_record.apply_record``, one correction per difference), ``kb.teach.train`` retrains,
   and the held-out documents are scored again; so are the split's documents of *other* repositories
   (the rest must not get worse);
2. the same with a second corrected document.

    python benchmarks/bench_adapt.py [--split dev] [--rotations 3] [--weight 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb import teach
from kb.corpus import annotated, shared_dir
from kb.evaluate import Score, compare
from kb.ingest.pipeline import extract


def score(docs) -> Score:
    """Talk scores of the model in use on (doc, gold) pairs."""
    total = Score()
    for doc, gold in docs:
        total.add(compare(extract(doc.text(), source=doc.file.name).to_json(), gold)["talks"])
    return total


def run_repo(repo_docs, others, base, base_files, rotation: int, weight: int, tmp: Path) -> dict:
    from sqlmodel import select

    from kb.correct_record import apply_record
    from kb.db import open_db, session_scope
    from kb.importer import import_paths
    from kb.models import Post

    n = len(repo_docs)
    corrected = [repo_docs[rotation % n], repo_docs[(rotation + 1) % n]]
    held = [d for d in repo_docs if d not in corrected]
    engine = open_db(tmp / f"kb-{rotation}.sqlite")
    teach.use_files(*base_files)
    steps = [{"held_out": score(held).f1, "others": score(others).f1}]
    for doc, gold in corrected:
        import_paths(engine, [doc.file])
        with session_scope(engine, write=True) as s:
            post_id = s.exec(select(Post.id).order_by(Post.id.desc())).first()  # the post just imported
            done = apply_record(s, post_id, gold, doc.sha)
        t0 = time.perf_counter()
        model = teach.train(engine, base=base, weight=weight)
        seconds = time.perf_counter() - t0
        steps.append(
            {
                "held_out": score(held).f1,
                "others": score(others).f1,
                "corrections": len(done.changed),
                "skipped": len(done.skipped),
                "train_s": round(seconds, 1),
                "model_kib": round((len(model.lines) + len(model.spans)) / 1024),
                "sha": model.sha256[:12],
            }
        )
    engine.dispose()
    return {"corrected": [d.sha[:10] for d, _ in corrected], "held_out_docs": len(held), "steps": steps}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--rotations", type=int, default=3)
    ap.add_argument("--weight", type=int, default=teach.WEIGHT)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    root = shared_dir()
    if root is None:
        print("no ../shared/realcorpus here (set KB_SHARED): nothing to benchmark", file=sys.stderr)
        return 2
    docs = sorted(annotated(root, (args.split,)), key=lambda dg: (dg[0].repo, dg[0].sha))
    repos: dict[str, list] = {}
    for doc, gold in docs:
        repos.setdefault(doc.repo, []).append((doc, gold))
    t0 = time.perf_counter()
    base_all, what = teach.shipped_examples(("train",), root)  # never the dev or test split
    bases: dict[str, tuple] = {}

    def base_for(repo: str):
        """The base examples and model without ``repo`` (the train split is scored leaving its repository out)."""
        key = repo if args.split == "train" else ""
        if key not in bases:
            base = [ex for ex in base_all if ex.group != repo]
            trained = teach.train_bytes(base)
            bases[key] = (base, teach._cached(trained.sha256, trained.lines, trained.spans))
        return bases[key]

    print(f"base: {what}, without the repository scored ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    results = {}
    with tempfile.TemporaryDirectory(prefix="kb-adapt-") as tmp:
        for repo, repo_docs in repos.items():
            if len(repo_docs) < 3:
                continue
            base, base_files = base_for(repo)
            others = [dg for dg in docs if dg[0].repo != repo]
            for r in range(min(args.rotations, len(repo_docs))):
                res = run_repo(repo_docs, others, base, base_files, r, args.weight, Path(tmp))
                results.setdefault(repo, []).append(res)
                f = [s["held_out"] for s in res["steps"]]
                o = [s["others"] for s in res["steps"]]
                print(
                    f"{repo} rotation {r}: held-out talk F1 {f[0]:.3f} → {f[1]:.3f} → {f[2]:.3f}; "
                    f"other repositories {o[0]:.3f} → {o[1]:.3f} → {o[2]:.3f}; "
                    f"train {res['steps'][1]['train_s']} s, {res['steps'][1]['model_kib']} KiB",
                    file=sys.stderr,
                )
    teach.use_shipped()
    runs = [res for rs in results.values() for res in rs]

    def mean(values):
        return sum(values) / len(values) if values else 0.0

    summary = {
        "split": args.split,
        "weight": args.weight,
        "rotations": {k: len(v) for k, v in results.items()},
        "gain_step1": mean([r["steps"][1]["held_out"] - r["steps"][0]["held_out"] for r in runs]),
        "gain_step2": mean([r["steps"][2]["held_out"] - r["steps"][1]["held_out"] for r in runs]),
        "gain_total": mean([r["steps"][2]["held_out"] - r["steps"][0]["held_out"] for r in runs]),
        "others_change_step1": mean([r["steps"][1]["others"] - r["steps"][0]["others"] for r in runs]),
        "others_change_step2": mean([r["steps"][2]["others"] - r["steps"][0]["others"] for r in runs]),
        "train_s_max": max((s["train_s"] for r in runs for s in r["steps"][1:]), default=0),
        "model_kib": max((s["model_kib"] for r in runs for s in r["steps"][1:]), default=0),
        "runs": results,
    }
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print(
            f"{args.split}: mean held-out talk-F1 gain {summary['gain_step1']:+.3f} after one corrected post, "
            f"{summary['gain_step2']:+.3f} more after two ({summary['gain_total']:+.3f} in all); other repositories "
            f"{summary['others_change_step1']:+.3f} / {summary['others_change_step2']:+.3f}; kb train ≤ "
            f"{summary['train_s_max']} s, model {summary['model_kib']} KiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
