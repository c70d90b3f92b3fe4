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


def _author_list_case(head: str, kind: str = "oral") -> tuple:
    """One talk whose head line is ``head`` and whose speakers are every name the line lists."""
    from kb.ingest.pipeline import _author_lists, prepare
    from kb.ingest.records import Extraction, Talk
    from kb.ingest.talks.hits import TalkHit

    blocks = prepare(f"# Notes\n\n{head}\n\nThey showed a lot.\n").blocks
    i = next(k for k, b in enumerate(blocks) if b.kind == "heading" and b.text.startswith("Parsing"))
    names = ["Maria Lopez", "Daniel Chen", "Sarah Miller", "Thomas Weber", "Laura Ortiz"]
    names = [n for n in names if n in head]
    hit = TalkHit(title="Parsing with Neural Stacks", speakers=list(names), block=i)
    x = Extraction(source="p.md")
    x.talks = [Talk(title=hit.title, speakers=list(names), kind=kind)]
    named: dict = {}
    _author_lists(x, [hit], blocks, named)
    return x.talks[0].speakers, hit.speakers, [blocks[i].text[a:b] for a, b in named.get(i, [])]


def test_a_paper_talks_author_list_is_not_its_speakers():
    # three names and a link to the paper on the head line: the paper's authors, not who presented
    head = (
        "## Parsing with Neural Stacks. Maria Lopez, Daniel Chen and Sarah Miller "
        "[Paper](https://arxiv.org/abs/1809.02836)"
    )
    talk, hit, skipped = _author_list_case(head)
    assert talk == [] and hit == []
    assert skipped == ["Parsing with Neural Stacks. Maria Lopez, Daniel Chen and Sarah Miller Paper"]  # a byline now
    # five names are an author list with or without the link
    head = "## Parsing with Neural Stacks. Maria Lopez, Daniel Chen, Sarah Miller, Thomas Weber and Laura Ortiz"
    assert _author_list_case(head)[0] == []


def test_co_presenters_and_panels_keep_their_speakers():
    three = "## Parsing with Neural Stacks. Maria Lopez, Daniel Chen and Sarah Miller"
    assert _author_list_case(three)[0] == ["Maria Lopez", "Daniel Chen", "Sarah Miller"]
    five = "## Parsing with Neural Stacks: Maria Lopez, Daniel Chen, Sarah Miller, Thomas Weber, Laura Ortiz"
    assert len(_author_list_case(five, kind="panel")[0]) == 5
