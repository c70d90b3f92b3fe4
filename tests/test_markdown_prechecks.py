"""The walk looks for forgotten link targets ("[Jane Doe]") only in a text with a "[", and for bare URLs only
in one with "://" or "www." (issue 16, ``speed10``): what each pattern needs, in the letters it needs them
(both are case-sensitive). Checked on every text of the samples and the fixtures, and on hand-made ones."""

from __future__ import annotations

import re
from pathlib import Path

from kb.ingest import markdown
from kb.ingest.markdown import walk

REPO = Path(__file__).resolve().parent.parent


def test_the_prechecks_pass_over_only_texts_the_patterns_cannot_match():
    assert not markdown._BRACKETED.flags & re.IGNORECASE and not markdown._BARE_URL.flags & re.IGNORECASE
    texts = ["see [Jane Doe] and https://x.org/a", "HTTPS://X.ORG WWW.X.ORG", "www.example.org/p", "[[x]]", "plain"]
    for path in sorted((REPO / "imports").glob("*.md")) + sorted((REPO / "tests" / "fixtures").rglob("*.md")):
        texts += [block.text for block in walk(path.read_text(encoding="utf-8"))]
    assert len(texts) > 1000
    found = 0
    for text in texts:
        if "[" not in text:
            assert not markdown._BRACKETED.search(text)
        if "://" not in text and "www." not in text:
            assert not markdown._BARE_URL.search(text)
        found += len(markdown._bracketed_names(text, 1, [])) + len(markdown._bare_urls(text, 1, []))
    assert found > 20
    assert [s.label for s in markdown._bracketed_names(texts[0], 1, [])] == ["Jane Doe"]
    assert [s.href for s in markdown._bare_urls(texts[0], 1, [])] == ["https://x.org/a"]
    assert markdown._bare_urls(texts[2], 1, [])[0].href == "www.example.org/p"
