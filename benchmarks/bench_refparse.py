"""Reference-string parsing benchmark: kb.ingest.refparse vs refextract.

    python benchmarks/bench_refparse.py [--refdata ../shared/refdata] [--no-refextract]

Scores, with refdata's own score.py, the labelling of the held-out strings
(``kb/ingest/refparse/data/heldout.json``, never used in training): "clean" =
held-out good.jsonl, "messy" = held-out core.jsonl. Speed is references per
second in this one process (one core), from a cold feature cache, after the
model is loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb.ingest.refparse import label_reference  # noqa: E402
from kb.ingest.refparse import model as refmodel  # noqa: E402
from kb.ingest.refparse.features import token_features, window_features  # noqa: E402
from kb.ingest.refparse.train import SPLIT_FILE, load_jsonl, load_scorer  # noqa: E402

# refextract's output keys -> AnyStyle labels. "misc" (everything it could
# not place) has no AnyStyle counterpart and is left out; journal fields are
# the journal's normalised short name, kept because that is what it outputs.
REFEXTRACT_MAP = {
    "linemarker": "citation-number",
    "author": "author",
    "title": "title",
    "year": "date",
    "journal_title": "journal",
    "journal_volume": "volume",
    "journal_page": "pages",
    "doi": "doi",
    "url": "url",
    "publisher": "publisher",
    "isbn": "isbn",
    "reportnumber": "note",
    "collaboration": "author",
}
COMMON = ("author", "title", "date")  # what both systems always attempt


def run_ours(texts: dict[str, str]) -> tuple[dict, float]:
    """Predictions and refs/s (cold caches, model already loaded)."""
    refmodel.get_fast_tagger()
    label_reference("Warm, U. P. (2000). Model loaded. Journal, 1, 1-2.")
    token_features.cache_clear()
    window_features.cache_clear()
    fast = refmodel.get_fast_tagger()
    if fast is not None:
        fast.clear_caches()
    start = time.perf_counter()
    pred = {rid: label_reference(text) for rid, text in texts.items()}
    return pred, len(texts) / (time.perf_counter() - start)


def run_refextract(texts: dict[str, str]) -> tuple[dict | None, float, str]:
    """Predictions mapped to AnyStyle labels, refs/s, and a note."""
    try:
        from refextract import extract_references_from_string
    except Exception as e:  # noqa: BLE001 - report whatever stops it
        return None, 0.0, f"refextract unavailable: {type(e).__name__}: {e}"
    pred: dict[str, list[tuple[str, str]]] = {}
    failures = 0
    start = time.perf_counter()
    for rid, text in texts.items():
        fields: list[tuple[str, str]] = []
        try:
            refs = extract_references_from_string(text)
        except Exception:  # noqa: BLE001 - count, keep going
            refs, failures = [], failures + 1
        for ref in refs:
            for key, values in ref.items():
                label = REFEXTRACT_MAP.get(key)
                if label:
                    fields += [(label, str(v)) for v in values]
        pred[rid] = fields
    rate = len(texts) / (time.perf_counter() - start)
    return pred, rate, f"{failures} strings raised" if failures else ""


def restricted(pairs: dict, keep: tuple[str, ...]) -> dict:
    return {rid: [(lab, t) for lab, t in fields if lab in keep] for rid, fields in pairs.items()}


def table(name: str, results: dict[str, dict]) -> None:
    systems = list(results)
    labels = sorted(
        {lab for r in results.values() for lab in r["per_label"]},
        key=lambda lab: -max(r["per_label"].get(lab, {}).get("gold", 0) for r in results.values()),
    )
    print(f"\n## {name}")
    print(f"{'label':<18}{'gold':>6}" + "".join(f"{s + ' F1':>16}" for s in systems))
    for lab in labels:
        gold = max(r["per_label"].get(lab, {}).get("gold", 0) for r in results.values())
        cells = "".join(f"{r['per_label'].get(lab, {}).get('f1', 0.0):>16.4f}" for r in results.values())
        print(f"{lab:<18}{gold:>6}{cells}")
    print(f"{'micro-F1':<24}" + "".join(f"{r['micro']['f1']:>16.4f}" for r in results.values()))
    print(
        f"{'refs all correct':<24}"
        + "".join(f"{r['references_all_fields_correct'] / r['references']:>16.4f}" for r in results.values())
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refdata", type=Path, default=REPO.parent / "shared" / "refdata")
    ap.add_argument("--no-refextract", action="store_true")
    ap.add_argument("--json", type=Path, help="also write all results here")
    a = ap.parse_args(argv)
    scorer = load_scorer(a.refdata)
    split = json.loads(SPLIT_FILE.read_text(encoding="utf-8"))
    sets = {}
    for name, file in (("clean", "good"), ("messy", "core")):
        held = set(split[file])
        sets[name] = {r["id"]: r for r in load_jsonl(a.refdata / f"{file}.jsonl") if r["id"] in held}
    texts = {rid: r["text"] for s in sets.values() for rid, r in s.items()}

    t0 = time.perf_counter()
    refmodel.get_tagger(refmodel.MODEL_PATH)
    refmodel.FastTagger(refmodel.get_tagger(refmodel.MODEL_PATH)) if refmodel.np is not None else None
    load_s = time.perf_counter() - t0
    ours, ours_rate = run_ours(texts)
    theirs, theirs_rate, note = (None, 0.0, "skipped") if a.no_refextract else run_refextract(texts)

    out: dict = {
        "refs": {k: len(v) for k, v in sets.items()},
        "model_load_s": load_s,
        "model_bytes": refmodel.MODEL_PATH.stat().st_size,
        "ours_refs_per_s": ours_rate,
        "refextract_refs_per_s": theirs_rate,
        "refextract_note": note,
    }
    for name, recs in sets.items():
        gold = {rid: [tuple(f) for f in r["fields"]] for rid, r in recs.items()}
        results = {"kb.refparse": scorer.score(gold, {rid: ours[rid] for rid in recs})}
        if theirs is not None:
            results["refextract"] = scorer.score(gold, {rid: theirs[rid] for rid in recs})
        table(f"{name} ({len(recs)} held-out references)", results)
        common = {
            s: scorer.score(restricted(gold, COMMON), restricted({rid: p[rid] for rid in recs}, COMMON))
            for s, p in (("kb.refparse", ours), ("refextract", theirs))
            if p is not None
        }
        print(
            "micro-F1 on author/title/date only: " + "  ".join(f"{s} {r['micro']['f1']:.4f}" for s, r in common.items())
        )
        out[name] = {
            s: {"micro_f1": r["micro"]["f1"], "per_label": {k: v["f1"] for k, v in r["per_label"].items()}}
            for s, r in results.items()
        }
        out[name + "_author_title_date"] = {s: r["micro"]["f1"] for s, r in common.items()}
    print(f"\nmodel: {out['model_bytes'] / 1e6:.2f} MB, load (open + weight tables) {load_s * 1000:.0f} ms")
    print(
        f"speed, one core: kb.refparse {ours_rate:,.0f} refs/s"
        + (f"; refextract {theirs_rate:,.0f} refs/s" if theirs is not None else "")
        + (f" ({note})" if note else "")
    )
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
