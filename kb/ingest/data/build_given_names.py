"""Rebuild ``given_names.txt``: given names seen at least twice in labelled author lists.

    python -m kb.ingest.data.build_given_names [--refdata ../shared/refdata] [--census DIR]

Sources: the AnyStyle reference data (BSD-2-Clause, see LICENSE-anystyle.txt
beside this file), kb's own in-domain references, and the 1990 US Census lists of
given names as the ``names`` package ships them (``pip download names==0.3.0``, MIT;
``--census`` is its ``names/`` folder holding ``dist.male.first`` and ``dist.female.first``). The list only helps decide
whether "Jessica Hullman" in prose is a person; it is not a dictionary of names.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from kb.ingest.names import split_authors
from kb.ingest.people import NOT_NAME_WORDS

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


def given_names(paths: list[Path], min_count: int = 2) -> list[str]:
    counts: Counter[str] = Counter()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            for label, text in json.loads(line)["fields"]:
                if label not in ("author", "editor"):
                    continue
                try:
                    names, _ = split_authors(text)
                except Exception:  # noqa: BLE001 - a bad label is noise, not an error
                    continue
                for name in names:
                    first = name.given.replace("-", " ").split()[:1]
                    if (
                        first
                        and len(first[0]) >= 3
                        and first[0].isalpha()
                        and first[0][0].isupper()
                        and first[0][1:].islower()
                    ):
                        counts[first[0]] += 1
    return sorted(n for n, c in counts.items() if c >= min_count and n.lower() not in NOT_NAME_WORDS)


# Census given names that are, in notes, nearly always ordinary words or places ("Hope", "Page", "India").
CENSUS_NOT_NAMES = frozenset(
    """america angeles angle asia brain carry chance desire diamond else era florida forest france francisco german
    glory golden hang honey hope india irish israel jesus king lady liberty loan love major man manual marine marry
    min miss moon numbers page precious prince princess queen rich royal santa season see son song soon spring star
    summer sun temple tiny van winter young china carolina dallas houston""".split()
)


def census_names(folder: Path) -> list[str]:
    """Given names of the 1990 US Census lists (one per line: NAME, frequency, cumulative, rank)."""
    out = set()
    for name in ("dist.male.first", "dist.female.first"):
        for line in (folder / name).read_text(encoding="ascii").splitlines():
            word = line.split()[0] if line.strip() else ""
            if len(word) >= 3 and word.isalpha():
                out.add(word.title())
    return sorted(n for n in out if n.lower() not in NOT_NAME_WORDS | CENSUS_NOT_NAMES)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refdata", type=Path, default=REPO.parent / "shared" / "refdata")
    ap.add_argument("--census", type=Path, default=None, help="the names package's names/ folder (1990 US Census)")
    args = ap.parse_args()
    paths = [
        args.refdata / "core.jsonl",
        args.refdata / "good.jsonl",
        REPO / "kb" / "ingest" / "refparse" / "data" / "indomain.jsonl",
    ]
    names = given_names([p for p in paths if p.exists()])
    if args.census:
        names = sorted(set(names) | set(census_names(args.census)))
    (HERE / "given_names.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    print(f"{len(names)} given names written to {HERE / 'given_names.txt'}")


if __name__ == "__main__":
    main()
