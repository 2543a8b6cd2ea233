"""The employer portal: own offers, proposed visitors with the minimal view only, accept and
decline, and refusal of every other company's offers and proposals."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from models import AuditEvent, Candidate, Offer, OutboxMessage, User, Visit, VisitEvent, clock
from models.enums import DeclineReason, Party, TargetGroup, VisitStatus
from models.identity import parse_personal_identity
from web.employer.visitor import visitor_view
from web.extensions import db as web_db

from .test_companies import offer_form


@dataclass
class Proposal:
    visit: Visit
    candidate: Candidate
    employer: User
    project_leader: User
    withheld: list[str]


def make_proposal(make: Any, db: Any, vault: Any) -> Proposal:
    """A proposal to "Värdföretaget AB" for a candidate whose every withheld detail is distinctive,
    so a page can be searched for each of them."""
    company = make.company(name="Värdföretaget AB")
    offer = make.offer(company, title="Kock för en dag", field="hospitality")
    unit = make.organisation(name="AMF Försörjningsstöd Väster", short_name="AMF-VÄ")
    officer = make.user("welfare_officer", organisation=unit, name="Olle Officersson", email="olle.o@amf.example")
    candidate = make.candidate(
        referred_by=officer, unit=unit, vault=vault, first_name="Zainab", last_name="Qwertyson",
        target_group=TargetGroup.LONG_TERM, swedish_level=2, languages=["sv", "so"],
        interests=["hospitality", "it"], times_of_day=["morning"], needs_accessible=True, adjustments=["breaks"],
        to_workplace="Vill gärna prova på att laga lunch",
        needs_other="Pågående kontakt med beroendevården", phone="0701234567", email="zainab.q@privat.example",
    )
    candidate.referrals[0].reason = "Försörjningsstöd sedan 2019, remissorsak-XYZ"
    elsewhere = make.offer(make.company(name="Annat Företag AB"))
    make.visit(candidate, elsewhere, day=clock.local_today() - dt.timedelta(days=30), status=VisitStatus.NO_SHOW)
    visit = make.visit(candidate, offer, day=clock.local_today() + dt.timedelta(days=14), start_hour=9, hours=6)
    employer = make.user("employer", company=company, email="vard@foretaget.example")
    project_leader = make.user("project_leader", email="pl@iop.example")
    visit.proposed_by = project_leader
    db.commit()
    pin = parse_personal_identity(vault.decrypt(candidate.pin_encrypted))
    withheld = [
        "Qwertyson",  # last name
        pin.number, pin.formatted, pin.number[2:], pin.formatted[2:], pin.masked,  # identity number in every form
        candidate.birth_date.isoformat(), candidate.birth_date.strftime("%Y%m%d"),  # birth date
        "long_term", "Långt från arbetslivet",  # target group
        "remissorsak-XYZ", "Försörjningsstöd",  # referral reason, welfare status
        "AMF Försörjningsstöd Väster", "AMF-VÄ", "Olle Officersson", "olle.o@amf.example",  # referring unit
        "0701234567", "zainab.q@privat.example",  # the visitor's own contact details
        "Uteblev", "Annat Företag AB",  # no-show history
        "beroendevården",  # the officer's internal note on practical needs
    ]
    return Proposal(visit, candidate, employer, project_leader, withheld)


@pytest.fixture
def proposal(make, db, vault) -> Proposal:
    return make_proposal(make, db, vault)


def assert_minimal(text: str, proposal: Proposal) -> None:
    leaked = [value for value in proposal.withheld if value in text]
    assert not leaked, f"withheld values shown: {leaked}"


# --- the minimal view ------------------------------------------------------------------------
def test_visitor_view_is_the_whitelist_and_its_json_holds_nothing_withheld(app, proposal) -> None:
    with app.test_request_context():
        view = visitor_view(web_db.session.get(Visit, proposal.visit.id))
    assert set(view) == {
        "visit_id", "version", "status", "status_label", "date", "day", "week", "start", "end", "when", "offer",
        "company", "address", "supervisor_name", "contact",
        "available", "first_name", "initials", "interests", "swedish_level", "languages", "needs",
    }
    assert view["first_name"] == "Zainab"
    assert view["interests"] == ["Data/IT", "Hotell, restaurang, storhushåll"]  # the DOMAIN.md order
    assert (view["swedish_level"], view["languages"]) == ("A2", ["svenska", "somaliska"])
    assert view["needs"] == {
        "accessible": True,
        "adjustments": ["Tillgänglig arbetsplats utan trappsteg (t.ex. för rullstol)", "Pauser under dagen"],
        "times_of_day": ["förmiddag"],
        "to_workplace": "Vill gärna prova på att laga lunch",
    }
    assert view["contact"] == {"name": proposal.project_leader.name, "email": "pl@iop.example"}
    assert (view["start"], view["end"]) == ("09:00", "15:00")
    assert f"(v. {view['week']})" in view["when"]
    assert_minimal(json.dumps(view, ensure_ascii=False), proposal)


@pytest.mark.parametrize("path", ["/", "/foretaget", "/foretaget/besok", "/foretaget/besok/{id}"])
def test_portal_pages_show_the_first_name_and_nothing_withheld(client, auth, proposal, path: str) -> None:
    auth.login(proposal.employer)
    response = client.get(path.format(id=proposal.visit.id))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Zainab" in page
    assert_minimal(page, proposal)


def test_proposal_page_shows_what_a_host_needs(client, auth, proposal) -> None:
    auth.login(proposal.employer)
    page = client.get(f"/foretaget/besok/{proposal.visit.id}").get_data(as_text=True)
    for shown in ("Zainab", "Kock för en dag", "A2", "svenska, somaliska", "Data/IT", "förmiddag",
                  "Vill gärna prova på att laga lunch", "Tillgänglig arbetsplats utan trappsteg", "Pauser under dagen",
                  "09:00–15:00", "(v. "):
        assert shown in page, shown
    assert "Ja, vi tar emot besökaren" in page and "Vi har inte möjlighet just då" in page


def test_start_page_panel_lists_proposals_waiting_for_an_answer(client, auth, proposal) -> None:
    auth.login(proposal.employer)
    page = client.get("/").get_data(as_text=True)
    assert "Förslag som väntar på ert svar" in page
    assert f"/foretaget/besok/{proposal.visit.id}" in page


# --- withdrawn consent -----------------------------------------------------------------------
def test_withdrawn_consent_hides_the_visitor_everywhere(client, auth, db, proposal) -> None:
    consent = proposal.candidate.consents[0]
    consent.withdrawn_at = clock.now()
    db.commit()
    auth.login(proposal.employer)
    for path in ("/", "/foretaget", "/foretaget/besok"):
        page = client.get(path).get_data(as_text=True)
        assert "Zainab" not in page and f"/foretaget/besok/{proposal.visit.id}" not in page, path
    response = client.get(f"/foretaget/besok/{proposal.visit.id}")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "Besökaren är inte längre tillgänglig" in page and "Zainab" not in page
    refused = client.post(f"/foretaget/besok/{proposal.visit.id}", data={"accept": "1"})
    assert refused.status_code == 410
    db.refresh(proposal.visit)
    assert proposal.visit.status == VisitStatus.PROPOSED


# --- answering in the portal -----------------------------------------------------------------
def test_employer_accepts_a_proposal(client, auth, db, proposal) -> None:
    auth.login(proposal.employer)
    response = client.post(
        f"/foretaget/besok/{proposal.visit.id}", data={"accept": "1", "version": str(proposal.visit.version)}
    )
    assert response.status_code == 302
    db.refresh(proposal.visit)
    assert proposal.visit.status == VisitStatus.ACCEPTED
    event = db.scalar(sa.select(VisitEvent).where(VisitEvent.to_status == VisitStatus.ACCEPTED))
    assert (event.by_party, event.by_id) == (Party.EMPLOYER, proposal.employer.id)
    assert db.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_addr == "pl@iop.example")) is not None
    assert db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "visit_answered")).details["to"] == "accepted"
    page = client.get(f"/foretaget/besok/{proposal.visit.id}").get_data(as_text=True)
    assert "Accepterat av företaget" in page and "Ja, vi tar emot besökaren" not in page


def test_employer_declines_with_a_reason_and_a_comment(client, auth, db, proposal) -> None:
    auth.login(proposal.employer)
    response = client.post(
        f"/foretaget/besok/{proposal.visit.id}",
        data={"decline": "1", "decline_reason": "date_unsuitable", "comment": "Veckan efter passar bättre."},
    )
    assert response.status_code == 302
    db.refresh(proposal.visit)
    assert proposal.visit.status == VisitStatus.DECLINED
    assert proposal.visit.decline_reason == DeclineReason.DATE_UNSUITABLE
    assert proposal.visit.status_reason == "Veckan efter passar bättre."


@pytest.mark.parametrize("reason", ["", "no_reason_like_this"])
def test_decline_needs_a_reason_from_the_list(client, auth, db, proposal, reason: str) -> None:
    auth.login(proposal.employer)
    response = client.post(f"/foretaget/besok/{proposal.visit.id}", data={"decline": "1", "decline_reason": reason})
    assert response.status_code == 422
    assert "Välj" in response.get_data(as_text=True)
    db.refresh(proposal.visit)
    assert proposal.visit.status == VisitStatus.PROPOSED


def test_a_proposal_answered_already_cannot_be_answered_again(client, auth, db, proposal) -> None:
    auth.login(proposal.employer)
    client.post(f"/foretaget/besok/{proposal.visit.id}", data={"accept": "1"})
    response = client.post(
        f"/foretaget/besok/{proposal.visit.id}", data={"decline": "1", "decline_reason": "no_capacity"}
    )
    assert response.status_code == 409
    assert "redan besvarat" in response.get_data(as_text=True)
    db.refresh(proposal.visit)
    assert proposal.visit.status == VisitStatus.ACCEPTED


def test_a_stale_answer_is_a_conflict(client, auth, db, proposal) -> None:
    auth.login(proposal.employer)
    response = client.post(
        f"/foretaget/besok/{proposal.visit.id}", data={"accept": "1", "version": str(proposal.visit.version - 1)}
    )
    assert response.status_code == 409
    db.refresh(proposal.visit)
    assert proposal.visit.status == VisitStatus.PROPOSED


# --- another company's offers and proposals --------------------------------------------------
def _denials(db, user: User) -> int:
    return db.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent)
        .where(AuditEvent.action == "access_denied", AuditEvent.actor_id == user.id)
    )


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/foretaget/besok/{visit}", None),
        ("post", "/foretaget/besok/{visit}", {"accept": "1"}),
        ("post", "/foretaget/besok/{visit}", {"decline": "1", "decline_reason": "no_capacity"}),
        ("get", "/foretaget/erbjudanden/{offer}/andra", None),
        ("post", "/foretaget/erbjudanden/{offer}/andra", "offer_form"),
        ("post", "/foretaget/erbjudanden/{offer}/pausa", {}),
    ],
)
def test_another_companys_proposal_or_offer_is_refused_and_logged(
    client, auth, make, db, proposal, method: str, path: str, data: Any
) -> None:
    intruder = auth.login(make.user("employer"))  # an employer of a different company
    offer = proposal.visit.offer
    before = (offer.title, offer.active, offer.version)
    url = path.format(visit=proposal.visit.id, offer=offer.id)
    response = getattr(client, method)(url, data=offer_form() if data == "offer_form" else data)
    assert response.status_code == 403
    assert "Försöket har loggats" in response.get_data(as_text=True)
    assert _denials(db, intruder) == 1
    db.refresh(proposal.visit)
    db.refresh(offer)
    assert proposal.visit.status == VisitStatus.PROPOSED
    assert (offer.title, offer.active, offer.version) == before


def test_another_companys_visitors_never_appear_in_lists(client, auth, make, proposal) -> None:
    auth.login(make.user("employer"))
    for path in ("/", "/foretaget", "/foretaget/besok", "/foretaget/erbjudanden"):
        page = client.get(path).get_data(as_text=True)
        assert "Zainab" not in page and "Kock för en dag" not in page, path


@pytest.mark.parametrize("role", ["project_leader", "welfare_officer", "steering", "admin"])
def test_the_portal_is_for_employer_accounts(client, auth, role: str) -> None:
    auth.login(role)
    assert client.get("/foretaget").status_code == 403


# --- the employer's own offers ---------------------------------------------------------------
def test_employer_creates_and_edits_own_offers_only_for_own_company(client, auth, make, db) -> None:
    employer = auth.login("employer")
    other = make.company()
    db.commit()
    response = client.post("/foretaget/erbjudanden/nytt", data=offer_form(company_id=str(other.id)))
    assert response.status_code == 302
    offer = db.scalar(sa.select(Offer))
    assert offer.company_id == employer.company_id  # the company comes from the account, never the form

    form = offer_form(title="Bagare, tidigt pass", company_id=str(other.id), version=str(offer.version))
    assert client.post(f"/foretaget/erbjudanden/{offer.id}/andra", data=form).status_code == 302
    db.refresh(offer)
    assert (offer.title, offer.company_id) == ("Bagare, tidigt pass", employer.company_id)

    client.post(f"/foretaget/erbjudanden/{offer.id}/pausa", data={"version": str(offer.version)})
    db.refresh(offer)
    assert offer.active is False
    page = client.get("/foretaget/erbjudanden").get_data(as_text=True)
    assert "Bagare, tidigt pass" in page and "Pausat" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity_per_quarter": "0"}, "Antal besökare per kvartal måste vara minst 1."),
        ({"hours": "10"}, "Ett arbetsplatsbesök är 4–8 timmar."),
        ({"window_start": "16:00", "window_end": "08:00"}, "innan det börjar"),
    ],
)
def test_employer_offer_bad_input_is_refused(client, auth, db, overrides, message) -> None:
    auth.login("employer")
    response = client.post("/foretaget/erbjudanden/nytt", data=offer_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Offer)) == 0


def test_visits_page_splits_waiting_upcoming_and_past(client, auth, make, db, proposal) -> None:
    offer = proposal.visit.offer
    upcoming = make.visit(offer=offer, status=VisitStatus.CONFIRMED, day=clock.local_today() + dt.timedelta(days=20))
    past = make.visit(offer=offer, status=VisitStatus.COMPLETED, day=clock.local_today() - dt.timedelta(days=10))
    db.commit()
    auth.login(proposal.employer)
    page = client.get("/foretaget/besok").get_data(as_text=True)
    waiting_at = page.index("Väntar på ert svar")
    upcoming_at = page.index("<h2>Kommande")
    past_at = page.index("<h2>Tidigare")
    assert waiting_at < page.index(f"/foretaget/besok/{proposal.visit.id}") < upcoming_at
    assert upcoming_at < page.index(f"/foretaget/besok/{upcoming.id}") < past_at
    assert past_at < page.index(f"/foretaget/besok/{past.id}")
    assert f"/besok/{past.id}/aterkoppling" in page  # the feedback template after a completed visit
    assert f"/besok/{upcoming.id}/aterkoppling" not in page
