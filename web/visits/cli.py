"""`flask --app web send-outbox` delivers the email outbox; `flask --app web send-reminders`
writes reminders for confirmed visits two days ahead (idempotent). Both suit a cron job."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..mail import send_pending_now
from . import service


@click.command("send-outbox")
@with_appcontext
@click.option("--batch", default=100, show_default=True, help="Messages per round.")
@click.option("--max-rounds", default=50, show_default=True, help="Stop after this many rounds.")
def send_outbox(batch: int, max_rounds: int) -> None:
    """Send the emails waiting in the outbox; failures are retried later with backoff."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    totals = {"sent": 0, "retried": 0, "failed": 0}
    for round_number in range(1, max_rounds + 1):
        stats = send_pending_now(app, batch=batch)
        for key in totals:
            totals[key] += getattr(stats, key)
        click.echo(f"round {round_number}: {stats.sent} sent, {stats.retried} to retry, {stats.failed} failed")
        if stats.total < batch:
            break
    click.echo(
        f"Outbox: {totals['sent']} sent, {totals['retried']} will be retried, {totals['failed']} failed for good."
    )


@click.command("send-reminders")
@with_appcontext
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Pretend today is this date.")
def send_reminders(today: dt.datetime | None) -> None:
    """Write reminder emails for confirmed visits in the next two days (once per visit and day)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Templates build links and read the locale as in a request; this one is never served.
    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        written = service.send_reminders(today.date() if today else None)
        db.session.commit()
    click.echo(f"Reminders written to the outbox: {written}. Send them with `flask --app web send-outbox`.")


commands = [send_outbox, send_reminders]
