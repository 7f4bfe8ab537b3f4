"""Shared fixtures: a steppable clock, and stores of every kind (memory, SQLite, PostgreSQL)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from events.db import make_engine, migrate
from events.store import MemoryEventStore, SqlEventStore

POSTGRES_URL = os.environ.get("ILACS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[2] / "shared"


class SteppableClock:
    """A clock the test moves on by hand."""

    def __init__(self, start: datetime = datetime(2024, 11, 21, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> SteppableClock:
    return SteppableClock()


def postgres_available() -> bool:
    try:
        with make_engine(POSTGRES_URL).connect():
            return True
    except Exception:
        return False


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL on a schema of its own, dropped afterwards."""
    if not postgres_available():
        if os.environ.get("ILACS_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required but does not answer at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_URL}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ilacs.db'}"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, clock: SteppableClock) -> Iterator[object]:
    """The same contract, on every implementation."""
    if request.param == "memory":
        yield MemoryEventStore(clock)
        return
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    engine = make_engine(url)
    migrate(engine)
    yield SqlEventStore(engine, clock)
    engine.dispose()


@pytest.fixture
def shared_ofsted() -> Path:
    """The real corpus beside the repository, or a skip that says why."""
    folder = SHARED / "ofsted"
    if not (folder / "publications.csv").exists():
        pytest.skip(f"the real Ofsted corpus is not at {folder}")
    return folder


from tests.sitehelpers import _ofsted_site_process, ofsted_site  # noqa: E402,F401  (fixtures)
