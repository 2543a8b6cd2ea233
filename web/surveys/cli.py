"""`flask --app web send-surveys` and `flask --app web send-survey-reminders`: run daily (cron),
like send-outbox. Both are idempotent: a second run the same day writes nothing new."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from .service import send_due_invitations, send_reminders


@click.command("send-surveys")
@with_appcontext
def send_surveys() -> None:
    """Write the questionnaire invitations that confirmed and completed visits call for."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        sent, skipped = send_due_invitations()
        db.session.commit()
    click.echo(f"{sent} questionnaire invitations written to the outbox; {skipped} without an email address.")


@click.command("send-survey-reminders")
@with_appcontext
def send_survey_reminders() -> None:
    """Remind, once, everyone who has not answered a questionnaire a week after it was sent."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        written = send_reminders()
        db.session.commit()
    click.echo(f"{written} questionnaire reminders written to the outbox.")


commands = [send_surveys, send_survey_reminders]
