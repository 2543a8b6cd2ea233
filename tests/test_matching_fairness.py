"""The fairness audit on a small data set whose figures are worked out by hand: shares of the
pool, of the top five and of the proposals, acceptance and completion rates, the four-fifths
ratios, "too few" for small groups, the steering group's aggregated view and the spreadsheet."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from models import Exposure, VisitEvent
from models.enums import Gender, Party, ReferralStatus, Role, TargetGroup, VisitStatus
from models.operations import fairness as ops

from .factories import local_dt
from .logins import log_in_as

TODAY = dt.date(2026, 6, 15)
PROPOSED = dt.date(2025, 2, 10)
S = VisitStatus


def _born(age: int) -> dt.date:
    return dt.date(TODAY.year - age, 1, 2)


@pytest.fixture
def known(make, db):
    """Youth: six in the pool (women, 20), two more with closed referrals. Newcomers: five in the
    pool (men, 40). Long-term: two in the pool (no gender recorded, 55)."""
    offer = make.offer()

    def person(group: TargetGroup, gender: Gender | None, age: int, status=ReferralStatus.ACTIVE):
        return make.candidate(target_group=group, gender=gender, birth_date=_born(age), status=status)

    y = [person(TargetGroup.YOUTH, Gender.FEMALE, 20) for _ in range(6)]
    yc = [person(TargetGroup.YOUTH, Gender.FEMALE, 20, ReferralStatus.CLOSED) for _ in range(2)]
    n = [person(TargetGroup.NEWCOMER, Gender.MALE, 40) for _ in range(5)]
    lt = [person(TargetGroup.LONG_TERM, None, 55) for _ in range(2)]

    def proposal(candidate, steps: tuple[VisitStatus, ...]) -> None:
        visit = make.visit(candidate, offer, day=PROPOSED + dt.timedelta(days=14), status=(S.PROPOSED, *steps)[-1],
                           created_at=local_dt(PROPOSED, 10))
        visit.events = [VisitEvent(to_status=s, by_party=Party.PROJECT_LEADER) for s in (S.PROPOSED, *steps)]

    for candidate, steps in [
        (y[0], (S.ACCEPTED, S.CONFIRMED, S.COMPLETED)), (y[1], (S.ACCEPTED, S.CONFIRMED, S.COMPLETED)),
        (y[2], (S.DECLINED,)), (y[3], ()), (y[4], (S.DECLINED,)), (y[5], (S.ACCEPTED, S.CANCELLED)),
        (yc[0], (S.ACCEPTED, S.CONFIRMED, S.NO_SHOW)), (yc[1], (S.ACCEPTED, S.CONFIRMED, S.COMPLETED)),
        (n[0], (S.DECLINED,)), (n[1], (S.DECLINED,)), (n[2], (S.ACCEPTED, S.CONFIRMED, S.COMPLETED)),
        (n[3], (S.DECLINED,)), (n[4], (S.ACCEPTED, S.CONFIRMED)),
        (lt[0], (S.ACCEPTED, S.CONFIRMED, S.COMPLETED)),
    ]:
        proposal(candidate, steps)
    for ranked in ([y[0], y[1], y[2], n[0], n[1], n[2]], [y[0], n[0], lt[0], y[1], y[3], n[1]]):
        db.add(Exposure(context="offer", context_id=offer.id, ranked=[[c.id, 0.5] for c in ranked]))
    db.add(Exposure(context="candidate", context_id=y[5].id, ranked=[[offer.id, 0.9]]))  # a list of offers
    db.commit()


def _by_group(audit: ops.FairnessAudit, key: str) -> dict[str, ops.GroupFigures]:
    dimension = next(d for d in audit.dimensions if d.key == key)
    return {g.group: g for g in dimension.groups}


def test_target_group_figures(db, known) -> None:
    audit = ops.fairness_audit(db, today=TODAY)
    assert (audit.pool, audit.lists, audit.proposals) == (13, 2, 14)
    groups = _by_group(audit, "target_group")
    youth, newcomer, long_term, other = (groups[g] for g in ("youth", "newcomer", "long_term", "other"))
    assert (youth.pool, youth.top5, youth.proposed, youth.answered, youth.accepted, youth.held, youth.completed) == (
        6, 6, 8, 7, 5, 5, 3)
    assert (newcomer.pool, newcomer.top5, newcomer.proposed, newcomer.answered, newcomer.accepted,
            newcomer.held, newcomer.completed) == (5, 3, 5, 5, 2, 1, 1)
    assert youth.shares == pytest.approx({"pool": 6 / 13, "top5": 0.6, "proposed": 8 / 14})
    assert newcomer.rates == {"acceptance": pytest.approx(0.4), "completion": None}  # one visit held: too few
    assert youth.rates == pytest.approx({"acceptance": 5 / 7, "completion": 0.6})
    # Four-fifths: the best group has 1.0; newcomers trail in lists, proposals and acceptance.
    assert youth.ratios == pytest.approx({"top5": 1.0, "proposed": 1.0, "acceptance": 1.0, "completion": 1.0})
    assert newcomer.ratios["top5"] == pytest.approx(0.6)
    assert newcomer.ratios["proposed"] == pytest.approx(0.75)
    assert newcomer.ratios["acceptance"] == pytest.approx(0.56)
    assert newcomer.ratios["completion"] is None
    assert [m for m in ops.MEASURES if newcomer.flagged(m)] == ["top5", "proposed", "acceptance"]
    assert not any(youth.flagged(m) for m in ops.MEASURES)
    # Two and zero in the pool: too few to judge.
    assert long_term.too_few and other.too_few
    assert all(v is None for v in long_term.ratios.values())


def test_gender_and_age_where_recorded(db, known) -> None:
    audit = ops.fairness_audit(db, today=TODAY)
    gender = next(d for d in audit.dimensions if d.key == "gender")
    assert gender.unrecorded == 2
    groups = _by_group(audit, "gender")
    assert (groups["female"].pool, groups["male"].pool, groups["other"].pool) == (6, 5, 0)
    assert groups["male"].ratios["proposed"] == pytest.approx(0.75)
    ages = _by_group(audit, "age_band")
    assert (ages["18-24"].pool, ages["35-49"].pool, ages["50+"].pool, ages["25-34"].pool) == (6, 5, 2, 0)
    assert ages["50+"].too_few and ages["35-49"].flagged("acceptance")


def test_a_period_counts_only_its_proposals_and_lists(db, known) -> None:
    quarter = ops.fairness_audit(db, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31), today=TODAY)
    assert (quarter.proposals, quarter.lists) == (14, 0)  # the lists were shown today
    later = ops.fairness_audit(db, start=dt.date(2025, 4, 1), end=dt.date(2025, 6, 30), today=TODAY)
    assert later.proposals == 0 and _by_group(later, "target_group")["youth"].proposed == 0


def test_project_leader_sees_counts_and_steering_shares_only(app, db, make, vault, known) -> None:
    leader, steering = app.test_client(), app.test_client()
    log_in_as(leader, make, vault, Role.PROJECT_LEADER)
    log_in_as(steering, make, vault, Role.STEERING)
    detailed = leader.get("/matchning/rattvisa").get_data(as_text=True)
    aggregated = steering.get("/matchning/rattvisa").get_data(as_text=True)
    assert "I poolen (antal)" in detailed and "2 / 5" in detailed  # newcomers: accepted / answered
    assert "I poolen (antal)" not in aggregated and "2 / 5" not in aggregated
    for page in (detailed, aggregated):
        assert "för få" in page
        assert "Under fyra femtedelar" in page
        assert "Målgrupp" in page and "Kön" in page and "Åldersgrupp" in page
    assert "sammanställda versionen" in aggregated


def test_the_audit_downloads_as_a_spreadsheet(app, db, make, vault, known) -> None:
    client = app.test_client()
    log_in_as(client, make, vault, Role.STEERING)
    response = client.get("/matchning/rattvisa.xlsx", query_string={"kvartal": "alla"})
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    import sqlalchemy as sa

    from models import AuditEvent  # every export is logged (docs/security.md), this one was not

    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                     .where(AuditEvent.action == "fairness_exported")) == 1
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Målgrupp", "Kön", "Åldersgrupp"]
    rows = list(book["Målgrupp"].iter_rows(values_only=True))
    assert rows[0][0] == "Grupp"
    newcomers = next(r for r in rows if r[0] == "Utrikes födda, nya i Sverige")
    assert newcomers[1] == pytest.approx(38.5)  # share of the pool, %
    long_term = next(r for r in rows if r[0] == "Långt från arbetslivet")
    assert set(long_term[1:]) == {"för få"}


def test_officers_and_employers_cannot_see_the_audit(app, make, vault, db) -> None:
    for role in (Role.WELFARE_OFFICER, Role.EMPLOYER):
        client = app.test_client()
        log_in_as(client, make, vault, role)
        assert client.get("/matchning/rattvisa").status_code == 403
        assert client.get("/matchning/rattvisa.xlsx").status_code == 403
