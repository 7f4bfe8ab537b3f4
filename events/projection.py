"""Keeps the facts of the whole log in memory and brings them up to date by reading only newer events.

Every SNAPSHOT_EVERY events folded, the facts are kept in the store with the position they reflect, so that
a restarted process reads them back and folds only the events recorded since.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from events.facts import FOLDED_TYPES, Facts
from events.store import EventStore
from events.tables import tables
from events.types import iso_utc

SNAPSHOT = "facts"
SNAPSHOT_EVERY = 50_000


def folded(store: EventStore, types: Sequence[str] = FOLDED_TYPES) -> Facts:
    """The facts of the whole log's events of these types, read narrowly."""
    facts = Facts()
    facts.apply_rows(store.read_rows(types=types))
    return facts


class Projection:
    """Tables as at any date; the latest facts are cached with the log position they reflect."""

    def __init__(self, store: EventStore, clock: Callable[[], datetime], snapshot_every: int = SNAPSHOT_EVERY) -> None:
        self.store = store
        self.clock = clock
        self.snapshot_every = snapshot_every
        self._latest: Facts | None = None
        self._kept_at = 0  # the position of the last snapshot kept or read
        self._lock = threading.Lock()

    def facts(self, known_at: datetime | None = None) -> Facts:
        """The facts as known at an instant (None: everything recorded so far)."""
        if known_at is not None:
            return self._known_at(known_at)
        with self._lock:
            return self._caught_up()

    def tables(self, as_at: date, known_at: datetime | None = None) -> dict[str, Any]:
        """Every table as at `as_at`, from what was known at `known_at` (SPEC section 5's JSON shape)."""
        if known_at is not None:
            computed = tables(self._known_at(known_at), as_at)
        else:
            with self._lock:  # so that another thread's catch-up cannot change the facts half-way through
                computed = tables(self._caught_up(), as_at)
        shown = (known_at or self.clock()).astimezone(UTC)
        return {"as_at": as_at.isoformat(), "known_at": iso_utc(shown), **computed}

    def _known_at(self, known_at: datetime) -> Facts:
        facts = Facts()
        facts.apply_rows(self.store.read_rows(known_at=known_at, types=FOLDED_TYPES))
        return facts

    def _caught_up(self) -> Facts:
        """The latest facts with the events recorded since folded in (the caller holds the lock)."""
        if self._latest is None:
            self._latest = self._restored()
        latest = self._latest
        latest.apply_rows(self.store.read_rows(after=latest.position, types=FOLDED_TYPES))
        if latest.position - self._kept_at >= self.snapshot_every:
            self.store.keep_snapshot(SNAPSHOT, latest.position, latest.to_snapshot())
            self._kept_at = latest.position
        return latest

    def _restored(self) -> Facts:
        """The facts of the last snapshot kept (in this format), or none yet."""
        kept = self.store.snapshot(SNAPSHOT)
        facts = Facts.from_snapshot(kept[1], kept[0]) if kept else None
        if facts is None:
            return Facts()
        self._kept_at = facts.position
        return facts
