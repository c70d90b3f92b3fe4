"""Rebuild the shipped CRF model: ``python -m kb.ingest.refparse.train``.

Training data: the AnyStyle hand-labelled sets in ``shared/refdata``
(``good.jsonl`` and ``core.jsonl``, minus a fixed, seeded 20 % of each held
out for evaluation) plus our own in-domain references in
``data/indomain.jsonl``. The held-out ids are written to ``data/heldout.json``
(created on the first run, then read, so every later run uses the same split).

Given the same data, features and parameters, crfsuite's L-BFGS training is
deterministic: two runs write byte-identical model files.

Options: ``--refdata PATH`` (default ``<repo>/../shared/refdata``),
``--out PATH``, ``--dev`` (also keep back a seeded 15 % of the training
portion and report its micro-F1: for choosing features without ever looking
at the held-out set; ``--fold N`` draws another seeded dev split, so a change
can be checked on several), ``--c1 --c2 --iterations``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import random
import sys
import time
from pathlib import Path
from types import ModuleType

import pycrfsuite

from kb.ingest.refparse.features import sequence_features, tokenize

PACKAGE = Path(__file__).parent
REPO = PACKAGE.parents[2]
DEFAULT_REFDATA = REPO.parent / "shared" / "refdata"
INDOMAIN = PACKAGE / "data" / "indomain.jsonl"
SPLIT_FILE = PACKAGE / "data" / "heldout.json"
SEED = 20190227
HELDOUT_FRACTION = 0.2
DEV_FRACTION = 0.15
PARAMS = {"c1": 0.05, "c2": 0.005, "max_iterations": 150, "feature.possible_transitions": True}


def load_jsonl(path: Path) -> list[dict]:
    """Records of a refdata-format file, in file order."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def heldout_split(refdata: Path, split_file: Path = SPLIT_FILE) -> dict[str, list[str]]:
    """The fixed held-out ids per refdata file; created once from SEED."""
    if split_file.exists():
        return json.loads(split_file.read_text(encoding="utf-8"))
    split: dict[str, list[str]] = {"seed": [str(SEED)]}
    for offset, name in enumerate(("good", "core")):
        ids = [r["id"] for r in load_jsonl(refdata / f"{name}.jsonl")]
        rng = random.Random(SEED + offset)
        chosen = set(rng.sample(ids, round(HELDOUT_FRACTION * len(ids))))
        split[name] = [i for i in ids if i in chosen]
    split_file.write_text(json.dumps(split, indent=0) + "\n", encoding="utf-8")
    return split


def token_labels(record: dict) -> tuple[list, list[str]]:
    """Tokens of a record's text with the label of the field each falls in."""
    text = record["text"]
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for label, field_text in record["fields"]:
        start = text.index(field_text, pos)
        spans.append((start, start + len(field_text), label))
        pos = start + len(field_text)
    tokens = tokenize(text)
    labels: list[str] = []
    j = 0
    for tok in tokens:
        while j + 1 < len(spans) and tok.start >= spans[j][1]:
            j += 1
        labels.append(spans[j][2])
    return tokens, labels


def training_records(refdata: Path, dev: bool = False, fold: int = 0) -> tuple[list[dict], list[dict]]:
    """(train, dev) records; dev is empty unless asked for (``fold`` picks one of
    several seeded dev splits). Never the held-out ids."""
    split = heldout_split(refdata)
    train: list[dict] = []
    devset: list[dict] = []
    for offset, name in enumerate(("good", "core")):
        held = set(split[name])
        rest = [r for r in load_jsonl(refdata / f"{name}.jsonl") if r["id"] not in held]
        if dev:
            rng = random.Random(SEED + 100 + offset + 1000 * fold)
            dev_ids = set(rng.sample([r["id"] for r in rest], round(DEV_FRACTION * len(rest))))
            devset += [r for r in rest if r["id"] in dev_ids]
            rest = [r for r in rest if r["id"] not in dev_ids]
        train += rest
    train += load_jsonl(INDOMAIN)
    return train, devset


def train(records: list[dict], out: Path, params: dict) -> None:
    """Fit the CRF on the records and write the model file."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for record in records:
        tokens, labels = token_labels(record)
        trainer.append(sequence_features(tokens), labels)
    trainer.set_params(params)
    trainer.train(str(out))


def load_scorer(refdata: Path) -> ModuleType:
    """refdata's score.py, imported by path."""
    spec = importlib.util.spec_from_file_location("refdata_score", refdata / "score.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def evaluate(records: list[dict], model: Path, refdata: Path) -> dict:
    """score.py's result dict for the model's labelling of the records."""
    from kb.ingest.refparse.model import get_tagger, tag, to_fields

    scorer = load_scorer(refdata)
    tagger = get_tagger(model)
    gold, pred = {}, {}
    for r in records:
        tokens = tokenize(r["text"])
        labels, _ = tag(tokens, tagger)
        gold[r["id"]] = [tuple(f) for f in r["fields"]]
        pred[r["id"]] = to_fields(r["text"], tokens, labels)
    return scorer.score(gold, pred)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refdata", type=Path, default=DEFAULT_REFDATA)
    ap.add_argument("--out", type=Path, default=PACKAGE / "model.crfsuite")
    ap.add_argument("--dev", action="store_true", help="hold back a dev set and report its F1")
    ap.add_argument("--fold", type=int, default=0, help="which seeded dev split (with --dev)")
    ap.add_argument("--c1", type=float, default=PARAMS["c1"])
    ap.add_argument("--c2", type=float, default=PARAMS["c2"])
    ap.add_argument("--iterations", type=int, default=PARAMS["max_iterations"])
    a = ap.parse_args(argv)
    if not (a.refdata / "good.jsonl").exists():
        print(f"no refdata at {a.refdata} (use --refdata)", file=sys.stderr)
        return 2
    params = PARAMS | {"c1": a.c1, "c2": a.c2, "max_iterations": a.iterations}
    records, devset = training_records(a.refdata, a.dev, a.fold)
    t0 = time.perf_counter()
    train(records, a.out, params)
    digest = hashlib.sha256(a.out.read_bytes()).hexdigest()
    print(
        f"trained on {len(records)} references in {time.perf_counter() - t0:.0f}s -> {a.out} "
        f"({a.out.stat().st_size / 1e6:.2f} MB, sha256 {digest[:16]})"
    )
    if devset:
        for name in ("good", "core"):
            subset = [r for r in devset if r["id"].startswith(name)]
            res = evaluate(subset, a.out, a.refdata)
            per = " ".join(f"{k}={v['f1']:.3f}" for k, v in list(res["per_label"].items())[:10])
            print(f"dev {name}: n={len(subset)} micro-F1={res['micro']['f1']:.4f}  {per}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
