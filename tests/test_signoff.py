"""A quarter the steering group signs off (issue #21, section 4): the project leader compiles,
a steering group member of each party approves, the approved report is kept and served byte for
byte, later changes to the quarter's data are listed as corrections (never written into it), and
the report gains what TH compiles from, with small counts protected."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from models import ActualCost, Feedback, QuarterSignoff, Referral, ReferralEvent, User, Visit, VisitEvent
from models.enums import (
    BudgetLineKind,
    FurtherInterest,
    Network,
    OrganisationKind,
    Party,
    ReferralStatus,
    Role,
    VisitStatus,
)
from models.operations import budget as budget_ops
from models.operations import signoff as ops
from models.operations.errors import DomainError
from models.operations.reports import quarterly_report
from models.operations.user_admin import create_account

from .factories import local_dt
from .partnership import make_parties
from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support", "tests.partnership")
NOW = "2026-10-15T10:00:00+02:00"  # 2026-Q1 … Q3 have ended
Q3 = dt.date(2026, 7, 1)


@pytest.fixture
def world(make) -> Any:
    """The partnership: four parties, a programme for 2026–2027 with a counted person in Q2 and
    in Q3, the project leader at TH and a steering group member for each party."""

    class World:
        pass

    w = World()
    w.parties = make_parties(make, "TH", "HIF", "AF", "AMF")
    w.programme = make.programme(name="IOP Jobbskuggning", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 12, 31))
    w.programme.parties = list(w.parties.values())
    w.visit_q2 = make.visit(day=dt.date(2026, 5, 5), status=VisitStatus.COMPLETED, actual_hours=6)
    w.visit_q3 = make.visit(day=dt.date(2026, 8, 10), status=VisitStatus.COMPLETED, actual_hours=6)
    w.pl = make.user(Role.PROJECT_LEADER, name="Petra Projektledare", organisation=w.parties["TH"])
    w.members = {k: make.user(Role.STEERING, name=f"Ledamot {k}", organisation=org) for k, org in w.parties.items()}
    make.session.commit()
    return w


def _approve_all(app, db, signoff, members, but: tuple[str, ...] = ()) -> QuarterSignoff:
    """Each member (but those named) approves the figures as they are, as the page would have it;
    returns the sign-off as the test's session sees it afterwards."""
    from web.extensions import db as web_db
    from web.signoff import service

    db.commit()
    with app.test_request_context():
        session = web_db.session
        current = session.get(QuarterSignoff, signoff.id)
        for key, member in members.items():
            if key not in but:
                _report, _figures, sha = service.figures_now(current)
                service.approve(current, session.get(User, member.id), seen_sha256=sha)
        session.commit()
    db.expire_all()
    return db.get(QuarterSignoff, signoff.id)


def _sha_on(page: str) -> str:
    return re.search(r'name="sha256" type="hidden" value="([0-9a-f]{64})"', page).group(1)


# --- compiling -------------------------------------------------------------------------------
@pytest.mark.now(NOW)
def test_only_a_quarter_that_has_ended_is_compiled(db, world) -> None:
    with pytest.raises(DomainError, match="2026-Q4 har inte tagit slut än. Det kan sammanställas från 2027-01-01."):
        ops.compile_quarter(db, world.programme, dt.date(2026, 10, 1), by=world.pl)
    signoff = ops.compile_quarter(db, world.programme, Q3, by=world.pl)
    assert (signoff.quarter, signoff.quarter_end, signoff.compiled_by_name, signoff.compiled_by_organisation) == (
        "2026-Q3", dt.date(2026, 9, 30), "Petra Projektledare", "Tillväxt Helsingborg",
    )


@pytest.mark.now(NOW)
def test_the_quarter_s_report_reads_only_what_is_dated_up_to_its_last_day(db, make, world) -> None:
    make.visit(day=dt.date(2026, 10, 5), status=VisitStatus.COMPLETED, actual_hours=5)  # 2026-Q4
    report = ops.quarter_report(db, world.programme, ops.find_quarter(world.programme, Q3))
    assert report.today == dt.date(2026, 9, 30) and report.current.quarter == "2026-Q3"
    assert report.totals.persons == 2 and [q.new_persons for q in report.quarters[:4]] == [0, 1, 1, 0]


# --- approving and keeping -------------------------------------------------------------------
@pytest.mark.now(NOW)
def test_the_steering_group_signs_off_party_by_party_and_the_report_is_kept(app, db, world) -> None:
    pl, th, hif = app.test_client(), app.test_client(), app.test_client()
    for client, user in ((pl, world.pl), (th, world.members["TH"]), (hif, world.members["HIF"])):
        assert client.post("/login", data={"email": user.email, "password": "correct-horse-battery-staple"}
                           ).status_code == 302
    compiled = pl.post(f"/uppfoljning/kvartal/program/{world.programme.id}/sammanstall", data={"quarter": "2026-07-01"})
    assert compiled.status_code == 302
    signoff = db.scalars(sa.select(QuarterSignoff)).one()
    page = th.get(f"/uppfoljning/kvartal/{signoff.id}").get_data(as_text=True)
    assert "Godkänn siffrorna för Tillväxt Helsingborg" in page and "Remisser och urval per remitterande enhet" in page
    assert "Godkänn siffrorna" not in pl.get(f"/uppfoljning/kvartal/{signoff.id}").get_data(as_text=True)
    assert th.post(f"/uppfoljning/kvartal/{signoff.id}/godkann", data={"sha256": _sha_on(page)}).status_code == 302
    db.expire_all()
    assert db.get(QuarterSignoff, signoff.id).signed_off_at is None
    stale = hif.post(f"/uppfoljning/kvartal/{signoff.id}/godkann", data={"sha256": "0" * 64}, follow_redirects=True)
    assert "Siffrorna har ändrats sedan sidan visades." in stale.get_data(as_text=True)

    signoff = _approve_all(app, db, db.get(QuarterSignoff, signoff.id), world.members, but=("TH",))
    assert signoff.signed_off_at is not None
    kept = json.loads(signoff.report_json)
    assert kept["compiled_by"]["name"] == "Petra Projektledare"
    assert [a["organisation"] for a in kept["approved_by"]] == [
        "Tillväxt Helsingborg", "Helsingborgs IF", "Arbetsförmedlingen", "Arbetsmarknadsförvaltningen",
    ]
    assert kept["report"]["as_of"] == "2026-09-30" and kept["report_sha256"] == signoff.report_sha256
    rows = list(csv.reader(io.StringIO(signoff.report_csv.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Sammanställning och godkännande"]
    assert rows[4][0] == "Sammanställd av" and rows[4][1].startswith("Petra Projektledare, Tillväxt Helsingborg,")
    assert [r[0] for r in rows if r and r[0] == "Godkänd för Helsingborgs IF"] == ["Godkänd för Helsingborgs IF"]
    sheets = openpyxl.load_workbook(io.BytesIO(signoff.report_xlsx)).sheetnames
    assert sheets[:2] == ["Diagram", "Godkännande"] and "Budget" in sheets


@pytest.mark.now(NOW)
def test_an_approval_of_figures_that_changed_since_must_be_given_again(app, db, make, world) -> None:
    signoff = ops.compile_quarter(db, world.programme, Q3, by=world.pl)
    signoff = _approve_all(app, db, signoff, {"TH": world.members["TH"]})
    first = signoff.approvals[0].report_sha256
    make.visit(day=dt.date(2026, 9, 1), status=VisitStatus.COMPLETED, actual_hours=7)  # a late registration
    signoff = _approve_all(app, db, signoff, world.members, but=("TH",))
    assert signoff.signed_off_at is None
    now = next(a.report_sha256 for a in signoff.approvals if a.organisation.short_name == "HIF")
    assert now != first and [o.short_name for o in ops.pending_parties(signoff, now)] == ["TH"]
    signoff = _approve_all(app, db, signoff, {"TH": world.members["TH"]})
    assert signoff.signed_off_at is not None
    assert json.loads(signoff.report_json)["report"]["quarters"][2]["new_persons"] == 2


@pytest.mark.now(NOW)
def test_only_a_member_who_represents_a_party_approves(client, auth, db, make, world) -> None:
    signoff = ops.compile_quarter(db, world.programme, Q3, by=world.pl)
    db.commit()
    unit = make.organisation(kind=OrganisationKind.WELFARE_UNIT)
    outsider = make.user(Role.STEERING, organisation=unit)
    db.commit()
    with pytest.raises(DomainError, match="företräder en av parterna"):
        ops.approve_quarter(db, signoff, outsider, sha256="0" * 64)
    for who in (outsider, "project_leader", "admin"):
        client.post("/logout")
        auth.login(who)
        assert client.post(f"/uppfoljning/kvartal/{signoff.id}/godkann", data={"sha256": "0" * 64}).status_code == 403
    for role in ("welfare_officer", "employer"):
        client.post("/logout")
        auth.login(role)
        assert client.get(f"/uppfoljning/kvartal/{signoff.id}").status_code == 403
        assert client.get(f"/uppfoljning/kvartal/program/{world.programme.id}").status_code == 403
    client.post("/logout")
    auth.login(world.members["HIF"])
    assert client.post(f"/uppfoljning/kvartal/program/{world.programme.id}/sammanstall",
                       data={"quarter": "2026-07-01"}).status_code == 403


def test_a_steering_account_represents_a_party(db, make) -> None:
    unit = make.organisation(kind=OrganisationKind.WELFARE_UNIT)
    for organisation in (None, unit):
        with pytest.raises(DomainError, match="En ledamot av styrgruppen företräder en av parterna"):
            create_account(db, email="ny@test.example", name="Ny", role=Role.STEERING, organisation=organisation)
    club = make.organisation(kind=OrganisationKind.CLUB)
    assert create_account(db, email="ny@test.example", name="Ny", role=Role.STEERING, organisation=club).id


# --- byte for byte, and the corrections --------------------------------------------------------
@pytest.mark.now(NOW)
def test_the_approved_report_is_served_byte_for_byte_after_its_data_changed(app, client, auth, db, world, api,
                                                                            tokens) -> None:
    budget_ops.save_year(db, world.programme, 1, {BudgetLineKind.PROJECT_LEADER: 570_000},
                         {world.parties["AMF"].id: 570_000})
    budget_ops.record_costs(db, world.programme, dt.date(2026, 8, 1), {BudgetLineKind.PROJECT_LEADER: 47_500},
                            by=None)
    signoff = _approve_all(app, db, ops.compile_quarter(db, world.programme, Q3, by=world.pl), world.members)
    auth.login("steering")
    urls = {fmt: f"/uppfoljning/kvartal/{signoff.id}/rapport.{fmt}" for fmt in ("json", "csv", "xlsx")}
    before = {fmt: client.get(url).data for fmt, url in urls.items()}
    assert before["json"] == signoff.report_json.encode("utf-8") and before["xlsx"] == signoff.report_xlsx
    assert "Inga rättelser" in client.get(f"/uppfoljning/kvartal/{signoff.id}").get_data(as_text=True)

    # later: the Q3 visit's outcome is corrected to a no-show, and a cost of August is booked late
    visit = db.get(Visit, world.visit_q3.id)
    visit.events.append(VisitEvent(from_status=VisitStatus.COMPLETED, to_status=VisitStatus.NO_SHOW,
                                   by_party=Party.PROJECT_LEADER, reason="Rättelse: kom inte"))
    visit.status = VisitStatus.NO_SHOW
    budget_ops.record_costs(db, world.programme, dt.date(2026, 8, 1), {BudgetLineKind.PROJECT_LEADER: 52_500},
                            by=None)
    db.commit()

    after = {fmt: client.get(url).data for fmt, url in urls.items()}
    assert after == before  # the approved report, byte for byte
    page = client.get(f"/uppfoljning/kvartal/{signoff.id}").get_data(as_text=True)
    assert "Rättelser efter godkännandet" in page and "Inga rättelser" not in page
    found = {c.path: (json.loads(c.approved_value), json.loads(c.corrected_value)) for c in
             db.scalars(sa.select(QuarterSignoff)).one().corrections}
    assert found["quarters.2026-Q3.new_persons"] == (1, 0)
    assert found["quarters.2026-Q3.visits_completed"] == (1, 0)
    assert found["totals.persons"] == (2, 1)
    assert found["budget.total.spent_to_date_sek"] == (47_500, 52_500)
    assert "quarters.2026-Q2.new_persons" not in found and not any(p.startswith("forecast") for p in found)
    assert "2026-Q3 › Nya personer" in page
    # The protected tables are told as changed, never which cell or by how much: "Uteblivna besök
    # x → 1" or "målgrupp 2 → 1" beside "Nya personer 1 → 0" would single out the corrected person.
    table, protected = page.split('id="corrections-heading"')[1].split("Tabeller där små antal döljs")
    assert "Uteblivna besök" not in table and "new_persons_by" not in table and "target_group" not in table
    assert "Nya personer per målgrupp, nätverk, yrkesområde och storlek" in protected
    assert "Uteblivna besök: 2 siffror ändrade" in protected  # the quarter's and the total's
    assert "Budget › Summa › Utfall hittills (kr)" in table  # the budget line by its label
    _s, steering = tokens.headers(world.members["AF"])
    detail = api.get(f"/api/v1/programmes/{world.programme.id}/signoffs/2026-Q3", headers=steering).get_json()
    assert {c["path"] for c in detail["corrections"]} >= {"quarters.2026-Q3.new_persons", "totals.persons"}
    assert not [c for c in detail["corrections"] if ops.protected_table(c["path"])]
    told = {p["table"]: p["figures"] for p in detail["protected_corrections"]}
    assert told["no_shows"] == 2 and "new_persons_by" in told
    assert set(detail["protected_corrections"][0]) == {"table", "figures", "last_detected_at"}
    corrections = db.scalar(sa.select(sa.func.count()).select_from(sa.text("quarter_correction")))
    client.get(f"/uppfoljning/kvartal/{signoff.id}")
    assert db.scalar(sa.select(sa.func.count()).select_from(sa.text("quarter_correction"))) == corrections  # once


# --- the API ---------------------------------------------------------------------------------
@pytest.mark.now(NOW)
def test_compiling_and_approving_through_the_api(api, tokens, db, world) -> None:
    _pl, pl = tokens.headers(world.pl)
    base = f"/api/v1/programmes/{world.programme.id}/signoffs"
    assert_problem(api.post(base, json={"quarter": "2026-Q4"}, headers=pl), 422)
    assert_problem(api.post(base, json={"quarter": "0000-Q1"}, headers=pl), 422)  # not a quarter of the programme
    created = api.post(base, json={"quarter": "2026-Q3"}, headers=pl)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["status"] == "awaiting_approval"
    assert len(created.get_json()["pending_parties"]) == 4
    _officer, officer = tokens.headers("welfare_officer")
    assert_problem(api.get(base, headers=officer), 403)
    assert_problem(api.post(f"{base}/2026-Q3/approvals", json={"report_sha256": "0" * 64}, headers=pl), 403)

    answer = None
    for member in world.members.values():
        _m, headers = tokens.headers(member)
        detail = api.get(f"{base}/2026-Q3", headers=headers).get_json()
        assert detail["report"]["quarters"][2]["new_persons"] == 1
        answer = api.post(f"{base}/2026-Q3/approvals", json={"report_sha256": detail["report_sha256"]},
                          headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["status"] == "signed_off" and answer.get_json()["pending_parties"] == []
    _s, steering = tokens.headers(world.members["AF"])
    listed = api.get(base, headers=steering).get_json()
    assert [s["quarter"] for s in listed] == ["2026-Q3"] and all(a["current"] for a in listed[0]["approvals"])
    kept = db.scalars(sa.select(QuarterSignoff)).one()
    assert api.get(f"{base}/2026-Q3", headers=steering).get_json()["report"] == json.loads(kept.report_json)["report"]
    assert_problem(api.post(f"{base}/2026-Q3/approvals", json={"report_sha256": "0" * 64}, headers=steering), 409)
    assert_problem(api.get(f"{base}/2025-Q1", headers=steering), 404)


# --- what TH compiles from -------------------------------------------------------------------
@pytest.mark.now(NOW)
def test_the_report_gains_referrals_per_unit_companies_per_network_and_feedback(db, make, world) -> None:
    north = make.organisation(name="AMF Norr", short_name="AMF-N", kind=OrganisationKind.WELFARE_UNIT)
    af_unit = make.organisation(name="AF Helsingborg", short_name="AF-HBG", kind=OrganisationKind.WELFARE_UNIT)
    for unit, n in ((north, 7), (af_unit, 2)):
        officer = make.user(Role.WELFARE_OFFICER, organisation=unit)
        for i in range(n):
            candidate = make.candidate(referred_by=officer)
            referral = candidate.referrals[0]
            referral.submitted_at = local_dt(dt.date(2026, 8, 3 + i), 10)
            referral.events.append(ReferralEvent(from_status=ReferralStatus.SUBMITTED, to_status=(
                ReferralStatus.ACCEPTED if i < 6 else ReferralStatus.RETURNED), at=local_dt(dt.date(2026, 8, 20), 9)))
    th_company = make.company(network=Network.TH_NETWORK)
    for day in range(6):
        visit = make.visit(offer=make.offer(th_company), day=dt.date(2026, 9, 1 + day), status=VisitStatus.COMPLETED,
                           actual_hours=6)
        db.add(Feedback(visit=visit, attended=True, overall=4, interest=5, punctuality=3, would_welcome_again=True,
                        further_interest=FurtherInterest.RECRUITMENT if day == 0 else FurtherInterest.NONE))
    db.commit()
    figures = quarterly_report(db, world.programme).to_dict()["compilation"]
    received = figures["referrals_by_unit"]["received"]
    assert received["AMF Norr"] == {"2026-Q1": 0, "2026-Q2": 0, "2026-Q3": 7, "2026-Q4": 0, "total": 7}
    assert received["AF Helsingborg"]["2026-Q3"] == "x" and received["AF Helsingborg"]["total"] == "x"
    assert figures["referrals_by_unit"]["accepted"]["AMF Norr"]["2026-Q3"] == 6
    assert figures["referrals_by_unit"]["returned"]["AMF Norr"]["2026-Q3"] == "x"  # one: hidden
    hosted = figures["visits_hosted_by_network"]
    # 7 completed visits in Q3 (a top-line figure): HIF's one is hidden, so TH's six are too, or
    # the one could be worked out as 7 − 6
    assert hosted["hif_sponsor"]["2026-Q3"] == "x" and hosted["th_network"]["2026-Q3"] == "x"
    assert figures["companies_engaged_by_network"]["th_network"]["2026-Q3"] == "x"  # one company
    assert figures["companies_recruiting_by_network"]["th_network"]["total"] == "x"
    feedback = figures["feedback"]["2026-Q3"]
    assert feedback["forms"] == 6 and feedback["mean"] == {"overall": 4.0, "interest": 5.0, "punctuality": 3.0}
    # six forms are published, so the one «recruitment» hides the five «none» with it
    assert feedback["further_interest"] == {"none": "x", "internship": 0, "recruitment": "x"}
    assert figures["feedback"]["2026-Q2"] == {
        "forms": 0, "mean": {"overall": None, "interest": None, "punctuality": None}, "share_welcome_again": None,
        "further_interest": {"none": 0, "internship": 0, "recruitment": 0},
    }
    assert db.scalar(sa.select(sa.func.count()).select_from(Referral)) >= 9


# --- the demo ----------------------------------------------------------------------------------
def test_the_demo_shows_a_budget_with_actual_costs_and_a_signed_off_quarter(runner, db) -> None:
    result = runner.invoke(args=["seed-demo", "--candidates", "40", "--companies", "15"])
    assert result.exit_code == 0, result.output
    assert "signed off by the demo's steering group" in result.output
    signoff = db.scalars(sa.select(QuarterSignoff)).one()
    assert signoff.signed_off_at and signoff.report_csv and signoff.report_xlsx and len(signoff.approvals) == 4
    assert db.scalar(sa.select(sa.func.count()).select_from(ActualCost)) > 10
    again = runner.invoke(args=["seed-demo", "--candidates", "40", "--companies", "15"])
    assert "signed off" not in again.output


def test_companies_and_visits_per_network_are_counted_per_quarter_and_once_over_the_period(db, make) -> None:
    """The compilation's raw counts (before the small-count rule): visits hosted and companies
    engaged per network and quarter, a company once per quarter and once over the period however
    many visits it hosts; companies that signalled recruitment once per quarter and once over the
    period however many forms say so. Only completed visits in the quarters count."""
    from models.operations.compilation import NETWORKS, compilation_figures
    from models.operations.programme import programme_quarters

    quarters = programme_quarters(dt.date(2026, 1, 1), dt.date(2026, 9, 30))  # Q1, Q2, Q3
    hif_a, hif_b = make.company(network=Network.HIF_SPONSOR), make.company(network=Network.HIF_SPONSOR)
    th = make.company(network=Network.TH_NETWORK)
    hif_offer = make.offer(hif_a)

    def completed(company: Any, day: dt.date, *, recruiting: bool = False, offer: Any = None) -> None:
        visit = make.visit(offer=offer or make.offer(company), day=day, status=VisitStatus.COMPLETED, actual_hours=6)
        db.add(Feedback(visit=visit, attended=True, overall=4, interest=4, punctuality=4, would_welcome_again=True,
                        further_interest=FurtherInterest.RECRUITMENT if recruiting else FurtherInterest.NONE))

    # HIF A: three visits in Q2 (two from the same offer, two signalling recruitment), one in Q3
    completed(hif_a, dt.date(2026, 4, 7), recruiting=True, offer=hif_offer)
    completed(hif_a, dt.date(2026, 5, 5), recruiting=True, offer=hif_offer)
    completed(hif_a, dt.date(2026, 6, 2))
    completed(hif_a, dt.date(2026, 8, 11), recruiting=True)
    # HIF B: one in Q3; TH: one in Q1, one in Q3
    completed(hif_b, dt.date(2026, 7, 7))
    completed(th, dt.date(2026, 2, 3))
    completed(th, dt.date(2026, 9, 1), recruiting=True)
    # not counted: a no-show, a visit still to come, and one after the last quarter
    make.visit(offer=make.offer(th), day=dt.date(2026, 6, 9), status=VisitStatus.NO_SHOW)
    make.visit(offer=make.offer(th), day=dt.date(2026, 9, 29), status=VisitStatus.CONFIRMED)
    completed(th, dt.date(2026, 10, 6), recruiting=True)
    db.commit()

    figures = compilation_figures(db, quarters)
    hif, th_row = NETWORKS.index(Network.HIF_SPONSOR.value), NETWORKS.index(Network.TH_NETWORK.value)
    assert figures.visits_hosted[hif] == [0, 3, 2] and figures.visits_hosted[th_row] == [1, 0, 1]
    assert figures.companies_engaged[hif] == [0, 1, 2] and figures.companies_engaged[th_row] == [1, 0, 1]
    assert figures.companies_engaged_period[hif] == 2 and figures.companies_engaged_period[th_row] == 1
    assert figures.recruiting[hif] == [0, 1, 1] and figures.recruiting[th_row] == [0, 0, 1]
    assert figures.recruiting_period[hif] == 1 and figures.recruiting_period[th_row] == 1
    both = NETWORKS.index(Network.BOTH.value)
    assert figures.visits_hosted[both] == [0, 0, 0] and figures.companies_engaged_period[both] == 0
