"""What a workplace may see about a visit and its visitor: the one projection that every page,
link page, email, calendar entry and API answer for a company is made from.

A host needs to receive a visitor, nothing more: first name, interests, Swedish level,
languages, the structured adjustments (a step-free workplace, interpreter, language support,
breaks), the times of day that suit, the text the officer wrote *to the workplace*
(`to_workplace`, shown in the referral form as going to the company, with a preview), and when
and for which offer. Everything else about the candidate (last name, identity number or birth
date in any form, target group, welfare status, referral and referring unit, contact details,
no-show history) and every free text officers or project leaders wrote for each other
(`needs_other`, referral reasons, visit and status comments, feedback notes) stays out, because
it is never copied into the dictionary below. Company-facing templates get this dictionary, not
the candidate or the visit, so a template change cannot reach anything internal.

A candidate without a consent in force that covers companies (withdrawn, or anonymised) is not
shown at all: the view then says only that the visitor is no longer available.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from models import Candidate, Offer, Visit, consent_in_force
from models.enums import ADJUSTMENTS, FIELD_SLUGS, TIMES_OF_DAY
from models.operations.fields import language_name

from .. import labels
from .. import permissions as perm
from ..extensions import db
from ..templating import date_with_week, local, week_number


class VisitorSource(Protocol):
    """A saved candidate, or a referral form's checked values (the officer's preview)."""

    first_name: str
    interests: list[str]
    swedish_level: int
    languages: list[str]
    times_of_day: list[str]
    needs_accessible: bool
    adjustments: list[str]
    to_workplace: str


# The candidate's columns `visitor_part` and `initials` are made of: the only ones a company's
# pages load (`VISITOR_VIEW_LOADS`), so a request for a company never holds the person's identity
# number, contact details or the officers' notes, even in memory.
VISITOR_COLUMNS = (
    Candidate.first_name, Candidate.last_name, Candidate.interests, Candidate.swedish_level, Candidate.languages,
    Candidate.times_of_day, Candidate.needs_accessible, Candidate.adjustments, Candidate.to_workplace,
)


# Loader options for visits shown to a company: everything `visitor_view` reads, the visitor's
# `VISITOR_COLUMNS` only, the offer and company, and who proposed the visit. Every page, link,
# feed and API answer for a company loads its visits with these.
VISITOR_VIEW_LOADS = (
    selectinload(Visit.candidate).load_only(*VISITOR_COLUMNS),
    selectinload(Visit.offer).selectinload(Offer.company),
    selectinload(Visit.proposed_by),
)


def visit_loads_for(user: Any) -> tuple[Any, ...]:
    """Loader options for visits that `user` is about to be shown, on pages and API answers that
    both companies and the partnership's staff use (the feedback form, the API's visits): a
    company's account loads `VISITOR_VIEW_LOADS`, so its request never holds the rest of the
    person; staff load the visit as it is."""
    return VISITOR_VIEW_LOADS if perm.can_use_employer_portal(user) else ()


def available_candidates(candidate_ids: Iterable[int]) -> set[int]:
    """Of these candidates, those who may be shown to companies (consent in force, not
    anonymised): one query for a whole list (a calendar feed)."""
    wanted = set(candidate_ids)
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            sa.select(Candidate.id).where(
                Candidate.id.in_(wanted), Candidate.anonymised_at.is_(None), consent_in_force()
            )
        )
    )


def visitor_available(visit: Visit) -> bool:
    """True when the candidate may be shown to companies (consent in force, not anonymised)."""
    return visit.candidate_id in available_candidates([visit.candidate_id])


def employer_visible() -> sa.ColumnElement[bool]:
    """SQL condition for employer lists of visits: the same rule as `visitor_available`."""
    return Visit.candidate_id.in_(
        sa.select(Candidate.id).where(Candidate.anonymised_at.is_(None), consent_in_force())
    )


def _in_order(values: Iterable[str], vocabulary: tuple[str, ...]) -> list[str]:
    """A set in its vocabulary's order, as the database gives it back: a preview made from a
    form's values reads the same as the page made later from the saved row."""
    return sorted(values, key=vocabulary.index)


def adjustment_labels(person: VisitorSource) -> list[str]:
    """The structured adjustments as the company reads them, the step-free workplace first."""
    shown = [labels.ACCESSIBLE_LABEL] if person.needs_accessible else []
    shown += [labels.ADJUSTMENT_LABELS[code] for code in _in_order(person.adjustments, ADJUSTMENTS)]
    return [str(label) for label in shown]


def visitor_part(person: VisitorSource) -> dict[str, Any]:
    """What a company learns about the person: the visitor part of `visitor_view`, and the
    officer's preview of it (web/candidates/views.py) before anything is saved."""
    locale = str(get_locale() or "sv")
    level = person.swedish_level
    return {
        "first_name": person.first_name,
        "interests": [str(labels.FIELD_LABELS[slug]) for slug in _in_order(person.interests, FIELD_SLUGS)],
        "swedish_level": labels.cefr_label(level) if level else _("Ingen svenska ännu"),
        "languages": [language_name(code, locale) for code in person.languages],
        "needs": {
            "accessible": bool(person.needs_accessible),
            "adjustments": adjustment_labels(person),
            "times_of_day": [str(labels.TIME_OF_DAY_LABELS[t]) for t in _in_order(person.times_of_day, TIMES_OF_DAY)],
            "to_workplace": person.to_workplace or "",
        },
    }


def visitor_view(visit: Visit, *, available: bool | None = None) -> dict[str, Any]:
    """The minimal, JSON-serialisable view of a visit and its visitor for a company. Lists whose
    query already applied `employer_visible()` pass `available=True` instead of one query per
    visit (a calendar feed passes what `available_candidates` said)."""
    start, end = local(visit.start_at), local(visit.end_at)
    offer, company = visit.offer, visit.offer.company
    leader = visit.proposed_by
    town = " ".join(part for part in (company.postcode, company.city) if part)
    view: dict[str, Any] = {
        "visit_id": visit.id,
        "version": visit.version,
        "status": visit.status.value,
        "status_label": str(labels.VISIT_STATUS_LABELS[visit.status.value]),
        "date": start.date().isoformat(),
        "day": date_with_week(start),
        "week": week_number(start),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "when": _("%(day)s, kl. %(start)s–%(end)s", day=date_with_week(start), start=f"{start:%H:%M}",
                  end=f"{end:%H:%M}"),
        "offer": {
            "id": offer.id,
            "title": offer.title,
            "field": str(labels.FIELD_LABELS[offer.field.value]),
        },
        "company": company.name,
        "address": ", ".join(part for part in (offer.effective_address, town) if part),
        "supervisor_name": visit.supervisor_name,
        # Whom the company asks about the visit: the project leader who proposed it.
        "contact": {"name": leader.name, "email": leader.email} if leader is not None else None,
        "available": visitor_available(visit) if available is None else available,
    }
    if not view["available"]:
        return view
    view.update(visitor_part(visit.candidate), initials=visit.candidate.initials)
    return view
