"""How much kb knows about the papers of the annotated real notes, offline (issue 15).

    python -m training.paper_ids                 # train + dev (never tune on test)
    python -m training.paper_ids --splits dev --json

Reports, over the chosen splits:

* linked gold papers (gold ``ref`` is a URL, or the gold paper has an arXiv id) that kb returns
  (matched as ``kb eval`` matches papers) and that kb returns **with an identifier** (DOI, arXiv,
  ACL Anthology, OpenReview, PMLR, …; a bare URL is not one);
* papers kb returns with title + year + first author (the bibliographic minimum), and with an identifier;
* duplicates: two returned papers of one post sharing an identity key.
"""

from __future__ import annotations

import argparse
import json
import sys

from kb.corpus import annotated, shared_dir
from kb.evaluate import TITLE_RATIO, _match, _paper_score
from kb.ingest.pipeline import extract


def id_keys(ref) -> list[str]:
    """The paper's identifier keys (works on older checkouts too, which knew only DOI and arXiv)."""
    ids = dict(getattr(ref, "ids", {}) or {})
    if ref.doi:
        ids["doi"] = ref.doi
    if ref.arxiv_id:
        ids["arxiv"] = ref.arxiv_id
    return [f"{s}:{v.lower() if s in ('doi', 'arxiv') else v}" for s, v in sorted(ids.items())]


def _linked(g: dict) -> bool:
    return str(g.get("ref") or "").startswith(("http://", "https://")) or bool(g.get("arxiv"))


def measure(splits: tuple[str, ...], verbose: bool = False) -> dict:
    root = shared_dir()
    if root is None:
        raise SystemExit("error: ../shared/realcorpus not found (set KB_SHARED)")
    c = dict.fromkeys(
        ("docs", "gold", "linked", "linked_found", "linked_with_id", "papers", "complete", "with_id", "duplicates"), 0
    )
    for doc, gold in annotated(root, splits):
        x = extract(doc.text(), source=doc.file.name)
        pred = x.to_json()["papers"]
        mapping = _match(pred, gold.get("papers", []), _paper_score, TITLE_RATIO)
        back = {j: i for i, j in mapping.items()}
        c["docs"] += 1
        c["gold"] += len(gold.get("papers", []))
        for j, g in enumerate(gold.get("papers", [])):
            if _linked(g):
                c["linked"] += 1
                if j in back:
                    c["linked_found"] += 1
                    c["linked_with_id"] += bool(id_keys(x.papers[back[j]]))
                    if verbose and not id_keys(x.papers[back[j]]):
                        print("no id:", g.get("ref"), file=sys.stderr)
                elif verbose:
                    print("missed:", g.get("ref"), (g.get("title") or "")[:60], file=sys.stderr)
        seen: set[str] = set()
        for ref in x.papers:
            c["papers"] += 1
            c["complete"] += bool(ref.title and ref.year and ref.authors)
            keys = id_keys(ref)
            c["with_id"] += bool(keys)
            c["duplicates"] += bool(set(keys) & seen)
            seen.update(keys)

    def share(a: str, b: str) -> float | None:
        return round(c[a] / c[b], 3) if c[b] else None

    return c | {
        "share_linked_with_id": share("linked_with_id", "linked"),
        "share_linked_found": share("linked_found", "linked"),
        "share_complete": share("complete", "papers"),
        "share_with_id": share("with_id", "papers"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--splits", default="train,dev", help="comma-separated: train, dev (test only to report)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "-v", "--verbose", action="store_true", help="list linked gold papers missed or without an identifier"
    )
    args = ap.parse_args(argv)
    result = measure(tuple(s.strip() for s in args.splits.split(",") if s.strip()), args.verbose)
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
    else:
        for k, v in result.items():
            print(f"{k:24} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
