"""Pages → HTML with Jinja2 (autoescape on for every template), and the post body as escaped Markdown."""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlmodel import Session

from kb.site.links import external_url, safe_url
from kb.site.pages import Page, Scope, iter_pages
from kb.site.searchindex import SearchIndex
from kb.site.writer import SiteWriter

_ABSOLUTE = re.compile(r"https?://", re.IGNORECASE)


def post_html(body: str) -> Markup:
    """A post's Markdown as HTML: raw HTML escaped, images off (no request at view time), and only absolute
    http(s) link targets (``javascript:`` stays text; the blog's own relative links would lead nowhere here)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    md.disable("image")
    md.validateLink = _post_link
    md.core.ruler.push("kb_unlink", _unlink)  # an empty target ([x]()) skips validateLink
    return Markup(md.render(body or ""))


def _post_link(url: str) -> bool:
    return safe_url(url) is not None and bool(_ABSOLUTE.match(url))


def _unlink(state) -> None:
    """Links whose target is not an absolute http(s) URL become their plain text."""
    for block in state.tokens:
        closing = False
        for tok in block.children or ():
            if tok.type == "link_open" and not _post_link(tok.attrGet("href") or ""):
                tok.type, tok.tag, tok.nesting, tok.attrs, closing = "text", "", 0, {}, True
            elif tok.type == "link_close" and closing:
                tok.type, tok.tag, tok.nesting, closing = "text", "", 0, False


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("kb.site", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["external_url"] = external_url
    return env


class Renderer:
    def __init__(self, scope: Scope, picture=None):
        self.scope = scope
        self.picture = picture
        self.env = environment()

    def _href(self, root: str):
        def href(kind: str, id_: int | None) -> str | None:
            target = self.scope.href(kind, id_)
            return root + target if target else None

        return href

    def render(self, template: str, root: str, **data: Any) -> str:
        return self.env.get_template(template).render(root=root, href=self._href(root), scope=self.scope, **data)

    def render_all(self, session: Session, writer: SiteWriter) -> None:
        index = SearchIndex()
        conferences = []
        for page in iter_pages(session, self.scope):
            writer.write(page.path, self.page_html(session, page))
            if page.doc is not None:
                index.add(page.doc)
            if page.kind == "conference":
                conferences.append(page.data)
        conferences.sort(key=lambda c: (c["name"].rsplit(" ", 1)[-1], c["name"]), reverse=True)
        writer.write("index.html", self.render("index.html", "", conferences=conferences, subset=self.scope.conference))
        writer.write("search.html", self.render("search.html", ""))
        writer.write_pieces("search-index.js", index.script_pieces())

    def page_html(self, session: Session, page: Page) -> str:
        extra: dict[str, Any] = {}
        if page.kind == "post":
            extra["body_html"] = post_html(page.data["body"])
        if self.picture is not None and page.kind in ("conference", "person", "paper"):
            svg = self.picture(session, page.kind, page.id, self._href("../"))
            extra["picture"] = Markup(svg) if svg else None
        else:
            extra["picture"] = None
        return self.render(f"{page.kind}.html", "../", d=page.data, **extra)
