"""The span tagger's labels without crfsuite's tagging call (issue 16, ``speed11``): ``kb.ingest.talks.fastcrf``
reads the model file's weights and runs crfsuite's sums and Viterbi pass; every window the extraction tags here
gets crfsuite's labels, on the samples, the fixtures, generated posts and (when ../shared is there) real posts."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from kb.corpus import manifest, shared_dir
from kb.ingest.pipeline import extract
from kb.ingest.talks import fastcrf, model
from kb.ingest.talks.features import join_token_rows, token_features, token_parts

REPO = Path(__file__).resolve().parent.parent


def _texts() -> list[str]:
    from benchmarks.gen_corpus import generate

    paths = sorted((REPO / "imports").glob("*.md")) + sorted((REPO / "tests" / "fixtures").rglob("*.md"))
    out = [p.read_text(encoding="utf-8") for p in paths]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out += [p.read_text(encoding="utf-8") for p in generate(Path(tmp), 25, 11)]
    root = shared_dir()
    if root is not None:
        docs = sorted(manifest(root).values(), key=lambda d: d.sha)
        out += [d.text() for d in random.Random(5).sample(docs, min(120, len(docs)))]
    return out


@pytest.fixture(scope="module")
def windows() -> list[list[list[str]]]:
    """The rows (token_features') of every window the extraction of :func:`_texts` tags."""
    fast = fastcrf.span_tagger(model.SPANS_MODEL)
    assert fast is not None
    seen: list[list[list[str]]] = []
    real = fastcrf.SpanTagger.tag_parts

    def record(self, parts):
        seen.extend(join_token_rows(*p) for p in parts)
        return real(self, parts)

    fastcrf.SpanTagger.tag_parts = record
    try:
        for text in _texts():
            extract(text)
    finally:
        fastcrf.SpanTagger.tag_parts = real
    return seen


def test_parts_get_crfsuites_labels():
    """What label_post runs: token_parts of each window, tagged from the attributes' ids, against crfsuite's
    labels of token_features' rows, window by window and a post's windows together."""
    crf = model.tagger(model.SPANS_MODEL)
    fast = fastcrf.span_tagger(model.SPANS_MODEL)
    posts = []
    real = model.head_windows

    def record(blocks, a, heads):
        out = real(blocks, a, heads)
        posts.append((out, a.rule_spans))
        return out

    model.head_windows = record
    try:
        for text in _texts():
            extract(text)
    finally:
        model.head_windows = real
    assert sum(len(w) for w, _ in posts) > 200
    for wins, rule_spans in posts:
        want = [crf.tag(f) if f else [] for f in (token_features(w, rule_spans) for w in wins)]
        assert fast.tag_parts([token_parts(w, rule_spans) for w in wins]) == want
        assert [fast.tag_parts([token_parts(w, rule_spans)])[0] for w in wins] == want


def test_labels_are_crfsuites(windows):
    crf = model.tagger(model.SPANS_MODEL)
    fast = fastcrf.span_tagger(model.SPANS_MODEL)
    assert len(windows) > 200 and sum(map(len, windows)) > 10_000
    got = fast.tag_many(windows)
    for feats, labels in zip(windows, got, strict=True):
        assert labels == (crf.tag(feats) if feats else [])
    # both the written-out three-label pass and the general one (a fourth label nothing reaches)
    four = object.__new__(fastcrf.SpanTagger)
    four.labels = [*fast.labels, "unused"]
    four.trans = [[*row, -1e300] for row in fast.trans] + [[-1e300] * 4]
    for state in fast.state_scores(windows[:300]):
        assert fast.viterbi(state) == four.viterbi([[*s, -1e300] for s in state])


def test_weights_are_the_model_files(windows):
    """The weights are the file's doubles: within the dump's six decimals of ``Tagger.info()``, every one."""
    for path in (model.SPANS_MODEL, model.LINES_MODEL):
        fast = fastcrf.SpanTagger(path)
        info = model.tagger(path).info()
        assert fast.labels == [lab for lab, _ in sorted(info.labels.items(), key=lambda kv: int(kv[1]))]
        assert fast.rows == {a: int(i) for a, i in info.attributes.items()}
        assert len(info.state_features) == int((fast.weights != 0).sum())
        for (attr, label), w in info.state_features.items():
            assert abs(fast.weights[fast.rows[attr], fast.labels.index(label)] - w) <= 5e-7
        for (a, b), w in info.transitions.items():
            assert abs(fast.trans[fast.labels.index(a)][fast.labels.index(b)] - w) <= 5e-7


def test_the_line_model_too(windows):
    """The general pass (four labels) against crfsuite's Viterbi on the line labeller's model."""
    crf = model.tagger(model.LINES_MODEL)
    fast = fastcrf.SpanTagger(model.LINES_MODEL)
    from kb.ingest.pipeline import prepare
    from kb.ingest.talks.model import analyse

    seqs = []
    for text in _texts()[:60]:
        p = prepare(text)
        a = analyse(p.blocks, p.ref_blocks, p.rule_hits, p.event_hits)
        if a.line_features:
            seqs.append(a.line_features)
    assert len(seqs) > 20
    assert fast.tag_many(seqs) == [crf.tag(s) for s in seqs]


def test_unknown_and_repeated_attributes():
    fast = fastcrf.span_tagger(model.SPANS_MODEL)
    crf = model.tagger(model.SPANS_MODEL)
    known = list(fast.rows)[:40]
    seqs = [
        [["no such attribute", known[0], known[0]], [], [known[5], "w=zzzz", known[5], known[7]]],
        [[known[i], known[i + 1]] for i in range(30)],
        [[]],
    ]
    assert fast.tag_many(seqs) == [crf.tag(s) for s in seqs]


def test_what_crfsuite_reads_differently_goes_to_crfsuite(monkeypatch):
    """A NUL cuts crfsuite's attribute string, a lone surrogate fails pycrfsuite: such a post is tagged by crfsuite
    (the markdown walk replaces both, so this does not happen on a post's blocks today)."""
    assert fastcrf.plain("Keynote — Jane Doe, ünïcode 😀")
    assert not fastcrf.plain("Keynote\x00 Jane Doe")
    assert not fastcrf.plain("Keynote \ud800 Jane Doe")
    monkeypatch.setattr(model, "FAST_FROM", 0)  # this small post too
    calls = []
    real = fastcrf.SpanTagger.tag_parts
    monkeypatch.setattr(fastcrf.SpanTagger, "tag_parts", lambda self, parts: calls.append(parts) or real(self, parts))
    text = "# Notes\n\n## Keynote: Testing at Scale\n\nSpeaker: Jane Doe\n\n## Fast builds\n\nSpeaker: John Roe\n"
    a = extract(text)
    assert calls and a.talks
    calls.clear()
    monkeypatch.setattr(model, "plain", lambda text: False)
    b = extract(text)
    assert not calls and b.to_json() == a.to_json()


def test_a_file_that_is_not_a_model(tmp_path):
    bad = tmp_path / "x.crfsuite"
    bad.write_bytes(b"lCRF" + struct.pack("<I", 8) + b"XXXX" + bytes(40))
    assert fastcrf.span_tagger(bad) is None
    assert fastcrf.span_tagger(tmp_path / "missing.crfsuite") is None


def test_a_full_memo_is_emptied(monkeypatch):
    """The tuples read are bounded: past the bound they are forgotten and read again, the labels the same."""
    from kb.ingest.markdown import walk
    from kb.ingest.talks.features import window_tokens
    from kb.ingest.talks.units import units

    crf = model.tagger(model.SPANS_MODEL)
    fast = fastcrf.SpanTagger(model.SPANS_MODEL)
    monkeypatch.setattr(fastcrf, "_MAX_MEMO", 10)
    for path in sorted((REPO / "imports").glob("*.md"))[:4]:
        blocks = walk(path.read_text(encoding="utf-8"))
        us = units(blocks)
        wins = [window_tokens(blocks, us, k, len(us)) for k in range(0, len(us), 7)]
        want = [crf.tag(f) if f else [] for f in (token_features(w, {}) for w in wins)]
        assert fast.tag_parts([token_parts(w, {}) for w in wins]) == want
        assert len(fast._owns) <= 10 + sum(len(t) for w in wins for _, _, t in w)


def test_small_posts_go_to_crfsuite_with_the_same_output(monkeypatch):
    """Under :data:`fastcrf.FAST_FROM` tokens a post's windows are crfsuite's (a call here costs more than it
    saves); either way the extraction is the same."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "imports").glob("*.md"))[:5]]
    for text in texts:
        a = extract(text).to_json()
        monkeypatch.setattr(model, "FAST_FROM", 10**9)
        b = extract(text).to_json()
        monkeypatch.setattr(model, "FAST_FROM", 0)
        c = extract(text).to_json()
        monkeypatch.undo()
        assert a == b == c


def test_threads_share_the_tagger():
    """Calls from several threads at once get the labels of calls one after the other (the memos and the view
    table grow under a lock)."""
    from concurrent.futures import ThreadPoolExecutor

    from kb.ingest.markdown import walk
    from kb.ingest.talks.features import window_tokens
    from kb.ingest.talks.units import units

    jobs = []
    for path in sorted((REPO / "imports").glob("*.md")):
        blocks = walk(path.read_text(encoding="utf-8"))
        us = units(blocks)
        jobs.append([window_tokens(blocks, us, k, len(us)) for k in range(0, len(us), 5)])
    want = [fastcrf.SpanTagger(model.SPANS_MODEL).tag_parts([token_parts(w, {}) for w in wins]) for wins in jobs]
    shared = fastcrf.SpanTagger(model.SPANS_MODEL)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda wins: shared.tag_parts([token_parts(w, {}) for w in wins]), jobs * 3))
    assert got == want * 3


def test_numpy_comes_with_the_first_tagger_and_one_blas_thread():
    """``import kb.ingest.pipeline`` imports no numpy (the tagger imports it when first made, as the reference parser
    does: OpenBLAS without its thread pool)."""
    import subprocess
    import sys

    code = (
        "import sys, kb.ingest.pipeline as p; assert 'numpy' not in sys.modules; "
        "from kb.ingest.talks import fastcrf, model; assert fastcrf.span_tagger(model.SPANS_MODEL) is not None; "
        "assert 'numpy' in sys.modules; "
        "print(open('/proc/self/status').read().split('Threads:')[1].split()[0])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_a_model_written_anew_at_the_same_path_is_read_again(tmp_path):
    """Training folds and ``kb train`` write a new model where the last one was: the tagger follows the file."""
    import os
    import shutil

    from kb.ingest.talks import model as talk_model
    from kb.ingest.talks.fastcrf import span_tagger

    path = tmp_path / "spans.crfsuite"
    shutil.copyfile(talk_model.SPANS_MODEL, path)
    first = span_tagger(path)
    assert first is not None and span_tagger(path) is first
    os.utime(path, ns=(1, 1))  # the same bytes, another write
    assert span_tagger(path) is not first
    path.unlink()
    assert span_tagger(path) is None
