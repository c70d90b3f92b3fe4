"""Link classification and paper identifiers found in URLs.

>>> classify_url("https://arxiv.org/abs/1706.03762v5")
'paper'
>>> paper_id_from_url("https://arxiv.org/pdf/1706.03762v5.pdf")
('arxiv', '1706.03762')
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from kb.ingest.identifiers import identifiers_from_url

_IMAGE_EXT = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|bmp|tiff?)(?:[?#].*)?$", re.IGNORECASE)
_SLIDES_EXT = re.compile(r"\.(?:pptx?|key|odp)(?:[?#].*)?$", re.IGNORECASE)
_VIDEO_HOSTS = (
    "youtube.com",
    "youtu.be",
    "vimeo.com",
    "slideslive.com",
    "slideslive.de",
    "videolectures.net",
    "bilibili.com",
    "twitch.tv",
    "underline.io",
    "crowdcast.io",
    "media.neurips.cc",
    "loom.com",
    "dailymotion.com",
    "ted.com",
)
_CODE_HOSTS = (
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "huggingface.co",
    "colab.research.google.com",
    "codeberg.org",
    "sourceforge.net",
    "pypi.org",
)
_SLIDES_HOSTS = ("speakerdeck.com", "slideshare.net", "slides.com", "prezi.com")
_PAPER_HOSTS = (
    "arxiv.org",
    "doi.org",
    "dx.doi.org",
    "openreview.net",
    "aclanthology.org",
    "aclweb.org",
    "openaccess.thecvf.com",
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "papers.neurips.cc",
    "proceedings.mlr.press",
    "jmlr.org",
    "ieeexplore.ieee.org",
    "link.springer.com",
    "semanticscholar.org",
    "ojs.aaai.org",
    "aaai.org",
    "ijcai.org",
    "vldb.org",
    "biorxiv.org",
    "medrxiv.org",
    "ecva.net",
    "nature.com",
    "science.org",
    "sciencedirect.com",
    "isca-speech.org",
    "researchgate.net",
    "papers.ssrn.com",
    "pmlr.press",
    "usenix.org",
    "nber.org",
    "ncbi.nlm.nih.gov",
    "europepmc.org",
    "jstor.org",
    "dl.acm.org",
    "academic.oup.com",
    "onlinelibrary.wiley.com",
    "tandfonline.com",
    "journals.plos.org",
    "pnas.org",
    "cell.com",
    "frontiersin.org",
    "mdpi.com",
    "ssrn.com",
    "eprint.iacr.org",
    "hal.science",
    "hal.archives-ouvertes.fr",
    "aeaweb.org",
    "journals.sagepub.com",
    "royalsocietypublishing.org",
    "elifesciences.org",
    "peerj.com",
    "shop.oreilly.com",
)
_PROFILE_HOSTS = (
    "scholar.google.",
    "dblp.org/pid",
    "dblp.uni-trier.de/pers",
    "orcid.org",
    "linkedin.com/in",
    "semanticscholar.org/author",
)
_SOCIAL = re.compile(
    r"^https?://(?:www\.)?(?:twitter\.com|x\.com|bsky\.app|[\w.]*mastodon[\w.]*)/(@?[\w.]+)/?$", re.IGNORECASE
)

ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
ARXIV_OLD = re.compile(r"\b([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\b")
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>\]\[]+[^\s\"<>\]\[.,;:)])")
_SCHEMELESS = re.compile(r"^(?:www\.)?[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.[a-z]{2,}(?:[/?#].*)?$", re.IGNORECASE)

GENERIC_LABELS = frozenset(
    [
        "here",
        "this",
        "link",
        "paper",
        "slides",
        "slide",
        "video",
        "talk",
        "pdf",
        "code",
        "arxiv",
        "website",
        "homepage",
        "page",
        "site",
        "url",
        "project",
        "demo",
        "blog",
        "post",
        "poster",
        "abstract",
        "recording",
        "youtube",
        "github",
        "repo",
        "source",
        "openreview",
        "doi",
    ]
)


def normalise_url(url: str) -> tuple[str, bool]:
    """Return (url, schemeless?). ``ganpaint.io`` stays as written but is flagged."""
    url = url.strip().strip("<>")
    if not url or re.match(r"^[a-z][a-z0-9+.\-]*:", url, re.IGNORECASE) or url.startswith(("/", "#", "./", "../")):
        return url, False
    return url, bool(_SCHEMELESS.match(url))


def host_of(url: str) -> str:
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def _host_in(host: str, hosts: tuple[str, ...]) -> bool:
    """``host`` is one of ``hosts`` or a subdomain of one: one of its dot-separated tails is in ``hosts``."""
    found = _HOST_SETS.get(hosts)
    if found is None:
        found = _HOST_SETS[hosts] = frozenset(hosts)
    if host in found:
        return True
    at = host.find(".")
    while at >= 0:
        if host[at + 1 :] in found:
            return True
        at = host.find(".", at + 1)
    return False


_HOST_SETS: dict[tuple[str, ...], frozenset[str]] = {}


def paper_id_from_url(url: str) -> tuple[str, str] | None:
    """The strongest identifier in the URL as (scheme, value): ("arxiv", id), ("doi", doi), ("acl", id),
    ("openreview", id), ("pmlr", "v97/kim19a") … (:mod:`kb.ingest.identifiers`), or None."""
    ids = identifiers_from_url(url)
    return (ids[0].scheme, ids[0].value) if ids else None


# Hosts that serve conference pages as well as papers: only these paths are papers.
_PAPER_PATHS = {
    "aaai.org": r"/(?:ojs|papers|Papers|Library)/",
    "ijcai.org": r"/proceedings/",
    "vldb.org": r"/pvldb/.*\.pdf$",
    "usenix.org": r"/(?:system/files|conference/.*/presentation)/",
    "isca-speech.org": r"/archive/",
    "nature.com": r"/articles/",
    "science.org": r"/doi/",
    "sciencedirect.com": r"/science/article/",
    "ecva.net": r"/papers/",
    "ieeexplore.ieee.org": r"/(?:document|abstract|stamp)",
    "link.springer.com": r"/(?:chapter|article)/",
    "semanticscholar.org": r"/paper/",
    "researchgate.net": r"/publication/",
    "jmlr.org": r"/papers/",
    "nber.org": r"/papers/w\d+",
    "ncbi.nlm.nih.gov": r"/pmc/articles/|/pubmed/\d",
    "europepmc.org": r"/article/",
    "jstor.org": r"/stable/",
    "dl.acm.org": r"/doi/",
    "academic.oup.com": r"/article",
    "onlinelibrary.wiley.com": r"/doi/",
    "tandfonline.com": r"/doi/",
    "journals.plos.org": r"/article",
    "pnas.org": r"/doi/",
    "cell.com": r"/(?:fulltext|abstract|pdf)/",
    "frontiersin.org": r"/articles/",
    "mdpi.com": r"/\d{4}-\d{4}/",
    "ssrn.com": r"abstract",
    "aeaweb.org": r"/articles|retrieve\.php",
    "journals.sagepub.com": r"/doi/",
    "royalsocietypublishing.org": r"/doi/",
    "elifesciences.org": r"/articles/",
    "peerj.com": r"/articles/",
    "shop.oreilly.com": r"/product/\d{10,13}\.do",
}
_PAPER_PATH_HOSTS = tuple(_PAPER_PATHS)
# Sites whose every paper URL carries an identifier (kb.ingest.identifiers): a page there without one is no paper.
_ID_HOSTS = (
    "arxiv.org",
    "openreview.net",
    "aclanthology.org",
    "aclweb.org",
    "proceedings.mlr.press",
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "papers.neurips.cc",
    "openaccess.thecvf.com",
    "doi.org",
)
_PAPER_LABEL = re.compile(r"\bpaper\b(?!s)", re.IGNORECASE)
_NOT_PAPER_LABEL = re.compile(
    r"call for|paper session|paper track|paper award|best paper|accepted paper|paper list", re.IGNORECASE
)
_SLIDE_WORDS = re.compile(r"slide|deck|talk|present|keynote|handout|poster|lecture|tutorial|workshop", re.IGNORECASE)


def titled_pdf(url: str, label: str) -> bool:
    """A PDF whose link text reads as a title ("[Interest Rate Uncertainty and Economic Fluctuations](…pdf)")
    and nothing says slides: real posts link most papers they cite this way."""
    path = urlsplit(url if "://" in url else "http://" + url).path.lower()
    words = re.findall(r"[^\W\d_]+", label)
    bare = label.strip(" *_")
    quoted = len(bare) > 2 and bare[0] in '"“«' and bare[-1] in '"”»' and len(bare.split()) >= 2  # "Think Bayes"
    return (
        path.endswith(".pdf")
        and len(words) >= (2 if quoted else 3)
        and label.strip().lower() not in GENERIC_LABELS
        and not _SLIDE_WORDS.search(url)
        and not _SLIDE_WORDS.search(label)
    )


@lru_cache(maxsize=16384)
def is_paper_url(url: str) -> bool:
    host = host_of(url)
    if paper_id_from_url(url):
        return True
    if not _host_in(host, _PAPER_HOSTS):
        return False
    path = urlsplit(url if "://" in url else "http://" + url).path
    for h, pattern in _PAPER_PATHS.items() if _host_in(host, _PAPER_PATH_HOSTS) else ():
        if _host_in(host, (h,)):
            return bool(re.search(pattern, path))
    if _host_in(host, _ID_HOSTS):
        return False  # a listing, event or author page of a site whose papers all have identifiers
    return path not in ("", "/")


@lru_cache(maxsize=16384)  # a pure function of its arguments; a post's links are classified by several stages
def classify_url(url: str, label: str = "", image: bool = False, person_label: bool = False) -> str:
    """One of slides, homepage, video, code, paper, image, other.

    The URL decides first (a name can be the text of a video link); a person's
    name as the label makes an otherwise unknown page a homepage.
    """
    if image or _IMAGE_EXT.search(url):
        return "image"
    host = host_of(url)
    low = url.lower()
    lab = label.strip().lower()
    if _host_in(host, _VIDEO_HOSTS) or re.search(r"/videos?/|\.mp4\b|\.webm\b", low):
        return "video"
    if _host_in(host, _SLIDES_HOSTS) or "docs.google.com/presentation" in low or _SLIDES_EXT.search(low):
        return "slides"
    if re.search(r"slides?\b|slide[_\-/]|_slides|/talks?/.*\.pdf$", low) or (lab in ("slides", "slide") and low):
        return "slides"
    if is_paper_url(url):
        return "paper"
    if _host_in(host, _CODE_HOSTS):
        path = urlsplit(url if "://" in url else "http://" + url).path.strip("/")
        if host == "github.com" and path.count("/") == 0 and path:
            return "homepage"  # a user or organisation profile, not a repository
        return "code"
    if any(p in low for p in _PROFILE_HOSTS) or _SOCIAL.match(url):
        return "homepage"  # a profile page; a tweet or hashtag is "other"
    if person_label:
        return "homepage"
    if low.endswith(".pdf") and lab in ("talk", "slides", "presentation", "deck"):
        return "slides"
    if titled_pdf(url, label) or (
        _PAPER_LABEL.search(lab) and len(lab.split()) <= 8 and not _NOT_PAPER_LABEL.search(lab)
    ):
        return "paper"  # "[The paper](…)", "[research paper related to this presentation](…)"
    if re.search(r"/~[\w.\-]+/?$|/(?:people|homes?|staff|faculty|members|users)/[\w.\-]+/?$", low):
        return "homepage"
    return "other"
