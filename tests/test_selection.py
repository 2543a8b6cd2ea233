"""Selection in consultation with AF and AMF's contact person (issue #21 §1): selection partners
see the referrals awaiting selection with the minimum to judge fit and agree or object with a
comment; the project leader decides on the candidate page or at a selection meeting, in one go,
against an objection only with a written reason; the referring officer sees outcome and reason;
the minutes are an xlsx file; the API does the same for positions and meetings."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from models import Referral, SelectionMeeting, SelectionPosition
from models.enums import ReferralStatus, Role
from models.operations import selection as selection_ops
from models.operations.errors import DomainError
from models.operations.user_admin import create_account

from .logins import log_in
from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support",)

SECRETS = ("Hemligsson", "070-555 12 34", "klient@hemlig.example", "ANTECKNING-INTERN-7", "ÅTERSÄND-SKÄL-3")


@pytest.fixture
def people(make, vault) -> Any:
    class People:
        pass

    p = People()
    p.af, p.amf = make.partner("AF"), make.partner("AMF")
    p.pl = make.user(Role.PROJECT_LEADER, name="Petra Projektledare")
    p.officer = make.user(Role.WELFARE_OFFICER, name="Hanna Handläggare")
    p.partner_af = make.user(Role.SELECTION_PARTNER, name="Frida Förmedlare", organisation=p.af)
    p.partner_amf = make.user(Role.SELECTION_PARTNER, name="Maja Kontaktperson", organisation=p.amf)
    p.candidate = make.candidate(
        referred_by=p.officer, status=ReferralStatus.SUBMITTED, vault=vault, first_name="Amina",
        last_name="Hemligsson", phone="070-555 12 34", email="klient@hemlig.example",
        needs_other="ANTECKNING-INTERN-7", interests=["hospitality", "it"],
    )
    p.referral = p.candidate.referrals[0]
    p.referral.reason = "Vill pröva på restaurangyrken."
    p.referral.return_reason = "ÅTERSÄND-SKÄL-3"  # an earlier round's note to the officer
    p.other = make.candidate(referred_by=p.officer, status=ReferralStatus.SUBMITTED, first_name="Bertil").referrals[0]
    make.session.commit()
    return p


def _client(app: Any, user: Any) -> Any:
    client = app.test_client()
    log_in(client, user)
    return client


def _forbidden_texts(candidate: Any) -> list[str]:
    """What a selection partner must never see: the synthetic secrets (identity number, surname,
    contact details, notes), the masked identity number ("19900101-XXXX") and its date part."""
    return [*SECRETS, candidate.pin_masked, candidate.pin_masked.replace("-XXXX", "")]


def test_partner_sees_only_what_judging_fit_needs_in_pages_files_and_api(app, api, tokens, people, make) -> None:
    partner = _client(app, people.partner_af)
    pl = _client(app, people.pl)
    created = pl.post("/urval/moten/nytt", data={"held_on": "2026-12-10", "referrals": [people.referral.id]})
    assert created.status_code == 302
    meeting = make.session.scalars(sa.select(SelectionMeeting)).one()
    _user, headers = tokens.headers(people.partner_af)
    shown = [
        partner.get("/urval/").get_data(as_text=True),
        partner.get(f"/urval/moten/{meeting.id}").get_data(as_text=True),
        api.get("/api/v1/selection/referrals", headers=headers).get_data(as_text=True),
        api.get(f"/api/v1/selection/meetings/{meeting.id}", headers=headers).get_data(as_text=True),
    ]
    book = openpyxl.load_workbook(io.BytesIO(partner.get(f"/urval/moten/{meeting.id}/protokoll.xlsx").data))
    shown.append(" ".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c))
    start = partner.get("/").get_data(as_text=True)
    assert "väntar på ditt ställningstagande" in start
    for text in [*shown, start]:
        assert "Amina" in text or text is start  # the first name is shown...
        for secret in _forbidden_texts(people.candidate):  # ...never the rest
            assert secret not in text
    assert "Vill pröva på restaurangyrken." in shown[0]  # the referral's purpose
    # and nothing else of the bank opens for a partner
    assert partner.get(f"/kandidater/{people.candidate.id}").status_code == 403
    assert api.get(f"/api/v1/candidates/{people.candidate.id}", headers=headers).status_code in (403, 404)


def test_partner_agrees_or_objects_with_a_comment(app, people, make) -> None:
    partner = _client(app, people.partner_af)
    url = f"/urval/remisser/{people.referral.id}/stallningstagande"
    refused = partner.post(url, data={"stance": "object", "comment": ""}, follow_redirects=True)
    assert "Skriv varför du invänder" in refused.get_data(as_text=True)
    assert make.session.scalars(sa.select(SelectionPosition)).all() == []
    assert partner.post(url, data={"stance": "agree", "comment": "Passar bra."}).status_code == 302
    assert partner.post(url, data={"stance": "object", "comment": "Behöver språkstöd först."}).status_code == 302
    make.session.expire_all()
    [position] = make.session.scalars(sa.select(SelectionPosition)).all()  # one per organisation: replaced
    assert (position.organisation.short_name, position.stance.value, position.comment) == (
        "AF", "object", "Behöver språkstöd först.")


def test_decision_shows_consultation_and_needs_a_reason_against_an_objection(app, people, make) -> None:
    selection_ops.record_position(make.session, people.referral, by=people.partner_af, stance="object",
                                  comment="Behöver språkstöd först.")
    selection_ops.record_position(make.session, people.referral, by=people.partner_amf, stance="agree", comment="")
    make.session.commit()
    pl = _client(app, people.pl)
    page = pl.get(f"/kandidater/{people.candidate.id}").get_data(as_text=True)
    for text in ("Frida Förmedlare", "Behöver språkstöd först.", "Invänder", "Maja Kontaktperson", "Tillstyrker"):
        assert text in page
    url = f"/kandidater/remisser/{people.referral.id}/anta-och-aktivera"
    refused = pl.post(url, data={"reason": "  "})
    assert refused.status_code == 422
    assert "AF har invänt mot urvalet. Skriv varför remissen ändå antas." in refused.get_data(as_text=True)
    make.session.expire_all()
    assert make.session.get(Referral, people.referral.id).status == ReferralStatus.SUBMITTED
    assert pl.post(url, data={"reason": "Språkstöd ordnas på arbetsplatsen."}).status_code == 302
    make.session.expire_all()
    assert make.session.get(Referral, people.referral.id).status == ReferralStatus.ACTIVE
    # the referring officer sees the outcome and the reason, not what the partners said
    officer_page = _client(app, people.officer).get(f"/kandidater/{people.candidate.id}").get_data(as_text=True)
    assert "Språkstöd ordnas på arbetsplatsen." in officer_page and "Aktiv" in officer_page
    assert "Behöver språkstöd först." not in officer_page


def test_meeting_decides_in_one_go_all_or_nothing_and_minutes_parse_back(app, people, make) -> None:
    pl = _client(app, people.pl)
    response = pl.post("/urval/moten/nytt", data={"held_on": "2026-12-10",
                                                  "referrals": [people.referral.id, people.other.id]})
    assert response.status_code == 302
    meeting = make.session.scalars(sa.select(SelectionMeeting)).one()
    partner = _client(app, people.partner_amf)
    assert partner.post(f"/urval/remisser/{people.other.id}/stallningstagande",
                        data={"stance": "object", "comment": "Har redan en praktik.", "back": "meeting",
                              "meeting_id": meeting.id}).status_code == 302
    decide = f"/urval/moten/{meeting.id}/beslut"
    first, second = people.referral.id, people.other.id
    # accepting the second against AMF's objection without a reason: refused, and the first not decided either
    refused = pl.post(decide, data={f"decision-{first}": "accept_activate", f"decision-{second}": "accept"})
    assert refused.status_code == 422
    assert f"Remiss nr {second} (Bertil): AMF har invänt" in refused.get_data(as_text=True)
    make.session.expire_all()
    assert {r.status for r in make.session.scalars(sa.select(Referral).where(Referral.id.in_([first, second])))} == {
        ReferralStatus.SUBMITTED}
    missing = pl.post(decide, data={f"decision-{first}": "accept_activate"})
    assert missing.status_code == 422 and "Välj ett beslut för remiss nr" in missing.get_data(as_text=True)
    done = pl.post(decide, data={f"decision-{first}": "accept_activate", f"decision-{second}": "return",
                                 f"reason-{second}": "Har redan en praktik, återkom efter den."})
    assert done.status_code == 302
    make.session.expire_all()
    assert make.session.get(Referral, first).status == ReferralStatus.ACTIVE
    assert make.session.get(Referral, second).return_reason == "Har redan en praktik, återkom efter den."
    again = pl.post(decide, data={f"decision-{first}": "accept"})
    assert again.status_code == 409  # the minutes are not changed afterwards
    book = openpyxl.load_workbook(io.BytesIO(partner.get(f"/urval/moten/{meeting.id}/protokoll.xlsx").data))
    rows = list(book["Protokoll"].iter_rows(values_only=True))
    assert rows[0] == ("Remiss nr", "Förnamn", "Målgrupp", "Skäl för remissen", "Ställningstagande AF",
                       "Ställningstagande AMF", "Beslut", "Motivering")
    assert rows[1][:2] == (first, "Amina") and rows[1][6] == "Antas och aktiveras"
    assert rows[2][5] == "Invänder (Maja Kontaktperson): Har redan en praktik."
    assert rows[2][6:] == ("Återsänds till handläggaren", "Har redan en praktik, återkom efter den.")
    about = dict(book["Mötet"].iter_rows(min_row=2, values_only=True))
    assert about["Urvalsmöte"] == "2026-12-10" and about["Samrådda"] == "Maja Kontaktperson (AMF)"
    assert about["Beslutat av"].startswith("Petra Projektledare")


def test_api_positions_and_meetings(api, tokens, people, make) -> None:
    _p, partner = tokens.headers(people.partner_af)
    _l, leader = tokens.headers(people.pl)
    url = f"/api/v1/selection/referrals/{people.referral.id}/position"
    bad = api.put(url, json={"stance": "object"}, headers=partner)
    assert assert_problem(bad, 422)["errors"] == {
        "comment": ["Skriv varför du invänder, så att projektledaren kan väga det."]}
    ok = api.put(url, json={"stance": "object", "comment": "För tidigt."}, headers=partner)
    assert ok.status_code == 200 and ok.json["organisation"] == "AF" and ok.json["stance"] == "object"
    assert api.put(url, json={"stance": "agree"}, headers=leader).status_code == 403
    listed = api.get("/api/v1/selection/referrals", headers=partner).json
    assert [r["referral_id"] for r in listed] == [people.referral.id, people.other.id]
    assert listed[0]["positions"][0]["comment"] == "För tidigt."
    assert api.post("/api/v1/selection/meetings", json={"held_on": "2026-12-10", "referral_ids": [people.referral.id]},
                    headers=partner).status_code == 403
    created = api.post("/api/v1/selection/meetings", json={"held_on": "2026-12-10",
                                                           "referral_ids": [people.referral.id, people.other.id]},
                       headers=leader)
    assert created.status_code == 201, created.json
    meeting_url = f"/api/v1/selection/meetings/{created.json['id']}/decisions"
    refused = api.post(meeting_url, json={"decisions": [
        {"referral_id": people.referral.id, "decision": "accept"},
        {"referral_id": people.other.id, "decision": "postpone"}]}, headers=leader)
    assert "AF har invänt" in assert_problem(refused, 422)["detail"]
    decided = api.post(meeting_url, json={"decisions": [
        {"referral_id": people.referral.id, "decision": "accept", "reason": "Vi provar ändå."},
        {"referral_id": people.other.id, "decision": "postpone"}]}, headers=leader)
    assert decided.status_code == 200, decided.json
    items = {i["referral"]["referral_id"]: i for i in decided.json["items"]}
    assert items[people.referral.id]["status"] == "accepted" and items[people.other.id]["status"] == "submitted"
    assert decided.json["consulted"] == ["Frida Förmedlare (AF)"]


def test_a_partner_account_is_bound_to_af_or_amf(make) -> None:
    hif = make.organisation(name="Helsingborgs IF", short_name="HIF")
    with pytest.raises(DomainError, match="AF eller AMF"):
        create_account(make.session, email="p@test.example", name="P", role=Role.SELECTION_PARTNER, organisation=hif)
    user = create_account(make.session, email="p@test.example", name="P", role=Role.SELECTION_PARTNER,
                          organisation=make.partner("AMF"))
    assert user.organisation.short_name == "AMF"


def test_anonymising_a_person_blanks_what_the_partners_said_about_them(people, make) -> None:
    from models import clock
    from models.operations import audit as audit_ops
    from models.operations import retention

    selection_ops.record_position(make.session, people.referral, by=people.partner_af, stance="object",
                                  comment="Behöver språkstöd först.")
    meeting = selection_ops.create_meeting(make.session, held_on="2026-12-10", referral_ids=[people.referral.id],
                                           by=people.pl)
    selection_ops.decide_meeting(make.session, meeting, selection_ops.parse_decisions(
        {people.referral.id: ("return", "Språket först.")}), by=people.pl)
    retention.anonymise_candidate(make.session, people.candidate, at=clock.now(),
                                  origin=audit_ops.Origin(ip="", request_id="test"))
    make.session.flush()
    make.session.expire_all()
    position = make.session.scalars(sa.select(SelectionPosition)).one()
    assert (position.stance.value, position.comment) == ("object", "")
    assert [i.reason for i in make.session.get(SelectionMeeting, meeting.id).items] == [""]


def test_the_header_names_the_partners_role_once_and_plainly(app, people) -> None:
    """The page header says who is logged in and in which role; a role whose name has its own
    parentheses ("Urvalspartner (AF/AMF)") is not wrapped in a second pair."""
    page = _client(app, people.partner_af).get("/").get_data(as_text=True)
    assert "Frida Förmedlare" in page and "Urvalspartner (AF/AMF)" in page
    assert "((" not in page and "))" not in page
