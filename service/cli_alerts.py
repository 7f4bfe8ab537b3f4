"""`ilacs subscribers add|list|remove` and `ilacs notify`: who hears about what, and sending what is due."""
from __future__ import annotations

import click

from events.errors import IlacsError
from events.vocabulary import ALERT_KINDS
from notifiers.alerts import Alerts
from notifiers.subscribers import Subscriber
from service import bootstrap
from service.cli import common, main


def _alerts(app: bootstrap.App) -> Alerts:
    if app.alerts is None:
        raise IlacsError("alerts need a database store")
    return app.alerts


@main.group()
def subscribers() -> None:
    """Add, list and remove the people who get alerts."""


@subscribers.command("add")
@click.argument("email")
@click.option("--alerts", "kinds", default=",".join(ALERT_KINDS), show_default=True,
              help="Comma-separated alert kinds.")
@click.option("--urn", "urns", multiple=True, help="Only this authority (repeatable).")
@click.option("--region", "regions", multiple=True, help="Only authorities in this region (repeatable).")
@click.option("--mode", default="immediate", show_default=True,
              help="immediate (an email per publication) or digest (one a day listing them).")
@common
def add(app: bootstrap.App, email: str, kinds: str, urns: tuple[str, ...], regions: tuple[str, ...],
        mode: str) -> None:
    """Subscribe EMAIL (again: replace its choices). With --urn and --region, either one matching will do."""
    subscriber, new = _alerts(app).subscribers.add(email, kinds, urns, regions, mode)
    click.echo(f"{'subscribed' if new else 'updated'} {subscriber.email}: {_describe(subscriber)}")


@subscribers.command("list")
@common
def list_(app: bootstrap.App) -> None:
    """List the subscribers, one a line."""
    for subscriber in _alerts(app).subscribers.current():
        click.echo(f"{subscriber.email}\t{_describe(subscriber)}")


@subscribers.command("remove")
@click.argument("email")
@common
def remove(app: bootstrap.App, email: str) -> None:
    """Unsubscribe EMAIL; what was still queued for them is not sent."""
    click.echo(f"removed {_alerts(app).subscribers.remove(email)}")


@main.command()
@common
def notify(app: bootstrap.App) -> None:
    """Send the alerts that are due now (digests when their time has come)."""
    click.echo(_alerts(app).send_due().summary())


def _describe(subscriber: Subscriber) -> str:
    return "\t".join([f"alerts={','.join(subscriber.kinds)}", f"urns={','.join(subscriber.urns) or '-'}",
                      f"regions={','.join(subscriber.regions) or '-'}", f"mode={subscriber.mode}",
                      f"since={subscriber.created_at:%Y-%m-%d}"])
