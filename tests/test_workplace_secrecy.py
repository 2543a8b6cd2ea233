"""Secrecy towards companies (OSL 26 kap. 1 §, issue #20 section 1): a company learns nothing
about a visitor beyond what the visitor agreed to share for the visit.

Every String/Text column of the candidate, the referral and its history, the visit and its
history and the feedback gets a marker of its own, except the few a company may read (listed
in SHARED); so does the project leader's note on the company. Then everything a company
receives is collected: the portal pages, the supervisor's link pages, the questionnaire link,
every email to the supervisor or the company's account with its .ics attachments, the
company's calendar feed and the JSON API with an employer's token. No marker may appear in any
of it, while the structured adjustments and the text "Till arbetsplatsen" must. The officer's
preview is tested to show exactly what the company's pages later show.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from models import (
    Candidate,
    Company,
    Feedback,
    OutboxMessage,
    Referral,
    ReferralEvent,
    Visit,
    VisitEvent,
    clock,
)
from models.demo import default_surveys
from models.enums import ReferralStatus, Role, SurveyMoment, VisitStatus
from models.operations import visits as visit_ops
from web.extensions import db as web_db

from .test_candidates_referral import referral_data

pytest_plugins = ("tests.test_api_support",)

# The tables that describe the person, the referral, the visit and the feedback.
INTERNAL_MODELS = (Candidate, Referral, ReferralEvent, Visit, VisitEvent, Feedback)
# Their text columns a company may read: the visitor's first name, what the officer wrote to the
# workplace (with a preview), and the company's own supervisor of the visit.
SHARED = {
    ("candidate", "first_name"),
    ("candidate", "to_workplace"),
    ("visit", "supervisor_name"),
    ("visit", "supervisor_email"),
}
# Internal notes kept elsewhere: the project leader's notes on the company.
ALSO_INTERNAL = [(Company, "notes")]

TO_WORKPLACE = "Vill gärna prova truck, och frågar gärna mycket"
ADJUSTMENT_WORDS = ("Tillgänglig arbetsplats utan trappsteg", "Tolk", "Pauser under dagen")


def text_columns(model: Any) -> list[sa.Column[Any]]:
    """A model's columns of free text: String and Text (not enums, codes or bit masks)."""
    return [
        c for c in model.__table__.columns
        if type(c.type) in (sa.String, sa.Text, sa.Unicode, sa.UnicodeText)
    ]


def _markers() -> dict[tuple[str, str], str]:
    columns = [(m, c) for m in INTERNAL_MODELS for c in text_columns(m) if (m.__tablename__, c.name) not in SHARED]
    columns += [(m, m.__table__.columns[name]) for m, name in ALSO_INTERNAL]
    found: dict[tuple[str, str], str] = {}
    for number, (model, column) in enumerate(columns):
        text = f"~{model.__tablename__}.{column.name}~"
        length = getattr(column.type, "length", None)
        found[(model.__tablename__, column.name)] = text if length is None or len(text) <= length else f"~{number:03d}~"
    return found


MARKERS = _markers()


def mark(obj: Any) -> None:
    """Write every marker of the object's table into it."""
    table = obj.__table__.name
    for column in obj.__table__.columns:
        if (table, column.name) in MARKERS:
            setattr(obj, column.key, MARKERS[(table, column.name)])


def test_the_markers_cover_every_free_text_and_the_shared_list_is_current() -> None:
    """A new text column on these tables gets a marker without anyone listing it; the list of
    what a company may read names columns that exist."""
    for table, name in SHARED:
        model = next(m for m in INTERNAL_MODELS if m.__tablename__ == table)
        assert name in model.__table__.columns, (table, name)
    expected = {"needs_other", "reason", "return_reason", "status_reason", "internal_note", "strengths",
                "to_develop", "message_to_participant", "last_name", "notes"}
    assert expected <= {name for _, name in MARKERS}
    assert len(set(MARKERS.values())) == len(MARKERS)


def workday(days_ahead: int) -> dt.date:
    day = clock.local_today() + dt.timedelta(days=days_ahead)
    while not visit_ops.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def unfold(ics: str) -> str:
    """An iCalendar text with its long lines joined again (a marker may be folded in two)."""
    return re.sub(r"\r?\n[ \t]", "", ics)


@dataclass
class Received:
    """Everything a company received, by where it came from."""

    items: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, text: str) -> None:
        assert where not in self.items, where
        self.items[where] = text

    def leaks(self) -> list[tuple[str, str]]:
        return [(where, marker) for where, text in self.items.items() for marker in MARKERS.values() if marker in text]


@dataclass
class World:
    leader: Any
    employer: Any
    candidate: Any
    offer: Any
    supervisor_email: str


@pytest.fixture
def world(make, db) -> World:
    company = make.company(name="Mottagarföretaget AB", city="Helsingborg", postcode="252 25")
    offer = make.offer(
        company, title="Lager och truck", supervisor_name="Hedda Handledare",
        supervisor_email="hedda@mottagaren.example", capacity_per_quarter=10,
    )
    employer = make.user(Role.EMPLOYER, company=company, email="kontakt@mottagaren.example")
    leader = make.user(Role.PROJECT_LEADER, email="pl@iop.example", name="Petra Projektledare")
    candidate = make.candidate(
        first_name="Zara", needs_accessible=True, adjustments=["interpreter", "breaks"], to_workplace=TO_WORKPLACE,
        times_of_day=["morning"],
    )
    mark(candidate)
    mark(company)
    referral = candidate.referrals[0]
    mark(referral)
    referral.events = [ReferralEvent(to_status=ReferralStatus.ACTIVE)]
    mark(referral.events[0])
    db.commit()
    return World(leader, employer, candidate, offer, "hedda@mottagaren.example")


def _book(client, world: World, day: dt.date) -> int:
    # Zara can come in the mornings: a day until 15:00 is booked with a reason, which stays internal.
    data = {"candidate": world.candidate.id, "offer": world.offer.id, "day": day.isoformat(), "start": "09:00",
            "end": "15:00", "outside_availability": "y",
            "availability_reason": MARKERS[("visit", "availability_override")]}
    response = client.post("/besok/nytt", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _status(client, db, visit_id: int, to: str, **fields: str) -> None:
    db.expire_all()
    version = db.get(Visit, visit_id).version
    data = {f"{to}-version": version, **{f"{to}-{k}": v for k, v in fields.items()}}
    response = client.post(f"/besok/{visit_id}/status/{to}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]


def _visits_happen(app, client, auth, db, make, world: World) -> dict[str, int]:
    """The project leader proposes, confirms, moves, cancels and gives feedback; the reminders
    and a company questionnaire go out. Every comment typed is a marker."""
    pl_comment = MARKERS[("visit_event", "reason")]
    auth.login(world.leader)
    proposed = _book(client, world, workday(10))
    confirmed = _book(client, world, workday(13))
    _status(client, db, confirmed, "accepted", reason=pl_comment)
    _status(client, db, confirmed, "confirmed", reason=pl_comment)
    db.expire_all()
    visit = db.get(Visit, confirmed)
    moved_to = workday(16)
    response = client.post(f"/besok/{confirmed}/ny-tid", data={
        "version": visit.version, "day": moved_to.isoformat(), "start": "10:00", "end": "15:00",
        "outside_availability": "y", "availability_reason": MARKERS[("visit", "availability_override")],
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    cancelled = _book(client, world, workday(20))
    _status(client, db, cancelled, "accepted")
    _status(client, db, cancelled, "confirmed")
    _status(client, db, cancelled, "cancelled", party="project_leader", reason=pl_comment)
    past = make.visit(world.candidate, world.offer, day=clock.local_today() - dt.timedelta(days=5),
                      status=VisitStatus.COMPLETED, actual_hours=6, proposed_by=world.leader)
    db.commit()
    response = client.post(f"/besok/{past.id}/aterkoppling", data={
        "punctuality": "4", "interest": "4", "overall": "4", "would_welcome_again": "yes",
        "further_interest": "internship", **{name: MARKERS[("feedback", name)] for name in (
            "strengths", "to_develop", "message_to_participant", "internal_note", "filled_by_name")},
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    auth.logout()

    for survey in default_surveys():
        db.add(survey)
    db.commit()
    with app.test_request_context():
        from web.surveys.service import send_invitation
        from web.visits.service import send_reminders

        assert send_reminders(moved_to - dt.timedelta(days=1)) >= 1
        send_invitation(SurveyMoment.COMPANY_BEFORE, web_db.session.get(Visit, confirmed))
        web_db.session.commit()

    # Every status comment and history line is a marker too, whoever wrote it.
    db.execute(sa.update(Visit).values(status_reason=MARKERS[("visit", "status_reason")]))
    db.execute(sa.update(VisitEvent).values(reason=pl_comment))
    db.commit()
    return {"proposed": proposed, "confirmed": confirmed, "cancelled": cancelled, "past": past.id}


def _company_mail(db, world: World, received: Received) -> set[str]:
    rows = db.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.to_addr.in_([world.supervisor_email, world.employer.email]))
        .order_by(OutboxMessage.id)
    ).all()
    for row in rows:
        received.add(f"mail {row.id} {row.kind} subject", row.subject)
        received.add(f"mail {row.id} {row.kind} text", row.body_text)
        received.add(f"mail {row.id} {row.kind} html", row.body_html)
        for number, attachment in enumerate(row.attachments or []):
            received.add(f"mail {row.id} {row.kind} attachment {number}", unfold(attachment.get("content", "")))
    return {row.kind for row in rows}


def _link(pattern: str, texts: list[str]) -> str:
    for text in texts:
        match = re.search(pattern, text)
        if match:
            return match.group(1)
    raise AssertionError(f"no link {pattern}")


def test_nothing_internal_reaches_the_company_and_what_is_shared_does(
    app, client, auth, db, make, world, api, tokens
) -> None:
    ids = _visits_happen(app, client, auth, db, make, world)
    received = Received()

    # Emails to the supervisor and the company's account, with their calendar files.
    kinds = _company_mail(db, world, received)
    assert {"visit_proposed", "visit_confirmed", "visit_rescheduled", "visit_reminder", "visit_cancelled",
            "survey_invitation"} <= kinds
    proposals = db.scalars(
        sa.select(OutboxMessage.body_text).where(OutboxMessage.kind == "visit_proposed").order_by(OutboxMessage.id)
    ).all()
    survey_mail = db.scalars(sa.select(OutboxMessage.body_text).where(OutboxMessage.kind == "survey_invitation")).all()

    # The supervisor's pages without an account: the proposal, an answered one, the answer.
    answer = _link(r"/svar/(\S+)", proposals[:1])
    answered = _link(r"/svar/(\S+)", proposals[1:2])
    page = client.get(f"/svar/{answer}")
    assert page.status_code == 200
    link_page = page.get_data(as_text=True)
    received.add("link: proposal", link_page)
    received.add("link: answered already", client.get(f"/svar/{answered}").get_data(as_text=True))
    db.expire_all()
    version = db.get(Visit, ids["proposed"]).version
    done = client.post(f"/svar/{answer}", data={"accept": "1", "version": str(version), "comment": ""})
    assert done.status_code == 200, done.get_data(as_text=True)[:800]
    received.add("link: answer given", done.get_data(as_text=True))
    received.add("link: used", client.get(f"/svar/{answer}").get_data(as_text=True))
    survey = client.get("/enkat/" + _link(r"/enkat/([^\s?]+)", survey_mail))
    assert survey.status_code == 200
    received.add("link: questionnaire", survey.get_data(as_text=True))

    # The portal, logged in as the company.
    auth.login(world.employer)
    paths = ["/", "/foretaget", "/foretaget/besok", "/foretaget/erbjudanden", "/aterkoppling/"]
    paths += [f"/foretaget/besok/{i}" for i in ids.values()]
    paths += [f"/besok/{i}/aterkoppling" for i in ids.values()]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 409), (path, response.status_code)
        received.add(f"portal {path}", response.get_data(as_text=True))
    visit_page = received.items[f"portal /foretaget/besok/{ids['confirmed']}"]
    assert "redan ifylld" in received.items[f"portal /besok/{ids['past']}/aterkoppling"]
    auth.logout()

    # The company's calendar feed.
    _feed, token = visit_ops.create_calendar_feed(db, world.employer)
    db.commit()
    feed = client.get(f"/kalender/{token}.ics")
    assert feed.status_code == 200
    received.add("calendar feed", unfold(feed.get_data(as_text=True)))

    # The API with the company's token.
    _user, headers = tokens.headers(world.employer)
    listing = api.get("/api/v1/visits", headers=headers)
    assert listing.status_code == 200
    received.add("api /visits", json.dumps(listing.get_json(), ensure_ascii=False))
    for name, visit_id in ids.items():
        one = api.get(f"/api/v1/visits/{visit_id}", headers=headers)
        assert one.status_code == 200, name
        received.add(f"api /visits/{name}", json.dumps(one.get_json(), ensure_ascii=False))

    assert received.leaks() == []

    # What the visitor agreed to share does reach the company.
    for where in ("link: proposal", f"portal /foretaget/besok/{ids['confirmed']}", "api /visits/confirmed"):
        text = received.items[where]
        assert TO_WORKPLACE in text, where
        for word in ADJUSTMENT_WORDS:
            assert word in text, (where, word)
        assert "Zara" in text, where
    assert TO_WORKPLACE in link_page and "Zara" in visit_page

    # The markers are really there: the project leader's own page shows the internal ones.
    auth.logout()
    auth.login(world.leader)
    own = client.get(f"/kandidater/{world.candidate.id}").get_data(as_text=True)
    for key in (("candidate", "needs_other"), ("referral", "reason")):
        assert MARKERS[key] in own, key


def test_a_project_leaders_cancellation_reason_goes_to_the_participant_not_the_supervisor(
    client, auth, db, world
) -> None:
    auth.login(world.leader)
    visit_id = _book(client, world, workday(12))
    _status(client, db, visit_id, "accepted")
    _status(client, db, visit_id, "confirmed")
    _status(client, db, visit_id, "cancelled", party="participant", reason="Har fått ett återfall")
    mails = {
        m.to_addr: m for m in db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "visit_cancelled"))
    }
    supervisor = mails[world.supervisor_email]
    assert "Har fått ett återfall" not in supervisor.body_text + supervisor.body_html
    assert "avbokat av deltagaren" in supervisor.body_text  # who cancelled, not why
    participant = mails[MARKERS[("candidate", "email")]]
    assert "Har fått ett återfall" in participant.body_text


# --- the feedback form -----------------------------------------------------------------------
GOOD = {
    "punctuality": "5", "interest": "4", "overall": "4", "strengths": "Nyfiken.", "to_develop": "Fråga mer.",
    "would_welcome_again": "yes", "further_interest": "none", "message_to_participant": "Tack!",
    "filled_by_name": "Hedda Handledare",
}


@pytest.fixture
def past_visit(make, db, world) -> Visit:
    visit = make.visit(world.candidate, world.offer, day=clock.local_today() - dt.timedelta(days=3),
                       status=VisitStatus.COMPLETED, actual_hours=6)
    db.commit()
    return visit


def test_feedback_a_project_leader_saved_is_not_shown_to_the_company(client, auth, db, world, past_visit) -> None:
    auth.login(world.leader)
    note = "Pågående kontakt med beroendevården"
    assert client.post(f"/besok/{past_visit.id}/aterkoppling", data=GOOD | {"internal_note": note}).status_code == 302
    auth.logout()
    auth.login(world.employer)
    page = client.get(f"/besok/{past_visit.id}/aterkoppling")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Återkopplingen är redan ifylld" in html
    assert note not in html and "Nyfiken." not in html and "<textarea" not in html
    # Nor can the company save over it.
    again = client.post(f"/besok/{past_visit.id}/aterkoppling", data=GOOD | {"internal_note": "Vår egen"})
    assert again.status_code == 409
    db.expire_all()
    assert db.scalars(sa.select(Feedback)).one().internal_note == note


def test_the_company_reopens_the_feedback_it_saved_itself(client, auth, db, world, past_visit) -> None:
    auth.login(world.employer)
    own = {"internal_note": "Ring oss gärna om praktik"}
    assert client.post(f"/besok/{past_visit.id}/aterkoppling", data=GOOD | own).status_code == 302
    html = client.get(f"/besok/{past_visit.id}/aterkoppling").get_data(as_text=True)
    assert "Ring oss gärna om praktik" in html and "Spara återkopplingen" in html
    # Once the project leader has saved it, it is theirs.
    auth.logout()
    auth.login(world.leader)
    assert client.post(f"/besok/{past_visit.id}/aterkoppling", data=GOOD | own).status_code == 302
    auth.logout()
    auth.login(world.employer)
    assert "Ring oss gärna" not in client.get(f"/besok/{past_visit.id}/aterkoppling").get_data(as_text=True)


# --- the officer's preview -------------------------------------------------------------------
def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def _card(html: str) -> str:
    """The visitor's facts inside the preview, with white space folded."""
    match = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S)
    assert match
    return re.sub(r"\s+", " ", match.group(1)).strip()


def test_the_preview_shows_exactly_what_the_company_will_see_and_saves_nothing(client, auth, db, make) -> None:
    officer = auth.login(Role.WELFARE_OFFICER)
    data = referral_data(
        needs_accessible="y", adjustments=["breaks", "interpreter"], to_workplace=TO_WORKPLACE,
        needs_other="Pågående kontakt med beroendevården",
    )
    response = client.post("/kandidater/remisser/ny", data=data | {"action": "preview"})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 0  # nothing saved
    preview = _section(html, "forhandsgranskning")
    assert "Förhandsgranskning" in preview and 'aria-labelledby="preview-heading"' in preview
    for shown in ("Amina", TO_WORKPLACE, *ADJUSTMENT_WORDS, "förmiddag", "B1"):
        assert shown in preview, shown
    for withheld in ("Hassan", "beroendevården", "Vill pröva restaurangyrket", "070-123 45 67"):
        assert withheld not in preview, withheld
    # What was typed is kept in the form, ready to be saved.
    assert "Pågående kontakt med beroendevården</textarea>" in html and f"{TO_WORKPLACE}</textarea>" in html

    assert client.post("/kandidater/remisser/ny", data=data).status_code == 302
    candidate = db.scalars(sa.select(Candidate)).one()
    assert candidate.to_workplace == TO_WORKPLACE and candidate.adjustments == ["interpreter", "breaks"]
    assert candidate.needs_other == "Pågående kontakt med beroendevården"

    # Proposed to a company, the visitor is shown to it just as the preview showed.
    employer = make.user(Role.EMPLOYER)
    visit = make.visit(candidate, make.offer(employer.company))
    db.commit()
    auth.logout()
    auth.login(employer)
    page = client.get(f"/foretaget/besok/{visit.id}").get_data(as_text=True)
    assert _card(preview) in re.sub(r"\s+", " ", page)
    assert officer.id == candidate.referrals[0].referred_by_id


def test_the_edit_form_previews_a_change_without_saving_it(client, auth, db, make) -> None:
    from .test_candidates_bank import edit_data

    officer = make.user(Role.WELFARE_OFFICER)
    candidate = make.candidate(referred_by=officer, first_name="Lina", last_name="Ek", to_workplace="Gammal text")
    db.commit()
    auth.login(officer)
    data = edit_data(client, candidate.id)
    assert data["to_workplace"] == "Gammal text"
    response = client.post(f"/kandidater/{candidate.id}/redigera",
                           data={**data, "to_workplace": "Ny text till arbetsplatsen", "action": "preview"})
    assert response.status_code == 200
    assert "Ny text till arbetsplatsen" in _section(response.get_data(as_text=True), "forhandsgranskning")
    db.expire_all()
    assert db.get(Candidate, candidate.id).to_workplace == "Gammal text"
    saved = client.post(f"/kandidater/{candidate.id}/redigera", data={**data, "to_workplace": "Ny text"})
    assert saved.status_code == 302
    db.expire_all()
    assert db.get(Candidate, candidate.id).to_workplace == "Ny text"


def test_a_preview_of_a_form_with_errors_shows_the_errors(client, auth, db) -> None:
    auth.login(Role.WELFARE_OFFICER)
    response = client.post("/kandidater/remisser/ny",
                           data=referral_data(interests=None, to_workplace="x" * 1001, action="preview"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="forhandsgranskning"' not in html
    assert 'id="to_workplace-error"' in html and 'id="interests-error"' in html
    assert db.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 0
