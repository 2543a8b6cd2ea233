"""Backing up and restoring the whole database: SQLite through its online backup API (safe
while the app runs), PostgreSQL through pg_dump's custom format and pg_restore.

The PostgreSQL tools are run directly (no shell) with the connection parts of the URL as
arguments and the password in the environment, never on the command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def backup(engine: Engine, path: Path) -> None:
    """Write a consistent copy of the database to `path` (which must not exist yet), readable
    and writable by its owner only (0600): it holds every case. The file is made empty with
    that mode first, whatever the umask, and SQLite and pg_dump then write into it."""
    if engine.dialect.name not in ("sqlite", "postgresql"):
        raise BackupError(f"Databasen {engine.dialect.name} stöds inte.")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise BackupError(f"{path} finns redan; välj ett nytt filnamn.") from None
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_copy(_sqlite_live(engine), path, into_live=False)
        else:
            args, env = _pg_connection(engine.url)
            _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={path}", *args], env)
    except BaseException:
        path.unlink(missing_ok=True)  # no half-written backup left behind
        raise


def restore(engine: Engine, path: Path) -> None:
    """Replace the database's content with the backup at `path`. Stop the app first: open
    connections would see the data change under them."""
    if not path.is_file():
        raise BackupError(f"{path} finns inte.")
    engine.dispose()  # no pooled connection of ours may hold the old state or a lock
    if engine.dialect.name == "sqlite":
        _check_sqlite_file(path)
        _sqlite_copy(_sqlite_live(engine), path, into_live=True)
    elif engine.dialect.name == "postgresql":
        args, env = _pg_connection(engine.url)
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",  # all or nothing: a failed restore changes nothing
                "--exit-on-error",
                "--no-password",
                *args,
                str(path),
            ],
            env,
        )
    else:
        raise BackupError(f"Databasen {engine.dialect.name} stöds inte.")
    _mark_restored(engine)


def _mark_restored(engine: Engine) -> None:
    """The restored data is another state than any kept result was computed from: a new epoch
    (models/changes.py), so nothing kept before the restore is ever served for it."""
    from sqlalchemy import inspect
    from sqlalchemy.orm import Session

    from . import changes

    with engine.connect() as conn:
        if "data_generation" not in inspect(conn).get_table_names():
            return  # a backup from before the counter existed; migrating it installs one
    with Session(engine) as session:
        changes.raise_generation(session, new_database=True)
        session.commit()
    engine.dispose()


def _sqlite_live(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("En SQLite-databas i minnet kan inte säkerhetskopieras.")
    return database


def _sqlite_copy(live: str, path: Path, *, into_live: bool) -> None:
    source, target = (str(path), live) if into_live else (live, str(path))
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _check_sqlite_file(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} är ingen läsbar SQLite-databas: {exc}") from exc
    if not ok or ok[0] != "ok" or not tables or tables[0] == 0:
        raise BackupError(f"{path} är skadad eller tom och läses inte tillbaka.")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} saknas; installera PostgreSQL-klienten (Debian: postgresql-client).")
    return found


def _pg_connection(url: URL) -> tuple[list[str], dict[str, str]]:
    args = [f"--dbname={url.database}"]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    for key, variable in (("sslmode", "PGSSLMODE"), ("host", "PGHOST")):
        value = url.query.get(key)
        if isinstance(value, str):
            env[variable] = value
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} misslyckades: {result.stderr.strip()[-2000:]}")
