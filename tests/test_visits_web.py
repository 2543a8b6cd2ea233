"""The project leader's visit pages in the browser: the full path proposed → accepted →
confirmed → completed with the right emails and valid .ics files, cancellation and time
change calendars, no-show notices, bad input on the booking form, and who may see what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from models import OutboxMessage, Visit, VisitEvent, clock
from models.enums import Party, Role, VisitStatus
from models.operations import visits as ops
from tests.factories import local_dt
from tests.test_visits_booking import next_holiday_on_weekday, workday
from web.mail import send_pending_now, sent_messages


@pytest.fixture(autouse=True)
def _empty_mailbox(app):
    sent_messages(app).clear()


def outbox(db, kind=None):
    db.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.scalars(query).all()


def calendar_parts(message):
    """(METHOD param of the MIME part, parsed VEVENT) of each .ics attachment of an email."""
    found = []
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            cal = Calendar.from_ical(part.get_content())
            assert part.get_param("method") == str(cal["METHOD"])
            events = [c for c in cal.walk("VEVENT")]
            assert len(events) == 1
            found.append((str(cal["METHOD"]), events[0]))
    return found


def later(time_travel, moment):
    """Let time pass: operations and pages see `moment` as now."""
    time_travel.move_to(moment)


def book_form(candidate, offer, day, start="09:00", end="15:00", **extra):
    return {"candidate": candidate.id, "offer": offer.id, "day": day.isoformat(), "start": start, "end": end, **extra}


@pytest.fixture
def scene(db, make):
    """A project leader, an officer's candidate with an email address, an offer."""
    leader = make.user(Role.PROJECT_LEADER, email="pl@test.example")
    officer = make.user(Role.WELFARE_OFFICER, email="handlaggare@test.example")
    candidate = make.candidate(
        referred_by=officer, email="deltagare@test.example", first_name="Amina", last_name="Yusuf"
    )
    offer = make.offer(
        make.company(name="Kaffebaren AB", city="Helsingborg"), supervisor_email="sara@kaffebaren.example"
    )
    db.commit()
    return leader, officer, candidate, offer


def test_full_path_in_the_browser_sends_the_right_messages(app, client, auth, db, scene, runner, time_travel) -> None:
    leader, officer, candidate, offer = scene
    day = workday()
    auth.login(leader)

    page = client.get(f"/besok/nytt?candidate={candidate.id}&offer={offer.id}")
    assert page.status_code == 200
    assert "Yusuf, Amina" in page.get_data(as_text=True)
    response = client.post("/besok/nytt", data=book_form(candidate, offer, day))
    assert response.status_code == 302
    visit_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    # 1. The proposal goes to the supervisor with the signed accept/decline link.
    [proposal] = outbox(db, "visit_proposed")
    assert proposal.to_addr == "sara@kaffebaren.example"
    assert "Amina" not in proposal.body_text and "Yusuf" not in proposal.body_text  # initials only
    assert "AY" in proposal.body_text
    assert f"(v. {day.isocalendar().week})" in proposal.body_text
    link = re.search(r"https?://\S+/svar/(\S+)", proposal.body_text)
    assert link, proposal.body_text

    # 2. The supervisor accepts through the link (no login); the project leader hears of it.
    auth.logout()
    visit = db.get(Visit, visit_id)
    answer = client.post(f"/svar/{link.group(1)}", data={"accept": "1", "version": str(visit.version), "comment": ""})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    [accepted] = outbox(db, "visit_accepted")
    assert accepted.to_addr == "pl@test.example"

    # 3. The project leader confirms: participant and supervisor get an .ics REQUEST.
    auth.login(leader)
    db.expire_all()
    visit = db.get(Visit, visit_id)
    assert visit.status == VisitStatus.ACCEPTED
    response = client.post(f"/besok/{visit_id}/status/confirmed", data={"confirmed-version": visit.version})
    assert response.status_code == 302
    confirmations = outbox(db, "visit_confirmed")
    assert sorted(m.to_addr for m in confirmations) == ["deltagare@test.example", "sara@kaffebaren.example"]

    # 4. After the visit, it is recorded as completed with the actual times.
    db.expire_all()
    visit = db.get(Visit, visit_id)
    later(time_travel, visit.end_at + dt.timedelta(hours=2))
    auth.login(leader)  # hours later: the idle login has ended
    page = client.get(f"/besok/{visit_id}")
    assert "Besöket är genomfört" in page.get_data(as_text=True)
    response = client.post(
        f"/besok/{visit_id}/status/completed",
        data={"completed-version": visit.version, "completed-actual_start": "09:10", "completed-actual_end": "15:00"},
    )
    assert response.status_code == 302
    db.expire_all()
    visit = db.get(Visit, visit_id)
    assert visit.status == VisitStatus.COMPLETED
    assert visit.actual_start == local_dt(day, 9, 10)
    assert ops.counts_toward_goal(visit)
    history = [(e.from_status, e.to_status, e.by_party) for e in visit.events]
    assert history == [
        (None, VisitStatus.PROPOSED, Party.PROJECT_LEADER),
        (VisitStatus.PROPOSED, VisitStatus.ACCEPTED, Party.EMPLOYER),
        (VisitStatus.ACCEPTED, VisitStatus.CONFIRMED, Party.PROJECT_LEADER),
        (VisitStatus.CONFIRMED, VisitStatus.COMPLETED, Party.PROJECT_LEADER),
    ]

    # 5. send-outbox delivers everything; the .ics files parse and carry the visit's identity.
    result = runner.invoke(args=["send-outbox"])
    assert result.exit_code == 0, result.output
    assert "4 sent" in result.output
    delivered = sent_messages(app)
    assert len(delivered) == 4
    invitations = [m for m in delivered if calendar_parts(m)]
    assert sorted(m["To"] for m in invitations) == ["deltagare@test.example", "sara@kaffebaren.example"]
    for message in invitations:
        assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None
        [(method, event)] = calendar_parts(message)
        assert method == "REQUEST"
        assert str(event["UID"]).startswith(f"visit-{visit_id}@")
        assert int(event["SEQUENCE"]) == 0
        assert str(event["ATTENDEE"]) == f"mailto:{message['To']}"  # nobody else's address
        assert str(event["ORGANIZER"]).startswith("mailto:")
        assert event.decoded("DTSTART") == local_dt(day, 9).astimezone(dt.UTC)
        assert event["DTSTART"].to_ical().endswith(b"Z")  # written in UTC
        assert "Kaffebaren AB" in str(event["SUMMARY"]) and "AY" in str(event["SUMMARY"])
        assert "Amina" not in str(event.to_ical()) and "Yusuf" not in event.to_ical().decode()
    assert all(m.status.value == "sent" for m in outbox(db))


def confirmed_visit(db, make, scene, *, status=VisitStatus.CONFIRMED, day=None):
    leader, officer, candidate, offer = scene
    visit = make.visit(candidate, offer, day=day or workday(), status=status, proposed_by=leader)
    db.commit()
    return visit


def test_cancelling_a_confirmed_visit_sends_a_cancel_with_a_higher_sequence(app, client, auth, db, make, scene) -> None:
    visit = confirmed_visit(db, make, scene)
    auth.login(scene[0])
    response = client.post(
        f"/besok/{visit.id}/status/cancelled",
        data={"cancelled-version": visit.version, "cancelled-party": "participant", "cancelled-reason": "Sjuk"},
    )
    assert response.status_code == 302
    db.expire_all()
    visit = db.get(Visit, visit.id)
    assert (visit.status, visit.cancelled_by, visit.ics_sequence) == (VisitStatus.CANCELLED, Party.PARTICIPANT, 1)
    messages = outbox(db, "visit_cancelled")
    # Those who had the confirmation get the CANCEL; the project leader hears that the participant cancelled.
    assert sorted(m.to_addr for m in messages) == [
        "deltagare@test.example", "pl@test.example", "sara@kaffebaren.example",
    ]

    send_pending_now(app)
    cancels = [calendar_parts(m) for m in sent_messages(app)]
    cancels = [parts[0] for parts in cancels if parts]
    assert len(cancels) == 2
    for method, event in cancels:
        assert method == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == 1
        assert str(event["UID"]).startswith(f"visit-{visit.id}@")


def test_a_time_change_of_a_confirmed_visit_sends_an_update(app, client, auth, db, make, scene) -> None:
    visit = confirmed_visit(db, make, scene)
    auth.login(scene[0])
    new_day = workday(20)
    page = client.get(f"/besok/{visit.id}/ny-tid")
    assert page.status_code == 200
    response = client.post(
        f"/besok/{visit.id}/ny-tid",
        data={"version": visit.version, "day": new_day.isoformat(), "start": "10:00", "end": "14:30"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.expire_all()
    visit = db.get(Visit, visit.id)
    assert (visit.visit_date, visit.ics_sequence, visit.status) == (new_day, 1, VisitStatus.CONFIRMED)
    assert visit.events[-1].reason.startswith("Ny tid:")
    send_pending_now(app)
    updates = [p[0] for p in (calendar_parts(m) for m in sent_messages(app)) if p]
    assert len(updates) == 2
    for method, event in updates:
        assert method == "REQUEST" and int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == local_dt(new_day, 10).astimezone(dt.UTC)
        assert event.decoded("DTEND") == local_dt(new_day, 14, 30).astimezone(dt.UTC)


def test_no_show_informs_the_officer_with_initials_only(client, auth, db, make, scene, time_travel) -> None:
    visit = confirmed_visit(db, make, scene)
    later(time_travel, visit.end_at + dt.timedelta(hours=1))
    auth.login(scene[0])
    response = client.post(f"/besok/{visit.id}/status/no_show", data={"no_show-version": visit.version})
    assert response.status_code == 302
    [notice] = outbox(db, "visit_no_show")
    assert notice.to_addr == "handlaggare@test.example"
    assert "AY" in notice.subject and f"nr {visit.id}" in notice.subject
    for text in (notice.subject, notice.body_text, notice.body_html):
        assert "Amina" not in text and "Yusuf" not in text


def test_no_show_history_is_shown_to_the_project_leader(client, auth, db, make, scene) -> None:
    leader, officer, candidate, offer = scene
    make.visit(candidate, offer, day=clock.local_today() - dt.timedelta(days=30), status=VisitStatus.NO_SHOW)
    make.visit(candidate, offer, day=clock.local_today() - dt.timedelta(days=20), status=VisitStatus.NO_SHOW)
    visit = confirmed_visit(db, make, scene)
    auth.login(leader)
    page = client.get(f"/besok/{visit.id}").get_data(as_text=True)
    assert "2 tidigare uteblivna besök" in page
    listing = client.get("/besok").get_data(as_text=True)
    assert '<span class="badge err">2</span>' in listing


def test_employers_see_neither_the_visit_page_nor_no_shows(client, auth, db, make, scene) -> None:
    visit = confirmed_visit(db, make, scene)
    employer = make.user(Role.EMPLOYER, company=visit.offer.company)
    db.commit()
    auth.login(employer)
    assert client.get(f"/besok/{visit.id}").status_code == 403
    assert client.get("/besok").status_code == 403
    assert client.post(f"/besok/{visit.id}/status/cancelled", data={}).status_code == 403


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.STEERING, Role.ADMIN, Role.WELFARE_OFFICER])
def test_only_project_leaders_book_and_change_visits(client, auth, db, make, scene, role) -> None:
    visit = confirmed_visit(db, make, scene)
    auth.login(role)
    assert client.get("/besok/nytt").status_code == 403
    assert client.get("/kalender").status_code == 403
    assert client.post(f"/besok/{visit.id}/status/cancelled", data={}).status_code == 403
    assert client.post(f"/besok/{visit.id}/rattelse", data={}).status_code == 403
    db.expire_all()
    assert db.get(Visit, visit.id).status == VisitStatus.CONFIRMED


def test_the_referring_officer_may_read_the_visit_page(client, auth, db, make, scene) -> None:
    visit = confirmed_visit(db, make, scene)
    auth.login(scene[1])
    page = client.get(f"/besok/{visit.id}")
    assert page.status_code == 200
    assert "Avboka" not in page.get_data(as_text=True)
    other_officer = make.user(Role.WELFARE_OFFICER)
    db.commit()
    auth.logout()
    auth.login(other_officer)
    assert client.get(f"/besok/{visit.id}").status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "09:00", "end": "12:30"}, "mellan 4 och 8 timmar"),
        ({"start": "07:00", "end": "16:30"}, "mellan 4 och 8 timmar"),
        ({"start": "06:00", "end": "12:00"}, "mellan 08:00 och 17:00"),
        ({"start": "15:00", "end": "12:00"}, "Sluttiden måste vara efter starttiden"),
    ],
)
def test_bad_times_on_the_booking_form_are_refused_and_nothing_is_saved(client, auth, db, scene, data, message) -> None:
    leader, officer, candidate, offer = scene
    auth.login(leader)
    response = client.post("/besok/nytt", data=book_form(candidate, offer, workday(), **data))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert 'aria-invalid="true"' in body
    assert outbox(db) == [] and db.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_booking_form_refuses_the_past_a_paused_offer_and_a_closed_referral(client, auth, db, make, scene) -> None:
    leader, officer, candidate, offer = scene
    closed = make.candidate(status="closed")
    paused = make.offer(active=False)
    db.commit()
    auth.login(leader)
    past = clock.local_today() - dt.timedelta(days=3)
    cases = [
        (book_form(candidate, offer, past), 422, "Tiden har redan passerat"),
        (book_form(candidate, paused, workday()), 422, "pausat"),
        (book_form(closed, offer, workday()), 422, "ingen antagen eller aktiv remiss"),
    ]
    for data, status, message in cases:
        response = client.post("/besok/nytt", data=data)
        assert response.status_code == status
        assert message in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_holiday_warns_and_books_only_when_confirmed(client, auth, db, make, scene) -> None:
    leader, officer, candidate, _ = scene
    offer = make.offer(weekdays=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    db.commit()
    day = next_holiday_on_weekday()
    auth.login(leader)
    first = client.post("/besok/nytt", data=book_form(candidate, offer, day))
    assert first.status_code == 422
    body = first.get_data(as_text=True)
    assert "helgdag" in body and "Boka ändå" in body and 'name="allow_holiday"' in body
    second = client.post("/besok/nytt", data=book_form(candidate, offer, day, allow_holiday="y"))
    assert second.status_code == 302


def test_full_offer_answers_409_with_a_clear_message(client, auth, db, make, scene) -> None:
    leader, officer, candidate, offer = scene
    day = workday()
    make.visit(offer=offer, day=day, status=VisitStatus.CONFIRMED)
    db.commit()
    auth.login(leader)
    response = client.post("/besok/nytt", data=book_form(candidate, offer, day))
    assert response.status_code == 409
    assert "fullbokat" in response.get_data(as_text=True)


def test_a_stale_form_is_refused_and_changes_nothing(client, auth, db, make, scene) -> None:
    visit = confirmed_visit(db, make, scene, status=VisitStatus.ACCEPTED)
    stale_version = visit.version
    visit.status_reason = "ändrad av någon annan"
    db.commit()
    auth.login(scene[0])
    response = client.post(f"/besok/{visit.id}/status/confirmed", data={"confirmed-version": stale_version})
    assert response.status_code == 409
    assert "Någon annan har ändrat besöket" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Visit, visit.id).status == VisitStatus.ACCEPTED
    assert outbox(db) == []


def test_a_disallowed_transition_in_the_browser_is_409(client, auth, db, make, scene) -> None:
    visit = confirmed_visit(db, make, scene, status=VisitStatus.PROPOSED)
    auth.login(scene[0])
    response = client.post(f"/besok/{visit.id}/status/confirmed", data={"confirmed-version": visit.version})
    assert response.status_code == 409
    assert "kan inte bli bekräftat" in response.get_data(as_text=True)
    assert client.post(f"/besok/{visit.id}/status/bogus", data={}).status_code == 404


def test_cancel_without_reason_is_refused(client, auth, db, make, scene) -> None:
    visit = confirmed_visit(db, make, scene)
    auth.login(scene[0])
    response = client.post(
        f"/besok/{visit.id}/status/cancelled", data={"cancelled-version": visit.version, "cancelled-party": "employer"}
    )
    assert response.status_code == 422
    assert "Skriv varför besöket avbokas" in response.get_data(as_text=True)


def test_a_short_completed_visit_is_recorded_but_marked_as_not_counting(client, auth, db, make, scene, time_travel):
    visit = confirmed_visit(db, make, scene)
    later(time_travel, visit.end_at + dt.timedelta(hours=1))
    auth.login(scene[0])
    form = {"completed-version": visit.version, "completed-actual_start": "09:00", "completed-actual_end": "11:00"}
    assert client.post(f"/besok/{visit.id}/status/completed", data=form).status_code == 422  # asked first
    response = client.post(f"/besok/{visit.id}/status/completed", data={**form, "completed-confirm_length": "y"})
    assert response.status_code == 302
    page = client.get(f"/besok/{visit.id}").get_data(as_text=True)
    assert "Räknas inte mot målet" in page
    db.expire_all()
    assert not ops.counts_toward_goal(db.get(Visit, visit.id))


def test_project_leader_corrects_a_completed_visit_to_no_show(client, auth, db, make, scene) -> None:
    leader, officer, candidate, offer = scene
    visit = make.visit(candidate, offer, day=clock.local_today() - dt.timedelta(days=3), status=VisitStatus.COMPLETED,
                       actual_hours=6)
    db.commit()
    auth.login(leader)
    refused = client.post(f"/besok/{visit.id}/rattelse", data={"correct-version": visit.version})
    assert refused.status_code == 422
    response = client.post(
        f"/besok/{visit.id}/rattelse",
        data={"correct-version": visit.version, "correct-reason": "Handledaren meddelade fel"},
    )
    assert response.status_code == 302
    db.expire_all()
    visit = db.get(Visit, visit.id)
    assert visit.status == VisitStatus.NO_SHOW and visit.actual_start is None
    last = visit.events[-1]
    assert (last.from_status, last.to_status) == (VisitStatus.COMPLETED, VisitStatus.NO_SHOW)
    assert last.reason == "Rättelse: Handledaren meddelade fel"
    assert [m.to_addr for m in outbox(db, "visit_no_show")] == ["handlaggare@test.example"]


def test_visit_list_filters(client, auth, db, make, scene) -> None:
    leader, officer, candidate, offer = scene
    make.visit(candidate, offer, day=workday(10), status=VisitStatus.PROPOSED)
    other = make.offer(make.company(name="Bageriet Kringlan AB"))
    make.visit(offer=other, day=workday(30), status=VisitStatus.CONFIRMED)
    db.commit()
    auth.login(leader)
    everything = client.get("/besok").get_data(as_text=True)
    assert "Kaffebaren AB" in everything and "Bageriet Kringlan AB" in everything
    only_confirmed = client.get("/besok?status=confirmed").get_data(as_text=True)
    assert "Bageriet Kringlan AB" in only_confirmed and "Kaffebaren AB" not in only_confirmed
    by_name = client.get("/besok?q=yusuf").get_data(as_text=True)
    assert "Kaffebaren AB" in by_name and "Bageriet Kringlan AB" not in by_name
    by_date = client.get(f"/besok?date_from={workday(25).isoformat()}").get_data(as_text=True)
    assert "Bageriet Kringlan AB" in by_date and "Kaffebaren AB" not in by_date


def test_the_visit_list_counts_up_to_a_limit_and_says_more_than(client, auth, db, make, scene, monkeypatch) -> None:
    """A list of every visit ever booked is counted only a little past its page: the caption and
    the pager say "more than" until the last pages, where the count is exact again."""
    from web.visits import views as visit_views

    leader, _officer, candidate, offer = scene
    for n in range(7):
        make.visit(candidate, offer, day=workday(10 + 2 * n), status=VisitStatus.CANCELLED)
    db.commit()
    monkeypatch.setattr(visit_views, "PER_PAGE", 2)
    monkeypatch.setattr(visit_views, "COUNTED_UP_TO", 3)
    auth.login(leader)

    def page(number: int) -> tuple[str, str, int]:
        html = client.get(f"/besok?page={number}").get_data(as_text=True)
        caption = re.search(r"<caption>(.*?)</caption>", html).group(1)
        pager = re.search(r'<nav class="pager"[^>]*>.*?<span>(.*?)</span>', html, re.S).group(1)
        return caption, pager, len(re.findall(r'href="/besok/\d+"', html))

    assert page(1) == ("Besök, senaste först (fler än 3 st)", "Sida 1 av fler än 2", 2)
    assert page(2) == ("Besök, senaste först (fler än 5 st)", "Sida 2 av fler än 3", 2)
    assert page(4) == ("Besök, senaste först (7 st)", "Sida 4 av 4", 1)
    assert page(9) == ("Besök, senaste först (7 st)", "Sida 4 av 4", 1)  # past the end: the last page
    html = client.get("/besok?page=3").get_data(as_text=True)
    assert 'rel="next"' in html and 'rel="prev"' in html


def test_rolled_back_booking_sends_nothing(app, db, make, scene) -> None:
    """An error after the proposal, in the same transaction: no visit and no outbox row."""
    from web.extensions import db as web_db
    from web.visits import service

    leader, officer, candidate, offer = scene
    start = local_dt(workday(), 9)
    with app.test_request_context():
        offer_here = web_db.session.get(type(offer), offer.id)
        candidate_here = web_db.session.get(type(candidate), candidate.id)
        service.propose_visit(offer_here, candidate_here, start, start + dt.timedelta(hours=6), by=None)
        assert web_db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
        try:
            raise RuntimeError("something failed later in the request")
        except RuntimeError:
            web_db.session.rollback()
    assert outbox(db) == []
    assert db.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(VisitEvent)) == 0

