"""Names on the lines under a paper's title are its authors, not people the post mentions
(kb/ingest/mentions.py)."""

from kb.ingest.pipeline import extract

BYLINES = """# NeurIPS 2019, Thursday

## Papers I liked

[Better Transfer Learning with Inferred Successor Maps](https://arxiv.org/abs/1906.07663)\\
Tamas Madarasz (University of Oxford)\\
Tim Behrens (University of Oxford)

Nice results on grid cells.

- [Unsupervised Part-Of-Speech Tagging with Anchor Hidden Markov Models](https://arxiv.org/abs/1234.56789) (TACL)
    * Karl Stratos, Michael Collins and Daniel Hsu

I had coffee with Jane Goodall after the session, and Tim Behrens joined us.
"""


def test_a_papers_byline_names_authors_not_people():
    x = extract(BYLINES, source="bylines.md")
    titles = [p.title for p in x.papers]
    assert "Better Transfer Learning with Inferred Successor Maps" in titles
    # the byline's names are paper authors (or the speaker of a talk kb reads there), not mentions;
    # a name the prose mentions again stays a person
    mentioned = sorted(p.name for p in x.people if p.role == "mentioned")
    assert mentioned == ["Jane Goodall", "Tim Behrens"]
    speakers = {s for t in x.talks for s in t.speakers}
    assert {p.name for p in x.people} - set(mentioned) == speakers
