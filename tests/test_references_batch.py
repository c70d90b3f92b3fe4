"""A post's reference list is parsed in one batch (kb.ingest.references._parse_ahead, issue 16 ``speed9``): the
records are those of parsing each reference alone, and a reference that fails is reported for itself."""

from __future__ import annotations

import pytest

import kb.ingest.refparse
from kb.ingest import references
from kb.ingest.references import RawReference, parse_entries

TEXTS = [
    "Vaswani, A., Shazeer, N., Parmar, N. (2017). Attention is all you need. In NeurIPS, pp. 5998-6008.",
    "J. Devlin, M. Chang, K. Lee, K. Toutanova. BERT: Pre-training of deep bidirectional transformers. "
    "arXiv:1810.04805",
    "[Deep residual learning](https://arxiv.org/abs/1512.03385)",  # a link alone: never parsed by the model
    "He, K., Zhang, X., Ren, S., Sun, J. Deep residual learning for image recognition. CVPR 2016.",
    "Vaswani, A., Shazeer, N., Parmar, N. (2017). Attention is all you need. In NeurIPS, pp. 5998-6008.",
    "@article{x, title={A BibTeX entry pasted as a reference}, author={Doe, Jane}, year={2020}}",
    "Peters, M. E. et al. Deep contextualized word representations. NAACL 2018.",
]


def _raw() -> list[RawReference]:
    return [RawReference(marker=f"{i + 1}.", text=t, line=i + 1) for i, t in enumerate(TEXTS)]


def _one_by_one(monkeypatch) -> tuple:
    monkeypatch.setattr(references, "_parse_ahead", lambda texts: None)
    references._PARSE_CACHE.clear()
    try:
        return parse_entries(_raw(), [], "post.md")
    finally:
        monkeypatch.undo()
        references._PARSE_CACHE.clear()


def test_batch_gives_the_records_of_one_by_one(monkeypatch):
    want = _one_by_one(monkeypatch)
    calls = []
    real = kb.ingest.refparse.parse_references
    monkeypatch.setattr(kb.ingest.refparse, "parse_references", lambda texts: calls.append(texts) or real(texts))
    references._PARSE_CACHE.clear()
    got = parse_entries(_raw(), [], "post.md")
    assert got == want
    assert len(calls) == 1 and len(calls[0]) == 5  # every distinct reference the model reads, once
    assert parse_entries(_raw(), [], "post.md") == want  # from the cache
    assert len(calls) == 1


def test_a_failing_batch_falls_back_to_one_by_one(monkeypatch):
    want = _one_by_one(monkeypatch)
    real = kb.ingest.refparse.parse_reference
    bad = TEXTS[3]

    def parse_reference(text, marker=None):
        if text == bad:
            raise ValueError("boom")
        return real(text, marker)

    def parse_references(texts):
        raise ValueError("boom")

    monkeypatch.setattr(kb.ingest.refparse, "parse_reference", parse_reference)
    monkeypatch.setattr(kb.ingest.refparse, "parse_references", parse_references)
    references._PARSE_CACHE.clear()
    papers, problems = parse_entries(_raw(), [], "post.md")
    references._PARSE_CACHE.clear()
    assert [p.message for p in problems] == ["reference [4] could not be parsed: boom"]
    assert [p.line for p in problems] == [4]
    assert papers[3].raw == bad and papers[3].confidence == 0.0
    assert papers[:3] + papers[4:] == want[0][:3] + want[0][4:]


@pytest.fixture(autouse=True)
def _clean_cache():
    references._PARSE_CACHE.clear()
    yield
    references._PARSE_CACHE.clear()
