"""Slowing down token guessing: an address that sent too many bad tokens gets 429 for a while.

Counted per server process in memory (a sliding minute per address): with N processes an address may try
N times the limit, still far too slow to guess a 256-bit token, and no write reaches the database for a bad
token. The real user is not locked out by someone guessing from the same address: a token that worked from
that address within the window keeps working while the address is throttled.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque

WINDOW = 60.0
_MAX_ADDRESSES = 10_000  # bound the memory an attacker can make us use


class BadTokenThrottle:
    def __init__(self, limit: int, window: float = WINDOW) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._trusted: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        found = self._failures.get(address)
        if found is None:
            return deque()
        while found and found[0] <= now - self.window:
            found.popleft()
        if not found:
            del self._failures[address]
        return found

    def blocked_for(self, address: str, token: str, now: float | None = None) -> int:
        """Seconds this address must wait before trying `token` (0: go ahead)."""
        if self.limit <= 0:
            return 0
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = self._recent(address, now)
            if len(recent) < self.limit:
                return 0
            if self._trusted.get((address, _digest(token)), 0.0) > now - self.window:
                return 0
            return max(1, int(recent[0] + self.window - now) + 1)

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._failures) >= _MAX_ADDRESSES and address not in self._failures:
                self._failures.pop(next(iter(self._failures)))
            self._failures.setdefault(address, deque()).append(now)

    def succeeded(self, address: str, token: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._trusted) >= _MAX_ADDRESSES:
                self._trusted.pop(next(iter(self._trusted)))
            self._trusted[(address, _digest(token))] = now


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]
