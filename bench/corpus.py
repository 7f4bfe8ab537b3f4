"""Polling the real corpus served by ofsted_site.py: a full backfill, then an idle poll of the unchanged site."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from service import bootstrap
from service.settings import load
from tests.sitehelpers import corpus_missing, run_ofsted_site

DOCUMENTS = "v1"  # the kind of request that fetches a document (files.ofsted.gov.uk/v1/file/<id>)


def missing() -> str | None:
    """Why these figures cannot be measured here, or None."""
    return corpus_missing()


def measure(data_dir: Path) -> dict[str, Any]:
    """Backfill into a fresh data directory with the ILACS settings pointed at the local site, then poll again."""
    with run_ofsted_site() as site:
        settings = load(env={"ILACS_DATA_DIR": str(data_dir), "ILACS_REPORTS_URL": site.url,
                             "ILACS_FILES_URL": site.url, "ILACS_REQUEST_PACE": "0"})
        app = bootstrap.build(settings)
        site.reset_requests()
        started = time.perf_counter()
        backfill = bootstrap.poll(app)
        seconds = time.perf_counter() - started
        documents = site.requests().get(DOCUMENTS, 0)
        site.reset_requests()
        idle = bootstrap.poll(app)
        served = site.requests()
    return {
        "backfill_docs": documents,
        "backfill_s": seconds,
        "backfill_docs_per_s": documents / seconds,
        "backfill_ok": backfill.ok,
        "idle_poll_requests": sum(served.values()),
        "idle_poll_documents": served.get(DOCUMENTS, 0),
        "idle_poll_ok": idle.ok,
    }
