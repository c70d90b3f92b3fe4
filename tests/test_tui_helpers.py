"""Helpers for the TUI tests (no tests here): a database holding the sample post, visible text, cursor moves."""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console
from sqlmodel import select

SAMPLE = Path(__file__).resolve().parent / "fixtures" / "sample" / "iccv-2017-venice.md"


def sample_db(path: Path):
    """A database at ``path`` holding the imported sample post (tests/fixtures/sample)."""
    from kb.db import open_db
    from kb.importer import import_paths

    engine = open_db(path)
    summary = import_paths(engine, [SAMPLE])
    assert summary.count("new") == 1, summary.results
    return engine


def entity_id(engine, model, **where) -> int:
    from kb.db import session_scope

    with session_scope(engine) as s:
        query = select(model.id)
        for col, value in where.items():
            query = query.where(getattr(model, col) == value)
        return s.exec(query).one()


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text (the same render as a screenshot)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        record=True,
        color_system="truecolor",
        legacy_windows=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[("space" if c == " " else c) for c in text])
    await settle(pilot)


async def cursor_to(pilot, text: str, most: int = 60) -> None:
    """Press ↓ on the focused page until the link under the cursor shows ``text``."""
    from kb.tui.docview import DocView

    view = pilot.app.screen.query_one(DocView)
    view.focus()
    await press(pilot, "home")
    for _ in range(most):
        block = view.blocks[view._targets[view.cursor]] if view._targets else None
        if block is not None and text in block.text.plain:
            return
        await press(pilot, "down")
    raise AssertionError(f"no link showing {text!r} on {pilot.app.screen}")


CVPR_UNSURE = ("Arash Vahdat@", "Karsten Kreis@", "Ruiqi Gao@")  # the heads of the CVPR tutorial's three parts


@contextmanager
def unsure_heads(words: tuple[str, ...] = CVPR_UNSURE, confidence: float = 0.32):
    """The talk labeller unsure (``confidence``) of the talk heads whose line holds one of ``words``, and
    sure (at least 0.9) of the others.

    Review tests state which talks are unsure instead of reading a trained model's margins, which move
    each time the labellers are retrained; everything else is the real extractor."""
    from kb.ingest.talks import assemble

    real = assemble.label_post

    def label_post(blocks, a):
        heads = real(blocks, a)
        for h in heads or ():
            u = a.units[h.unit]
            if any(w in blocks[u.block].text[u.start : u.end] for w in words):
                h.confidence = confidence
            else:
                h.confidence = max(h.confidence, 0.9)
        return heads

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(assemble, "label_post", label_post)
        yield
