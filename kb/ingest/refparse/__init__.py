"""Reference-string parsing: a CRF sequence labeller plus deterministic rules.

The model (``model.crfsuite``, trained on the AnyStyle data in
``shared/refdata`` plus our own in-domain references, see ``NOTICE.md``) tags
each token of a reference with an AnyStyle label; runs of equal labels become
fields, and fields become a `ParsedReference`.

>>> parse_reference('[3] Mahendran, Aravindh, and Andrea Vedaldi. "Understanding deep '
...                 'image representations by inverting them." _Proceedings of the IEEE '
...                 'conference on computer vision and pattern recognition_. 2015.').year
2015
"""

from __future__ import annotations

import gc
import re

from kb.ingest.records import ParsedReference
from kb.ingest.refparse.features import tokenize
from kb.ingest.refparse.markup import prepare
from kb.ingest.refparse.model import tag, tag_many, to_fields
from kb.ingest.refparse.structure import build

__all__ = ["label_reference", "parse_reference", "parse_references"]


def label_reference(text: str) -> list[tuple[str, str]]:
    """AnyStyle-style ordered (label, text) fields covering the whole string.

    The text is labelled as given (no repair, marker kept as
    ``citation-number``), so the output can be scored against refdata.

    >>> label_reference("He, K. (2016). Deep residual learning. CVPR.")[0]
    ('author', 'He, K.')
    """
    tokens = tokenize(text)
    labels, _ = tag(tokens)
    return to_fields(text, tokens, labels)


def parse_reference(text: str, marker: str | None = None) -> ParsedReference:
    """Structured fields of one reference string (inline Markdown allowed).

    A leading list marker ("[3]", "3.", "3)", "[^3]:") is stripped; it is
    reported in ``.marker`` unless a ``marker`` is passed. A BibTeX entry is
    read field by field instead of tagged.

    >>> ref = parse_reference("Simonyan, Karen, and Andrew Zisserman. \\"Very deep "
    ...     "convolutional networks.\\" _arXiv preprint arXiv:1409.1556_ (2014).")
    >>> ref.arxiv_id, ref.type
    ('1409.1556', 'article')
    """
    entry = _bibtex(text, marker)
    if entry is not None:
        return entry
    body, found, urls = prepare(text)
    tokens = tokenize(body)
    labels, prob = tag(tokens, confidence=True)
    return _build(text, marker, body, found, urls, tokens, labels, prob)


def parse_references(texts: list[str]) -> list[ParsedReference]:
    """:func:`parse_reference` of each string (markers from the strings), the same records, faster for many:
    the tagger decodes references of similar length together (:func:`kb.ingest.refparse.model.tag_many`).
    The cyclic garbage collector is paused meanwhile: a batch allocates many short-lived objects, none in cycles."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _parse_many(texts)
    finally:
        if paused:
            gc.enable()


def _parse_many(texts: list[str]) -> list[ParsedReference]:
    out: list[ParsedReference | None] = [_bibtex(text, None) for text in texts]
    todo = [i for i, ref in enumerate(out) if ref is None]
    ready = {i: prepare(texts[i]) for i in todo}
    tokens = {i: tokenize(ready[i][0]) for i in todo}
    tagged = tag_many([tokens[i] for i in todo], confidence=True)
    for i, (labels, prob) in zip(todo, tagged, strict=True):
        body, found, urls = ready[i]
        out[i] = _build(texts[i], None, body, found, urls, tokens[i], labels, prob)
    return out  # type: ignore[return-value]


def _bibtex(text: str, marker: str | None) -> ParsedReference | None:
    """A BibTeX entry pasted as a reference, read (not tagged); None for anything else."""
    if re.match(r"\s*@\w+\s*[{(]", text):
        from kb.ingest.bibtex import parse_bibtex  # (bibtexparser loads only for these)

        entries, _ = parse_bibtex(text)
        if entries:
            entry = entries[0]
            entry.raw, entry.origin = text, "list"
            entry.marker = marker if marker is not None else entry.marker
            return entry
    return None


def _build(text, marker, body, found, urls, tokens, labels, prob) -> ParsedReference:
    fields = [(label, t) for label, t in to_fields(body, tokens, labels) if label != "citation-number"]
    return build(text, marker if marker is not None else found, fields, urls, prob)
