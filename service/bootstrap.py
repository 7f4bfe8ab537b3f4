"""The one place that wires the real store, clock and collaborators together (tests pass fakes)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from events.db import make_engine, migrate
from events.errors import IlacsError, InvalidInput
from events.projection import Projection
from events.store import EventStore, SqlEventStore
from notifiers.alerts import Alerts
from notifiers.maildir import MaildirSender
from notifiers.ports import Sender
from notifiers.render import Renderer
from notifiers.smtp import SmtpSender
from notifiers.subscribers import Subscribers
from notifiers.tokens import Tokens, key_file_secret
from service.analyst import Analyst
from service.docstore import DocumentStore, SqlPageCache
from service.fetch import Fetcher, HttpFetcher
from service.locks import poll_lock
from service.poller import Poller, PollReport, Progress
from service.pollruns import PollRun, PollRuns
from service.settings import Settings
from service.sources.feeds import FeedSource
from service.sources.site import MemoryPageCache, OfstedSite

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


@dataclass
class App:
    """The wired service: what the CLI, the scheduler and the web call."""

    settings: Settings
    clock: Clock
    engine: Engine | None
    store: EventStore
    projection: Projection
    analyst: Analyst
    alerts: Alerts | None = None  # None with a memory store: the outbox lives in the database


def make_site(settings: Settings, engine: Engine | None, fetcher: Fetcher,
              reports_url: str | None = None) -> OfstedSite:
    """The Ofsted site source on a fetcher; pages cached in the database."""
    cache = SqlPageCache(engine) if engine is not None else MemoryPageCache()
    return OfstedSite(fetcher, _reports(settings, reports_url), settings.files_url.rstrip("/"), cache=cache)


def _reports(settings: Settings, reports_url: str | None) -> str:
    return (reports_url or settings.reports_url).rstrip("/")


def make_poller(app: App, fetcher: Fetcher, feed_fetcher: Fetcher | None = None,
                reports_url: str | None = None) -> Poller:
    """A poller of the site on this app's store, queueing alerts when the app has them."""
    if app.engine is None:
        raise IlacsError("polling needs a database store")
    site = make_site(app.settings, app.engine, fetcher, reports_url)
    feeds = None
    if app.settings.feeds:
        feeds = FeedSource(feed_fetcher or fetcher, app.settings.feeds, reports_url=site.reports_url,
                           files_url=site.files_url)
    return Poller(app.store, site, documents(app), app.alerts.enqueue if app.alerts is not None else None, feeds=feeds)


def documents(app: App) -> DocumentStore:
    """The downloaded documents of this app's data directory."""
    if app.engine is None:
        raise IlacsError("documents need a database store")
    return DocumentStore(app.engine, app.settings.data_dir / "documents", app.clock)


def poll(app: App, reports_url: str | None = None, fetcher: Fetcher | None = None,
         progress: Progress | None = None) -> PollReport:
    """One poll under the poll lock (a second poller waits its turn), kept in the poll runs."""
    runs = PollRuns(app.engine) if app.engine is not None else None
    started = app.clock()
    with poll_lock(app.engine, app.settings.data_dir), ExitStack() as owned:
        feed_fetcher = fetcher
        if fetcher is None:  # real HTTP clients, closed with the poll so that a long-running service leaks none
            s = app.settings
            fetcher = owned.enter_context(HttpFetcher([_reports(s, reports_url), s.files_url.rstrip("/")],
                                                      timeout=s.request_timeout, min_interval=s.request_pace))
            feed_fetcher = owned.enter_context(HttpFetcher(s.feeds, timeout=s.request_timeout)) if s.feeds else None
        try:
            report = make_poller(app, fetcher, feed_fetcher, reports_url).poll(progress)
        except IlacsError as err:
            if runs is not None:
                runs.record(PollRun(started, app.clock(), False, f"poll failed: {err}"))
                tell_operator(app, runs)
            raise
    if runs is not None:
        runs.record(PollRun(started, app.clock(), report.ok, report.summary()))
        tell_operator(app, runs, report)
    return report


FAILURES_BEFORE_TELLING = 3


def tell_operator(app: App, runs: PollRuns, report: PollReport | None = None) -> None:
    """The operator hears of unreadable documents, and of polls failing repeatedly."""
    alerts = app.alerts
    if alerts is None:
        return
    if report is not None and report.unreadable:
        alerts.operator("ilacs: documents could not be read",
                        f"{report.unreadable} of this poll's documents could not be read. Each is kept as a "
                        "PublicationUnreadable event (`ilacs events`) and retried on later polls.\n"
                        + report.summary())
    recent = runs.latest(FAILURES_BEFORE_TELLING)
    if len(recent) == FAILURES_BEFORE_TELLING and not any(r.ok for r in recent):
        body = "\n".join(f"{r.finished_at:%Y-%m-%d %H:%M} {r.summary}" for r in recent)
        if report is not None and report.failures:
            body += "\n\nWhat failed in the last poll:\n" + "\n".join(f"- {f}" for f in report.failures[:10])
        alerts.operator(f"ilacs: the last {FAILURES_BEFORE_TELLING} polls failed", body)


def make_sender(settings: Settings) -> Sender:
    """SMTP when a host is set; otherwise .eml files in data_dir/maildir, so nothing is lost."""
    if settings.smtp_host:
        return SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_tls, settings.smtp_user,
                          settings.smtp_password, timeout=settings.request_timeout)
    return MaildirSender(settings.data_dir / "maildir")


def make_alerts(settings: Settings, engine: Engine, clock: Clock, sender: Sender | None = None) -> Alerts:
    """Subscribers, outbox and sender on the store's database; tokens signed with the configured or kept key."""
    key = settings.secret_key
    tokens = Tokens((lambda: key.encode()) if key else key_file_secret(settings.data_dir))
    renderer = Renderer(settings.smtp_from, settings.public_url, tokens)
    return Alerts(engine, clock, sender or make_sender(settings), renderer, tokens, Subscribers(engine, clock),
                  settings.operator_email)


def build(settings: Settings, clock: Clock | None = None, store: EventStore | None = None,
          sender: Sender | None = None) -> App:
    """Build the service; the schema is created or upgraded on the way."""
    clock = clock or system_clock
    engine = None
    if store is None:
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InvalidInput(f"cannot use the data directory {settings.data_dir}: {err.strerror}") from err
        engine = make_engine(settings.store_url)
        migrate(engine)
        store = SqlEventStore(engine, clock)
    projection = Projection(store, clock)
    app = App(settings, clock, engine, store, projection, Analyst(store, projection))
    if engine is not None:
        app.alerts = make_alerts(settings, engine, clock, sender)
    return app
