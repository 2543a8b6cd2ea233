"""Results kept in the worker's memory, each under the data generation it was computed at
(models/changes.py). The two kept results issue #19 allows, the quarterly report and the ranked
recommendation lists, are kept here and nowhere else.

A reader needs a result that holds every change committed before it began: one computed at its
own generation or at a later one (a later one holds more, all of it committed). So a subject (a
programme's report of the day, an offer's list for a day, filters, user and model) keeps its
latest result, and a reader takes it when its generation is at least the reader's.

Only one thread computes a subject at a time. Readers that arrive meanwhile wait, and most find
the result they need when it is done, instead of starting computations of their own: while data
changes faster than a result is computed, a subject is computed once per computation time, not
once per reader. A kept value is shared between requests: it is read, never changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Optional, TypeVar

from sqlalchemy.orm import Session

from . import changes
from .changes import Generation

T = TypeVar("T")


class Kept:
    def __init__(self, size: int = 256):
        self.size = size
        self._values: OrderedDict[Hashable, tuple[Generation, Any]] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.computed = 0  # how many values were computed (tests and the benchmark read it)

    def _current(self, subject: Hashable, needed: Generation) -> tuple[bool, Any]:
        with self._lock:
            entry = self._values.get(subject)
            if entry is not None and entry[0].epoch == needed.epoch and entry[0].n >= needed.n:
                self._values.move_to_end(subject)
                return True, entry[1]
            return False, None

    def find(self, subject: Hashable, needed: Generation) -> tuple[bool, Any]:
        """(True, the kept result) when `subject` is kept at generation `needed` or later; never
        computes, never waits."""
        return self._current(subject, needed)

    def get(self, subject: Hashable, needed: Generation, read_generation: Callable[[], Generation],
            compute: Callable[[], T]) -> T:
        """`subject`'s result holding at least generation `needed`: the kept one, or one computed
        now. `read_generation` is called just before `compute`; what `compute` returns holds at
        least that generation, and is kept under it."""
        found, value = self._current(subject, needed)
        if found:
            return value  # type: ignore[no-any-return]
        with self._lock:
            lock = self._computing.setdefault(subject, threading.Lock())
        with lock:
            found, value = self._current(subject, needed)  # computed by the thread we waited for
            if found:
                return value  # type: ignore[no-any-return]
            generation = read_generation()
            value = compute()
            with self._lock:
                self.computed += 1
                kept = self._values.get(subject)
                if kept is None or kept[0].epoch != generation.epoch or kept[0].n <= generation.n:
                    self._values[subject] = (generation, value)
                    self._values.move_to_end(subject)
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


KEPT = Kept()


def kept_result(session: Session, subject: Hashable, compute: Callable[[], T], *, counter: str = "n",
                needed: Optional[Generation] = None) -> T:
    """`subject`'s result for this request: computed afresh when the request has written
    something itself (it is then never kept, so nothing uncommitted is ever shared), otherwise the
    kept one holding every change counted by `counter` up to `needed` (read now when not given).
    The one way the quarterly report, its headline and the ranked lists are kept."""
    if changes.session_has_written(session):
        return compute()
    needed = needed or changes.current(session, counter)
    return KEPT.get(subject, needed, lambda: changes.current(session, counter), compute)
