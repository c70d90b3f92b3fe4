"""Rebuild ``title_words.tsv``: how much likelier each word is in a paper title than in English at large.

    python -m kb.ingest.data.build_title_words [--refdata ../shared/refdata]

Source: the titles of the AnyStyle reference data (BSD-2-Clause, see LICENSE-anystyle.txt beside
this file), against wordfreq's English frequencies. The score of a word is
``log(P(word | title) / P(word | English))`` for words seen in at least three titles; the paper
mention classifier reads the mean score of a candidate's words as one feature ("Learning
Perceptual Inference by Contrasting" scores high, "really great talk" low).
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIN_COUNT = 3


def build(refdata: Path) -> dict[str, float]:
    from wordfreq import word_frequency

    counts: Counter[str] = Counter()
    for name in ("core.jsonl", "good.jsonl"):
        for line in (refdata / name).read_text(encoding="utf-8").splitlines():
            for label, text in json.loads(line)["fields"]:
                if label == "title":
                    counts.update(re.findall(r"[^\W\d_]+", text.lower()))
    total = sum(counts.values())
    return {
        w: round(math.log((k / total) / max(word_frequency(w, "en"), 1e-7)), 1)
        for w, k in sorted(counts.items())
        if k >= MIN_COUNT
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--refdata", type=Path, default=HERE.parents[2].parent / "shared" / "refdata")
    args = ap.parse_args()
    scores = build(args.refdata)
    (HERE / "title_words.tsv").write_text("".join(f"{w}\t{s}\n" for w, s in scores.items()), encoding="utf-8")
    print(f"{len(scores)} words")


if __name__ == "__main__":
    main()
