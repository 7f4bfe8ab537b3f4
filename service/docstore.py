"""Documents kept once, by content hash, in the data directory; page validators kept in the database."""
from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from events.db import upsert_insert
from events.store import UTCDateTime, metadata
from service.sources.site import CachedPage

documents_table = sa.Table(
    "documents", metadata,
    sa.Column("file_id", sa.String(64), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content_type", sa.String(128)),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("fetched_at", UTCDateTime, nullable=False),
)
page_cache_table = sa.Table(
    "page_cache", metadata,
    sa.Column("url", sa.String(1024), primary_key=True),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("body", sa.LargeBinary, nullable=False),
)


@dataclass(frozen=True)
class StoredDocument:
    """A downloaded document: its bytes and where they came from."""

    file_id: str
    url: str
    content_type: str | None
    data: bytes


class DocumentStore:
    """Each document's bytes once under data_dir/documents/<sha256>; an index by file id in the database."""

    def __init__(self, engine: Engine, folder: Path, clock: Callable[[], datetime]) -> None:
        self.engine, self.folder, self.clock = engine, folder, clock

    def _path(self, digest: str) -> Path:
        return self.folder / digest[:2] / digest

    def put(self, file_id: str, url: str, content_type: str | None, data: bytes) -> None:
        """Keep a document; writing the same file id again keeps the first copy."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")  # unique per writer, even threads of one process
            tmp.write_bytes(data)
            os.replace(tmp, path)  # atomic: a crash never leaves half a document under its hash
        row = {"file_id": file_id, "url": url, "sha256": digest, "content_type": content_type, "size": len(data),
               "fetched_at": self.clock()}
        with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            # two writers of one document: the second keeps the first's row and never fails
            conn.execute(upsert_insert(conn, documents_table).on_conflict_do_nothing(index_elements=["file_id"]), row)

    def get(self, file_id: str) -> StoredDocument | None:
        """The stored document of a file id, if it was downloaded before."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(documents_table).where(documents_table.c.file_id == file_id)).first()
        if row is None or not self._path(row.sha256).exists():
            return None
        return StoredDocument(row.file_id, row.url, row.content_type, self._path(row.sha256).read_bytes())

    def file_ids(self) -> Iterator[str]:
        """Every stored file id."""
        with self.engine.connect() as conn:
            yield from conn.execute(sa.select(documents_table.c.file_id).order_by(documents_table.c.file_id)).scalars()


class SqlPageCache:
    """Page bodies and their validators in the database, so that conditional requests survive restarts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, url: str) -> CachedPage | None:
        """The cached copy of a URL, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(page_cache_table).where(page_cache_table.c.url == url)).first()
        return CachedPage(row.etag, row.last_modified, row.body) if row else None

    def put(self, url: str, etag: str | None, last_modified: str | None, body: bytes) -> None:
        """Keep a copy of a page."""
        values = {"etag": etag, "last_modified": last_modified, "body": body}
        with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            insert = upsert_insert(conn, page_cache_table)
            insert = insert.on_conflict_do_update(index_elements=["url"], set_={k: insert.excluded[k] for k in values})
            conn.execute(insert, {"url": url, **values})
