"""Sending the outbox: delivery, retries with exponential backoff, a record of failures,
never two senders on one message; the mail backends; reminders; sending after the request."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from models import OutboxMessage, clock
from models.enums import OutboxStatus, Role, VisitStatus
from models.operations import outbox
from tests.conftest import test_config
from tests.test_visits_booking import workday
from web import create_app, mail


@pytest.fixture(autouse=True)
def _empty_mailbox(app):
    mail.sent_messages(app).clear()


def add(db, n=1, **kw):
    rows = [
        outbox.enqueue(db, to=f"mottagare{i}@test.example", subject=f"Ämne {i}", text=f"Hej {i}", **kw)
        for i in range(n)
    ]
    db.commit()
    return rows


class Recorder:
    def __init__(self, fail_for=()):
        self.sent, self.fail_for = [], set(fail_for)

    def __call__(self, message):
        if message.to_addr in self.fail_for:
            raise ConnectionRefusedError("smtp.example:25 refused")
        self.sent.append(message.to_addr)


def test_due_messages_are_sent_once_and_marked(db) -> None:
    add(db, 3)
    recorder = Recorder()
    stats = outbox.send_pending(db, recorder)
    assert (stats.sent, stats.retried, stats.failed) == (3, 0, 0)
    assert sorted(recorder.sent) == [f"mottagare{i}@test.example" for i in range(3)]
    rows = db.scalars(sa.select(OutboxMessage)).all()
    assert all(r.status == OutboxStatus.SENT and r.sent_at and r.attempts == 1 for r in rows)
    assert outbox.send_pending(db, recorder).total == 0  # nothing is sent twice


def test_a_failure_is_recorded_and_retried_with_growing_delays(db) -> None:
    [message] = add(db)
    failing = Recorder(fail_for={message.to_addr})
    now = clock.now()
    delays = []
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        stats = outbox.send_pending(db, failing, now=now)
        assert stats.retried == 1
        db.refresh(message)
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == attempt
        assert "ConnectionRefusedError: smtp.example:25 refused" in message.last_error
        delays.append(message.next_attempt_at - now)
        # Not due again before the delay has passed.
        assert outbox.send_pending(db, failing, now=now + delays[-1] - dt.timedelta(seconds=1)).total == 0
        now = message.next_attempt_at
    assert delays == [dt.timedelta(minutes=2 ** i) for i in range(outbox.MAX_ATTEMPTS - 1)]
    stats = outbox.send_pending(db, failing, now=now)
    assert stats.failed == 1
    db.refresh(message)
    assert message.status == OutboxStatus.FAILED and message.attempts == outbox.MAX_ATTEMPTS
    assert outbox.send_pending(db, Recorder(), now=now + dt.timedelta(days=1)).total == 0  # given up for good


def test_retry_delay_is_capped() -> None:
    assert outbox.retry_delay(1) == dt.timedelta(minutes=1)
    assert outbox.retry_delay(30) == outbox.RETRY_CAP


def test_one_failing_message_does_not_stop_the_others(db) -> None:
    add(db, 3)
    recorder = Recorder(fail_for={"mottagare1@test.example"})
    stats = outbox.send_pending(db, recorder)
    assert (stats.sent, stats.retried) == (2, 1)
    recovered = outbox.send_pending(db, Recorder(), now=clock.now() + dt.timedelta(minutes=2))
    assert recovered.sent == 1


def test_a_message_being_sent_is_not_taken_by_a_second_sender(app, db) -> None:
    add(db, 2)
    second_results = []

    def sender(message):
        other = app.extensions["database"].factory()
        try:  # another sender starts while this one is busy with the first message
            second_results.append(outbox.send_pending(other, Recorder()))
        finally:
            other.close()

    outbox.send_pending(db, sender, batch=1)
    [nested] = second_results
    assert nested.sent == 1  # it sent the other message, not the one being sent here
    assert db.scalar(sa.select(sa.func.count()).where(OutboxMessage.status == OutboxStatus.SENT)) == 2


def test_rolled_back_enqueue_leaves_nothing(db) -> None:
    outbox.enqueue(db, to="a@test.example", subject="s", text="t")
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_the_built_email_has_text_html_and_calendar_parts() -> None:
    row = OutboxMessage(
        id=7, to_addr="sara@kaffebaren.example", subject="Bekräftat besök", body_text="Hej text",
        body_html="<p>Hej</p>",
        attachments=[
            {"filename": "besok-7.ics", "mime": "text/calendar; method=REQUEST", "content": "BEGIN:VCALENDAR"}
        ],
    )
    message = mail.build_message(row, "noreply@iop.example")
    assert (message["To"], message["From"], message["Subject"]) == (
        "sara@kaffebaren.example", "noreply@iop.example", "Bekräftat besök",
    )
    assert message.get_body(("plain",)).get_content().strip() == "Hej text"
    assert "<p>Hej</p>" in message.get_body(("html",)).get_content()
    [ics] = list(message.iter_attachments())
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "REQUEST"
    assert ics.get_filename() == "besok-7.ics"


def test_console_backend_prints_the_message(app, db, capsys) -> None:
    add(db)
    console_app = create_app(test_config(app.config["DATABASE_URL"], MAIL_BACKEND="console"))
    stats = mail.send_pending_now(console_app)
    assert stats.sent == 1
    printed = capsys.readouterr().out
    assert "Till: mottagare0@test.example" in printed and "Hej 0" in printed


def test_smtp_backend_uses_starttls_and_login(app, db, monkeypatch) -> None:
    calls = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            calls.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            calls.append(("quit",))

        def starttls(self, context):
            calls.append(("starttls",))

        def login(self, user, password):
            calls.append(("login", user, password))

        def send_message(self, message: EmailMessage):
            calls.append(("send", message["To"]))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    add(db)
    smtp_app = create_app(test_config(
        app.config["DATABASE_URL"], MAIL_BACKEND="smtp", MAIL_SERVER="smtp.example", MAIL_PORT=587,
        MAIL_USE_TLS=True, MAIL_USERNAME="iop", MAIL_PASSWORD="hemligt",
    ))
    assert mail.send_pending_now(smtp_app).sent == 1
    assert calls == [
        ("connect", "smtp.example", 587), ("starttls",), ("login", "iop", "hemligt"),
        ("send", "mottagare0@test.example"), ("quit",),
    ]


def test_send_outbox_command_reports_what_happened(runner, db) -> None:
    add(db, 2)
    result = runner.invoke(args=["send-outbox"])
    assert result.exit_code == 0, result.output
    assert "Outbox: 2 sent, 0 will be retried, 0 failed for good." in result.output


def test_reminders_two_days_ahead_are_written_once(runner, db, make) -> None:
    candidate = make.candidate(email="deltagare@test.example")
    today = workday(10) - dt.timedelta(days=2)
    soon = make.visit(candidate, day=today + dt.timedelta(days=2), status=VisitStatus.CONFIRMED)
    make.visit(day=today + dt.timedelta(days=2), status=VisitStatus.ACCEPTED)  # not confirmed: no reminder
    make.visit(day=today + dt.timedelta(days=6), status=VisitStatus.CONFIRMED)  # too far ahead
    withdrawn = make.visit(day=today + dt.timedelta(days=1), status=VisitStatus.CONFIRMED)
    withdrawn.candidate.consents[0].withdrawn_at = clock.now()  # no more mail about them
    db.commit()
    for _ in range(2):
        result = runner.invoke(args=["send-reminders", "--today", today.isoformat()])
        assert result.exit_code == 0, result.output
    rows = db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "visit_reminder")).all()
    assert sorted(r.to_addr for r in rows) == sorted([soon.supervisor_email, "deltagare@test.example"])
    keys = {r.dedupe_key for r in rows}
    assert keys == {f"reminder:{soon.id}:{soon.visit_date}", f"reminder:{soon.id}:{soon.visit_date}:participant"}
    assert "Påminnelse" in rows[0].subject


def test_mail_is_sent_right_after_the_request_when_configured(app, db, make) -> None:
    eager = create_app(test_config(app.config["DATABASE_URL"], MAIL_SEND_AFTER_REQUEST=True))
    leader = make.user(Role.PROJECT_LEADER)
    candidate = make.candidate()
    offer = make.offer(capacity_per_day=1)
    db.commit()
    client = eager.test_client()
    client.post("/login", data={"email": leader.email, "password": "correct-horse-battery-staple"})
    day = workday()
    form = {"candidate": candidate.id, "offer": offer.id, "day": day.isoformat(), "start": "09:00", "end": "15:00"}
    assert client.post("/besok/nytt", data=form).status_code == 302
    [delivered] = mail.sent_messages(eager)
    assert delivered["To"] == offer.supervisor_email
    assert db.scalar(sa.select(OutboxMessage.status)) == OutboxStatus.SENT
    # A refused booking (the offer is now full) writes and sends nothing.
    other = make.candidate()
    db.commit()
    assert client.post("/besok/nytt", data={**form, "candidate": other.id}).status_code == 409
    assert len(mail.sent_messages(eager)) == 1
