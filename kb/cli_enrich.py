"""``kb enrich``: the click layer over :mod:`kb.enrich` (offline) and :mod:`kb.enrich.network` (opt-in network).

Registered by :mod:`kb.cli`; httpx and the sources are imported only when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.cli_share import db_option
from kb.cli_teach import _cli

pass_ctx = click.pass_obj  # the kb.cli.Ctx the main group made


@click.command("enrich")
@click.option("--offline", is_flag=True, help="Use only what the papers' own identifiers imply (no network at all).")
@click.option(
    "--contact",
    metavar="EMAIL",
    help="Your e-mail in the User-Agent and Crossref/OpenAlex polite pool (env KB_CONTACT).",
)
@click.option("--refresh", is_flag=True, help="Ask again, bypassing the HTTP cache and papers already enriched.")
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="NAME",
    help="Only these sources (arxiv, crossref, datacite, acl, openreview, dblp, openalex).",
)
@click.option(
    "--cache", type=click.Path(dir_okay=False, path_type=Path), help="HTTP cache file (default: next to the database)."
)
@click.option("--json", "as_json", is_flag=True)
@db_option
@pass_ctx
def enrich_cmd(ctx, offline: bool, contact, refresh: bool, sources, cache, as_json: bool) -> None:
    """Fill papers from their identifiers: title, authors, year, venue, DOI, arXiv id, abstract (never a hand edit).

    \b
    --offline: only what identifiers imply (keys, year, venue, type), no network.
    Otherwise the sources that own each identifier are asked (arXiv, Crossref, DataCite,
    ACL Anthology, OpenReview, DBLP, OpenAlex), politely and through a cache; values that
    disagree with the post are kept as conflicts for the paper screen (TUI).
    Example:  KB_CONTACT=me@example.org kb enrich
    """
    if offline:
        _offline(ctx, as_json)
        return
    from kb.enrich.sources import ALL

    unknown = sorted(set(sources) - set(ALL))
    if unknown:
        _cli.err.print(f"error: unknown source(s) {', '.join(unknown)}; known: {', '.join(sorted(ALL))}", markup=False)
        sys.exit(2)
    _network(ctx, contact, refresh, set(sources) or None, cache, as_json)


def _offline(ctx, as_json: bool) -> None:
    from kb.enrich import enrich_offline

    report = enrich_offline(ctx.engine)
    if as_json:
        _cli._print_json(report.to_json())
        return
    filled = ", ".join(f"{n} {name}" for name, n in sorted(report.fields.items())) or "no fields"
    _cli.out.print(
        f"{report.papers} paper(s): {report.changed} changed ({filled}; {report.keys} identity key(s) added)",
        markup=False,
    )
    for a, b, key in report.candidates:
        _cli.out.print(
            f"papers {a} and {b} share {key}: kept apart as an identity candidate (the TUI merge dialog joins them)",
            markup=False,
        )


def _network(ctx, contact, refresh: bool, sources, cache, as_json: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kb.db import require_writable
    from kb.enrich.network import enrich_network, open_fetcher

    engine = ctx.engine
    require_writable(engine)
    db_file = engine.url.database if engine.dialect.name == "sqlite" else None
    fetcher = open_fetcher(db_file, contact, cache=cache, refresh=refresh)
    progress = Progress(
        TextColumn("[bold]enriching"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_cli.err.real(),
        transient=True,
        disable=as_json or not _cli.err.is_terminal,
    )
    try:
        with progress:
            task = progress.add_task("", total=None)
            report = enrich_network(
                engine,
                fetcher,
                refresh=refresh,
                sources=sources,
                on_paper=lambda n, total: progress.update(task, completed=n, total=total),
            )
    except KeyboardInterrupt:
        _cli.err.print("interrupted: papers written so far are kept; run kb enrich again to go on", markup=False)
        sys.exit(130)
    finally:
        fetcher.close()
    if as_json:
        _cli._print_json(report.to_json())
    else:
        _print(report)
    sys.exit(1 if report.failures else 0)


def _print(report) -> None:
    out = _cli.out
    found = ", ".join(f"{s} {n}" for s, n in sorted(report.found.items())) or "none"
    filled = ", ".join(f"{n} {f}" for f, n in sorted(report.fields.items())) or "no fields"
    out.print(
        f"{report.papers} paper(s) with identifiers: {report.asked} asked, {report.resumed} already enriched; "
        f"found by {found}; filled {filled}; {len(report.conflicts)} conflict(s); "
        f"{report.requests} request(s) over the network",
        markup=False,
    )
    from kb.terminal import clean

    def named(pid: int) -> str:
        title = clean(report.titles.get(pid, ""))
        return f"paper {pid} ({title[:60] + '…' if len(title) > 60 else title})"

    for pid, field, source in report.conflicts:
        out.print(f"{named(pid)}: {source} disagrees on {field} (kept the post's; see the paper screen)", markup=False)
    for line in report.speakers:
        out.print(f"speaker {clean(line)}", markup=False)
    for pid, source, error in report.failures:
        _cli.err.print(f"{named(pid)}: {source}: {clean(error)}", markup=False)
