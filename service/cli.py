"""The `ilacs` command line: parse, call the service, print. Only here do errors become exit codes."""
from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from events.errors import IlacsError, InvalidInput
from events.types import VisitRecorded
from events.vocabulary import parse_urn
from service import bootstrap
from service import settings as settings_mod
from service.analyst import parse_bool, parse_date, parse_instant, parse_topic
from service.poller import PollReport
from service.render import FORMATS, render
from service.reprocess import reprocess as run_reprocess


def _fail(message: str, code: int) -> None:
    click.echo(f"ilacs: error: {message}", err=True)
    sys.exit(code)


def common(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command --config and --db (also accepted before the command name) and the built app."""
    @click.option("--config", "config", type=click.Path(path_type=Path), default=None,
                  help="Settings file (default config/ilacs.toml).")
    @click.option("--db", "db", default=None, help="Database URL (sqlite:///... or postgresql://...).")
    @click.pass_context
    @functools.wraps(fn)
    def wrapper(ctx: click.Context, config: Path | None, db: str | None, **kwargs: Any) -> Any:
        root = ctx.find_root().params
        try:
            s = settings_mod.load(config or root.get("config"), database_url=db or root.get("db"))
            app = bootstrap.build(s)
            return fn(app, **kwargs)
        except InvalidInput as err:
            _fail(str(err), 2)
        except IlacsError as err:
            _fail(str(err), 1)
    return wrapper


class _OneLineUsageError(click.UsageError):
    """A usage error said in one line, like every other bad input."""

    def show(self, file: Any = None) -> None:
        click.echo(f"ilacs: error: {self.format_message()}", err=True)


def _one_line(err: click.UsageError) -> click.UsageError:
    if isinstance(err, _OneLineUsageError | getattr(click.exceptions, "NoArgsIsHelpError", ())):
        return err
    where = err.ctx.command_path if err.ctx else "ilacs"
    return _OneLineUsageError(f"{err.format_message()} (see '{where} --help')", err.ctx)


class _Ilacs(click.Group):
    """The command group, with click's usage errors (a bad option, a missing argument) in one line."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as err:
            raise _one_line(err) from err

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as err:
            raise _one_line(err) from err


@click.group(cls=_Ilacs, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", type=click.Path(path_type=Path), default=None,
              help="Settings file (default config/ilacs.toml).")
@click.option("--db", default=None, help="Database URL; overrides ILACS_DATABASE_URL.")
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(config: Path | None, db: str | None, verbose: bool) -> None:
    """Track Ofsted's ILACS focused visits: poll, keep every fact as an event, rebuild the tables, alert."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbose else logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.DEBUG if verbose else logging.WARNING)


def _as_at(value: str | None, app: bootstrap.App) -> date:
    return parse_date(value, "--as-at") if value else app.clock().date()


def _known_at(value: str | None) -> datetime | None:
    return parse_instant(value, "--known-at") if value is not None else None


@main.command()
@click.option("--as-at", "as_at", default=None,
              help="Count what was published on or before this day (YYYY-MM-DD; default today).")
@click.option("--known-at", "known_at", default=None,
              help="Use only what the service knew at this instant (ISO date-time, UTC).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@common
def tables(app: bootstrap.App, as_at: str | None, known_at: str | None, fmt: str) -> None:
    """Print the focus-visit tables (10.1-10.4 and notes) as at a date."""
    result = app.projection.tables(_as_at(as_at, app), _known_at(known_at))
    click.echo(render(result, fmt), nl=False)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--after", type=click.IntRange(min=0), default=0, help="Only events after this position.")
@common
def events(app: bootstrap.App, fmt: str, after: int) -> None:
    """Print the event log, one JSON object a line."""
    for record in app.store.read(after=after):
        click.echo(json.dumps(record.as_json(), separators=(",", ":")))


@main.command("import")
@click.argument("kind", type=click.Choice(["authorities", "visits", "inspections"]))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@common
def import_(app: bootstrap.App, kind: str, file: Path) -> None:
    """Import a CSV of authorities, visits or inspections (a bad row stops it; nothing is recorded)."""
    n = app.analyst.import_csv(kind, file)
    click.echo(f"imported {kind} from {file}: {n} events appended")


def _visit_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--visit-start", required=True, help="The visit's first day (YYYY-MM-DD).")(fn)
    return click.option("--urn", required=True, help="The authority's Ofsted URN.")(fn)


@main.command("record-visit")
@_visit_options
@click.option("--authority", required=True, help="The authority's name.")
@click.option("--visit-end", required=True, help="The visit's last day.")
@click.option("--publication-date", required=True, help="When the letter was published.")
@click.option("--topic", required=True, help="FD, CIN/CPP, VCEFR, CIC, PAP, CL, PDMOC or C-19.")
@click.option("--priority-action", default="false", show_default=True, help="true or false.")
@click.option("--url", default=None, help="The letter's address.")
@common
def record_visit(app: bootstrap.App, urn: str, visit_start: str, authority: str, visit_end: str,
                 publication_date: str, topic: str, priority_action: str, url: str | None) -> None:
    """Record a visit by hand (e.g. to a closed authority whose page is gone)."""
    visit = VisitRecorded(urn=parse_urn(urn), authority=authority,
                          visit_start=parse_date(visit_start, "--visit-start"),
                          visit_end=parse_date(visit_end, "--visit-end"),
                          publication_date=parse_date(publication_date, "--publication-date"),
                          topic=parse_topic(topic),
                          priority_action=parse_bool(priority_action, "--priority-action"),
                          url=url)
    n = app.analyst.record_visit(visit)
    click.echo("visit recorded" if n else "already recorded: nothing new")


@main.command("correct-visit")
@_visit_options
@click.option("--topic", default=None)
@click.option("--priority-action", default=None, help="true or false.")
@click.option("--visit-end", default=None)
@click.option("--publication-date", default=None)
@click.option("--reason", default=None, help="Why (kept in the log).")
@common
def correct_visit(app: bootstrap.App, urn: str, visit_start: str, topic: str | None, priority_action: str | None,
                  visit_end: str | None, publication_date: str | None, reason: str | None) -> None:
    """Correct a visit; history is kept (known-at before this shows the old reading)."""
    changes: dict[str, Any] = {}
    if topic is not None:
        changes["topic"] = parse_topic(topic)
    if priority_action is not None:
        changes["priority_action"] = parse_bool(priority_action, "--priority-action")
    if visit_end is not None:
        changes["visit_end"] = parse_date(visit_end, "--visit-end").isoformat()
    if publication_date is not None:
        changes["publication_date"] = parse_date(publication_date, "--publication-date").isoformat()
    app.analyst.correct_visit(parse_urn(urn), parse_date(visit_start, "--visit-start"), changes, reason)
    click.echo("visit corrected")


@main.command("withdraw-visit")
@_visit_options
@click.option("--reason", required=True, help="Why (kept in the log).")
@common
def withdraw_visit(app: bootstrap.App, urn: str, visit_start: str, reason: str) -> None:
    """Withdraw a visit from the tables; the log keeps it."""
    app.analyst.withdraw_visit(parse_urn(urn), parse_date(visit_start, "--visit-start"), reason)
    click.echo("visit withdrawn")


@main.command("poll")
@click.option("--reports-url", default=None, help="The report site (default https://reports.ofsted.gov.uk).")
@common
def poll_(app: bootstrap.App, reports_url: str | None) -> None:
    """Poll the site once: read new documents, append events, then send due alerts."""
    for url in (reports_url or app.settings.reports_url, app.settings.files_url):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput(f"not a web address (http:// or https://): {url!r}")
    err = sys.stderr

    def progress(report: PollReport, providers_done: int, providers: int) -> None:
        err.write(f"\rdocuments read: {report.documents_read} of {report.documents_found} found "
                  f"(providers {providers_done}/{providers})")
        err.flush()
    report = bootstrap.poll(app, reports_url, progress=progress if err.isatty() else None)
    if err.isatty():
        err.write("\n")
    if app.alerts is not None:
        app.alerts.send_due()
    click.echo(report.summary())


@main.command()
@common
def reprocess(app: bootstrap.App) -> None:
    """Re-read the stored documents with today's parser and append corrections where the reading changed."""
    click.echo(run_reprocess(app.store, bootstrap.documents(app)).summary())
import service.cli_alerts  # noqa: E402,F401
import service.cli_run  # noqa: E402,F401
