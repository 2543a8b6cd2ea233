"""Load test: the app under gunicorn (deploy/gunicorn.conf.py, 2 workers with threads) on a free
loopback port, driven by a closed-loop load generator: N clients, each with its own logged-in
session, sending the next request as soon as the previous answer has arrived (no think time,
as wrk or hey do). That is the harshest reading of "16 concurrent clients": the figures are the
latency a user sees while 15 others are clicking as fast as the server answers.

With `think` > 0 each client pauses a random 0.5–1.5 × `think` seconds between requests: 16
people clicking about once a second, a heavy but human load, reported beside the closed loop.

The generator is plain Python (requests), in 4 processes of 4 threads so that the clients do
not queue for one interpreter lock; its own CPU use is measured and reported, because on a
2-core machine every core it uses is one the server does not get. Only loopback addresses.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import requests

from .dataset import BENCH_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Page:
    """One measured page: who asks (an account, or a bearer token) and what it costs at most."""

    key: str
    title: str
    path: str
    accounts: tuple[str, ...] = ()  # logged in through /login, one session per client
    token: str = ""  # or an API token
    target_p95_ms: float = 200.0


@dataclass
class PageResult:
    page: Page
    clients: int
    seconds: float
    think: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    client_cpu_s: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    def pct(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        return self.errors == 0 and bool(self.latencies_ms) and self.pct(95) <= self.page.target_p95_ms


# --- the server ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn with the deployment config, bound to a free loopback port (a context manager)."""

    def __init__(self, database_url: str, *, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log = Path(tempfile.mkdtemp(prefix="iop-bench-")) / "gunicorn.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "APP_ENV": "development",
            "RATELIMIT_ENABLED": "0",  # 16 clients from one address would trip the login limits
            "MAIL_BACKEND": "console",
            "GUNICORN_BIND": f"{HOST}:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_LOG_LEVEL": "warning",
            "GUNICORN_MAX_REQUESTS": "0",  # no recycling in the middle of a measurement
            # As deploy/systemd/iop-web.service: fewer glibc malloc arenas for threaded workers, and
            # freed memory given back sooner.
            "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
            "MALLOC_TRIM_THRESHOLD_": os.environ.get("MALLOC_TRIM_THRESHOLD_", "131072"),
            "MALLOC_MMAP_THRESHOLD_": os.environ.get("MALLOC_MMAP_THRESHOLD_", "131072"),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "web:create_app()"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start; see {self.log}:\n{self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200 and len(self.workers()) >= 1:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log}")

    def __exit__(self, *_exc: Any) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the gunicorn master)."""
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def worker_rss_mb(self) -> list[float]:
        """Resident memory (VmRSS) of each worker, in MB."""
        sizes = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sizes


# --- the clients ---------------------------------------------------------------------------
def login(base: str, email: str) -> requests.Session:
    """A session logged in through the real login form (CSRF token included)."""
    session = requests.Session()
    form = session.get(base + "/login", timeout=REQUEST_TIMEOUT)
    match = CSRF_RE.search(form.text)
    data = {"email": email, "password": BENCH_PASSWORD, "csrf_token": match.group(1) if match else ""}
    response = session.post(base + "/login", data=data, allow_redirects=False, timeout=REQUEST_TIMEOUT)
    if response.status_code != 302:
        raise RuntimeError(f"login as {email} failed: HTTP {response.status_code}")
    return session


def _client(base: str, page: Page, session: requests.Session, start: float, warmup: float, seconds: float,
            think: float, out: list[tuple[float, int]]) -> None:
    """One client: request, wait for the answer (and think), request again; record after warm-up."""
    url = base + page.path
    headers = {"Authorization": f"Bearer {page.token}"} if page.token else {}
    measure_from, stop = start + warmup, start + warmup + seconds
    pause = random.Random()  # noqa: S311 (timing jitter, not security)
    while (now := time.monotonic()) < stop:
        if think:
            time.sleep(think * pause.uniform(0.5, 1.5))
            now = time.monotonic()
        try:
            response = session.get(url, headers=headers, allow_redirects=False, timeout=REQUEST_TIMEOUT)
            response.content  # noqa: B018 (read the whole body)
            status = response.status_code
        except requests.RequestException:
            status = 0
        if now >= measure_from:
            out.append(((time.monotonic() - now) * 1000, status))


def _process(base: str, page: Page, clients: list[int], barrier: Any, warmup: float, seconds: float,
             think: float, results: Any) -> None:
    """A load-generator process: logs its clients in, waits for the others, then runs them."""
    sessions = []
    for n in clients:
        if page.accounts:
            sessions.append(login(base, page.accounts[n % len(page.accounts)]))
        else:
            sessions.append(requests.Session())
    barrier.wait()
    start = time.monotonic()
    cpu = time.process_time()
    outs: list[list[tuple[float, int]]] = [[] for _ in sessions]
    threads = [
        threading.Thread(target=_client, args=(base, page, s, start, warmup, seconds, think, o))
        for s, o in zip(sessions, outs, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(([sample for out in outs for sample in out], time.process_time() - cpu))


def run_page(server: Server, page: Page, *, clients: int = 16, processes: int = 4, warmup: float = 3.0,
             seconds: float = 20.0, think: float = 0.0) -> PageResult:
    """Drive one page with `clients` concurrent clients for `seconds` after a warm-up."""
    ctx = mp.get_context("fork")
    results = ctx.Queue()
    groups = [g for g in (list(range(i, clients, processes)) for i in range(processes)) if g]
    barrier = ctx.Barrier(len(groups))
    procs = [ctx.Process(target=_process, args=(server.base, page, g, barrier, warmup, seconds, think, results))
             for g in groups]
    for p in procs:
        p.start()
    result = PageResult(page=page, clients=clients, seconds=seconds, think=think)
    for _ in procs:
        samples, cpu = results.get(timeout=warmup + seconds + 300)
        result.client_cpu_s += cpu
        for latency, status in samples:
            if status == 200:
                result.latencies_ms.append(latency)
            else:
                result.errors += 1
                if len(result.error_samples) < 5:
                    result.error_samples.append(f"HTTP {status}" if status else "no answer")
    for p in procs:
        p.join()
    return result


class Writer:
    """Commits one change a second while a page is measured, through the app's own session, as a
    user saving something would. `change`:

    - "all": a candidate's target group, Swedish level and note: an input of the quarterly report
      and of every ranked list, so every commit makes each kept result be computed again
      (models/changes.py: both counts move) — the #19 targets are measured this way;
    - "profile": the Swedish level and note, as an officer editing a profile: every ranked list is
      computed again, the report (which never reads a Swedish level) is not;
    - "note": the internal note alone, which no kept result reads."""

    CHANGES = ("all", "profile", "note")

    def __init__(self, database_url: str, interval: float = 1.0, *, change: str = "all"):
        if change not in self.CHANGES:
            raise ValueError(f"unknown change {change!r}")
        self.database_url = database_url
        self.interval = interval
        self.change = change
        self.commits = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import sqlalchemy as sa
        from sqlalchemy.orm import Session

        from models import Candidate, make_engine
        from models.enums import TargetGroup

        engine = make_engine(self.database_url)
        groups = list(TargetGroup)
        try:
            with Session(engine) as session:
                ids = list(session.scalars(sa.select(Candidate.id).order_by(Candidate.id).limit(100)))
            while not self._stop.wait(self.interval):
                with Session(engine) as session:
                    candidate = session.get(Candidate, ids[self.commits % len(ids)])
                    assert candidate is not None
                    candidate.needs_other = f"Ändrad under lasttestet ({self.commits})"
                    if self.change in ("all", "profile"):
                        candidate.swedish_level = candidate.swedish_level % 6 + 1
                    if self.change == "all":
                        candidate.target_group = groups[(groups.index(candidate.target_group) + 1) % len(groups)]
                    session.commit()
                self.commits += 1
        finally:
            engine.dispose()


def create_token(database_url: str, email: str) -> str:
    """An API token made the documented way: `flask --app web create-token EMAIL`."""
    flask = Path(sys.executable).with_name("flask")
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development"}
    done = subprocess.run(
        [str(flask), "--app", "web", "create-token", email, "--name", "benchmark"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )
    return done.stdout.strip().splitlines()[-1]
