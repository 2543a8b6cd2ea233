"""Programme settings: the admin sets period, budget, parties, funding, goals and quarterly
milestones; bad input gives field errors and saves nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from models import Funding, Milestone, Organisation, Programme
from models.enums import GoalKind, OrganisationKind
from models.operations.programme import linear_target, programme_quarters
from models.operations.reports import quarterly_report


@pytest.fixture
def partners(make):
    return {
        "TH": make.organisation(name="Tillväxt Helsingborg", short_name="TH", kind=OrganisationKind.FOUNDATION),
        "HIF": make.organisation(name="Helsingborgs IF", short_name="HIF", kind=OrganisationKind.CLUB),
        "AMF": make.organisation(
            name="Arbetsmarknadsförvaltningen", short_name="AMF", kind=OrganisationKind.MUNICIPALITY
        ),
    }


def settings(partners, **overrides) -> dict[str, object]:
    data = {
        "name": "IOP Jobbskuggning",
        "description": "Idéburet offentligt partnerskap.",
        "starts_on": "2020-01-01",
        "ends_on": "2022-12-31",
        "yearly_budget_sek": "1241000",
        "parties": [str(o.id) for o in partners.values()],
        f"funding_{partners['HIF'].id}": "241000",
        f"funding_{partners['AMF'].id}": "1000000",
        "goal_persons_workplace_visit": "350",
        "goal_stadium_visit": "120",
        "goal_match_host_shadowing": "60",
        "goal_association_activity": "",
        "goal_wellness": "100",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["project_leader", "steering", "welfare_officer", "employer"])
def test_only_admins_manage_the_programme(client, auth, role) -> None:
    auth.login(role)
    assert client.get("/program/").status_code == 403
    assert client.post("/program/nytt", data={}).status_code == 403


def test_admin_sets_up_the_programme(client, auth, db, partners) -> None:
    auth.login("admin")
    response = client.post("/program/nytt", data=settings(partners))
    assert response.status_code == 302
    programme = db.scalars(sa.select(Programme)).one()
    assert (programme.name, programme.starts_on, programme.ends_on) == (
        "IOP Jobbskuggning", dt.date(2020, 1, 1), dt.date(2022, 12, 31),
    )
    assert programme.yearly_budget_sek == 1_241_000
    assert {o.short_name for o in programme.parties} == {"TH", "HIF", "AMF"}
    assert {(f.organisation.short_name, f.yearly_amount_sek) for f in programme.funding} == {
        ("HIF", 241_000), ("AMF", 1_000_000),
    }
    assert {g.kind: g.target for g in programme.goals} == {
        GoalKind.PERSONS_WORKPLACE_VISIT: 350, GoalKind.STADIUM_VISIT: 120,
        GoalKind.MATCH_HOST_SHADOWING: 60, GoalKind.WELLNESS: 100,
    }
    page = client.get(f"/program/{programme.id}").get_data(as_text=True)
    assert 'value="1241000"' in page and "Kvartalsmål" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_on": "2019-12-31"}, "ends_on", "Perioden måste sluta efter att den börjar."),
        ({"ends_on": "2020-01-01"}, "ends_on", "Perioden måste sluta efter att den börjar."),
        ({"goal_persons_workplace_visit": "0"}, "goal_persons_workplace_visit", "Ett mål måste vara större än 0."),
        ({"goal_wellness": "-5"}, "goal_wellness", "Ett mål måste vara större än 0."),
        ({"goal_persons_workplace_visit": ""}, "goal_persons_workplace_visit", "Ange huvudmålet"),
        ({"yearly_budget_sek": "-1"}, "yearly_budget_sek", "0 eller mer"),
    ],
)
def test_bad_settings_are_field_errors_and_nothing_is_saved(client, auth, db, partners, overrides, field, message):
    auth.login("admin")
    response = client.post("/program/nytt", data=settings(partners, **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="{field}-error"' in html
    assert re.search(rf'aria-describedby="[^"]*{field}-error"', html)
    assert db.scalar(sa.select(sa.func.count()).select_from(Programme)) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(Funding)) == 0


def test_a_refused_edit_leaves_the_programme_as_it_was(client, auth, db, partners) -> None:
    auth.login("admin")
    client.post("/program/nytt", data=settings(partners))
    programme = db.scalars(sa.select(Programme)).one()
    response = client.post(
        f"/program/{programme.id}", data=settings(partners, name="Nytt namn", goal_stadium_visit="0")
    )
    assert response.status_code == 422
    db.refresh(programme)
    assert programme.name == "IOP Jobbskuggning" and programme.goal(GoalKind.STADIUM_VISIT).target == 120
    ok = client.post(f"/program/{programme.id}", data=settings(partners, goal_stadium_visit="", ends_on="2023-12-31"))
    assert ok.status_code == 302
    db.refresh(programme)
    assert programme.goal(GoalKind.STADIUM_VISIT) is None and programme.ends_on == dt.date(2023, 12, 31)


def test_milestones_are_linear_until_edited_and_feed_the_report(client, auth, db, partners) -> None:
    auth.login("admin")
    client.post("/program/nytt", data=settings(partners))
    programme = db.scalars(sa.select(Programme)).one()
    url = f"/program/{programme.id}/kvartalsmal/persons_workplace_visit"
    page = client.get(url).get_data(as_text=True)
    assert "2020-Q1" in page and "2022-Q4" in page and ">29<" in page  # 350 / 12 = 29.2
    assert client.post(url, data={"q_20200401": "40"}).status_code == 302
    report = quarterly_report(db, programme, today=dt.date(2020, 8, 1))
    assert [q.target_to_date for q in report.quarters[:3]] == [29, 40, 88]

    # A target to date cannot go down from one quarter to the next; nothing is saved then.
    response = client.post(url, data={"q_20200401": "40", "q_20200701": "30"})
    assert response.status_code == 422
    assert "lägre än målet till och med 2020-Q2" in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Milestone)) == 1
    assert client.post(url, data={"q_20200401": "-1"}).status_code == 422

    assert client.post(url, data={"q_20200401": ""}).status_code == 302  # blank: linear again
    assert db.scalar(sa.select(sa.func.count()).select_from(Milestone)) == 0
    assert client.get(f"/program/{programme.id}/kvartalsmal/nonsense").status_code == 404


@pytest.mark.now("2020-01-02T09:00:00+01:00")  # before any quarter has ended: nothing is frozen
def test_shortening_the_period_drops_milestones_outside_it(client, auth, db, partners) -> None:
    auth.login("admin")
    client.post("/program/nytt", data=settings(partners))
    programme = db.scalars(sa.select(Programme)).one()
    client.post(f"/program/{programme.id}/kvartalsmal/persons_workplace_visit", data={"q_20221001": "350"})
    client.post(f"/program/{programme.id}", data=settings(partners, ends_on="2021-12-31"))
    assert db.scalar(sa.select(sa.func.count()).select_from(Milestone)) == 0


def test_linear_targets_round_half_up_and_quarters_follow_the_calendar() -> None:
    assert [linear_target(350, i, 12) for i in range(1, 13)] == [
        29, 58, 88, 117, 146, 175, 204, 233, 263, 292, 321, 350,
    ]
    assert linear_target(5, 1, 2) == 3
    quarters = programme_quarters(dt.date(2020, 2, 15), dt.date(2020, 7, 10))
    assert [(q.label, q.start, q.end) for q in quarters] == [
        ("2020-Q1", dt.date(2020, 2, 15), dt.date(2020, 3, 31)),
        ("2020-Q2", dt.date(2020, 4, 1), dt.date(2020, 6, 30)),
        ("2020-Q3", dt.date(2020, 7, 1), dt.date(2020, 7, 10)),
    ]


def test_admin_start_page_links_to_the_settings(client, auth, db, make) -> None:
    programme = make.programme()
    db.commit()
    auth.login("admin")
    html = client.get("/").get_data(as_text=True)
    assert f"/program/{programme.id}" in html and "Ändra period, budget och mål" in html


def test_partner_organisations_are_the_funding_choices(client, auth, db, partners, make) -> None:
    make.organisation(name="AMF Försörjningsstöd Norr", short_name="AMF-N", kind=OrganisationKind.WELFARE_UNIT)
    db.commit()
    auth.login("admin")
    page = client.get("/program/nytt").get_data(as_text=True)
    assert "Finansiering från Helsingborgs IF (kr per år)" in page
    assert "AMF Försörjningsstöd Norr" not in page
    assert db.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 4
