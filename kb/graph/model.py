"""The neighbourhood graph of a conference, talk, person or paper: talks ↔ cited papers ↔ speakers/authors.

Nodes are keyed ``"kind:id"``; edges are undirected and typed (``speaks``,
``cites``, ``wrote``, ``at``, ``co-cited``). Every list is cut to a few dozen
(most-connected first) so a picture stays readable, and everything is sorted:
the same KB gives the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from kb.models import (
    Authorship,
    Citation,
    Conference,
    Paper,
    Person,
    Post,
    Talk,
    TalkSpeaker,
)
from kb.queries import authors_of, speakers_of

KINDS = ("conference", "talk", "person", "paper")
MOST = 25  # of each kind around the centre


@dataclass(frozen=True, slots=True)
class Node:
    key: str
    kind: str
    id: int
    label: str


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: set[tuple[str, str, str]] = field(default_factory=set)  # (a, b, kind) with a < b
    centre: str | None = None

    def node(self, kind: str, id_: int, label: str | None) -> str:
        key = f"{kind}:{id_}"
        if key not in self.nodes:
            self.nodes[key] = Node(key, kind, id_, " ".join((label or f"({kind} {id_})").split()))
        return key

    def edge(self, a: str, b: str, kind: str) -> None:
        if a != b:
            self.edges.add((min(a, b), max(a, b), kind))

    def merge(self, other: Graph) -> None:
        self.nodes.update(other.nodes)
        self.edges |= other.edges
        self.centre = self.centre or other.centre

    def sorted_nodes(self) -> list[Node]:
        return [self.nodes[k] for k in sorted(self.nodes, key=_order)]

    def sorted_edges(self) -> list[tuple[str, str, str]]:
        return sorted(self.edges, key=lambda e: (_order(e[0]), _order(e[1]), e[2]))


def _order(key: str) -> tuple[str, int]:
    kind, _, id_ = key.partition(":")
    return kind, int(id_)


def _paper_label(p: Paper) -> str:
    return p.title or p.doi or p.arxiv_id or p.url or p.citekey or ""


def _add_talks(session: Session, g: Graph, talk_ids: list[int]) -> None:
    """The talks with their speakers and the papers they cite."""
    talks = session.exec(select(Talk.id, Talk.title).where(Talk.id.in_(talk_ids))).all()
    speakers = speakers_of(session, talk_ids)
    for tid, title in talks:
        t = g.node("talk", tid, title or "(untitled talk)")
        for p in speakers[tid][:6]:
            g.edge(t, g.node("person", p.id, p.name), "speaks")
    cited = session.exec(
        select(Citation.talk_id, Paper)
        .join(Paper, Paper.id == Citation.paper_id)
        .where(Citation.talk_id.in_(talk_ids))
        .order_by(Citation.talk_id, Citation.position)
    ).all()
    for tid, paper in cited:
        g.edge(g.node("talk", tid, None), g.node("paper", paper.id, _paper_label(paper)), "cites")


def _most_cited(session: Session, talk_ids: list[int], most: int) -> list[int]:
    rows = session.exec(
        select(Citation.paper_id, func.count())
        .where(Citation.talk_id.in_(talk_ids))
        .group_by(Citation.paper_id)
        .order_by(func.count().desc(), Citation.paper_id)
        .limit(most)
    )
    return [pid for pid, _ in rows]


def neighbourhood(session: Session, kind: str, id_: int, most: int = MOST) -> Graph | None:
    """The graph around one entity, or None when it does not exist."""
    g = Graph()
    if kind == "conference":
        conf = session.get(Conference, id_)
        if conf is None:
            return None
        g.centre = c = g.node("conference", id_, f"{conf.name} {conf.year or ''}")
        talk_ids = list(
            session.exec(
                select(Talk.id)
                .join(Post, Post.id == Talk.post_id)
                .where(Post.conference_id == id_)
                .order_by(Talk.id)
                .limit(most)
            )
        )
        _add_talks(session, g, talk_ids)
        keep = set(_most_cited(session, talk_ids, most))
        g.nodes = {k: n for k, n in g.nodes.items() if n.kind != "paper" or n.id in keep}
        g.edges = {e for e in g.edges if e[0] in g.nodes and e[1] in g.nodes}
        for tid in talk_ids:
            g.edge(c, f"talk:{tid}", "at")
        return g
    if kind == "talk":
        if session.get(Talk, id_) is None:
            return None
        _add_talks(session, g, [id_])
        g.centre = f"talk:{id_}"
        return g
    if kind == "person":
        person = session.get(Person, id_)
        if person is None:
            return None
        g.centre = me = g.node("person", id_, person.name)
        talk_ids = list(
            session.exec(
                select(TalkSpeaker.talk_id)
                .where(TalkSpeaker.person_id == id_)
                .order_by(TalkSpeaker.talk_id)
                .limit(most)
            )
        )
        _add_talks(session, g, talk_ids)
        papers = session.exec(
            select(Paper)
            .join(Authorship, Authorship.paper_id == Paper.id)
            .where(Authorship.person_id == id_)
            .order_by(Paper.id)
            .limit(most)
        ).all()
        for p in papers:
            g.edge(me, g.node("paper", p.id, _paper_label(p)), "wrote")
        return g
    if kind == "paper":
        paper = session.get(Paper, id_)
        if paper is None:
            return None
        g.centre = me = g.node("paper", id_, _paper_label(paper))
        for p in authors_of(session, [id_])[id_][:most]:
            g.edge(me, g.node("person", p.id, p.name), "wrote")
        talk_ids = list(
            session.exec(
                select(Citation.talk_id)
                .where(Citation.paper_id == id_, Citation.talk_id.is_not(None))
                .distinct()
                .order_by(Citation.talk_id)
                .limit(most)
            )
        )
        _add_talks(session, g, talk_ids)  # the citing talks, their speakers, and what else they cite: co-citation
        keep = set(_most_cited(session, talk_ids, most)) | {id_}
        g.nodes = {k: n for k, n in g.nodes.items() if n.kind != "paper" or n.id in keep}
        g.edges = {e for e in g.edges if e[0] in g.nodes and e[1] in g.nodes}
        return g
    raise ValueError(f"no graph for {kind!r}; one of {', '.join(KINDS)}")
