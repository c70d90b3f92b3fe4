"""kb export --format obsidian|logseq: notes the apps can read, links both ways, user text kept, safe names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import text

from kb.cli import main
from kb.export.notenames import note_name
from kb.export.records import Selection, SelectionError
from kb.export.vault import MARKERS, export_vault
from tests.test_site import engine, one, sample_db  # noqa: F401 (fixtures)

WIKILINK = re.compile(r"\[\[([^\]]*)\]\]")
PROPERTY = re.compile(r"^([\w-]+):: (.*)$")


def obsidian_props(note: str) -> dict:
    assert note.startswith("---\n")
    return yaml.safe_load(note[4 : note.index("\n---\n", 4)])


def logseq_props(note: str) -> dict:
    props = {}
    for line in note.splitlines():
        m = PROPERTY.match(line)
        if not m:
            break
        props[m.group(1)] = m.group(2)
    return props


def notes_of(out: Path) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.md"))}


def kb_edges(engine) -> set[tuple[str, str, int, int]]:  # noqa: F811
    with engine.connect() as conn:
        edges = {("talk", "person", t, p) for t, p in conn.execute(text("select talk_id, person_id from talkspeaker"))}
        edges |= {
            ("talk", "paper", t, p)
            for t, p in conn.execute(text("select talk_id, paper_id from citation where talk_id is not null"))
        }
        edges |= {
            ("paper", "person", a, p) for a, p in conn.execute(text("select paper_id, person_id from authorship"))
        }
    return edges


def vault_edges(notes: dict[str, str], props) -> set[tuple[str, str, int, int]]:
    ids = {}
    for name, note in notes.items():
        p = props(note)
        ids[name] = (p["kb-type"], int(p["kb-id"]))
    edges = set()
    for name, note in notes.items():
        if note.startswith("---\n"):  # Obsidian: the links in the YAML properties as YAML reads them
            end = note.index("\n---\n", 4)
            targets = WIKILINK.findall(" ".join(map(str, obsidian_props(note).values())) + note[end:])
        else:
            targets = WIKILINK.findall(note)
        for target in targets:
            assert target in ids, (name, target)  # every link resolves to a note
            (ak, ai), (bk, bi) = ids[name], ids[target]
            edges.add((ak, bk, ai, bi))
    return edges


@pytest.mark.parametrize("vault,props", [("obsidian", obsidian_props), ("logseq", logseq_props)])
def test_vault_notes_parse_links_resolve_and_edges_match_the_kb(engine, tmp_path, vault, props):  # noqa: F811
    out = tmp_path / vault
    report = export_vault(engine, out, vault)
    notes = notes_of(out)
    with engine.connect() as conn:
        counts = sum(
            conn.execute(text(f"select count(*) from {t}")).scalar() for t in ("conference", "talk", "person", "paper")
        )
    assert len(notes) == report.notes == counts
    if vault == "logseq":
        assert {p.parent.name for p in out.rglob("*.md")} == {"pages"}
    edges = vault_edges(notes, props)
    for a, b, i, j in kb_edges(engine):  # both ways: the talk links its speaker, the speaker links the talk
        assert (a, b, i, j) in edges and (b, a, j, i) in edges, (a, b, i, j)
    for note in notes.values():
        assert note.splitlines().count(MARKERS[vault]) == 1
    citekeys = dict(engine.connect().execute(text("select id, citekey from paper")).all())
    for note in notes.values():
        p = props(note)
        if p["kb-type"] == "paper":
            alias = p["aliases"] if vault == "obsidian" else [p["alias"]]
            assert alias == [citekeys[int(p["kb-id"])]]


def test_obsidiantools_reads_the_vault_graph_the_kb_has(engine, tmp_path):  # noqa: F811
    """A well-kept third-party reader (obsidiantools) sees every note, no link to a missing note, and exactly
    the KB's edges. It reads the links in a note's body (its graph) and parses the YAML properties apart
    (Obsidian's graph also counts the links in properties): body and properties together hold each edge both ways.
    Not for the hostile titles below: it finds links in the HTML it renders, where kb's escaped ``\\[\\[Evil\\]\\]``
    (plain text in Obsidian) has become ``[[Evil]]``."""
    api = pytest.importorskip("obsidiantools.api", reason="obsidiantools is a dev extra (pip install -e '.[dev]')")
    out = tmp_path / "vault"
    export_vault(engine, out, "obsidian")
    vault = api.Vault(out).connect()
    assert vault.nonexistent_notes == []
    props = vault.front_matter_index
    assert set(props) == set(vault.md_file_index) == {p.stem for p in out.rglob("*.md")}
    node = {name: (p["kb-type"], p["kb-id"]) for name, p in props.items()}
    assert set(vault.graph.nodes) == set(node)
    body = {(node[a], node[b]) for a, b, _ in vault.graph.edges}
    in_props = set()
    for name, p in props.items():
        for value in p.values():
            for item in value if isinstance(value, list) else [value]:
                m = re.fullmatch(WIKILINK, str(item))
                if m:
                    in_props.add((node[name], node[m.group(1)]))
    with engine.connect() as conn:
        shown = conn.execute(
            text("select post.conference_id, talk.id from talk join post on post.id = talk.post_id")
        ).all()
    edges = kb_edges(engine) | {("talk", "conference", t, c) for c, t in shown if c is not None}
    assert len(edges) > 300 and {e[:2] for e in edges} == {
        ("talk", "person"),
        ("talk", "paper"),
        ("paper", "person"),
        ("talk", "conference"),
    }
    back = {((b, j), (a, i)) for a, b, i, j in edges}
    forth = {((a, i), (b, j)) for a, b, i, j in edges}
    cites = {e for e in forth if e[1][0] == "paper" and e[0][0] == "talk"}
    assert in_props == forth  # a talk's conference, speakers and cited papers; a paper's authors
    assert body == back | cites  # the links back (a person's talks and papers, a conference's talks, a paper's
    # citing talks), and a talk's cited papers again under "Cited papers"
    assert body | in_props == forth | back


def test_reexport_keeps_user_text_and_follows_a_rename(engine, tmp_path):  # noqa: F811
    out = tmp_path / "v"
    export_vault(engine, out, "obsidian")
    talk_id, _title = one(engine, "select id, title from talk where title is not null order by id limit 1")
    path = next(p for p in out.glob("Talks/*.md") if obsidian_props(p.read_text())["kb-id"] == talk_id)
    mine = "\nMy own thoughts: [[Some other note]]\n%% not the marker %%\n"
    path.write_text(path.read_text() + mine)
    own = out / "People" / "Someone I met.md"
    own.write_text("a note I wrote myself\n")
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.md")}
    assert export_vault(engine, out, "obsidian").written == []
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.md")} == stamps
    with engine.begin() as conn:
        conn.execute(
            text("update talk set title = 'A renamed talk', summary = 'New words.' where id = :t"), {"t": talk_id}
        )
    report = export_vault(engine, out, "obsidian")
    assert "Talks/A renamed talk.md" in report.written and report.moved
    assert not path.exists()
    linking = {p.relative_to(out).as_posix() for p in out.rglob("*.md") if "[[A renamed talk]]" in p.read_text()}
    assert linking and set(report.written) == linking | {"Talks/A renamed talk.md"}  # only notes that link it
    note = (out / "Talks" / "A renamed talk.md").read_text()
    assert note.endswith(MARKERS["obsidian"] + "\n" + mine)
    assert "New words." in note and "# A renamed talk" in note
    assert own.read_text() == "a note I wrote myself\n"


HOSTILE_TITLES = [
    "../../escape",
    "a/b\\c",
    "CON",
    "[[Evil]] | #tag ^block",
    ".hidden",
    "title: - {x: y}\n---",
    "%% kb: write your own notes below this line; kb export keeps them %%",
]


@pytest.mark.parametrize("vault,props", [("obsidian", obsidian_props), ("logseq", logseq_props)])
def test_hostile_titles_make_safe_names_and_intact_notes(engine, tmp_path, vault, props):  # noqa: F811
    ids = [
        r[0]
        for r in engine.connect().execute(text("select id from talk order by id limit :n"), {"n": len(HOSTILE_TITLES)})
    ]
    with engine.begin() as conn:
        for i, title in zip(ids, HOSTILE_TITLES, strict=False):
            conn.execute(text("update talk set title = :t, summary = :t where id = :i"), {"t": title, "i": i})
    out = tmp_path / "v"
    export_vault(engine, out, vault)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("kb.sqlite")]
    assert all(out in p.parents for p in files)
    for p in files:
        assert p.name == note_name(p.stem) + ".md" and not p.name.startswith(".")
    notes = notes_of(out)
    vault_edges(notes, props)  # still parses, every link resolves
    for note in notes.values():
        assert note.splitlines().count(MARKERS[vault]) == 1  # a title equal to the marker is not the marker line
    if vault == "obsidian":
        titles = {obsidian_props(n)["kb-id"]: n for n in notes.values() if obsidian_props(n)["kb-type"] == "talk"}
        assert "# \\[\\[Evil\\]\\] \\| \\#tag \\^block" in titles[ids[3]]
    assert {n for n in notes if n.startswith(("CON", "escape", "a b c"))} >= {"CON_", "escape", "a b c"}


def test_vault_bad_input(engine, tmp_path):  # noqa: F811
    with pytest.raises(SelectionError):
        export_vault(engine, tmp_path / "x", "obsidian", Selection(conference="Nowhere 1999"))
    assert not (tmp_path / "x").exists()
    db = str(engine.url.database)
    run = CliRunner()
    result = run.invoke(
        main, ["--db", db, "export", "--format", "obsidian", str(tmp_path / "y"), "--conference", "ICLR 2021"]
    )
    assert result.exit_code == 0, result.output
    confs = list((tmp_path / "y" / "Conferences").iterdir())
    assert [p.name for p in confs] == ["ICLR 2021.md"]
    bad = run.invoke(main, ["--db", db, "export", "--format", "logseq"])
    assert bad.exit_code == 2 and "give its folder" in bad.output
    bad = run.invoke(main, ["--db", db, "export", "--format", "logseq", str(tmp_path / "z"), "--query", "x"])
    assert bad.exit_code == 2 and not (tmp_path / "z").exists()
