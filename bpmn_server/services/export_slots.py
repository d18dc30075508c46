"""Long exports must not starve the API: each process runs at most `limit` history exports at once (the next
one gets 429 with `Retry-After`), and an export yields the CPU between its batches in proportion to the time the
batch took (`pace` 1.0: at most about half a core), so requests served beside it keep their latency."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from ..exceptions import TooManyRequests

_state = {"limit": 2, "pace": 1.0}
_running = {"count": 0}
_lock = threading.Lock()


def configure(limit: int, pace: float) -> None:
    """Set at start from the server's configuration (BPMN_SERVER_EXPORT_CONCURRENCY, _EXPORT_PACE)."""
    _state["limit"], _state["pace"] = max(1, limit), max(0.0, pace)


class Paced:
    """The body of one export: holds a slot until the download ends or is abandoned (`close`)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._open = True

    def __iter__(self) -> Paced:
        return self

    def __next__(self) -> bytes:
        began = time.perf_counter()
        try:
            chunk = next(self._chunks)
        except BaseException:
            self.close()
            raise
        spent = time.perf_counter() - began
        if _state["pace"]:
            time.sleep(min(spent * _state["pace"], 1.0))
        return chunk

    def __del__(self) -> None:  # a download dropped before its first chunk still gives its slot back
        self.close()

    def close(self) -> None:
        """Werkzeug calls this when the response ends, also for a client that went away early."""
        if self._open:
            self._open = False
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
            with _lock:
                _running["count"] -= 1


def start(chunks: Iterator[bytes]) -> Paced:
    """Take an export slot for `chunks`, or refuse with 429 when this process runs its limit already."""
    with _lock:
        if _running["count"] >= _state["limit"]:
            raise TooManyRequests(f"{_running['count']} history exports are running on this server process; "
                                  "try again when one has finished", retry_after=30)
        _running["count"] += 1
    return Paced(chunks)
