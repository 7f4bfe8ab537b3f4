"""Test helpers for the web: an app on a seeded SQLite store, a fake record of polls, a server on a free port."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from events.store import NewEvent, SqlEventStore
from service import bootstrap
from service import settings as settings_mod
from service.health import Health
from service.pollruns import PollRun
from service.web import Web, serve
from tests import seed_history as seed

RECORDED = datetime(2024, 11, 21, 12, tzinfo=UTC)  # when the seed history was recorded


class FakeRuns:
    """Poll runs kept in a list, newest last."""

    def __init__(self) -> None:
        self.runs: list[PollRun] = []

    def latest(self, n: int = 1) -> list[PollRun]:
        return list(reversed(self.runs))[:n]

    def last_success(self) -> PollRun | None:
        return next((r for r in reversed(self.runs) if r.ok), None)


def seeded_app(data_dir: Path, clock: Callable[[], datetime]) -> bootstrap.App:
    """An app on SQLite in data_dir holding the SESLIP seed history, recorded at RECORDED."""
    settings = settings_mod.load(env={}, data_dir=data_dir, reports_url="https://reports.example.test")
    app = bootstrap.build(settings, clock=clock)
    assert app.engine is not None
    SqlEventStore(app.engine, lambda: RECORDED).append([NewEvent(e) for e in seed.seed_events()])
    return app


def health_for(app: bootstrap.App, runs: FakeRuns, interval: timedelta = timedelta(minutes=60)) -> Health:
    """A Health over fake poll runs, started now."""
    return Health(runs, app.clock, interval, app.clock())


@contextmanager
def running_web(app: bootstrap.App, health: Health) -> Iterator[str]:
    """The web on a free port for the duration of the block; yields its base URL."""
    server = serve(Web(app, health), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
