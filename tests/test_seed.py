"""The demo seed: a whole synthetic partnership, idempotent, with a login for every role."""

from __future__ import annotations

import sqlalchemy as sa

from models import Candidate, Company, Offer, Programme, SelectionMeeting, User, Visit, clock
from models.demo import DEMO_PASSWORD, seed_demo
from models.enums import GoalKind, Network, Role, TargetGroup, VisitStatus


def _counts(db) -> dict[str, int]:
    return {
        m.__name__: db.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (User, Company, Offer, Candidate, Visit, Programme)
    }


def test_seed_builds_the_partnership_and_is_idempotent(db, vault) -> None:
    first = seed_demo(db, vault, n_candidates=60, n_companies=25, seed=7)
    db.commit()
    assert first.created
    before = _counts(db)
    second = seed_demo(db, vault, n_candidates=60, n_companies=25, seed=7)
    db.commit()
    assert not second.created
    assert _counts(db) == before
    assert set(second.login_emails) == set(first.login_emails)

    roles = {u.role for u in db.scalars(sa.select(User))}
    assert roles == set(Role)
    networks = {c.network for c in db.scalars(sa.select(Company))}
    assert {Network.HIF_SPONSOR, Network.TH_NETWORK} <= networks
    groups = {c.target_group for c in db.scalars(sa.select(Candidate))}
    assert groups == set(TargetGroup)
    programme = db.scalars(sa.select(Programme)).one()
    assert programme.goal(GoalKind.PERSONS_WORKPLACE_VISIT).target == 350
    assert programme.starts_on < clock.local_today() < programme.ends_on
    completed = db.scalar(sa.select(sa.func.count()).where(Visit.status == VisitStatus.COMPLETED))
    assert completed > 10  # history for reports and the ranker
    # a selection meeting decided in one go after consulting AF and AMF (one against an objection)
    decided = db.scalars(sa.select(SelectionMeeting).where(SelectionMeeting.decided_at.is_not(None))).one()
    assert decided.items and all(item.decision is not None for item in decided.items)
    first_item = decided.items[0]
    assert first_item.reason and any(p.stance.value == "object" for p in first_item.referral.positions)
    # identity numbers are stored encrypted and masked, never in clear text
    candidate = db.scalars(sa.select(Candidate)).first()
    assert candidate.pin_masked.endswith("-XXXX")
    assert candidate.pin_encrypted and candidate.pin_masked[:8] not in candidate.pin_encrypted


def test_seed_command_prints_logins_and_they_work(app, runner, client) -> None:
    result = runner.invoke(args=["seed-demo", "--candidates", "30", "--companies", "12"])
    assert result.exit_code == 0, result.output
    assert "projektledare@demo.example" in result.output
    assert DEMO_PASSWORD in result.output
    again = runner.invoke(args=["seed-demo", "--candidates", "30", "--companies", "12"])
    assert "nothing added" in again.output
    for email in ("projektledare@demo.example", "styrgrupp@demo.example", "foretag1@demo.example"):
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout")
