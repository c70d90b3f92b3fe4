"""Talks a post names by a link to their page on the conference's site (kb/ingest/talks/pagelinks.py), as a
stage: blocks and the talks read so far → the talks only such a link names."""

from kb.ingest.pipeline import prepare
from kb.ingest.records import Extraction, Person, Talk
from kb.ingest.talks.pagelinks import linked_talks
from kb.ingest.talks.presenters import CONFIDENCE

TEXT = """Some of what I saw at FOSDEM:

- [You too could've made curl](https://fosdem.org/2024/schedule/event/fosdem-2024-1931-you-too-could-ve-made-curl/), great fun
- [Miriam Forner: Why communication is the best skill](https://ep2024.europython.eu/session/why-communication-is-the-best-skill)
- the [Railways and Open Transport](https://fosdem.org/2024/schedule/track/railways-and-open-transport/) track
- [Dima Kunin](http://it.droidcon.com/2016/speakers/dima-kunin/) was there too
- [So you think you know Git](https://fosdem.org/2024/schedule/event/fosdem-2024-3611-so-you-think-you-know-git/)
- [the slides](https://fosdem.org/2024/schedule/event/fosdem-2024-3611-so-you-think-you-know-git/slides.pdf)
"""


def test_a_link_to_a_talks_page_names_a_talk_the_post_did_not_have():
    p = prepare(TEXT, "fosdem.md")
    x = Extraction(source="fosdem.md")
    x.talks = [Talk(title="So You Think You Know Git", speakers=["Scott Chacon"])]  # read already
    x.people = [Person(name="Scott Chacon", role="speaker")]
    got = [(t.title, t.speakers, t.confidence) for t in linked_talks(x, p.blocks, p.ref_blocks)]
    assert got == [
        ("You too could've made curl", [], CONFIDENCE),
        ("Why communication is the best skill", ["Miriam Forner"], CONFIDENCE),
    ]  # not the track's page, the speaker's page, the talk read already nor its slides
    assert {q.name: q.role for q in x.people}["Miriam Forner"] == "speaker"
