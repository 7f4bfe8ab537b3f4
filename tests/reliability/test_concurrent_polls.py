"""Two pollers at once on one database (two containers on one PostgreSQL, two processes on one SQLite
file): each fact is recorded once, each authority once, and each alert queued once.
"""
from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from service import bootstrap
from service.fetch import FakeFetcher
from service.poller import PollReport
from service.settings import Settings
from tests import pdfs
from tests.alerthelpers import outbox_rows
from tests.reliability.helpers import clean_env, duplicates, facts, local_app
from tests.sitehelpers import corpus_missing, run_ofsted_site

SITE, FILES = "https://reports.example", "https://files.example"
SEARCH = f"{SITE}/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100"
VISIT, REPORT = "Children's services focused visit", "Children's services inspection"
ILACS = Path(sys.executable).parent / "ilacs"
PROVIDERS = [(str(80001 + i), f"Testshire {i}") for i in range(8)]


def site(extra: bool = False) -> FakeFetcher:
    """Eight authorities, each with a report and a visit letter (and, with `extra`, a new letter for the first)."""
    fetcher = FakeFetcher()
    fetcher.add(SEARCH, pdfs.search_page(PROVIDERS))
    for n, (urn, name) in enumerate(PROVIDERS):
        listed = [(VISIT, date(2023, 6, 20), f"{urn}2"), (REPORT, date(2022, 3, 1), f"{urn}1")]
        if extra and n == 0:
            listed.insert(0, (VISIT, date(2024, 11, 20), f"{urn}3"))
            fetcher.add(f"{FILES}/v1/file/{urn}3", pdfs.letter(name, "4 and 5 November 2024", "care leavers", True),
                        content_type="application/pdf")
        fetcher.add(f"{SITE}/provider/44/{urn}", pdfs.provider_page(urn, name, listed, FILES))
        fetcher.add(f"{FILES}/v1/file/{urn}1", pdfs.report(name, "Good" if n % 2 else "Inadequate"),
                    content_type="application/pdf")
        fetcher.add(f"{FILES}/v1/file/{urn}2", pdfs.letter(name, "17 and 18 May 2023", "children in care"),
                    content_type="application/pdf")
    return fetcher


def two_polls_at_once(settings: list[Settings], extra: bool = False) -> list[PollReport]:
    """Build an app for each settings and poll with each at the same moment, each in its own thread."""
    start = threading.Barrier(len(settings))
    reports: list[PollReport] = []
    errors: list[BaseException] = []

    def poller(s: Settings) -> None:
        try:
            app = bootstrap.build(s)  # two services starting together migrate together too
            start.wait(timeout=30)
            reports.append(bootstrap.poll(app, fetcher=site(extra)))
        except BaseException as err:  # noqa: BLE001 - reported to the test below
            errors.append(err)

    threads = [threading.Thread(target=poller, args=(s,)) for s in settings]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a poller hung"
    assert errors == []
    return reports


def authorities_recorded(app: bootstrap.App) -> Counter[str]:
    return Counter(r.data["urn"] for r in app.store.read() if r.type == "AuthorityRecorded")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


def settings_for(url: str, folder: Path, same_data_dir: bool, n: int) -> Settings:
    # PostgreSQL: two containers, each with its own data volume; SQLite: two processes on one data directory
    data = folder if same_data_dir else folder / f"service-{n}"
    return Settings(data_dir=data, database_url=url, reports_url=SITE, files_url=FILES, request_pace=0,
                    operator_email="ops@example.org", secret_key="test-secret")


def test_two_polls_at_once_record_each_fact_once(database, tmp_path):
    same_dir = database.startswith("sqlite")
    settings = [settings_for(database, tmp_path, same_dir, n) for n in range(2)]
    reports = two_polls_at_once(settings)
    app = bootstrap.build(settings[0])
    assert all(r.ok for r in reports)
    assert sorted(r.new_publications for r in reports) == [0, 16]  # one read everything, the other found it read
    assert duplicates(app) == []
    shipped_closed = {u for u, n in authorities_recorded(app).items() if u not in dict(PROVIDERS)}
    assert all(authorities_recorded(app)[urn] == 1 for urn, _ in PROVIDERS), authorities_recorded(app)
    assert shipped_closed and all(authorities_recorded(app)[u] == 1 for u in shipped_closed)
    kinds = Counter(t for t, _, _ in facts(app))
    assert (kinds["VisitPublished"], kinds["InspectionPublished"], kinds["BackfillCompleted"]) == (8, 8, 1)


def test_a_new_letter_seen_by_two_polls_at_once_is_one_event_and_one_alert(database, tmp_path):
    same_dir = database.startswith("sqlite")
    settings = [settings_for(database, tmp_path, same_dir, n) for n in range(2)]
    app = bootstrap.build(settings[0])
    assert bootstrap.poll(app, fetcher=site()).backfill
    assert app.alerts is not None
    app.alerts.subscribers.add("reader@example.org")
    two_polls_at_once(settings, extra=True)
    letters = [r for r in app.store.read() if r.type == "VisitPublished" and r.data["file_id"] == "800013"]
    assert len(letters) == 1 and letters[0].data["priority_action"] is True
    rows = [r for r in outbox_rows(app) if r.recipient == "reader@example.org"]
    assert len(rows) == 1
    assert duplicates(app) == []


@pytest.mark.slow
@pytest.mark.corpus
def test_two_ilacs_poll_processes_on_one_postgresql_record_what_one_would(postgres_url, tmp_path):
    if reason := corpus_missing():
        pytest.skip(reason)
    with run_ofsted_site(as_at="2015-12-31") as site:
        alone = local_app(tmp_path / "alone", site.url)
        assert bootstrap.poll(alone).ok
        processes = []
        for n in range(2):  # two containers: a data volume each, one database
            env = clean_env(ILACS_DATA_DIR=str(tmp_path / f"container-{n}"), ILACS_DATABASE_URL=postgres_url,
                            ILACS_REPORTS_URL=site.url, ILACS_FILES_URL=site.url, ILACS_REQUEST_PACE="0")
            processes.append(subprocess.Popen([str(ILACS), "poll"], env=env, cwd=tmp_path, text=True,
                                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
        outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0]
    assert all(out.startswith("poll ok") for out in outputs), outputs
    shared = bootstrap.build(Settings(data_dir=tmp_path / "container-0", database_url=postgres_url))
    assert duplicates(shared) == []
    assert facts(shared) == facts(alone)
