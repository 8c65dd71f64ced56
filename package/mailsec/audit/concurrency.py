"""Running independent lookups at once, and computing each shared fact only once.

An audit's wall time should be its longest chain of dependent lookups, not their sum. Check groups
run in parallel threads; a fact several checks need (the MX set, an address's PTR) is computed by the
first thread that asks, while the others wait for it (`Memo`). Nothing waits on a pool slot, so nested
use cannot deadlock.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, Hashable, Iterable, List, Optional, Tuple, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_THREADS = 16  # enough for every MX address of a domain at once; threads only wait on the network
# (1 runs every audit step one after the other, in the calling thread: the serial baseline of `make bench`)


class Memo:
    """Thread-safe compute-once values keyed by any hashable key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: Dict[Hashable, Tuple[threading.Event, List[object]]] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            if owner:
                entry = (threading.Event(), [])
                self._entries[key] = entry
        done, slot = entry
        if owner:
            try:
                slot.append(_Outcome(compute(), None))
            except BaseException as exc:  # handed to every waiter, re-raised in each
                slot.append(_Outcome(None, exc))
            finally:
                done.set()
        done.wait()
        outcome = slot[0]
        if outcome.error is not None:
            raise outcome.error
        return outcome.value


class _Outcome:
    __slots__ = ("error", "value")

    def __init__(self, value: object, error: Optional[BaseException]) -> None:
        self.value = value
        self.error = error


def parallel_map(function: Callable[[T], R], items: Iterable[T]) -> List[R]:
    """`[function(item) for item in items]`, run concurrently, results in item order.

    Items start in their order; the calling thread takes the last one itself rather than wait idle
    while yet another thread does it.
    """
    work = list(items)
    if len(work) <= 1 or MAX_THREADS <= 1:
        return [function(item) for item in work]
    with ThreadPoolExecutor(max_workers=min(len(work) - 1, MAX_THREADS)) as pool:
        others = [pool.submit(function, item) for item in work[:-1]]
        last = function(work[-1])
        return [*(other.result() for other in others), last]
