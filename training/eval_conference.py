"""How often kb names the post's conference as our gold files do: ``python -m training.eval_conference [--splits train,dev] [-v]``.

Name as :func:`kb.evaluate.same_conference_name`; year: equal. ``kb eval`` scores the same
(entity "conference"); this lists every miss and counts posts with no conference at all. Never reads the test split unless asked (reporting only).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kb.corpus import annotated, original_path, shared_dir
from kb.evaluate import same_conference_name
from kb.ingest.pipeline import extract


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--splits", default="train,dev")
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    n = names = years = both = none = 0
    for doc, gold in annotated(args.shared or shared_dir(), tuple(args.splits.split(","))):
        g = gold.get("conference") or {}
        if not g.get("name"):
            continue
        path = original_path(doc.file)
        x = extract(doc.text(), source=doc.file.name, path=path).to_json()
        p = x.get("conference") or {}
        n += 1
        ok_name, ok_year = same_conference_name(p.get("name"), g.get("name")), p.get("year") == g.get("year")
        names += ok_name
        years += ok_year
        both += ok_name and ok_year
        none += not p.get("name")
        if args.verbose and not (ok_name and ok_year):
            print(f"  {path[:60]}: {p.get('name')!r} {p.get('year')} ≠ {g.get('name')!r} {g.get('year')}")
    print(
        f"{n} posts with a gold conference: name {names / n:.3f}, year {years / n:.3f}, both {both / n:.3f}, none {none}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
