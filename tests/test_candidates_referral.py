"""Referring a client end to end: the form, its bad input, duplicate detection with attaching,
and the referral's life-cycle with history and notifications to the referring officer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from models import AuditEvent, Candidate, Consent, OutboxMessage, Referral, ReferralEvent, clock
from models.enums import ReferralStatus, Role
from models.identity import parse_personal_identity

from .factories import personnummer

S = ReferralStatus
PIN = personnummer(dt.date(1990, 5, 17), 123)


def referral_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": "Amina",
        "last_name": "Hassan",
        "pin": f"{PIN[:8]}-{PIN[8:]}",
        "gender": "",
        "phone": "070-123 45 67",
        "email": "amina@exempel.example",
        "contact_channel": "sms",
        "preferred_language": "arabiska",
        "target_group": "newcomer",
        "swedish_level": "3",
        "languages": ["ar", "en"],
        "more_languages": "tigrinja",
        "interests": ["hospitality", "sales"],
        "weekdays": ["mon", "tue", "thu"],
        "times_of_day": ["morning"],
        "postcode": "25221",
        "area": "Centrum",
        "lat": "56,046",
        "lon": "12,694",
        "needs_other": "Kan inte börja före kl. 9",
        "reason": "Vill pröva restaurangyrket.",
        "consent_partnership": "y",
        "consent_companies": "y",
        "consent_given_on": clock.local_today().isoformat(),
        "consent_method": "written",
        "action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(sa.select(sa.func.count()).select_from(model))


# --- the end-to-end path ---------------------------------------------------------------------
def test_officer_refers_a_client_and_the_project_leader_accepts_and_finds_them(app, client, auth, make, db, vault):
    officer = auth.login(Role.WELFARE_OFFICER)
    assert client.get("/kandidater/remisser/ny").status_code == 200
    response = client.post("/kandidater/remisser/ny", data=referral_data())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    candidate = db.scalars(sa.select(Candidate)).one()
    assert (candidate.first_name, candidate.last_name) == ("Amina", "Hassan")
    assert candidate.pin_masked == "19900517-XXXX" and candidate.birth_date == dt.date(1990, 5, 17)
    assert PIN not in candidate.pin_encrypted and vault.decrypt(candidate.pin_encrypted) == PIN
    assert candidate.pin_hash == vault.lookup_hash(PIN)
    assert candidate.languages == ["ar", "en", "ti"] and candidate.preferred_language == "ar"
    assert candidate.interests == ["sales", "hospitality"] and candidate.postcode == "252 21"
    assert candidate.lat == pytest.approx(56.046)
    referral = candidate.referrals[0]
    assert referral.status == S.SUBMITTED and referral.unit_id == officer.organisation_id
    assert referral.submitted_at is not None
    consent = candidate.consents[0]
    assert consent.recorded_by_id == officer.id and consent.scope_companies and consent.scope_partnership
    assert [(e.from_status, e.to_status) for e in referral.events] == [(None, S.DRAFT), (S.DRAFT, S.SUBMITTED)]

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Amina Hassan" in page and "19900517-XXXX" in page and PIN[8:] not in page
    auth.logout()

    auth.login(Role.PROJECT_LEADER)
    start = client.get("/").get_data(as_text=True)
    assert "Remisser att ta ställning till" in start and "Amina Hassan" in start
    response = client.post(f"/kandidater/remisser/{referral.id}/anta-och-aktivera")
    assert response.status_code == 302
    db.expire_all()
    assert referral.status == S.ACTIVE
    assert [e.to_status for e in referral.events][-2:] == [S.ACCEPTED, S.ACTIVE]

    found = client.get("/kandidater/?q=hassan&interests=hospitality&status=active&level_min=3&weekdays=thu")
    assert "Hassan, Amina" in found.get_data(as_text=True)
    mail = db.scalars(sa.select(OutboxMessage)).one()
    assert mail.to_addr == officer.email and mail.kind == "referral_active"
    assert f"nr {referral.id}" in mail.subject and "(AH)" in mail.subject
    for part in (mail.subject, mail.body_text, mail.body_html):
        assert "Amina" not in part and "Hassan" not in part and PIN[2:8] not in part


def test_officer_landing_menu_and_panel_show_own_unit_counts(client, auth, make, db):
    officer = auth.login(Role.WELFARE_OFFICER)
    make.candidate(referred_by=officer, status=S.RETURNED, first_name="Åter", last_name="Sänd")
    make.candidate(referred_by=officer, status=S.ACTIVE)
    make.candidate(status=S.ACTIVE, first_name="Annan", last_name="Enhet")  # another unit
    db.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Mina remisser" in html and "Din enhets remisser" in html
    assert "Åter Sänd" in html and "Annan Enhet" not in html
    referrals = client.get("/kandidater/remisser").get_data(as_text=True)
    assert "Sänd, Åter" in referrals and "Enhet, Annan" not in referrals
    assert "2 remisser" in referrals


# --- saving without consent ------------------------------------------------------------------
def test_without_consent_a_referral_is_saved_as_draft_but_not_submitted(client, auth, db):
    auth.login(Role.WELFARE_OFFICER)
    no_consent = {"consent_partnership": None, "consent_companies": None, "consent_given_on": "", "consent_method": ""}
    refused = client.post("/kandidater/remisser/ny", data=referral_data(**no_consent))
    assert refused.status_code == 422
    assert "inte skickas utan klientens samtycke" in refused.get_data(as_text=True)
    assert count(db, Candidate) == 0 and count(db, Referral) == 0

    saved = client.post("/kandidater/remisser/ny", data=referral_data(action="draft", reason="", **no_consent))
    assert saved.status_code == 302
    referral = db.scalars(sa.select(Referral)).one()
    assert referral.status == S.DRAFT and count(db, Consent) == 0
    assert "Utkast" in client.get("/kandidater/remisser").get_data(as_text=True)

    submit = client.post(f"/kandidater/remisser/{referral.id}/skicka", data={"reason": "Vill jobba i kök."})
    assert submit.status_code == 422 and "samtycke" in submit.get_data(as_text=True)
    consent = {k: v for k, v in referral_data().items() if k.startswith("consent_")}
    assert client.post(f"/kandidater/{referral.candidate_id}/samtycke", data=consent).status_code == 302
    no_reason = client.post(f"/kandidater/remisser/{referral.id}/skicka", data={"reason": ""})
    assert no_reason.status_code == 422 and "Skälet till remissen saknas" in no_reason.get_data(as_text=True)
    sent = client.post(f"/kandidater/remisser/{referral.id}/skicka", data={"reason": "Vill jobba i kök."})
    assert sent.status_code == 302
    db.expire_all()
    assert referral.status == S.SUBMITTED and referral.reason == "Vill jobba i kök."
    assert [e.to_status for e in referral.events] == [S.DRAFT, S.SUBMITTED]


def test_a_project_leader_never_sees_an_unsent_draft(client, auth, make, db):
    draft = make.candidate(status=S.DRAFT, consent=False, last_name="Utkastsson")
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    assert "Utkastsson" not in client.get("/kandidater/").get_data(as_text=True)
    assert client.get(f"/kandidater/{draft.id}").status_code == 403


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pin": "19900517-1234"}, "inte ett giltigt personnummer"),
        ({"pin": ""}, "Personnummer eller samordningsnummer saknas"),
        ({"target_group": "students"}, "«students» är inte ett giltigt värde"),
        ({"interests": ["hospitality", "astronaut"]}, "«astronaut» är inget giltigt värde"),
        ({"swedish_level": "7"}, "Svenskanivån «7» finns inte"),
        ({"weekdays": []}, "Veckodagar saknas"),
        ({"lat": "56,04", "lon": ""}, "bara halvt ifylld"),
        ({"postcode": "2522"}, "«2522» är inte ett svenskt postnummer"),
        ({"email": "inte-en-adress", "contact_channel": "email"}, "«inte-en-adress» är inte en giltig e-postadress"),
        ({"consent_given_on": "2999-01-01"}, "är för sent"),
        ({"more_languages": "klingonska"}, "Okänt språk: «klingonska»"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(client, auth, db, overrides, message):
    auth.login(Role.WELFARE_OFFICER)
    response = client.post("/kandidater/remisser/ny", data=referral_data(**overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "Något behöver rättas" in html and '-error">' in html  # the message is tied to its field
    assert count(db, Candidate) == 0 and count(db, Referral) == 0 and count(db, Consent) == 0


def test_a_name_with_markup_is_refused_and_never_shown_raw(client, auth, db):
    auth.login(Role.WELFARE_OFFICER)
    response = client.post("/kandidater/remisser/ny", data=referral_data(first_name="<script>alert(1)</script>"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "tecken som inte hör hemma i ett namn" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert count(db, Candidate) == 0


def test_free_text_with_markup_is_stored_as_text_and_escaped_everywhere(client, auth, make, db):
    officer = auth.login(Role.WELFARE_OFFICER)
    response = client.post(
        "/kandidater/remisser/ny",
        data=referral_data(needs_other="<script>alert('x')</script>", reason="<b>fet</b> & <i>viktig</i>"),
    )
    assert response.status_code == 302
    candidate = db.scalars(sa.select(Candidate)).one()
    assert candidate.needs_other == "<script>alert('x')</script>"
    # And a name that got in another way (an older import, the database) is escaped as well.
    make.candidate(referred_by=officer, first_name="<img src=x onerror=alert(1)>", last_name="Test")
    db.commit()
    for url in (f"/kandidater/{candidate.id}", "/kandidater/remisser", "/kandidater/", "/"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>fet</b>" not in html
    page = client.get(f"/kandidater/{candidate.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "&lt;b&gt;fet&lt;/b&gt; &amp;" in page


def test_samordningsnummer_is_accepted(client, auth, db):
    from stdnum import luhn

    base = "900177456"  # day 17 + 60
    number = f"19{base}{luhn.calc_check_digit(base)}"
    auth.login(Role.WELFARE_OFFICER)
    assert client.post("/kandidater/remisser/ny", data=referral_data(pin=number)).status_code == 302
    candidate = db.scalars(sa.select(Candidate)).one()
    assert candidate.birth_date == dt.date(1990, 1, 17) and candidate.pin_masked == "19900177-XXXX"


# --- duplicates ------------------------------------------------------------------------------
@pytest.mark.parametrize("same", ["pin", "name_and_birth_date"])
def test_duplicate_is_told_without_revealing_the_other_unit_and_can_be_attached(client, auth, make, db, vault, same):
    other = make.candidate(
        vault=vault, first_name="Amina", last_name="HASSAN", birth_date=dt.date(1990, 5, 17),
        serial=7,  # not PIN's: the factory's own sequence would depend on the tests run before
        needs_other="Hemlig anteckning från enhet A", phone="070-999 99 99",
    )
    db.commit()
    other_unit_name = other.referrals[0].unit.name
    officer = auth.login(Role.WELFARE_OFFICER)
    data = referral_data(pin=vault.decrypt(other.pin_encrypted)) if same == "pin" else referral_data()
    if same == "name_and_birth_date":
        assert parse_personal_identity(data["pin"]).number != vault.decrypt(other.pin_encrypted)

    response = client.post("/kandidater/remisser/ny", data=data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Personen finns redan i kandidatbanken" in html
    assert "Koppla till befintlig kandidat" in html
    for secret in ("Hemlig anteckning", "070-999", other_unit_name, f"/kandidater/{other.id}"):
        assert secret not in html
    assert count(db, Candidate) == 1 and count(db, Referral) == 1

    attached = client.post("/kandidater/remisser/ny", data={**data, "action": "attach_submit"})
    assert attached.status_code == 302
    assert attached.headers["Location"].endswith(f"/kandidater/{other.id}")
    assert count(db, Candidate) == 1
    mine = db.scalars(sa.select(Referral).where(Referral.unit_id == officer.organisation_id)).one()
    assert mine.candidate_id == other.id and mine.status == S.SUBMITTED
    db.expire_all()
    assert other.needs_other == "Hemlig anteckning från enhet A"  # nothing silently merged
    page = client.get(f"/kandidater/{other.id}").get_data(as_text=True)
    assert f"Remiss nr {mine.id}" in page and f"Remiss nr {other.referrals[0].id}" not in page
    assert client.post("/kandidater/remisser/ny", data={**data, "action": "attach_submit"}).status_code == 409


# --- the life-cycle --------------------------------------------------------------------------
def test_return_needs_a_reason_and_the_officer_can_complete_and_resubmit(client, auth, make, db):
    officer = make.user(Role.WELFARE_OFFICER)
    candidate = make.candidate(referred_by=officer, status=S.SUBMITTED)
    referral = candidate.referrals[0]
    db.commit()
    leader = auth.login(Role.PROJECT_LEADER)
    refused = client.post(f"/kandidater/remisser/{referral.id}/atersand", data={"reason": "  "})
    assert refused.status_code == 422 and "Skriv varför remissen återsänds" in refused.get_data(as_text=True)
    assert client.post(
        f"/kandidater/remisser/{referral.id}/atersand", data={"reason": "Behöver först en språkinsats."}
    ).status_code == 302
    db.expire_all()
    assert referral.status == S.RETURNED and referral.return_reason == "Behöver först en språkinsats."
    event = referral.events[-1]
    assert (event.from_status, event.to_status, event.by_id) == (S.SUBMITTED, S.RETURNED, leader.id)
    assert event.reason == "Behöver först en språkinsats." and event.at is not None
    mail = db.scalars(sa.select(OutboxMessage)).one()
    assert mail.kind == "referral_returned" and "språkinsats" not in mail.body_text  # read in the app
    auth.logout()

    auth.login(officer)
    start = client.get("/").get_data(as_text=True)
    assert "Senast återsända" in start and candidate.display_name in start
    assert client.post(f"/kandidater/remisser/{referral.id}/skicka").status_code == 302
    db.expire_all()
    assert referral.status == S.SUBMITTED and count(db, OutboxMessage) == 1  # no mail to oneself


def test_accept_then_activate_then_close_records_every_step(client, auth, make, db):
    candidate = make.candidate(status=S.SUBMITTED)
    referral = candidate.referrals[0]
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    assert client.post(f"/kandidater/remisser/{referral.id}/anta").status_code == 302
    assert client.post(f"/kandidater/remisser/{referral.id}/aktivera").status_code == 302
    refused = client.post(f"/kandidater/remisser/{referral.id}/avsluta", data={"outcome": ""})
    assert refused.status_code == 422 and "Välj hur insatsen avslutades" in refused.get_data(as_text=True)
    assert client.post(
        f"/kandidater/remisser/{referral.id}/avsluta", data={"outcome": "job", "reason": "Fick anställning."}
    ).status_code == 302
    db.expire_all()
    assert referral.status == S.CLOSED and referral.closed_outcome == "job" and referral.closed_at
    assert [e.to_status for e in referral.events][-3:] == [S.ACCEPTED, S.ACTIVE, S.CLOSED]
    kinds = db.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["referral_accepted", "referral_active", "referral_closed"]
    assert "Arbete" in db.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().body_text
    actions = db.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.target_type == "referral").order_by(AuditEvent.id)).all()
    assert actions == ["referral_accepted", "referral_activated", "referral_closed"]


def test_a_transition_out_of_order_is_refused_and_changes_nothing(client, auth, make, db):
    candidate = make.candidate(status=S.ACTIVE)
    referral = candidate.referrals[0]
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    response = client.post(f"/kandidater/remisser/{referral.id}/anta")
    assert response.status_code == 409
    assert "kan inte bli antagen" in response.get_data(as_text=True)
    assert count(db, ReferralEvent) == 0 and count(db, OutboxMessage) == 0
    assert client.post(f"/kandidater/remisser/{referral.id}/hoppa").status_code == 404


def test_the_referring_officer_may_close_but_not_accept(client, auth, make, db):
    officer = make.user(Role.WELFARE_OFFICER)
    candidate = make.candidate(referred_by=officer, status=S.ACTIVE)
    submitted = make.candidate(referred_by=officer, status=S.SUBMITTED)
    db.commit()
    auth.login(officer)
    assert client.post(f"/kandidater/remisser/{submitted.referrals[0].id}/anta").status_code == 403
    response = client.post(f"/kandidater/remisser/{candidate.referrals[0].id}/avsluta", data={"outcome": "moved"})
    assert response.status_code == 302
    db.expire_all()
    assert candidate.referrals[0].status == S.CLOSED
    assert count(db, OutboxMessage) == 0  # the officer closed it; nobody to tell


def test_accepting_needs_consent_in_force(client, auth, make, db):
    candidate = make.candidate(status=S.SUBMITTED)
    candidate.consents[0].withdrawn_at = clock.now()
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    response = client.post(f"/kandidater/remisser/{candidate.referrals[0].id}/anta-och-aktivera")
    assert response.status_code == 422 and "samtycke" in response.get_data(as_text=True)
    db.expire_all()
    assert candidate.referrals[0].status == S.SUBMITTED
