"""The workplace feedback template (mall) the supervisor fills in after a visit, and the
ranker's "good feedback" label drawn from it.

A completed visit gets the whole template (attendance yes, punctuality, interest and overall
1–5, strengths, what to develop, would welcome again, further interest, a message to the
participant and an internal note). A no-show gets attendance no and no ratings: there was
nothing to rate. Other visits get no feedback. The status is the one the history says (the
latest event), as in the report.

Good feedback (the ranker's label) = overall 4 or 5 and "would welcome again"; the same rule
is `good_feedback` for one row and `good_feedback_sql` for queries. The matcher's history file
carries one 1–5 number per visit and calls 4 or more good, so `feedback_score(_sql)` gives that
number: the overall rating, capped at 3 when the workplace would not welcome the visitor again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..accounts import User
from ..enums import FurtherInterest, VisitStatus
from ..followup import Feedback
from ..visits import Visit
from .errors import Conflict, DomainError
from .reports import effective_status

GOOD_OVERALL = 4
MAX_TEXT = 4000
RATINGS = ("punctuality", "interest", "overall")
FEEDBACK_STATUSES = (VisitStatus.COMPLETED, VisitStatus.NO_SHOW)


def good_feedback(feedback: Feedback) -> bool:
    """The ranker's label: overall 4 or more and the workplace would welcome the visitor again."""
    return feedback.overall is not None and feedback.overall >= GOOD_OVERALL and bool(feedback.would_welcome_again)


def good_feedback_sql() -> sa.ColumnElement[bool]:
    """SQL for `good_feedback` (never NULL: a no-show without ratings is simply not good)."""
    return sa.and_(
        Feedback.overall.is_not(None),
        Feedback.overall >= GOOD_OVERALL,
        Feedback.would_welcome_again.is_(True),
    )


def feedback_score(feedback: Feedback) -> Optional[int]:
    """The 1–5 `feedback` of the matcher's history.csv: 4 or more exactly when `good_feedback`."""
    if feedback.overall is None:
        return None
    return feedback.overall if feedback.would_welcome_again else min(feedback.overall, GOOD_OVERALL - 1)


def feedback_score_sql() -> sa.ColumnElement[Optional[int]]:
    """SQL for `feedback_score` (NULL for a no-show without ratings)."""
    return sa.case(
        (Feedback.would_welcome_again.is_(True), Feedback.overall),
        (Feedback.overall > GOOD_OVERALL - 1, GOOD_OVERALL - 1),
        else_=Feedback.overall,
    )


@dataclass
class FeedbackData:
    would_welcome_again: Optional[bool]
    punctuality: Optional[int | str] = None  # as given; checked to be 1–5 when the visitor came
    interest: Optional[int | str] = None
    overall: Optional[int | str] = None
    strengths: str = ""
    to_develop: str = ""
    further_interest: FurtherInterest | str = FurtherInterest.NONE
    message_to_participant: str = ""
    internal_note: str = ""
    filled_by_name: str = ""


def _rating(value: object, name: str) -> int:
    text = str(value).strip() if value is not None else ""
    if not text.isdigit() or not 1 <= int(text) <= 5:
        raise DomainError("Välj ett värde från 1 till 5.", field=name)
    return int(text)


def accepts_feedback(visit: Visit) -> bool:
    return effective_status(visit) in FEEDBACK_STATUSES


def feedback_for(session: Session, visit: Visit) -> Optional[Feedback]:
    return session.scalar(sa.select(Feedback).where(Feedback.visit_id == visit.id))


def save_feedback(session: Session, visit: Visit, data: FeedbackData, *, by: Optional[User]) -> Feedback:
    """Fill in (or correct) the visit's feedback. Nothing is saved if a value is wrong."""
    status = effective_status(visit)
    if status not in FEEDBACK_STATUSES:
        raise Conflict(
            "Återkoppling lämnas efter besöket, när det är registrerat som genomfört eller uteblivet.",
            code="not_yet",
        )
    attended = status == VisitStatus.COMPLETED
    ratings: dict[str, Optional[int]] = dict.fromkeys(RATINGS)
    if attended:
        for name in RATINGS:
            ratings[name] = _rating(getattr(data, name), name)
    if data.would_welcome_again is None:
        raise DomainError("Svara ja eller nej.", field="would_welcome_again")
    try:
        further = FurtherInterest(data.further_interest or FurtherInterest.NONE)
    except ValueError:
        raise DomainError("Välj ett av alternativen.", field="further_interest") from None
    texts = {
        "strengths": data.strengths if attended else "",
        "to_develop": data.to_develop if attended else "",
        "message_to_participant": data.message_to_participant,
        "internal_note": data.internal_note,
        "filled_by_name": data.filled_by_name,
    }
    for name, text in texts.items():
        if len(text or "") > MAX_TEXT:
            raise DomainError("Texten får vara högst %(n)s tecken.", field=name, n=MAX_TEXT)
    feedback = feedback_for(session, visit)
    if feedback is None:
        feedback = Feedback(visit_id=visit.id)
        session.add(feedback)
    feedback.attended = attended
    for name, value in ratings.items():
        setattr(feedback, name, value)
    for name, text in texts.items():
        setattr(feedback, name, (text or "").strip())
    feedback.would_welcome_again = bool(data.would_welcome_again)
    feedback.further_interest = further
    feedback.filled_by_id = by.id if by is not None else None
    if not feedback.filled_by_name:
        feedback.filled_by_name = by.name if by is not None else ""
    session.flush()
    return feedback


# The pending list shows this many visits, the latest first; the start page counts up to it.
WAITING_SHOWN = 100


def _waiting(scope: sa.ColumnElement[bool], *columns: Any) -> sa.Select[Any]:
    return (
        sa.select(*columns)
        .where(
            scope,
            # The column equals the latest event's status (see models/operations/reports.py).
            Visit.status.in_(FEEDBACK_STATUSES),
            # Always true (an outcome is recorded only once a visit has started, and a recorded
            # visit is never moved: models/operations/visits.py), and it lets the walk back over
            # the visits in start order begin now instead of passing every booked visit ahead
            # first (3,000 at a region's size: the start page's count 4 → 0.3 ms).
            Visit.start_at <= clock.now(),
            ~sa.exists().where(Feedback.visit_id == Visit.id),
        )
        .order_by(Visit.start_at.desc())
    )


def waiting_for_feedback(session: Session, scope: sa.ColumnElement[bool], *, limit: int = WAITING_SHOWN) -> list[Visit]:
    """The latest `limit` completed and no-show visits within `scope` (a visit_scope condition)
    without feedback."""
    return list(session.scalars(_waiting(scope, Visit).limit(limit)))


def count_waiting_for_feedback(session: Session, scope: sa.ColumnElement[bool], *, up_to: int = WAITING_SHOWN) -> int:
    """How many visits `waiting_for_feedback` finds, counted up to `up_to` + 1 (the start page
    says "more than `up_to`" then): the latest are found first, and a region's history can hold
    tens of thousands of visits without a form that nobody will fill in any more."""
    latest = _waiting(scope, Visit.id).limit(up_to + 1).subquery()
    return int(session.scalar(sa.select(sa.func.count()).select_from(latest)) or 0)
