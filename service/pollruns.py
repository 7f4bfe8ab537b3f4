"""A record of each poll (when, and how it went): for /healthz and for telling the operator."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from events.store import UTCDateTime, metadata

poll_runs_table = sa.Table(
    "poll_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class PollRun:
    """One finished poll."""

    started_at: datetime
    finished_at: datetime
    ok: bool
    summary: str


class PollRuns:
    """The poll runs of a database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, run: PollRun) -> None:
        """Keep a finished poll."""
        with self.engine.begin() as conn:
            conn.execute(poll_runs_table.insert().values(started_at=run.started_at, finished_at=run.finished_at,
                                                         ok=run.ok, summary=run.summary))

    def latest(self, n: int = 1) -> list[PollRun]:
        """The last n polls, newest first."""
        t = poll_runs_table
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.c.started_at, t.c.finished_at, t.c.ok, t.c.summary)
                                .order_by(t.c.id.desc()).limit(n)).all()
        return [PollRun(*row) for row in rows]

    def last_success(self) -> PollRun | None:
        """The last poll that read everything."""
        t = poll_runs_table
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.c.started_at, t.c.finished_at, t.c.ok, t.c.summary)
                               .where(t.c.ok.is_(True)).order_by(t.c.id.desc()).limit(1)).first()
        return PollRun(*row) if row else None
