"""`ilacs run` as a process against the local Ofsted site and an SMTP sink: poll, alert, stop, restart."""
from __future__ import annotations

import json
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processhelpers import ILACS, Running, SmtpSink, ilacs, running, service_env, smtp_sink, wait_until
from tests.sitehelpers import LocalSite, corpus_missing, free_port, run_ofsted_site

pytestmark = pytest.mark.slow
BACKFILL_AT, LATER = "2024-10-01", "2024-11-21"
EARLY, SUMMER = "2018-06-01", "2018-09-01"  # a shorter history, for the test that polls it twice over
PUBLISHED = ("VisitPublished", "InspectionPublished")
READER = "reader@example.org"


@pytest.fixture
def site() -> Iterator[LocalSite]:
    if reason := corpus_missing():
        pytest.skip(reason)
    with run_ofsted_site(as_at=BACKFILL_AT) as s:
        yield s


@pytest.fixture
def early_site() -> Iterator[LocalSite]:
    if reason := corpus_missing():
        pytest.skip(reason)
    with run_ofsted_site(as_at=EARLY) as s:
        yield s


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with smtp_sink() as sink:
        yield sink


def start(env: dict[str, str], tmp_path: Path, name: str = "ilacs") -> Running:
    """Enter a running `ilacs run` (the caller's `with` stops it if the test does not)."""
    return running([str(ILACS), "run"], env, int(env["ILACS_HTTP_PORT"]), tmp_path / f"{name}.log", tmp_path)


def backfilled(service: Running) -> bool:
    """Whether a poll has read the whole site (the first one is the backfill)."""
    body = service.health_json()
    return bool(body and body["last_success"])


def published_after(env: dict[str, str], position: int) -> list[dict]:
    """The publications recorded after a log position."""
    events = [json.loads(line) for line in ilacs(env, "events", "--after", str(position)).splitlines()]
    return [e for e in events if e["type"] in PUBLISHED]


def last_position(env: dict[str, str]) -> int:
    lines = ilacs(env, "events").splitlines()
    return json.loads(lines[-1])["position"] if lines else 0


def message_ids(sink: SmtpSink) -> Counter[str]:
    return Counter(m["Message-ID"] for m in sink.received())


def test_run_polls_alerts_stops_cleanly_and_sends_nothing_twice_after_a_restart(site, smtp, tmp_path):
    env = service_env(tmp_path / "data", site.url, free_port(), ILACS_SMTP_HOST="127.0.0.1",
                      ILACS_SMTP_PORT=str(smtp.port))
    ilacs(env, "subscribers", "add", READER, cwd=tmp_path)
    with start(env, tmp_path) as service:
        wait_until(lambda: backfilled(service), 120, "the backfill finished")
        assert smtp.received() == []  # a backfill alerts no one
        home = httpx.get(f"http://127.0.0.1:{service.port}/", params={"as_at": BACKFILL_AT})
        assert home.status_code == 200 and "<svg" in home.text and "Open Government Licence v3.0" in home.text
        before = last_position(env)

        site.set_as_at(LATER)
        wait_until(lambda: published_after(env, before), 30, "the new publications were recorded")
        service.wait_for_another_poll(30)  # everything the new date shows has been read and its alerts sent
        new = published_after(env, before)
        wait_until(lambda: len(smtp.received()) >= len(new), 10, "an email per new publication arrived")
        assert len(new) >= 5  # the corpus publishes 10 documents in those weeks
        assert all(m["To"] == READER for m in smtp.received())
        assert sorted(message_ids(smtp).values()) == [1] * len(new)

        assert service.stop(signal.SIGTERM) == 0
        assert "SIGTERM received: stopping" in service.log_text()

    with start(env, tmp_path, "restarted") as again:
        wait_until(lambda: again.polls_ended(), 60, "the restarted service polled")
        again.wait_for_another_poll(30)
        unsubscribe = next(m for m in smtp.received())["List-Unsubscribe"].strip("<>")
        answer = httpx.post(unsubscribe, content=b"List-Unsubscribe=One-Click", timeout=10)
        assert answer.status_code == 200 and READER in answer.text
        assert again.stop(signal.SIGINT) == 0
    assert sorted(message_ids(smtp).values()) == [1] * len(new)  # nothing sent twice
    assert READER not in ilacs(env, "subscribers", "list")
    logged = (tmp_path / "ilacs.log").read_text()
    assert "test-secret" not in logged and '"secret_key": "***"' in logged


def test_an_unreachable_site_is_a_failed_poll_on_healthz_and_the_service_keeps_running(tmp_path):
    env = service_env(tmp_path / "data", f"http://127.0.0.1:{free_port()}", free_port(),
                      ILACS_REQUEST_TIMEOUT="2", ILACS_POLL_INTERVAL="0.02")
    with start(env, tmp_path) as service:
        last = wait_until(lambda: (service.health_json(healthy_only=False) or {}).get("last_poll"), 60,
                          "a poll was tried")
        assert last["ok"] is False and "poll failed" in last["summary"] and "Connection refused" in last["summary"]
        assert "poll failed, the service keeps running" in service.log_text()
        # three intervals (3.6 s here) with no poll succeeding: unhealthy, and still serving to say so
        wait_until(lambda: service.health().status_code == 503, 30, "healthz turned 503")
        assert service.stop() == 0


@pytest.mark.postgres
def test_two_services_on_one_postgresql_poll_and_alert_without_doubling_anything(early_site, smtp, tmp_path,
                                                                                  postgres_url):
    site = early_site
    envs = [service_env(tmp_path / f"data{i}", site.url, free_port(), ILACS_SMTP_HOST="127.0.0.1",
                        ILACS_SMTP_PORT=str(smtp.port), ILACS_DATABASE_URL=postgres_url) for i in (1, 2)]
    ilacs(envs[0], "subscribers", "add", READER, cwd=tmp_path)
    with start(envs[0], tmp_path, "one") as one, start(envs[1], tmp_path, "two") as two:
        for service in (one, two):
            wait_until(lambda service=service: service.polls_ended(), 180, "both services polled")
        assert smtp.received() == []
        before = last_position(envs[0])

        site.set_as_at(SUMMER)
        for service in (one, two):
            service.wait_for_another_poll(60)
        new = published_after(envs[0], before)
        wait_until(lambda: len(smtp.received()) >= len(new), 60, "an email per new publication arrived")
        assert (one.stop(), two.stop()) == (0, 0)
    assert len(new) >= 5  # the corpus publishes 30 documents that summer
    assert sorted(message_ids(smtp).values()) == [1] * len(new)
    everything = [json.loads(line) for line in ilacs(envs[0], "events").splitlines()]
    file_ids = Counter(e["data"]["file_id"] for e in everything if e["type"] in PUBLISHED)
    assert max(file_ids.values()) == 1  # each publication recorded once
    assert sum(e["type"] == "BackfillCompleted" for e in everything) == 1
