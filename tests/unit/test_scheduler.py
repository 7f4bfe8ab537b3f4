"""The scheduler's jobs and their settings, with fakes for the poll and the alerts."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from events.errors import SourceError
from service import settings as settings_mod
from service.bootstrap import system_clock
from service.health import Health
from service.poller import PollReport, Progress
from service.scheduler import ALERTS, DIGEST, POLL, Jobs, make_scheduler, poll_interval
from tests.webhelpers import FakeRuns

SETTINGS = settings_mod.load(env={}, poll_interval=60, poll_jitter=300)


class FakePoll:
    """Reads `providers` providers, reporting progress after each; or raises what it is given."""

    def __init__(self, providers: int = 3, error: Exception | None = None) -> None:
        self.providers, self.error = providers, error
        self.read = 0
        self.called = threading.Event()

    def __call__(self, progress: Progress) -> PollReport:
        self.called.set()
        if self.error is not None:
            raise self.error
        report = PollReport(providers=self.providers)
        for done in range(1, self.providers + 1):
            self.read += 1
            progress(report, done, self.providers)
        return report


@pytest.fixture
def health(clock) -> Health:
    return Health(FakeRuns(), clock, timedelta(minutes=60), clock())


def jobs_with(poll: FakePoll, health: Health, sent: list[int], stopping: threading.Event | None = None,
              send_error: Exception | None = None) -> Jobs:
    def send() -> int:
        if send_error is not None:
            raise send_error
        sent.append(1)
        return 1
    return Jobs(poll, send, health, stopping or threading.Event())


def test_jobs_have_fixed_ids_and_deliberate_defaults(health, clock):
    scheduler = make_scheduler(jobs_with(FakePoll(), health, []), SETTINGS, clock())
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {POLL, ALERTS, DIGEST}
        for job in jobs.values():
            assert (job.coalesce, job.max_instances) == (True, 1)
            assert job.misfire_grace_time >= 10 * 60  # a slow machine runs a late job rather than skipping it
        poll = jobs[POLL]
        assert isinstance(poll.trigger, IntervalTrigger)
        assert poll.trigger.interval == timedelta(minutes=60) and poll.trigger.jitter == 300
        assert poll.next_run_time == clock()  # the first poll is at start
        assert jobs[ALERTS].trigger.interval == timedelta(minutes=1)
        assert jobs[ALERTS].next_run_time == clock()
        assert isinstance(jobs[DIGEST].trigger, CronTrigger) and "hour='7'" in str(jobs[DIGEST].trigger)
    finally:
        scheduler.shutdown(wait=False)


def test_no_jitter_means_polls_exactly_on_the_interval(health, clock):
    settings = settings_mod.load(env={}, poll_interval=0.05, poll_jitter=0)
    scheduler = make_scheduler(jobs_with(FakePoll(), health, []), settings, clock())
    assert scheduler.get_job(POLL).trigger.jitter is None
    assert scheduler.get_job(POLL).trigger.interval == timedelta(seconds=3)


def test_the_first_poll_runs_as_the_scheduler_starts(health):
    poll = FakePoll()
    scheduler = make_scheduler(jobs_with(poll, health, []), SETTINGS, system_clock())
    scheduler.start()
    try:
        assert poll.called.wait(timeout=10)
    finally:
        scheduler.shutdown(wait=True)


def test_a_poll_sends_the_alerts_it_queued_and_clears_the_health_state(health):
    sent: list[int] = []
    jobs_with(FakePoll(), health, sent).poll()
    assert sent == [1]
    assert (health.polling_since, health.last_error) == (None, None)


@pytest.mark.parametrize("error,logged", [
    (SourceError("https://reports.ofsted.gov.uk/search: network unreachable"), "poll failed, the service keeps"),
    (RuntimeError("a bug"), "poll failed unexpectedly"),
])
def test_a_failed_poll_is_logged_and_the_service_keeps_running(health, caplog, error, logged):
    sent: list[int] = []
    with caplog.at_level(logging.INFO):
        jobs_with(FakePoll(error=error), health, sent).poll()
    assert logged in caplog.text and str(error) in caplog.text
    assert health.last_error is not None and str(error) in health.last_error
    assert sent == []


def test_stopping_abandons_the_poll_between_providers(health):
    stopping = threading.Event()
    poll = FakePoll(providers=5)
    jobs = jobs_with(poll, health, [], stopping)
    stopping.set()
    jobs.poll()
    assert poll.read == 1
    assert health.last_error == "abandoned at shutdown"


def test_a_failure_to_send_is_logged_and_left_for_the_next_run(health, caplog):
    jobs = jobs_with(FakePoll(), health, [], send_error=ConnectionError("smtp down"))
    jobs.send_alerts()
    assert "sending alerts failed" in caplog.text and "smtp down" in caplog.text


def test_nothing_is_sent_once_the_service_is_stopping(health):
    stopping = threading.Event()
    sent: list[int] = []
    jobs = jobs_with(FakePoll(), health, sent, stopping)
    stopping.set()
    jobs.send_alerts()
    assert sent == []


def test_the_interval_that_health_allows_counts_the_jitter():
    assert poll_interval(SETTINGS) == timedelta(minutes=65)
