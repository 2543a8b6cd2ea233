"""Database plumbing shared by the app, the CLI, notebooks and tests: the declarative base,
column types that behave the same on SQLite and PostgreSQL, and engine creation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
    literal,
    type_coerce,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeDecorator

# Stable constraint names so that migrations can address constraints on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Ids are INTEGER columns: on PostgreSQL nothing above this fits, and looking up a larger number
# makes the database fail (SQLite fails from 2**63) instead of finding nothing.
MAX_ID = 2**31 - 1


def column_rows(session: Session, statement: Executable) -> Sequence[Row[Any]]:
    """The rows of a statement that selects columns (counts, ids, values), never mapped objects,
    in the session's transaction but without the ORM's per-row processing: Core builds the rows
    in compiled code, the ORM in Python (a third of the quarterly report's time at a region's
    size), and fetched in one call. Pending changes are flushed first, as `session.execute`
    would, so the rows hold them."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement).all()


def parse_id(text: Any) -> int:
    """`text` as a row id: decimal digits for a number from 1 to MAX_ID; ValueError otherwise.
    For ids read from query strings and forms (`request.args.get("x", type=parse_id)`)."""
    value = str(text) if isinstance(text, (str, int)) else ""
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and 1 <= int(value) <= MAX_ID):
        raise ValueError(f"not a row id: {text!r}")
    return int(value)


def optional_id(text: Any) -> int | None:
    """`parse_id(text)`, or None for anything that is not an id."""
    try:
        return parse_id(text)
    except ValueError:
        return None



class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones and hands back naive values; PostgreSQL's timestamptz does.
    Naive input is refused: a naive time is ambiguous across the DST change.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def whole_seconds(value: dt.datetime) -> dt.datetime:
    """The moment truncated to the second (visit times are kept to the second: durations are
    counted in whole seconds, the same way in Python and in SQL)."""
    return value.replace(microsecond=0)


class WholeSecondUTCDateTime(UTCDateTime):
    """A UTC timestamp stored truncated to the whole second, whatever path writes it."""

    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return super().process_bind_param(None if value is None else whole_seconds(value), dialect)


class FlagSet(TypeDecorator[list[str]]):
    """A set drawn from a fixed vocabulary (weekdays, occupational fields) stored as a bit mask.

    A bit mask filters the same way in SQLite and PostgreSQL (`col & bit != 0`), is indexable
    and compact; Python code sees an ordered list of slugs.
    """

    impl = Integer
    cache_ok = True

    def __init__(self, vocabulary: Sequence[str]):
        super().__init__()
        self.vocabulary = tuple(vocabulary)
        self._bits = {slug: 1 << i for i, slug in enumerate(self.vocabulary)}

    def bits(self, slugs: Iterable[str]) -> int:
        mask = 0
        for slug in slugs:
            try:
                mask |= self._bits[slug]
            except KeyError:
                raise ValueError(f"unknown value {slug!r}") from None
        return mask

    def process_bind_param(self, value: Iterable[str] | None, dialect: Any) -> int | None:
        if value is None:
            return None
        return self.bits(value)

    def process_result_value(self, value: int | None, dialect: Any) -> list[str] | None:
        if value is None:
            return None
        return [slug for slug in self.vocabulary if value & self._bits[slug]]

    class comparator_factory(Integer.Comparator):  # noqa: N801 (SQLAlchemy's name)
        def has(self, slug: str):  # type: ignore[no-untyped-def]
            """SQL: the set contains `slug`. Written `(col & bit) = bit` rather than `<> 0` (the
            same for one bit): PostgreSQL estimates an equality as selective and a `<>` as
            matching nearly every row, and that estimate decided between an index nested loop
            and hashing whole tables in the candidate bank's search."""
            bit = self.type.bits([slug])
            return self.expr.op("&", return_type=Integer())(literal(bit, Integer())) == literal(bit, Integer())

        def has_any(self, slugs: Iterable[str]):  # type: ignore[no-untyped-def]
            """SQL: the set shares at least one member with `slugs` (one member: as `has`)."""
            slugs = list(slugs)
            return self.has(slugs[0]) if len(slugs) == 1 else self._and(self.type.bits(slugs))

        def _and(self, mask: int):  # type: ignore[no-untyped-def]
            # Both sides typed as plain integers: the column's own type would try to turn the
            # literal mask back into a list of slugs.
            return self.expr.op("&", return_type=Integer())(literal(mask, Integer())) != 0


class CodeList(TypeDecorator[list[str]]):
    """An open list of short codes (ISO 639-1 languages) stored as `,sv,ar,` text.

    The delimiters at both ends make `LIKE '%,ar,%'` an exact-member test on every database.
    """

    impl = String(200)
    cache_ok = True

    def process_bind_param(self, value: Iterable[str] | None, dialect: Any) -> str | None:
        if value is None:
            return None
        codes = [c.strip().lower() for c in value if c and c.strip()]
        for code in codes:
            if "," in code:
                raise ValueError(f"invalid code {code!r}")
        return "," + ",".join(dict.fromkeys(codes)) + "," if codes else ""

    def process_result_value(self, value: str | None, dialect: Any) -> list[str] | None:
        if value is None:
            return None
        return [c for c in value.split(",") if c]

    class comparator_factory(String.Comparator):  # noqa: N801
        def has(self, code: str):  # type: ignore[no-untyped-def]
            """SQL: the list contains `code`."""
            # As plain text: the column's own type would split the pattern on its commas.
            return type_coerce(self.expr, String()).like(f"%,{code.strip().lower()},%")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer books; busy_timeout makes a second writer wait
    # instead of failing at once; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # SQLite's own lower() folds only A–Z, so a search for "åsberg" missed "Åsberg". Python's
    # folds every letter, as PostgreSQL's does under a UTF-8 locale (docs/deployment.md).
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the per-database settings this product relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _custom_plans)
    return engine


def _custom_plans(dbapi_connection: Any, _record: Any) -> None:
    """Plan every statement with its values. psycopg prepares a statement on the server after
    its fifth run, and PostgreSQL may then switch to one generic plan for any values: the
    report's counting query went from 0.2 s to 1.1 s that way on a long-lived worker (the
    values matter here: a status that is 60 % of the visits, or 0.1 %). Prepared statements
    still save parsing; only the plan is made afresh (well under a millisecond)."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_connection.commit()
