"""The migrations build the same schema as the models, and undo it, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import Base, make_engine
from web.cli import alembic_config

from .conftest import TEST_DB, create_pg_database, drop_pg_database


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    if TEST_DB == "postgresql":
        url = create_pg_database("iop_migr")
        yield url
        drop_pg_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"


def _config(url: str):  # type: ignore[no-untyped-def]
    cfg = alembic_config(url)
    cfg.attributes["configure_logger"] = False
    return cfg


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_to_head_matches_models_then_downgrade_to_base(empty_database_url: str) -> None:
    cfg = _config(empty_database_url)
    command.upgrade(cfg, "head")
    engine = make_engine(empty_database_url)
    try:
        assert _tables(engine) == set(Base.metadata.tables)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = [d for d in compare_metadata(ctx, Base.metadata)]
        assert diff == [], f"models and migrations disagree: {diff}"
        command.downgrade(cfg, "base")
        assert _tables(engine) == set()
    finally:
        engine.dispose()


@contextlib.contextmanager
def _upgraded(url: str) -> Iterator[tuple[Any, sa.Engine]]:
    """The database upgraded to the head revision: (alembic config, engine)."""
    cfg = _config(url)
    command.upgrade(cfg, "head")
    engine = make_engine(url)
    try:
        yield cfg, engine
    finally:
        engine.dispose()


def test_migrated_schema_refuses_overlapping_live_visits(empty_database_url: str) -> None:
    """The overlap guard (exclusion constraint / trigger) comes with the migration too."""
    from sqlalchemy.orm import Session

    from .factories import Factory

    with _upgraded(empty_database_url) as (_cfg, engine), Session(engine) as session:
        make = Factory(session)
        candidate = make.candidate()
        first = make.visit(candidate, start_hour=9, hours=6)
        session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            make.visit(candidate, offer=make.offer(), day=first.visit_date, start_hour=12, hours=5)
            session.commit()


def test_visit_times_become_whole_seconds_and_a_held_visit_is_dated_by_its_actual_start(
    empty_database_url: str,
) -> None:
    """Revision 0005 brings rows written before it under the sharpened counting rule."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from models import Visit
    from models.enums import VisitStatus

    from .factories import Factory

    cfg = _config(empty_database_url)
    command.upgrade(cfg, "head")  # the factories write today's columns
    engine = make_engine(empty_database_url)
    try:
        with Session(engine) as session:
            make = Factory(session)
            visit = make.visit(make.candidate(), day=dt.date(2026, 6, 30), status=VisitStatus.COMPLETED,
                               actual_hours=4)
            session.commit()
            visit_id = visit.id
        # Rows as the code before 0005 could leave them, then 0005 itself run over them (stamped
        # back rather than downgraded: later revisions' downgrades do not concern this one).
        command.stamp(cfg, "0004")
        with Session(engine) as session:
            # as the old code could leave it: held 1 July 10:00:00.7-13:59:59.9 (Stockholm), dated 30 June
            start = dt.datetime(2026, 7, 1, 8, 0, 0, 700_000, tzinfo=dt.UTC)
            end = dt.datetime(2026, 7, 1, 11, 59, 59, 900_000, tzinfo=dt.UTC)
            values = {"s": start, "e": end, "id": visit_id}
            if engine.dialect.name == "sqlite":
                values = {k: v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v for k, v in values.items()}
            session.execute(sa.text("UPDATE visit SET actual_start = :s, actual_end = :e WHERE id = :id"), values)
            session.commit()
        command.upgrade(cfg, "0005")
        command.stamp(cfg, "head")
        with Session(engine) as session:
            migrated = session.get(Visit, visit_id)
            assert migrated.visit_date == dt.date(2026, 7, 1)
            assert migrated.actual_start.microsecond == 0 and migrated.actual_end.microsecond == 0
            assert migrated.actual_seconds == 4 * 3600 - 1  # 3:59:59: it does not count
    finally:
        engine.dispose()


def test_migrations_count_changes_on_every_table_and_stop_when_undone(empty_database_url: str) -> None:
    """After `flask db upgrade` every table but the bookkeeping raises the data generation
    (models/changes.py); migrated down below it, nothing refers to the counter any more."""
    from sqlalchemy.orm import Session

    from models import changes

    from .factories import Factory

    with _upgraded(empty_database_url) as (cfg, engine):
        with Session(engine) as session:
            before, report_before = changes.current(session), changes.current(session, "report_n")
            candidate = Factory(session).candidate()
            session.commit()
            assert changes.current(session).n > before.n
            assert changes.current(session, "report_n").n > report_before.n
            counted, report_counted = changes.current(session), changes.current(session, "report_n")
            candidate.swedish_level = (candidate.swedish_level + 1) % 7  # read by the ranking only
            session.commit()
            assert changes.current(session).n > counted.n
            assert changes.current(session, "report_n") == report_counted
        command.downgrade(cfg, "0017")  # before the report's own count
        columns = {c["name"] for c in sa.inspect(engine).get_columns("data_generation")}
        assert "report_n" not in columns
        with Session(engine) as session:  # the one count goes on; no trigger names the dropped column
            before = changes.current(session)
            Factory(session).organisation()
            session.commit()
            assert changes.current(session).n > before.n
        command.downgrade(cfg, "0014b")  # before the counter
        assert "data_generation" not in _tables(engine)
        with Session(engine) as session:  # writes work without the counter (no trigger names it)
            Factory(session).organisation()
            session.commit()


def test_a_fresh_install_has_the_standard_questionnaires(empty_database_url: str) -> None:
    """`flask db upgrade` alone (no demo) installs every standard questionnaire as version 1,
    word for word as models/operations/question_sets.py has them, and the employee moment."""
    from sqlalchemy.orm import Session

    from models import Survey
    from models.enums import SurveyMoment
    from models.operations.question_sets import QUESTIONNAIRES, standard_rows

    with _upgraded(empty_database_url) as (cfg, engine):
        with Session(engine) as session:
            surveys = session.scalars(sa.select(Survey).order_by(Survey.id)).all()
            installed = [
                {
                    "questionnaire": s.questionnaire, "moment": s.moment.value, "name": s.name,
                    "questions": [
                        {"position": q.position, "key": q.key, "kind": q.kind.value, "text_sv": q.text_sv,
                         "text_en": q.text_en, "text_easy_sv": q.text_easy_sv}
                        for q in s.questions
                    ],
                }
                for s in surveys
            ]
            assert installed == standard_rows()
            assert all(s.active and s.version == 1 for s in surveys)
            assert {s.questionnaire for s in surveys} == set(QUESTIONNAIRES)
            assert any(s.moment == SurveyMoment.EMPLOYEE for s in surveys)
        command.downgrade(cfg, "0011")
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM survey")) == 0


def test_the_profile_history_migration_gives_every_existing_row_its_first_version(empty_database_url: str) -> None:
    """0018 (models/profiles.py): candidates and offers that exist get one current version each,
    with their profile as it stands, valid from their creation."""
    from sqlalchemy.orm import Session

    from models import Candidate, CandidateProfileVersion, Offer, OfferProfileVersion

    from .factories import Factory

    with _upgraded(empty_database_url) as (cfg, engine):
        with Session(engine) as session:
            make = Factory(session)
            candidate = make.candidate(swedish_level=4, interests=["it", "transport"], languages=["sv", "so"])
            offer = make.offer(min_swedish_level=2, weekdays=["tue", "fri"])
            session.commit()
            ids = (candidate.id, offer.id)
        command.downgrade(cfg, "0017a")  # as before the history existed: rows, no versions
        assert "candidate_profile_version" not in _tables(engine)
        command.upgrade(cfg, "head")
        with Session(engine) as session:
            candidate, offer = session.get(Candidate, ids[0]), session.get(Offer, ids[1])
            (first,) = session.scalars(sa.select(CandidateProfileVersion))
            assert (first.candidate_id, first.valid_from, first.valid_to) == (candidate.id, candidate.created_at, None)
            assert (first.swedish_level, first.interests, first.languages) == (4, ["it", "transport"], ["sv", "so"])
            (offered,) = session.scalars(sa.select(OfferProfileVersion))
            assert (offered.offer_id, offered.valid_from, offered.min_swedish_level, offered.weekdays) == (
                offer.id, offer.created_at, 2, ["tue", "fri"])
