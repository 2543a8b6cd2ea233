"""Feedback by template through the mail (issue #22): the supervisor gets a single-use signed
link to the template after the visit, fills it on a phone, the participant receives their part
directly, and the steering report shows the ratings' distribution and never the free text."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from models import Feedback, OutboxMessage, clock
from models.enums import VisitStatus
from models.operations.reports import quarterly_report

LINK = re.compile(r"/aterkoppling/lank/([A-Za-z0-9_.\-]+)")
TEMPLATE = {
    "punctuality": "5", "interest": "4", "overall": "5", "strengths": "Frågade kunderna vad de behövde.",
    "to_develop": "Ta egna initiativ.", "would_welcome_again": "yes", "further_interest": "internship",
    "message_to_participant": "Välkommen tillbaka!", "internal_note": "Bra match.", "filled_by_name": "Eva Handledare",
}


def _mails(db, kind: str) -> list[OutboxMessage]:
    return list(db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_the_supervisor_fills_the_template_by_link_and_the_participant_gets_it(client, db, make, runner) -> None:
    today = clock.local_today()
    programme = make.programme(starts_on=today - dt.timedelta(days=100), ends_on=today + dt.timedelta(days=300))
    candidate = make.candidate(email="deltagare@exempel.example", first_name="Nour")
    offer = make.offer(supervisor_email="handledare@foretag.example")
    make.visit(candidate, offer, day=today - dt.timedelta(days=1), status=VisitStatus.COMPLETED,
               actual_hours=5)
    db.commit()
    for _ in range(2):  # daily runs write one request only
        result = runner.invoke(args=["send-surveys"])
        assert result.exit_code == 0, result.output
    [request] = _mails(db, "feedback_request")
    assert request.to_addr == "handledare@foretag.example" and "Nour" in request.body_text
    token = LINK.search(request.body_text).group(1)

    form = client.get(f"/aterkoppling/lank/{token}")
    assert form.status_code == 200 and "Återkoppling efter besöket" in form.get_data(as_text=True)
    wrong = client.post(f"/aterkoppling/lank/{token}", data=TEMPLATE | {"overall": "9"})
    assert wrong.status_code == 422 and "1 till 5" in wrong.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 0  # nothing half-saved
    done = client.post(f"/aterkoppling/lank/{token}", data=TEMPLATE)
    assert done.status_code == 200 and "fått det ni skrev" in done.get_data(as_text=True)
    feedback = db.scalars(sa.select(Feedback)).one()
    assert (feedback.overall, feedback.filled_by_id, feedback.filled_by_name) == (5, None, "Eva Handledare")

    # The participant's part went to the participant, in plain Swedish; ratings and the note did not.
    [mail] = _mails(db, "feedback_to_participant")
    assert mail.to_addr == "deltagare@exempel.example"
    assert "Frågade kunderna vad de behövde." in mail.body_text and "Välkommen tillbaka!" in mail.body_text
    assert "Bra match." not in mail.body_text and "Helhetsintryck" not in mail.body_text

    # The link is spent; a broken one answers clearly.
    again = client.get(f"/aterkoppling/lank/{token}")
    assert again.status_code == 410 and "redan ifylld" in again.get_data(as_text=True)
    broken = client.get(f"/aterkoppling/lank/{token[:-4]}abcd")
    assert broken.status_code == 404 and "Länken fungerar inte" in broken.get_data(as_text=True)

    # The steering report: the ratings' distribution, never the free text.
    data = quarterly_report(db, programme).to_dict()
    assert data["feedback_ratings"]["overall"]["total"] == "x"  # one form: hidden
    text = str(data)
    assert "Frågade kunderna" not in text and "Bra match" not in text and "Välkommen tillbaka" not in text


def test_ratings_distribution_is_shown_from_five_forms(db, make) -> None:
    today = clock.local_today()
    programme = make.programme(starts_on=today - dt.timedelta(days=100), ends_on=today + dt.timedelta(days=300))
    for overall in (5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3):
        visit = make.visit(day=today - dt.timedelta(days=2), status=VisitStatus.COMPLETED, actual_hours=5)
        db.flush()
        db.add(Feedback(visit_id=visit.id, attended=True, punctuality=5, interest=5, overall=overall,
                        would_welcome_again=True))
    db.commit()
    ratings = quarterly_report(db, programme).to_dict()["feedback_ratings"]
    assert ratings["punctuality"]["5"] == 11 and ratings["punctuality"]["total"] == 11
    # One form rated 3: hidden, and since the rating's mean is published too (a second sum over
    # the row), the row's other counts with it; the total stays.
    assert [ratings["overall"][v] for v in "12345"] == ["x"] * 5 and ratings["overall"]["total"] == 11
