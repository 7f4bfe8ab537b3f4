"""The outbox table: rows queued with the events they answer, claimed by one sender at a time, then settled."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from events.db import upsert_insert
from notifiers.schema import DIGEST, PENDING, SENDING, outbox_table

o = outbox_table


@dataclass(frozen=True)
class Row:
    """A claimed outbox row."""

    id: int
    subscriber_id: int | None
    recipient: str
    key: str
    mode: str
    attempts: int
    payload: dict[str, Any]


def insert(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Queue rows in the caller's transaction; a row already queued for that (recipient, key) is kept as it is."""
    if not rows:
        return 0
    stmt = upsert_insert(conn, o).on_conflict_do_nothing().returning(o.c.id)
    return len(conn.execute(stmt, list(rows)).all())


def claim(engine: Engine, now: datetime, lease_until: datetime, limit: int) -> list[Row]:
    """Take due rows (and a digest's other due rows with them) for sending; a second sender skips them.

    A row left `sending` by a sender that died is due again once its lease runs out.
    """
    due = sa.and_(o.c.status.in_([PENDING, SENDING]), o.c.next_attempt_at <= now)
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
        first = conn.execute(sa.select(o.c.id, o.c.subscriber_id, o.c.mode).where(due).order_by(o.c.id)
                             .limit(limit).with_for_update(skip_locked=True)).all()
        ids = {r.id for r in first}
        digests = {r.subscriber_id for r in first if r.mode == DIGEST}
        if digests:
            ids.update(conn.execute(sa.select(o.c.id).where(due, o.c.mode == DIGEST, o.c.subscriber_id.in_(digests))
                                    .with_for_update(skip_locked=True)).scalars())
        if not ids:
            return []
        conn.execute(o.update().where(o.c.id.in_(ids)).values(status=SENDING, next_attempt_at=lease_until))
        rows = conn.execute(sa.select(o).where(o.c.id.in_(ids)).order_by(o.c.id)).all()
    return [Row(r.id, r.subscriber_id, r.recipient, r.key, r.mode, r.attempts, json.loads(r.payload)) for r in rows]


def settle(engine: Engine, ids: Sequence[int], tried: bool, **values: Any) -> None:
    """Record what became of claimed rows (`tried`: an attempt to deliver them was made)."""
    if tried:
        values["attempts"] = o.c.attempts + 1
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
        conn.execute(o.update().where(o.c.id.in_(list(ids)), o.c.status == SENDING).values(**values))
