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

import re

from kb.ingest.records import ParsedReference
from kb.ingest.refparse.features import tokenize
from kb.ingest.refparse.markup import prepare
from kb.ingest.refparse.model import tag, to_fields
from kb.ingest.refparse.structure import build

__all__ = ["label_reference", "parse_reference"]


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
    if re.match(r"\s*@\w+\s*[{(]", text):  # a BibTeX entry pasted as a reference: read, don't tag
        from kb.ingest.bibtex import parse_bibtex  # (bibtexparser loads only for these)

        entries, _ = parse_bibtex(text)
        if entries:
            entry = entries[0]
            entry.raw, entry.origin = text, "list"
            entry.marker = marker if marker is not None else entry.marker
            return entry
    body, found, urls = prepare(text)
    tokens = tokenize(body)
    labels, prob = tag(tokens, confidence=True)
    fields = [(label, t) for label, t in to_fields(body, tokens, labels) if label != "citation-number"]
    return build(text, marker if marker is not None else found, fields, urls, prob)
