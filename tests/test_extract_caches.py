"""The caches and shared work that make extraction fast give what the uncached code gives: units cut once
for both labellers, sentences split once per block, per-word token features, per-line word flags of the
paper-mention features, per-section features, bucket()."""

from __future__ import annotations

from kb.ingest.markdown import walk
from kb.ingest.papers.candidates import candidates
from kb.ingest.papers.features import candidate_features, line_context, line_words
from kb.ingest.people import looks_like_person
from kb.ingest.rst import looks_like_rst
from kb.ingest.talks import units as units_module
from kb.ingest.talks.features import bucket, token_features, window_tokens
from kb.ingest.talks.hits import sentences
from kb.ingest.talks.units import units

POST = """# Notes from a workshop

## Keynote: Can Models Forget? (Jane Doe)

- **Fast Builds** by John Roe
- Reading: *Attention Is All You Need* (Vaswani et al., 2017)

## Reading list

1. "Deep Residual Learning" - Kaiming He
"""


def _fields(us):
    return [(u.block, u.start, u.end, u.text, u.kind, u.level, u.bold, u.lead_emph, u.n_links) for u in us]


def test_units_are_cut_once_per_post_and_handed_out_as_new_lists():
    blocks = walk(POST)
    first = units(blocks, {99})
    first.clear()  # a caller's list is its own
    again = units(blocks, {99})
    assert _fields(again) == _fields(units_module._units(blocks, {99}))
    assert [u.text for u in again][:2] == ["Notes from a workshop", "Keynote: Can Models Forget? (Jane Doe)"]
    assert units(blocks, {99})[0] is again[0]  # the same post and skip set: the same units, not cut again


def test_units_follow_the_skip_set_and_the_blocks_object():
    blocks = walk(POST)
    every = units(blocks)
    heading = next(u.block for u in every if u.text == "Reading list")
    without = units(blocks, {heading})
    assert "Reading list" not in [u.text for u in without]
    assert "Reading list" in [u.text for u in units(blocks)]
    other = walk(POST.replace("John Roe", "Ann Poe"))  # another post (a new blocks list): cut afresh
    assert "Fast Builds by Ann Poe" in [u.text for u in units(other)]
    assert all("Ann Poe" not in u.text for u in units(blocks))


def test_sentences_are_split_once_and_keep_abbreviations():
    text = "Dr. Smith opened. Then Jane Doe et al. showed results. Q&A followed."
    got = sentences(text)
    assert [text[a:b] for a, b in got] == [
        "Dr. Smith opened.",
        "Then Jane Doe et al. showed results.",
        "Q&A followed.",
    ]
    assert sentences(text) == got and isinstance(got, tuple)  # cached, immutable: no caller can change it
    assert sentences("") == ()


def test_looks_like_person_answers_the_same_when_asked_again():
    for _ in range(2):
        assert looks_like_person("Prof. Ying Nian Wu") is True
        assert looks_like_person("Neural Architectures") is False
        assert looks_like_person("Jane Doe") is True


def test_bucket_edges():
    assert [bucket(n) for n in (0, 1, 4, 5, 6, 40, 41)] == ["0", "1", "5", "5", "8", "40", "more"]
    assert [bucket(n, (0, 1, 2)) for n in (0, 2, 3)] == ["0", "2", "more"]
    assert bucket(4) == "5" and bucket(4, (0, 4)) == "4"  # the edges are part of what is cached


def test_token_features_of_a_word_do_not_depend_on_where_it_was_seen_first():
    blocks = walk("## Keynote: Scaling Laws (Jane Doe)\n\nJane talked about scaling.\n")
    us = units(blocks)
    feats = token_features(window_tokens(blocks, us, 0, len(us)), {})
    jane = [f for f in feats if f[0] == "w=jane"]
    assert len(jane) == 2
    head, body = jane
    assert head[:2] == ["w=jane", "line=0"] and body[:2] == ["w=jane", "line=1"]
    assert "shape=Xxx" in head and "given" in head and "given" in body  # per word: the same in both lines
    assert "suf=ane" in head and "suf=ane" in body
    assert "-1:w=(" in head and "-1:bol" in body  # per position: what the neighbours are


def test_paper_mention_features_of_one_line():
    blocks = walk(POST)
    u = next(u for u in units(blocks) if "Attention" in u.text)
    block = blocks[u.block]
    lw = line_words(block, u)
    shared = line_context(block, u, lw)
    by_text = {c.text: candidate_features(block, u, c, shared, lw) for c in candidates(block, u, u.block)}
    title = by_text["Attention Is All You Need"]
    assert "src=emph" in title and "byline_after" in title and "first=attention" in title
    for c in candidates(block, u, u.block):  # emphasis opened by a literal "*" or "_" in the text, as before
        opened = any(block.text.startswith(("*", "_"), s) for s, _ in block.emphasis if s == c.start)
        assert ("emph_start" in by_text[c.text]) == opened
    assert "ukind=item1" in shared and "line_year" in shared and "line_etal" in shared
    listed = next(u for u in units(blocks) if "Residual" in u.text)
    block = blocks[listed.block]
    section = line_context(block, listed, line_words(block, listed))
    assert "sec=reading" in section  # the section path's features, the same for each line under it


def test_rst_detection_tests_the_adornment_first():
    assert looks_like_rst("=====\nTalks\n=====\n\nSome text.\n")
    assert looks_like_rst("Intro\n\nTitle here\n~~~~~~~~~~\n\nBody.\n")
    assert not looks_like_rst("# Talks\n\nSome text.\n\nMore text.\n")
    assert not looks_like_rst("Talks\n=====\n\nSome text.\n")  # a Markdown setext heading
    assert not looks_like_rst("x\n~~~\n")  # one letter over a rule is not a section title


def test_token_starts_is_what_finditer_gives():
    from kb.ingest.talks.units import TOKEN, token_starts

    text = "  Jane  Doe's *Fast_Builds* (2019)—naïve co-op e.g. N.A.S.A. _x_ 3.14 »quoted« end.\n  next"
    for start, end in ((0, len(text)), (2, 40), (13, 27), (len(text) - 4, len(text)), (5, 5)):
        ms = list(TOKEN.finditer(text, start, end))
        assert token_starts(text, start, end) == ([m.group() for m in ms], [m.start() for m in ms])
    words, starts = token_starts(text, 0, len(text))
    assert words[:4] == ["Jane", "Doe's", "*", "Fast"] and starts[:4] == [2, 8, 14, 15]


class _Everything:
    def isdisjoint(self, other) -> bool:
        return False


def test_conference_mentions_skip_texts_without_a_known_name_or_alias(monkeypatch):
    from kb.ingest import conference

    texts = [
        "Notes from NeurIPS'19 and ICML 2020 (Long Beach)",
        "At the Web Conference 2019, then ACM MM 18 and usenix security",
        "the web  conference, thé Web Conference",
        "we met at nips, then at Nips 2017",
        "Quick builds with Bazel — Jane Doe",
        "Ｎeur IPS naïve café ſtuff KDD2019",
        "",
    ]
    got = [conference._mentions(t) for t in texts] + [conference._mentions(t, prose=False) for t in texts]
    monkeypatch.setattr(conference, "_SINGLE", _Everything())  # no texts passed over
    assert got == [conference._mentions(t) for t in texts] + [conference._mentions(t, prose=False) for t in texts]
    assert got[0] == [("NeurIPS", 2019, 11), ("ICML", 2020, 26)]
    assert [n for n, _, _ in got[1]] == ["WWW", "ACMMM"]  # lower-case words in prose are not the venue
    assert [n for n, _, _ in got[len(texts) + 1]] == ["WWW", "ACMMM", "USENIX"]
    assert got[2] == [] and got[len(texts) + 2] == []  # the alias is spelled with single spaces
    assert got[3] == [("NeurIPS", 2017, 24)]
    assert got[4] == [] and got[6] == []


def test_fix_mojibake_is_ftfy_fix_text_with_plain_ascii_lines_passed_over():
    from pathlib import Path

    import ftfy

    from kb.corpus import manifest, shared_dir
    from kb.ingest.text import _FTFY_CONFIG, fix_mojibake

    crafted = [
        "Montavon, Gr√©goire\nplain line\nTom &amp; Jerry\n",
        "<b>bold</b>\nTom &amp; Jerry\ncaf\u00e9\n",  # after a "<", entities stay as written
        "caf\u00e9 &eacute;\nA &lt; B\n",
        "windows\r\nline\x1b[1mbold\x1b[0m\nnul\x00x\x7f\x0c\n",
        "\uff26\uff55\uff4c\uff4c width \ufb01 ligature \u2028 sep\n",
        "",
        "no newline at the end \u201cquoted\u201d",
        "\n\n\n",
    ]
    texts = list(crafted)
    texts += [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parent.parent / "imports").glob("*.md"))]
    root = shared_dir()
    if root is not None:
        texts += [d.text() for d in manifest(root).values() if d.split in ("train", "dev")]
    assert any(not t.isascii() for t in texts)
    for t in texts:
        assert fix_mojibake(t) == ftfy.fix_text(t, _FTFY_CONFIG)
    assert fix_mojibake(crafted[0]).splitlines()[::2] == ["Montavon, Grégoire", "Tom & Jerry"]
    assert fix_mojibake(crafted[1]).splitlines()[1] == "Tom &amp; Jerry"


def test_line_neighbours_see_exactly_the_context_features_of_a_line():
    """unit_features builds each line's context list as it goes; it is the line's own features that start
    with one of _CONTEXT, in order, as each neighbour sees them ("-1:kl=item1")."""
    from kb.ingest.talks.features import _CONTEXT, unit_features

    text = POST + "\n### Keynote\n\nSpeaker: Jane Doe\n\n- Talk by Ann Poe\n- **References**\n\n## 10:30 Panel\n"
    us = units(walk(text))
    rows = unit_features(us, {(us[1].block, us[1].start): "heading"}, {})
    own = [row[: next(i for i, x in enumerate(row) if x.startswith("shape_spk="))] for row in rows]  # the line's own
    for k, row in enumerate(rows):
        for d in (-2, -1, 1, 2):
            sees = [x[len(f"{d}:") :] for x in row if x.startswith(f"{d}:")]
            if 0 <= k + d < len(rows):
                assert sees == [x for x in own[k + d] if x.startswith(_CONTEXT)]
            else:
                assert sees == ["edge"]
    assert any("-1:speaker_label" in row for row in rows) and any("1:hrank=1" in row for row in rows)


def test_token_rows_are_new_lists_with_line_edges_and_rule_labels():
    blocks = walk("## Keynote: Scaling Laws (Jane Doe)\n\nJane talked *about* scaling.\n")
    us = units(blocks)
    window = window_tokens(blocks, us, 0, len(us))
    doe = next(t for t in window[0][2] if t.text == "Doe")
    rows = token_features(window, {(us[0].block, doe.start): "SPEAKER"})
    again = token_features(window, {})
    first = rows[0]
    assert first[:3] == ["w=keynote", "line=0", "ukind=heading2"] and "-1:bol" in first and "-2:bol" in first
    doe_row = rows[[t.text for t in window[0][2]].index("Doe")]
    assert "rule=SPEAKER" in doe_row and "rule=O" in again[[t.text for t in window[0][2]].index("Doe")]
    assert "1:rule=SPEAKER" in rows[[t.text for t in window[0][2]].index("Jane")]  # the neighbour's view
    body = rows[len(window[0][2]) :]
    assert body[0][:2] == ["w=jane", "line=1"] and "-1:bol" in body[0]  # a new line: no neighbour across it
    assert "emph=True" in body[2] and "-1:emph=True" in body[3] and "1:eol" in body[-1] and "2:eol" in body[-2]
    rows[0].append("changed")
    assert "changed" not in token_features(window, {})[0]  # every call makes its own rows


def test_folded_patterns_answer_as_the_case_insensitive_pattern():
    import re

    from kb.ingest.events import NOT_ATTENDED
    from kb.ingest.prose import TALK_NOUN
    from kb.ingest.talks.features import DATE
    from kb.ingest.text import Folded

    texts = [
        "KEYNOTE by Jane",
        "Keynote: the Talk",
        "a presenTATION on Mon, Jan 5",
        "no nouns here at all",
        "10:30 AM Coffee",
        "10.30am",
        "Speakers: A, B",
        "SPEAKER - x",
        "Ｓpeaker: x",
        "talkſ",
        "\u212aeynote",
        "İnvited talk",
        "didn't attend",
        "I MISSED it",
        "wish I had gone",
        "",
        "2019 summit, Sunday",
    ]
    patterns = [TALK_NOUN, NOT_ATTENDED, DATE, re.compile(r"^\W*(?:speakers?|by)\s*[:\-]", re.I)]
    patterns += [re.compile(r"\x4beynote", re.I), re.compile(r"(?-i:talk)s", re.I), re.compile(r"[A-Z]ey", re.I)]
    patterns += [re.compile(r"ſ", re.I), re.compile(r"talk", re.I), re.compile(r"Talk")]
    for p in patterns:
        f = Folded(p)
        for t in texts:
            assert f.search(t) == bool(p.search(t)), (p.pattern, t)
            assert f.match(t) == bool(p.match(t)), (p.pattern, t)
    assert Folded(TALK_NOUN).twin is not None and Folded(DATE).twin is not None  # the fast path is taken
    assert Folded(NOT_ATTENDED).twin is not None  # its "wish i" (re.I) is written in lower case (speed9)
    wish = re.compile(r"\bwish I\b", re.I)
    assert (
        Folded(wish).search("I wish I had") and Folded(wish).search("WISH I HAD") and not Folded(wish).search("wishi")
    )
    unsafe = [wish] + patterns[4:8] + [patterns[-1]]  # "wish I", \x4b, (?-i:), [A-Z], "ſ", no re.I
    assert all(Folded(p).twin is None for p in unsafe)


def test_tokens_flag_emphasis_and_links_that_reach_into_the_line():
    from kb.ingest.talks.units import tokens

    blocks = walk("*Fast builds\nby* Jane [Doe\nand Roe](https://x.org) ![img](a.png) end\n")
    block = blocks[0]
    us = [u for u in units(blocks) if u.block == 0]
    got = [[(t.text, t.emph, t.link) for t in tokens(block, u.start, u.end)] for u in us]
    assert got[1] == [("by", True, False), ("Jane", False, False), ("Doe", False, True)]  # emphasis from above
    assert got[2] == [("and", False, True), ("Roe", False, True), ("img", False, False), ("end", False, False)]
    assert all(t.end == t.start + len(t.text) and block.text[t.start : t.end] == t.text for t in tokens(block, 0, 40))


def test_candidate_separators_are_the_plain_alternation_with_a_first_character_test():
    import re

    from kb.ingest.papers.candidates import _SEP

    assert _SEP.pattern.startswith("(?=[\\s(\\[)\\]:,;.])(?:") and _SEP.pattern.endswith(")")
    plain = re.compile(_SEP.pattern[len("(?=[\\s(\\[)\\]:,;.])(?:") : -1])
    lines = [
        'Book: "xUnit Test Patterns" by Gerard Meszaros (2007)',
        "Title — Jane Doe; Ann Roe, MIT [slides] (video)",
        "A.B. Smith et al. Deep nets. Nature -- 2019 --> next",
        "x:y, no:space,here;there.and.then End.  Two  spaces - dash\u00a0—\u00a0nbsp",
        "",
        "plain words only",
    ]
    for text in lines:
        for start, end in ((0, len(text)), (3, max(3, len(text) - 4))):
            assert [m.span() for m in _SEP.finditer(text, start, end)] == [
                m.span() for m in plain.finditer(text, start, end)
            ]
    assert [m.group() for m in _SEP.finditer(lines[1])][:2] == [" — ", "; "]


def test_lines_of_ascii_and_curly_quotes_and_dashes_need_no_ftfy():
    """fix_mojibake passes over lines of ASCII, curly quotes, dashes and ellipses: in every encoding ftfy reads
    mojibake as, these characters are all UTF-8 continuation bytes or (MacRoman) all lead bytes, so no run of
    them decodes as UTF-8; and ftfy indeed leaves such lines as they are."""
    import random

    import ftfy
    import ftfy.bad_codecs  # noqa: F401  (registers the sloppy code pages)
    from ftfy.chardata import CHARMAP_ENCODINGS

    from kb.ingest.text import _FTFY_CONFIG, _PLAIN_TYPOGRAPHY, fix_mojibake

    typography = "‘’“”–—…"
    for encoding in CHARMAP_ENCODINGS:
        kinds = set()
        for ch in typography:
            try:
                byte = ch.encode(encoding)[0]
            except UnicodeEncodeError:
                continue
            kinds.add("lead" if 0xC2 <= byte <= 0xF4 else "continuation" if 0x80 <= byte <= 0xBF else "other")
        assert kinds <= {"lead"} or kinds <= {"continuation"}, (encoding, kinds)
    rng = random.Random(7)
    pool = typography + "abcXYZ 019.,;:'\"-()?!"
    for _ in range(3000):
        line = "".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) + "\n"
        assert _PLAIN_TYPOGRAPHY(line)
        assert fix_mojibake(line) == ftfy.fix_text(line, _FTFY_CONFIG) == line
    assert not _PLAIN_TYPOGRAPHY("Montavon, Gr√©goire\n") and not _PLAIN_TYPOGRAPHY("It’s “£5”\n")
