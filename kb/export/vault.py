"""``kb export --format obsidian|logseq OUT/``: one Markdown note per conference, talk, person and paper.

Obsidian notes start with YAML properties (``aliases`` holds a paper's
citekey, so Zotero/Citations plugins find the note; links as ``"[[Name]]"``);
Logseq pages start with ``key:: value`` page properties (``alias::``) and
are written to ``pages/``. Links go both ways — a talk links its speakers,
conference and cited papers, and each of those links the talk back — so the
apps' backlinks and graph view show the KB's graph.

Below the marker line (:data:`MARKERS`) a note is the user's: re-exporting
rewrites what is above it and keeps every byte below. A note is found again
by its ``kb-type``/``kb-id`` properties even when its title (its name) changed.
Post text is escaped for Markdown (:func:`kb.export.markdown.escape_md`),
quoted by PyYAML, and stripped of link syntax in Logseq properties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kb.db import session_scope
from kb.export.markdown import escape_md, md_link
from kb.export.notenames import NameBook
from kb.export.records import Selection, chunks, ensure_citekeys, load_records
from kb.models import (
    Citation,
    Conference,
    Event,
    Link,
    Paper,
    Person,
    PersonAlias,
    Post,
    Talk,
)
from kb.queries import authors_of, speakers_of
from kb.site.pages import make_scope
from kb.site.writer import write_if_changed

VAULTS = ("obsidian", "logseq")
MARKERS = {
    "obsidian": "%% kb: write your own notes below this line; kb export keeps them %%",
    "logseq": "- kb-notes:: your own notes go below this block; kb export keeps them",
}
FOLDERS = {"conference": "Conferences", "talk": "Talks", "person": "People", "paper": "Papers"}
_ID_LINE = re.compile(r"^(?:kb-type|kb-id)(?::|::) *\"?([\w-]+)\"?\s*$", re.MULTILINE)


@dataclass
class VaultReport:
    notes: int = 0
    written: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Note:
    kind: str
    id: int
    title: str
    props: dict[str, object] = field(default_factory=dict)  # values: str, int, or lists of str / wikilinks
    sections: list[tuple[str, list[str]]] = field(default_factory=list)  # heading → Markdown items

    def add(self, heading: str, item: str | None) -> None:
        """``item`` under ``heading`` (made on first use), once."""
        if not item:
            return
        for h, items in self.sections:
            if h == heading:
                if item not in items:
                    items.append(item)
                return
        self.sections.append((heading, [item]))


def _load(session: Session, names: NameBook, scope) -> list[Note]:
    """Every note of the scope, its properties and sections (links resolved to note names)."""
    notes: dict[tuple[str, int], Note] = {}
    for cid in scope.ids("conference"):
        c = session.get(Conference, cid)
        notes[("conference", cid)] = Note(
            "conference",
            cid,
            f"{c.name} {c.year or ''}".strip(),
            {"year": c.year, "location": c.location, "url": c.url},
        )
    talk_ids = scope.ids("talk")
    for part in chunks(talk_ids):
        rows = session.exec(
            select(Talk, Post.conference_id, Event.name)
            .join(Post, Post.id == Talk.post_id)
            .join(Event, Event.id == Talk.event_id, isouter=True)
            .where(Talk.id.in_(part))
            .order_by(Talk.id)
        ).all()
        speakers = speakers_of(session, part)
        for t, conf_id, event in rows:
            who = [names.link("person", p.id) for p in speakers[t.id]]
            note = notes[("talk", t.id)] = Note(
                "talk",
                t.id,
                t.title or "(untitled talk)",
                {
                    "kind": t.kind,
                    "event": event,
                    "conference": names.link("conference", conf_id),
                    "speakers": [w for w in who if w],
                },
            )
            if t.summary:
                note.sections.append(
                    ("Summary", [f"> {escape_md(line)}" for line in t.summary.splitlines() if line.strip()])
                )
            for w in note.props["speakers"]:
                _back(notes, names, w, "Talks", names.link("talk", t.id))
            if conf_id is not None and ("conference", conf_id) in notes:
                notes[("conference", conf_id)].add("Talks", names.link("talk", t.id))
        cites = session.exec(
            select(Citation.talk_id, Citation.paper_id, Citation.context)
            .where(Citation.talk_id.in_(part))
            .order_by(Citation.talk_id, Citation.position)
        ).all()
        for tid, pid, context in cites:
            paper = names.link("paper", pid)
            if paper is None:
                continue
            talk = notes[("talk", tid)]
            if paper not in talk.props.setdefault("cites", []):
                talk.props["cites"].append(paper)
                talk.add("Cited papers", paper + (f" — {escape_md(context)}" if context else ""))
                _back(notes, names, paper, "Cited in", names.link("talk", tid))
        links = session.exec(select(Link).where(Link.talk_id.in_(part), ~Link.empty).order_by(Link.position)).all()
        for link in links:
            notes[("talk", link.talk_id)].add("Links", f"{link.kind}: {md_link(link.label or link.url, link.url)}")
    for part in chunks(scope.ids("person")):
        aliases: dict[int, list[str]] = {}
        for pid, alias in session.exec(
            select(PersonAlias.person_id, PersonAlias.alias)
            .where(PersonAlias.person_id.in_(part))
            .order_by(PersonAlias.alias)
        ):
            aliases.setdefault(pid, []).append(alias)
        for p in session.exec(select(Person).where(Person.id.in_(part))):
            note = notes.setdefault(("person", p.id), Note("person", p.id, p.name))
            note.title = p.name
            note.props.update({"url": p.url, "aliases": [a for a in aliases.get(p.id, []) if a != p.name]})
    for part in chunks(scope.ids("paper")):
        authors = authors_of(session, part)
        for rec in load_records(session, part):
            note = notes.setdefault(("paper", rec.id), Note("paper", rec.id, ""))
            note.title = rec.title or rec.citekey
            who = [w for w in (names.link("person", a.id) for a in authors[rec.id]) if w]
            note.props.update(
                {
                    "citekey": rec.citekey,
                    "aliases": [rec.citekey],
                    "authors": who,
                    "year": rec.year,
                    "venue": rec.venue,
                    "doi": rec.doi,
                    "arxiv": rec.arxiv_id,
                    "url": rec.url,
                }
            )
            for w in who:
                _back(notes, names, w, "Papers", names.link("paper", rec.id))
    return [n for key, n in sorted(notes.items()) if names.get(*key)]


def _back(notes: dict[tuple[str, int], Note], names: NameBook, target: str, heading: str, item: str | None) -> None:
    """Add ``item`` under ``heading`` in the note that ``target`` (a ``[[Name]]``) is: the link back."""
    key = names.key_of(target)
    if key is not None:
        kind, id_ = key
        notes.setdefault(key, Note(kind, id_, "")).add(heading, item)


def _names(session: Session, scope) -> NameBook:
    """Note names for the whole vault: conferences, then people, papers and talks, each in id order."""
    book = NameBook()
    for cid in scope.ids("conference"):
        c = session.get(Conference, cid)
        book.add("conference", cid, f"{c.name} {c.year or ''}")
    for kind, query in (
        ("person", lambda ids: select(Person.id, Person.name).where(Person.id.in_(ids))),
        ("paper", lambda ids: select(Paper.id, Paper.title, Paper.citekey).where(Paper.id.in_(ids))),
        ("talk", lambda ids: select(Talk.id, Talk.title).where(Talk.id.in_(ids))),
    ):
        for part in chunks(scope.ids(kind)):
            for row in sorted(session.exec(query(part)).all()):
                book.add(kind, row[0], next((x for x in row[1:] if x), None))
    return book


def _plain(value: object) -> str:
    """A Logseq property value: one line, no ``[[``/``#`` page references, no ``::``."""
    return " ".join(re.sub(r"[\[\]#]|::", " ", str(value)).split())


def render_note(note: Note, vault: str) -> str:
    """The generated part of a note, ending with the marker line."""
    props: dict[str, object] = {"kb-type": note.kind, "kb-id": note.id}
    for key, value in note.props.items():
        if value not in (None, "", []):
            props[key] = value
    body = []
    if vault == "obsidian":
        props["tags"] = [f"kb/{note.kind}"]
        head = "---\n" + yaml.safe_dump(props, sort_keys=False, allow_unicode=True, width=10_000) + "---\n"
        body.append(f"# {escape_md(note.title)}\n")
        for heading, items in note.sections:
            body.append(f"\n## {heading}\n\n" + "".join(f"- {item}\n" for item in items))
        return head + "\n" + "".join(body) + "\n" + MARKERS[vault] + "\n"
    lines = []
    for key, value in props.items():
        if key == "aliases":  # Logseq's alias:: makes pages: only the citekey (person aliases stay text)
            key, value = ("alias", value) if note.kind == "paper" else ("also-written", value)
        if isinstance(value, list):
            value = ", ".join(v if v.startswith("[[") else _plain(v) for v in value)
        elif not (isinstance(value, str) and value.startswith("[[")):
            value = _plain(value)
        lines.append(f"{key}:: {value}\n")
    lines.append(f"title-text:: {_plain(note.title)}\n\n")
    for heading, items in note.sections:
        lines.append(f"- ## {heading}\n" + "".join(f"\t- {item}\n" for item in items))
    return "".join(lines) + MARKERS[vault] + "\n"


def _folder(vault: str, kind: str) -> str:
    return "pages" if vault == "logseq" else FOLDERS[kind]


def _existing(out: Path, vault: str) -> dict[tuple[str, int], Path]:
    """Notes kb wrote before, by their kb-type/kb-id properties (found again after a rename)."""
    found: dict[tuple[str, int], Path] = {}
    folders = {_folder(vault, k) for k in FOLDERS}
    for folder in sorted(folders):
        for path in sorted((out / folder).glob("*.md")):
            try:
                head = path.read_text(encoding="utf-8")[:2000]
            except (OSError, UnicodeDecodeError):
                continue
            values = _ID_LINE.findall(head)
            if len(values) >= 2 and values[0] in FOLDERS and values[1].isdigit():
                found.setdefault((values[0], int(values[1])), path)
    return found


def user_text(old: str, vault: str) -> str:
    """What follows the marker line in a note (the user's); a file without the marker is all the user's."""
    marker = MARKERS[vault]
    lines = old.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.rstrip("\r\n") == marker:
            return "".join(lines[i + 1 :])
    return "\n" + old if old else ""


def export_vault(engine: Engine, out: Path, vault: str, selection: Selection | None = None) -> VaultReport:
    """Write (or update) the vault in ``out``. ``selection``: only its ``conference`` is used."""
    selection = selection or Selection()
    if vault not in VAULTS:
        raise KeyError(vault)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out}: exists and is not a folder")
    with session_scope(engine, write=True) as session:
        scope = make_scope(session, selection.conference)  # SelectionError before anything is written
        ensure_citekeys(session, Selection(conference=selection.conference))
    with session_scope(engine) as session:
        names = _names(session, scope)
        notes = _load(session, names, scope)
    before = _existing(out, vault)
    tails = {key: user_text(_read(path), vault) for key, path in before.items()}  # all read before any write
    owned = set(before.values())
    report = VaultReport(notes=len(notes))
    written: set[Path] = set()
    for note in notes:
        rel = f"{_folder(vault, note.kind)}/{names.get(note.kind, note.id)}.md"
        target = out / rel
        tail = tails.get((note.kind, note.id))
        if tail is None:  # a new note; a file of the user's own under its name is kept below the marker
            tail = "" if target in owned else user_text(_read(target), vault)
        if write_if_changed(target, (render_note(note, vault) + tail).encode("utf-8")):
            report.written.append(rel)
        written.add(target)
        old_path = before.get((note.kind, note.id))
        if old_path is not None and old_path != target:
            report.moved.append((old_path.relative_to(out).as_posix(), rel))
    for old, _ in report.moved:  # its text now lives under the new name
        if out / old not in written:
            (out / old).unlink(missing_ok=True)
    return report


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
