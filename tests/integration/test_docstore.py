"""Documents and page validators kept between polls, with two writers at once."""
from __future__ import annotations

import threading

import pytest

from events.db import make_engine, migrate
from service.docstore import DocumentStore, SqlPageCache


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_writers_of_one_document_keep_one_copy_and_neither_fails(backend, request, tmp_path, clock):
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    migrate(make_engine(url))
    stores = [DocumentStore(make_engine(url), tmp_path / "docs", clock) for _ in range(4)]
    caches = [SqlPageCache(s.engine) for s in stores]
    errors: list[Exception] = []

    def write(i: int) -> None:
        try:
            for n in range(10):
                data = b"%PDF-1.4 " + bytes([n])
                stores[i].put(f"doc{n}", f"https://files.example/v1/file/{n}", "application/pdf", data)
                caches[i].put(f"https://reports.example/p/{n}", f'"e{i}"', None, b"<html></html>")
        except Exception as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(stores[0].file_ids()) == [f"doc{n}" for n in range(10)]
    assert stores[0].get("doc3").data == b"%PDF-1.4 \x03"
    assert caches[0].get("https://reports.example/p/3").etag in {f'"e{i}"' for i in range(4)}
    assert not list((tmp_path / "docs").rglob("*.tmp"))
