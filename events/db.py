"""Engines for the store's URLs, and the schema kept up to date by Alembic on start."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from events.errors import InvalidInput, StoreError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
PG_MIGRATION_LOCK = 0x11AC5  # an advisory lock id: one process migrates at a time


def upsert_insert(conn: sa.Connection, table: sa.Table) -> Any:
    """The backend's INSERT that takes ON CONFLICT clauses (SQLite and PostgreSQL both have them)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def normalise_url(url: str) -> str:
    """Accept a plain postgresql:// URL as it is, using the psycopg 3 driver."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def _without_password(url: str) -> str:
    """A URL as it may be shown: any password replaced."""
    return re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", url)


def make_engine(url: str) -> Engine:
    """An engine for a store URL; SQLite gets WAL, a busy timeout and explicit BEGIN modes."""
    try:
        parsed = sa.engine.make_url(normalise_url(url))
    except (sa.exc.ArgumentError, ValueError) as err:  # ValueError: a port that is not a number
        raise InvalidInput(f"not a database URL: {_without_password(url)!r}") from err
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise InvalidInput(f"cannot make the folder of the database {parsed.database}: {err.strerror}") from err
        engine = sa.create_engine(parsed, connect_args={"timeout": 30})
        _sqlite_hooks(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True)
    raise InvalidInput(f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://")


def _sqlite_hooks(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(conn: sa.Connection) -> None:
        # writers take the lock at BEGIN, so two writers queue instead of failing to upgrade a read lock
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.connect() as conn:  # most runs find the schema current: no write lock for them
            if set(MigrationContext.configure(conn).get_current_heads()) == set(
                    ScriptDirectory.from_config(cfg).get_heads()):
                return
        with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except sa.exc.OperationalError as err:
        raise StoreError(f"cannot reach the database: {err.orig}") from err
