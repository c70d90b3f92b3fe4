"""A cached parsed reference is handed out as a copy (``kb.ingest.references.parse_cached``): the cheap copy
equals ``copy.deepcopy`` field for field, shares nothing mutable with the cached record, keeps shared objects
shared, and anything it does not know falls back to deepcopy (issue 16, ``speed10``)."""

from __future__ import annotations

import copy

from kb.ingest import references
from kb.ingest.records import Name, ParsedReference
from kb.ingest.refparse import parse_references

SAMPLES = [
    '[3] Mahendran, Aravindh, and Andrea Vedaldi. "Understanding deep image representations by inverting them." '
    "_Proceedings of the IEEE conference on computer vision and pattern recognition_. 2015.",
    "He, K., Zhang, X., Ren, S., Sun, J. (2016). Deep residual learning for image recognition. CVPR. "
    "https://doi.org/10.1109/CVPR.2016.90",
    "Vaswani et al. Attention is all you need. NeurIPS 2017. arXiv:1706.03762",
    "van der Maaten, L., Hinton, G. Visualizing data using t-SNE. JMLR 9, 2579-2605 (2008).",
]


def _same(a: ParsedReference, b: ParsedReference) -> None:
    assert a == b and repr(a) == repr(b) and vars(a) == vars(b)


def test_copy_is_a_deepcopy_that_shares_nothing_mutable():
    for ref in parse_references(SAMPLES):
        ref.ids = {"acl": "P19-1001"}
        got = references._copy(ref)
        _same(got, copy.deepcopy(ref))
        assert got is not ref and got.ids is not ref.ids
        assert got.authors is not ref.authors and got.editors is not ref.editors
        assert all(x is not y for x, y in zip(got.authors, ref.authors, strict=True))
        got.authors[0].family = "Changed"
        got.ids["x"] = "y"
        assert ref.authors[0].family != "Changed" and "x" not in ref.ids


def test_shared_names_stay_shared_and_the_unknown_goes_to_deepcopy():
    jane = Name(family="Doe", given="Jane")
    ref = ParsedReference(raw="r", authors=[jane, jane], editors=[jane])
    got = references._copy(ref)
    _same(got, copy.deepcopy(ref))
    assert got.authors[0] is got.authors[1] is got.editors[0] and got.authors[0] is not jane
    same_list = ParsedReference(raw="r", authors=[jane])
    same_list.editors = same_list.authors
    got = references._copy(same_list)
    assert got.editors is got.authors
    odd = ParsedReference(raw="r", authors=[jane])
    odd.extra = [1]  # an attribute the record does not declare
    got = references._copy(odd)
    assert got.extra == [1] and got.extra is not odd.extra
    odd_value = ParsedReference(raw="r", title=["a list"])  # type: ignore[arg-type]
    got = references._copy(odd_value)
    assert got.title == ["a list"] and got.title is not odd_value.title
