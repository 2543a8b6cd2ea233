"""The data generation: a number the database itself raises whenever a transaction that changed
the partnership's data commits, so that a result computed from the data (the quarterly report,
a ranked recommendation list) can be kept and known to be current (issue #19).

How it stays true:

- **The database counts, not the app.** Every table except the bookkeeping that reads write
  (`EXCLUDED_TABLES`) has a trigger that raises `data_generation.n` in the writing transaction.
  A change from `psql`, a script or another worker counts like one made by the app, and a
  transaction that is rolled back rolls its increment back with it. On PostgreSQL the trigger is
  a deferred constraint trigger, so the counter's row is updated once, at commit, as the
  transaction's last lock (two writers never deadlock on it); on SQLite, whose writers take
  turns anyway, a plain trigger raises it for each row written.
- **Columns no kept result reads do not count** (`IGNORED_COLUMNS`): an officer's internal note
  about a candidate changes neither the report nor a ranking, and neither does a row's version.
- **Two counts, one per kept result.** `n` counts every change a ranked list may read (nearly
  everything); `report_n` leaves out, besides those, the candidate columns the quarterly report
  never reads (`REPORT_IGNORED_COLUMNS`: name, contact details, Swedish level, languages,
  interests, availability, place, needs). An officer who raises a Swedish level or adds an
  interest changes every ranking, so the ranked lists are computed again, but not the
  steering group's figures, which are then still answered from the kept report.
  `tests/test_data_generation.py` fails if the report's code ever names one of those columns.
- **A reader reads the generation first**, in its own transaction, and then computes: what it
  computes holds at least every change counted up to the generation it read. A result is kept
  under that generation only by a request that has written nothing itself
  (`session_has_written`), so a kept result never holds uncommitted data.
- **Every migration reinstalls the triggers** (`install`, called by `migrations/env.py` and by
  `Base.metadata.create_all`), so a table added later is counted without anyone remembering to.
- **`epoch`** is drawn afresh when the row is created and when a backup is restored, so a kept
  result can never be taken for the data of another database that happens to have the same count.
  `flask --app web refresh-caches` raises the count by hand (nothing should need it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base

# Written by reading a page or by the app's own bookkeeping: never an input to a kept result.
EXCLUDED_TABLES = frozenset({
    "alembic_version", "data_generation", "audit_event", "login_session", "api_token", "exposure",
    "outbox_message", "used_link_token", "calendar_feed",
    # profile versions change only with their candidate or offer, which count already
    "candidate_profile_version", "offer_profile_version",
})
# Columns of counted tables that no kept result reads: a change to only these is not counted.
# Each must stay out of the report and the ranking (tests/test_data_generation.py checks).
IGNORED_COLUMNS: dict[str, tuple[str, ...]] = {
    "candidate": ("needs_other", "version", "updated_at"),
    "user_account": ("last_login_at", "totp_last_step", "password_hash", "password_changed_at", "locale"),
}
# Candidate columns the quarterly report (with its budget and compilation) never reads: a change
# to only these raises `n` (the ranked lists) but not `report_n`.
REPORT_IGNORED_COLUMNS: dict[str, tuple[str, ...]] = {
    "candidate": (
        "first_name", "last_name", "pin_encrypted", "pin_hash", "pin_masked", "birth_date", "gender", "phone",
        "email", "contact_channel", "preferred_language", "swedish_level", "languages", "interests", "weekdays",
        "times_of_day", "postcode", "area", "lat", "lon", "needs_accessible", "adjustments", "to_workplace",
    ),
}
# Which count each kind of kept result reads, and the columns whose changes that count leaves out.
COUNTERS: dict[str, dict[str, tuple[str, ...]]] = {
    "n": IGNORED_COLUMNS,
    "report_n": {table: IGNORED_COLUMNS.get(table, ()) + REPORT_IGNORED_COLUMNS.get(table, ())
                 for table in {*IGNORED_COLUMNS, *REPORT_IGNORED_COLUMNS}},
}
TRIGGER_PREFIX = "iop_count_change"


def new_epoch() -> str:
    return secrets.token_hex(8)


class DataGeneration(Base):
    """One row: how many committed transactions have changed the data, and the database's epoch."""

    __tablename__ = "data_generation"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    epoch: Mapped[str] = mapped_column(sa.String(32), default=new_epoch)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # every counted change (the ranked lists)
    report_n: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")  # what the report reads


@dataclass(frozen=True)
class Generation:
    epoch: str
    n: int


def current(session: Session, counter: str = "n") -> Generation:
    """The generation as this transaction sees it: read it before computing what is kept.
    `counter="report_n"` for the quarterly report (see the module docstring)."""
    column = {"n": DataGeneration.n, "report_n": DataGeneration.report_n}[counter]
    row = session.execute(sa.select(DataGeneration.epoch, column.label("n")).where(DataGeneration.id == 1)).one()
    return Generation(row.epoch, int(row.n))


def raise_generation(session: Session, *, new_database: bool = False) -> None:
    """Counts a change by hand (`refresh-caches`), or marks the data as another database's
    (after a restore): every kept result is computed again."""
    values: dict[str, Any] = {"n": DataGeneration.n + 1, "report_n": DataGeneration.report_n + 1}
    if new_database:
        values["epoch"] = new_epoch()
    session.execute(sa.update(DataGeneration).where(DataGeneration.id == 1).values(**values))


def session_has_written(session: Session) -> bool:
    """Whether this session's transaction holds changes of its own (flushed or not): such a
    request computes afresh and keeps nothing."""
    return bool(session.info.get("wrote") or session.new or session.dirty or session.deleted)


@sa.event.listens_for(Session, "after_flush")
def _note_write(session: Session, _context: Any) -> None:
    session.info["wrote"] = True


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _transaction_over(session: Session) -> None:
    session.info.pop("wrote", None)


# --- the triggers -----------------------------------------------------------------------------
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION iop_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    counter text := TG_ARGV[0];
    ignored text[] := TG_ARGV[1:TG_NARGS - 1];
BEGIN
    IF current_setting('iop.counted_' || counter, true) = 'yes' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND TG_NARGS > 1 THEN
        IF (to_jsonb(NEW) - ignored) = (to_jsonb(OLD) - ignored) THEN
            RETURN NULL;
        END IF;
    END IF;
    IF counter = 'report_n' THEN
        UPDATE data_generation SET report_n = report_n + 1 WHERE id = 1;
    ELSE
        UPDATE data_generation SET n = n + 1 WHERE id = 1;
    END IF;
    PERFORM set_config('iop.counted_' || counter, 'yes', true);
    RETURN NULL;
END $$
"""
_PG_TRUNCATE_FUNCTION = """
CREATE OR REPLACE FUNCTION iop_count_change_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_generation SET n = n + 1 WHERE id = 1;
    IF TG_NARGS > 0 THEN
        UPDATE data_generation SET report_n = report_n + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END $$
"""


def _quote(connection: sa.Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _counted_tables(connection: sa.Connection) -> list[str]:
    return sorted(t for t in sa.inspect(connection).get_table_names() if t not in EXCLUDED_TABLES)


def install(connection: sa.Connection, counters: Optional[tuple[str, ...]] = None) -> None:
    """(Re)creates the counting triggers on every table but the excluded ones, and the
    counter's row. Idempotent; without the `data_generation` table it removes them instead
    (a database migrated down to before it)."""
    inspector = sa.inspect(connection)
    tables = set(inspector.get_table_names())
    if counters is None:
        counters = ()
        if "data_generation" in tables:  # before migration 0017a the report had no count of its own
            present = {c["name"] for c in inspector.get_columns("data_generation")}
            counters = tuple(c for c in COUNTERS if c in present)
    if connection.dialect.name == "postgresql":
        _install_postgresql(connection, counters)
    else:
        _install_sqlite(connection, counters)
    if "data_generation" in tables:
        exists = connection.execute(sa.text("SELECT count(*) FROM data_generation WHERE id = 1")).scalar()
        if not exists:
            connection.execute(
                sa.text("INSERT INTO data_generation (id, epoch, n) VALUES (1, :epoch, 0)"), {"epoch": new_epoch()}
            )


def _install_postgresql(connection: sa.Connection, counters: tuple[str, ...]) -> None:
    present = connection.execute(sa.text(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE :p AND NOT tgisinternal"
    ), {"p": f"{TRIGGER_PREFIX}%"}).all()
    for table, name in present:
        connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
    if not counters:
        return
    connection.execute(sa.text(_PG_FUNCTION))
    connection.execute(sa.text(_PG_TRUNCATE_FUNCTION))
    both = "'report_n'" if "report_n" in counters else ""
    for table in _counted_tables(connection):
        quoted = _quote(connection, table)
        for counter in counters:
            name = TRIGGER_PREFIX if counter == "n" else f"{TRIGGER_PREFIX}_report"
            arguments = ", ".join(_literal(c) for c in (counter, *COUNTERS[counter].get(table, ())))
            connection.execute(sa.text(
                f"CREATE CONSTRAINT TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {quoted} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {TRIGGER_PREFIX}({arguments})"
            ))
        connection.execute(sa.text(
            f"CREATE TRIGGER {TRIGGER_PREFIX}_truncate AFTER TRUNCATE ON {quoted} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER_PREFIX}_truncate({both})"
        ))


_SQLITE_BUMP = {
    "n": "UPDATE data_generation SET n = n + 1 WHERE id = 1;",
    "report_n": "UPDATE data_generation SET report_n = report_n + 1 WHERE id = 1;",
}


def _install_sqlite(connection: sa.Connection, counters: tuple[str, ...]) -> None:
    present = connection.execute(sa.text(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE :p"
    ), {"p": f"{TRIGGER_PREFIX}%"}).scalars().all()
    for name in present:
        connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
    inspector = sa.inspect(connection)
    for counter in counters:
        bump = _SQLITE_BUMP[counter]
        suffix = "" if counter == "n" else "_report"
        for table in _counted_tables(connection):
            quoted = _quote(connection, table)
            ignored = set(COUNTERS[counter].get(table, ()))
            columns = [c["name"] for c in inspector.get_columns(table) if c["name"] not in ignored]
            of = f" OF {', '.join(_quote(connection, c) for c in columns)}" if ignored else ""
            for event, what in (("insert", "INSERT"), ("update", f"UPDATE{of}"), ("delete", "DELETE")):
                connection.execute(sa.text(
                    f"CREATE TRIGGER {TRIGGER_PREFIX}_{table}_{event}{suffix} AFTER {what} ON {quoted} "
                    f"BEGIN {bump} END"
                ))


@sa.event.listens_for(Base.metadata, "after_create")
def _after_create(_target: Any, connection: sa.Connection, **_kw: Any) -> None:
    install(connection)
