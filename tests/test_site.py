"""kb site: the pages and their links, search over the prebuilt index, same bytes, only changed pages
rewritten, one conference, and post text that tries to inject HTML or script."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from kb.cli import main
from kb.db import open_db
from kb.importer import import_paths
from kb.site import SiteError, build_site
from kb.site.links import page_path, safe_url
from tests.conftest import IMPORTS

HREF = re.compile(r'(?:href|src)="([^"]*)"')


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("site") / "kb.sqlite"
    engine = open_db(path)
    summary = import_paths(engine, [IMPORTS])
    assert not summary.failed
    engine.dispose()
    return path


@pytest.fixture
def engine(sample_db, tmp_path):
    copy = tmp_path / "kb.sqlite"
    shutil.copy(sample_db, copy)
    eng = open_db(copy)
    yield eng
    eng.dispose()


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def one(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def page(root: Path, kind: str, id_: int, name: str) -> str:
    return (root / page_path(kind, id_, name)).read_text(encoding="utf-8")


def test_every_page_kind_and_every_internal_link_resolves(engine, tmp_path):
    out = tmp_path / "site"
    report = build_site(engine, out)
    got = files(out)
    counts = {
        k: sum(1 for f in got if f.startswith(k + "/")) for k in ("conference", "talk", "person", "paper", "post")
    }
    with engine.connect() as conn:
        want = {k: conn.execute(text(f"select count(*) from {k}")).scalar() for k in counts}
    assert counts == want
    assert report.pages == len(got) - 1  # the manifest is not a page
    assert {
        "index.html",
        "search.html",
        "search-index.js",
        "static/minisearch.js",
        "static/minisearch-LICENSE.txt",
        "static/search.js",
        "static/site.css",
    } <= set(got)
    broken = []
    for name, data in got.items():
        if not name.endswith(".html"):
            continue
        for url in HREF.findall(data.decode()):
            if url.startswith(("http://", "https://")):
                continue
            target = (out / name).parent / url.split("?")[0].split("#")[0]
            if not target.resolve().is_file():
                broken.append((name, url))
    assert not broken, broken[:5]


def test_pages_hold_what_the_kb_holds(engine, tmp_path):
    out = tmp_path / "site"
    build_site(engine, out)
    home = (out / "index.html").read_text()
    conf_id, conf_name, year = one(engine, "select id, name, year from conference where name like 'ICLR%'")
    assert f'href="{page_path("conference", conf_id, f"{conf_name} {year}")}"' in home
    # a talk with a citation: its speakers, its event's conference, the cited paper and the citing sentence
    talk_id, title, paper_id, paper_title, context = one(
        engine,
        """
        select t.id, t.title, p.id, p.title, c.context from citation c join talk t on t.id = c.talk_id
        join paper p on p.id = c.paper_id where c.context != '' and t.title is not null order by t.id limit 1""",
    )
    talk = page(out, "talk", talk_id, title)
    assert f'href="../{page_path("paper", paper_id, paper_title)}"' in talk
    from markupsafe import escape

    assert str(escape(context)) in talk
    person_id, person_name = one(
        engine,
        """select p.id, p.name from talkspeaker s join person p on p.id = s.person_id
                                            where s.talk_id = :t order by s.position limit 1""",
        t=talk_id,
    )
    assert f'href="../{page_path("person", person_id, person_name)}">{escape(person_name)}</a>' in talk
    person = page(out, "person", person_id, person_name)
    assert f'href="../{page_path("talk", talk_id, title)}"' in person
    assert "<h2>Conferences</h2>" in person
    paper = page(out, "paper", paper_id, paper_title)
    assert f'href="../{page_path("talk", talk_id, title)}"' in paper and "<h2>Cited in</h2>" in paper
    # the conference page: its events as headings, its talks under them
    conf_page = page(out, "conference", conf_id, f"{conf_name} {year}")
    events = [
        r[0]
        for r in engine.connect().execute(
            text(
                "select distinct e.name from talk t join event e on e.id = t.event_id join post p on p.id = t.post_id "
                "where p.conference_id = :c"
            ),
            {"c": conf_id},
        )
    ]
    assert events and all(f"<h2>{escape(e)}</h2>" in conf_page for e in events)


def test_same_kb_same_bytes(engine, tmp_path):
    build_site(engine, tmp_path / "a")
    build_site(engine, tmp_path / "b")
    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert a.keys() == b.keys() and all(a[k] == b[k] for k in a)


def test_rebuild_rewrites_only_changed_pages(engine, tmp_path):
    out = tmp_path / "site"
    build_site(engine, out)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    again = build_site(engine, out)
    assert again.written == [] and again.removed == []
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()} == before
    talk_id, title = one(engine, "select id, title from talk where title is not null order by id limit 1")
    with engine.begin() as conn:
        conn.execute(text("update talk set summary = 'A brand new summary.' where id = :t"), {"t": talk_id})
    changed = build_site(engine, out)
    assert changed.written == [page_path("talk", talk_id, title)]
    assert "A brand new summary." in page(out, "talk", talk_id, title)
    untouched = [p for p in before if p.relative_to(out).as_posix() not in changed.written]
    assert all((p.stat().st_ino, p.stat().st_mtime_ns) == before[p] for p in untouched)


def test_one_conference_and_stale_pages_removed(engine, tmp_path):
    out = tmp_path / "site"
    build_site(engine, out)
    (out / "mine.txt").write_text("not kb's")
    conf_id, name, year = one(engine, "select id, name, year from conference where name like 'ICLR%'")
    report = build_site(engine, out, conference=f"{name} {year}")
    confs = sorted(p.name for p in (out / "conference").iterdir())
    assert confs == [Path(page_path("conference", conf_id, f"{name} {year}")).name]
    assert report.removed and all(not (out / r).exists() for r in report.removed)
    assert (out / "mine.txt").read_text() == "not kb's"
    talks = (
        engine.connect()
        .execute(
            text("select count(*) from talk t join post p on p.id = t.post_id where p.conference_id = :c"),
            {"c": conf_id},
        )
        .scalar()
    )
    assert len(list((out / "talk").iterdir())) == talks
    assert "(only ICLR 2021)" in (out / "index.html").read_text()


def test_bad_input_is_one_line_and_writes_nothing(engine, tmp_path):
    with pytest.raises(SiteError, match="no conference matches 'Nowhere 1999'"):
        build_site(engine, tmp_path / "x", conference="Nowhere 1999")
    assert not (tmp_path / "x").exists()
    (tmp_path / "file").write_text("")
    with pytest.raises(SiteError, match="not a folder"):
        build_site(engine, tmp_path / "file")
    db = str(engine.url.database)
    result = CliRunner().invoke(main, ["--db", db, "site", str(tmp_path / "y"), "--conference", "Nowhere"])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "no conference matches" in result.output
    assert not (tmp_path / "y").exists()
    result = CliRunner().invoke(main, ["--db", db, "site", str(tmp_path / "z"), "--layout", "none"])
    assert result.exit_code == 0, result.output
    assert "written" in result.output and (tmp_path / "z" / "index.html").is_file()


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.seen: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, attrs))


ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "link",
    "body",
    "header",
    "a",
    "form",
    "input",
    "button",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "ul",
    "ol",
    "li",
    "span",
    "div",
    "blockquote",
    "dl",
    "dt",
    "dd",
    "code",
    "section",
    "footer",
    "small",
    "article",
    "em",
    "strong",
    "pre",
    "br",
    "hr",
    "noscript",
    "script",
    "svg",
    "g",
    "line",
    "circle",
    "text",
    "rect",
    "path",
    "polygon",
    "ellipse",
    "polyline",
}
HOSTILE = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>' onmouseover='alert(3)"


def test_post_text_is_escaped_everywhere(engine, tmp_path):
    talk_id = one(engine, "select id from talk order by id limit 1")[0]
    paper_id = one(engine, "select paper_id from citation where talk_id is not null order by id limit 1")[0]
    with engine.begin() as conn:
        conn.execute(text("update talk set title = :h, summary = :h where id = :t"), {"h": HOSTILE, "t": talk_id})
        conn.execute(
            text("update paper set title = :h, url = 'javascript:alert(4)' where id = :p"),
            {"h": HOSTILE, "p": paper_id},
        )
        conn.execute(text("update citation set context = :h where paper_id = :p"), {"h": HOSTILE, "p": paper_id})
        conn.execute(
            text(
                "update person set name = :h, url = ' JaVa\tScript:alert(5)' where id = "
                "(select min(person_id) from talkspeaker)"
            ),
            {"h": HOSTILE},
        )
        conn.execute(
            text("update link set url = 'javascript:alert(6)', talk_id = :t where id = (select min(id) from link)"),
            {"t": talk_id},
        )
        conn.execute(
            text("update link set url = 'data:text/html,<b>x</b>', talk_id = :t where id = (select max(id) from link)"),
            {"t": talk_id},
        )
        conn.execute(
            text("update post set title = :h, body = :b where id = (select min(id) from post)"),
            {
                "h": HOSTILE,
                "b": HOSTILE + "\n\n[click](javascript:alert(7)) [ok](https://example.org/)"
                ' <a href="javascript:alert(8)">x</a>\n\n![img](https://tracker.example/p.png)',
            },
        )
    out = tmp_path / "site"
    build_site(engine, out)
    seen_hostile = 0
    for name, data in files(out).items():
        if not name.endswith(".html"):
            continue
        html = data.decode()
        tags = Tags()
        tags.feed(html)
        assert {t for t, _ in tags.seen} <= ALLOWED_TAGS, (name, {t for t, _ in tags.seen} - ALLOWED_TAGS)
        for tag, attrs in tags.seen:
            assert all(not k.startswith("on") for k, _ in attrs), (name, tag, attrs)
            if tag == "script":
                assert dict(attrs)["src"] in ("static/minisearch.js", "search-index.js", "static/search.js")
        assert all(safe_url(u) == u and not u.lower().startswith(("javascript", "data")) for u in HREF.findall(html))
        seen_hostile += "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img" in html
    assert seen_hostile >= 5  # talk, paper, person, post pages and the pages linking to them
    body = page(out, "post", one(engine, "select min(id) from post")[0], HOSTILE)
    assert '<a href="https://example.org/">ok</a>' in body and "[click](javascript:alert(7))" in body
    assert "<img" not in body and '!<a href="https://tracker.example/p.png">img</a>' in body  # a link, never loaded


def test_safe_url():
    for bad in (
        "javascript:alert(1)",
        " JAVASCRIPT:x",
        "java\nscript:x",
        "data:text/html,x",
        "vbscript:x",
        "file:///etc/passwd",
        "\\\\evil/x",
        "",
    ):
        assert safe_url(bad) is None, bad
    for good in ("https://a.org/x?y=1", "http://a.org", "../talk/x-1.html", "notes/a:b"):
        assert safe_url(good) == good


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the index is checked in a JS engine")
def test_search_index_loads_in_minisearch_and_finds_a_speaker(engine, tmp_path):
    out = tmp_path / "site"
    build_site(engine, out)
    person_id, name = one(
        engine, "select p.id, p.name from person p join talkspeaker s on s.person_id = p.id order by p.id limit 1"
    )
    talk_id, title = one(engine, "select id, title from talk where title like '%Transformers%' order by id limit 1")
    script = f"""
      global.window = global;
      const MiniSearch = require({json.dumps(str(out / "static/minisearch.js"))});
      require({json.dumps(str(out / "search-index.js"))});
      const tokenize = t => t.normalize("NFKD").replace(/\\p{{M}}+/gu, "").split(/[^\\p{{L}}\\p{{N}}]+/u).filter(x => x);
      const ms = MiniSearch.loadJS(window.KB_SEARCH, {{fields: ["title", "text"], storeFields: ["title", "kind", "url"],
                                                     tokenize}});
      const q = process.argv[1];
      console.log(JSON.stringify([ms.search(process.argv[2], {{prefix: true}}).map(h => h.url),
                                  ms.search(process.argv[3], {{prefix: true, combineWith: "AND"}}).map(h => h.url)]));
    """
    got = subprocess.run(
        ["node", "-e", script, "x", name, title], capture_output=True, text=True, timeout=60, check=False
    )
    assert got.returncode == 0, got.stderr
    by_name, by_title = json.loads(got.stdout)
    assert by_name[0] == page_path("person", person_id, name)
    assert page_path("talk", talk_id, title) in by_title[:3]


def test_search_index_in_pieces_is_the_whole_index():
    """2,500 documents: the index streams in pieces of at most a thousand documents, and the pieces make exactly
    the JSON of those documents (stored fields spooled to a file and read back, twice, and after more adds)."""
    from kb.site.searchindex import Doc, SearchIndex

    index = SearchIndex()
    docs = [
        Doc(f"paper/p-{i}.html", "paper", f"Paper {i} </script>\u2028", f"author{i % 7} shared", f"sub {i}")
        for i in range(2500)
    ]
    for doc in docs[:2000]:
        index.add(doc)
    first = index.script()
    assert index.script() == first
    for doc in docs[2000:]:
        index.add(doc)
    pieces = list(index.script_pieces())
    assert max(len(p) for p in pieces) < 200_000 and len(pieces) > 10
    text = "".join(pieces)
    assert "</script>" not in text and "\u2028" not in text
    data = json.loads(text.removeprefix("window.KB_SEARCH = ").removesuffix(";\n"))
    assert data["documentCount"] == 2500 and data["nextId"] == 2501
    assert data["documentIds"] == {str(i + 1): d.url for i, d in enumerate(docs)}
    assert data["storedFields"] == {
        str(i + 1): {"title": d.title, "kind": d.kind, "url": d.url, "sub": d.sub} for i, d in enumerate(docs)
    }
    assert data["fieldLength"]["2500"] == [3, 2]  # paper, 2499, script (the line separator is no word)
    index_terms = dict(data["index"])
    assert index_terms["shared"] == {"1": {str(i + 1): 1 for i in range(2500)}}
    assert index_terms["author3"]["1"] == {str(i + 1): 1 for i in range(2500) if i % 7 == 3}
