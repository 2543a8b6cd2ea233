"""`flask --app web send-agreement-reminders`: reminds project leaders and the steering group
30 days before the last day to approve an extension of the agreement (idempotent; suits a
daily cron job, like `send-reminders`)."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from . import service


@click.command("send-agreement-reminders")
@with_appcontext
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Pretend today is this date.")
def send_agreement_reminders(today: dt.datetime | None) -> None:
    """Write reminders of the extension deadline to the outbox (once per programme, day and person)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        written = service.send_extension_reminders(today.date() if today else None)
        db.session.commit()
    click.echo(f"Agreement reminders written to the outbox: {written}. Send them with `flask --app web send-outbox`.")


commands = [send_agreement_reminders]
