"""Values derived from the database, kept in the process while their inputs are unchanged.

Some figures cost far more to compute than to show: a recommendation list ranks every eligible
candidate (about 0.15 s over 15,000 of them), the start page's panels aggregate a month of
visits. `DerivedCache` keeps such a value in the process, stamped with a data version from the
database (models/system.py): a value that is changed in the same transaction as every committed
change to the rows the value is computed from. A value is used only while its stamp equals the
version, so a page never shows anything older than the last committed change, and the workers
and hosts cannot disagree: each checks its own copy against the one shared version (one
indexed read per transaction). A value derived from a session with uncommitted changes to its
inputs is computed and returned but never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Optional, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import find_tables

from ..system import DERIVED_DATA, data_version, has_uncommitted_inputs

T = TypeVar("T")


class DerivedCache:
    """An LRU of values derived from the data that the data versions `names` stand for (a value
    computed from both the report's and the matching's inputs names both)."""

    def __init__(self, *names: str, max_entries: int = 256) -> None:
        unknown = [name for name in names if name not in DERIVED_DATA]
        if unknown or not names:
            raise ValueError(f"no data version called {unknown or names!r}")
        self.names = names
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[tuple[int, ...], Any]] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0

    def get(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for `key`: kept, or `compute()`d now (and kept when it may be). Threads
        that miss the same key at once wait for the first one's result instead of all
        computing it (a cold worker would otherwise rank one offer four times over)."""
        # The version is read before computing: a change committed meanwhile leaves the value
        # stamped with the version before it, so the next reader computes it again.
        version = tuple(data_version(session, name) for name in self.names)
        full_key = (session.get_bind().url.render_as_string(hide_password=True), key)
        with self._lock:
            if (found := self._kept(full_key, version)) is not None:
                return found[0]  # type: ignore[no-any-return]
            computing = self._computing.setdefault(full_key, threading.Lock())
        with computing:
            with self._lock:
                if (found := self._kept(full_key, version)) is not None:
                    return found[0]  # type: ignore[no-any-return]
                self.misses += 1
            try:
                value = compute()
                if not any(has_uncommitted_inputs(session, name) for name in self.names):
                    with self._lock:
                        self._entries[full_key] = (version, value)
                        self._entries.move_to_end(full_key)
                        while len(self._entries) > self.max_entries:
                            self._entries.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(full_key, None)
        return value

    def _kept(self, full_key: Hashable, version: tuple[int, ...]) -> Optional[tuple[Any]]:
        """(value,) when kept for `version` (counted as a hit), else None; under the lock."""
        entry = self._entries.get(full_key)
        if entry is None or entry[0] != version:
            return None
        self._entries.move_to_end(full_key)
        self.hits += 1
        return (entry[1],)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# --- the number of rows of a list page ------------------------------------------------------------
#: Row counts of list queries, one cache per data version (the first whose inputs hold every
#: table a query reads serves it). A list's count is the one figure a page of it costs in
#: proportion to the whole table (about 10 ms over 100,000 visits).
_COUNTS = {name: DerivedCache(name, max_entries=512) for name in sorted(DERIVED_DATA)}


def count_rows(session: Session, stmt: sa.Select[Any]) -> int:
    """The number of rows `stmt` returns; kept while the tables it reads are unchanged (when one
    data version covers all of them; otherwise counted every time)."""
    query = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())

    def compute() -> int:
        return int(session.scalar(query) or 0)

    tables = {table.name for table in find_tables(query)}
    name = next((n for n in sorted(DERIVED_DATA) if tables and tables <= DERIVED_DATA[n]), None)
    if name is None:
        return compute()
    compiled = query.compile(dialect=session.get_bind().dialect)
    key = ("count", str(compiled), tuple(sorted((k, repr(v)) for k, v in compiled.params.items())))
    return _COUNTS[name].get(session, key, compute)
