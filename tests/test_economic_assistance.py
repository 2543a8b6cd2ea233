"""What the agreement measures about people (issue #21 §5): at referral whether the person
receives ekonomiskt bistånd (officers and the project leader only), at the 3- and 6-month
follow-up self-sufficiency, and the report's count of self-sufficient persons with small counts
protected."""

from __future__ import annotations

import sqlalchemy as sa

from models import FollowUp, Referral
from models.clock import local_today
from models.enums import FollowUpResult, ReferralStatus, Role, VisitStatus
from models.operations.followups import add_months
from models.operations.reports import _to_dict as report_dict
from models.operations.reports import quarterly_report

from .logins import log_in, log_in_as
from .test_candidates_referral import referral_data

TODAY = local_today()
FIRST = add_months(TODAY, -7)  # both follow-ups are due


def test_officer_records_economic_assistance_at_referral_seen_only_by_officers_and_leader(app, make, db, vault) -> None:
    officer = make.user(Role.WELFARE_OFFICER)
    db.commit()
    client = app.test_client()
    log_in(client, officer)
    response = client.post("/kandidater/remisser/ny", data=referral_data(economic_assistance="yes", action="submit"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    referral = db.scalars(sa.select(Referral)).one()
    assert referral.economic_assistance is True and referral.status == ReferralStatus.SUBMITTED
    page = client.get(f"/kandidater/{referral.candidate_id}").get_data(as_text=True)
    assert "Ekonomiskt bistånd vid remissen" in page
    leader = app.test_client()
    log_in_as(leader, make, vault, Role.PROJECT_LEADER)
    assert "Ekonomiskt bistånd vid remissen" in leader.get(f"/kandidater/{referral.candidate_id}").get_data(
        as_text=True)
    partner = app.test_client()
    log_in_as(partner, make, vault, Role.SELECTION_PARTNER)
    shown = partner.get("/urval/").get_data(as_text=True)
    assert referral.candidate.first_name in shown and "bistånd" not in shown


def _followed_up_client(make, officer, assistance: bool | None):  # type: ignore[no-untyped-def]
    candidate = make.candidate(referred_by=officer)
    candidate.referrals[0].economic_assistance = assistance
    make.visit(candidate, day=FIRST, status=VisitStatus.COMPLETED, actual_hours=6)
    return candidate


def test_follow_up_records_self_sufficiency_required_after_economic_assistance(app, make, db) -> None:
    officer = make.user(Role.WELFARE_OFFICER)
    on_assistance = _followed_up_client(make, officer, True)
    never = _followed_up_client(make, officer, False)
    db.commit()
    client = app.test_client()
    log_in(client, officer)
    url = f"/uppfoljning-klienter/{on_assistance.id}/3"
    refused = client.post(url, data={"result": "job", "recorded_on": TODAY.isoformat()})
    assert refused.status_code == 422
    assert "Klienten hade ekonomiskt bistånd vid remissen: ange om hen är självförsörjande nu." in refused.get_data(
        as_text=True)
    assert db.scalars(sa.select(FollowUp)).all() == []
    assert client.post(url, data={"result": "job", "recorded_on": TODAY.isoformat(),
                                  "self_sufficient": "yes"}).status_code == 302
    assert client.post(f"/uppfoljning-klienter/{never.id}/3",
                       data={"result": "studies", "recorded_on": TODAY.isoformat()}).status_code == 302
    rows = {f.candidate_id: f for f in db.scalars(sa.select(FollowUp))}
    assert (rows[on_assistance.id].result, rows[on_assistance.id].self_sufficient) == (FollowUpResult.JOB, True)
    assert rows[never.id].self_sufficient is None


def test_report_counts_self_sufficient_persons_with_small_counts_protected(make, db) -> None:
    officer = make.user(Role.PROJECT_LEADER)
    programme = make.programme(starts_on=add_months(TODAY, -12), ends_on=add_months(TODAY, 12))
    for n, self_sufficient in enumerate([True] * 6 + [False] * 5):
        candidate = _followed_up_client(make, make.user(Role.WELFARE_OFFICER), True)
        db.add(FollowUp(candidate_id=candidate.id, months=3, result=FollowUpResult.JOB if n < 3 else
                        FollowUpResult.NO_CHANGE, recorded_on=TODAY, recorded_by_id=officer.id,
                        self_sufficient=self_sufficient))
    few = _followed_up_client(make, make.user(Role.WELFARE_OFFICER), True)
    db.add(FollowUp(candidate_id=few.id, months=6, result=FollowUpResult.JOB, recorded_on=TODAY,
                    recorded_by_id=officer.id, self_sufficient=True))
    db.commit()
    report = quarterly_report(db, programme)
    assert report.self_sufficiency[3] == {"self_sufficient": 6, "on_assistance": 5, "not_recorded": 0}
    published = report_dict(report)["self_sufficiency"]
    assert published["3"] == {"self_sufficient": 6, "on_assistance": 5, "not_recorded": 0}
    assert published["6"]["self_sufficient"] == "x"  # one person: never shown


