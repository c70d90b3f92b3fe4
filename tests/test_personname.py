"""The learned person-name check (kb.ingest.personname) behind looks_like_person's rules, and its training data."""

from __future__ import annotations

import pytest

from kb.ingest import personname
from kb.ingest.people import looks_like_person, not_a_name
from training.train_names import examples, train


@pytest.fixture
def fresh_caches():
    yield
    personname.MODEL = personname.Path(personname.__file__).parent / "data" / "personname.crfsuite"


@pytest.mark.parametrize("phrase", ["Django Admin Cookbook", "Color Contrast Checker Tools", "Key Takeaways"])
def test_phrases_the_rules_took_for_names_are_not(phrase, fresh_caches):
    assert looks_like_person(phrase) and not_a_name(phrase)


@pytest.mark.parametrize(
    "name", ["Jane Doe", "Andrea Vedaldi", "Walter White", "Will Smith", "Bo Li", "Prof. Ying Nian Wu", "Xinlei CHEN"]
)
def test_names_stay_names(name, fresh_caches):
    assert looks_like_person(name) and not not_a_name(name)


def test_without_the_model_the_rules_alone_decide(tmp_path, fresh_caches):
    assert not_a_name("Django Admin Cookbook")
    personname.MODEL = tmp_path / "none.crfsuite"
    assert looks_like_person("Django Admin Cookbook") and not not_a_name("Django Admin Cookbook")  # rules alone
    assert not personname.vetoed(["Django", "Admin", "Cookbook"])


GOLD = {
    "people": [{"name": "Jane Doe", "spelled_in_post": "Dr. Jane Doe"}, {"name": "Solo"}],
    "talks": [
        {"title": "Scaling Django Admin Cookbook Recipes", "speakers": ["John Roe"]},
        {"title": "Talk on Graph Rewriting", "title_inferred": True, "speakers": []},
    ],
    "papers": [{"title": "Attention Is All", "authors": [{"given": "Ashish", "family": "Vaswani"}, {"family": "X"}]}],
    "events": [{"name": "Grand Ballroom Workshop"}],
}


def test_training_examples_are_the_annotated_names_against_capitalised_title_phrases():
    exs = dict(examples([GOLD]))
    names = sorted(p for p, label in exs.items() if label == "P")
    assert names == ["Ashish Vaswani", "Jane Doe", "John Roe"]  # honorific off, one-word names and lone families out
    others = {p for p, label in exs.items() if label == "N"}
    assert "Graph Rewriting" not in others  # an inferred title is the annotator's words, not the post's
    assert others and all(looks_like_person(p) for p in others)  # only phrases the rules take for names
    assert others <= {
        " ".join(w[k:j])
        for t in ("Scaling Django Admin Cookbook Recipes", "Grand Ballroom Workshop")
        for w in [t.split()]
        for k in range(len(w))
        for j in range(k + 2, len(w) + 1)
    }
    assert examples([GOLD]) == sorted(exs.items())  # deterministic order


def test_training_is_reproducible(tmp_path):
    a, b = tmp_path / "a.crfsuite", tmp_path / "b.crfsuite"
    assert train([GOLD], a) == train([GOLD], b) > 3
    assert a.read_bytes() == b.read_bytes()


def test_a_person_only_mentioned_needs_a_likelier_name_than_a_speaker(monkeypatch):
    from kb.ingest.pipeline import _drop_non_names
    from kb.ingest.records import Extraction, Person, Talk

    assert personname.THRESHOLD < 0.3 < personname.MENTIONED
    assert personname._model() is not None  # loaded before its scores are replaced
    monkeypatch.setattr(personname, "probability", lambda name: 0.3)
    x = Extraction(source="p.md")
    x.people = [Person(name="Jonas Berg", role="speaker"), Person(name="Laura Ortiz", role="mentioned")]
    x.talks = [Talk(title="Grounded Reading", speakers=["Jonas Berg"])]
    _drop_non_names(x)
    assert [p.name for p in x.people] == ["Jonas Berg"] and x.talks[0].speakers == ["Jonas Berg"]
