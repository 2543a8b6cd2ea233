"""The kept report and the data generation behind it (models/changes.py, models/kept.py):
the database counts every committed change, whoever makes it; a kept report is served only for
the generation it was computed at; nothing uncommitted or rolled back is ever kept (issue #19)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import Candidate, Visit, changes, clock
from models.enums import Role, VisitStatus
from models.kept import KEPT
from models.operations.reports import current_report

from .test_freshness import _complete, _running_programme_with_a_visit

ROOT = Path(__file__).resolve().parents[1]


def _generation(engine: sa.Engine) -> changes.Generation:
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT epoch, n FROM data_generation WHERE id = 1")).one()
    return changes.Generation(row.epoch, int(row.n))


@pytest.fixture
def engine(app):
    return app.extensions["database"].engine


def test_a_change_made_outside_the_app_reaches_the_kept_report(engine, make, db) -> None:
    programme, visit = _running_programme_with_a_visit(make, db)
    assert current_report(db, programme).totals.persons == 0
    db.commit()
    computed = KEPT.computed
    assert current_report(db, programme).totals.persons == 0
    assert KEPT.computed == computed, "an unchanged database is answered from the kept report"
    db.commit()

    # As psql would: plain SQL on another connection, committed.
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE visit SET status = 'completed', actual_start = start_at, actual_end = end_at "
                             "WHERE id = :id"), {"id": visit.id})
    assert current_report(db, programme).totals.persons == 1
    assert KEPT.computed == computed + 1


def test_a_rolled_back_change_is_not_counted_and_never_kept(engine, make, db, app) -> None:
    programme, visit = _running_programme_with_a_visit(make, db)
    before = _generation(engine)
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(sa.text("UPDATE visit SET status = 'completed', actual_start = start_at, actual_end = end_at "
                             "WHERE id = :id"), {"id": visit.id})
        # Another reader meanwhile: the change is not committed, so neither counted nor seen.
        assert current_report(db, programme).totals.persons == 0
        db.commit()
        trans.rollback()
    assert _generation(engine) == before
    assert current_report(db, programme).totals.persons == 0


def test_a_session_that_has_written_computes_its_own_report_and_keeps_nothing(make, db) -> None:
    programme, visit = _running_programme_with_a_visit(make, db)
    assert current_report(db, programme).totals.persons == 0
    db.commit()
    _complete(db, db.get(Visit, visit.id))
    computed = KEPT.computed
    assert changes.session_has_written(db)
    assert current_report(db, programme).totals.persons == 1  # its own change, uncommitted
    assert KEPT.computed == computed, "nothing computed from uncommitted data is kept"
    db.rollback()
    assert not changes.session_has_written(db)
    assert current_report(db, programme).totals.persons == 0


def test_an_internal_note_does_not_count_but_a_profile_change_does(engine, make, db, time_travel) -> None:
    candidate = make.candidate()
    db.commit()
    first = _generation(engine)
    time_travel.shift(dt.timedelta(minutes=5))  # the row's updated_at moves with the note
    candidate.needs_other = "Behöver hiss"  # read by neither the report nor the ranking
    db.commit()
    assert _generation(engine) == first
    db.get(Candidate, candidate.id).swedish_level = (candidate.swedish_level + 1) % 7
    db.commit()
    assert _generation(engine).n > first.n
    # One transaction that writes many rows counts once on PostgreSQL (at its commit).
    second = _generation(engine)
    for _ in range(3):
        make.candidate()
    db.commit()
    grew = _generation(engine).n - second.n
    assert grew == 1 if engine.dialect.name == "postgresql" else grew >= 3


def test_refresh_caches_raises_the_generation(engine, runner, make, db) -> None:
    make.programme()
    db.commit()
    before = _generation(engine)
    result = runner.invoke(args=["refresh-caches"])
    assert result.exit_code == 0, result.output
    assert _generation(engine) == changes.Generation(before.epoch, before.n + 1)
    assert "kept results are computed again" in result.output


def test_every_table_but_the_bookkeeping_is_counted(engine) -> None:
    tables = set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            counted = set(conn.execute(sa.text(
                "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'iop_count_change'"
            )).scalars())
            assert set(conn.execute(sa.text(  # and the report's count on the same tables
                "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'iop_count_change_report'"
            )).scalars()) == counted
        else:
            names = conn.execute(
                sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'iop_count_change%'")
            ).scalars().all()
            counted = {m.group(1) for name in names
                       if (m := re.match(r"^iop_count_change_(.*)_(insert|update|delete)$", name))}
            # and the report's count on the same tables
            assert {m.group(1) for name in names
                    if (m := re.match(r"^iop_count_change_(.*)_(insert|update|delete)_report$", name))} == counted
    assert counted == {t.strip('"') for t in tables} - changes.EXCLUDED_TABLES
    assert {"visit", "candidate", "referral", "feedback", "survey_answer", "programme", "actual_cost"} <= counted


def test_the_ignored_columns_are_read_by_no_kept_result() -> None:
    """A column whose changes are not counted must not be read where a kept result is computed:
    the report (with its budget and compilation) and the ranking."""
    sources = [ROOT / "models/operations" / name for name in ("reports.py", "compilation.py", "budget.py",
                                                               "matching.py", "disclosure.py")]
    sources += sorted((ROOT / "matcher").glob("*.py"))
    text = "\n".join(path.read_text() for path in sources)
    for table, columns in changes.IGNORED_COLUMNS.items():
        for column in columns:
            if column in ("version", "updated_at"):
                continue  # bookkeeping that changes only along with other columns
            assert not re.search(rf"\b{column}\b", text), f"{table}.{column} is read by a kept result"


def test_the_dashboard_is_answered_from_the_kept_report_until_a_change(client, auth, make, db) -> None:
    _programme, visit = _running_programme_with_a_visit(make, db)
    auth.login(Role.STEERING)
    assert "0 av målet 350" in client.get("/uppfoljning/").get_data(as_text=True)
    computed = KEPT.computed
    for _ in range(3):
        assert "0 av målet 350" in client.get("/uppfoljning/").get_data(as_text=True)
    assert KEPT.computed == computed
    _complete(db, db.get(Visit, visit.id))
    assert db.get(Visit, visit.id).status == VisitStatus.COMPLETED
    db.commit()
    assert "1 av målet 350" in client.get("/uppfoljning/").get_data(as_text=True)


def test_a_profile_change_ranks_again_but_leaves_the_steering_figures_kept(engine, client, auth, make, db) -> None:
    """A Swedish level, interests or a place change every ranking, not one figure of the report:
    the ranked lists' count moves, the report's does not, and the dashboard is answered from the
    kept report. A target group is read by the report: that moves both."""
    _programme, visit = _running_programme_with_a_visit(make, db)
    candidate = db.get(Visit, visit.id).candidate
    auth.login(Role.STEERING)
    assert client.get("/uppfoljning/").status_code == 200
    before, report_before = _generation(engine), changes.current(db, "report_n")
    db.commit()
    computed = KEPT.computed

    candidate.swedish_level = (candidate.swedish_level + 1) % 7
    candidate.interests = [*candidate.interests, "it"]
    candidate.lat, candidate.lon = 56.05, 12.70
    db.commit()
    assert _generation(engine).n > before.n
    assert changes.current(db, "report_n") == report_before
    db.commit()
    assert client.get("/uppfoljning/").status_code == 200
    assert KEPT.computed == computed, "the report was not computed again for a change it does not read"

    candidate.target_group = next(g for g in type(candidate.target_group) if g != candidate.target_group)
    db.commit()
    assert changes.current(db, "report_n").n > report_before.n
    db.commit()
    assert client.get("/uppfoljning/").status_code == 200
    assert KEPT.computed == computed + 1


def test_the_report_names_none_of_the_columns_its_count_leaves_out() -> None:
    """The report's count leaves out candidate columns (changes.REPORT_IGNORED_COLUMNS): the
    report's code (with the modules it computes with) must never name one, or a change to it
    would not reach the steering group's figures."""
    sources = [ROOT / "models/operations" / name for name in (
        "reports.py", "compilation.py", "budget.py", "disclosure.py", "programme.py", "question_sets.py",
        "periods.py",
    )]
    text = "\n".join(path.read_text() for path in sources)
    for table, columns in changes.REPORT_IGNORED_COLUMNS.items():
        for column in columns:
            assert not re.search(rf"\b{column}\b", text), f"{table}.{column} is read by the report"
    # and the report's templates show only what the report computed: no candidate is loaded there
    templates = "\n".join(p.read_text() for p in (ROOT / "web/templates/reports").rglob("*.html"))
    assert not re.search(r"\bcandidate\.", templates)


def _headline(page: str) -> str:
    """The headline's figures as a page shows them (reports/_headline.html)."""
    start = page.index('<dl class="facts">')
    return re.sub(r"\s+", " ", page[start:page.index("</dl>", start)])


def test_the_start_page_headline_is_the_reports_and_needs_no_whole_report(client, auth, make, db) -> None:
    """The start page shows the kept report's headline when it holds every change; after a
    change it works out the headline alone, not the whole report, and says the same as the
    dashboard does."""
    programme, visit = _running_programme_with_a_visit(make, db)
    auth.login(Role.PROJECT_LEADER)
    dashboard = client.get("/uppfoljning/").get_data(as_text=True)  # the whole report, kept
    computed = KEPT.computed
    assert _headline(client.get("/").get_data(as_text=True)) == _headline(dashboard)
    assert KEPT.computed == computed, "the kept report's headline is used as it is"

    _complete(db, db.get(Visit, visit.id))
    db.commit()
    start = client.get("/").get_data(as_text=True)
    assert "1 av målet 350" in _headline(start)
    assert KEPT.computed == computed + 1  # the headline alone
    found, _ = KEPT.find(("report", programme.id, clock.local_today()), changes.current(db, "report_n"))
    db.commit()
    assert not found, "no whole report was computed for the start page"
    assert _headline(start) == _headline(client.get("/uppfoljning/").get_data(as_text=True))


def _shown(app, offer, account) -> set[int]:
    """The candidates on `offer`'s list for `account`, as the offer page ranks them."""
    from flask_login import login_user

    from models import User
    from web.extensions import db as web_db
    from web.matching import service

    from .test_matching_eligibility import DAY

    with app.test_request_context("/"):
        user = web_db.session.get(User, account.id)
        login_user(user)
        items = service.recommend_for_offer(web_db.session.get(type(offer), offer.id), user=user, day=DAY).items
        web_db.session.rollback()
        return {item.id for item in items}


def test_a_kept_ranked_list_follows_every_committed_change(app, make, db) -> None:
    leader = make.user(Role.PROJECT_LEADER)
    offer = make.offer(field="hospitality")
    first, second = make.candidate(), make.candidate()
    db.commit()

    def shown() -> set[int]:
        return _shown(app, offer, leader)

    assert shown() == {first.id, second.id}
    computed = KEPT.computed
    assert shown() == {first.id, second.id}
    assert KEPT.computed == computed, "the same list for the same data is ranked once"

    third = make.candidate()
    db.commit()
    assert shown() == {first.id, second.id, third.id}
    first.consents[0].withdrawn_at = clock.now()
    db.commit()
    assert shown() == {second.id, third.id}


def test_users_who_may_see_the_same_people_share_one_ranked_list(app, make, db) -> None:
    """Two project leaders see the same candidates: the list is ranked once for both. An officer
    sees only their unit's referrals: their list is ranked for their unit, and holds no one else."""
    first_leader, second_leader = make.user(Role.PROJECT_LEADER), make.user(Role.PROJECT_LEADER)
    officer = make.user(Role.WELFARE_OFFICER)
    offer = make.offer(field="hospitality")
    theirs, others = make.candidate(referred_by=officer), make.candidate()
    db.commit()

    def shown(account) -> set[int]:
        return _shown(app, offer, account)

    assert shown(first_leader) == {theirs.id, others.id}
    computed = KEPT.computed
    assert shown(second_leader) == {theirs.id, others.id}
    assert KEPT.computed == computed, "the second project leader is answered from the same ranking"
    assert shown(officer) == {theirs.id}
    assert KEPT.computed == computed + 1


# --- models/kept.py ------------------------------------------------------------------------------
def test_a_kept_result_serves_readers_of_its_generation_or_earlier_only() -> None:
    from models.kept import Kept

    kept, at = Kept(), changes.Generation
    assert kept.get("s", at("e", 5), lambda: at("e", 5), lambda: "five") == "five"
    assert kept.get("s", at("e", 4), lambda: at("e", 5), lambda: "recomputed") == "five"  # holds more: fine
    assert kept.get("s", at("e", 5), lambda: at("e", 5), lambda: "recomputed") == "five"
    assert kept.get("s", at("e", 6), lambda: at("e", 6), lambda: "six") == "six"  # a change since: computed
    assert kept.get("s", at("other", 6), lambda: at("other", 6), lambda: "restored") == "restored"
    assert kept.get("t", at("e", 6), lambda: at("e", 6), lambda: "another subject") == "another subject"
    assert kept.computed == 4


def test_readers_arriving_during_a_computation_wait_for_it_instead_of_computing() -> None:
    import threading

    from models.kept import Kept

    kept, started, release = Kept(), threading.Event(), threading.Event()
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "report"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(
        kept.get("s", changes.Generation("e", 7), lambda: changes.Generation("e", 7), compute)))
    first.start()
    assert started.wait(5)
    others = [threading.Thread(target=lambda: results.append(
        kept.get("s", changes.Generation("e", 7), lambda: changes.Generation("e", 7), compute))) for _ in range(5)]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert results == ["report"] * 6 and len(calls) == 1
