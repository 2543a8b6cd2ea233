"""Answering a proposal without an account: the signed, expiring, single-use link in the
proposal email. A tampered, expired or replayed link changes nothing and says what happened."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from models import OutboxMessage, Visit, VisitEvent, clock
from models.enums import DeclineReason, Party, VisitStatus
from models.operations.visits import is_working_day
from web import links
from web.extensions import db as web_db

from .factories import local_dt
from .test_employer import Proposal, assert_minimal, make_proposal


@pytest.fixture
def proposal(make, db, vault) -> Proposal:
    return make_proposal(make, db, vault)


def token_for(app: Any, visit_id: int, purpose: str = "visit-answer") -> str:
    with app.test_request_context():
        return links.make_token(purpose, visit_id)


def status_of(db: Any, visit: Visit) -> VisitStatus:
    db.refresh(visit)
    return visit.status


def _bookable_day() -> dt.date:
    """A working day three weeks ahead that is not a Swedish public holiday."""
    day = clock.local_today() + dt.timedelta(days=21)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def test_supervisor_answers_from_the_proposal_email(app, client, make, db, proposal) -> None:
    """The whole way: the project leader proposes, the email carries the link, the supervisor
    (not logged in) sees the minimal view, accepts, and the link then stops working."""
    from web.visits.service import propose_visit

    candidate = make.candidate(first_name="Yusuf", last_name="Asdfgson")
    db.commit()
    start = local_dt(_bookable_day(), 9)
    with app.test_request_context():
        session = web_db.session
        visit = propose_visit(
            session.get(type(proposal.visit.offer), proposal.visit.offer.id),
            session.get(type(candidate), candidate.id),
            start, start + dt.timedelta(hours=6),
            by=session.get(type(proposal.project_leader), proposal.project_leader.id),
        )
        session.commit()
        visit_id = visit.id
    email = db.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "visit_proposed"))
    assert email.to_addr == proposal.visit.offer.supervisor_email
    url = re.search(r"https?://\S+/svar/\S+", email.body_text).group(0)
    path = urlsplit(url).path  # on PUBLIC_BASE_URL, whatever the request's host

    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Yusuf" in html and "Asdfgson" not in html and "Kock för en dag" in html

    done = client.post(path, data={"accept": "1"})
    assert done.status_code == 200 and "Tack för ert svar" in done.get_data(as_text=True)
    visit = db.get(Visit, visit_id)
    assert visit.status == VisitStatus.ACCEPTED
    event = visit.events[-1]
    assert (event.to_status, event.by_party, event.by_id) == (VisitStatus.ACCEPTED, Party.EMPLOYER, None)

    again = client.get(path)
    assert again.status_code == 410 and "Länken är redan använd" in again.get_data(as_text=True)


def test_link_page_shows_the_minimal_view_only_and_is_not_cached(app, client, proposal) -> None:
    response = client.get(f"/svar/{token_for(app, proposal.visit.id)}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for shown in ("Zainab", "Kock för en dag", "A2", "svenska, somaliska", "Vill gärna prova på att laga lunch"):
        assert shown in html
    assert_minimal(html, proposal)
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_decline_through_the_link_records_the_reason(app, client, db, proposal) -> None:
    path = f"/svar/{token_for(app, proposal.visit.id)}"
    response = client.post(path, data={"decline": "1", "decline_reason": "no_capacity", "comment": "Full vecka."})
    assert response.status_code == 200 and "Ni har tackat nej" in response.get_data(as_text=True)
    db.refresh(proposal.visit)
    assert proposal.visit.status == VisitStatus.DECLINED
    assert proposal.visit.decline_reason == DeclineReason.NO_CAPACITY
    assert proposal.visit.status_reason == "Full vecka."
    notice = db.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_addr == proposal.project_leader.email))
    assert notice is not None


def test_a_decline_without_reason_is_refused_and_the_link_still_works(app, client, db, proposal) -> None:
    path = f"/svar/{token_for(app, proposal.visit.id)}"
    refused = client.post(path, data={"decline": "1"})
    assert refused.status_code == 422 and "Välj varför ni tackar nej." in refused.get_data(as_text=True)
    assert status_of(db, proposal.visit) == VisitStatus.PROPOSED
    assert client.post(path, data={"accept": "1"}).status_code == 200
    assert status_of(db, proposal.visit) == VisitStatus.ACCEPTED


def test_a_replayed_link_is_refused_and_the_first_answer_stands(app, client, db, proposal) -> None:
    path = f"/svar/{token_for(app, proposal.visit.id)}"
    assert client.post(path, data={"accept": "1"}).status_code == 200
    replay = client.post(path, data={"decline": "1", "decline_reason": "other"})
    assert replay.status_code == 410
    assert "Länken är redan använd" in replay.get_data(as_text=True)
    assert status_of(db, proposal.visit) == VisitStatus.ACCEPTED
    answers = db.scalar(
        sa.select(sa.func.count()).select_from(VisitEvent)
        .where(VisitEvent.visit_id == proposal.visit.id, VisitEvent.by_party == Party.EMPLOYER)
    )
    assert answers == 1


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),  # signature changed
        lambda t: "x" + t,  # payload changed
        lambda t: "inte-en-lank",
    ],
)
def test_a_tampered_link_is_refused_with_a_clear_page(app, client, db, proposal, mangle) -> None:
    path = f"/svar/{mangle(token_for(app, proposal.visit.id))}"
    for response in (client.get(path), client.post(path, data={"accept": "1"})):
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "Länken fungerar inte" in html and "Kontakta projektledaren" in html
        assert "Zainab" not in html
    assert status_of(db, proposal.visit) == VisitStatus.PROPOSED


def test_a_link_made_for_another_purpose_is_refused(app, client, db, proposal) -> None:
    response = client.post(f"/svar/{token_for(app, proposal.visit.id, purpose='survey')}", data={"accept": "1"})
    assert response.status_code == 400
    assert status_of(db, proposal.visit) == VisitStatus.PROPOSED


@pytest.mark.parametrize(("age_days", "expected"), [(8, 410), (6, 200)])
def test_a_link_expires_after_seven_days(app, client, db, time_travel, proposal, age_days: int, expected: int) -> None:
    time_travel.shift(-dt.timedelta(days=age_days))  # the link was made then
    token = token_for(app, proposal.visit.id)
    time_travel.shift(dt.timedelta(days=age_days))
    response = client.post(f"/svar/{token}", data={"accept": "1"})
    assert response.status_code == expected
    if expected == 410:
        assert "Länken har gått ut" in response.get_data(as_text=True)
        assert status_of(db, proposal.visit) == VisitStatus.PROPOSED
    else:
        assert status_of(db, proposal.visit) == VisitStatus.ACCEPTED


def test_a_proposal_answered_in_the_portal_cannot_be_answered_by_link(app, client, auth, db, proposal) -> None:
    path = f"/svar/{token_for(app, proposal.visit.id)}"
    auth.login(proposal.employer)
    client.post(f"/foretaget/besok/{proposal.visit.id}", data={"accept": "1"})
    auth.logout()
    for response in (client.get(path), client.post(path, data={"decline": "1", "decline_reason": "other"})):
        assert response.status_code == 409
        html = response.get_data(as_text=True)
        assert "Förslaget är redan besvarat" in html and "Accepterat av företaget" in html
        assert "pl@iop.example" in html  # whom to contact
    assert status_of(db, proposal.visit) == VisitStatus.ACCEPTED


def test_a_link_to_a_visitor_who_withdrew_consent_shows_nothing_about_them(app, client, db, proposal) -> None:
    proposal.candidate.consents[0].withdrawn_at = clock.now()
    db.commit()
    path = f"/svar/{token_for(app, proposal.visit.id)}"
    for response in (client.get(path), client.post(path, data={"accept": "1"})):
        assert response.status_code == 410
        html = response.get_data(as_text=True)
        assert "Besökaren är inte längre tillgänglig" in html and "Zainab" not in html
    assert status_of(db, proposal.visit) == VisitStatus.PROPOSED


def test_a_link_to_a_visit_that_does_not_exist(app, client) -> None:
    response = client.get(f"/svar/{token_for(app, 987654)}")
    assert response.status_code == 410 and "Förslaget finns inte längre" in response.get_data(as_text=True)
