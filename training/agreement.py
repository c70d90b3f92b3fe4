"""Inter-annotator agreement: ``python -m training.agreement``.

Every document annotated twice (``corpus/annotations/second/<sha>.gold.json`` beside the primary
``corpus/annotations/<sha>.gold.json``, or ``corpus/annotations/collected/<sha>.gold.json`` for a post we
collected) is scored one against the other with the extractor's own
matching rules (:func:`kb.evaluate.compare`, the second annotation in the place of the
prediction); F1 is symmetric, so which one plays the prediction does not matter.
"""

from __future__ import annotations

import json
import sys

from kb.corpus import ANNOTATIONS
from kb.evaluate import ENTITY_TYPES, Score, compare


def as_prediction(gold: dict) -> dict:
    """A gold record in the shape :func:`compare` reads predictions in (citations as records)."""
    cites = [
        {"talk": i, "paper": ref, "marker": ref}
        for i, t in enumerate(gold.get("talks", []))
        for ref in t.get("cites", [])
    ]
    return {**gold, "citations": cites}


def main() -> int:
    totals = {k: Score() for k in ENTITY_TYPES}
    rows = []
    for second in sorted((ANNOTATIONS / "second").glob("*.gold.json")):
        primary = next(
            (p for p in (ANNOTATIONS / second.name, ANNOTATIONS / "collected" / second.name) if p.exists()), None
        )
        if primary is None:
            continue
        a = json.loads(primary.read_text(encoding="utf-8"))
        b = json.loads(second.read_text(encoding="utf-8"))
        scores = compare(as_prediction(b), a)
        for k, s in scores.items():
            totals[k].add(s)
        rows.append(
            {
                "doc": a.get("source"),
                "talks": [len(a["talks"]), len(b["talks"])],
                **{k: round(s.f1, 3) for k, s in scores.items()},
            }
        )
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))
    print(json.dumps({"documents": len(rows), **{k: round(s.f1, 3) for k, s in totals.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
