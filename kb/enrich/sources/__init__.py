"""One module per metadata source. Each has ``NAME``, ``request(value) -> (url, params, polite)`` and a pure
``parse(body, url) -> Record | None`` (None: the source knows no such paper; :class:`SourceError`: garbage),
so parsing is tested on recorded bytes without any network.

Which source answers for which identifier, in order of preference:
"""

from __future__ import annotations

from kb.enrich.sources import acl, arxiv, crossref, datacite, dblp, openalex, openreview

# identifier scheme → the sources asked for it, first that knows the paper wins (DataCite and OpenAlex are
# the DOI fallbacks: Crossref does not know arXiv's 10.48550 DOIs or Zenodo's).
BY_SCHEME = {
    "arxiv": [arxiv],
    "doi": [crossref, datacite, openalex],
    "acl": [acl],
    "openreview": [openreview],
    "dblp": [dblp],
}
ALL = {m.NAME: m for m in (arxiv, crossref, datacite, acl, openreview, dblp, openalex)}
