"""Emails from templates into the outbox: `notify("visit_proposed", to=..., visit=...)` renders
`templates/email/visit_proposed.txt` (first line: `Subject: ...`) and, when present,
`visit_proposed.html`, in Swedish, and writes an outbox row in the request's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional, TypeVar

from flask import render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from models import OutboxMessage
from models.operations import outbox

from .extensions import db

EMAIL_LOCALE = "sv"
T = TypeVar("T")


def in_email_language(make: Callable[[], T]) -> T:
    """`make()` in the emails' language: for values made before the template renders them (the
    workplace's view of a visit, whose labels are words)."""
    with force_locale(EMAIL_LOCALE):
        return make()


def render_email(template: str, **context: Any) -> tuple[str, str, str]:
    """(subject, text, html) of an email template, rendered in Swedish."""
    with force_locale(EMAIL_LOCALE):
        raw = render_template(f"email/{template}.txt", **context)
        subject_line, _, text = raw.lstrip().partition("\n")
        if not subject_line.startswith("Subject:"):
            raise ValueError(f"email/{template}.txt must start with 'Subject: '")
        try:
            html = render_template(f"email/{template}.html", **context)
        except TemplateNotFound:
            html = ""
    return subject_line.removeprefix("Subject:").strip(), text.strip() + "\n", html


def notify(
    template: str,
    *,
    to: str,
    attachments: Optional[list[dict[str, str]]] = None,
    dedupe_key: Optional[str] = None,
    **context: Any,
) -> Optional[OutboxMessage]:
    if not to:
        return None
    subject, text, html = render_email(template, **context)
    return outbox.enqueue(
        db.session,
        to=to,
        subject=subject,
        text=text,
        html=html,
        kind=template,
        attachments=attachments,
        dedupe_key=dedupe_key,
    )
