"""`ilacs run`: the scheduler and the web server together, started and stopped as one service."""
from __future__ import annotations

import logging
import threading

from events.errors import IlacsError
from service import bootstrap
from service.health import Health
from service.poller import PollReport, Progress
from service.pollruns import PollRuns
from service.scheduler import Jobs, make_scheduler, poll_interval
from service.web import Web, serve

log = logging.getLogger(__name__)
GRACE = 8.0  # seconds for the job in hand to finish at shutdown: inside an engine's default 10 s stop timeout


class Service:
    """The web server on its own thread and the scheduler's jobs on theirs."""

    def __init__(self, app: bootstrap.App) -> None:
        if app.engine is None:
            raise IlacsError("the service needs a database store")
        self.app = app
        self.stopping = threading.Event()
        self.health = Health(PollRuns(app.engine), app.clock, poll_interval(app.settings), app.clock())
        alerts = app.alerts

        def poll(progress: Progress) -> PollReport:
            return bootstrap.poll(app, progress=progress)

        self.jobs = Jobs(poll, alerts.send_due if alerts is not None else None, self.health, self.stopping)
        self.scheduler = make_scheduler(self.jobs, app.settings, app.clock())
        host, port = app.settings.http_host, app.settings.http_port
        try:
            self.server = serve(Web(app, self.health), host, port)
        except OSError as err:
            raise IlacsError(f"cannot serve the web on {host}:{port}: {err.strerror or err}") from err
        self._web = threading.Thread(target=self.server.serve_forever, name="web", daemon=True)

    @property
    def url(self) -> str:
        """Where the web answers."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Serve the web and start the jobs (the first poll starts now)."""
        self._web.start()
        self.scheduler.start()
        s = self.app.settings
        log.info("web on %s; polling %s every %g min (jitter %g s), alerts every minute",
                 self.url, s.reports_url, s.poll_interval, s.poll_jitter)

    def stop(self, grace: float = GRACE) -> bool:
        """Stop serving and scheduling; True when the job in hand finished within the grace period."""
        self.stopping.set()  # a poll stops between providers; what it appended stays
        self.server.shutdown()
        self.server.server_close()
        ender = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, name="stop", daemon=True)
        ender.start()
        ender.join(grace)
        return not ender.is_alive()
