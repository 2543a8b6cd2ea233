"""`flask --app web send-surveys` and `flask --app web send-survey-reminders`: run daily (cron),
like send-outbox. Both are idempotent: a second run the same day writes nothing new."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..feedback.service import request_feedback
from .service import send_due_invitations, send_reminders


@click.command("send-surveys")
@with_appcontext
def send_surveys() -> None:
    """Write the questionnaire invitations that visits and group activities call for, and the
    feedback requests to the supervisors of visits that have ended."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        sent, skipped = send_due_invitations()
        requested = request_feedback()
        db.session.commit()
    click.echo(f"{sent} questionnaire invitations written to the outbox; {skipped} without an email address.")
    click.echo(f"{requested} feedback requests written to the outbox.")


@click.command("send-survey-reminders")
@with_appcontext
def send_survey_reminders() -> None:
    """Remind, once, everyone who has not answered a questionnaire a week after it was sent."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        written = send_reminders()
        db.session.commit()
    click.echo(f"{written} questionnaire reminders written to the outbox.")


commands = [send_surveys, send_survey_reminders]
