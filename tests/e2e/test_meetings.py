"""Network meetings in a real browser: the project leader's pages and the steering group's
outcomes have no serious accessibility problem, and a company signs up on the public form (with
its CSRF token) and gets its place, then the next one the waiting list."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models import NetworkMeeting, clock
from models.operations import meetings as meeting_ops
from tests.factories import org_number

from .conftest import PROJECT_LEADER, STEERING, LiveServer, Pages, expect, serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def meetings(live: LiveServer) -> tuple[int, int]:
    """The demo's past meeting, and an upcoming one with an open sign-up of one place."""
    start = clock.local_datetime(clock.local_today() + dt.timedelta(days=20), dt.time(9, 0))
    with live.session() as session:
        past = session.scalar(sa.select(NetworkMeeting.id))
        upcoming = meeting_ops.create_meeting(session, meeting_ops.MeetingData(
            kind="dialogue", title="Dialogträff i webbläsaren", starts_at=start, ends_at=start + dt.timedelta(hours=2),
            place="Malmö Live", capacity=3, quotas={"city": 1, "organisation": 1, "open": 1}))
        session.commit()
        return past, upcoming.id


def _check(page, paths: list[str]) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path} answered {response.status}"
        expect(page.locator("h1")).to_have_count(1)
        problems += [f"{path}: {v}" for v in serious_violations(page)]
    return problems


def test_meeting_pages_have_no_serious_problem(pages: Pages, meetings: tuple[int, int]) -> None:
    past, upcoming = meetings
    leader = pages.as_user(PROJECT_LEADER)
    problems = _check(leader, [
        "/natverksmoten", "/natverksmoten?visa=past", f"/natverksmoten/{past}", f"/natverksmoten/{upcoming}",
        "/natverksmoten/nytt", f"/natverksmoten/{past}/andra", "/natverksmoten/resultat",
        f"/natverksmoten/{past}/urval?industry=&size_micro=40&size_small=30&size_medium=20&size_large=10",
    ])
    problems += _check(pages.as_user(STEERING), ["/natverksmoten/resultat"])
    problems += _check(pages.new(), [f"/moten/{upcoming}/anmalan"])
    assert not problems, "\n".join(problems)


def test_a_company_signs_up_on_the_public_form(pages: Pages, meetings: tuple[int, int]) -> None:
    _past, upcoming = meetings
    for n, expected in ((1, "har en plats"), (2, "nummer 1 på väntelistan")):
        page = pages.new()
        page.goto(f"/moten/{upcoming}/anmalan")
        page.get_by_label("Företagets namn").fill(f"Webbföretag {n} AB")
        page.get_by_label("Organisationsnummer").fill(org_number(7700 + n))
        page.get_by_label("Bransch").fill("Handel")
        page.get_by_label("E-post").fill(f"webb{n}@foretag.example")
        page.get_by_label("Kvinna").check()
        page.get_by_role("button", name="Anmäl företaget").click()
        expect(page.locator("main")).to_contain_text(expected)
