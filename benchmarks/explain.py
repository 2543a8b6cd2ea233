"""The slowest SQL statements of the measured pages, with PostgreSQL's EXPLAIN ANALYZE.

Each page is requested twice in this process (the app built the same way as under gunicorn,
against the benchmark database); the second request's statements are timed. The slowest
distinct statements overall are explained with their real parameters.
"""

from __future__ import annotations

import re
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


def _capture(app: Any, page: Page) -> list[tuple[float, str, Any]]:
    client = app.test_client()
    headers = {}
    if page.token:
        headers["Authorization"] = f"Bearer {page.token}"
    else:
        form = client.get("/login").get_data(as_text=True)
        match = CSRF_RE.search(form)
        client.post("/login", data={"email": page.accounts[0], "password": BENCH_PASSWORD,
                                    "csrf_token": match.group(1) if match else ""})
    client.get(page.path, headers=headers)
    engine = app.extensions["database"].engine
    timed: list[tuple[float, str, Any]] = []

    def before(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        conn.info["started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        timed.append((time.perf_counter() - conn.info.pop("started"), statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        client.get(page.path, headers=headers)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    return timed


def slowest(database_url: str, pages: list[Page], *, top: int = 5) -> tuple[list[SlowStatement], dict[str, int]]:
    """The `top` slowest distinct statements of all pages, explained; and statements per page."""
    from web import create_app

    app = create_app({"DATABASE_URL": database_url, "RATELIMIT_ENABLED": False})
    found: dict[str, tuple[str, float, str, Any]] = {}
    counts: dict[str, int] = {}
    for page in pages:
        timed = _capture(app, page)
        counts[page.key] = len(timed)
        for seconds, sql, params in timed:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # only reads are explained (EXPLAIN ANALYZE runs the statement)
            shape = _shape(sql)
            if shape not in found or found[shape][1] < seconds:
                found[shape] = (page.title, seconds, sql, params)
    app.extensions["database"].engine.dispose()
    chosen = sorted(found.values(), key=lambda item: -item[1])[:top]
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    explained = []
    with psycopg.connect(dsn) as conn:
        for title, seconds, sql, params in chosen:
            rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()  # type: ignore[arg-type]
            conn.rollback()
            explained.append(SlowStatement(title, seconds * 1000, sql, "\n".join(r[0] for r in rows)))
    return explained, counts
