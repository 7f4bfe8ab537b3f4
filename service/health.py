"""What /healthz says: the last poll's time and outcome, and whether polling has gone stale."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from events.types import iso_utc
from service.pollruns import PollRun

STALE_AFTER_INTERVALS = 3


class RunLog(Protocol):
    """The poll runs kept in the database (service.pollruns.PollRuns)."""

    def latest(self, n: int = 1) -> list[PollRun]:
        """The last n polls, newest first."""
        ...

    def last_success(self) -> PollRun | None:
        """The last poll that read everything."""
        ...


def _iso(moment: datetime | None) -> str | None:
    return iso_utc(moment) if moment else None


def _run(run: PollRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {"started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at), "ok": run.ok,
            "summary": run.summary}


@dataclass
class Health:
    """This process's view of polling; stale when no poll has succeeded for three intervals.

    The interval counts its jitter. A process gets three intervals from its start before it can be
    stale, so that a restart after a long stop is not unhealthy while its first poll runs.
    """

    runs: RunLog
    clock: Callable[[], datetime]
    interval: timedelta
    started_at: datetime
    polling_since: datetime | None = None
    last_ended: datetime | None = None
    last_error: str | None = None  # what the poll runs could not record (the database gone, a bug)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def poll_started(self) -> None:
        """A poll of this process began (it may first wait for another process's)."""
        with self._lock:
            self.polling_since = self.clock()

    def poll_ended(self, error: str | None = None) -> None:
        """The poll in hand ended, with the error that stopped it if any."""
        with self._lock:
            self.polling_since, self.last_ended = None, self.clock()
            self.last_error = error.splitlines()[0] if error else None

    def check(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, the JSON body of /healthz)."""
        now = self.clock()
        try:
            latest = self.runs.latest(1)
            success = self.runs.last_success()
        except Exception as err:  # the database is unreachable: unhealthy, and say why
            first_line = str(err).splitlines()[0]
            return False, {"status": "error", "now": _iso(now), "error": f"cannot read the poll runs: {first_line}"}
        since = max(success.finished_at, self.started_at) if success else self.started_at
        healthy = now - since <= STALE_AFTER_INTERVALS * self.interval
        return healthy, {
            "status": "ok" if healthy else "stale",
            "now": _iso(now),
            "poll_interval_seconds": self.interval.total_seconds(),
            "last_poll": _run(latest[0] if latest else None),  # by any process on this database
            "last_success": _run(success),
            "process": {"started_at": _iso(self.started_at), "polling_since": _iso(self.polling_since),
                        "last_poll_ended": _iso(self.last_ended), "last_error": self.last_error},
        }
