"""kb train (kb.teach): the KB's own talk model, reproducible, stored in the KB, used by imports and kb extract --db."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlmodel import select

from kb import corrections, teach
from kb.cli import main
from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.ingest.talks import model as talk_model
from kb.models import Talk, TrainedModel


@pytest.fixture(autouse=True)
def shipped_model_afterwards():
    yield
    teach.use_shipped()  # the extractor's model is process-wide: leave the shipped one for other tests


@pytest.fixture(scope="module")
def base():
    return teach.sample_examples(None)[:8]  # a few of our sample posts: enough to fit, fast


def test_train_is_reproducible_stored_and_used(tmp_path, sample_path, base):
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [sample_path])
    with session_scope(engine, write=True) as s:
        talk = s.exec(select(Talk).order_by(Talk.position)).first()
        corrections.set_talk(s, talk.id, "title", "Uncertainty in geometric vision")
    first = teach.train(engine, base=base)
    again = teach.train(engine, base=base)
    assert first.sha256 == again.sha256 and first.lines == again.lines and first.spans == again.spans
    assert first.meta["corrected_posts"] == 1 and first.meta["weight"] == teach.WEIGHT
    other = teach.train(engine, base=base[:7])  # other inputs, another model
    assert other.sha256 != first.sha256
    teach.train(engine, base=base)
    with session_scope(engine) as s:
        row = s.exec(select(TrainedModel)).one()
        assert (row.name, row.sha256) == ("talks", first.sha256)
        assert teach.model_sha(bytes(row.lines), bytes(row.spans)) == first.sha256
        assert json.loads(row.meta)["corrected_posts"] == 1

    teach.use_shipped()
    import_paths(engine, [sample_path], force=True)  # imports use the KB's model …
    assert talk_model.LINES_MODEL.parent.name == first.sha256
    assert talk_model.LINES_MODEL.read_bytes() == first.lines

    teach.use_shipped()
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "kb.sqlite"), "extract", str(sample_path), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["talks"]  # … and so does kb extract --db
    assert talk_model.LINES_MODEL.parent.name == first.sha256

    assert teach.reset(engine) is True
    assert talk_model.LINES_MODEL == talk_model.HERE / "lines.crfsuite"
    with session_scope(engine) as s:
        assert s.exec(select(TrainedModel)).all() == []
    assert teach.reset(engine) is False


def test_kb_examples_come_from_the_corrected_records(tmp_path, sample_path):
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [sample_path])
    with session_scope(engine) as s:
        assert teach.kb_examples(s) == []  # nothing corrected, nothing to learn
    with session_scope(engine, write=True) as s:
        talks = s.exec(select(Talk).order_by(Talk.position)).all()
        corrections.delete_talk(s, talks[1].id)
    with session_scope(engine) as s:
        (ex,) = teach.kb_examples(s)
    assert ex.line_labels.count("H") == len(talks) - 1  # every remaining talk is a head; the deleted one is not


def test_the_two_models_train_side_by_side_into_the_same_files(tmp_path, base, monkeypatch):
    """fit trains the span tagger in a forked child while it trains the line labeller: the files are those
    the one-after-the-other path (no os.fork) writes, byte for byte."""
    exs = base[:2]
    forked = {"lines": tmp_path / "a-lines.crfsuite", "spans": tmp_path / "a-spans.crfsuite"}
    teach.fit(exs, forked)
    monkeypatch.delattr(teach.os, "fork")
    one_by_one = {"lines": tmp_path / "b-lines.crfsuite", "spans": tmp_path / "b-spans.crfsuite"}
    teach.fit(exs, one_by_one)
    for key in ("lines", "spans"):
        assert forked[key].read_bytes() == one_by_one[key].read_bytes()
        assert forked[key].stat().st_size > 1000


def test_the_kb_model_carries_the_style_of_its_corrected_posts(tmp_path, sample_path, base):
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [sample_path])
    with session_scope(engine, write=True) as s:
        talks = s.exec(select(Talk).order_by(Talk.position)).all()
        corrections.delete_talk(s, talks[1].id)
    with session_scope(engine) as s:
        (ex,) = teach.kb_examples(s)
    assert ex.author == "kb"
    assert "style" not in teach.train(engine, base=base).meta  # off unless asked (kb train --style)
    model = teach.train(engine, base=base, style=True)
    style = model.meta["style"]
    assert style["posts"] == 1
    heads = sum(c.get("H", 0) for k, c in style["counts"].items() if "|" in k and k.count("|") == 1)
    assert heads == len(talks) - 1  # every coarse key's heads counted once: the corrected post's talks
    assert talk_model.STYLE is not None and talk_model.STYLE.to_json() == style  # in use at once
    assert teach.current(engine)["style_posts"] == 1 and "style" not in teach.current(engine)
    teach.use_shipped()
    assert talk_model.STYLE is None
    teach.activate(engine)  # another process opening the KB reads it back from the stored model
    assert talk_model.STYLE.to_json() == style
    teach.reset(engine)
    assert talk_model.STYLE is None


def test_kb_train_json_summarises_the_style(tmp_path, sample_path, base, monkeypatch):
    db = tmp_path / "kb.sqlite"
    engine = open_db(db)
    import_paths(engine, [sample_path])
    with session_scope(engine, write=True) as s:
        talk = s.exec(select(Talk).order_by(Talk.position)).first()
        corrections.delete_talk(s, talk.id)
    monkeypatch.setattr(teach, "shipped_examples", lambda splits=(): (base, f"{len(base)} sample posts"))
    result = CliRunner().invoke(main, ["--db", str(db), "train", "--style", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["corrected_posts"] == 1 and data["shipped"] == "8 sample posts"
    assert data["style"]["posts"] == 1 and data["style"]["shape_keys"] > 3  # a summary, not the counts
    with session_scope(engine) as s:
        stored = json.loads(s.exec(select(TrainedModel)).one().meta)["style"]
    assert len(stored["counts"]) == data["style"]["shape_keys"]


def test_the_shipped_examples_are_built_once_and_read_back_while_their_inputs_stay(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(teach, "shared_dir", lambda: None)  # our samples only: quick, and the same everywhere
    built = []
    build = teach._build_shipped
    monkeypatch.setattr(teach, "_build_shipped", lambda *a: built.append(1) or build(*a))
    first, what = teach.shipped_examples(root=None)
    again, what_again = teach.shipped_examples(root=None)
    assert built == [1] and what_again == what  # the second came from the cache
    assert [(e.line_features, e.line_labels, e.span_labels) for e in again] == [
        (e.line_features, e.line_labels, e.span_labels) for e in first
    ]
    cached = list((tmp_path / "kb" / "train").glob("examples-*.pickle"))
    assert len(cached) == 1 and cached[0].stat().st_mode & 0o077 == 0  # this user's only
    monkeypatch.setattr(teach, "SAMPLE_REPEAT", teach.SAMPLE_REPEAT + 1)  # other inputs: built again, one file kept
    teach.shipped_examples(root=None)
    assert built == [1, 1] and len(list((tmp_path / "kb" / "train").glob("examples-*.pickle"))) == 1
    only = next((tmp_path / "kb" / "train").glob("examples-*.pickle"))
    only.write_bytes(b"not a pickle")  # a damaged cache is built again
    assert len(teach.shipped_examples(root=None)[0]) == len(first) // 2 * 3
    assert built == [1, 1, 1]
