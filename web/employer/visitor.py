"""The one view of a visitor that an employer ever gets, built from a whitelist.

A host needs to receive a visitor, nothing more: first name, interests, Swedish level,
languages, practical needs, and when and for which offer. Everything else about the candidate
(last name, identity number or birth date in any form, target group, welfare status, referral
and referring unit, contact details, no-show history) stays out, because it is never copied into
the dictionary below. The portal pages, the emailed-link page and the API all use this function.

A candidate without a consent in force that covers companies (withdrawn, or anonymised) is not
shown at all: the view then says only that the visitor is no longer available.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _

from models import Candidate, Visit, consent_in_force
from models.operations.fields import language_name

from .. import labels
from ..extensions import db
from ..templating import date_with_week, local, week_number


def visitor_available(visit: Visit) -> bool:
    """True when the candidate may be shown to companies (consent in force, not anonymised)."""
    return db.session.scalar(
        sa.select(Candidate.id).where(
            Candidate.id == visit.candidate_id, Candidate.anonymised_at.is_(None), consent_in_force()
        )
    ) is not None


def employer_visible() -> sa.ColumnElement[bool]:
    """SQL condition for employer lists of visits: the same rule as `visitor_available`."""
    return Visit.candidate_id.in_(
        sa.select(Candidate.id).where(Candidate.anonymised_at.is_(None), consent_in_force())
    )


def visitor_view(visit: Visit, *, available: bool | None = None) -> dict[str, Any]:
    """The minimal, JSON-serialisable view of a proposed or booked visitor. Lists whose query
    already applied `employer_visible()` pass `available=True` instead of one query per visit."""
    start, end = local(visit.start_at), local(visit.end_at)
    view: dict[str, Any] = {
        "visit_id": visit.id,
        "version": visit.version,
        "status": visit.status.value,
        "status_label": str(labels.VISIT_STATUS_LABELS[visit.status.value]),
        "date": start.date().isoformat(),
        "week": week_number(start),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "when": f"{date_with_week(start)}, kl. {start:%H:%M}–{end:%H:%M}",
        "offer": {
            "id": visit.offer.id,
            "title": visit.offer.title,
            "field": str(labels.FIELD_LABELS[visit.offer.field.value]),
        },
        "available": visitor_available(visit) if available is None else available,
    }
    if not view["available"]:
        return view
    candidate = visit.candidate
    locale = str(get_locale() or "sv")
    level = candidate.swedish_level
    view.update(
        first_name=candidate.first_name,
        interests=[str(labels.FIELD_LABELS[slug]) for slug in candidate.interests],
        swedish_level=labels.cefr_label(level) if level else _("Ingen svenska ännu"),
        languages=[language_name(code, locale) for code in candidate.languages],
        needs={
            "accessible": bool(candidate.needs_accessible),
            "times_of_day": [str(labels.TIME_OF_DAY_LABELS[t]) for t in candidate.times_of_day],
            "other": candidate.needs_other or "",
        },
    )
    return view
