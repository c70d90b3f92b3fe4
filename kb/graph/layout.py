"""kb's own graph layout (no Graphviz needed): Fruchterman–Reingold force-directed placement in numpy.

Deterministic: the nodes start on a circle in sorted order (the centre node
in the middle), a fixed number of steps, no randomness; coordinates are rounded,
so the same graph always gives the same picture.
"""

from __future__ import annotations

import numpy as np

from kb.graph.model import Graph

STEPS = 120


def layout(
    graph: Graph, width: float = 800, height: float = 600, margin: tuple[float, float] = (120, 40)
) -> dict[str, tuple[float, float]]:
    """node key → (x, y) inside ``width`` × ``height`` with ``margin`` (x, y) kept free: room for the labels,
    centred on their node above it."""
    nodes = [n.key for n in graph.sorted_nodes()]
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (width / 2, height / 2)}
    index = {k: i for i, k in enumerate(nodes)}
    angles = np.arange(n) * (2 * np.pi / n)
    pos = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    if graph.centre in index:
        pos[index[graph.centre]] = 0.0
    edges = np.array([(index[a], index[b]) for a, b, _ in graph.sorted_edges()], dtype=int).reshape(-1, 2)
    k = np.sqrt(4.0 / n)  # ideal distance in a 2 × 2 box
    temperature = 0.2
    for _ in range(STEPS):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta**2).sum(axis=2)) + 1e-9
        np.fill_diagonal(dist, 1.0)
        force = (delta / dist[:, :, None] * (k * k / dist)[:, :, None]).sum(axis=1)  # repulsion
        if len(edges):
            d = pos[edges[:, 0]] - pos[edges[:, 1]]
            length = np.sqrt((d**2).sum(axis=1)) + 1e-9
            pull = d / length[:, None] * (length**2 / k)[:, None]
            np.add.at(force, edges[:, 0], -pull)
            np.add.at(force, edges[:, 1], pull)
        force -= pos * 0.05 * n  # a little gravity keeps unconnected parts near
        size = np.sqrt((force**2).sum(axis=1)) + 1e-9
        pos += force / size[:, None] * np.minimum(size, temperature)[:, None]
        if graph.centre in index:
            pos[index[graph.centre]] = 0.0
        temperature *= 0.97
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    scaled = (pos - lo) / span * [width - 2 * margin[0], height - 2 * margin[1]] + margin
    return {key: (round(float(x), 1), round(float(y), 1)) for key, (x, y) in zip(nodes, scaled, strict=False)}
