"""What each measured page costs one request in one process, and its slowest SQL statements
with PostgreSQL's EXPLAIN ANALYZE: the "what limits it" of every page (issue #19).

Each page is served in this process by the app built as under gunicorn, against the benchmark
database, one request at a time: the median of `REPEATS` requests with the kept report and
ranked lists current, the median of as many with them forgotten before each request (what a
worker faces after a committed change), and one more request whose statements are timed. Its
`per_page` slowest distinct reads are explained with their real parameters.

Under the closed-loop load, two cores serve the pages and the floor alike, so a page's p50 ÷ the
floor's grows with its cost per request (though it is smaller than the ratio of the costs: every
request there also pays gunicorn's HTTP handling); the split of the cost says whether a page is
limited by its statements or by the Python that builds and writes it.
"""

from __future__ import annotations

import gc
import re
import statistics
import time
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from .dataset import BENCH_PASSWORD
from .load import CSRF_RE, Page


@dataclass
class SlowStatement:
    page: str
    ms: float
    sql: str
    plan: str


def _shape(sql: str) -> str:
    return re.sub(r"\s+", " ", sql)[:300]


REPEATS = 7
WARM_UP = 3  # unmeasured requests first, as a warm worker has served (templates compiled, statements prepared)


@dataclass
class PageCost:
    key: str
    page: str
    ms: float  # one request, kept results current (median)
    fresh_ms: float  # one request, kept results forgotten first (median)
    sql_ms: float  # time waiting for the database in one request (kept results current)
    statements: int
    slowest: list[SlowStatement]


def _client(app: Any, page: Page) -> tuple[Any, dict[str, str]]:
    client = app.test_client()
    if page.token:
        return client, {"Authorization": f"Bearer {page.token}"}
    form = client.get("/login").get_data(as_text=True)
    match = CSRF_RE.search(form)
    client.post("/login", data={"email": page.accounts[0], "password": BENCH_PASSWORD,
                                "csrf_token": match.group(1) if match else ""})
    return client, {}


def _median_ms(request: Any, before: Any = None) -> float:
    times = []
    for _ in range(REPEATS):
        if before is not None:
            before()
        started = time.perf_counter()
        request()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _capture(app: Any, page: Page) -> tuple[float, float, list[tuple[float, str, Any]]]:
    from models.kept import KEPT

    client, headers = _client(app, page)

    def request() -> None:
        answer = client.get(page.path, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"{page.path}: HTTP {answer.status_code}")

    for _ in range(WARM_UP):
        request()
    kept_ms = _median_ms(request)
    fresh_ms = _median_ms(request, before=KEPT.clear)
    request()
    engine = app.extensions["database"].engine
    timed: list[tuple[float, str, Any]] = []

    def before(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        conn.info["started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        timed.append((time.perf_counter() - conn.info.pop("started"), statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        request()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    return kept_ms, fresh_ms, timed


def page_costs(database_url: str, pages: list[Page], *, per_page: int = 2) -> list[PageCost]:
    """Each page's cost per request and its `per_page` slowest distinct reads, explained."""
    from web import create_app

    app = create_app({"DATABASE_URL": database_url, "RATELIMIT_ENABLED": False})
    gc.freeze()  # the loaded app out of the garbage collector's way, as in the gunicorn workers
    measured = []
    for page in pages:
        kept_ms, fresh_ms, timed = _capture(app, page)
        reads: dict[str, tuple[float, str, Any]] = {}
        for seconds, sql, params in timed:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # only reads are explained (EXPLAIN ANALYZE runs the statement)
            shape = _shape(sql)
            if shape not in reads or reads[shape][0] < seconds:
                reads[shape] = (seconds, sql, params)
        chosen = sorted(reads.values(), key=lambda item: -item[0])[:per_page]
        measured.append((page, kept_ms, fresh_ms, sum(t for t, _, _ in timed) * 1000, len(timed), chosen))
    app.extensions["database"].engine.dispose()
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    costs = []
    with psycopg.connect(dsn) as conn:
        for page, kept_ms, fresh_ms, sql_ms, statements, chosen in measured:
            explained = []
            for seconds, sql, params in chosen:
                rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()  # type: ignore[arg-type]
                conn.rollback()
                explained.append(SlowStatement(page.title, seconds * 1000, sql, "\n".join(r[0] for r in rows)))
            costs.append(PageCost(page.key, page.title, kept_ms, fresh_ms, sql_ms, statements, explained))
    return costs
