"""Train the person-name check (:mod:`kb.ingest.personname`): ``python -m training.train_names``.

Names (P): the people, speakers and paper authors of our annotations (train and dev splits), and the
authors of the hand-labelled reference strings (``../shared/refdata``) whose given name is known. Not names
(N): the capitalised runs of two to four words in their talk titles, paper titles and event names that
the rules of :func:`kb.ingest.people.looks_like_person` accept ("Longuet-Higgins Prize"). Deterministic:
the examples are sorted, crfsuite's L-BFGS runs with fixed parameters.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

from kb.corpus import annotated
from kb.ingest import personname
from kb.ingest.people import strip_honorific
from training.common import corpus_root

PARAMS = {"c1": 0.0, "c2": 1.0, "max_iterations": 200}
_CAP_RUN = re.compile(r"(?:[A-Z][\w'’.\-]*\s+){1,3}[A-Z][\w'’.\-]*")


def _author(a: dict) -> str | None:
    given, family = (a.get("given") or "").strip(), (a.get("family") or "").strip()
    return f"{given} {family}" if given and family else None


def refdata_names(root: Path | None) -> set[str]:
    """Authors of the hand-labelled reference strings (``../shared/refdata``, AnyStyle's, BSD-2) written with
    a known given name in full ("Adam Gopnik", "Aditya Khosla"): family names of many languages."""
    from kb.ingest.names import split_authors
    from kb.ingest.people import given_names

    out: set[str] = set()
    if root is None or not (root / "refdata").is_dir():
        return out
    given = given_names()
    for path in sorted((root / "refdata").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for label, text in json.loads(line)["fields"]:
                if label != "author":
                    continue
                for n in split_authors(text)[0]:
                    first, family = (n.given or "").split(" ")[0], (n.family or "").strip()
                    if first in given and family[:1].isupper() and len(family) > 1 and "." not in family:
                        out.add(f"{first} {family}")
    return out


def examples(golds: list[dict], more_names: set[str] = frozenset()) -> list[tuple[str, str]]:
    """(phrase, P or N), sorted, each phrase once (a phrase both ways is a name). ``more_names``: names from
    elsewhere (:func:`refdata_names`)."""
    from kb.ingest.people import looks_like_person

    names: set[str] = set(more_names)
    others: set[str] = set()
    for g in golds:
        for p in g.get("people", []):
            names.update(n for n in (p.get("name"), p.get("spelled_in_post")) if n)
        for t in g.get("talks", []):
            names.update(t.get("speakers", []))
            if t.get("title") and not t.get("title_inferred"):
                others.add(t["title"])
        for p in g.get("papers", []):
            names.update(n for n in map(_author, p.get("authors") or []) if n)
            if p.get("title"):
                others.add(p["title"])
        for e in g.get("events", []):
            if e.get("name"):
                others.add(e["name"])
    names = {" ".join(strip_honorific(n).split()) for n in names}
    names = {n for n in names if len(n.split()) >= 2}
    negatives = set()
    for text in others:
        for m in _CAP_RUN.finditer(text):
            words = m.group().split()
            for k in range(len(words)):
                for j in range(k + 2, min(k + 4, len(words)) + 1):
                    phrase = " ".join(words[k:j])
                    if phrase not in names and looks_like_person(phrase):
                        negatives.add(phrase)
    return sorted([(n, "P") for n in names] + [(n, "N") for n in negatives])


def train(golds: list[dict], path: Path, more_names: set[str] = frozenset()) -> int:
    import pycrfsuite

    t = pycrfsuite.Trainer(verbose=False)
    exs = examples(golds, more_names)
    for phrase, label in exs:
        t.append([personname.features(phrase.split())], [label])
    t.set_params(PARAMS)
    t.train(str(path))
    return len(exs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=personname.MODEL)
    args = ap.parse_args(argv)
    root = corpus_root(args.shared)
    if root is None:
        return 2
    golds = [g for _, g in annotated(root, ("train", "dev"))]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.crfsuite"
        n = train(golds, path, refdata_names(root))
        args.out.write_bytes(path.read_bytes())
    sha = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"{n} phrases from {len(golds)} annotated documents; {args.out.name} sha256 {sha[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
