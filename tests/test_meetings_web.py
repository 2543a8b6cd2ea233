"""Network meetings in the browser: planning a meeting, an invitation emailed with a link the
company answers once, the public sign-up (a place, then the waiting list, bad input refused with
nothing saved), the selection page with achieved shares, an offer from the meeting, and the
steering group's page; in Swedish and English."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import sqlalchemy as sa

from models import MeetingInvitee, MeetingOffer, OutboxMessage, clock
from models.enums import Role
from models.meetings import InviteeStatus
from models.operations import meetings as ops
from tests.factories import org_number
from tests.logins import log_in_as

from .test_meetings import facts, meeting_data


def _meeting(db, **kw):
    meeting = ops.create_meeting(db, meeting_data(**kw))
    db.commit()
    return meeting


def test_project_leader_plans_a_meeting_with_channels(client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.PROJECT_LEADER)
    day = clock.local_today() + dt.timedelta(days=40)
    form = {"kind": "dialogue", "title": "Dialogträff våren", "theme": "Kompetens", "day": day.isoformat(),
            "start": "09:00", "end": "12:00", "place": "Malmö Live", "capacity": "90", "quota_city": "30",
            "quota_organisation": "30", "quota_open": "40", "open_signup": "y"}
    refused = client.post("/natverksmoten/nytt", data=form)
    assert refused.status_code == 422
    assert "får inte vara fler än mötets platser" in refused.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(ops.NetworkMeeting)) == 0

    saved = client.post("/natverksmoten/nytt", data={**form, "quota_open": "30"})
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Dialogträff våren" in page and "Öppen anmälan" in page
    client.post("/language", data={"locale": "en"})
    english = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Open sign-up" in english and "Channels" in english


def test_an_invitation_is_answered_once_through_its_link(client, make, db, vault) -> None:
    meeting = _meeting(db)
    company = make.company(name="Hamnens Bygg AB", industry="Bygg")
    db.commit()
    log_in_as(client, make, vault, Role.PROJECT_LEADER)
    sent = client.post(f"/natverksmoten/{meeting.id}/bjud-in", data={"channel": "city", "company": str(company.id)})
    assert sent.status_code == 302
    email = db.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "meeting_invitation"))
    assert email.to_addr == company.contacts[0].email and meeting.title in email.subject
    path = urlsplit(re.search(r"https?://\S+/moten/svar/\S+", email.body_text).group(0)).path

    anonymous = client.application.test_client()
    assert "Hamnens Bygg AB" in anonymous.get(path).get_data(as_text=True)
    done = anonymous.post(path, data={"accept": "1", "contact_name": "Sara Ek", "representative_gender": "woman"})
    assert done.status_code == 200
    invitee = db.scalar(sa.select(MeetingInvitee))
    assert (invitee.status, invitee.contact_name) == (InviteeStatus.SIGNED_UP, "Sara Ek")
    again = anonymous.post(path, data={"decline": "1"})
    assert again.status_code == 410
    db.expire_all()
    assert db.get(MeetingInvitee, invitee.id).status == InviteeStatus.SIGNED_UP
    # The company's answer about its representative is never shown row by row.
    assert "woman" not in client.get(f"/natverksmoten/{meeting.id}").get_data(as_text=True).replace(
        'value="woman"', "")


def _sign_up(client, meeting, n, **kw):
    data = {"company_name": f"Företag {n} AB", "org_number": org_number(5000 + n), "industry": "Handel",
            "size_class": "micro", "contact_name": "Kim", "email": f"kim{n}@foretag.example", **kw}
    return client.post(f"/moten/{meeting.id}/anmalan", data=data)


def test_open_sign_up_gives_places_then_the_waiting_list(client, db) -> None:
    meeting = _meeting(db, quotas={"city": 3, "organisation": 3, "open": 2})
    assert client.get(f"/moten/{meeting.id}/anmalan").status_code == 200
    bad = _sign_up(client, meeting, 1, org_number="556000-0000")
    assert bad.status_code == 422 and "Organisationsnumret är inte giltigt" in bad.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(MeetingInvitee)) == 0

    for n in range(2):
        assert "har en plats" in _sign_up(client, meeting, n).get_data(as_text=True)
    third = _sign_up(client, meeting, 2).get_data(as_text=True)
    assert "nummer 1 på väntelistan" in third
    twice = _sign_up(client, meeting, 2)
    assert twice.status_code == 409 and "redan inbjudet eller anmält" in twice.get_data(as_text=True)
    mails = db.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "meeting_signup").order_by(OutboxMessage.id)).all()
    assert len(mails) == 3 and "väntelistan" in mails[-1].subject
    visitor = client.application.test_client()
    visitor.post("/language", data={"locale": "en"})
    assert "Sign up the company" in visitor.get(f"/moten/{meeting.id}/anmalan").get_data(as_text=True)
    assert "number 2 on the waiting list" in _sign_up(visitor, meeting, 3).get_data(as_text=True)


def test_closed_sign_up_is_said_plainly(client, db) -> None:
    meeting = _meeting(db, open_signup=False)
    page = client.get(f"/moten/{meeting.id}/anmalan")
    assert page.status_code == 410 and "Anmälan är stängd" in page.get_data(as_text=True)


def test_selection_page_shows_shares_and_saves_the_places(client, make, db, vault) -> None:
    meeting = _meeting(db, quotas={"city": 2, "organisation": 0, "open": 0}, capacity=2)
    for n, industry in enumerate(["IT", "IT", "Bygg", "Vård"]):
        invitee = ops.invite(db, meeting, facts(n, industry=industry), channel="city")
        ops.answer_invitation(db, invitee, coming=True)
    db.commit()
    log_in_as(client, make, vault, Role.PROJECT_LEADER)
    url = f"/natverksmoten/{meeting.id}/urval"
    impossible = client.get(url, query_string={"industry": "IT: 80\nBygg: 40"})
    assert impossible.status_code == 422 and "100 %" in impossible.get_data(as_text=True)
    page = client.get(url, query_string={"industry": "IT: 50\nBygg: 50"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Först till kvarn" in html
    chosen = re.findall(r'name="selected" value="(\d+)"', html)
    assert len(chosen) == 2
    saved = client.post(url, data={"selected": chosen})
    assert saved.status_code == 302
    db.expire_all()
    placed = db.scalars(sa.select(MeetingInvitee).where(MeetingInvitee.status == InviteeStatus.SELECTED)).all()
    assert sorted(i.industry for i in placed) == ["Bygg", "IT"]


def test_offer_from_the_meeting_counts_for_the_steering_group(client, make, db, vault) -> None:
    meeting = _meeting(db)
    company = make.company(name="Öresunds Vård AB")
    invitee = ops.invite(db, meeting, ops.facts_of(company), channel="city", company=company)
    db.commit()
    log_in_as(client, make, vault, Role.PROJECT_LEADER)
    form = {"title": "Undersköterska för en dag", "field": "healthcare", "description": "", "min_swedish_level": "2",
            "languages": "sv", "weekdays": ["mon", "tue"], "window_start": "08:00", "window_end": "16:00",
            "hours": "6", "capacity_per_day": "1", "capacity_per_quarter": "3", "supervisor_name": "Eva",
            "supervisor_email": "eva@vard.example"}
    saved = client.post(f"/natverksmoten/{meeting.id}/erbjudande/{invitee.id}", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    assert db.scalar(sa.select(sa.func.count()).select_from(MeetingOffer)) == 1

    steering = client.application.test_client()
    log_in_as(steering, make, vault, Role.STEERING)
    html = steering.get("/natverksmoten/resultat").get_data(as_text=True)
    assert meeting.title in html and "Erbjudanden" in html
    assert "Öresunds Vård AB" not in html  # counts only
    assert steering.get(f"/natverksmoten/{meeting.id}").status_code == 403


def test_the_public_sign_up_is_rate_limited(database_url, db) -> None:
    from .logins import rate_limited_app

    meeting = _meeting(db, quotas={"city": 3, "organisation": 3, "open": 3})
    with rate_limited_app(database_url) as app:
        client = app.test_client()
        answers = [_sign_up(client, meeting, 100 + n, org_number="1").status_code for n in range(21)]
    assert answers[:20] == [422] * 20 and answers[20] == 429
