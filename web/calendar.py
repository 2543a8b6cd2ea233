"""iCalendar (.ics) for visits and activities: invitations, updates and cancellations sent
by email, and the personal calendar feed.

One UID per visit, so an update (higher SEQUENCE) or a CANCEL replaces the entry already in
the recipient's calendar. Times are written in UTC. A calendar entry names the company and the
participant's initials only: calendars are shared, synced and shown on lock screens. Its words
come from the workplace's view of the visit (web/employer/visitor.py), as the emails' do: an
entry goes to the supervisor, and a company's feed is made of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import current_app

from models import Activity, Visit, clock
from models.enums import VisitStatus

from .employer.visitor import available_candidates, visitor_view
from .labels import ACTIVITY_TYPE_LABELS

if TYPE_CHECKING:
    from icalendar import Calendar, Event

# icalendar (~3 MB per process) is imported where an entry is made: only mails and the
# calendar feed need it, not every request of a web worker.

PRODID = "-//IOP Jobbskuggning//Besök//SV"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def _domain() -> str:
    return current_app.config.get("MAIL_FROM", "noreply@iop-jobbskuggning").rpartition("@")[2] or "iop-jobbskuggning"


def visit_uid(visit: Visit) -> str:
    return f"visit-{visit.id}@{_domain()}"


def activity_uid(activity: Activity) -> str:
    return f"activity-{activity.id}@{_domain()}"


def _calendar(method: str | None = None, name: str | None = None) -> Calendar:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


# Visits that are booked: confirmed, and those that took place.
BOOKED = frozenset({VisitStatus.CONFIRMED, VisitStatus.COMPLETED})


def visit_summary(view: dict[str, Any]) -> str:
    """The company and, while the visitor may be shown, the initials."""
    initials = view.get("initials")
    return f"Arbetsplatsbesök: {view['company']} – {initials}" if initials else f"Arbetsplatsbesök: {view['company']}"


def visit_event(
    visit: Visit, view: dict[str, Any] | None = None, *, cancelled: bool = False, attendee: str | None = None
) -> Event:
    """The calendar entry: its times and identity from the visit, every word from `view` (the
    workplace's view of it; made here when not given)."""
    from icalendar import Event, vCalAddress, vText

    view = view if view is not None else visitor_view(visit)
    event = Event()
    event.add("uid", visit_uid(visit))
    event.add("sequence", visit.ics_sequence)
    event.add("dtstamp", clock.now())
    event.add("dtstart", visit.start_at.astimezone(dt.UTC))
    event.add("dtend", visit.end_at.astimezone(dt.UTC))
    event.add("summary", visit_summary(view))
    event.add("location", view["address"])
    event.add(
        "description",
        f"Arbetsplatsbesök (jobbskuggning) nr {view['visit_id']}. Handledare: {view['supervisor_name']}.",
    )
    # A proposal (or a company's yes not yet confirmed) is pencilled in, not a booking.
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED" if visit.status in BOOKED else "TENTATIVE")
    event.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{current_app.config.get('MAIL_FROM', 'noreply@localhost')}")
    organizer.params["cn"] = vText("IOP Jobbskuggning")
    event["organizer"] = organizer
    if attendee:
        # Only the recipient: a participant's address is never shown to the company, or back.
        guest = vCalAddress(f"mailto:{attendee}")
        guest.params["role"] = vText("REQ-PARTICIPANT")
        guest.params["partstat"] = vText("ACCEPTED")
        guest.params["rsvp"] = vText("FALSE")
        event.add("attendee", guest, encode=0)
    return event


def visit_ics(
    visit: Visit, view: dict[str, Any] | None = None, method: str = REQUEST, attendee: str | None = None
) -> str:
    cal = _calendar(method)
    cal.add_component(visit_event(visit, view, cancelled=method == CANCEL, attendee=attendee))
    return cal.to_ical().decode("utf-8")


def ics_attachment(
    visit: Visit, view: dict[str, Any] | None = None, method: str = REQUEST, attendee: str | None = None
) -> dict[str, str]:
    """An outbox attachment for one recipient: an invitation/update (REQUEST) or a
    cancellation (CANCEL)."""
    return {
        "filename": f"besok-{visit.id}.ics",
        "mime": f"text/calendar; method={method}",
        "content": visit_ics(visit, view, method, attendee),
    }


def activity_event(activity: Activity) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", activity_uid(activity))
    event.add("sequence", 0)
    event.add("dtstamp", clock.now())
    event.add("dtstart", activity.starts_at.astimezone(dt.UTC))
    event.add("dtend", activity.ends_at.astimezone(dt.UTC))
    event.add("summary", f"{ACTIVITY_TYPE_LABELS[activity.type.value]}: {activity.title}")
    if activity.place:
        event.add("location", activity.place)
    return event


def feed_ics(visits: Iterable[Visit], activities: Iterable[Activity], name: str) -> bytes:
    """A subscribable calendar (no METHOD): visits as initials + company, activities by title."""
    cal = _calendar(name=name)
    visits = list(visits)
    shown = available_candidates(v.candidate_id for v in visits)
    for visit in visits:
        cal.add_component(visit_event(visit, visitor_view(visit, available=visit.candidate_id in shown)))
    for activity in activities:
        cal.add_component(activity_event(activity))
    return cal.to_ical()
