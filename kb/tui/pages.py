"""Detail pages as blocks: pure functions from :mod:`kb.queries` dicts to :class:`Block` lists.

Every name becomes a block with a target, so it opens its own screen; every string from a
post goes through :func:`kb.tui.safe.clean` and into a ``Text`` (never markup).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from kb.tui.docview import Block
from kb.tui.safe import clean

LIST_TITLES = {
    "conferences": "Conferences",
    "talks": "Talks",
    "people": "People",
    "papers": "Papers",
    "links": "Links",
    "posts": "Posts",
}


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _t(value: Any, meta: Any = None) -> Text:
    text = Text(clean(value))
    if meta not in (None, ""):
        text.append("  " + clean(meta), style="meta")
    return text


def title(value: Any, meta: Any = None) -> list[Block]:
    blocks = [Block(Text(clean(value)), "title")]
    if meta:
        blocks.append(Block(Text(clean(meta)), "meta"))
    return blocks


def heading(value: str, count: int | None = None) -> list[Block]:
    return [Block(Text("")), Block(Text(value + (f" ({count})" if count is not None else "")), "heading")]


def link(ref: dict[str, Any] | None, meta: Any = None, indent: int = 2, label: str = "") -> list[Block]:
    if not ref:
        return []
    return [Block(_t(ref["name"] or "(no name)", meta), "link", (ref["kind"], ref["id"]), indent, label)]


def url(value: str | None, label: str = "", indent: int = 0, meta: Any = None) -> list[Block]:
    if not value:
        return []
    return [Block(_t(value, meta), "url", ("url", clean(value)), indent, label)]


def field(label: str, value: Any) -> list[Block]:
    if value in (None, ""):
        return []
    return [Block(Text(clean(value)), "text", None, 0, label)]


def para(value: str, role: str = "text", indent: int = 2) -> list[Block]:
    """Paragraphs of free text, one block per line so wrapping keeps the post's line breaks."""
    return [Block(Text(clean(line)), role, None, indent) for line in clean(value, newlines=True).split("\n")]


def section(name: str, rows: list[Any], render, empty: str | None = None) -> list[Block]:
    if not rows and empty is None:
        return []
    blocks = heading(name, len(rows))
    for row in rows:
        blocks += render(row)
    if not rows:
        blocks.append(Block(Text(empty), "hint", None, 2))
    return blocks


def home_page(data: dict[str, Any]) -> list[Block]:
    totals = data["totals"]
    blocks = title(
        "kb — conference notes",
        f"{totals['posts']} posts · {totals['conferences']} conferences · {totals['talks']} talks · "
        f"{totals['people']} people · {totals['papers']} papers",
    )
    if not totals["posts"]:
        return (
            blocks
            + heading("The knowledge base is empty")
            + para(
                "Import some conference-notes posts from a shell, then start kb again:\n\n"
                "    kb import imports/\n\n"
                "imports/ is any folder of Markdown posts (*.md) or BibTeX files (*.bib). "
                "kb import --help shows the options.",
                "text",
            )
            + heading("Keys")
            + para("? help · q quit", "hint")
        )
    counts = {
        "conferences": totals["conferences"],
        "talks": totals["talks"],
        "people": totals["people"],
        "papers": totals["papers"],
        "links": totals["links"],
        "posts": totals["posts"],
    }
    blocks += heading("Browse")
    for n, (kind, label) in enumerate(LIST_TITLES.items(), start=1):
        text = Text(f"{n}  ", style="meta") + Text(label) + Text(f"  {counts[kind]:,}", style="meta")
        blocks.append(Block(text, "link", ("list", kind), 2))
    waiting = data.get("to_review", 0)
    text = Text("   Review  ") + (
        Text(f"{plural(waiting, 'post')} wait{'s' if waiting == 1 else ''} for review", style="warn")
        if waiting
        else Text("every post is reviewed", style="meta")
    )
    blocks.append(Block(text, "link", ("review", None), 2))
    blocks += section(
        "Conferences",
        data["conferences"],
        lambda c: link(
            {"kind": "conference", "id": c["id"], "name": f"{c['name']} {c['year'] or ''}".strip()},
            f"{c['location'] + ' · ' if c['location'] else ''}{plural(c['events'], 'event')} · "
            f"{plural(c['talks'], 'talk')} · {plural(c['papers'], 'paper')}",
        ),
    )
    blocks += section(
        "Recent posts",
        data["posts"],
        lambda p: link({"kind": "post", "id": p["id"], "name": p["title"] or p["path"].rsplit("/", 1)[-1]}, p["date"]),
    )
    return blocks + heading("Keys") + para("/ search · ctrl+p jump to any name · 1–6 lists · ? help · t theme", "hint")


def talk_page(d: dict[str, Any]) -> list[Block]:
    blocks = title(d["title"], d["type"])
    blocks += link(d["event"], d["event"] and d["event"].get("type"), 0, "Event")
    blocks += link(d["conference"], None, 0, "Conference") + link(d["post"], None, 0, "Post")
    blocks += section("Speakers", d["speakers"], link, empty="no speaker named")
    blocks += section(
        "Links",
        d["links"],
        lambda link: url(
            link["url"],
            indent=2,
            meta=f"{link['type']} · {link['label']}" if link["label"] not in ("", link["type"]) else link["type"],
        ),
    )
    blocks += section(
        "Cited papers",
        d["cited"],
        lambda p: link(
            {**p, "name": f"{' '.join(p['markers'])} {p['name']}"},
            " · ".join(str(x) for x in (p["authors"], p["year"]) if x),
        ),
    )
    if d["summary"].strip():
        blocks += heading("Summary") + para(d["summary"])
    return blocks


def person_page(d: dict[str, Any]) -> list[Block]:
    blocks = title(d["name"], ("also written " + ", ".join(d["aliases"])) if d["aliases"] else None)
    for n, u in enumerate(d["urls"]):
        blocks += url(u, "Homepage" if n == 0 else "")
    blocks += section(
        "Talks given", d["talks"], lambda t: link(t, " · ".join(x for x in (t["event"], t["conference"]) if x))
    )
    blocks += section("Papers authored", d["papers"], lambda p: link(p, p["year"]))
    blocks += section("Co-speakers", d["co_speakers"], lambda p: link(p, plural(p["n"], "talk")))
    blocks += section("Co-authors", d["co_authors"], lambda p: link(p, plural(p["n"], "paper")))
    blocks += section("Posts", d["posts"], lambda p: link(p, p["role"]))
    blocks += section("Maybe the same person (m to merge)", d.get("maybe_same", []), lambda p: link(p, p["reason"]))
    return blocks


def paper_page(d: dict[str, Any]) -> list[Block]:
    blocks = title(d["title"], " · ".join(str(x) for x in (d["type"], d["year"]) if x))
    blocks += field("Venue", d["venue"]) + field("Year", d["year"]) + field("Publisher", d["publisher"])
    blocks += field("Volume", d["volume"]) + field("Pages", d["pages"])
    doi = f"https://doi.org/{d['doi']}" if d["doi"] else None
    arxiv = f"https://arxiv.org/abs/{d['arxiv_id']}" if d["arxiv_id"] else None
    blocks += url(doi, "DOI") + url(arxiv, "arXiv")
    blocks += url(d["url"] if d["url"] not in (doi, arxiv) else None, "URL") + field("Cite key", d["citekey"])
    authors = d["authors"]
    blocks += section("Authors", authors, link, empty="no authors known")
    if d["et_al"] and authors:
        blocks.append(Block(Text("et al."), "hint", None, 2))

    def cited(c: dict[str, Any]) -> list[Block]:
        if c["talk"]:
            return link(c["talk"], c["marker"]) + link(c["post"], None, 4, "") + para(c["context"], "meta", 4)
        return link(c["post"], c["marker"]) + para(c["context"], "meta", 4)

    if d.get("abstract"):
        blocks += heading(f"Abstract (from {clean(d['abstract']['source'])})") + para(d["abstract"]["value"])
    blocks += section("Cited by", d["cited_by"], cited, empty="no talk cites it")
    blocks += section("Co-cited with", d["co_cited"], lambda p: link(p, f"{p['n']}×"))
    blocks += section(
        "As written in posts", d["references"], lambda r: para(r["raw"], "meta") + link(r["post"], None, 4)
    )
    blocks += section(
        "Post and source disagree (a: take the source's · x: keep the post's)", d.get("conflicts", []), conflict
    )
    blocks += section("Where each field came from (kb enrich)", d.get("provenance", []), provenance)
    return blocks


def conflict(c: dict[str, Any]) -> list[Block]:
    """One disagreement, both sides (like JabRef's merge dialog); the cursor on it picks it for a / x."""
    head = Text(clean(c["field"]), style="bold")
    head.append(f"  {clean(c['source'])} · {clean(c['date'])}", style="meta")
    return [
        Block(head, "link", ("conflict", c["id"]), 2),
        Block(_t(c["post"]), "text", None, 4, "post"),
        Block(_t(c["value"]), "text", None, 4, clean(c["source"])),
    ]


def provenance(p: dict[str, Any]) -> list[Block]:
    label = f"{p['field']} ← {p['source']}"
    meta = " · ".join(x for x in (p["status"], p["date"]) if x)
    value = p["value"] if len(p["value"]) <= 120 else p["value"][:117] + "…"
    return [Block(_t(value, meta), "url", ("url", clean(p["url"])), 2, clean(label))]


def post_side(d: dict[str, Any]) -> list[Block]:
    blocks = title(d["title"], " · ".join(x for x in (d["date"], d["file"]) if x))
    blocks += link(d["conference"], None, 0, "Conference")
    blocks += section("Talks", d["talks"], lambda t: link(t, t["speakers"]))
    blocks += section("People", d["people"], lambda p: link(p, p["role"]))
    return blocks


def conference_page(d: dict[str, Any]) -> list[Block]:
    c = d["counts"]
    counts = f"{plural(c['events'], 'event')} · {plural(c['talks'], 'talk')} · {plural(c['papers'], 'paper')}"
    blocks = title(d["name"], " · ".join(x for x in (d["location"], counts) if x))
    blocks += url(d["url"], "Website")
    blocks += section("Events", d["events"], lambda e: link(e, e["type"]))
    blocks += section("Talks", d["talks"], lambda t: link(t, " · ".join(x for x in (t["speakers"], t["event"]) if x)))
    blocks += section("Posts", d["posts"], lambda p: link(p, p["date"]))
    return blocks


def event_page(d: dict[str, Any]) -> list[Block]:
    blocks = title(d["name"], d["type"]) + link(d["conference"], None, 0, "Conference") + url(d["url"], "Website")
    blocks += section("Talks", d["talks"], lambda t: link(t, t["speakers"]), empty="no talks recorded")
    blocks += section("Posts", d["posts"], link)
    return blocks
