"""Plain records produced by the ingest stages.

Every ingest stage is a pure function from text (or from the records of an
earlier stage) to these dataclasses; nothing here touches the database.
`Extraction.to_json()` is the schema of ``shared/corpus/*.gold.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

EVENT_KINDS = ("workshop", "tutorial", "keynote", "panel", "main", "session", "other")
LINK_KINDS = ("slides", "homepage", "video", "code", "paper", "image", "other")
# Kinds kb uses inside → the kinds of CONVENTIONS in `kb extract --json`: a talk of no particular kind
# is an oral presentation; an event named by a talk word is a session.
TALK_KINDS = {"talk": "oral", "other": "oral", None: "oral"}
EVENT_KINDS = {"keynote": "session", "panel": "session", "other": "session", "poster": "poster_session"}
LINK_CLASSES = {"homepage": "homepages", "video": "videos", "paper": "papers"}  # kind → class in `kb extract --json`
PERSON_ROLES = ("speaker", "author", "mentioned")


@dataclass
class Name:
    """A person's name split the way bibliographies need it."""

    family: str
    given: str = ""
    particle: str = ""  # "van der", "de"
    suffix: str = ""  # "Jr.", "III"

    @property
    def full(self) -> str:
        """Display order: "Laurens van der Maaten", "Martin Luther King Jr."."""
        parts = [self.given, self.particle, self.family]
        text = " ".join(p for p in parts if p)
        return f"{text} {self.suffix}".strip() if self.suffix else text

    @property
    def family_full(self) -> str:
        """Family name with its particle: "van der Maaten"."""
        return f"{self.particle} {self.family}".strip()

    def to_json(self) -> dict[str, str]:
        out = {"family": self.family_full, "given": self.given}
        if self.suffix:
            out["suffix"] = self.suffix
        return out


@dataclass
class ParsedReference:
    """One reference string split into bibliographic fields."""

    raw: str
    marker: str | None = None  # "[3]", "3.", "[^2]", "[He2016]"
    authors: list[Name] = field(default_factory=list)
    et_al: bool = False
    editors: list[Name] = field(default_factory=list)
    title: str | None = None
    venue: str | None = None  # journal / booktitle / "arXiv preprint arXiv:…"
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None
    location: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    type: str = "misc"  # inproceedings, article, incollection, book, phdthesis, techreport, misc
    citekey: str | None = None  # from a bibtex block
    confidence: float = 1.0
    origin: str = "list"  # "list" (reference list), "bibtex", "link" (an inline paper link)
    ids: dict[str, str] = field(default_factory=dict)  # scheme → value (kb.ingest.identifiers): acl, openreview, pmlr …

    @property
    def key(self) -> str:
        """How citations name this paper within its post: marker, else its identifier."""
        if self.marker:
            return self.marker
        if self.arxiv_id:
            return f"arxiv:{self.arxiv_id}"
        if self.doi:
            return f"doi:{self.doi}"
        return self.url or self.raw


@dataclass
class Link:
    url: str
    label: str
    kind: str = "other"
    line: int | None = None
    empty: bool = False  # [x]()
    malformed: bool = False  # nested/broken target
    schemeless: bool = False  # ganpaint.io
    owner: str = "post"  # "post", "talk:<i>", "person:<name>", "paper:<marker>", "event:<name>", "conference"


@dataclass
class Person:
    name: str  # canonical display name
    role: str = "mentioned"
    url: str | None = None
    spelled_in_post: str | None = None
    aliases: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # ambiguous identity matches, not merged


@dataclass
class Event:
    name: str
    kind: str = "other"
    url: str | None = None
    spelled_in_post: str | None = None
    line: int | None = None


@dataclass
class Citation:
    marker: str  # "[3]", "(Devlin et al., 2019)", an arXiv URL …
    paper_key: str  # key into Extraction.papers (its ref marker or identifier)
    talk: int | None = None  # index into Extraction.talks; None = cited by the post
    context: str = ""
    line: int | None = None


@dataclass
class Talk:
    title: str | None
    speakers: list[str] = field(default_factory=list)
    kind: str = "other"
    event: str | None = None
    links: list[str] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)
    summary: str = ""
    line: int | None = None
    spelled_in_post: str | None = None
    confidence: float = 1.0  # the line labeller's belief that the talk starts on its line (1.0 from the rules)


@dataclass
class Conference:
    name: str
    year: int | None = None
    location: str | None = None
    url: str | None = None


@dataclass
class Problem:
    """Something the importer could not extract or had to guess."""

    message: str
    line: int | None = None
    severity: str = "warning"  # "warning" | "info"


@dataclass
class Extraction:
    source: str
    front_matter: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    date: str | None = None
    draft: bool = False
    conference: Conference | None = None
    events: list[Event] = field(default_factory=list)
    talks: list[Talk] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    papers: list[ParsedReference] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    text: str = ""  # the post body (front matter removed), for search

    def to_json(self) -> dict[str, Any]:
        """The gold-file schema (see shared/corpus/*.gold.json)."""
        return extraction_to_json(self)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, [], "")}


def paper_to_json(p: ParsedReference) -> dict[str, Any]:
    out: dict[str, Any] = {"ref": p.marker, "key": p.key, "authors": [a.to_json() for a in p.authors]}
    if p.et_al:
        out["et_al"] = True
    out.update(
        title=p.title,
        venue=p.venue,
        year=p.year,
        type=p.type,
    )
    for key, value in (
        ("publisher", p.publisher),
        ("pages", p.pages),
        ("volume", p.volume),
        ("issue", p.issue),
        ("doi", p.doi),
        ("arxiv", p.arxiv_id),
        ("url", p.url),
        ("citekey", p.citekey),
    ):
        if value:
            out[key] = value
    if p.ids:
        out["ids"] = dict(sorted(p.ids.items()))
    return out


def extraction_to_json(x: Extraction) -> dict[str, Any]:
    # the classes of ../shared/corpus/CONVENTIONS.md ("Links"): plural names, one list per class
    links: dict[str, Any] = {"slides": [], "homepages": [], "videos": [], "code": [], "papers": [], "other": []}
    images = 0
    bucket = LINK_CLASSES
    for link in x.links:
        if link.kind == "image":
            images += 1
            continue
        if link.empty:
            continue
        links.setdefault(bucket.get(link.kind, link.kind), [])
        target = links[bucket.get(link.kind, link.kind)]
        if link.url not in target:
            target.append(link.url)
    links = {k: v for k, v in links.items() if v}
    links["images"] = images
    return {
        "source": x.source,
        "front_matter": x.front_matter,
        "conference": asdict(x.conference) if x.conference else None,
        "events": [_drop_none(asdict(e) | {"line": None, "kind": EVENT_KINDS.get(e.kind, e.kind)}) for e in x.events],
        "talks": [
            {
                "title": t.title,
                "speakers": t.speakers,
                "kind": TALK_KINDS.get(t.kind, t.kind),
                "event": t.event,
                "links": t.links,
                "cites": t.cites,
            }
            for t in x.talks
        ],
        "people": [
            {"name": p.name, "url": p.url, "role": p.role}
            | ({"spelled_in_post": p.spelled_in_post} if p.spelled_in_post else {})
            | ({"aliases": p.aliases} if p.aliases else {})
            | ({"candidates": p.candidates} if p.candidates else {})
            for p in x.people
        ],
        "papers": [paper_to_json(p) for p in x.papers],
        "citations": [
            {"marker": c.marker, "paper": c.paper_key, "talk": c.talk, "context": c.context, "line": c.line}
            for c in x.citations
        ],
        "links": links,
        "problems": [asdict(p) for p in x.problems],
    }
