"""The one place that wires the real store, clock and collaborators together (tests pass fakes)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from events.db import make_engine, migrate
from events.projection import Projection
from events.store import EventStore, SqlEventStore
from service.analyst import Analyst
from service.settings import Settings

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


def build(settings: Settings, clock: Clock | None = None, store: EventStore | None = None) -> App:
    """Build the service; the schema is created or upgraded on the way."""
    clock = clock or system_clock
    engine = None
    if store is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.store_url)
        migrate(engine)
        store = SqlEventStore(engine, clock)
    projection = Projection(store, clock)
    return App(settings, clock, engine, store, projection, Analyst(store, projection))
