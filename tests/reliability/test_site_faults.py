"""The site failing: 503s on 30% of requests, a slow server, a site that is down.

Polls through bootstrap.poll against ofsted_site.py as at 2018-12-31 (263 publications, the first
ILACS reports beside the SIF ones), with the service's real HTTP fetcher and its four tries (the
backoff shrunk to milliseconds so that the test stays fast).
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from events.errors import SourceError
from notifiers.ports import RecordingSender
from service import bootstrap
from tests.reliability.helpers import duplicates, facts, local_app, quick_fetcher, tables
from tests.sitehelpers import LocalSite, corpus_missing, run_ofsted_site

pytestmark = [pytest.mark.corpus, pytest.mark.slow]
AS_AT = "2018-12-31"
MAX_POLLS = 12  # with 30% of 503s and four tries, about one poll in four reads everything


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    if reason := corpus_missing():
        pytest.skip(reason)
    with run_ofsted_site(as_at=AS_AT) as running:
        yield running


@pytest.fixture(scope="module")
def fault_free(site: LocalSite, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, dict[str, object]]:
    """The facts and tables of one poll of the site with no fault at all."""
    site.reset()
    site.set_as_at(AS_AT)
    app = local_app(tmp_path_factory.mktemp("fault-free"), site.url)
    report = bootstrap.poll(app)
    assert report.ok, report.failures
    return facts(app), tables(app, AS_AT)


@pytest.fixture
def faulty(site: LocalSite) -> Iterator[LocalSite]:
    site.reset()
    site.set_as_at(AS_AT)
    yield site
    site.reset()


def test_polls_through_30_percent_of_503s_converge_on_the_fault_free_facts(faulty, fault_free, tmp_path):
    faulty.set_faults(error_rate=0.3, seed=1)
    app = local_app(tmp_path, faulty.url)
    outcomes = []
    for _ in range(MAX_POLLS):
        try:
            report = bootstrap.poll(app, fetcher=quick_fetcher(faulty.url))
        except SourceError as err:  # the search itself failed four times: the poll fails loudly, nothing is lost
            outcomes.append(f"failed: {err}")
            continue
        outcomes.append(report.summary())
        if report.ok:
            break
    assert outcomes[-1].startswith("poll ok"), outcomes
    assert any(o.startswith(("poll partial", "failed")) for o in outcomes), "the faults never bit"
    served = sum(faulty.requests().values())
    assert duplicates(app) == []
    expected_facts, expected_tables = fault_free
    assert facts(app) == expected_facts
    assert tables(app, AS_AT) == expected_tables
    print(f"\n30% 503s: {len(outcomes)} polls ({served} requests) converge on the fault-free "
          f"{sum(expected_facts.values())} events")
    # once converged, a poll through the same faults finds nothing new
    faulty.set_faults(error_rate=0.3, seed=2)
    before = app.store.last_position()
    report = bootstrap.poll(app, fetcher=quick_fetcher(faulty.url))
    assert report.events_appended == 0 and app.store.last_position() == before


def test_a_slow_site_times_out_and_the_operator_hears_once_after_three_failed_polls(faulty, tmp_path):
    sender = RecordingSender()
    app = local_app(tmp_path, faulty.url, sender, operator_email="ops@example.org")
    faulty.set_faults(slow_ms=400)
    for _ in range(4):
        with pytest.raises(SourceError, match="timed out"):
            bootstrap.poll(app, fetcher=quick_fetcher(faulty.url, timeout=0.05, tries=2))
    assert app.alerts is not None
    app.alerts.send_due()
    subjects = [str(m["Subject"]) for m in sender.sent]
    assert subjects == ["ilacs: the last 3 polls failed"]  # the fourth failure the same day tells no one again
    assert "timed out" in str(sender.sent[0])
    assert "BackfillCompleted" not in {t for t, _, _ in facts(app)}


def test_a_site_that_is_down_fails_each_poll_loudly_and_records_nothing(faulty, tmp_path):
    faulty.set_faults(error_rate=1.0)
    app = local_app(tmp_path, faulty.url)
    with pytest.raises(SourceError, match=r"failed after 4 tries; last failure: HTTP 503"):
        bootstrap.poll(app, fetcher=quick_fetcher(faulty.url))
    assert {t for t, _, _ in facts(app)} <= {"AuthorityRecorded"}  # only the shipped closed authorities
