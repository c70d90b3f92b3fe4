"""A name in running prose with no cue around it is a person when the name model is sure of it
(kb.ingest.people.PROSE_NAME_P), unless a word of it names a place."""

import pytest

from kb.ingest import people
from kb.ingest.people import NameIndex, names_in_prose


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The best part was Vyas Ramasubramanian on stage.", "Vyas Ramasubramanian"),
        ("Slides from Balázs Bucsay are online.", "Balázs Bucsay"),
    ],
)
def test_a_name_the_model_is_sure_of_is_a_person_without_a_cue(text, name, monkeypatch):
    assert [n for n, _ in names_in_prose(text, NameIndex())] == [name]
    monkeypatch.setattr(people, "PROSE_NAME_P", 1.01)  # the rules alone do not take it
    assert names_in_prose(text, NameIndex()) == []


@pytest.mark.parametrize(
    "text",
    [
        "The conference was in the Fortezza da Basso, a fortress turned exhibition centre.",
        "Dinner was in the Palazzo Vecchio, all of us.",
    ],
)
def test_a_place_is_not_taken_for_a_person_by_the_model(text):
    assert names_in_prose(text, NameIndex()) == []
