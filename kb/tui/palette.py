"""Command palette (ctrl+p): jump to any person, talk, paper, conference, event or post by name."""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from kb.tui.lazy import queries, session_scope
from kb.tui.messages import Open
from kb.tui.pages import LIST_TITLES
from kb.tui.safe import clean

KIND_LABELS = {
    "person": "person",
    "talk": "talk",
    "paper": "paper",
    "conference": "conference",
    "event": "event",
    "post": "post",
}


ONE = {
    "conferences": "conference",
    "talks": "talk",
    "people": "person",
    "papers": "paper",
    "links": "link",
    "posts": "post",
}  # "people"[:-1] is not a word


class EntityProvider(Provider):
    """Names from the knowledge base, matched as you type."""

    def _find(self, text: str) -> list[queries.SearchHit]:
        with session_scope(self.app.engine) as s:
            return queries.find_by_name(s, text, limit=15)

    async def search(self, query: str) -> Hits:
        if len(query.strip()) < 2:
            return
        matcher = self.matcher(query)
        for hit in await asyncio.to_thread(self._find, query):
            title = clean(hit.title) or "(untitled)"
            score = matcher.match(title) or 0.05  # every word matched somewhere, if not in order
            yield Hit(
                score,
                matcher.highlight(title),
                partial(self.app.post_message, Open(hit.kind, hit.id)),
                text=title,
                help=KIND_LABELS.get(hit.kind, hit.kind),
            )


class BrowseProvider(Provider):
    """The lists and the home page, so the palette also works as a menu."""

    def _commands(self) -> list[tuple[str, Open, str]]:
        items = [
            ("Home", Open("home"), "conferences, counts and recent posts"),
            ("Review the next post", Open("review"), "the unreviewed post with the most unsure talks"),
        ]
        items += [
            (f"Browse {label.lower()}", Open("list", kind), f"the list of every {ONE[kind]}")
            for kind, label in LIST_TITLES.items()
        ]
        return items

    async def discover(self) -> Hits:
        for name, message, help_text in self._commands():
            yield DiscoveryHit(name, partial(self.app.post_message, message), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, message, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self.app.post_message, message), help=help_text)
