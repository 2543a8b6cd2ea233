"""The network's quarterly capacity: offered places against booked and completed visits, per
company, network and field, and whether the offers can carry the rest of the 350 goal."""

from __future__ import annotations

import datetime as dt

import pytest

from models import clock
from models.enums import CompanyStatus, Network, VisitStatus
from models.operations import companies as ops

Q2 = ops.Quarter(2026, 2)


@pytest.fixture
def network(make, db):
    """A known network: three companies, five offers, visits inside and outside 2026 Q2."""
    a = make.company(name="Alfa AB", network=Network.HIF_SPONSOR)
    b = make.company(name="Beta AB", network=Network.TH_NETWORK)
    c = make.company(name="Gamma AB", network=Network.BOTH, status=CompanyStatus.PAUSED)
    a1 = make.offer(a, field="hospitality", capacity_per_quarter=5)
    a2 = make.offer(a, field="transport", capacity_per_quarter=3, active=False)
    b1 = make.offer(b, field="hospitality", capacity_per_quarter=4)
    b2 = make.offer(b, field="it", capacity_per_quarter=2)
    c1 = make.offer(c, field="it", capacity_per_quarter=10)
    day = dt.date(2026, 4, 15)
    for offer, status, when in [
        (a1, VisitStatus.PROPOSED, day),
        (a1, VisitStatus.ACCEPTED, day),
        (a1, VisitStatus.COMPLETED, dt.date(2026, 4, 1)),  # first day of the quarter
        (a1, VisitStatus.COMPLETED, dt.date(2026, 6, 30)),  # last day of the quarter
        (a1, VisitStatus.CANCELLED, day),
        (a1, VisitStatus.DECLINED, day),
        (a2, VisitStatus.CONFIRMED, day),  # a paused offer's booked visit still takes a place
        (b1, VisitStatus.CONFIRMED, day),
        (b2, VisitStatus.NO_SHOW, day),
        (b2, VisitStatus.COMPLETED, day),
        (c1, VisitStatus.COMPLETED, day),
        (a1, VisitStatus.COMPLETED, dt.date(2026, 3, 31)),  # the quarter before
        (b1, VisitStatus.PROPOSED, dt.date(2026, 7, 1)),  # the quarter after
    ]:
        make.visit(offer=offer, status=status, day=when)
    db.commit()
    return {"a": a, "b": b, "c": c}


def _table(rows: list[ops.CapacityRow]) -> dict[str, tuple[int, int, int]]:
    return {r.label: (r.offered, r.booked, r.completed) for r in rows}


def test_capacity_per_company_network_and_field(db, network) -> None:
    report = ops.network_capacity(db, Q2)
    assert _table(report.by_company) == {"Alfa AB": (5, 3, 2), "Beta AB": (6, 1, 1), "Gamma AB": (0, 0, 1)}
    assert [r.key for r in report.by_company] == [str(network[k].id) for k in "abc"]
    assert _table(report.by_network) == {"hif_sponsor": (5, 3, 2), "th_network": (6, 1, 1), "both": (0, 0, 1)}
    assert _table(report.by_field) == {"hospitality": (9, 3, 2), "transport": (0, 1, 0), "it": (2, 0, 2)}
    assert [r.key for r in report.by_field] == ["it", "hospitality", "transport"]  # the DOMAIN.md order
    assert (report.total.offered, report.total.booked, report.total.completed, report.total.free) == (11, 4, 4, 3)
    assert report.outlook is None  # no programme


def test_capacity_rows_know_free_places_and_overbooking() -> None:
    assert ops.CapacityRow("1", "x", offered=5, booked=2, completed=1).free == 2
    over = ops.CapacityRow("1", "x", offered=1, booked=2, completed=0)
    assert over.free == 0 and over.over


def test_outlook_compares_offered_places_with_what_is_left_of_the_goal(db, make, network) -> None:
    make.programme(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2027, 12, 31))
    db.commit()
    unknown = ops.network_capacity(db, Q2).outlook
    assert (unknown.target, unknown.quarters_left, unknown.remaining, unknown.needed_per_quarter) == (350, 7, 350, 50)
    assert unknown.offered_per_quarter == 11 and not unknown.can_carry

    reached = ops.network_capacity(db, Q2, reached=300).outlook
    assert (reached.remaining, reached.needed_per_quarter, reached.can_carry) == (50, 8, True)
    assert ops.network_capacity(db, Q2, reached=400).outlook.remaining == 0


def test_an_empty_network_has_zero_capacity(db) -> None:
    report = ops.network_capacity(db, Q2)
    assert report.by_company == [] and report.total.offered == 0 and report.total.free == 0


def test_quarters() -> None:
    assert ops.Quarter.of(dt.date(2026, 3, 31)) == ops.Quarter(2026, 1)
    assert ops.Quarter.of(dt.date(2026, 4, 1)).code == "2026-Q2"
    assert (Q2.start, Q2.end) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert ops.Quarter(2026, 4).end == dt.date(2026, 12, 31)
    assert ops.Quarter(2026, 4).next() == ops.Quarter(2027, 1)
    assert ops.Quarter(2026, 1).previous() == ops.Quarter(2025, 4)
    assert ops.Quarter.parse("2026-q3") == ops.Quarter(2026, 3)
    for bad in ("2026-Q5", "2026", "", "Q1-2026"):
        with pytest.raises(ValueError):
            ops.Quarter.parse(bad)


def test_capacity_page_shows_the_quarter_and_the_outlook(client, auth, make, db, network) -> None:
    make.programme(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2027, 12, 31))
    db.commit()
    auth.login("project_leader")
    page = client.get("/foretag/kapacitet?kvartal=2026-Q2").get_data(as_text=True)
    assert "kvartal 2 2026" in page
    assert "Alfa AB" in page and "Gamma AB" in page and "Tillväxt Helsingborgs nätverk" in page
    assert "Räcker inte" in page and "39" in page  # 50 needed per quarter, 11 offered
    assert '<option selected value="2026-Q2">' in page


def test_capacity_page_takes_persons_reached_from_the_quarterly_report(client, auth, make, db) -> None:
    make.programme(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2027, 12, 31))
    offer = make.offer(capacity_per_quarter=60)
    make.visit(offer=offer, status=VisitStatus.COMPLETED, day=dt.date(2026, 2, 10), actual_hours=6)
    make.visit(offer=offer, status=VisitStatus.COMPLETED, day=dt.date(2026, 2, 11), actual_hours=3)  # too short
    db.commit()
    auth.login("project_leader")
    page = client.get("/foretag/kapacitet?kvartal=2026-Q2").get_data(as_text=True)
    assert "Före kvartalet har 1 räknats in, så 349 återstår." in page
    assert "I snitt behövs 50 nya personer per kvartal" in page  # ceil(349 / 7)
    assert "Räcker" in page and "Räcker inte" not in page


def test_capacity_page_falls_back_to_the_current_quarter(client, auth) -> None:
    auth.login("admin")
    response = client.get("/foretag/kapacitet?kvartal=nonsense")
    assert response.status_code == 200
    current = ops.Quarter.of(clock.local_today())
    assert f"kvartal {current.number} {current.year}" in response.get_data(as_text=True)
    assert "Inget program" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["employer", "steering", "welfare_officer"])
def test_capacity_page_is_for_project_leaders_and_admins(client, auth, role: str) -> None:
    auth.login(role)
    assert client.get("/foretag/kapacitet").status_code == 403


def test_project_leader_start_page_shows_this_quarters_capacity(client, auth, make, db) -> None:
    make.offer(capacity_per_quarter=7)
    make.visit(status=VisitStatus.CONFIRMED, day=clock.local_today())
    db.commit()
    auth.login("project_leader")
    page = client.get("/").get_data(as_text=True)
    current = ops.Quarter.of(clock.local_today())
    assert f"Nätverkets kapacitet, kvartal {current.number}" in page
    assert "<dt>Erbjudna platser</dt><dd>12</dd>" in page  # 7 + the visit's own offer (5)
    assert "<dt>Bokade besök</dt><dd>1</dd>" in page
