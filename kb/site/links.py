"""Where a page lives in the site, and which URLs from posts may become links.

Every page is ``KIND/SLUG-ID.html`` one folder below the root (the home page
is ``index.html``), so a page links to another with ``../KIND/…`` and the site
works from ``file://`` and from any static host. Slugs are ASCII letters,
digits and dashes only: post text can never name a path outside the site.

>>> page_path("person", 12, "Andrea Vedaldi")
'person/andrea-vedaldi-12.html'
>>> page_path("paper", 3, "../../etc/passwd")
'paper/etc-passwd-3.html'
>>> safe_url("javascript:alert(1)") is None, safe_url(" https://x.org/a ")
(True, 'https://x.org/a')
"""

from __future__ import annotations

import re

from kb.ingest.text import ascii_fold

KINDS = ("conference", "talk", "person", "paper", "post")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")  # browsers drop tabs and newlines inside a URL: "java\tscript:"
SAFE_SCHEMES = frozenset({"http", "https"})


def slug(text: str | None, most: int = 60) -> str:
    """``Übersicht: Deep Nets!`` → ``ubersicht-deep-nets``; empty for text without letters or digits."""
    s = _NOT_SLUG.sub("-", ascii_fold(text or "").lower()).strip("-")
    return s[:most].rstrip("-")


def page_path(kind: str, id_: int, name: str | None = None) -> str:
    if kind not in KINDS:
        raise ValueError(f"no page kind {kind!r}")
    s = slug(name)
    return f"{kind}/{s}-{int(id_)}.html" if s else f"{kind}/{int(id_)}.html"


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s) or relative (no scheme), else None: ``javascript:``, ``data:``, ``file:`` … never
    become a link. Leading and trailing whitespace is dropped."""
    if not url:
        return None
    url = url.strip()
    probe = _INVISIBLE.sub("", url)
    m = _SCHEME.match(probe)
    if m and m.group(1).lower() not in SAFE_SCHEMES:
        return None
    if not probe or probe.startswith(("\\", "/\\")):
        return None
    return url


def external_url(url: str | None) -> str | None:
    """A link out of the site: absolute http(s) only; ``www.x.org/a`` (written without a scheme) gets https."""
    url = safe_url(url)
    if url is None or _SCHEME.match(url):
        return url
    host = url.split("/", 1)[0]
    return "https://" + url if "." in host and not url.startswith((".", "/")) and " " not in host else None
