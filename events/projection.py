"""Keeps the facts of the whole log in memory and brings them up to date by reading only newer events."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from events.facts import Facts, fold
from events.store import EventStore
from events.tables import tables


class Projection:
    """Tables as at any date; the latest facts are cached with the log position they reflect."""

    def __init__(self, store: EventStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self._latest = Facts()
        self._lock = threading.Lock()

    def facts(self, known_at: datetime | None = None) -> Facts:
        """The facts as known at an instant (None: everything recorded so far)."""
        if known_at is not None:
            return fold(self.store.read(known_at=known_at), known_at)
        with self._lock:
            for record in self.store.read(after=self._latest.position):
                self._latest.apply(record)
            return self._latest

    def tables(self, as_at: date, known_at: datetime | None = None) -> dict[str, Any]:
        """Every table as at `as_at`, from what was known at `known_at` (SPEC section 5's JSON shape)."""
        facts = self.facts(known_at)
        shown = (known_at or self.clock()).astimezone(UTC)
        return {"as_at": as_at.isoformat(), "known_at": shown.isoformat().replace("+00:00", "Z"),
                **tables(facts, as_at)}
