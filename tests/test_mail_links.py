"""Every address a mail, a calendar or a signed link carries is built on the one configured
PUBLIC_BASE_URL, whatever host the request came in on (issue #23, item 10)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import OutboxMessage, Referral, clock
from models.enums import ReferralStatus, Role
from models.operations.visits import is_working_day

from .test_candidates_referral import referral_data

BASE = "https://jobbskuggning.example"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def public_base(app):
    before = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = BASE
    yield BASE
    app.config["PUBLIC_BASE_URL"] = before


def _links(db) -> list[str]:
    bodies = [m.body_text for m in db.scalars(sa.select(OutboxMessage))]
    return [link for body in bodies for link in re.findall(r"https?://[^\s\"'<>]+", body)]


def test_the_referral_mail_and_the_employer_s_link_use_the_same_configured_host(
    client, auth, db, make, public_base
) -> None:
    """The requests come in on the test client's host (localhost); the mails must not care."""
    auth.login(Role.WELFARE_OFFICER)
    assert client.post("/kandidater/remisser/ny", data=referral_data()).status_code == 302
    auth.logout()
    auth.login(Role.PROJECT_LEADER)
    referral = db.scalars(sa.select(Referral)).one()
    client.post(f"/kandidater/remisser/{referral.id}/anta-och-aktivera")
    db.expire_all()
    assert referral.status == ReferralStatus.ACTIVE
    offer = make.offer(capacity_per_day=1)
    db.commit()
    day = clock.local_today() + dt.timedelta(days=21)
    # a working day the participant can come (the referral says Monday, Tuesday, Thursday)
    while not is_working_day(day) or day.weekday() not in (0, 1, 3):
        day += dt.timedelta(days=1)
    form = {"candidate": referral.candidate_id, "offer": offer.id, "day": day.isoformat(), "start": "08:00",
            "end": "12:00"}  # the referral's participant can come in the mornings
    assert client.post("/besok/nytt", data=form).status_code == 302
    kinds = {m.kind for m in db.scalars(sa.select(OutboxMessage))}
    assert {"referral_active", "visit_proposed"} <= kinds, kinds
    links = _links(db)
    assert len(links) >= 2 and all(link.startswith(BASE + "/") for link in links), links


def test_no_mail_builds_an_address_on_the_request_s_host() -> None:
    """`url_for(..., _external=True)` takes the Host header: only the API's Location headers,
    which answer the caller on the host it used, may use it."""
    offenders = []
    for path in sorted((ROOT / "web").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith("web/api/"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "test_request_context(base_url=" in line:  # a command line's stand-in request
                continue
            if "_external=True" in line or 'config["PUBLIC_BASE_URL"]' in line and name != "web/links.py":
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, "build addresses with links.public_url:\n" + "\n".join(offenders)
