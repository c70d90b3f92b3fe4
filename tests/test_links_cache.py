"""Link classification made cheaper (issue 16, ``speed9``): ``_host_in`` looks a host's dot-separated tails up in
a set (it compared the host with each known site in turn), ``classify_url`` and ``is_paper_url`` are cached
(pure functions of their arguments). The same answers as the plain code."""

from __future__ import annotations

import itertools
from pathlib import Path

from kb.ingest import links
from kb.ingest.markdown import walk

REPO = Path(__file__).resolve().parent.parent


def _plain_host_in(host: str, hosts: tuple[str, ...]) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


def _urls() -> list[tuple[str, str]]:
    out = []
    for path in sorted((REPO / "imports").glob("*.md")) + sorted((REPO / "tests" / "fixtures").rglob("*.md")):
        out += [(s.href, s.label) for b in walk(path.read_text(encoding="utf-8")) for s in b.links if s.href]
    return out


def test_host_in_is_the_plain_suffix_test():
    tables = [links._PAPER_HOSTS, links._ID_HOSTS, links._VIDEO_HOSTS, links._SLIDES_HOSTS, links._CODE_HOSTS]
    tables += [(h,) for h in links._PAPER_PATHS] + [links._PAPER_PATH_HOSTS]
    hosts = {links.host_of(u) for u, _ in _urls()} | {"", ".", "a..b", "org", "xarxiv.org", "arxiv.org.evil.net"}
    hosts |= {f"{p}.{h}" for p, h in itertools.product(("a", "www", "x.y"), links._PAPER_HOSTS)}
    assert len(hosts) > 100
    for host in hosts:
        for table in tables:
            assert links._host_in(host, table) == _plain_host_in(host, table), (host, table)


def test_cached_classification_is_the_uncached_one():
    pairs = _urls()
    assert len(pairs) > 200
    kinds = set()
    for url, label in pairs:
        for person in (False, True):
            got = links.classify_url(url, label, person_label=person)
            assert got == links.classify_url.__wrapped__(url, label, person_label=person)
            kinds.add(got)
        assert links.is_paper_url(url) == links.is_paper_url.__wrapped__(url)
    assert {"paper", "slides", "video", "code", "homepage", "other"} <= kinds
