"""Results kept in the worker's memory under the key of what they were computed from: the
data generation (models/changes.py) and the other inputs. The two kept results issue #19
allows, the quarterly report and the ranked recommendation lists, are kept here and nowhere
else; a key is never served for other data, because the database raises the generation with
every committed change.

One thread computes a missing key; the others that ask for it meanwhile wait for its result
rather than compute it again. A kept value is shared between requests: it is read, never
changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Kept:
    def __init__(self, size: int = 256):
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.computed = 0  # how many values were computed (tests and the benchmark read it)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]  # type: ignore[no-any-return]
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._values:  # computed by the thread we waited for
                    return self._values[key]  # type: ignore[no-any-return]
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    self._computing.pop(key, None)
                raise
            with self._lock:
                self.computed += 1
                self._values[key] = value
                self._computing.pop(key, None)
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


KEPT = Kept()
