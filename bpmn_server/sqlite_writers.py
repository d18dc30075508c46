"""SQLite's writers queue here, not in SQLite's busy handler.

SQLite lets one writer at a time into a file. A writer that finds the lock taken sleeps in SQLite's
busy handler, whose back-off grows to 100 ms a try: under load a few requests lose that race again and
again and wait for seconds. A service transaction (services/tx.py) therefore takes this lock first:
threads of a process wait on a lock that wakes the next one at once, and processes on a file lock
beside the database, polled every millisecond or two. SQLite's own lock still guards the data; this
only decides who goes next, so writers that do not take it (migrations, the last-used time of a
token) stay correct and merely wait the old way.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .exceptions import Unavailable

try:
    import fcntl
except ImportError:  # not on Windows: threads of one process still queue
    fcntl = None  # type: ignore[assignment]

_POLL = (0.0005, 0.002)  # first and longest wait between tries of the file lock, in seconds


class Writers:
    """The write queue of one SQLite file, shared by every engine of this process on that file."""

    def __init__(self, path: str | None):
        self.lock_path = f"{path}-writer.lock" if path else None
        self.threads = threading.Lock()
        self._fd: int | None = None
        self._pid: int | None = None

    def _file(self) -> int | None:
        # Opened once per process: a forked worker must not share its parent's open file (nor its lock).
        if self.lock_path is None or fcntl is None:
            return None
        if self._pid != os.getpid():
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def hold(self, timeout: float) -> Iterator[None]:
        """Be the only writer of this process and host for the block; 503 after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            raise Unavailable("the database is busy; try again")
        try:
            fd = self._file()
            if fd is not None:
                _lock_file(fd, deadline)
            try:
                yield
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


def _lock_file(fd: int, deadline: float) -> None:
    wait = _POLL[0]
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Unavailable("the database is busy; try again") from None
            time.sleep(wait)
            wait = min(wait * 2, _POLL[1])


_QUEUES: dict[str | None, Writers] = {}
_QUEUES_LOCK = threading.Lock()


def writers(path: str | None) -> Writers:
    """The queue of the SQLite file at `path` (None: an in-memory database, threads only)."""
    key = os.path.realpath(path) if path else None
    with _QUEUES_LOCK:
        found = _QUEUES.get(key)
        if found is None:
            found = _QUEUES[key] = Writers(key)
        return found
