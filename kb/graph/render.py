"""A :class:`~kb.graph.model.Graph` as SVG (Graphviz's or kb's own layout), DOT or GEXF (Gephi).

Labels come from posts: every writer escapes them for its own syntax (XML
text and attributes through ElementTree or ``markupsafe``, DOT strings with
their quotes and backslashes). Links (``href``) are the site's own relative
page paths, never a URL taken from a post.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable

from markupsafe import escape

from kb.graph.layout import layout
from kb.graph.model import Graph

Href = Callable[[str, int], "str | None"]
COLOURS = {"conference": "#8e44ad", "talk": "#2e86c1", "person": "#d35400", "paper": "#229954"}
SHAPES = {"conference": "doubleoctagon", "talk": "box", "person": "ellipse", "paper": "note"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class GraphError(ValueError):
    """A picture cannot be made (Graphviz asked for but missing, an unknown output kind …)."""


def short(label: str, most: int = 38) -> str:
    label = _CONTROL.sub(" ", label)
    return label if len(label) <= most else label[: most - 1].rstrip() + "…"


def _dot_string(text: str) -> str:
    """A DOT double-quoted string: ``\\`` and ``"`` escaped, so ``\\N``, ``\\l`` … stay literal, and ``&`` as
    ``&amp;`` (Graphviz decodes entities in labels: ``&lt;`` in a title would lose its text)."""
    text = _CONTROL.sub(" ", text).replace("&", "&amp;")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: Graph, href: Href | None = None) -> str:
    ids = {n.key: f"n{i}" for i, n in enumerate(graph.sorted_nodes())}
    lines = [
        "graph kb {",
        '  graph [overlap=prism, splines=true, K=1.2, size="9,7", outputorder=edgesfirst, bgcolor="white"];',
        '  node [fontname="Helvetica", fontsize=10, style=filled, fillcolor="white"];',
        '  edge [color="#999999"];',
    ]
    for n in graph.sorted_nodes():
        attrs = {
            "label": short(n.label),
            "tooltip": n.label,
            "shape": SHAPES[n.kind],
            "color": COLOURS[n.kind],
            "class": n.kind,
        }
        if n.key == graph.centre:
            attrs["penwidth"] = "2.5"
        url = href(n.kind, n.id) if href else None
        if url:
            attrs["URL"] = url
        lines.append(f"  {ids[n.key]} [" + ", ".join(f"{k}={_dot_string(v)}" for k, v in attrs.items()) + "];")
    for a, b, kind in graph.sorted_edges():
        lines.append(f"  {ids[a]} -- {ids[b]} [class={_dot_string(kind)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_svg(graph: Graph, href: Href | None = None, engine: str | None = None) -> str:
    """Graphviz's force-directed layout (``sfdp``; a neighbourhood is a star, which ``dot`` draws as one long row)."""
    engine = engine or "sfdp"
    exe = shutil.which(engine)
    if exe is None:
        raise GraphError(f"Graphviz's {engine} is not on PATH (apt-get install graphviz), or use kb's own layout")
    done = subprocess.run(
        [exe, "-Tsvg"], input=to_dot(graph, href), capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise GraphError(f"{engine} failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
    svg = done.stdout
    return svg[svg.index("<svg") :]  # no XML declaration or DOCTYPE: the SVG goes inline into HTML as well


def python_svg(graph: Graph, href: Href | None = None, width: int = 800, height: int = 600) -> str:
    """kb's own layout (:mod:`kb.graph.layout`) drawn as SVG: circles, lines and labels, each node a link."""
    pos = layout(graph, width, height)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kb-graph" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, sans-serif" font-size="11">'
    )
    out = [head, '<g class="edges" stroke="#999" stroke-width="1">']
    for a, b, kind in graph.sorted_edges():
        (x1, y1), (x2, y2) = pos[a], pos[b]
        out.append(f'<line class="{escape(kind)}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>')
    out.append('</g>\n<g class="nodes">')
    for n in graph.sorted_nodes():
        x, y = pos[n.key]
        r = 9 if n.key == graph.centre else 6
        shape = (
            f'<circle cx="{x}" cy="{y}" r="{r}" fill="{COLOURS[n.kind]}"/><title>{escape(n.label)}</title>'
            f'<text x="{x}" y="{round(y - r - 3, 1)}" text-anchor="middle">{escape(short(n.label))}</text>'
        )
        url = href(n.kind, n.id) if href else None
        body = f'<a href="{escape(url)}">{shape}</a>' if url else shape
        out.append(f'<g class="{n.kind}">{body}</g>')
    out.append("</g>\n</svg>")
    return "\n".join(out) + "\n"


def to_svg(graph: Graph, href: Href | None = None, layout_engine: str = "auto") -> str:
    """``auto``: Graphviz when ``sfdp`` is on PATH, else kb's own layout; ``graphviz`` or ``python`` to choose."""
    if layout_engine == "graphviz" or (layout_engine == "auto" and shutil.which("sfdp")):
        return graphviz_svg(graph, href)
    return python_svg(graph, href)


def to_gexf(graph: Graph) -> str:
    """GEXF 1.3 (Gephi's format) with each node's kind as an attribute and kb's layout as viz positions."""
    ET.register_namespace("", "http://gexf.net/1.3")
    ET.register_namespace("viz", "http://gexf.net/1.3/viz")
    ns, viz = "{http://gexf.net/1.3}", "{http://gexf.net/1.3/viz}"
    root = ET.Element(ns + "gexf", {"version": "1.3"})
    meta = ET.SubElement(root, ns + "meta")
    ET.SubElement(meta, ns + "creator").text = "kb graph"
    g = ET.SubElement(root, ns + "graph", {"defaultedgetype": "undirected", "mode": "static"})
    attrs = ET.SubElement(g, ns + "attributes", {"class": "node"})
    ET.SubElement(attrs, ns + "attribute", {"id": "kind", "title": "kind", "type": "string"})
    ET.SubElement(attrs, ns + "attribute", {"id": "kb_id", "title": "kb id", "type": "integer"})
    pos = layout(graph)
    nodes = ET.SubElement(g, ns + "nodes")
    for n in graph.sorted_nodes():
        el = ET.SubElement(nodes, ns + "node", {"id": n.key, "label": _CONTROL.sub(" ", n.label)})
        values = ET.SubElement(el, ns + "attvalues")
        ET.SubElement(values, ns + "attvalue", {"for": "kind", "value": n.kind})
        ET.SubElement(values, ns + "attvalue", {"for": "kb_id", "value": str(n.id)})
        x, y = pos[n.key]
        ET.SubElement(el, viz + "position", {"x": str(x), "y": str(-y), "z": "0.0"})
        colour = COLOURS[n.kind]
        ET.SubElement(
            el,
            viz + "color",
            {"r": str(int(colour[1:3], 16)), "g": str(int(colour[3:5], 16)), "b": str(int(colour[5:7], 16))},
        )
    edges = ET.SubElement(g, ns + "edges")
    for i, (a, b, kind) in enumerate(graph.sorted_edges()):
        ET.SubElement(edges, ns + "edge", {"id": str(i), "source": a, "target": b, "label": kind})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
