"""The project leader's start page (needs action, this week), the week and month calendars,
and the personal calendar feed (secret, revocable, initials and company only)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import sqlalchemy as sa
from icalendar import Calendar

from models import CalendarFeed, clock
from models.enums import ActivityType, ReferralStatus, Role, VisitStatus
from models.operations import activities as activity_ops
from models.operations import visits as ops
from tests.factories import local_dt


def this_week_day() -> dt.date:
    """A day in the current ISO week (today)."""
    return clock.local_today()


def test_start_page_lists_what_needs_action(client, auth, db, make) -> None:
    auth.login("project_leader")
    old = make.visit(make.candidate(last_name="Väntarsson"), day=clock.local_today() + dt.timedelta(days=20))
    old.created_at = clock.now() - dt.timedelta(days=6)  # six days ago: at least two working days
    make.visit(make.candidate(last_name="Nyligensson"), day=clock.local_today() + dt.timedelta(days=20))
    make.visit(make.candidate(last_name="Glömdsson"), day=clock.local_today() - dt.timedelta(days=3),
               status=VisitStatus.CONFIRMED)
    make.visit(make.candidate(last_name="Klarsson"), day=clock.local_today() - dt.timedelta(days=3),
               status=VisitStatus.COMPLETED, actual_hours=6)
    make.candidate(status=ReferralStatus.SUBMITTED)
    make.candidate(status=ReferralStatus.SUBMITTED)
    db.commit()
    page = client.get("/").get_data(as_text=True)
    needs = page[page.index("Behöver åtgärd"):page.index("Den här veckan")]
    assert "Väntarsson" in needs and "Glömdsson" in needs
    assert "Nyligensson" not in needs and "Klarsson" not in needs
    assert "2 inskickade remisser väntar på beslut" in needs
    full = client.get("/besok/att-gora").get_data(as_text=True)
    assert "Väntarsson" in full and "Glömdsson" in full


def test_start_page_shows_this_weeks_visits_and_activities(client, auth, db, make) -> None:
    auth.login("project_leader")
    today = this_week_day()
    make.visit(make.candidate(last_name="Veckosson"), day=today, start_hour=23, hours=0.5,
               status=VisitStatus.CONFIRMED)
    make.visit(make.candidate(last_name="Nästaveckasson"), day=today + dt.timedelta(days=8),
               status=VisitStatus.CONFIRMED)
    start = local_dt(today, 12)
    activity_ops.create_activity(db, activity_ops.ActivityData(
        type=ActivityType.WELLNESS, title="Promenadfotboll", starts_at=start, ends_at=start + dt.timedelta(hours=1)))
    db.commit()
    page = client.get("/").get_data(as_text=True)
    week = page[page.index("Den här veckan"):]
    assert f"v. {today.isocalendar().week}" in week
    assert "Veckosson" in week and "Promenadfotboll" in week and "Nästaveckasson" not in week


def test_other_roles_do_not_get_the_project_leaders_panels(client, auth) -> None:
    auth.login("welfare_officer")
    page = client.get("/").get_data(as_text=True)
    assert "Behöver åtgärd" not in page


def test_week_and_month_calendar(client, auth, db, make) -> None:
    auth.login("project_leader")
    day = clock.local_today() + dt.timedelta(days=14)
    make.visit(make.candidate(last_name="Kalendersson"), make.offer(make.company(name="Verkstaden AB")), day=day,
               status=VisitStatus.CONFIRMED)
    start = local_dt(day, 17)
    activity_ops.create_activity(db, activity_ops.ActivityData(
        type=ActivityType.MATCH_HOST_SHADOWING, title="Hemmamatch", starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
    ))
    db.commit()
    week = client.get(f"/kalender?date={day.isoformat()}")
    assert week.status_code == 200
    body = week.get_data(as_text=True)
    assert f"vecka {day.isocalendar().week}" in body
    assert "Verkstaden AB" in body and "Kalendersson" in body and "Hemmamatch" in body
    assert '<th scope="col">' in body and '<th scope="row">' in body
    other_week = client.get(f"/kalender?date={(day + dt.timedelta(days=7)).isoformat()}").get_data(as_text=True)
    assert "Verkstaden AB" not in other_week
    month = client.get(f"/kalender?view=month&date={day.isoformat()}").get_data(as_text=True)
    assert "Verkstaden AB" in month and "Hemmamatch" in month
    assert client.get("/kalender?date=inte-ett-datum").status_code == 200
    this_week = f"vecka {clock.local_today().isocalendar().week}"
    for edge in ("9999-12-31", "0001-01-01"):  # an outside tester got a 500 for these: today instead
        assert this_week in client.get(f"/kalender?date={edge}").get_data(as_text=True)
        assert client.get(f"/kalender?view=month&date={edge}").status_code == 200


def feed_url_from(page: str) -> str:
    match = re.search(r'value="(https?://[^"]+/kalender/([^"/]+)\.ics)"', page)
    assert match, page
    return match.group(1)


def test_personal_feed_shows_initials_and_company_and_can_be_revoked(client, auth, db, make) -> None:
    leader = auth.login("project_leader")
    candidate = make.candidate(first_name="Fatima", last_name="Hassan")
    make.visit(candidate, make.offer(make.company(name="Tryckeriet AB")),
               day=clock.local_today() + dt.timedelta(days=3),
               status=VisitStatus.CONFIRMED)
    make.visit(day=clock.local_today() + dt.timedelta(days=4), status=VisitStatus.DECLINED)
    make.visit(make.candidate(first_name="Petra", last_name="Prov"), make.offer(make.company(name="Bageriet AB")),
               day=clock.local_today() + dt.timedelta(days=5), status=VisitStatus.PROPOSED)
    db.commit()
    created = client.post("/kalender/prenumeration")
    url = feed_url_from(created.get_data(as_text=True))
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    # Only the hash is stored; the address is not shown again.
    [feed] = db.scalars(sa.select(CalendarFeed).where(CalendarFeed.user_id == leader.id)).all()
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in feed.token_hash
    assert token not in client.get("/kalender/prenumeration").get_data(as_text=True)

    auth.logout()
    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = {str(e["SUMMARY"]): str(e["STATUS"]) for e in cal.walk("VEVENT")}
    # declined visits are left out; a proposal is pencilled in, not booked (it was CONFIRMED)
    assert events == {"Arbetsplatsbesök: Tryckeriet AB – FH": "CONFIRMED",
                      "Arbetsplatsbesök: Bageriet AB – PP": "TENTATIVE"}
    assert b"Fatima" not in response.data and b"Hassan" not in response.data

    auth.login(leader)
    assert client.post("/kalender/prenumeration/aterkalla", data={"feed_id": feed.id}).status_code == 302
    auth.logout()
    assert client.get(f"/kalender/{token}.ics").status_code == 404
    assert client.get("/kalender/inte-en-riktig-token.ics").status_code == 404


def test_a_feed_stops_when_the_account_is_deactivated(client, db, make) -> None:
    user = make.user(Role.PROJECT_LEADER)
    _, token = ops.create_calendar_feed(db, user)
    db.commit()
    assert client.get(f"/kalender/{token}.ics").status_code == 200
    user.active = False
    db.commit()
    assert client.get(f"/kalender/{token}.ics").status_code == 404


def test_feeds_follow_the_owners_access(client, db, make) -> None:
    officer = make.user(Role.WELFARE_OFFICER)
    mine = make.visit(make.candidate(referred_by=officer, first_name="Ali", last_name="Mohammed"),
                      day=clock.local_today() + dt.timedelta(days=3), status=VisitStatus.CONFIRMED)
    other = make.visit(make.candidate(first_name="Bo", last_name="Ek"), day=clock.local_today() + dt.timedelta(days=3),
                       status=VisitStatus.CONFIRMED)
    employer = make.user(Role.EMPLOYER, company=other.offer.company)
    _, officer_token = ops.create_calendar_feed(db, officer)
    _, employer_token = ops.create_calendar_feed(db, employer)
    db.commit()
    officer_feed = client.get(f"/kalender/{officer_token}.ics").data.decode()
    assert f"visit-{mine.id}@" in officer_feed and f"visit-{other.id}@" not in officer_feed
    employer_feed = client.get(f"/kalender/{employer_token}.ics").data.decode()
    assert f"visit-{other.id}@" in employer_feed and f"visit-{mine.id}@" not in employer_feed
    # A withdrawn consent takes the visitor out of the company's calendar at once.
    other.candidate.consents[0].withdrawn_at = clock.now()
    db.commit()
    assert f"visit-{other.id}@" not in client.get(f"/kalender/{employer_token}.ics").data.decode()


def test_someone_elses_feed_cannot_be_revoked(client, auth, db, make) -> None:
    owner = make.user(Role.PROJECT_LEADER)
    feed, token = ops.create_calendar_feed(db, owner)
    db.commit()
    auth.login("project_leader")
    assert client.post("/kalender/prenumeration/aterkalla", data={"feed_id": feed.id}).status_code == 403
    assert client.get(f"/kalender/{token}.ics").status_code == 200
