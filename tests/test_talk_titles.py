"""A head that names only the kind of talk gives no title (kb/ingest/talks/titles.py)."""

import pytest

from kb.ingest.pipeline import extract
from kb.ingest.talks.titles import bare_kind_label, quoted_title, tidy_title, without_speaker


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("A. Keynote", "keynote"),
        ("Keynote", "keynote"),
        ("Opening Keynote 2", "keynote"),
        ("Invited Talk II", "invited"),
        ("3) Lightning talk", "talk"),
        ("Plenary:", "keynote"),
        ("Panel", "panel"),
        ("Day 1 Morning Keynote", "keynote"),
    ],
)
def test_bare_kind_labels(title, kind):
    assert bare_kind_label(title) == kind


@pytest.mark.parametrize(
    "title",
    [None, "", "Keynote on bee navigation", "Lunch", "Poster session", "The Future of Keynotes", "Workshop on Bees"],
)
def test_titles_that_are_more_than_a_label(title):
    assert bare_kind_label(title) is None


def test_quoted_title_opens_the_text():
    assert quoted_title('- "Our Applied AI Future"\n- wild story') == "Our Applied AI Future"
    assert quoted_title("“Can Models Forget?”") == "Can Models Forget?"
    assert quoted_title('- he said "no" twice') is None
    assert quoted_title("") is None


POST = """# ODSC West

## Day 1

**A. Keynote: Jeannette M Wing**

- monopsony: 1 buyer and multiple sellers

**B. Keynote: Ben Taylor**

- "Our Applied AI Future"
- started learning to code because people wanted to comment on his blog

**C. Scaling Graph Databases**

- Jane Roe, Example University
- graphs everywhere
"""


def test_a_kind_label_head_is_an_untitled_talk_or_takes_the_quoted_title():
    talks = extract(POST, source="odsc.md").talks
    got = [(t.title, t.speakers, t.kind) for t in talks]
    assert got[:2] == [(None, ["Jeannette M Wing"], "keynote"), ("Our Applied AI Future", ["Ben Taylor"], "keynote")]


@pytest.mark.parametrize(
    ("title", "speakers", "expected"),
    [
        (
            "Zach Holman: How Github Uses Github to Build Github",
            ["Zach Holman"],
            "How Github Uses Github to Build Github",
        ),
        ("Pywatch by Chris Heisel", ["Chris Heisel"], "Pywatch"),
        ("Ash Furrow - Discovering best practices in Swift", ["Ash Furrow"], "Discovering best practices in Swift"),
        ("Wh@t is th@t - Mark Dalrymple @borkware", ["Mark Dalrymple"], "Wh@t is th@t"),
        ("Dr. John Quackenbush (Harvard University)", ["John Quackenbush"], None),
        ("By Frad Feld, Foundry Group", ["Frad Feld"], None),
        ("Learning from Ada Lovelace", ["Ada Lovelace"], "Learning from Ada Lovelace"),
        ("Some Title", [], "Some Title"),
    ],
)
def test_a_title_loses_the_speakers_name_written_beside_it(title, speakers, expected):
    assert without_speaker(title, speakers) == expected


@pytest.mark.parametrize(
    ("title", "speakers", "expected"),
    [
        # labels before the title: kind and label words, numbers
        ("Workshop 2: GIL-free Python and the GPU", [], ("GIL-free Python and the GPU", [])),
        ("Hands-on - Slow (code) retreat", ["Ana Lopez"], ("Slow (code) retreat", ["Ana Lopez"])),
        (
            "Ending Keynote - Hedy: gradual programming",
            ["Felienne Hermans"],
            ("Hedy: gradual programming", ["Felienne Hermans"]),
        ),
        ("Tutorial three: Missing Values Imputation", [], ("Missing Values Imputation", [])),
        # a byline after the title names its speaker when none was read
        ("Cluemapper by Nate Aune", [], ("Cluemapper", ["Nate Aune"])),
        (
            "Getting Personal: Designing for People par Meagan Fisher",
            [],
            ("Getting Personal: Designing for People", ["Meagan Fisher"]),
        ),
        # a paper talk's author list after a full stop: its authors, not necessarily its speakers
        ("Joint Models for NLP. Yue Zhang", [], ("Joint Models for NLP", [])),
        ("Joint Models for NLP. Yue Zhang", ["Meishan Zhang"], ("Joint Models for NLP", ["Meishan Zhang"])),
        # a byline comes off a title whose speaker was read elsewhere too; words that are no name stay
        ("Pragmatic Kotlin on Android by Josh Skeen", ["Josh Skeen"], ("Pragmatic Kotlin on Android", ["Josh Skeen"])),
        ("Learning by Doing", [], ("Learning by Doing", [])),
        # link labels after it; a title that merely ends in such a word keeps it
        ("Data-Dependent Sample Complexities Slides Poster", [], ("Data-Dependent Sample Complexities", [])),
        ("Beyond Reduce - Video, Slides", [], ("Beyond Reduce", [])),
        # a session number or a track code after it
        ("Web Form Design, session 4", ["Luke Wroblewski"], ("Web Form Design", ["Luke Wroblewski"])),
        ("Kubestriker (DL1)", [], ("Kubestriker", [])),
        ("Session 2", [], ("Session 2", [])),
        ("Dreaming of an Ideal Software Player for Video", [], ("Dreaming of an Ideal Software Player for Video", [])),
        ("Predicting landslides", [], ("Predicting landslides", [])),
        # a label after it, a kind tag in brackets, the slot's time
        ("OMSCS Through the Years: Panel Discussion", [], ("OMSCS Through the Years", [])),
        ("Panel Discussion: Novel Genome Editing Techniques", [], ("Novel Genome Editing Techniques", [])),
        ("Testing times in Clojurescript [Lightning Talk]", [], ("Testing times in Clojurescript", [])),
        ("Cancelling Async Rust 2:35pm", [], ("Cancelling Async Rust", [])),
        ("Relative position (photo)", [], ("Relative position", [])),
        # a speaker's name before or after it, which the labellers read as part of it
        (
            "05 Janos Pasztor - 10 things to learn to become DevOps Jedi",
            [],
            ("10 things to learn to become DevOps Jedi", ["Janos Pasztor"]),
        ),
        ("Unpkg - Michael Jackson - Notes", [], ("Unpkg", ["Michael Jackson"])),
        ("Angular for Java Developers, Yakov Fain", [], ("Angular for Java Developers", ["Yakov Fain"])),
        ("Making the magic happen with wp-cli (ryan duff)", [], ("Making the magic happen with wp-cli", ["Ryan Duff"])),
        (
            "How to avoid mucking up yr dns (sal ferrarello / @salcode)",
            [],
            ("How to avoid mucking up yr dns", ["Sal Ferrarello"]),
        ),
        ("Goldilocks and the Three Code Reviews - @vaidehijoshi", [], ("Goldilocks and the Three Code Reviews", [])),
        ("Sean Parent's Better Code: Relationships", [], ("Better Code: Relationships", ["Sean Parent"])),
        ("Unpkg - Michael Jackson", ["Mike Jackson"], ("Unpkg", ["Mike Jackson"])),
        # speakers with their roles and companies after the title; a short byline; a note on language or level
        (
            "Rook Project Intro – Bassam Tabbara, Tony Allen & Jared Watts, Upbound (Any Skill Level)",
            [],
            ("Rook Project Intro", ["Bassam Tabbara", "Tony Allen", "Jared Watts"]),
        ),
        ("CSS Aspect Ratio - Anton Ball, Front End Developer, Doist", [], ("CSS Aspect Ratio", ["Anton Ball"])),
        ("Applied Detections Bypass by int0x80", [], ("Applied Detections Bypass", [])),
        ("Surlex by Cody", [], ("Surlex", [])),
        ("Security Nightmares 0x10 (German)", [], ("Security Nightmares 0x10", [])),
        ("Cats, Dogs, and Mice - A Tale, Retold", [], ("Cats, Dogs, and Mice - A Tale, Retold", [])),
        # titles that only look like it
        ("Python: the Documentary", [], ("Python: the Documentary", [])),
        ("Swift's Hidden Gems: Practical Techniques", [], ("Swift's Hidden Gems: Practical Techniques", [])),
        ("Awkward Packaging: building Scikit-HEP", [], ("Awkward Packaging: building Scikit-HEP", [])),
        ("Ruth's User Experience Nightmares", [], ("Ruth's User Experience Nightmares", [])),
        ("Andy Jassy's Keynote", [], ("Andy Jassy's Keynote", [])),
        ("An Interview with Valerie Aurora", [], ("An Interview with Valerie Aurora", [])),
        (
            "Smashing Meets Accessibility: Common Data Visualization Issues",
            [],
            ("Smashing Meets Accessibility: Common Data Visualization Issues", []),
        ),
        (None, [], (None, [])),
    ],
)
def test_a_title_loses_the_labels_and_names_a_head_wrote_around_it(title, speakers, expected):
    assert tidy_title(title, speakers) == expected


def test_a_title_cut_before_its_closing_parenthesis_keeps_it():
    from kb.ingest.talks.assemble import _closed

    text = "Deconstructing P vs NP (or why I hate sudoku) (Daniel Spiewak)"
    assert _closed(text, 0, text.index(")")) == "Deconstructing P vs NP (or why I hate sudoku)"
    assert _closed(text, 0, 22) == "Deconstructing P vs NP"
    assert _closed("Kubestriker (DL1 ", 0, 16) == "Kubestriker (DL1"  # nothing closes it: as cut


def test_a_speaker_the_name_check_drops_leaves_the_title_whole():
    from kb.ingest.pipeline import _title_or_speaker
    from kb.ingest.talks.hits import TalkHit

    hit = TalkHit(
        title="Honey Onions: Exposing Snooping Tor HSDir Relays", speakers=["Honey Onions"], block=0, offset=0
    )
    _title_or_speaker([hit])
    assert hit.title == "Honey Onions: Exposing Snooping Tor HSDir Relays"
