"""`ilacs run` (the long-running service) and `ilacs healthcheck` (the container's HEALTHCHECK)."""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
from datetime import UTC, datetime
from urllib.error import HTTPError, URLError
from urllib.request import ProxyHandler, build_opener

import click

from events.errors import InvalidInput
from service import bootstrap
from service import settings as settings_mod
from service.cli import common, main
from service.runner import GRACE, Service

log = logging.getLogger("service.run")
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
LOCAL = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # where a wildcard listener answers from inside


class OneLineFormatter(logging.Formatter):
    """UTC timestamps, and every record on one line (a traceback's lines joined), for log collectors."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", " | ")


def _log_to_stdout() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().handlers[:] = [handler]
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # its own line for every run is noise


@main.command()
@common
def run(app: bootstrap.App) -> None:
    """Run the service: poll on a schedule, send alerts, serve the web; SIGTERM or Ctrl-C stops it."""
    _log_to_stdout()
    log.info("starting with settings %s", json.dumps(app.settings.redacted(), default=str))
    # the stop signals are taken synchronously here: blocked before any thread starts, so every thread inherits it
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    service = Service(app)
    service.start()
    received = signal.sigwait(STOP_SIGNALS)
    log.info("%s received: stopping", signal.Signals(received).name)
    if service.stop():
        log.info("stopped")
        return
    log.warning("the job in hand did not finish within %g s: abandoned (each append is a transaction, "
                "so nothing is lost; the next poll picks up from there)", GRACE)
    logging.shutdown()
    os._exit(0)  # the job's thread cannot be stopped from outside, and would hold up a normal exit


@main.command()
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Seconds to wait for an answer.")
@click.pass_context
def healthcheck(ctx: click.Context, timeout: float) -> None:
    """Exit 0 when this service's /healthz answers 200 (the container's HEALTHCHECK), 1 otherwise."""
    try:
        s = settings_mod.load(ctx.find_root().params.get("config"))
    except InvalidInput as err:
        click.echo(f"ilacs: error: {err}", err=True)
        sys.exit(2)
    host = LOCAL.get(s.http_host, s.http_host)
    url = f"http://{f'[{host}]' if ':' in host else host}:{s.http_port}/healthz"
    opener = build_opener(ProxyHandler({}))  # the service is local: never ask a proxy
    try:
        with opener.open(url, timeout=timeout) as response:
            body = json.loads(response.read())
    except HTTPError as err:
        click.echo(f"unhealthy: {url} answered {err.code}: {err.read().decode(errors='replace')[:500]}")
        sys.exit(1)
    except (URLError, OSError, ValueError) as err:
        click.echo(f"unhealthy: {url} did not answer: {getattr(err, 'reason', err)}")
        sys.exit(1)
    last = body.get("last_poll") or {}
    click.echo(f"healthy: last poll {last.get('finished_at') or 'not yet'}: {last.get('summary') or ''}".rstrip(": "))
