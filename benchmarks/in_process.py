"""One page of the app timed in one process, with its SQL statements: what the notes' "in one
process" figures are measured with.

    .venv/bin/python -m benchmarks.in_process URL PATH [--as steering] [--requests 20] [--explain]

URL is a benchmark database (`python -m benchmarks.run --keep` prints it); PATH a page such as
`/`, `/besok` or `/kandidater/?interests=hospitality&level_min=2`. It logs in through the login
form as the data set's first project leader (or its steering-group member), loads the page three
times unmeasured (as a warm worker has), then prints the median and fastest of `--requests`
loads, and the statements of one more load, slowest first (with `--explain`, PostgreSQL's
EXPLAIN ANALYZE of each read; with `--profile N`, the N functions that took the most time over
as many more loads, by cProfile: by their own time, or with `--sort cumulative` with what they
call). `--fresh` forgets the kept report and ranked lists before each load, as a committed
change makes the workers do; `--save FILE` writes the page as served, to compare a change's
output. The loaded app's objects are frozen out of the garbage collector, as in the gunicorn
workers (deploy/gunicorn.conf.py).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("path")
    parser.add_argument("--as", dest="who", choices=("project_leader", "steering"), default="project_leader")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--top", type=int, default=8, help="statements shown")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile as many loads again with cProfile and print the N costliest functions")
    parser.add_argument("--sort", choices=("tottime", "cumulative"), default="tottime",
                        help="--profile's order: a function's own time, or with what it calls")
    parser.add_argument("--fresh", action="store_true",
                        help="forget the kept results (report, ranked lists) before every load, as after a change")
    parser.add_argument("--save", metavar="FILE", help="write the page as served to FILE (to compare output)")
    args = parser.parse_args(argv)
    os.environ.update(DATABASE_URL=args.url, RATELIMIT_ENABLED="0", MAIL_BACKEND="console")

    from web import create_app

    from .dataset import BENCH_PASSWORD
    from .load import CSRF_RE
    from .run import _accounts

    app = create_app()
    data = _accounts(args.url)
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = CSRF_RE.search(form)
    email = data.steering if args.who == "steering" else data.project_leaders[0]
    answer = client.post("/login", data={"email": email, "password": BENCH_PASSWORD,
                                         "csrf_token": token.group(1) if token else ""})
    if answer.status_code not in (302, 303):
        raise SystemExit(f"login as {email} failed: HTTP {answer.status_code}")
    if args.save:
        Path(args.save).write_bytes(client.get(args.path).get_data())
    gc.freeze()
    from models.kept import KEPT

    def load() -> Any:
        if args.fresh:
            KEPT.clear()
        return client.get(args.path)

    for _ in range(3):
        if (status := load().status_code) != 200:
            raise SystemExit(f"{args.path}: HTTP {status}")
    seconds = []
    for _ in range(args.requests):
        start = time.perf_counter()
        load()
        seconds.append(time.perf_counter() - start)
    print(f"{args.path}: median {statistics.median(seconds) * 1000:.1f} ms, fastest {min(seconds) * 1000:.1f} ms "
          f"over {args.requests} requests")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            load()
        profiler.disable()
        print(f"\ncProfile of {args.requests} more loads (times for all of them, the profiler's cost included):")
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)

    sent: list[tuple[float, str, Any]] = []

    def before(conn: Any, _cursor: Any, _statement: str, _parameters: Any, *_: Any) -> None:
        conn.info["started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((time.perf_counter() - conn.info.pop("started"), statement, parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
    sa.event.listen(sa.engine.Engine, "after_cursor_execute", after)
    load()
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", before)
    sa.event.remove(sa.engine.Engine, "after_cursor_execute", after)
    print(f"{len(sent)} statements, {sum(s for s, _, _ in sent) * 1000:.1f} ms waiting for the database")
    engine = sa.create_engine(args.url)
    try:
        for took, statement, parameters in sorted(sent, key=lambda s: -s[0])[:args.top]:
            print(f"\n--- {took * 1000:.1f} ms\n{statement}")
            if args.explain and statement.lstrip().upper().startswith(("SELECT", "WITH")):
                with engine.connect() as conn:
                    raw = conn.connection.dbapi_connection
                    assert raw is not None
                    plan = raw.cursor().execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()
                    print("\n".join("    " + line for (line,) in plan))
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
