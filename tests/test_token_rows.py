"""token_features makes each token's row and neighbour views once per (word, its own feature values) (issue 16,
``speed11``): every window of the samples, the fixtures and generated posts gets the rows the code before made,
kept here as ``plain_token_features``; the cache is bounded and a full one is emptied, not grown."""

from __future__ import annotations

import tempfile
from pathlib import Path

from kb.ingest.pipeline import extract
from kb.ingest.talks import features, model
from kb.ingest.talks.features import _EDGE, _PARTS, _POS, _SIDES, _seen_as, _word_features, token_features

REPO = Path(__file__).resolve().parent.parent


def plain_token_features(window, rule_spans):
    """token_features as it was before ``speed11`` (one token at a time, views joined per token)."""
    flat = []
    for n, u, toks in window:
        for j, t in enumerate(toks):
            flat.append((n, u, t, j))
    base = []
    seen = {d: [] for d in _SIDES}
    sides = [(d, seen[d].append) for d in _SIDES]
    for n, u, t, j in flat:
        word = _word_features(t.text)
        key = (min(n, 3), u.kind, u.level if u.kind == "heading" else "", t.emph, t.link, min(j, 9), u.bold)
        key += (rule_spans.get((u.block, t.start), "O"),)
        part = _PARTS.get(key)
        if part is None:
            early = (f"line={key[0]}", f"ukind={key[1]}{key[2]}")
            late = (f"emph={key[3]}", f"link={key[4]}", _POS[key[5]], f"ubold={key[6]}", f"rule={key[7]}")
            part = _PARTS[key] = (early, late, _seen_as(early, late))
        early, late, own = part
        wf = word.features
        base.append([wf[0], *early, wf[1], *late, *wf[2:]])
        for d, add in sides:
            first, second, rest = word.seen[d]
            mine, more = own[d]
            add(first + mine + second + more + rest)
    line = [x[0] for x in flat]
    size = len(base)
    for k, row in enumerate(base):
        for d in _SIDES:
            if 0 <= k + d < size and line[k + d] == line[k]:
                row += seen[d][k + d]
            else:
                row.append(_EDGE[d])
    return base


def _windows():
    from benchmarks.gen_corpus import generate

    paths = sorted((REPO / "imports").glob("*.md")) + sorted((REPO / "tests" / "fixtures").rglob("*.md"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    with tempfile.TemporaryDirectory() as tmp:
        texts += [p.read_text(encoding="utf-8") for p in generate(Path(tmp), 30, 3)]
    calls = []
    real = model.head_windows

    def record(blocks, a, heads):
        out = real(blocks, a, heads)
        calls.extend((w, dict(a.rule_spans)) for w in out)
        return out

    model.head_windows = record
    try:
        for text in texts:
            extract(text)
    finally:
        model.head_windows = real
    return calls


def test_rows_are_the_plain_codes():
    calls = _windows()
    assert len(calls) > 100 and sum(len(toks) for w, _ in calls for _, _, toks in w) > 5_000
    for window, rule_spans in calls:
        assert token_features(window, rule_spans) == plain_token_features(window, rule_spans)
    features._TOKENS.clear()  # made again, the same
    for window, rule_spans in calls[:50]:
        assert token_features(window, rule_spans) == plain_token_features(window, rule_spans)


def test_a_full_cache_is_emptied(monkeypatch):
    calls = _windows()[:40]
    monkeypatch.setattr(features, "_MAX_TOKENS", 50)
    features._TOKENS.clear()
    for window, rule_spans in calls:
        assert token_features(window, rule_spans) == plain_token_features(window, rule_spans)
        assert len(features._TOKENS) <= 50 + sum(len(toks) for _, _, toks in window)


def test_tokens_emphasis_and_links_as_each_span_tested():
    """units.tokens finds the tokens a span holds by bisection: the flags of testing every span at every token."""
    from kb.ingest.markdown import walk
    from kb.ingest.talks.units import Token, token_starts, tokens, units

    def plain(block, start, end):
        emph = [(s, e) for s, e in block.emphasis if s < end and e > start]
        links = [(s.start, s.end) for s in block.links if not s.image and s.start < end and s.end > start]
        words, starts = token_starts(block.text, start, end)
        return [
            Token(w, a, a + len(w), any(s <= a < e for s, e in emph), any(s <= a < e for s, e in links))
            for w, a in zip(words, starts, strict=True)
        ]

    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "imports").glob("*.md"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "tests" / "fixtures").rglob("*.md"))]
    texts.append("**Bold _both_ [link *in* it](https://x.org)** and ![img](a.png) *a*b* __c__\n- [x](#y) **z**\n")
    flagged = 0
    for text in texts:
        blocks = walk(text)
        for u in units(blocks):
            got = tokens(blocks[u.block], u.start, u.end)
            assert got == plain(blocks[u.block], u.start, u.end)
            flagged += sum(t.emph or t.link for t in got)
    assert flagged > 500
