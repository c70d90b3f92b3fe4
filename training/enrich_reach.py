"""What ``kb enrich`` (network) could reach on the annotated real notes, measured offline (issue 15).

    python -m training.enrich_reach              # train + dev (never tune on test)

For the papers kb extracts from the chosen splits: how many carry an identifier some network source
answers for (arXiv, DOI → Crossref/DataCite/OpenAlex, ACL Anthology, OpenReview, DBLP), which source
would be asked first, how many are already complete offline (title + year + first author), and the
least time a first run takes under the sources' rate limits (arXiv 3 s, the others 1 s, one at a time).
No network is used.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from kb.corpus import annotated, shared_dir
from kb.enrich.http import DEFAULT_RATE, RATE
from kb.enrich.network import askable
from kb.enrich.sources import BY_SCHEME
from kb.ingest.pipeline import extract


def measure(splits: tuple[str, ...]) -> dict:
    root = shared_dir()
    if root is None:
        raise SystemExit("error: ../shared/realcorpus not found (set KB_SHARED)")
    c: Counter = Counter()
    first: Counter = Counter()
    seen: set[str] = set()
    for doc, _gold in annotated(root, splits):
        c["docs"] += 1
        for ref in extract(doc.text(), source=doc.file.name).papers:
            c["papers"] += 1
            ids = dict(ref.ids)
            if ref.doi:
                ids["doi"] = ref.doi
            if ref.arxiv_id:
                ids["arxiv"] = ref.arxiv_id
            ids = askable(ids)
            reachable = sorted(ids)
            complete = bool(ref.title and ref.year and ref.authors)
            c["complete_offline"] += complete
            if not reachable:
                continue
            c["reachable"] += 1
            c["reachable_incomplete"] += not complete
            key = f"{reachable[0]}:{ids[reachable[0]].lower()}"
            if key in seen:
                continue  # the same paper in another post: one set of requests
            seen.add(key)
            for scheme in reachable:
                first[BY_SCHEME[scheme][0].NAME] += 1
    seconds = sum(n * RATE.get(name, DEFAULT_RATE) for name, n in first.items())
    return dict(c) | {
        "distinct_reachable": len(seen),
        "first_requests": dict(sorted(first.items())),
        "least_seconds_first_run": seconds,
        "share_reachable": round(c["reachable"] / c["papers"], 3) if c["papers"] else None,
        "share_complete_offline": round(c["complete_offline"] / c["papers"], 3) if c["papers"] else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--splits", default="train,dev", help="comma-separated: train, dev (test only to report)")
    args = ap.parse_args(argv)
    print(json.dumps(measure(tuple(args.splits.split(","))), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
