"""Put the texts of our collected posts back on a machine that lacks them, byte-exact.

The collected posts' texts are other people's and never enter this repository
(``corpus/collected/README.md``); a fresh machine has only their manifest. The stored copies of public
repositories behind the search tools' ``read_file`` still hold them, at the manifest's commit, but
``read_file`` answers with text, not bytes: a reader copies each answer's ``text`` value, JSON escapes
left as they are, into part files, and this script joins and decodes them, repairs what such answers are
known to lose, and keeps the result only when its git blob sha is the manifest's.

    python -m training.restore_collected missing            # manifest rows whose text is absent: ID, repo, path, commit
    python -m training.restore_collected put ID PARTS...    # PARTS: the answers' text values, in order

What the answers lose (seen when the 279 posts were restored on 2026-12-07): carriage returns
(``\\r\\n`` files arrive as ``\\n``), decomposed accents (arrive composed, NFC), and a zero-width
character (U+200B/U+200C/U+200D/U+2060/U+FEFF) here and there. ``put`` tries the text as it is, with
CRLF line ends, decomposed (NFD), and with one zero-width character inserted at each position; only a
matching sha is written.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from pathlib import Path

from kb.corpus import COLLECTED, collected_dir, git_blob_sha

_ZERO_WIDTH = ("\u200d", "\u200b", "\u200c", "\u2060", "\ufeff")


def rows() -> dict[str, dict[str, str]]:
    """Manifest rows by ID (the row number, from 1)."""
    with COLLECTED.open(encoding="utf-8") as f:
        return {str(n): r for n, r in enumerate(csv.DictReader(f, delimiter="\t"), 1)}


def decode(parts: list[str]) -> str:
    """The text of a file from its parts, each the body of a JSON string (escapes as they are)."""
    return "".join(json.loads('"' + p.rstrip("\n") + '"') for p in parts)


def candidates(text: str):
    """The text, then the repairs of what ``read_file`` answers lose, cheapest first."""
    yield text
    if "\r" not in text:
        yield text.replace("\n", "\r\n")
    nfd = unicodedata.normalize("NFD", text)
    if nfd != text:
        yield nfd
    for ch in _ZERO_WIDTH:
        for i in range(len(text) + 1):
            yield text[:i] + ch + text[i:]


def restore(text: str, blob_sha: str) -> bytes | None:
    """The bytes whose git blob sha is ``blob_sha`` among the candidates, or None."""
    for cand in candidates(text):
        data = cand.encode("utf-8")
        if git_blob_sha(data) == blob_sha:
            return data
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("missing")
    put = sub.add_parser("put")
    put.add_argument("id")
    put.add_argument("parts", nargs="+", type=Path)
    put.add_argument("--to", type=Path, help="the folder holding posts/ (default: $KB_COLLECTED or ../collected)")
    args = ap.parse_args(argv)
    base = collected_dir() or (Path(__file__).resolve().parent.parent.parent / "collected")
    if args.cmd == "missing":
        for ident, r in rows().items():
            if not (base / r["file"]).is_file():
                print("\t".join((ident, r["repo"], r["path"], r["commit"])))
        return 0
    r = rows().get(args.id)
    if r is None:
        print(f"no manifest row {args.id}", file=sys.stderr)
        return 2
    data = restore(decode([p.read_text(encoding="utf-8") for p in args.parts]), r["blob_sha"])
    if data is None:
        print(
            f"{args.id}: no repair gives blob {r['blob_sha'][:10]} ({r['bytes']} bytes): check the parts",
            file=sys.stderr,
        )
        return 1
    out = (args.to or base) / r["file"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"{args.id}: {len(data)} bytes -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
