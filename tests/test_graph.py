"""Pictures of the graph: neighbourhoods, kb's own layout and Graphviz's, SVG/DOT/GEXF escaping, kb graph."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from kb.cli import main
from kb.db import session_scope
from kb.graph import (
    GraphError,
    page_picture,
    python_svg,
    query_graph,
    render,
    to_dot,
    to_gexf,
)
from kb.graph.layout import layout
from kb.graph.model import Graph, neighbourhood
from kb.graph.render import graphviz_svg
from tests.test_site import engine, one, sample_db  # noqa: F401 (fixtures)

NASTY = 'A "quoted" <b>&amp; \\N \\l label</b>\n]]></text><script>x()</script>'
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(
    shutil.which("sfdp") is None, reason="Graphviz (sfdp) is not installed; .ci/run installs the graphviz package"
)


def nasty_graph() -> Graph:
    g = Graph()
    g.centre = p = g.node("person", 1, NASTY)
    for i in range(2, 7):
        t = g.node("talk", i, f"Talk {i} {NASTY}")
        g.edge(p, t, "speaks")
        g.edge(t, g.node("paper", i, f"Paper {i}"), "cites")
    return g


def test_person_neighbourhood_holds_talks_coauthors_and_cited_papers(engine):  # noqa: F811
    person_id, talk_id = one(
        engine,
        "select person_id, talk_id from talkspeaker where talk_id in "
        "(select talk_id from citation) order by talk_id limit 1",
    )
    with session_scope(engine) as s:
        g = neighbourhood(s, "person", person_id)
        cited = [
            r[0]
            for r in s.connection().execute(text("select paper_id from citation where talk_id = :t"), {"t": talk_id})
        ]
        assert neighbourhood(s, "person", 10**9) is None
    assert g.centre == f"person:{person_id}"
    assert (f"person:{person_id}", f"talk:{talk_id}", "speaks") in g.edges
    assert all((f"paper:{c}", f"talk:{talk_id}", "cites") in g.edges for c in cited)
    assert all(a in g.nodes and b in g.nodes for a, b, _ in g.edges)


def test_own_layout_is_deterministic_inside_the_box_and_escapes_labels():
    g = nasty_graph()
    pos = layout(g, 800, 600)
    assert pos == layout(nasty_graph(), 800, 600)
    assert all(120 <= x <= 680 and 40 <= y <= 560 for x, y in pos.values())
    assert len(set(pos.values())) == len(pos)  # no two nodes on one spot
    href = {("talk", 2): "../talk/t-2.html"}
    svg = python_svg(g, lambda kind, id_: href.get((kind, id_)))
    assert svg == python_svg(nasty_graph(), lambda kind, id_: href.get((kind, id_)))
    root = ET.fromstring(svg)  # well-formed: nothing in a label closed an element
    assert not root.findall(f".//{SVG}script")
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert " ".join(NASTY.split()) in titles and len(titles) == len(g.nodes)
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["../talk/t-2.html"]


def test_dot_strings_are_escaped():
    dot = to_dot(nasty_graph())
    assert '\\"quoted\\"' in dot and "\\\\N \\\\l" in dot and "\n]]>" not in dot
    assert dot.count("\n") == len(dot.strip().splitlines())  # one statement a line: no raw newline from a label


@needs_dot
def test_graphviz_layout_escapes_labels_and_links(engine):  # noqa: F811
    svg = graphviz_svg(nasty_graph(), lambda kind, id_: f"../{kind}/{id_}.html")
    root = ET.fromstring(svg)
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert 'A "quoted" <b>&amp; \\N \\l' in texts  # Graphviz kept the backslashes literal and escaped the rest
    assert not root.findall(f".//{SVG}script")
    xlink = "{http://www.w3.org/1999/xlink}href"
    assert sorted(a.get(xlink) for a in root.iter(f"{SVG}a")) == sorted(
        f"../{n.kind}/{n.id}.html" for n in nasty_graph().nodes.values()
    )
    picture = page_picture("graphviz")
    person_id = one(engine, "select person_id from talkspeaker order by talk_id limit 1")[0]
    with session_scope(engine) as s:
        assert "<svg" in picture(s, "person", person_id, lambda k, i: None)


def test_gexf_is_valid_xml_with_the_graph():
    g = nasty_graph()
    root = ET.fromstring(to_gexf(g).encode("utf-8"))
    ns = "{http://gexf.net/1.3}"
    nodes = root.findall(f"{ns}graph/{ns}nodes/{ns}node")
    assert {n.get("id") for n in nodes} == set(g.nodes)
    assert next(n for n in nodes if n.get("id") == "person:1").get("label") == " ".join(NASTY.split())
    edges = root.findall(f"{ns}graph/{ns}edges/{ns}edge")
    assert {(e.get("source"), e.get("target"), e.get("label")) for e in edges} == g.edges


def test_kb_graph_command(engine, tmp_path):  # noqa: F811
    db = str(engine.url.database)
    conf = one(engine, "select name || ' ' || year from conference where name like 'ICLR%'")[0]
    run = CliRunner()
    for fmt in ("svg", "dot", "gexf"):
        out = tmp_path / f"g.{fmt}"
        result = run.invoke(main, ["--db", db, "graph", f"conference:{conf}", "-o", str(out), "--layout", "python"])
        assert result.exit_code == 0, result.output
        assert "node(s)" in result.output
    ET.parse(tmp_path / "g.svg")
    ET.parse(tmp_path / "g.gexf")
    assert (tmp_path / "g.dot").read_text().startswith("graph kb {")
    bad = run.invoke(main, ["--db", db, "graph", "person:999999", "-o", str(tmp_path / "x.svg")])
    assert bad.exit_code == 2 and "no person with id 999999" in bad.output and not (tmp_path / "x.svg").exists()
    bad = run.invoke(main, ["--db", db, "graph", "vedaldi", "-o", str(tmp_path / "x.png")])
    assert bad.exit_code == 2 and ".svg, .dot or .gexf" in bad.output
    with session_scope(engine) as s:
        with pytest.raises(GraphError, match="nothing found"):
            query_graph(s, "zzqxv nothing like this")
        assert render(query_graph(s, f"conference:{conf}"), "dot").count(" -- ") >= 10


def test_site_pages_carry_the_picture(engine, tmp_path):  # noqa: F811
    from kb.site import build_site
    from kb.site.links import page_path

    out = tmp_path / "site"
    build_site(engine, out, picture=page_picture("python"))
    person_id, name, talk_id, title = one(
        engine,
        """select p.id, p.name, t.id, t.title from talkspeaker s
        join person p on p.id = s.person_id join talk t on t.id = s.talk_id order by t.id limit 1""",
    )
    html = (out / page_path("person", person_id, name)).read_text()
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    root = ET.fromstring(svg)
    assert f"../{page_path('talk', talk_id, title)}" in [a.get("href") for a in root.iter(f"{SVG}a")]
    first = {p: p.read_bytes() for p in out.rglob("*.html")}
    build_site(engine, out, picture=page_picture("python"))
    assert {p: p.read_bytes() for p in out.rglob("*.html")} == first


def test_a_graph_graphviz_cannot_draw_falls_back_to_kbs_layout(engine, monkeypatch):  # noqa: F811
    import kb.graph as graph_module

    def broken(graph, href=None, engine=None):
        raise GraphError("sfdp failed: out of memory")

    monkeypatch.setattr(graph_module.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(graph_module, "graphviz_svg", broken)
    person_id = one(engine, "select person_id from talkspeaker order by talk_id limit 1")[0]
    with session_scope(engine) as s:
        svg = page_picture("graphviz")(s, "person", person_id, lambda k, i: None)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="kb-graph"')
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    with pytest.raises(GraphError, match="sfdp is not on PATH"):
        page_picture("graphviz")
