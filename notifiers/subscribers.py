"""Who hears about what: subscribers, their alert kinds and narrowing, and the checks on what a person types."""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from events.errors import InvalidInput
from events.vocabulary import ALERT_KINDS, parse_urn
from notifiers.schema import DEAD, DIGEST, IMMEDIATE, PENDING, outbox_table, subscribers_table

MODES = (IMMEDIATE, DIGEST)
REFERENCE = Path(__file__).resolve().parent.parent / "config" / "authorities.csv"
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class Subscriber:
    """A person who asked for alerts; no URNs and no regions means every authority."""

    id: int
    email: str
    kinds: tuple[str, ...]
    urns: tuple[str, ...]
    regions: tuple[str, ...]
    mode: str
    created_at: datetime

    def covers(self, urn: str, region: str | None) -> bool:
        """Whether an authority is among those asked for (by URN or by region)."""
        if not self.urns and not self.regions:
            return True
        return urn in self.urns or (region is not None and region.casefold() in {r.casefold() for r in self.regions})


def shipped_regions(path: Path = REFERENCE) -> tuple[str, ...]:
    """The regions of the authorities the program ships."""
    with open(path, newline="") as f:
        return tuple(sorted({row["region"] for row in csv.DictReader(f) if row["region"]}))


def parse_email(value: str) -> str:
    """A bare email address, lower-cased so that one person is one subscriber."""
    email = value.strip().lower()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise InvalidInput(f"not an email address: {value!r}")
    return email


def parse_kinds(value: str) -> tuple[str, ...]:
    """Comma-separated alert kinds, kept in their canonical order."""
    given = [k.strip() for k in value.split(",") if k.strip()]
    for kind in given:
        if kind not in ALERT_KINDS:
            raise InvalidInput(f"unknown alert kind {kind!r}: use {', '.join(ALERT_KINDS)}")
    if not given:
        raise InvalidInput(f"no alert kind given: use {', '.join(ALERT_KINDS)}")
    return tuple(k for k in ALERT_KINDS if k in given)


def parse_urns(values: Iterable[str]) -> tuple[str, ...]:
    """Ofsted URNs (5 to 8 digits), each once."""
    return tuple(dict.fromkeys(parse_urn(value) for value in values))


def parse_regions(values: Iterable[str], known: Sequence[str]) -> tuple[str, ...]:
    """Region names as the reference list spells them (any case)."""
    by_fold = {r.casefold(): r for r in known}
    regions = []
    for value in values:
        if value.strip().casefold() not in by_fold:
            raise InvalidInput(f"unknown region {value!r}: use one of {', '.join(known)}")
        regions.append(by_fold[value.strip().casefold()])
    return tuple(dict.fromkeys(regions))


def parse_mode(value: str) -> str:
    """`immediate` or `digest`."""
    if value not in MODES:
        raise InvalidInput(f"mode {value!r} must be immediate or digest")
    return value


def _subscriber(row: Any) -> Subscriber:
    return Subscriber(row.id, row.email, tuple(k for k in row.kinds.split(",") if k), tuple(json.loads(row.urns)),
                      tuple(json.loads(row.regions)), row.mode, row.created_at)


def active(conn: Connection) -> list[Subscriber]:
    """The subscribers not removed, in the order they first subscribed."""
    t = subscribers_table
    return [_subscriber(r) for r in conn.execute(sa.select(t).where(t.c.removed_at.is_(None)).order_by(t.c.id))]


def by_id(conn: Connection, subscriber_id: int) -> tuple[Subscriber, bool] | None:
    """A subscriber and whether they are still subscribed."""
    row = conn.execute(sa.select(subscribers_table).where(subscribers_table.c.id == subscriber_id)).first()
    return (_subscriber(row), row.removed_at is None) if row else None


class Subscribers:
    """Adds, lists and removes subscribers in the database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime], regions: Sequence[str] | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.regions = tuple(regions) if regions is not None else shipped_regions()

    def _begin(self) -> Any:
        return self.engine.connect().execution_options(sqlite_begin="IMMEDIATE")

    def add(self, email: str, kinds: str = ",".join(ALERT_KINDS), urns: Iterable[str] = (),
            regions: Iterable[str] = (), mode: str = IMMEDIATE) -> tuple[Subscriber, bool]:
        """Subscribe an address, or replace its choices; True when it was not subscribed before."""
        t = subscribers_table
        email = parse_email(email)
        values = {"kinds": ",".join(parse_kinds(kinds)), "urns": json.dumps(parse_urns(urns)),
                  "regions": json.dumps(parse_regions(regions, self.regions)), "mode": parse_mode(mode)}
        with self._begin() as conn, conn.begin():
            row = conn.execute(sa.select(t.c.id, t.c.removed_at).where(t.c.email == email)).first()
            if row is None:
                conn.execute(t.insert().values(email=email, created_at=self.clock(), **values))
            elif row.removed_at is not None:  # back again: a new subscription, from now on
                conn.execute(t.update().where(t.c.id == row.id).values(created_at=self.clock(), removed_at=None,
                                                                        **values))
            else:
                conn.execute(t.update().where(t.c.id == row.id).values(**values))
            new = row is None or row.removed_at is not None
            return _subscriber(conn.execute(sa.select(t).where(t.c.email == email)).one()), new

    def current(self) -> list[Subscriber]:
        """Everyone subscribed now."""
        with self.engine.connect() as conn:
            return active(conn)

    def remove(self, email: str) -> str:
        """Unsubscribe an address (InvalidInput when it is not subscribed); the address as kept."""
        email = parse_email(email)
        with self._begin() as conn, conn.begin():
            if not self.remove_in(conn, email):
                raise InvalidInput(f"{email} is not subscribed")
        return email

    def remove_in(self, conn: Connection, email: str) -> bool:
        """Unsubscribe within the caller's transaction; what was still queued for them is dropped."""
        t, o = subscribers_table, outbox_table
        row = conn.execute(sa.select(t.c.id).where(t.c.email == email, t.c.removed_at.is_(None))).first()
        if row is None:
            return False
        conn.execute(t.update().where(t.c.id == row.id).values(removed_at=self.clock()))
        conn.execute(o.update().where(o.c.subscriber_id == row.id, o.c.status == PENDING)
                     .values(status=DEAD, last_error="unsubscribed"))
        return True
