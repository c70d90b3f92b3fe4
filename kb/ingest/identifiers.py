"""Paper identifiers read from URLs: pure, offline, no I/O.

A paper is identified by these first (:mod:`kb.identity`): the same paper linked as
``arxiv.org/abs/1706.03762v5`` and ``arxiv.org/pdf/1706.03762.pdf``, or as
``doi.org/10.18653/v1/P19-1001`` and ``aclweb.org/anthology/P19-1001.pdf``, has one key.

Schemes (value forms): ``arxiv`` (``1706.03762``, ``hep-th/9901001``; versions dropped),
``doi`` (lower-cased), ``acl`` (``P19-1001``, ``2020.acl-main.1``), ``openreview``
(forum id), ``pmlr`` (``v97/kim19a``), ``jmlr`` (``v15/srivastava14a``), ``neurips``
(``2017/3f5ee243…`` year and hash), ``nips`` (old numbered pages, ``7181``), ``cvf``
(``CVPR2017/Huang_Densely_Connected_Convolutional_CVPR_2017``), ``ecva`` (``eccv_2020/123460001``),
``aaai`` (``AAAI17/14806`` or ojs ``16826``), ``ijcai`` (``2019/123``), ``dblp`` (record key),
``s2`` (Semantic Scholar paper sha), ``s2corpus``, ``ieee`` (document number), ``acm``
(old citation id), ``pmc``, ``pmid``, ``nber``, ``ssrn``, ``isbn`` (as ISBN-13), ``ismir`` (``2015/227``),
``pvldb`` (``16/3822``), ``usenix`` (``usenixsecurity19/reardon``), ``tacl`` (article number), ``virtual``
(a virtual conference's poster page, ``cvpr/2023/22652``).

>>> [i.key for i in identifiers_from_url("https://arxiv.org/pdf/1706.03762v5.pdf")]
['arxiv:1706.03762']
>>> [i.key for i in identifiers_from_url("https://doi.org/10.18653/v1/P19-1001")]
['doi:10.18653/v1/p19-1001', 'acl:P19-1001']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?!\d)")
ARXIV_OLD = re.compile(r"(?<![\w.-])([a-z][a-z\-]+(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?(?!\d)")
DOI = re.compile(r"(10\.\d{4,9}/[^\s\"<>#?]+)")
ACL_OLD = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]\d{2}-\d{4})(?:v\d+)?(?!\d)")
ACL_NEW = re.compile(r"(?<![\d.])((?:19|20)\d{2}\.[a-z0-9][a-z0-9\-]*\.\d+)(?:v\d+)?(?![\d])", re.IGNORECASE)
_HEX32 = re.compile(r"\b([0-9a-f]{32})\b")
_DOI_TAIL = re.compile(
    r"(?:/(?:full|abstract|pdf|epdf|html|meta|references|figures))+/?$|\.(?:pdf|html?|full)$|[.,;:)\]]+$", re.IGNORECASE
)
# DOIs that carry another identifier: arXiv's DataCite DOIs, ACL Anthology's, NBER's and SSRN's.
_DOI_ALSO = (
    (re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE), "arxiv"),
    (re.compile(r"^10\.18653/v1/(.+)$", re.IGNORECASE), "acl"),
    (re.compile(r"^10\.3386/(w\d+)$", re.IGNORECASE), "nber"),
    (re.compile(r"^10\.2139/ssrn\.(\d+)$", re.IGNORECASE), "ssrn"),
)
CASELESS = frozenset({"doi", "arxiv"})


@dataclass(frozen=True)
class PaperId:
    scheme: str
    value: str

    @property
    def key(self) -> str:
        """The identity key (``doi:10.1145/…``): what :class:`kb.models.PaperKey` stores."""
        return f"{self.scheme}:{self.value.lower() if self.scheme in CASELESS else self.value}"


def _split(url: str):
    url = url.strip().strip("<>")
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    return host.removeprefix("www."), unquote(parts.path), parse_qs(parts.query), parts.fragment


def clean_doi(text: str) -> str | None:
    """``10.1145/53580.53581`` from a path or string with ``.pdf``, ``/full`` or punctuation after it."""
    m = DOI.search(text)
    if not m:
        return None
    doi = m.group(1)
    while True:
        trimmed = _DOI_TAIL.sub("", doi)
        if trimmed == doi:
            break
        doi = trimmed
    return doi if "/" in doi and len(doi.split("/", 1)[1]) >= 1 else None


def arxiv_id(text: str) -> str | None:
    m = ARXIV_NEW.search(text) or ARXIV_OLD.search(text)
    return m.group(1) if m else None


def acl_id(text: str) -> str | None:
    """``P19-1001`` (upper-cased: old Anthology URLs are lower-case) or ``2020.acl-main.1``."""
    m = ACL_NEW.search(text)
    if m:
        return m.group(1).lower()
    m = ACL_OLD.search(text)
    return m.group(1).upper() if m else None


def _doi_ids(doi: str) -> list[PaperId]:
    out = [PaperId("doi", doi)]
    for pattern, scheme in _DOI_ALSO:
        m = pattern.match(doi)
        if m:
            value = m.group(1)
            if scheme == "acl":
                value = acl_id(value) or ""
            elif scheme == "arxiv":
                value = arxiv_id(value) or ""
            if value:
                out.append(PaperId(scheme, value))
    return out


def _first(query: dict, name: str) -> str | None:
    values = query.get(name)
    return values[0].strip() if values and values[0].strip() else None


def _arxiv(host, path, query, fragment) -> list[PaperId]:
    if not (
        host.endswith("arxiv.org")
        or host in ("ar5iv.org", "arxiv-vanity.com", "www.arxiv-vanity.com", "alphaxiv.org", "scirate.com")
        or (host == "huggingface.co" and path.startswith("/papers/"))
        or (host == "paperswithcode.com" and path.startswith("/paper/arxiv"))
    ):
        return []
    if host.endswith("arxiv.org") and not re.match(r"/(?:abs|pdf|html|format|ps|e-print|papers)/", path):
        return []
    ident = arxiv_id(path)
    return [PaperId("arxiv", ident)] if ident else []


def _acl(host, path, query, fragment) -> list[PaperId]:
    if not (host in ("aclanthology.org", "aclweb.org", "aclanthology.info") or host.startswith("aclanthology.")):
        return []
    if re.match(r"/(?:anthology/)?(?:events|volumes|people|venues|sigs)/", path):
        return []
    ident = acl_id(
        path.rsplit("/", 2)[-1] if not path.endswith("/") else path.rstrip("/").rsplit("/", 1)[-1]
    ) or acl_id(path)
    return [PaperId("acl", ident)] if ident else []


def _openreview(host, path, query, fragment) -> list[PaperId]:
    if host != "openreview.net" or path.rstrip("/") not in ("/forum", "/pdf", "/attachment"):
        return []
    ident = _first(query, "id")
    return [PaperId("openreview", ident)] if ident and re.fullmatch(r"[\w\-]{5,}", ident) else []


def _pmlr(host, path, query, fragment) -> list[PaperId]:
    if host in ("proceedings.mlr.press", "mlr.press") or (host == "jmlr.org" and path.startswith("/proceedings/")):
        m = re.search(r"/(v\d+)/([a-z][\w\-]*?\d{2}[a-z]*)(?:/|\.html|\.pdf|-supp)", path + "/", re.IGNORECASE)
        return [PaperId("pmlr", f"{m.group(1)}/{m.group(2)}")] if m else []
    if host == "jmlr.org" and path.startswith("/papers/"):
        m = re.search(r"/(?:v|volume)(\d+)/([\w\-]+?)(?:\.html|\.pdf|/|$)", path)
        return [PaperId("jmlr", f"v{m.group(1)}/{m.group(2)}")] if m else []
    return []


def _neurips(host, path, query, fragment) -> list[PaperId]:
    if host not in ("proceedings.neurips.cc", "papers.neurips.cc", "papers.nips.cc", "proceedings.nips.cc"):
        return []
    m = re.search(r"/paper(?:_files/paper)?/((?:19|20)\d{2})/(?:hash|file)/([0-9a-f]{32})", path)
    if m:
        return [PaperId("neurips", f"{m.group(1)}/{m.group(2)}")]
    m = re.match(r"/paper/(\d+)-[\w\-]+", path)
    return [PaperId("nips", m.group(1))] if m else []


def _cvf(host, path, query, fragment) -> list[PaperId]:
    if host == "openaccess.thecvf.com":
        m = re.match(
            r"/content(?:_|/)([A-Za-z]+W?)_?(\d{4})(W?)/(?:[\w\-]+/)?(?:papers|html|supplemental)/(?:[\w\-]+/)?([^/]+?)"
            r"(?:_paper|_supplemental)?\.(?:pdf|html)$",
            path,
        )
        if m:
            conf = m.group(1).upper().removesuffix("W") + (
                "W" if m.group(3) or m.group(1).upper().endswith("W") else ""
            )
            return [PaperId("cvf", f"{conf}{m.group(2)}/{m.group(4)}")]
        return []
    if host == "ecva.net":
        m = re.search(r"/papers/(eccv_\d{4})/papers_ECCV/papers/([\w\-]+?)\.pdf$", path)
        return [PaperId("ecva", f"{m.group(1)}/{m.group(2)}")] if m else []
    return []


_VIRTUAL_HOSTS = re.compile(r"(?:neurips|nips|icml|iclr)\.cc|(?:cvpr|iccv|eccv|wacv)\.thecvf\.com")


def _proceedings(host, path, query, fragment) -> list[PaperId]:
    """Conference sites that number their papers: virtual-conference poster pages (NeurIPS 2020's carry the
    proceedings hash), ISMIR proceedings PDFs, PVLDB volumes, USENIX presentations and TACL articles."""
    if _VIRTUAL_HOSTS.fullmatch(host):
        m = re.match(r"/virtual/((?:19|20)\d{2})/(?:protected|public)/poster_([0-9a-f]{32})\.html$", path)
        if m and host in ("neurips.cc", "nips.cc"):
            return [PaperId("neurips", f"{m.group(1)}/{m.group(2)}")]
        m = re.match(r"/virtual/((?:19|20)\d{2})/(?:poster|oral|spotlight)/(\d+)/?$", path)
        return [PaperId("virtual", f"{host.split('.')[0]}/{m.group(1)}/{m.group(2)}")] if m else []
    m = re.fullmatch(r"ismir((?:19|20)\d{2})\.[\w.\-]+", host)
    if m:
        n = re.search(r"/(?:articles|papers)/(\d+)_Paper\.pdf$", path, re.IGNORECASE)
        return [PaperId("ismir", f"{m.group(1)}/{int(n.group(1))}")] if n else []
    if host == "vldb.org":
        m = re.search(r"/pvldb/vol(\d+)/p(\d+)-[\w\-]*\.pdf$", path)
        return [PaperId("pvldb", f"{m.group(1)}/{m.group(2)}")] if m else []
    if host == "usenix.org":
        m = re.match(r"/conference/([\w\-]+)/presentation/([\w\-]+)/?$", path)
        return [PaperId("usenix", f"{m.group(1)}/{m.group(2)}")] if m else []
    if host == "transacl.org":
        m = re.search(r"/tacl/article/(?:view|viewFile|download)/(\d+)", path)
        return [PaperId("tacl", m.group(1))] if m else []
    return []


def _aaai_ijcai(host, path, query, fragment) -> list[PaperId]:
    if host in ("ojs.aaai.org", "aaai.org"):
        m = re.search(r"/index\.php/(\w+)/article/(?:view|download)/(\d+)", path)
        if m:
            return [PaperId("aaai", f"{m.group(1)}/{m.group(2)}")]
        m = re.search(r"/ocs/index\.php/\w+/(\w+?\d{2})/paper/(?:view|viewPaper|download)/(\d+)", path)
        if m:
            return [PaperId("aaai", f"{m.group(1)}/{m.group(2)}")]
        m = re.search(r"/(?:Papers|Library)/(\w+)/((?:19|20)\d{2})\w*/([\w\-.]+?)\.(?:pdf|php)$", path)
        return [PaperId("aaai", f"{m.group(1)}{m.group(2)}/{m.group(3)}")] if m else []
    if host == "ijcai.org":
        m = re.search(r"/proceedings/((?:19|20)\d{2})/(\d+)(?:\.pdf)?/?$", path, re.IGNORECASE)
        if m:
            return [PaperId("ijcai", f"{m.group(1)}/{int(m.group(2))}")]
        m = re.search(r"/proceedings/(\d{2})/Papers/(\d+)\.pdf$", path, re.IGNORECASE)
        if m:
            year = int(m.group(1))
            return [PaperId("ijcai", f"{1900 + year if year > 50 else 2000 + year}/{int(m.group(2))}")]
    return []


def _dblp(host, path, query, fragment) -> list[PaperId]:
    if host not in ("dblp.org", "dblp.uni-trier.de", "dblp.dagstuhl.de"):
        return []
    m = re.search(
        r"/rec/(?:bibtex\d?/|bib\d?/|html/|xml/)?((?:conf|journals|books|phd|series|reference)/[\w\-]+/[\w\-]+)", path
    )
    key = m.group(1) if m else None
    if key is None:
        m = re.search(r"/db/(conf|journals)/([\w\-]+)/[\w\-]+\.html$", path)
        if m and re.fullmatch(r"[\w\-]+", fragment or ""):
            key = f"{m.group(1)}/{m.group(2)}/{fragment}"
    if not key:
        return []
    out = [PaperId("dblp", key)]
    m = re.fullmatch(r"journals/corr/abs-(\d{4})-(\d{4,5})", key)
    if m:
        out.append(PaperId("arxiv", f"{m.group(1)}.{m.group(2)}"))
    return out


def _s2(host, path, query, fragment) -> list[PaperId]:
    if host == "api.semanticscholar.org":
        m = re.search(r"CorpusI[Dd]:(\d+)", path)
        return [PaperId("s2corpus", m.group(1))] if m else []
    if host != "semanticscholar.org":
        return []
    m = re.search(r"/arxiv/(\d{4}\.\d{4,5})", path)
    if m:
        return [PaperId("arxiv", m.group(1))]
    m = re.search(r"/paper/(?:[^/]+/)?([0-9a-f]{40})\b", path)
    return [PaperId("s2", m.group(1))] if m else []


def _publishers(host, path, query, fragment) -> list[PaperId]:
    """Publisher pages that name a paper by a number of their own (the DOI ones are read generally)."""
    if host == "ieeexplore.ieee.org":
        m = re.search(r"/(?:abstract/)?document/(\d+)", path)
        number = m.group(1) if m else _first(query, "arnumber")
        return [PaperId("ieee", number)] if number and number.isdigit() else []
    if host == "dl.acm.org" and path.startswith("/citation.cfm"):
        ident = _first(query, "id")
        return [PaperId("acm", ident.split(".")[-1])] if ident and re.fullmatch(r"[\d.]+", ident) else []
    if host.endswith("ncbi.nlm.nih.gov"):
        m = re.search(r"/(PMC\d+)", path, re.IGNORECASE)
        if m:
            return [PaperId("pmc", m.group(1).upper())]
        m = re.search(r"^/(?:pubmed/)?(\d{5,9})/?$", path)
        return [PaperId("pmid", m.group(1))] if m else []
    if host == "europepmc.org":
        m = re.search(r"/(?:article|abstract)/(?:MED|PMC)/(PMC\d+|\d+)", path, re.IGNORECASE)
        if m:
            v = m.group(1).upper()
            return [PaperId("pmc" if v.startswith("PMC") else "pmid", v)]
    if host == "nber.org":
        m = re.search(r"/papers/(w\d+)", path)
        return [PaperId("doi", f"10.3386/{m.group(1)}"), PaperId("nber", m.group(1))] if m else []
    if host.endswith("ssrn.com"):
        ident = _first(query, "abstract_id") or _first(query, "abstractid")
        m = re.search(r"/abstract=(\d+)", path)
        ident = ident or (m.group(1) if m else None)
        return [PaperId("doi", f"10.2139/ssrn.{ident}"), PaperId("ssrn", ident)] if ident and ident.isdigit() else []
    if host == "nature.com":
        m = re.match(r"/articles/([a-z][\w.\-]*\d[\w.\-]*)$", path.rstrip("/").removesuffix(".pdf"))
        return [PaperId("doi", f"10.1038/{m.group(1).lower()}")] if m else []
    return []


def isbn13(text: str) -> str | None:
    """A valid ISBN (10 or 13 digits, hyphens allowed) as ISBN-13, else None.

    >>> isbn13("012383872X"), isbn13("978-0-596-51649-9"), isbn13("0123838721")
    ('9780123838728', '9780596516499', None)
    """
    digits = text.replace("-", "").upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        if sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits)) % 11:
            return None
        digits = "978" + digits[:9]
        return digits + str((10 - sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(digits)) % 10) % 10)
    if re.fullmatch(r"97[89]\d{10}", digits):
        return digits if sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(digits)) % 10 == 0 else None
    return None


def _books(host, path, query, fragment) -> list[PaperId]:
    """Book pages named by an ISBN: Amazon (``/dp/012383872X``: a book's ASIN is its ISBN-10), O'Reilly,
    WorldCat, Open Library, and ``?isbn=`` anywhere."""
    candidates = []
    if re.fullmatch(r"(?:[\w-]+\.)?amazon\.[a-z.]+", host):
        candidates = re.findall(r"/(?:dp|gp/product|exec/obidos/ASIN)/([\dX]{10})\b", path, re.IGNORECASE)
    elif host.endswith("oreilly.com"):
        candidates = re.findall(r"/(97[89]\d{10})\b", path)
    elif host in ("worldcat.org", "search.worldcat.org", "openlibrary.org"):
        candidates = re.findall(r"/isbn/([\d-]{10,17}X?)", path, re.IGNORECASE)
    if _first(query, "isbn"):
        candidates.append(_first(query, "isbn"))
    for c in candidates:
        value = isbn13(c)
        if value:
            return [PaperId("isbn", value)]
    return []


def _doi(host, path, query, fragment) -> list[PaperId]:
    """doi.org links, and publisher pages with the DOI in the path (ACM DL, Springer, Wiley, T&F, PNAS,
    Science, MIT Press …) or in the query (PLOS ``?id=10.1371/…``)."""
    text = None
    if (
        host in ("doi.org", "dx.doi.org")
        or host.endswith(".doi.org")
        or re.search(r"/doi/|/(?:chapter|article|book|content/pdf|referenceworkentry|protocol)/10\.\d", path)
    ):
        text = path
    elif host in ("biorxiv.org", "medrxiv.org") and "/content/10." in path:
        text = re.sub(r"v\d+(?:\.full(?:\.pdf)?|\.abstract)?$", "", path.removesuffix("/"))
    elif _first(query, "id") and _first(query, "id").startswith("10."):
        text = _first(query, "id")
    elif _first(query, "doi"):
        text = _first(query, "doi")
    doi = clean_doi(text) if text else None
    return _doi_ids(doi) if doi else []


_READERS = (
    _arxiv,
    _doi,
    _acl,
    _openreview,
    _pmlr,
    _neurips,
    _cvf,
    _proceedings,
    _aaai_ijcai,
    _dblp,
    _s2,
    _publishers,
    _books,
)


def identifiers_from_url(url: str) -> list[PaperId]:
    """Every paper identifier the URL carries, the strongest (DOI, arXiv) first; [] for other pages."""
    parts = _split(url or "")
    if parts is None:
        return []
    host, path, query, fragment = parts
    out: list[PaperId] = []
    for reader in _READERS:
        for ident in reader(host, path, query, fragment):
            if ident.key not in {o.key for o in out}:
                out.append(ident)
        if out and reader in (_arxiv, _acl, _openreview, _pmlr, _neurips, _cvf):
            break  # a site of its own: nothing else to read there
    order = {"doi": 0, "arxiv": 1}
    return sorted(out, key=lambda i: order.get(i.scheme, 2))


def identifiers_from_text(text: str) -> list[PaperId]:
    """Identifiers written in a reference string: ``doi:10.…``, ``arXiv:1706.03762``, ``P19-1001`` after "ACL"."""
    out: list[PaperId] = []
    doi = clean_doi(text) if re.search(r"10\.\d{4,9}/", text) else None
    if doi:
        out += _doi_ids(doi)
    m = re.search(r"arxiv[:\s]*(?:abs/)?", text, re.IGNORECASE)
    ident = arxiv_id(text[m.end() :]) if m else None
    if ident and ident not in {o.value for o in out}:
        out.append(PaperId("arxiv", ident))
    return out
