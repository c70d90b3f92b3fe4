"""``kb site``, ``kb graph`` and the vault formats of ``kb export``: the click layer over :mod:`kb.site`,
:mod:`kb.graph` and :mod:`kb.export.vault` (imported only when a command runs).

Registered by :mod:`kb.cli`; its consoles and helpers are looked up when used, as in :mod:`kb.cli_teach`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.cli_teach import _cli

pass_ctx = click.pass_obj  # the kb.cli.Ctx the main group made


def db_option(command):
    """``--db`` after the command name too, as kb.cli's own commands take it."""
    return click.option(
        "--db",
        metavar="PATH|URL",
        default=None,
        expose_value=False,
        callback=lambda ctx, param, value: _cli._remember_db(ctx, param, value),
        help="Database file or URL (default data/kb.sqlite; env KB_DB).",
    )(command)


@click.command("site")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--conference", metavar="NAME", help='Only this conference: "ICCV 2019", "iccv-2019", "ICCV".')
@click.option(
    "--layout",
    type=click.Choice(["auto", "graphviz", "python", "none"]),
    default="auto",
    show_default=True,
    help="Neighbourhood pictures: Graphviz when on PATH (auto), kb's own layout, or none.",
)
@db_option
@pass_ctx
def site_cmd(ctx, out: Path, conference: str | None, layout: str) -> None:
    """Build a static website of the KB in OUT (open OUT/index.html, or put OUT on any static host).

    \b
    Running it again rewrites only the pages that changed.
    Examples:  kb site public/
               kb site iccv/ --conference "ICCV 2019"
    """
    from kb.site import SiteError, build_site

    picture = None
    if layout != "none":
        from kb.graph import GraphError, page_picture

        try:
            picture = page_picture(layout)
        except GraphError as exc:
            _cli.err.print(f"error: {exc}", markup=False)
            sys.exit(2)
    try:
        report = build_site(ctx.reader, out, conference=conference, picture=picture)
    except SiteError as exc:
        _cli.err.print(f"error: {exc}", markup=False)
        sys.exit(2)
    except OSError as exc:
        _cli.err.print(f"error: {out}: {exc.strerror or exc}", markup=False)
        sys.exit(1)
    _cli.err.print(
        f"{report.pages} file(s) in {out}: {len(report.written)} written, "
        f"{report.pages - len(report.written)} unchanged, {len(report.removed)} removed.",
        markup=False,
    )


@click.command("graph")
@click.argument("query")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.svg, FILE.dot (Graphviz) or FILE.gexf (Gephi); the suffix picks the format.",
)
@click.option(
    "--layout",
    type=click.Choice(["auto", "graphviz", "python"]),
    default="auto",
    show_default=True,
    help="SVG layout: Graphviz when on PATH (auto), or kb's own.",
)
@db_option
@pass_ctx
def graph_cmd(ctx, query: str, output: Path, layout: str) -> None:
    """Draw the neighbourhood graph of QUERY: talks, cited papers, speakers and authors.

    \b
    QUERY: person:ID, paper:ID, talk:ID, conference:ID, "conference:ICCV 2019", or search words.
    Examples:  kb graph "conference:ICCV 2019" -o iccv.svg
               kb graph vedaldi -o vedaldi.gexf
    """
    from kb.db import session_scope
    from kb.files import write_text_atomically
    from kb.graph import FORMATS, GraphError, query_graph, render

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        _cli.err.print(f"error: {output}: the file name must end in .svg, .dot or .gexf", markup=False)
        sys.exit(2)
    try:
        with session_scope(ctx.reader) as session:
            graph = query_graph(session, query)
        text_out = render(graph, fmt, layout)
    except GraphError as exc:
        _cli.err.print(f"error: {exc}", markup=False)
        sys.exit(2)
    try:
        write_text_atomically(output, text_out)
    except OSError as exc:
        _cli.err.print(f"error: {output}: {exc.strerror or exc}", markup=False)
        sys.exit(1)
    _cli.err.print(f"{len(graph.nodes)} node(s), {len(graph.edges)} edge(s) written to {output} ({fmt}).", markup=False)


def export_vault_cmd(
    ctx, fmt: str, out: Path | None, conference: str | None, talk_id: int | None, query: str | None, output: Path | None
) -> None:
    """``kb export --format obsidian|logseq OUT/`` (called by kb.cli's export command)."""
    from kb.export.records import Selection, SelectionError
    from kb.export.vault import VAULTS, export_vault

    def fail(message: str, code: int = 2) -> None:
        _cli.err.print(f"error: {message}", markup=False)
        sys.exit(code)

    if fmt not in VAULTS:
        fail(f"OUT/ is for --format {' or '.join(VAULTS)}; write --format {fmt} with -o FILE")
    if out is None or output is not None:
        fail(f"--format {fmt} writes a vault: give its folder, kb export --format {fmt} OUT/")
    if talk_id is not None or query:
        fail("a vault takes --conference only (not --talk or --query)")
    try:
        report = export_vault(ctx.reader, out, fmt, Selection(conference=conference))
    except SelectionError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: {exc.strerror or exc}", 1)
    _cli.err.print(
        f"{report.notes} note(s) in {out}: {len(report.written)} written, "
        f"{report.notes - len(report.written)} unchanged, {len(report.moved)} renamed ({fmt}).",
        markup=False,
    )


def export_talks_cmd(ctx, fmt: str, selection, output: Path | None, unicode: bool) -> None:
    """``kb export --talks``: the selected talks as BibTeX ``@unpublished`` or CSL-JSON ``speech`` items."""
    from kb.db import session_scope
    from kb.export.records import SelectionError
    from kb.export.talks import export_talks
    from kb.files import write_text_atomically
    from kb.terminal import clean

    if fmt not in ("bibtex", "csl-json"):
        _cli.err.print(f"error: --talks writes bibtex or csl-json, not {fmt}", markup=False)
        sys.exit(2)
    try:
        with session_scope(ctx.reader) as session:
            text = export_talks(session, fmt, selection, unicode=unicode)
    except SelectionError as exc:
        _cli.err.print(f"error: {exc}", markup=False)
        sys.exit(2)
    if output is None:
        click.echo(clean(text, newlines=True), nl=False)
        return
    try:
        write_text_atomically(output, text)
    except OSError as exc:
        _cli.err.print(f"error: {output}: {exc.strerror or exc}", markup=False)
        sys.exit(1)
    n = text.count("\n@") + text.startswith("@") if fmt == "bibtex" else text.count('"type": "speech"')
    _cli.err.print(f"{n} talk(s) written to {output} ({fmt}).", markup=False)
