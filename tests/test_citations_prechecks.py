"""find_cites skips the forms a text cannot hold (no "[", no "(", no year: issue 16, ``speed9``). A text with
"( [" added at its end is searched for every form and cites nothing more: its cites are the text's own."""

from __future__ import annotations

from pathlib import Path

from kb.ingest.citations import find_cites
from kb.ingest.markdown import walk

REPO = Path(__file__).resolve().parent.parent

SAMPLES = [
    "as in [2-4] and [7], see [^2] and [He2016; Doe19]",
    "(Devlin et al., 2019; Vaswani et al., 2017) and Devlin et al. (2019)",
    "see Yu et al. 2017, Ganin et al. JMLR (2016), Sanderson and Guenter, 2006",
    "Mikolov, Yih and Zweig, NAACL 2013 — no brackets at all",
    "plain prose without any cite",
    "Vancouver style (1, 2) and (3-5)",
    "[8]–[10] and [@doe2019; @roe2020, p. 3]",
    "a year alone 2019 and 1850",
    "",
]


def _cites(text: str, **kw) -> list[tuple]:
    return [tuple(vars(c).values()) for c in find_cites(text, **kw)]


def _texts() -> list[str]:
    out = list(SAMPLES)
    for path in sorted((REPO / "imports").glob("*.md")) + sorted((REPO / "tests" / "fixtures").rglob("*.md"))[:80]:
        out += [b.text for b in walk(path.read_text(encoding="utf-8"))]
    return out


def test_prechecks_skip_nothing_that_cites():
    texts = _texts()
    assert len(texts) > 500
    found = 0
    for text in texts:
        for paren_numbers in (False, True):
            want = _cites(text + "\n( [", paren_numbers=paren_numbers)
            assert _cites(text, paren_numbers=paren_numbers) == want, text
            found += bool(want)
    assert found > 50
