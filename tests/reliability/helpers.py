"""What the reliability tests compare: the facts a store holds, whatever order and time they were learned in."""
from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date
from pathlib import Path

from notifiers.ports import Sender
from service import bootstrap
from service.fetch import HttpFetcher
from service.settings import Settings


def facts(app: bootstrap.App) -> Counter[tuple[str, str | None, str]]:
    """Every event as (type, idempotency key, data): positions and timestamps left out, duplicates counted."""
    return Counter((r.type, r.key, json.dumps(r.data, sort_keys=True)) for r in app.store.read())


def duplicates(app: bootstrap.App) -> list[tuple[str, str | None, str]]:
    """The events stated more than once."""
    return [fact for fact, n in facts(app).items() if n > 1]


def tables(app: bootstrap.App, as_at: str) -> dict[str, object]:
    """The tables as at a day, without the instant they were computed."""
    result = dict(app.projection.tables(date.fromisoformat(as_at)))
    result.pop("known_at", None)
    return result


def local_app(data_dir: Path, site_url: str, sender: Sender | None = None, **more: object) -> bootstrap.App:
    """An app polling the local site with no pacing (its emails to `sender`, when given)."""
    settings = Settings(data_dir=data_dir, reports_url=site_url, files_url=site_url, request_pace=0,
                        **more)  # type: ignore[arg-type]
    return bootstrap.build(settings, sender=sender)


def quick_fetcher(site_url: str, *, timeout: float = 10.0, tries: int = 4) -> HttpFetcher:
    """The real HTTP fetcher with the service's tries, its backoff shrunk to milliseconds."""
    return HttpFetcher([site_url], timeout=timeout, tries=tries, backoff=0.001, max_backoff=0.005, min_interval=0)


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any ILACS_ setting, plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ILACS_")}
    env.update(values)
    return env
