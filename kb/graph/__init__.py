"""Pictures of the graph: the neighbourhood of a conference, talk, person or paper.

``kb graph QUERY -o FILE.svg|.dot|.gexf`` writes one (Gephi reads the GEXF);
``kb site`` puts one on every conference, person and paper page. Layout by
Graphviz (``dot``/``sfdp``, the Debian package) when it is on PATH, else by
kb's own deterministic force-directed layout (:mod:`kb.graph.layout`).

QUERY is ``KIND:ID`` (``person:12``), ``conference:NAME`` (``conference:ICCV 2019``)
or search words: the neighbourhoods of the best hits, drawn together.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from sqlmodel import Session

from kb.graph.model import KINDS, Graph, neighbourhood
from kb.graph.render import (
    GraphError,
    graphviz_svg,
    python_svg,
    to_dot,
    to_gexf,
    to_svg,
)

FORMATS = ("svg", "dot", "gexf")
_KIND_ID = re.compile(r"^\s*(conference|talk|person|paper)\s*:\s*(\d+)\s*$")


def page_picture(layout: str = "auto"):
    """``picture(session, kind, id, href) -> svg`` for :func:`kb.site.build_site`; ``layout``: auto, graphviz, python."""
    if layout == "graphviz" and shutil.which("sfdp") is None:
        raise GraphError("Graphviz's sfdp is not on PATH (apt-get install graphviz); use --layout python")
    use_graphviz = layout == "graphviz" or (layout == "auto" and shutil.which("sfdp") is not None)

    def picture(session: Session, kind: str, id_: int, href) -> str | None:
        graph = neighbourhood(session, kind, id_)
        if graph is None or len(graph.nodes) < 2:
            return None
        if use_graphviz:
            try:
                return graphviz_svg(graph, href)
            except (GraphError, subprocess.TimeoutExpired):  # one graph Graphviz cannot draw: kb's layout draws it
                pass
        return python_svg(graph, href)

    return picture


def query_graph(session: Session, query: str, hits: int = 5) -> Graph:
    """The graph QUERY names (see the module doc); raises :class:`GraphError` when it names nothing."""
    m = _KIND_ID.match(query)
    if m:
        graph = neighbourhood(session, m.group(1), int(m.group(2)))
        if graph is None:
            raise GraphError(f"no {m.group(1)} with id {m.group(2)}")
        return graph
    if query.strip().lower().startswith("conference:"):
        from kb.export.records import find_conferences

        confs = find_conferences(session, query.split(":", 1)[1])
        if not confs:
            raise GraphError(f"no conference matches {query.split(':', 1)[1].strip()!r}")
        found = [("conference", c.id) for c in confs]
    else:
        from kb.search import search

        found = [(h.kind, h.id) for h in search(session, query, limit=50) if h.kind in KINDS][:hits]
        if not found:
            raise GraphError(f"nothing found for {query!r}")
    graph = Graph()
    for kind, id_ in found:
        part = neighbourhood(session, kind, id_)
        if part is not None:
            graph.merge(part)
    return graph


def render(graph: Graph, fmt: str, layout: str = "auto") -> str:
    if fmt == "svg":
        svg = to_svg(graph, None, layout)
        return svg if svg.startswith("<?xml") else '<?xml version="1.0" encoding="UTF-8"?>\n' + svg
    if fmt == "dot":
        return to_dot(graph)
    if fmt == "gexf":
        return to_gexf(graph)
    raise GraphError(f"unknown picture format {fmt!r}; one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "Graph", "GraphError", "page_picture", "python_svg", "query_graph", "render", "to_dot", "to_gexf"]
