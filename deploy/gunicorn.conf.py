"""gunicorn settings for the app: `gunicorn -c deploy/gunicorn.conf.py "web:create_app()"`.

Every value can be overridden from the environment (GUNICORN_*), so one file serves a 2-core
host, a larger one and the benchmark (benchmarks/load.py starts the app with this file).

Why these defaults: the app's request time is mostly spent waiting for PostgreSQL, so each
worker process runs a few threads; processes, not threads, give the CPU parallelism (one per
core). Workers hold no state that matters between requests (sessions, rate limits and the
active model pointer live in PostgreSQL or Redis), so any worker can serve any request and a
worker can be recycled at any time.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # behind the reverse proxy / load balancer
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count())
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
# A request that takes longer than this is stuck (the slowest page, the quarterly export, takes
# about a second at a region's size); the worker is restarted and the request answered 502.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5  # seconds an idle keep-alive connection from the proxy is held open
# Recycle workers now and then (with jitter, so they do not restart together): bounds the
# effect of any slow leak in a library.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# Load the app in each worker (not in the master): each worker opens its own database pool
# after the fork, and a worker restart picks up a new model file without restarting the master.
preload_app = False
# The proxy in front sets X-Forwarded-For/-Proto; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # "-" for stdout; the proxy usually logs
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Request bodies: uploads are capped by the app (MAX_UPLOAD_MB); header limits stay at defaults.
limit_request_line = 8190


# glibc gives each thread that allocates its own malloc arena (up to 8 per core), and memory
# freed in one arena is not reused by another: with 4 threads building pandas frames for the
# ranked lists a worker's RSS grows by tens of MB that it never uses again. Two arenas per worker
# keep it down; set GUNICORN_MALLOC_ARENAS=0 to leave glibc's default.
M_ARENA_MAX = -8  # from <malloc.h>


def post_fork(server, worker):  # noqa: ARG001 (gunicorn's hook signature)
    arenas = _int("GUNICORN_MALLOC_ARENAS", 2)
    if arenas <= 0:
        return
    import contextlib
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name:
        with contextlib.suppress(OSError, AttributeError):  # not glibc (musl, macOS): nothing to limit
            ctypes.CDLL(name).mallopt(M_ARENA_MAX, arenas)


def post_worker_init(worker):  # noqa: ARG001 (gunicorn's hook signature)
    """The app is loaded: its modules, templates and the model are here for the worker's life.
    `gc.freeze()` moves them out of the cycle collector's reach, so a full collection (set off by
    any request that builds many lists) walks what requests made, not the 275,000 objects the
    loaded app holds (pandas, scikit-learn, SQLAlchemy, the app itself)."""
    import gc

    gc.freeze()
