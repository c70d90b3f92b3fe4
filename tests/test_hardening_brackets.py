"""Issue 19, item 2 leftover: runs of brackets markdown-it cannot make links of.

``'[(' * 60000`` took ~5 s and 128,000 ``![`` about a minute inside markdown-it: its link-label scan starts
again from every ``[``. kb.ingest.markdown.defuse_brackets hands such brackets to markdown-it as a plain
stand-in (restored afterwards), so the work is counted here, not timed: the link parser is never entered
from them, the text read is unchanged, and normal posts are not touched at all.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kb.ingest import markdown
from kb.ingest.markdown import defuse_brackets, walk
from tests.conftest import IMPORTS, REPO


def _label_scans(text: str) -> int:
    """How many times markdown-it's link-label scan runs while kb walks ``text``."""
    calls = 0

    def profile(frame, event, _arg):
        nonlocal calls
        if event == "call" and frame.f_code.co_name == "parseLinkLabel":
            calls += 1

    sys.setprofile(profile)
    try:
        walk(text)
    finally:
        sys.setprofile(None)
    return calls


RUNS = {
    "open-paren": "[(" * 2_000,
    "image": "![" * 2_000,
    "footnote": "[^" * 2_000,
    "nested": "[" * 2_000 + "]" * 2_000,
    "short paragraphs": ("[" * 63 + "\n\n") * 40,
    "in words": "word [ word " * 2_000,
}


@pytest.mark.parametrize("text", RUNS.values(), ids=RUNS.keys())
def test_hopeless_brackets_never_reach_the_link_parser(text, monkeypatch):
    assert _label_scans(text) < 100
    monkeypatch.setattr(markdown, "MAX_BARE_BRACKETS", 10**9)  # without the bound: one scan per bracket, or more
    assert _label_scans(text) > 1_000


LONG = {
    "open-paren": "[(" * 60_000,
    "image": "![" * 30_000,
    "nested": "[" * 30_000 + "]" * 30_000,
    "in words": "[a [b " * 10_000 + "end",
}


@pytest.mark.parametrize("text", LONG.values(), ids=LONG.keys())
def test_the_text_read_is_unchanged(text):
    blocks = walk(text)
    assert "".join(b.text for b in blocks) == text
    assert not any(markdown.BRACKET_STANDIN in b.text for b in blocks)


def test_links_around_a_bracket_run_are_still_links():
    post = (
        "# Notes\n\n" + "x [ " * 400 + "\n\nA talk by [Andrea Vedaldi](https://www.robots.ox.ac.uk/~vedaldi/)"
        " on [slides](https://x.org/s.pdf) [1].\n\n```python\nxs = [" + "[" * 300 + "\n```\n"
    )
    assert defuse_brackets(post) != post  # the bound is on …
    blocks = walk(post)
    links = [(s.label, s.href) for b in blocks for s in b.links]
    assert links == [("Andrea Vedaldi", "https://www.robots.ox.ac.uk/~vedaldi/"), ("slides", "https://x.org/s.pdf")]
    code = [b for b in blocks if b.kind == "code"]
    assert code and code[0].text == "xs = [" + "[" * 300 + "\n"  # fenced code is never touched


def test_normal_posts_are_left_exactly_as_they_are():
    for path in sorted(IMPORTS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        assert defuse_brackets(text) is text, path.name
    many_links = "See [a](https://a.org), [b][1] and [c]. " * 300  # 900 brackets, every one closed
    assert defuse_brackets(many_links) is many_links


def test_a_quarter_megabyte_of_image_openers_imports_well_within_the_budget(tmp_path):
    """Before: ~60 s here, past the 20 s per-post budget (the post failed). A blow-up would hit the timeout."""
    post = tmp_path / "brackets.md"
    post.write_text("![" * 128_000 + "\n", encoding="utf-8")
    env = os.environ | {"PYTHONPATH": str(REPO)}
    env.pop("KB_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "kb", "--db", str(tmp_path / "kb.sqlite"), "import", str(post)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 new"), done.stdout
