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
from kb.ingest.talks import hits
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


def _lines() -> list[str]:
    return [line for text in _texts() for line in text.splitlines() if line.strip()]


def test_the_on_topic_pattern_needs_a_spaced_on():
    """split_title_speaker tries its "Name (Affiliation), on Topic" pattern only where " on " (any spaces) is."""
    lines = _lines() + ["Cordelia Schmid (Inria), on learning from video", "Jane Doe\ton\tthings", "Ann Lee, on"]
    matched = 0
    for line in lines:
        text = " ".join(line.split())
        got = hits._ON_TOPIC.match(text)
        plain = re.match(r"^(.{3,80}?)\s*(?:\([^()]{1,80}\))?,?\s+on\s+(.{4,120})$", text)
        assert (got and got.groups()) == (plain and plain.groups())
        if plain:
            matched += 1
            assert hits._ON_WORD.search(text), text
    assert matched > 3


def test_name_pairs_need_two_capitalised_words():
    n = 0
    for line in _lines()[:30000]:
        words = talk_features._words(line)
        if sum(w[:1].isupper() for w in words) < 2:
            assert talk_features._name_pairs(words) == 0
            n += 1
    assert n > 100


def test_line_words_columns_are_each_words_row():
    from kb.ingest.markdown import walk
    from kb.ingest.papers.features import _word, line_words
    from kb.ingest.talks.units import units

    n = 0
    for text in _texts()[:200]:
        blocks = walk(text)
        for u in units(blocks):
            lw = line_words(blocks[u.block], u)
            rows = [_word(w) for w in lw.words]
            assert (lw.lower, lw.stop, lw.title, lw.upper, lw.alpha) == tuple([r[k] for r in rows] for k in range(5))
            assert len({id(lw.lower), id(lw.stop), id(lw.title), id(lw.upper), id(lw.alpha)}) == 5  # five lists
            n += 1
    assert n > 1000


def test_bound_score_adds_as_the_list_did():
    """ScoreBound.score sums through map: the same floats added in the same order, so the same bits."""
    from kb.ingest.papers import tagger as paper_model
    from kb.ingest.papers.bound import score_bound
    from kb.ingest.papers.features import LATE
    from kb.ingest.pipeline import MAX_TEXT, prepare

    t = paper_model.tagger()
    if t is None:
        pytest.skip("the paper-mention model is not shipped in this checkout")
    bound = score_bound(t, LATE)
    n = 0
    for text in _texts()[:80]:
        if len(text) > MAX_TEXT:
            continue
        p = prepare(text)
        for _, _, feats in paper_model.line_candidates(p.blocks, p.ref_blocks):
            for f in feats:
                assert bound.score(f) == sum([bound.delta.get(a, 0.0) for a in f])
                n += 1
    assert n > 300


def test_line_group_words_are_the_groups_together():
    from kb.ingest.lexicon import lexicon

    first, line = talk_features._union_words()
    lex = lexicon()
    assert first == set().union(*(lex[g] for g in talk_features._W0_GROUPS))
    assert line == set().union(*(lex[g] for g in talk_features._LINE_GROUPS))


def test_zipf_of_plain_words_is_wordfreqs():
    """lexicon.zipf asks wordfreq once per frequency for words of lower-case ASCII letters: on every such word of
    wordfreq's English table, the posts' words and 5,000 made-up ones, the value is wordfreq's (same float, same
    sign of a zero)."""
    import random
    import string

    from wordfreq import get_frequency_dict, zipf_frequency

    from kb.ingest import lexicon

    rnd = random.Random(7)
    words = [w for w in get_frequency_dict("en", "best") if w.isascii() and w.isalpha() and w.islower()]
    words += sorted({w.lower() for w in _words() if w.isascii() and w.isalpha()})
    words += ["".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(1, 14))) for _ in range(5000)]
    assert len(words) > 100_000
    for w in words:
        got, want = lexicon._zipf_of_plain(w), zipf_frequency(w, "en")
        assert (got, str(got)) == (want, str(want)), w
    for w in ("Hello", "HELLO", "naïve", "don't", "covid19", "Zürich", ""):  # the rest go to wordfreq whole
        assert lexicon.zipf.__wrapped__(w) == zipf_frequency(w.lower(), "en")
