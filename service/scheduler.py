"""The jobs of `ilacs run` and the APScheduler that runs them: poll, send alerts, send the daily digests."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from events.errors import IlacsError
from notifiers.alerts import DIGEST_HOUR
from service.health import Health
from service.poller import PollReport, Progress
from service.settings import Settings

log = logging.getLogger(__name__)

POLL, ALERTS, DIGEST = "poll", "alerts", "digest"  # fixed ids: the jobs are replaced, never doubled
JOB_DEFAULTS = {
    "coalesce": True,  # runs missed while asleep or busy collapse into one
    "max_instances": 1,  # a job never overlaps itself
    "misfire_grace_time": 30 * 60,  # a slow or suspended machine runs a late job instead of skipping it
}


class PollAbandoned(Exception):  # noqa: N818 - not an error: the service is stopping
    """Raised between providers when the service is stopping; what was appended stays appended."""


def poll_interval(settings: Settings) -> timedelta:
    """The longest time between two polls: the interval and its jitter."""
    return timedelta(minutes=settings.poll_interval, seconds=settings.poll_jitter)


class Jobs:
    """What the scheduler runs; each job logs its failure and leaves the service running."""

    def __init__(self, poll: Callable[[Progress], PollReport], send_alerts: Callable[[], Any] | None,
                 health: Health, stopping: threading.Event) -> None:
        self._poll, self._send_alerts = poll, send_alerts
        self.health = health
        self.stopping = stopping
        self._sending = threading.Lock()  # the alerts job and the end of a poll both send

    def poll(self) -> None:
        """One poll (waiting for another process's to finish first), then the alerts it queued."""
        self.health.poll_started()
        error = None
        try:
            report = self._poll(self._stop_check)
            log.info("poll done: %s", report.summary())
        except PollAbandoned:
            log.info("poll abandoned: the service is stopping (what was read is kept)")
            error = "abandoned at shutdown"
        except IlacsError as err:
            log.error("poll failed, the service keeps running and polls again later: %s", err)
            error = str(err)
        except Exception as err:
            log.exception("poll failed unexpectedly, the service keeps running: %s", err)
            error = f"{type(err).__name__}: {err}"
        finally:
            self.health.poll_ended(error)
        if error is None:
            self.send_alerts()

    def _stop_check(self, report: PollReport, done: int, total: int) -> None:
        if self.stopping.is_set():
            raise PollAbandoned(f"stopped after {done} of {total} providers")

    def send_alerts(self) -> None:
        """Send the alerts that are due, digests included (one sender at a time in this process)."""
        if self._send_alerts is None or self.stopping.is_set():
            return
        with self._sending:
            try:
                self._send_alerts()
            except Exception as err:  # the outbox keeps what was not sent; the next run retries
                log.exception("sending alerts failed, retrying in a minute: %s", err)


def make_scheduler(jobs: Jobs, settings: Settings, now: datetime) -> BackgroundScheduler:
    """A scheduler with a poll now and every interval (with jitter), alerts every minute, digests daily.

    The digests are due rows of the outbox like any alert: their own job sends them on the hour they fall due.
    """
    scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(max_workers=3)},
                                    job_defaults=JOB_DEFAULTS, timezone=UTC)
    scheduler.add_job(jobs.poll, IntervalTrigger(minutes=settings.poll_interval, jitter=settings.poll_jitter or None),
                      id=POLL, name="poll the site", next_run_time=now, replace_existing=True)
    scheduler.add_job(jobs.send_alerts, IntervalTrigger(minutes=1), id=ALERTS, name="send due alerts",
                      next_run_time=now, replace_existing=True)
    scheduler.add_job(jobs.send_alerts, CronTrigger(hour=DIGEST_HOUR, timezone=UTC), id=DIGEST,
                      name="send the daily digests", replace_existing=True)
    return scheduler
