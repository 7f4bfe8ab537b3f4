"""One poller at a time, even with several processes on one database."""
from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
POLL_LOCK_ID = 0x11AC6  # the PostgreSQL advisory lock of the poll


@contextmanager
def poll_lock(engine: Engine | None, data_dir: Path) -> Iterator[None]:
    """Hold the poll lock: an advisory lock on PostgreSQL, a file lock beside SQLite; waits its turn."""
    if engine is not None and engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": POLL_LOCK_ID})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": POLL_LOCK_ID})
                conn.commit()
        return
    # beside the SQLite file itself, so processes with other data directories on the same file still queue
    database = engine.url.database if engine is not None else None
    path = Path(f"{database}.poll.lock") if database and database != ":memory:" else data_dir / "poll.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
