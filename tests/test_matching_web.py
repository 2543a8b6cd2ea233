"""Matching as the project leader uses it in the browser: ranked candidates with reasons on the
offer page, proposing from the list (and the exposure log noting it), offers on the candidate
page, and planning a quarter into proposals."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from models import Candidate, Exposure, OutboxMessage, Visit, clock
from models.enums import ReferralStatus, Role, TargetGroup, VisitStatus
from models.operations import matching as ops
from models.operations import visits as visit_ops
from models.operations.visits import swedish_holiday


@pytest.fixture(autouse=True)
def _fresh_model_cache(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MODEL_DIR", str(tmp_path / "models"))
    yield
    app.extensions.pop("ranker_cache", None)


def _working_monday(days_ahead: int) -> dt.date:
    day = clock.local_today() + dt.timedelta(days=days_ahead)
    day += dt.timedelta(days=(7 - day.weekday()) % 7)
    while swedish_holiday(day):
        day += dt.timedelta(days=7)
    return day


def _exposures(db) -> list[Exposure]:
    db.expire_all()
    return list(db.scalars(sa.select(Exposure).order_by(Exposure.id)))


def _links(page: str, path: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'href="({re.escape(path)}[^"]*)"', page)]


@pytest.fixture
def hospitality(make, db):
    """An offer in hospitality and three candidates who fit it well, less well and not at all."""
    offer = make.offer(field="hospitality", min_swedish_level=3)
    best = make.candidate(first_name="Bästa", interests=["hospitality"], swedish_level=5)
    good = make.candidate(first_name="Näst", interests=["hospitality"], swedish_level=2)
    other = make.candidate(first_name="Tredje", interests=["transport"], swedish_level=1)
    db.commit()
    return {"offer": offer, "best": best, "good": good, "other": other}


def test_project_leader_sees_ranked_candidates_with_reasons_on_the_offer_page(client, auth, db, hospitality) -> None:
    user = auth.login(Role.PROJECT_LEADER)
    offer = hospitality["offer"]
    page = client.get(f"/foretag/erbjudanden/{offer.id}").get_data(as_text=True)
    assert "Föreslagna kandidater" in page
    assert page.index("Bästa") < page.index("Näst") < page.index("Tredje")
    assert "Intresse: Hotell, restaurang, storhushåll" in page  # a reason, in Swedish
    assert "Svenska C1 (krav B1)" in page
    assert "mycket god" in page and "möjlig" in page  # bands, not bare numbers
    assert "Ingen tränad modell är aktiv – förslagen bygger på innehållsmatchning" in page

    [exposure] = _exposures(db)
    assert (exposure.user_id, exposure.context, exposure.context_id, exposure.model_id) == (
        user.id, "offer", offer.id, None)
    assert [entry[0] for entry in exposure.ranked] == [hospitality[k].id for k in ("best", "good", "other")]
    assert exposure.ranked[0][1] > exposure.ranked[2][1] and exposure.proposed_ids == []
    links = _links(page, "/besok/nytt")
    assert f"/besok/nytt?candidate={hospitality['best'].id}&offer={offer.id}&exposure={exposure.id}" in links


def test_the_exposure_log_keeps_the_top_twenty(client, auth, db, make) -> None:
    offer = make.offer()
    for _ in range(25):
        make.candidate()
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    page = client.get(f"/matchning/erbjudanden/{offer.id}/rekommendationer").get_data(as_text=True)
    assert "25 kandidater kunde föreslås" in page
    [exposure] = _exposures(db)
    assert len(exposure.ranked) == ops.EXPOSURE_TOP == 20
    assert page.count("Föreslå besök<span") == 20


def test_each_view_of_a_list_links_to_its_own_exposure(client, auth, db, hospitality) -> None:
    # Every view is logged, and its proposal links name that view's own exposure row.
    auth.login(Role.PROJECT_LEADER)
    offer, best = hospitality["offer"], hospitality["best"]
    url = f"/matchning/erbjudanden/{offer.id}/rekommendationer"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url).get_data(as_text=True)
    one, two = _exposures(db)
    for page, exposure in ((first, one), (second, two)):
        assert f"/besok/nytt?candidate={best.id}&offer={offer.id}&exposure={exposure.id}" in _links(page, "/besok/nytt")

    best.first_name = "Bäste"  # a change to a shown person: the list is drawn again
    db.commit()
    third = client.get(url).get_data(as_text=True)
    assert "Bäste" in third and _exposures(db)[-1].id != two.id


def test_proposing_from_the_list_books_and_is_noted_on_the_list(client, auth, db, hospitality) -> None:
    auth.login(Role.PROJECT_LEADER)
    offer, best = hospitality["offer"], hospitality["best"]
    page = client.get(f"/foretag/erbjudanden/{offer.id}").get_data(as_text=True)
    booking = next(link for link in _links(page, "/besok/nytt") if f"candidate={best.id}&" in link)
    form = client.get(booking).get_data(as_text=True)
    assert f'<option selected value="{best.id}">' in form and f'<option selected value="{offer.id}">' in form

    day = _working_monday(21)
    response = client.post(booking, data={"candidate": best.id, "offer": offer.id, "day": day.isoformat(),
                                          "start": "09:00", "end": "15:00"})
    assert response.status_code == 302
    visit = db.scalar(sa.select(Visit).where(Visit.candidate_id == best.id))
    assert visit.status == VisitStatus.PROPOSED and visit.offer_id == offer.id
    [exposure] = _exposures(db)
    assert exposure.proposed_ids == [best.id]


def test_a_refused_booking_from_the_list_notes_nothing(client, auth, db, hospitality) -> None:
    auth.login(Role.PROJECT_LEADER)
    offer, best = hospitality["offer"], hospitality["best"]
    page = client.get(f"/foretag/erbjudanden/{offer.id}").get_data(as_text=True)
    booking = next(link for link in _links(page, "/besok/nytt") if f"candidate={best.id}&" in link)
    past = clock.local_today() - dt.timedelta(days=7)
    response = client.post(booking, data={"candidate": best.id, "offer": offer.id, "day": past.isoformat(),
                                          "start": "09:00", "end": "15:00"})
    assert response.status_code == 422
    assert db.scalar(sa.select(Visit).where(Visit.candidate_id == best.id)) is None
    [exposure] = _exposures(db)
    assert exposure.proposed_ids == []


def test_the_list_is_noted_in_the_bookings_own_transaction(db, make, hospitality) -> None:
    leader, other_leader = make.user(Role.PROJECT_LEADER), make.user(Role.PROJECT_LEADER)
    offer, best = hospitality["offer"], hospitality["best"]
    shown = ops.recommend_for_offer(db, offer)
    mine = ops.record_exposure(db, user_id=leader.id, context="offer", context_id=offer.id, shown=shown)
    theirs = ops.record_exposure(db, user_id=other_leader.id, context="offer", context_id=offer.id, shown=shown)
    db.commit()
    start = clock.local_datetime(_working_monday(21), dt.time(9))
    end = start + dt.timedelta(hours=6)

    visit_ops.book_visit(db, offer, best, start, end, by=leader, from_list=mine.id)
    db.rollback()  # the booking is undone: so is the note
    assert [e.proposed_ids for e in _exposures(db)] == [[], []]

    visit_ops.book_visit(db, offer, best, start, end, by=leader, from_list=theirs.id)  # another user's list
    db.rollback()
    assert [e.proposed_ids for e in _exposures(db)] == [[], []]

    visit_ops.book_visit(db, offer, best, start, end, by=leader, from_list=mine.id)
    db.commit()
    assert [e.proposed_ids for e in _exposures(db)] == [[best.id], []]


def test_a_booking_not_from_a_list_leaves_the_log_alone(client, auth, db, hospitality) -> None:
    auth.login(Role.PROJECT_LEADER)
    offer, good = hospitality["offer"], hospitality["good"]
    client.get(f"/foretag/erbjudanden/{offer.id}")
    day = _working_monday(21)
    response = client.post("/besok/nytt", data={"candidate": good.id, "offer": offer.id, "day": day.isoformat(),
                                                "start": "09:00", "end": "15:00"})
    assert response.status_code == 302
    [exposure] = _exposures(db)
    assert exposure.proposed_ids == []
    # Once proposed, the candidate is no longer recommended for that offer.
    client.get(f"/foretag/erbjudanden/{offer.id}")
    assert good.id not in [entry[0] for entry in _exposures(db)[-1].ranked]


def test_candidate_page_lists_offers_and_proposing_is_noted(client, auth, db, make) -> None:
    candidate = make.candidate(first_name="Sara", interests=["it"])
    it_job = make.offer(make.company(name="Datorbolaget AB"), field="it", title="IT-support")
    kitchen = make.offer(make.company(name="Köket AB"), field="hospitality", title="Kök")
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    page = client.get(f"/kandidater/{candidate.id}").get_data(as_text=True)
    assert "Föreslagna erbjudanden" in page
    assert page.index("Datorbolaget AB – IT-support") < page.index("Köket AB – Kök")
    assert "Intresse: Data/IT" in page
    [exposure] = _exposures(db)
    assert exposure.context == "candidate" and [e[0] for e in exposure.ranked] == [it_job.id, kitchen.id]
    booking = next(link for link in _links(page, "/besok/nytt") if f"offer={it_job.id}&" in link)
    day = _working_monday(28)
    response = client.post(booking, data={"candidate": candidate.id, "offer": it_job.id, "day": day.isoformat(),
                                          "start": "08:00", "end": "14:00"})
    assert response.status_code == 302
    assert _exposures(db)[0].proposed_ids == [it_job.id]


def test_officer_sees_no_recommendations_on_own_clients_page(client, auth, db, make) -> None:
    officer = make.user(Role.WELFARE_OFFICER)
    candidate = make.candidate(referred_by=officer)
    make.offer()
    db.commit()
    auth.login(officer)
    page = client.get(f"/kandidater/{candidate.id}")
    assert page.status_code == 200 and "Föreslagna erbjudanden" not in page.get_data(as_text=True)
    assert client.get(f"/matchning/kandidater/{candidate.id}/rekommendationer").status_code == 403
    assert _exposures(db) == []


def test_lists_say_plainly_when_nobody_or_nothing_fits(client, auth, db, make) -> None:
    offer = make.offer()
    closed = make.candidate(status=ReferralStatus.CLOSED)
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    offer_page = client.get(f"/foretag/erbjudanden/{offer.id}")
    assert offer_page.status_code == 200
    assert "Ingen kandidat kan föreslås" in offer_page.get_data(as_text=True)
    full_list = client.get(f"/matchning/kandidater/{closed.id}/rekommendationer")
    text = full_list.get_data(as_text=True)
    assert full_list.status_code == 200 and "Deltagaren kan inte få förslag just nu." in text
    assert "ingen antagen eller aktiv remiss" in text
    assert _exposures(db) == []  # an empty list is not an exposure


def test_filters_on_the_full_list(client, auth, db, make) -> None:
    offer = make.offer()
    make.candidate(first_name="Noor", area="Söder", languages=["ar"])
    make.candidate(first_name="Olle", area="Norr", languages=["sv"])
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    url = f"/matchning/erbjudanden/{offer.id}/rekommendationer"
    assert "Olle" not in client.get(url, query_string={"area": "Söder"}).get_data(as_text=True)
    page = client.get(url, query_string={"language": "sv", "q": "olle"}).get_data(as_text=True)
    assert "Olle" in page and "Noor" not in page


# --- the quarterly planner ------------------------------------------------------------------------
@pytest.fixture
def next_quarter(make, db):
    """Next quarter: offer A has two places (one a day), B one, C is already full; six candidates
    can go, a seventh already has a visit that quarter."""
    quarter = ops.Quarter.of(clock.local_today()).next()
    a = make.offer(make.company(name="Alfa AB"), title="Alfa", capacity_per_day=1, capacity_per_quarter=2)
    b = make.offer(make.company(name="Beta AB"), title="Beta", weekdays=["wed"], capacity_per_quarter=1)
    c = make.offer(make.company(name="Gamma AB"), title="Gamma", capacity_per_quarter=1)
    groups = [TargetGroup.YOUTH, TargetGroup.NEWCOMER, TargetGroup.LONG_TERM] * 2
    people = [make.candidate(target_group=g, first_name=f"Person{i}") for i, g in enumerate(groups)]
    booked = make.candidate(first_name="Bokad")
    first_monday = quarter.start + dt.timedelta(days=(7 - quarter.start.weekday()) % 7 + 14)
    make.visit(booked, c, day=first_monday, status=VisitStatus.CONFIRMED)
    db.commit()
    return {"quarter": quarter, "a": a, "b": b, "c": c, "people": people, "booked": booked}


def test_plan_stays_within_capacity_with_one_visit_per_candidate(db, next_quarter) -> None:
    quarter = next_quarter["quarter"]
    plan = ops.plan_quarter(db, quarter)
    by_offer = {}
    for row in plan.rows:
        by_offer.setdefault(row.offer_id, []).append(row)
    assert len(by_offer.get(next_quarter["a"].id, [])) == 2
    assert len(by_offer.get(next_quarter["b"].id, [])) == 1
    assert next_quarter["c"].id not in by_offer  # full
    planned = [row.candidate_id for row in plan.rows]
    assert len(planned) == len(set(planned)) == 3
    assert next_quarter["booked"].id not in planned
    assert (plan.candidates, plan.places) == (6, 3)
    for row in plan.rows:
        offer = next_quarter["a"] if row.offer_id == next_quarter["a"].id else next_quarter["b"]
        assert quarter.start <= row.day <= quarter.end and swedish_holiday(row.day) is None
        assert ops.WEEKDAYS[row.day.weekday()] in offer.weekdays
        assert row.end - row.start == dt.timedelta(hours=6)
    assert len({row.day for row in by_offer[next_quarter["a"].id]}) == 2  # one place a day
    assert plan.new_persons == 3 and plan.expected_successes is None  # content score: no probabilities


def test_plan_counts_only_people_new_to_the_goal(db, make, next_quarter) -> None:
    veteran = next_quarter["people"][0]
    make.visit(veteran, next_quarter["c"], day=clock.local_today() - dt.timedelta(days=30),
               status=VisitStatus.COMPLETED,
               actual_hours=5)
    db.commit()
    plan = ops.plan_quarter(db, next_quarter["quarter"])
    assert plan.new_persons == sum(1 for row in plan.rows if row.candidate_id != veteran.id)


def test_a_quarter_without_places_or_already_over_says_so(client, auth, db, make, next_quarter) -> None:
    past = ops.plan_quarter(db, ops.Quarter.of(clock.local_today()).previous())
    assert past.rows == [] and "redan passerat" in past.empty
    for offer in (next_quarter["a"], next_quarter["b"]):
        offer.active = False
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    response = client.get("/matchning/kvartalsplan", query_string={"kvartal": next_quarter["quarter"].code})
    assert response.status_code == 200
    assert "Det finns inga lediga platser i kvartalet" in response.get_data(as_text=True)


def test_planner_page_turns_chosen_rows_into_proposals(client, auth, db, next_quarter) -> None:
    quarter = next_quarter["quarter"]
    auth.login(Role.PROJECT_LEADER)
    page = client.get("/matchning/kvartalsplan", query_string={"kvartal": quarter.code}).get_data(as_text=True)
    assert "Skapa förslag" in page and "Rättvis andel är på" in page
    assert "3 personer i planen har aldrig haft ett besök som räknas" in page
    rows = re.findall(r'name="(rows-\d+)-offer" type="hidden" value="(\d+)"', page)
    assert len(rows) == 3
    first_candidate = re.search(r'name="rows-0-candidate">\s*<option selected value="(\d+)"', page).group(1)

    a, b = next_quarter["a"], next_quarter["b"]
    wednesday = quarter.start + dt.timedelta(days=(2 - quarter.start.weekday()) % 7 + 7)
    while swedish_holiday(wednesday):
        wednesday += dt.timedelta(days=7)
    people = next_quarter["people"]
    swapped = next(p for p in people if str(p.id) != first_candidate)
    form = {
        "quarter": quarter.code,
        # kept, with another candidate swapped in
        "rows-0-keep": "y", "rows-0-offer": str(b.id), "rows-0-candidate": str(swapped.id),
        "rows-0-day": wednesday.isoformat(), "rows-0-start": "09:00",
        # kept, but Alfa does not receive visits on Sundays
        "rows-1-keep": "y", "rows-1-offer": str(a.id), "rows-1-candidate": str(people[1].id),
        "rows-1-day": (wednesday + dt.timedelta(days=4)).isoformat(), "rows-1-start": "09:00",
        # removed
        "rows-2-offer": str(a.id), "rows-2-candidate": str(people[2].id),
        "rows-2-day": wednesday.isoformat(), "rows-2-start": "09:00",
    }
    if swapped.id == people[1].id:
        form["rows-1-candidate"] = str(people[3].id)
    response = client.post("/matchning/kvartalsplan/forslag", data=form)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 förslag skapades" in text and "1 rad gick inte att boka" in text
    assert "Företaget tar emot besök på" in text  # the booking rule's own reason
    visits = db.scalars(sa.select(Visit)).all()
    made = [v for v in visits if v.status == VisitStatus.PROPOSED]
    assert [(v.offer_id, v.candidate_id, v.visit_date) for v in made] == [(b.id, swapped.id, wednesday)]
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                     .where(OutboxMessage.to_addr == b.supervisor_email)) == 1


def test_the_same_candidate_twice_in_a_plan_is_refused(client, auth, db, next_quarter) -> None:
    quarter, a, b = next_quarter["quarter"], next_quarter["a"], next_quarter["b"]
    person = next_quarter["people"][0]
    monday = quarter.start + dt.timedelta(days=(7 - quarter.start.weekday()) % 7 + 7)
    while swedish_holiday(monday) or swedish_holiday(monday + dt.timedelta(days=2)):
        monday += dt.timedelta(days=7)
    auth.login(Role.PROJECT_LEADER)
    response = client.post("/matchning/kvartalsplan/forslag", data={
        "quarter": quarter.code,
        "rows-0-keep": "y", "rows-0-offer": str(a.id), "rows-0-candidate": str(person.id),
        "rows-0-day": monday.isoformat(), "rows-0-start": "09:00",
        "rows-1-keep": "y", "rows-1-offer": str(b.id), "rows-1-candidate": str(person.id),
        "rows-1-day": (monday + dt.timedelta(days=2)).isoformat(), "rows-1-start": "09:00",
    })
    assert "En plan ger varje deltagare ett besök" in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Visit).where(Visit.candidate_id == person.id)) == 1


def _row_cells(page: str, name: str) -> dict[str, str]:
    """The cells of the list row that names `name`, by their column heading, as plain text."""
    table = next(t for t in re.findall(r"<table>.*?</table>", page, re.S) if name in t)
    headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)]
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", table, re.S) if name in r)
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    return {h: html.unescape(re.sub(r"<[^>]+>", " ", c)) for h, c in zip(headings, cells, strict=True)}


def test_shortcomings_are_listed_to_consider_not_as_reasons(client, auth, hospitality) -> None:
    """#23: "Svenska ingen (krav B1)" stood under "Därför" next to "mycket god"."""
    auth.login(Role.PROJECT_LEADER)
    offer, other = hospitality["offer"], hospitality["other"]
    page = client.get(f"/foretag/erbjudanden/{offer.id}").get_data(as_text=True)

    best = _row_cells(page, "Bästa")
    assert "Intresse: Hotell, restaurang, storhushåll" in best["Därför"] and "Svenska C1 (krav B1)" in best["Därför"]
    assert best["Att tänka på"].strip() == "–"
    weak = _row_cells(page, other.first_name)
    assert "Svenska A1 (krav B1)" in weak["Att tänka på"] and "Inget uttalat intresse" in weak["Att tänka på"]
    assert "Svenska" not in weak["Därför"] and "Inget uttalat" not in weak["Därför"]

    candidate_page = client.get(f"/kandidater/{other.id}").get_data(as_text=True)
    offer_row = _row_cells(candidate_page, offer.title)
    assert "Svenska A1 (krav B1)" in offer_row["Att tänka på"] and "Svenska" not in offer_row["Därför"]


def test_reasons_are_shown_in_english(client, auth, db, hospitality) -> None:
    user = auth.login(Role.PROJECT_LEADER)
    user.locale = "en"
    db.commit()
    page = client.get(f"/foretag/erbjudanden/{hospitality['offer'].id}").get_data(as_text=True)

    weak = _row_cells(page, hospitality["other"].first_name)
    assert "Swedish A1 (requires B1)" in weak["To consider"]
    assert "Interest: Hotel, restaurant, catering" in _row_cells(page, "Bästa")["Why"]
    assert "Intresse" not in page and "krav" not in page


def test_the_filters_offer_every_area_and_language_candidates_have_and_no_other(db, make) -> None:
    for area, languages in (("Söder", ["ar", "en"]), ("Norr", ["sv"]), ("Söder", ["so"]), (None, []),
                            ("Centrum", ["ar"]), ("Öster", ["en", "ti"])):
        make.candidate(area=area, languages=languages)
    db.commit()
    areas, languages = ops.candidate_filter_choices(db)
    plain = sorted(a for a in db.scalars(sa.select(Candidate.area).distinct()) if a is not None)
    assert areas == plain and set(areas) == {"Söder", "Norr", "Centrum", "Öster"}
    assert languages == ["ar", "en", "so", "sv", "ti"]
    assert sorted(ops.distinct_values(db, Candidate.area)) == areas  # each once
