r"""A Markdown reading list: conference → talk → the papers it cited.

Papers in the selection that no talk cites come last. Everything taken from
posts is escaped (``*``, ``_``, ``[``, ``<``, ``@`` …) and squashed to one
line, and only http(s) links are written, so a hostile title can neither
start a heading nor inject a link or HTML.

>>> print(escape_md("*Deep* [learning](javascript:x) <b>"))
\*Deep\* \[learning\](javascript:x) \<b\>
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import quote

from sqlmodel import Session, select

from kb.export.bibtex import is_arxiv_preprint
from kb.export.records import PaperRecord, Selection, chunks, find_conferences, load_selection
from kb.models import Citation, Conference, Event, Post, Talk
from kb.queries import speakers_of

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the
# ones that mean something in CommonMark, GFM or pandoc Markdown mid-line.
# ( ) ! + need none: with every [ escaped no link or image can open, and no
# line of ours starts with text from a post.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~^$@&])")
_SAFE_URL = re.compile(r"^https?://", re.I)


def escape_md(text: str) -> str:
    """One line of literal text: whitespace squashed, Markdown punctuation backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_link(label: str, url: str) -> str:
    """``[label](<url>)`` for http(s) URLs only; anything else becomes plain escaped text."""
    if not _SAFE_URL.match(url.strip()):
        return escape_md(label)
    target = quote(url.strip(), safe="/:?#[]@!$&'*+,;=%~-._")
    target = target.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
    return f"[{escape_md(label)}](<{target}>)"


def _authors(rec: PaperRecord, most: int = 6) -> str:
    names = [f"{a.given} {a.family}".strip() for a in rec.authors]
    shown = names[:most]
    text = ", ".join(shown)
    if rec.et_al or len(names) > most:
        text += " et al."
    return escape_md(text)


def paper_line(rec: PaperRecord) -> str:
    """``- Authors (2019). *Title*. Venue. [doi](…) · `key` ``"""
    parts = []
    who = _authors(rec)
    if who and rec.year:
        parts.append(f"{who} ({rec.year}).")
    elif who or rec.year:
        parts.append(who if who.endswith(".") else f"{who}." if who else f"({rec.year}).")
    title = escape_md(rec.title) if rec.title else "(untitled)"
    parts.append(f"*{title}*" + ("" if title.endswith(("?", "!", ".")) else "."))
    if rec.venue and not is_arxiv_preprint(rec):
        venue = escape_md(rec.venue)
        parts.append(venue if venue.endswith(".") else venue + ".")
    links = []
    if rec.doi:
        links.append(md_link(f"doi:{rec.doi}", f"https://doi.org/{rec.doi}"))
    if rec.arxiv_id:
        links.append(md_link(f"arXiv:{rec.arxiv_id}", f"https://arxiv.org/abs/{rec.arxiv_id}"))
    if rec.url and not links:
        links.append(md_link("link", rec.url))
    tail = " · ".join(links + [f"`{rec.citekey}`"])
    return "- " + " ".join(p for p in parts if p) + " " + tail


def _talk_citations(session: Session, ids: set[int], selection: Selection) -> list[tuple]:
    """(conference, talk, event, post, paper id) for each talk citation of a selected paper, in reading order."""
    q = (
        select(Conference, Talk, Event, Post, Citation.paper_id)
        .join(Talk, Talk.id == Citation.talk_id)
        .join(Post, Post.id == Talk.post_id)
        .join(Conference, Conference.id == Post.conference_id, isouter=True)
        .join(Event, Event.id == Talk.event_id, isouter=True)
    )
    if selection.talk_id is not None:
        q = q.where(Talk.id == selection.talk_id)
    if selection.conference is not None:
        q = q.where(Post.conference_id.in_([c.id for c in find_conferences(session, selection.conference)]))
    rows = []
    for part in chunks(sorted(ids)):
        rows += session.exec(q.where(Citation.paper_id.in_(part))).all()
    rows.sort(
        key=lambda r: (
            -(r[0].year or 0) if r[0] else 1,
            r[0].name.lower() if r[0] else "",
            r[3].path,
            r[1].position,
            r[1].id,
        )
    )
    return rows


def format_markdown(groups: list[tuple[str, list[tuple[str, list[PaperRecord]]]]], uncited: list[PaperRecord]) -> str:
    """Render ``[(conference heading, [(talk heading, papers)])]`` plus the uncited papers (pure)."""
    lines = ["# Reading list", ""]
    for conf, talks in groups:
        lines += [f"## {conf}", ""]
        for talk, papers in talks:
            lines += [f"### {talk}", ""] + [paper_line(p) for p in papers] + [""]
    if uncited:
        lines += ["## Not cited by a talk", ""] + [paper_line(p) for p in uncited] + [""]
    if not groups and not uncited:
        lines += ["No papers selected.", ""]
    return "\n".join(lines)


def export_markdown(session: Session, selection: Selection = Selection(), unicode: bool = True) -> str:
    """The reading list of the selected papers (Markdown is UTF-8; ``unicode`` is accepted for uniformity)."""
    records = {r.id: r for r in load_selection(session, selection)}
    rows = _talk_citations(session, set(records), selection)
    speakers = speakers_of(session, list({talk.id for _, talk, _, _, _ in rows}))
    groups: dict[str, dict[int, tuple[str, list[PaperRecord]]]] = defaultdict(dict)
    cited: set[int] = set()
    for conf, talk, event, _post, paper_id in rows:
        conf_head = escape_md(f"{conf.name} {conf.year or ''}".strip()) if conf else "Other posts"
        if conf and conf.location:
            conf_head += f" ({escape_md(conf.location)})"
        if talk.id not in groups[conf_head]:
            head = escape_md(talk.title or "Untitled talk")
            who = ", ".join(p.name for p in speakers.get(talk.id, []))
            if who:
                head += " — " + escape_md(who)
            if event:
                head += f" *({escape_md(event.name)})*"
            groups[conf_head][talk.id] = (head, [])
        papers = groups[conf_head][talk.id][1]
        if all(p.id != paper_id for p in papers):
            papers.append(records[paper_id])
        cited.add(paper_id)
    uncited = sorted(
        (r for r in records.values() if r.id not in cited), key=lambda r: (-(r.year or 0), (r.title or "").lower())
    )
    return format_markdown([(c, list(t.values())) for c, t in groups.items()], uncited)
