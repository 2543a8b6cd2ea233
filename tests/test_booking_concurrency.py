"""Never a double booking, even when many people click at the same moment.

Twenty threads, each with its own connection and transaction, are released together by a
barrier. Exactly one booking of the last place succeeds and every other gets the clear "full"
answer; exactly one of twenty overlapping bookings of the same participant succeeds. Runs on
SQLite (IMMEDIATE transactions) and on PostgreSQL (row locks + exclusion constraint).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Candidate, Offer, Visit, clock, make_engine
from models.enums import VisitStatus
from models.operations import visits as ops
from models.operations.errors import Conflict
from tests.factories import local_dt
from tests.test_visits_booking import workday

THREADS = 20


@pytest.fixture
def engine(app, database_url):
    engine = make_engine(database_url, pool_size=THREADS, max_overflow=5)
    yield engine
    engine.dispose()


def race(engine, attempts):
    """Run each (offer_id, candidate_id, start, end) in its own thread and transaction, all
    released at once; return the outcomes ("ok", a Conflict code, or the unexpected error)."""
    barrier = threading.Barrier(len(attempts), timeout=30)

    def attempt(args):
        offer_id, candidate_id, start, end = args
        with Session(engine) as session:
            offer = session.get(Offer, offer_id)
            candidate = session.get(Candidate, candidate_id)
            assert offer is not None and offer.company is not None and candidate is not None
            barrier.wait()
            try:
                ops.book_visit(session, offer, candidate, start, end, by=None)
                session.commit()
                return "ok"
            except Conflict as exc:
                session.rollback()
                return exc.code
            except Exception as exc:  # anything else is a failure of the guarantee
                session.rollback()
                return f"unexpected {type(exc).__name__}: {exc}"

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(attempt, attempts))


def test_twenty_bookings_of_the_last_place_one_succeeds(db, make, engine) -> None:
    day = workday(21)
    offer = make.offer(capacity_per_day=3, capacity_per_quarter=30)
    make.visit(offer=offer, day=day, start_hour=8, status=VisitStatus.CONFIRMED)
    make.visit(offer=offer, day=day, start_hour=8, status=VisitStatus.ACCEPTED)
    candidates = [make.candidate() for _ in range(THREADS)]
    db.commit()
    start = local_dt(day, 9)
    outcomes = race(engine, [(offer.id, c.id, start, start + dt.timedelta(hours=6)) for c in candidates])

    assert Counter(outcomes) == {"ok": 1, "full": THREADS - 1}, outcomes
    db.expire_all()
    live = db.scalar(
        sa.select(sa.func.count()).select_from(Visit).where(Visit.offer_id == offer.id, Visit.visit_date == day)
    )
    assert live == 3


def test_twenty_bookings_of_the_last_place_in_the_quarter_one_succeeds(db, make, engine) -> None:
    first_day = workday(21)
    offer = make.offer(capacity_per_day=THREADS, capacity_per_quarter=THREADS)
    days = [first_day]
    while len(days) < THREADS:
        nxt = days[-1] + dt.timedelta(days=1)
        while not ops.is_working_day(nxt):
            nxt += dt.timedelta(days=1)
        days.append(nxt)
    q_start, q_end = clock.quarter_bounds(first_day)
    # Fill the quarter but one place, with visits in the same quarter as the race's day.
    race_day = first_day
    filler_days = [d for d in (q_start + dt.timedelta(days=i) for i in range(92)) if d < q_end]
    for i in range(THREADS - 1):
        make.visit(offer=offer, day=filler_days[i % len(filler_days)], start_hour=8, hours=4,
                   status=VisitStatus.CONFIRMED)
    candidates = [make.candidate() for _ in range(THREADS)]
    db.commit()
    start = local_dt(race_day, 13)
    outcomes = race(engine, [(offer.id, c.id, start, start + dt.timedelta(hours=4)) for c in candidates])
    assert Counter(outcomes) == {"ok": 1, "full": THREADS - 1}, outcomes


def test_twenty_overlapping_bookings_of_one_participant_one_succeeds(db, make, engine) -> None:
    day = workday(21)
    candidate = make.candidate()
    offers = [make.offer(capacity_per_day=5) for _ in range(THREADS)]
    db.commit()
    attempts = []
    for i, offer in enumerate(offers):
        start = local_dt(day, 9, i)  # 09:00, 09:01, ... all overlapping
        attempts.append((offer.id, candidate.id, start, start + dt.timedelta(hours=5)))
    outcomes = race(engine, attempts)

    assert Counter(outcomes) == {"ok": 1, "overlap": THREADS - 1}, outcomes
    db.expire_all()
    assert db.scalar(
        sa.select(sa.func.count()).select_from(Visit).where(Visit.candidate_id == candidate.id)
    ) == 1


def test_concurrent_bookings_through_the_web_give_409_never_500(app, db, make) -> None:
    """The same race through the real booking page: one redirect, the rest a clear 409."""
    day = workday(21)
    offer = make.offer(capacity_per_day=1)
    leader = make.user("project_leader")
    candidates = [make.candidate() for _ in range(10)]
    db.commit()
    clients = []
    for _ in candidates:
        client = app.test_client()
        response = client.post("/login", data={"email": leader.email, "password": "correct-horse-battery-staple"})
        assert response.status_code == 302
        clients.append(client)
    barrier = threading.Barrier(len(clients), timeout=30)

    def post(pair):
        client, candidate = pair
        barrier.wait()
        response = client.post(
            "/besok/nytt",
            data={
                "candidate": candidate.id, "offer": offer.id, "day": day.isoformat(), "start": "09:00", "end": "15:00",
            },
        )
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        results = list(pool.map(post, zip(clients, candidates, strict=True)))
    statuses = Counter(status for status, _ in results)
    assert statuses == {302: 1, 409: len(clients) - 1}, statuses
    assert all("fullbokat" in body for status, body in results if status == 409)
