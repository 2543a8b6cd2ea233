"""What other areas use to show feedback: the candidate-bank pages call
`feedback_for_candidate(candidate, user)` and include "feedback/_participant_part.html" for each
row (the template expects `feedback`; it shows the participant's part, never the ratings or
the internal note)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from models import Candidate, Feedback, Visit

from .. import permissions as perm
from ..extensions import db


def feedback_for_candidate(candidate: Candidate, user: Any) -> list[Feedback]:
    """The candidate's feedback, newest visit first, if the user may see it (else empty)."""
    rows = db.session.scalars(
        sa.select(Feedback)
        .join(Visit, Visit.id == Feedback.visit_id)
        .where(Visit.candidate_id == candidate.id)
        .order_by(Visit.start_at.desc())
    ).all()
    return [f for f in rows if perm.can_view_feedback(user, f.visit)]
