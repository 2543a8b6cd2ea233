"""Who may use the candidate bank: employers, steering and admins get 403 on every route; an
officer never reaches another unit's clients by URL id, form field or list filter."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from models import AuditEvent, Candidate, Consent, Referral
from models.enums import ReferralStatus, Role

S = ReferralStatus
STEPS = ["skicka", "anta", "anta-och-aktivera", "aktivera", "atersand", "avsluta"]


def routes(candidate_id: int, referral_id: int) -> list[tuple[str, str]]:
    """Every route of the candidate bank, with real ids."""
    c, r = candidate_id, referral_id
    return [
        ("GET", "/kandidater/remisser"),
        ("GET", "/kandidater/remisser/ny"),
        ("POST", "/kandidater/remisser/ny"),
        *[("POST", f"/kandidater/remisser/{r}/{step}") for step in STEPS],
        ("GET", "/kandidater/"),
        ("GET", f"/kandidater/{c}"),
        ("GET", f"/kandidater/{c}/redigera"),
        ("POST", f"/kandidater/{c}/redigera"),
        ("POST", f"/kandidater/{c}/personnummer"),
        ("POST", f"/kandidater/{c}/samtycke"),
        ("POST", f"/kandidater/{c}/samtycke/aterkalla"),
        ("GET", "/kandidater/import"),
        ("POST", "/kandidater/import"),
        ("POST", "/kandidater/import/genomfor"),
        ("GET", "/kandidater/import/mall.xlsx"),
        ("GET", "/kandidater/import/mall.csv"),
    ]


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.STEERING, Role.ADMIN])
def test_employers_steering_and_admins_get_403_on_every_route(client, auth, make, db, vault, role):
    candidate = make.candidate(vault=vault, status=S.SUBMITTED)
    db.commit()
    auth.login(role)
    for method, url in routes(candidate.id, candidate.referrals[0].id):
        response = client.open(url, method=method, data={"reason": "x", "outcome": "job"})
        assert response.status_code == 403, (method, url)
        assert candidate.last_name not in response.get_data(as_text=True)
    denied = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert len(denied) == len(routes(0, 0)) and not any(e.success for e in denied)
    db.expire_all()
    assert candidate.referrals[0].status == S.SUBMITTED and candidate.consents[0].withdrawn_at is None
    assert "Kandidatbank" not in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_the_login_page(client, make, db, vault):
    candidate = make.candidate(vault=vault)
    db.commit()
    for method, url in routes(candidate.id, candidate.referrals[0].id):
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)


def test_project_leader_has_the_bank_but_not_the_officers_referral_form(client, auth):
    auth.login(Role.PROJECT_LEADER)
    assert client.get("/kandidater/").status_code == 200
    assert client.get("/kandidater/import").status_code == 200
    sent_on = client.get("/kandidater/remisser")  # the officers' list: the referrals to decide instead
    assert sent_on.status_code == 302 and "status=submitted" in sent_on.headers["Location"]
    assert client.get("/kandidater/remisser/ny").status_code == 403


@pytest.fixture
def two_units(make, db, vault):  # type: ignore[no-untyped-def]
    """Officer A, and a candidate referred by unit B with a visit and consent."""
    officer_a = make.user(Role.WELFARE_OFFICER)
    officer_b = make.user(Role.WELFARE_OFFICER)
    theirs = make.candidate(
        referred_by=officer_b, vault=vault, status=S.ACTIVE, first_name="Bertil", last_name="Bunit",
        area="Söder", interests=["it"],
    )
    mine = make.candidate(referred_by=officer_a, vault=vault, first_name="Anna", last_name="Aunit", interests=["it"])
    draft_b = make.candidate(referred_by=officer_b, status=S.DRAFT, consent=False, last_name="Butkast")
    db.commit()
    return officer_a, officer_b, theirs, mine, draft_b


def test_officer_cannot_read_or_change_another_units_candidate_by_url(client, auth, db, two_units):
    officer_a, _, theirs, _, draft_b = two_units
    auth.login(officer_a)
    referral_id = theirs.referrals[0].id
    attempts = [
        ("GET", f"/kandidater/{theirs.id}"),
        ("GET", f"/kandidater/{theirs.id}/redigera"),
        ("POST", f"/kandidater/{theirs.id}/redigera"),
        ("POST", f"/kandidater/{theirs.id}/personnummer"),
        ("POST", f"/kandidater/{theirs.id}/samtycke"),
        ("POST", f"/kandidater/{theirs.id}/samtycke/aterkalla"),
        ("GET", f"/kandidater/{draft_b.id}"),
        *[("POST", f"/kandidater/remisser/{referral_id}/{step}") for step in STEPS],
        ("POST", f"/kandidater/remisser/{draft_b.referrals[0].id}/skicka"),
    ]
    for method, url in attempts:
        response = client.open(url, method=method, data={"outcome": "job", "reason": "x", "area": "Norr"})
        assert response.status_code == 403, (method, url)
        assert "Bunit" not in response.get_data(as_text=True)
    assert client.get("/kandidater/999999").status_code == 404
    db.expire_all()
    assert theirs.area == "Söder" and theirs.referrals[0].status == S.ACTIVE
    assert theirs.consents[0].withdrawn_at is None
    shown = sa.select(AuditEvent).where(AuditEvent.action.in_(["pin_revealed", "candidate_viewed"]))
    assert not db.scalars(shown).all()
    denied = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert len(denied) == len(attempts) and {e.actor_id for e in denied} == {officer_a.id}


@pytest.mark.parametrize(
    "query",
    ["", "q=Bunit", "q=Bertil", "status=active", "status=draft", "area=Söder", "interests=it", "visited=no",
     "sort=name&page=2", "referred_from=2000-01-01"],
)
def test_no_list_filter_shows_another_units_candidate(client, auth, two_units, query):
    officer_a, *_ = two_units
    auth.login(officer_a)
    bank = client.get(f"/kandidater/?{query}").get_data(as_text=True)
    referrals = client.get(f"/kandidater/remisser?{query}").get_data(as_text=True)
    for html in (bank, referrals):  # rows read "Efternamn, Förnamn" (the search box may echo the query)
        assert ">Bunit, " not in html and ">Butkast, " not in html
    if query in ("", "interests=it"):
        assert ">Aunit, Anna<" in bank and ">Aunit, Anna<" in referrals


def test_form_fields_cannot_place_a_referral_in_another_unit(client, auth, db, two_units):
    from .test_candidates_referral import referral_data

    officer_a, officer_b, *_ = two_units
    auth.login(officer_a)
    data = referral_data(unit_id=str(officer_b.organisation_id), referred_by_id=str(officer_b.id),
                         candidate_id="1", status="active")
    assert client.post("/kandidater/remisser/ny", data=data).status_code == 302
    referral = db.scalars(sa.select(Referral).order_by(Referral.id.desc())).first()
    assert referral.unit_id == officer_a.organisation_id and referral.referred_by_id == officer_a.id
    assert referral.status == S.SUBMITTED


def test_officer_b_sees_only_their_own_units_referral_on_a_shared_candidate(client, auth, make, db, two_units):
    officer_a, officer_b, theirs, *_ = two_units
    theirs.referrals.append(Referral(unit=officer_a.organisation, referred_by=officer_a, status=S.SUBMITTED,
                                     reason="Hemligt skäl från A"))
    db.commit()
    auth.login(officer_b)
    page = client.get(f"/kandidater/{theirs.id}").get_data(as_text=True)
    assert "Bunit" in page and "Hemligt skäl från A" not in page and officer_a.organisation.name not in page


def test_an_import_cannot_reach_another_units_candidate(app, client, auth, db, vault, two_units, tmp_path, monkeypatch):
    """A's file holding B's client: shown as already in the bank, without B's data, and skipped."""
    from .test_candidates_import import csv_bytes, row

    monkeypatch.setitem(app.config, "CANDIDATE_IMPORT_DIR", str(tmp_path))
    officer_a, _, theirs, *_ = two_units
    auth.login(officer_a)
    file = csv_bytes([row(1, **{"Personnummer": vault.decrypt(theirs.pin_encrypted), "Område": "Norr"}), row(2)])
    preview = client.post(
        "/kandidater/import", data={"file": (io.BytesIO(file), "l.csv")}, content_type="multipart/form-data"
    )
    html = preview.get_data(as_text=True)
    assert "redan finns i kandidatbanken" in html
    assert "Bunit" not in html and "Söder" not in html and f"/kandidater/{theirs.id}" not in html
    token = html.split('name="token"')[1].split('value="')[1].split('"')[0]
    client.post("/kandidater/import/genomfor", data={"token": token, "skip_duplicates": "y"})
    db.expire_all()
    assert theirs.area == "Söder" and [r.unit_id for r in theirs.referrals] == [theirs.referrals[0].unit_id]
    assert len(theirs.consents) == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(Consent)) == 3  # theirs, mine, the new row's
    assert client.get(f"/kandidater/{theirs.id}").status_code == 403


def test_officer_without_a_unit_can_refer_no_one(client, auth, make, db):
    loose = make.user(Role.WELFARE_OFFICER, organisation=None)
    make.candidate()
    db.commit()
    auth.login(loose)
    assert client.get("/kandidater/remisser/ny").status_code == 403
    assert client.get("/kandidater/import").status_code == 403
    html = client.get("/kandidater/").get_data(as_text=True)
    assert "0 kandidater" in html
    assert db.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 1
