"""Talks a post tells only by who gave them (kb/ingest/talks/presenters.py), as a stage: blocks, the people
and talks read so far → the untitled talks of the people named as presenting; and a talk that names neither
title nor speaker, which goes (kb.ingest.pipeline._drop_empty_talks)."""

from kb.ingest.pipeline import prepare
from kb.ingest.records import Extraction, Person, Talk
from kb.ingest.talks.presenters import CONFIDENCE, presenter_talks

TEXT = """Kirill Müller shared progress on an R Foundation project to improve profiling. I missed Scott Chacon's
talk on hg-git, sadly. Later a session from Jesse Yates of Tesla described the edge cases of their platform.

Then Ana Lopez shared *Slow Code Retreats* with a full room, and Joe Cheng showed how to scale Shiny apps.

> Grace Hopper gave a talk on nanoseconds.
"""


def _run():
    p = prepare(TEXT, "notes.md")
    names = ["Kirill Müller", "Scott Chacon", "Jesse Yates", "Ana Lopez", "Joe Cheng", "Grace Hopper"]
    x = Extraction(source="notes.md")
    x.people = [Person(name=n, role="speaker" if n == "Joe Cheng" else "mentioned") for n in names]
    x.talks = [Talk(title="Shiny in production", speakers=["Joe Cheng"])]
    found = presenter_talks(x, p.blocks, p.ref_blocks)
    return x, [(t.title, t.speakers, t.kind, t.confidence) for t in found]


def test_people_named_as_presenting_gave_untitled_talks_flagged_for_review():
    x, talks = _run()
    assert talks[:2] == [(None, ["Kirill Müller"], "talk", CONFIDENCE), (None, ["Jesse Yates"], "talk", CONFIDENCE)]
    assert {p.name: p.role for p in x.people}["Kirill Müller"] == "speaker"
    assert [p.message for p in x.problems][:1] == [
        f"low confidence ({CONFIDENCE:.2f}) that a talk starts here: Kirill Müller"
    ]


def test_the_title_the_sentence_emphasises_is_the_talks():
    _, talks = _run()
    assert talks[2:] == [("Slow Code Retreats", ["Ana Lopez"], "talk", CONFIDENCE)]


def test_a_talk_missed_a_speaker_already_read_and_a_quotation_make_no_talk():
    x, talks = _run()
    assert len(talks) == 3  # not Scott Chacon (missed), Joe Cheng (speaks already), Grace Hopper (a blockquote)
    roles = {p.name: p.role for p in x.people}
    assert roles["Scott Chacon"] == roles["Grace Hopper"] == "mentioned"


def test_a_title_named_before_by_or_after_a_possessive_is_the_talks():
    text = (
        "The last talk was **Computer Vision Using Go and OpenCV 3** by Ron Evans, a treat.\n\n"
        "- Radomir Dopieralski's [Making robots walk with Python](https://example.org/talks/robots) was fun.\n"
        "- Yan Li of Example Corp gave a tour of the new scheduler.\n"
    )
    p = prepare(text, "notes.md")
    x = Extraction(source="notes.md")
    x.people = [Person(name=n) for n in ("Ron Evans", "Radomir Dopieralski", "Yan Li")]
    got = [(t.title, t.speakers) for t in presenter_talks(x, p.blocks, p.ref_blocks)]
    assert got == [
        ("Computer Vision Using Go and OpenCV 3", ["Ron Evans"]),
        ("Making robots walk with Python", ["Radomir Dopieralski"]),
        (None, ["Yan Li"]),
    ]


def test_a_talk_with_neither_title_nor_speaker_goes_and_its_cites_are_the_posts():
    from kb.ingest.pipeline import _drop_empty_talks
    from kb.ingest.records import Citation

    x = Extraction(source="notes.md")
    x.talks = [Talk(title="A"), Talk(title=None, speakers=[]), Talk(title=None, speakers=["Ana Lopez"])]
    x.citations = [Citation(marker=f"[{k}]", paper_key=f"[{k}]", talk=k) for k in range(3)] + [
        Citation(marker="[9]", paper_key="[9]", talk=None)
    ]
    regions = _drop_empty_talks(x, [((0, 0), 0), ((1, 0), 1), ((2, 0), 2)])
    assert [(t.title, t.speakers) for t in x.talks] == [("A", []), (None, ["Ana Lopez"])]
    assert [c.talk for c in x.citations] == [0, None, 1, None]
    assert regions == [((0, 0), 0), ((1, 0), None), ((2, 0), 1)]
