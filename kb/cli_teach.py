"""``kb corrections …`` and ``kb train``: the click layer over :mod:`kb.corrections` and :mod:`kb.teach`.

Registered by :mod:`kb.cli`, which it imports only when a command runs (``python -m kb.cli`` too).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

pass_ctx = click.pass_obj  # the kb.cli.Ctx the main group made


class _Lazy:
    """kb.cli's consoles and helpers, looked up when used (kb.cli imports this module)."""

    def __getattr__(self, name: str):
        import kb.cli

        return getattr(kb.cli, name)


_cli = _Lazy()


def out_print(*args, **kw) -> None:
    _cli.out.print(*args, **kw)


def escape(text: str) -> str:
    return _cli.escape(text)


def _fail(message: str) -> None:
    _cli.err.print(f"error: {message}", markup=False)
    sys.exit(1)


def _post_id(session, post: str) -> int:
    """A post named by its id, its stored path, or a file path (as kb import stored it)."""
    from sqlmodel import select

    from kb.importer import _store_path
    from kb.models import Post

    if post.isdigit() and session.get(Post, int(post)) is not None:
        return int(post)
    for path in (post, _store_path(Path(post))):
        found = session.exec(select(Post.id).where(Post.path == path)).first()
        if found is not None:
            return found
    _fail(f"{post}: no such post in the knowledge base (kb list posts)")


def _run(ctx, work):
    """Run ``work(session)`` in one write transaction; a CurationError is one line and exit code 1."""
    from kb.curation import CurationError
    from kb.db import require_writable, session_scope

    require_writable(ctx.engine)
    try:
        with session_scope(ctx.engine, write=True) as s:
            return work(s)
    except CurationError as exc:
        _fail(str(exc))


@click.group("corrections")
def corrections_group() -> None:
    """Correct a post's talks by hand; every correction survives re-import and teaches `kb train`.

    \b
    Examples:
      kb corrections delete-talk 12              "not a talk"
      kb corrections set-talk 7 speakers "Jane Doe" "Bob Roe"
      kb corrections add-talk notes/post.md 42 --speaker "Jane Doe"
      kb corrections not-person "Robustness"
      kb corrections import notes/post.md fixed.json
      kb corrections export -o corrections.json
    """


@corrections_group.command("delete-talk")
@click.argument("talk_id", type=click.IntRange(1, 2**63 - 1))
@pass_ctx
def delete_talk(ctx, talk_id: int) -> None:
    """Not a talk: remove it, for good."""
    from kb import corrections

    _run(ctx, lambda s: corrections.delete_talk(s, talk_id))
    out_print(f"talk {talk_id} deleted", markup=False)


@corrections_group.command("set-talk")
@click.argument("talk_id", type=click.IntRange(1, 2**63 - 1))
@click.argument("field", type=click.Choice(["title", "kind", "summary", "speakers", "event"]))
@click.argument("value", nargs=-1)
@pass_ctx
def set_talk(ctx, talk_id: int, field: str, value: tuple[str, ...]) -> None:
    """Set a talk's title, kind, summary, event (no VALUE: none) or speakers (one VALUE per speaker)."""
    from kb import corrections

    v = list(value) if field == "speakers" else " ".join(value)
    talk = _run(ctx, lambda s: corrections.set_talk(s, talk_id, field, v))
    out_print(f"talk {talk_id}: {field} set" + (f" ({escape(talk.title or '')})" if talk else ""))


@corrections_group.command("add-talk")
@click.argument("post")
@click.argument("line", type=click.IntRange(1, 10**7))
@click.option("--title", help="Default: the line's text.")
@click.option("--speaker", "speakers", multiple=True, help="A speaker (repeat for several).")
@click.option("--kind", default="other", show_default=True)
@click.option("--event", default=None)
@pass_ctx
def add_talk(
    ctx, post: str, line: int, title: str | None, speakers: tuple[str, ...], kind: str, event: str | None
) -> None:
    """A talk the extractor missed, on LINE of POST (a post id or path)."""
    from kb import corrections

    talk = _run(ctx, lambda s: corrections.add_talk(s, _post_id(s, post), line, title, list(speakers), kind, event))
    out_print(f"talk {talk.id} added: {escape(talk.title or '(untitled)')}")


@corrections_group.command("not-person")
@click.argument("name")
@pass_ctx
def not_person(ctx, name: str) -> None:
    """Never take NAME for a person or speaker again in this knowledge base."""
    from kb import corrections

    n = _run(ctx, lambda s: corrections.not_person(s, name))
    out_print(f"{escape(name)} is not a person; {n} post(s) re-written")


@corrections_group.command("import")
@click.argument("args", nargs=-1, required=True, metavar="[POST] RECORD")
@pass_ctx
def import_record(ctx, args: tuple[str, ...]) -> None:
    """Apply RECORD.json (kb extract --json's schema) to POST as hand corrections; without POST, a
    `kb corrections export` file (records go to the posts with the same text).

    \b
    Applied, each as if made by hand on the review screen:
      talks     not a talk / added (on the line holding its title) / title, speakers, kind, event
      people    a name taken for a person whose family name is nobody's in the record's
                people, speakers or paper authors: not a person (for the whole KB)
    Not applied: papers, citations, links, events no talk names, people named only outside talks.
    """
    from kb.correct_record import apply_record, import_export

    if len(args) > 2:
        raise click.UsageError("give POST and RECORD, or an export file alone")
    post, record = (None, Path(args[0])) if len(args) == 1 else (args[0], Path(args[1]))
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{record}: {exc}")
    except json.JSONDecodeError as exc:
        _fail(f"{record}: line {exc.lineno}: not JSON ({exc.msg})")
    if post is None:
        done = _run(ctx, lambda s: import_export(s, data, str(record)))
    else:
        done = _run(ctx, lambda s: apply_record(s, _post_id(s, post), data, str(record)))
    for line in done.changed:
        out_print(escape(line))
    for line in done.skipped:
        _cli.err.print(f"skipped: {line}", markup=False)
    out_print(f"{len(done.changed)} correction(s)", markup=False)


@corrections_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default stdout).")
@pass_ctx
def export(ctx, output: Path | None) -> None:
    """Every corrected post's record (gold-file schema, keyed by blob sha) and the not-a-person list."""
    from kb.correct_record import export as run
    from kb.db import session_scope
    from kb.files import write_text_atomically
    from kb.terminal import json_text

    with session_scope(ctx.engine) as s:
        data = run(s)
    if output is None:
        _cli._print_json(data)
        return
    try:
        write_text_atomically(output, json_text(data, indent=1) + "\n")
    except OSError as exc:
        _fail(f"{output}: {exc.strerror or exc}")
    _cli.err.print(f"{len(data['annotations'])} corrected post(s) written to {output}", markup=False)


@click.command("train")
@click.option("--reset", is_flag=True, help="Forget this KB's model: the shipped one is used again.")
@click.option("--eval", "do_eval", is_flag=True, help="Talk F1 on this KB's corrected posts, before and after.")
@click.option(
    "--style",
    is_flag=True,
    help="Also learn the corrected posts' layout as the author's style (helps that author's posts; in our "
    "benchmark it cost other authors' posts, so it is off by default).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def train_cmd(ctx, reset: bool, do_eval: bool, style: bool, as_json: bool) -> None:
    """Retrain the talk labellers on the shipped training data plus this KB's corrections.

    \b
    The model is stored in the KB; imports and `kb extract --db` use it. Deterministic:
    the same inputs give the same model sha.
    Example:  kb train --eval
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from kb import teach
    from kb.db import require_writable

    require_writable(ctx.engine)
    if reset:
        had = teach.reset(ctx.engine)
        out_print("the shipped model is used again" + ("" if had else " (this KB had none)"), markup=False)
        return
    before = teach.evaluate_kb(ctx.engine) if do_eval else None
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]training[/] {task.description}"),
        TimeElapsedColumn(),
        console=_cli.err.real(),
        transient=True,
        disable=as_json or not _cli.err.is_terminal,
    )
    from kb.errors import KbError

    with progress:
        task = progress.add_task("", total=None)
        try:
            model = teach.train(
                ctx.engine, on_step=lambda msg: progress.update(task, description=escape(msg)), style=style or None
            )
        except KbError as exc:
            _fail(str(exc))
    after = teach.evaluate_kb(ctx.engine) if do_eval else None
    data = {"sha256": model.sha256, **{k: v for k, v in model.meta.items() if k != "style"}}
    learned = model.meta.get("style")
    data["style"] = {"posts": learned["posts"], "shape_keys": len(learned["counts"])} if learned else None
    if do_eval:
        data["eval"] = {"before": before, "after": after}
    if as_json:
        _cli._print_json(data)
        return
    out_print(
        f"model {model.sha256[:12]} ({model.meta['bytes'] // 1024} KiB) trained in {model.meta['seconds']} s on "
        f"{model.meta['shipped']} + {model.meta['corrected_posts']} corrected post(s) of this KB",
        markup=False,
    )
    out_print(
        "imports use it from now on; posts imported before keep what the old model read until re-imported "
        "(kb import --force FOLDER: corrections are kept)",
        markup=False,
    )
    if do_eval:
        out_print(
            f"talk F1 on this KB's {before['posts']} corrected post(s): before {before['f1']:.3f} "
            f"(P {before['precision']:.3f} R {before['recall']:.3f}), after {after['f1']:.3f} "
            f"(P {after['precision']:.3f} R {after['recall']:.3f})",
            markup=False,
        )
