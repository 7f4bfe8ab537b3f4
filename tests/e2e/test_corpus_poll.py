"""Polling the real corpus served by ofsted_site.py, compared with the SESLIP page as at 21/11/2024."""
from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from service import bootstrap
from service.cli import main
from service.settings import Settings
from tests import seed_history as seed

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.fixture(scope="module")
def polled(tmp_path_factory, _ofsted_site_process):
    site = _ofsted_site_process
    site.reset()
    site.set_as_at("2024-11-21")
    data = tmp_path_factory.mktemp("corpus")
    settings = Settings(data_dir=data, reports_url=site.url, files_url=site.url, request_pace=0)
    app = bootstrap.build(settings)
    started = time.monotonic()
    first = bootstrap.poll(app)
    seconds = time.monotonic() - started
    print(f"\nfull poll of the corpus: {first.summary()} ({seconds:.1f} s wall)")
    return app, site, first


def tables(app) -> dict:
    result = CliRunner().invoke(main, ["tables", "--db", app.settings.store_url, "--as-at", "2024-11-21",
                                       "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_poll_of_the_corpus_reproduces_the_seed_page(polled):
    app, _, first = polled
    assert first.ok and first.backfill and first.unreadable == 4  # the four 2012 "Report not found" pages
    t = tables(app)
    counts = t["table_10_1"]["counts"]
    # the page also counts 5 visits to closed authorities, whose pages are gone: a few visits' slack
    for grade, row in seed.TABLE_10_1.items():
        for topic, expected in zip(seed.TOPICS, row, strict=True):
            assert abs(counts[grade][topic] - expected) <= 4, (grade, topic)
    assert 318 <= counts["Total"]["Total"] <= 325
    for year, row in seed.TABLE_10_3.items():
        for topic, expected in zip(seed.TOPICS, row, strict=True):
            assert abs(t["table_10_3"][str(year)][topic] - expected) <= 3, (year, topic)
    t4 = t["table_10_4"]
    assert t4["no_visit_yet"] == seed.NO_VISIT
    assert [p["authority"] for p in t["notes"]["pdmoc"]] == ["Dudley", "Stockton-on-Tees"]
    assert 21 <= t["notes"]["priority_actions"] <= 23
    seed_days = {"Outstanding": 14, "Good": 45, "Requires improvement": 38, "Not inspected": 2}
    for grade, share in t4["grade_share"].items():
        assert abs(share["authority_days_percent"] - seed_days[grade]) <= 2, grade
    assert t["table_10_1"]["percent"]["Good"]["FD"] == round(100 * counts["Good"]["FD"] / counts["Good"]["Total"])


def test_second_poll_of_the_unchanged_site_downloads_nothing_and_appends_nothing(polled):
    app, site, _ = polled
    before = app.store.last_position()
    site.reset_requests()
    again = bootstrap.poll(app)
    assert again.ok and again.events_appended == 0 and app.store.last_position() == before
    requests = site.requests()
    assert requests.get("v1", 0) == 0
    assert sum(requests.values()) <= 160
