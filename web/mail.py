"""Delivering outbox rows as real emails: the message builder and the mail backends.

MAIL_BACKEND chooses how mail leaves: "console" prints it (the demo), "memory" keeps it in a
list on the app (tests: `sent_messages(app)`), "smtp" talks to MAIL_SERVER with STARTTLS and
login when configured. Every message has a plain-text part, an HTML alternative when the
template has one, and its attachments (.ics invitations and cancellations).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import Flask, current_app

from models import OutboxMessage
from models.operations import outbox

log = logging.getLogger(__name__)
Sender = Callable[[OutboxMessage], None]


def build_message(row: OutboxMessage, sender_address: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender_address
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}", domain=sender_address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    for attachment in row.attachments or []:
        mime, *params = [part.strip() for part in attachment.get("mime", "text/plain").split(";")]
        maintype, _, subtype = mime.partition("/")
        extra = dict(p.split("=", 1) for p in params if "=" in p)
        content = attachment.get("content", "")
        if maintype == "text":
            message.add_attachment(content, subtype=subtype, filename=attachment.get("filename"), params=extra)
        else:
            message.add_attachment(
                content.encode(), maintype=maintype, subtype=subtype, filename=attachment.get("filename"), params=extra
            )
    return message


def _readable(message: EmailMessage) -> str:
    """The message as a person reads it (the demo's console), not as it travels (base64)."""
    body = message.get_body(("plain",))
    files = [f"{part.get_filename()} ({part.get_content_type()})" for part in message.iter_attachments()]
    lines = [
        "=" * 72,
        f"Från: {message['From']}",
        f"Till: {message['To']}",
        f"Ämne: {message['Subject']}",
        *([f"Bilagor: {', '.join(files)}"] if files else []),
        "",
        body.get_content().rstrip() if body is not None else "",
        "",
    ]
    return "\n".join(lines)


def sent_messages(app: Flask) -> list[EmailMessage]:
    """The messages the "memory" backend has delivered (tests read this)."""
    return app.extensions.setdefault("mail_sent", [])


def _smtp_send(config: dict[str, Any], message: EmailMessage) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)


def make_sender(app: Flask) -> Sender:
    """A function delivering one outbox row with the app's configured backend."""
    backend = app.config.get("MAIL_BACKEND", "console")
    config = app.config
    from_address = config.get("MAIL_FROM", "noreply@localhost")

    def send(row: OutboxMessage) -> None:
        message = build_message(row, from_address)
        if backend == "memory":
            sent_messages(app).append(message)
        elif backend == "console":
            sys.stdout.write(_readable(message))
            sys.stdout.flush()
        elif backend == "smtp":
            _smtp_send(config, message)
        else:
            raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")

    return send


def send_pending_now(app: Flask | None = None, *, batch: int = 100) -> outbox.SendStats:
    """Deliver what is due, in a session of its own (never the request's)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    session = app.extensions["database"].factory()
    try:
        return outbox.send_pending(session, make_sender(app), batch=batch)
    finally:
        session.close()
