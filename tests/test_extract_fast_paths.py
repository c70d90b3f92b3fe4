"""The cheaper spellings of pure functions in extraction (branch ``speed12``) give what the plain code gives, on
the words and lines of real notes: the sample posts under imports/, the fixtures, and the real corpus
(../shared/realcorpus) when it is there."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product
from pathlib import Path

import pytest

from kb.corpus import manifest, shared_dir
from kb.ingest.talks import features as talk_features
from kb.ingest.talks.units import TOKEN

REPO = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def _texts() -> tuple[str, ...]:
    paths = sorted((REPO / "imports").glob("*.md")) + sorted((REPO / "tests" / "fixtures").rglob("*.md"))
    out = [p.read_text(encoding="utf-8") for p in paths]
    root = shared_dir()
    if root is not None:
        out += [d.text() for d in sorted(manifest(root).values(), key=lambda d: d.sha)[:600]]
    return tuple(out)


def _words() -> list[str]:
    return sorted({m.group() for text in _texts() for m in TOKEN.finditer(text)})


def test_real_posts_are_there():
    if shared_dir() is None:
        pytest.skip("../shared/realcorpus is not here: the samples and fixtures only")
    assert len(_texts()) > 300


def _plain_shape(w: str) -> str:
    s = re.sub(r"[A-ZÀ-ÖØ-Þ]", "X", w)
    s = re.sub(r"[a-zß-öø-ÿ]", "x", s)
    s = re.sub(r"\d", "d", s)
    return re.sub(r"(.)\1+", r"\1\1", s)[:5]


def test_token_shape_is_the_four_substitutions():
    words = _words() + ["Ørsted", "straße", "ÞÖØ", "١٢٣abc", "x²", "ÀÀÀàà", "MÜNCHEN2024", "Ÿ", "ſ"]
    words += [chr(c) * 3 + chr(c + 1) for c in range(0x20, 0x3000)]  # every class edge, and runs of each
    assert len(words) > 5000
    for w in words:
        assert talk_features.token_shape.__wrapped__(w) == _plain_shape(w), w


def _plain_views(parts) -> dict:
    ctx = talk_features._TOKEN_CONTEXT
    return {d: tuple(tuple(f"{d}:{x}" for x in part if x.startswith(ctx)) for part in parts) for d in (-2, -1, 1, 2)}


def test_neighbour_views_of_words_and_token_parts():
    n = 0
    for w in _words()[:20000]:
        word = talk_features._word_features.__wrapped__(w)
        f = word.features
        assert word.seen == _plain_views(([f[0]], [f[1]], f[2:]))
        n += 1
    for line, kind, on, rule in product(range(4), ("heading1", "item", "paragraph"), (True, False), ("O", "TITLE")):
        early = (f"line={line}", f"ukind={kind}")
        late = (f"emph={on}", f"link={not on}", talk_features._POS[line], f"ubold={on}", f"rule={rule}")
        assert talk_features._seen_as(early, late) == _plain_views((early, late))
    assert n > 500
