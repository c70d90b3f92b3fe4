"""The ``kb`` command: a thin layer that parses arguments and prints.

Every command calls a library function (``kb.importer.import_paths``,
``kb.queries.stats`` …) so everything is scriptable from Python too.

Start-up matters (people run ``kb`` dozens of times a day): this module imports
only click and kb's light modules. Rich, SQLAlchemy/SQLModel and the models, the
TUI and the extractor are imported by the commands that use them; ``kb stats``,
``kb list`` and ``kb search`` read a SQLite knowledge base through plain sqlite3
(:mod:`kb.fastread`) when it is at the current schema. ``tests/test_startup.py``
holds that line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.dbbase import DEFAULT_DB, resolve_db_url
from kb.terminal import clean, json_text, redact_url


def _safe_console(**kw):
    """A Rich Console that never passes a terminal control sequence through: every string printed is cleaned.

    Post data (titles, names, paths, error messages quoting them) is untrusted;
    kb's own markup holds no control characters, so cleaning every string is safe.
    """
    from rich.console import Console

    class SafeConsole(Console):
        def print(self, *objects, **kw) -> None:
            super().print(*(clean(o, newlines=True) if isinstance(o, str) else o for o in objects), **kw)

    return SafeConsole(**kw)


class _LazyConsole:
    """The console, made (and Rich imported) on first use: ``kb search --json`` and ``kb --help`` never print with Rich."""

    def __init__(self, **kw):
        self._kw = kw
        self._console = None

    def real(self):
        """The Console itself, for Rich objects that hold one (a Progress uses it as a context manager)."""
        if self._console is None:
            self._console = _safe_console(**self._kw)
        return self._console

    def __getattr__(self, name: str):
        return getattr(self.real(), name)


def escape(text: str) -> str:
    """Post data for a Rich markup string: control characters out, markup escaped (table cells too)."""
    from rich.markup import escape as markup_escape

    return markup_escape(clean(text))


def Table(*args, **kw):  # rich.table.Table, imported when a table is printed
    from rich.table import Table as RichTable

    return RichTable(*args, **kw)


out = _LazyConsole(highlight=False, soft_wrap=True)
err = _LazyConsole(stderr=True, highlight=False, soft_wrap=True)


def _utf8_stdout():
    """Standard output as UTF-8 text whatever the locale (click.get_text_stream is deprecated in Click 8.3)."""
    stream = sys.stdout
    if (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "") != "utf8" and hasattr(
        stream, "reconfigure"
    ):
        stream.reconfigure(encoding="utf-8")
    return stream


def _print_json(data) -> None:
    click.echo(json_text(data, indent=2, default=str))


class Ctx:
    def __init__(self, db: str | None):
        self.db = db
        self._engine = None

    @property
    def engine(self):
        """The database, created when it does not exist yet (commands that write)."""
        if self._engine is None:
            from kb.db import open_db

            self._engine = open_db(self.db)
        return self._engine

    @property
    def reader(self):
        """The database for a command that only reads: never created ("no knowledge base at PATH")."""
        if self._engine is None:
            from kb.db import open_db

            self._engine = open_db(self.db, create=False)
        return self._engine

    def read(self, fast, slow):
        """``fast(connection)`` in a plain sqlite3 read transaction when :mod:`kb.fastread` allows one (and
        ``fast`` does not return None), else ``slow(session)`` on the usual engine: same answers, no SQLAlchemy."""
        from kb.fastread import connect

        conn = connect(self.db)
        if conn is not None:
            try:
                result = fast(conn)
            finally:
                conn.close()
            if result is not None:
                return result
        from kb.db import session_scope

        with session_scope(self.reader) as session:
            return slow(session)


pass_ctx = click.make_pass_decorator(Ctx)


def _remember_db(ctx: click.Context, _param, value: str | None) -> None:
    if value is not None:  # after the command beats before it (`kb --db A list --db B` reads B)
        ctx.ensure_object(Ctx).db = value


def db_option(command):
    """``--db`` after the command name too (``kb import notes/ --db x.sqlite``), not only before it."""
    return click.option(
        "--db",
        metavar="PATH|URL",
        default=None,
        expose_value=False,
        callback=_remember_db,
        help=f"Database file or URL (default {DEFAULT_DB}; env KB_DB).",
    )(command)


ROW_ID_MAX = 2**63 - 1  # SQLite's and PostgreSQL's largest integer: beyond it, an OverflowError


def _write_errors() -> set[int]:
    import errno

    return {errno.ENOSPC, errno.EPIPE, errno.EACCES, errno.EIO, errno.EROFS, errno.EDQUOT, errno.EFBIG}


_WRITE_ERRORS = _write_errors()


def _stdout_gone() -> None:
    """Standard output failed (a full disk, a closed pipe): point it at /dev/null so that the interpreter's
    final flush cannot print a second error ("Exception ignored … BrokenPipeError")."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class KbGroup(click.Group):
    """Database trouble (not kb's, damaged, unreachable, read-only…) is one line and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        from kb.dbbase import DatabaseUnusable, describe_db_error
        from kb.terminal import redact

        try:
            try:
                return super().invoke(ctx)
            finally:  # the output is complete only once it is written: a full disk must not exit 0
                sys.stdout.flush()
        except OSError as exc:
            if exc.errno not in _WRITE_ERRORS:
                raise
            _stdout_gone()
            err.print(f"error: cannot write the output: {exc.strerror or exc}", markup=False)
        except DatabaseUnusable as exc:
            err.print(f"error: {exc}", markup=False)
        except Exception as exc:
            if not _is_driver_error(exc):
                raise
            db = ctx.obj.db if isinstance(ctx.obj, Ctx) else None
            err.print(f"error: database: {redact(describe_db_error(exc), resolve_db_url(db))}", markup=False)
        sys.exit(1)


def _is_driver_error(exc: Exception) -> bool:
    """SQLAlchemy's DBAPIError, or a sqlite3 error from a plain-sqlite3 read (kb.fastread, kb.search.fts);
    looked up only in modules already imported, so that the check imports nothing."""
    sa_exc, sqlite3 = sys.modules.get("sqlalchemy.exc"), sys.modules.get("sqlite3")
    return bool((sa_exc and isinstance(exc, sa_exc.DBAPIError)) or (sqlite3 and isinstance(exc, sqlite3.Error)))


EPILOG = """\b
Examples:
  kb import                      import every post under imports/
  kb import notes/ refs.bib      import a folder of posts and a .bib file
  kb extract post.md --json      show what kb finds in one post (no DB)
  kb eval tests/fixtures/*.gold.json --posts imports
  kb list talks --json           every talk, for scripts
  kb stats                       row counts
  kb search 'author:vedaldi'     search talks, papers, people, posts
  kb                             open the terminal UI
"""


@click.group(
    cls=KbGroup, invoke_without_command=True, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--db",
    envvar="KB_DB",
    default=None,
    metavar="PATH|URL",
    help=f"Database file or URL (default {DEFAULT_DB}; env KB_DB).",
)
@click.version_option(package_name="kb")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """kb — a knowledge base of conference notes: talks, speakers, and the papers they cite."""
    ctx.obj = Ctx(db)
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


@main.command("import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Re-import posts even when unchanged.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@db_option
@pass_ctx
def import_cmd(ctx: Ctx, paths: tuple[Path, ...], force: bool, as_json: bool) -> None:
    """Import posts (*.md, *.markdown, *.rst) and BibTeX files (*.bib); folders are searched recursively.

    \b
    No PATH imports the inbox, imports/. Unchanged posts are skipped; a changed
    post replaces what was extracted from it. A bad file is reported on one line
    and skipped; the exit code is then 1.
    \b
    Example:  kb import imports/ ~/blog/_posts/2019-10-30-iccv.md
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kb.db import require_writable
    from kb.importer import POST_SUFFIXES, ImportInterrupted, ImportStopped, discover, import_paths

    targets = list(paths) or [Path("imports")]
    for p in targets:
        if not p.exists():
            err.print(f"[red]error:[/] {escape(str(p))}: no such file or directory")
            sys.exit(2)
    total = len(list(discover(targets)))
    if not total:
        kinds = ", ".join(f"*{s}" for s in POST_SUFFIXES)
        err.print(f"error: no posts ({kinds}) or .bib files found in {' '.join(map(str, targets))}", markup=False)
        sys.exit(1)
    require_writable(ctx.engine)  # a damaged database: one line now, not one per post
    progress = Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err.real(),
        transient=True,
        disable=as_json or not err.is_terminal,
    )
    with progress:
        task = progress.add_task("", total=total)

        def on_file(path, result):
            if result is None:
                progress.update(task, description=escape(path.name))
                return
            progress.advance(task)
            if result.error:
                progress.console.print(f"[red]error:[/] {escape(result.error)}")
            for note in result.notes:  # a .bib file: what merged, which entries were skipped
                progress.console.print(escape(note))

        stopped = None
        try:
            summary = import_paths(ctx.engine, targets, force=force, on_file=on_file)
        except ImportInterrupted as stop:
            progress.stop()
            err.print(stop.one_line(), markup=False)
            sys.exit(130)
        except ImportStopped as stop:  # a full disk: one line, then the summary of what was imported
            progress.stop()
            err.print(f"error: {stop.one_line()}", markup=False)
            summary, stopped = stop.summary, stop
    totals = summary.totals()
    data = {
        "new": summary.count("new"),
        "updated": summary.count("updated"),
        "unchanged": summary.count("unchanged"),
        "failed": summary.count("failed"),
        "talks": totals.talks,
        "people_added": totals.people,
        "papers_added": totals.papers,
        "papers_enriched": totals.enriched,
        "errors": [r.error for r in summary.failed],
        "warnings": {r.path: r.problems for r in summary.results if r.problems},
    }
    if stopped is not None:
        data |= {"stopped": stopped.one_line(), "not_imported": stopped.not_imported}
    if as_json:
        _print_json(data)
    else:
        out.print(
            f"{data['new']} new, {data['updated']} updated, {data['unchanged']} unchanged, "
            f"{data['failed']} failed post(s); {totals.talks} talks, {totals.people} people and "
            f"{totals.papers} papers added" + (f", {totals.enriched} enriched." if totals.enriched else "."),
            markup=False,
        )
    sys.exit(1 if summary.failed or stopped is not None else 0)


@main.command()
@db_option
@pass_ctx
def init(ctx: Ctx) -> None:
    """Create an empty knowledge base (kb import also creates one).  Example:  kb init --db ~/notes/kb.sqlite"""
    ctx.engine.dispose()
    out.print(f"knowledge base ready at {redact_url(ctx.db or DEFAULT_DB)}", markup=False)


SHORT_HEADS = {"citations": "cites", "conference": "conf"}


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the extraction as JSON (the gold-file schema).")
@pass_ctx
def extract(ctx: Ctx, file: Path, as_json: bool) -> None:
    """Show what kb extracts from one post, without writing to the database.

    \b
    With --db (or KB_DB), the KB's own model (kb train) and its not-a-person list are used.
    Example:  kb extract imports/acl-2019-florence-bertology.md --json | jq '.talks[].title'
    """
    from kb.errors import KbError
    from kb.importer import read_text
    from kb.ingest.pipeline import extract as run_extract

    not_people: set[str] = set()
    if ctx.db:
        from kb.corrections import not_people as kb_not_people
        from kb.db import session_scope
        from kb.teach import activate_in

        with session_scope(ctx.engine) as s:
            activate_in(s)
            not_people = kb_not_people(s)
    try:
        text, _ = read_text(file)
        x = run_extract(text, source=file.name, path=str(file))
        if not_people:
            from kb.corrections import drop_people

            drop_people(x, not_people)
    except KbError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    data = x.to_json()
    if as_json:
        _print_json(data)
        return
    conf = data["conference"]
    out.print(
        f"[bold]{escape(x.title or file.name)}[/]  "
        f"{escape(conf['name'] + ' ' + str(conf['year'] or '')) if conf else '(no conference)'}"
    )
    for t, talk in zip(data["talks"], x.talks, strict=False):
        sure = "" if talk.confidence >= 0.6 else f" [yellow]confidence {talk.confidence:.2f}[/]"
        out.print(
            f"  • {escape(t['title'] or '(untitled)')} — {escape(', '.join(t['speakers']))}"
            f"  [dim]line {talk.line} {escape(t['event'] or '')} {' '.join(escape(c) for c in t['cites'])}[/]{sure}"
        )
    out.print(
        f"{len(data['talks'])} talks, {len(data['people'])} people, {len(data['papers'])} papers, "
        f"{len(data['citations'])} citations",
        markup=False,
    )
    for p in x.problems:
        out.print(f"  [yellow]{p.severity}:[/] {escape(p.message)}" + (f" (line {p.line})" if p.line else ""))


@main.command("eval")
@click.argument("gold", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--posts",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder holding the posts named by each gold file's 'source'.",
)
@click.option(
    "--corpus",
    "corpus_split",
    type=click.Choice(["train", "dev", "test", "all"]),
    default=None,
    help="Score the annotated real corpus (corpus/annotations over ../shared/realcorpus) of one split.",
)
@click.option(
    "--shared",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The shared folder holding realcorpus/ (default $KB_SHARED or ../shared).",
)
@click.option("--json", "as_json", is_flag=True)
@click.option("-v", "--verbose", is_flag=True, help="List every missed and extra item.")
def eval_cmd(
    gold: tuple[Path, ...],
    posts: Path | None,
    corpus_split: str | None,
    shared: Path | None,
    as_json: bool,
    verbose: bool,
) -> None:
    """Score the extractor against gold JSON files: precision / recall / F1 per entity type.

    \b
    Matching: titles at rapidfuzz ratio >= 90 after normalisation; people by
    canonical name; citations as (talk, paper) pairs. See kb/evaluate.py.
    With --corpus SPLIT, scores our annotations of the real corpus, also by format and field.
    Examples:  kb eval ../shared/corpus/*.gold.json tests/fixtures/*.gold.json --posts imports
               kb eval --corpus dev
    """
    from kb.evaluate import ENTITY_TYPES, evaluate, evaluate_corpus

    try:
        if corpus_split:
            from kb.corpus import SPLITS, shared_dir

            root = shared or shared_dir()
            if root is None:
                raise FileNotFoundError("no shared/realcorpus found (set KB_SHARED or pass --shared)")
            result = evaluate_corpus(root, SPLITS if corpus_split == "all" else (corpus_split,))
        elif gold:
            result = evaluate(list(gold), posts)
        else:
            raise ValueError("give gold files or --corpus SPLIT")
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(2)
    if as_json:
        _print_json(result)
        return
    heads = [SHORT_HEADS.get(k, k) for k in ENTITY_TYPES]  # eight columns must fit 80 characters
    table = Table(title="F1 per entity type")
    table.add_column("file", overflow="fold")
    for h in heads:
        table.add_column(h)
    for f in result["files"]:
        table.add_row(escape(Path(f["post"]).name), *(f"{f['scores'][k]['f1']:.2f}" for k in ENTITY_TYPES))
    table.add_row("[bold]all[/]", *(f"[bold]{result['totals'][k]['f1']:.2f}[/]" for k in ENTITY_TYPES))
    out.print(table)
    detail = Table("entity", "precision", "recall", "F1", "tp", "fp", "fn")
    for k in ENTITY_TYPES:
        s = result["totals"][k]
        detail.add_row(
            k, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["tp"]), str(s["fp"]), str(s["fn"])
        )
    o = result["overall"]
    detail.add_row(
        "[bold]overall[/]",
        f"{o['precision']:.3f}",
        f"{o['recall']:.3f}",
        f"{o['f1']:.3f}",
        str(o["tp"]),
        str(o["fp"]),
        str(o["fn"]),
    )
    out.print(detail)
    for dim, values in result.get("groups", {}).items():
        if dim == "split" and len(values) < 2:
            continue
        by = Table(dim, "docs", *heads, title=f"F1 by {dim}")
        for value, scores in values.items():
            n = sum(1 for f in result["files"] if f.get(dim) == value)
            by.add_row(escape(value), str(n), *(f"{scores[k]['f1']:.2f}" for k in ENTITY_TYPES))
        out.print(by)
    if verbose:
        for f in result["files"]:
            for e in f["errors"]:
                out.print(f"  {escape(Path(f['post']).name)}: {escape(e)}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@db_option
@pass_ctx
def stats(ctx: Ctx, as_json: bool) -> None:
    """Row counts of the knowledge base.  Example:  kb stats --json"""

    def slow(session):
        from kb.queries import stats as run_stats

        return run_stats(session)

    from kb.fastread import stats as fast_stats

    data = ctx.read(fast_stats, slow)
    if as_json:
        _print_json(data)
        return
    table = Table("what", "count", title=escape(redact_url(resolve_db_url(ctx.db))))
    for k, v in data.items():
        table.add_row(k, str(v))
    out.print(table)


@main.command("list")
@click.argument("kind", type=click.Choice(["talks", "people", "papers", "conferences", "events", "posts"]))
@click.option("--json", "as_json", is_flag=True)
@click.option("--limit", type=click.IntRange(0, ROW_ID_MAX), default=None, help="At most this many rows.")
@db_option
@pass_ctx
def list_cmd(ctx: Ctx, kind: str, as_json: bool, limit: int | None) -> None:
    """List talks, people, papers, conferences, events or posts.  Example:  kb list papers --json"""

    def slow(session):
        from kb.queries import list_rows

        return list_rows(session, kind, limit)

    from kb.fastread import list_rows as fast_rows

    rows = ctx.read(lambda conn: fast_rows(conn, kind, limit), slow)
    if as_json:
        _print_json(rows)
        return
    if not rows:
        if limit != 0:
            out.print(f"No {kind} yet. Import some posts first:  kb import imports/", markup=False)
        return
    columns = [k for k in rows[0] if k not in ("url", "doi", "citekey", "et_al")]
    table = Table(*columns)
    for r in rows:
        table.add_row(
            *(
                escape(", ".join(v) if isinstance(v, list) else "" if v is None else str(v))
                for v in (r[c] for c in columns)
            )
        )
    out.print(table)


@main.command("export")
@click.argument("out_dir", required=False, metavar="[OUT/]", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["bibtex", "csl-json", "markdown", "obsidian", "logseq"]),
    default="bibtex",
    show_default=True,
    help="Output format (obsidian, logseq: a vault in OUT/).",
)
@click.option("--conference", metavar="NAME", help='Only papers of this conference: "ICCV 2019", "iccv-2019", "ICCV".')
@click.option(
    "--talk",
    "talk_id",
    type=click.IntRange(1, ROW_ID_MAX),
    metavar="ID",
    help="Only papers cited by this talk (ids: kb list talks).",
)
@click.option("--query", metavar="Q", help="Only papers found by this search (title, venue, authors).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default stdout).")
@click.option("--unicode", is_flag=True, help="BibTeX: write non-ASCII as UTF-8 instead of LaTeX escapes.")
@click.option("--talks", is_flag=True, help="Export the talks themselves as citable items (bibtex, csl-json).")
@db_option
@pass_ctx
def export_cmd(
    ctx: Ctx,
    out_dir: Path | None,
    fmt: str,
    conference: str | None,
    talk_id: int | None,
    query: str | None,
    output: Path | None,
    unicode: bool,
    talks: bool,
) -> None:
    """Export papers as BibTeX, CSL-JSON (pandoc --citeproc) or a Markdown reading list, or the whole KB
    as an Obsidian or Logseq vault (a note per conference, talk, person and paper) in OUT/.

    \b
    Filters combine (AND); none exports every paper. Papers get a stable
    citekey (authorTitleWords2019) the first time they are exported.
    \b
    Examples:  kb export -o refs.bib
               kb export --format csl-json --conference "ICCV 2019" -o iccv.json
               kb export --format markdown --query saliency
               kb export --format obsidian ~/vault/kb/
               kb export --talks --conference "ICCV 2019" -o talks.bib
    """
    from kb.export import Selection, SelectionError, run

    if talks:
        from kb.cli_share import export_talks_cmd

        export_talks_cmd(ctx, fmt, Selection(conference=conference, talk_id=talk_id, query=query), output, unicode)
        return

    if fmt in ("obsidian", "logseq") or out_dir is not None:
        from kb.cli_share import export_vault_cmd

        export_vault_cmd(ctx, fmt, out_dir, conference, talk_id, query, output)
        return

    selection = Selection(conference=conference, talk_id=talk_id, query=query)

    def to_stdout(piece: str) -> None:  # streamed a batch of entries at a time; a file (-o) keeps the text as is
        click.echo(clean(piece, newlines=True), nl=False)

    try:
        result = run(
            ctx.reader, fmt, selection, unicode=unicode, output=output, write=to_stdout if output is None else None
        )
    except SelectionError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(2)
    except OSError as exc:
        if output is None:
            raise  # standard output: one line from KbGroup
        err.print(f"error: {output}: {exc.strerror or exc}", markup=False)
        sys.exit(1)
    if output is not None:
        err.print(f"{result.papers} paper(s) written to {output} ({fmt}).", markup=False)


@main.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON (kind, id, title, snippet, score).")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True, help="At most this many hits.")
@click.option("--reindex", is_flag=True, help="Rebuild the search index first.")
@db_option
@pass_ctx
def search_cmd(ctx: Ctx, query: tuple[str, ...], as_json: bool, limit: int, reindex: bool) -> None:
    """Search talks, papers, people and posts; typos are forgiven.

    \b
    Filters: speaker:NAME author:NAME year:2019 year:2018..2020 conf:ICCV
             type:talk|paper|person|post   "a phrase"
    Examples:  kb search vedaldi
               kb search 'speaker:zoph year:2019'   kb search tranformer --json
    """
    from dataclasses import asdict

    from kb.search import search, search_sqlite

    text = " ".join(query)
    if reindex:
        from kb.db import session_scope
        from kb.search import reindex as run_reindex

        with session_scope(ctx.reader, write=True) as session:
            run_reindex(session)
    hits = ctx.read(
        lambda conn: search_sqlite(conn, text, limit=limit), lambda session: search(session, text, limit=limit)
    )
    if as_json:
        _print_json([asdict(h) for h in hits])
        return
    if not hits:
        out.print("No matches.", markup=False)
        return
    for h in hits:
        snippet = "".join(f"[bold yellow]{escape(t)}[/]" if marked else escape(t) for t, marked in h.parts())
        out.print(
            f"[dim]{h.kind:<6} {h.id:>6}[/]  [bold]{escape(h.title)}[/]" + (f"\n{'':15}{snippet}" if snippet else "")
        )


@main.command("dump")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default stdout).")
@click.option("--no-body", is_flag=True, help="Replace post bodies by their sha256 (a much smaller dump).")
@db_option
@pass_ctx
def dump_cmd(ctx: Ctx, output: Path | None, no_body: bool) -> None:
    """The whole knowledge base as deterministic JSON: natural keys, sorted, no row ids or timestamps.

    \b
    Two databases holding the same knowledge dump byte for byte the same.
    Example:  kb dump -o before.json && kb import && kb dump | diff before.json -
    """
    from kb.db import session_scope
    from kb.maintenance import write_dump

    with session_scope(ctx.reader) as session:
        if output is None:
            write_dump(session, _utf8_stdout(), body=not no_body)
        else:  # streamed to a private temporary file, renamed when complete: never half a dump under the name
            from kb.files import replace_atomically

            try:
                with replace_atomically(output) as f:
                    write_dump(session, f, body=not no_body)
            except OSError as exc:
                err.print(f"error: {output}: {exc.strerror or exc}", markup=False)
                sys.exit(1)


@main.command("check")
@click.option("--fix", "do_fix", is_flag=True, help="Repair dangling rows and garbage-collect orphans.")
@click.option("--json", "as_json", is_flag=True)
@db_option
@pass_ctx
def check_cmd(ctx: Ctx, do_fix: bool, as_json: bool) -> None:
    """Check the database: integrity_check, dangling and orphan rows, posts whose file changed.

    \b
    Exit code 0 when all is well, 1 when something needs attention.
    Example:  kb check --fix
    """
    from kb.maintenance import check, fix

    report = fix(ctx.reader) if do_fix else check(ctx.reader)
    if as_json:
        _print_json(report.to_json())
    else:
        for msg in report.integrity:
            out.print(f"integrity: {msg}", markup=False)
        for label, n in sorted(report.dangling.items()):
            out.print(f"dangling: {n} {label} row(s) point at nothing", markup=False)
        for table, n in sorted(report.orphans.items()):
            out.print(f"orphan: {n} {table} row(s) nothing refers to", markup=False)
        for path, why in report.stale_posts:
            out.print(f"stale post: {path} ({why}; run kb import)", markup=False)
        for path, field_name, what in report.stale_edits:
            out.print(f"stale edit: {path}: {field_name} {what} no longer applies (its talk is gone)", markup=False)
        if report.ok:
            out.print("ok", markup=False)
        elif report.fixable and not do_fix:
            out.print("run `kb check --fix` to repair dangling and orphan rows", markup=False)
    sys.exit(0 if report.ok else 1)


@main.group()
def refs() -> None:
    """Reference strings: parse them into fields with the trained model.  Example:  kb refs parse refs.txt"""


@refs.command("parse")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per reference (authors split into family/given)."
)
def refs_parse(file, as_json: bool) -> None:
    """Parse references, one per line, from FILE or standard input.

    \b
    Example:  echo 'He, K., Zhang, X., & Sun, J. (2016). Deep residual learning. CVPR.' | kb refs parse --json
    """
    import itertools

    from kb.ingest.records import paper_to_json
    from kb.ingest.refparse import parse_reference, parse_references

    lines = (line.strip() for line in file if line.strip())
    # From a file, references are parsed in batches (the tagger decodes them together, same records); typed
    # at a terminal, each as soon as its line ends. A batch that fails goes again line by line, so what comes
    # out before the error is what a line-by-line run prints.
    size = 1 if file.isatty() else 256
    while batch := list(itertools.islice(lines, size)):
        try:
            parsed = parse_references(batch) if size > 1 else [parse_reference(batch[0])]
        except Exception:  # noqa: BLE001 - re-raised below by the line that fails
            parsed = None
        if parsed and as_json:  # the batch's lines in one write (click.echo flushes each time)
            click.echo("\n".join(json_text(paper_to_json(ref)) for ref in parsed))
            continue
        for i, line in enumerate(batch):
            _print_reference(paper_to_json(parsed[i] if parsed else parse_reference(line)), as_json)


def _print_reference(data: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json_text(data))
        return
    authors = "; ".join(f"{a['family']}, {a['given']}".strip(", ") for a in data["authors"])
    out.print(f"[bold]{escape(data.get('title') or '(no title)')}[/]")
    for key in ("authors", "venue", "year", "type", "volume", "issue", "pages", "publisher", "doi", "arxiv", "url"):
        value = authors + (" et al." if data.get("et_al") else "") if key == "authors" else data.get(key)
        if value:
            out.print(f"  {key:<9} {escape(str(value))}")


@main.command("sync")
@click.option("--from", "source", required=True, metavar="PATH|URL", help="The knowledge base to copy from.")
@click.option("--to", "target", required=True, metavar="PATH|URL", help="The knowledge base to copy into.")
@click.option("--json", "as_json", is_flag=True)
def sync_cmd(source: str, target: str, as_json: bool) -> None:
    """Copy a knowledge base into another: posts replayed with identity resolution, edits and merges too.

    \b
    Either side may be SQLite or PostgreSQL; running it again copies only what changed.
    Example:  kb sync --from data/kb.sqlite --to postgresql://kb@team.example.org/kb
    """
    from dataclasses import asdict

    from kb.db import open_db
    from kb.sync import sync

    report = sync(open_db(source, create=False), open_db(target))
    if as_json:
        _print_json(asdict(report))
    else:
        out.print(
            f"{report.posts_written} post(s) written, {report.posts_unchanged} unchanged; {report.merges} "
            f"merge(s), {report.edits} edit(s), {report.citekeys} citekey(s), {report.enriched} enriched paper(s) "
            "carried over.",
            markup=False,
        )
        if report.model:
            out.print(f"trained model: {report.model}", markup=False)
        for line in report.skipped:
            err.print(f"skipped: {line}", markup=False)


@main.command()
@db_option
@pass_ctx
def tui(ctx: Ctx) -> None:
    """Open the terminal UI (also what plain `kb` does).

    \b
    Example:  kb --db ~/notes/kb.sqlite tui
    """
    try:
        from kb.tui import open_app
    except ImportError:
        ctx_list = click.get_current_context()
        out.print("The terminal UI is not available; listing talks instead.", markup=False)
        ctx_list.invoke(list_cmd, kind="talks", as_json=False, limit=None)
        return
    open_app(ctx.db).run()  # a current SQLite KB: the first frame before SQLAlchemy is loaded


@main.command()
@click.argument("post", required=False)
@db_option
@pass_ctx
def review(ctx: Ctx, post: str | None) -> None:
    """Open the review screen for POST (an id or path): correct its talks, people and papers, one key each.

    Without POST, the unreviewed post with the most low-confidence talks. Keys: d not a talk,
    a add a talk from the line, e/t title, s speakers, k kind, p not a person, n fix a name,
    m merge, u unmerge, i possible duplicates, r reviewed, ? help.

    \b
    Examples:  kb review
               kb review imports/acl-2019-florence-bertology.md
    """
    from kb.db import session_scope
    from kb.review import find_post, most_unsure

    with session_scope(ctx.reader) as s:
        post_id = find_post(s, post) if post else most_unsure(s)
    if post_id is None:
        err.print(
            f"error: {post}: no such post in the knowledge base (kb list posts)"
            if post
            else "error: no post to review: import some posts first (kb import imports/)",
            markup=False,
        )
        sys.exit(1)
    try:
        from kb.tui import make_app
        from kb.tui.history import Location
    except ImportError:
        err.print("error: the terminal UI is not available (pip install textual)", markup=False)
        sys.exit(1)
    make_app(ctx.reader, start=Location("review", post_id)).run()


# click commands only: their work is imported lazily
from kb.cli_enrich import enrich_cmd  # noqa: E402
from kb.cli_share import graph_cmd, site_cmd  # noqa: E402  (they register on main, defined above)
from kb.cli_teach import corrections_group, train_cmd  # noqa: E402

main.add_command(corrections_group)
main.add_command(train_cmd)
main.add_command(site_cmd)
main.add_command(graph_cmd)
main.add_command(enrich_cmd)

if __name__ == "__main__":  # pragma: no cover
    main()
