"""A light HTTP load client: asyncio streams, HTTP/1.1 keep-alive, one connection per concurrency slot.

    python bench/loadgen.py '{"base": "http://127.0.0.1:8080", "scenario": "start", "payload": {...},
                              "concurrency": 16, "seconds": 10}'

Runs in a process of its own (harness.load starts it), so the client's work is not counted in the
server's process, and one event loop costs far less CPU than a thread per connection. A scenario is a
sequence of requests with JSON bodies; its latency is the whole sequence. Either `seconds` (run until
then) or `count` (run that many scenarios in all). Prints one JSON object: rate, p50_ms, p99_ms,
errors (scenarios with a non-2xx answer or a broken connection), count, elapsed_s.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

TIMEOUT = 120.0  # seconds for one scenario: a stuck server counts as an error instead of hanging the run

class Conn:
    """One keep-alive HTTP/1.1 connection; reopened when the server closes it."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, bytes]:
        """Send one request and read the answer by Content-Length (or chunks); returns (status, body)."""
        data = b"" if body is None else json.dumps(body).encode()
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {token or self.token}\r\n"
                f"Content-Length: {len(data)}\r\n" + ("Content-Type: application/json\r\n" if data else "") + "\r\n")
        reused = self.writer is not None
        if not reused:
            await self._open()
        assert self.writer is not None and self.reader is not None
        try:
            self.writer.write(head.encode() + data)
            line = await self.reader.readline()
        except ConnectionError:
            if not reused:
                raise
            line = b""
        if not line and reused:
            # The server closed an idle keep-alive connection before reading this request: send it again.
            self.close()
            return await self.request(method, path, body, token)
        if not line:
            raise ConnectionError("connection closed")
        status = int(line.split(b" ", 2)[1])
        length, chunked, close = 0, False, line.startswith(b"HTTP/1.0")
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        payload = await self._chunks() if chunked else await self.reader.readexactly(length)
        if close:
            self.close()
        return status, payload

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self.reader.readline()
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()


async def start(conn: Conn, payload: dict[str, Any]) -> bool:
    """POST one instance (payload["body"])."""
    status, _ = await conn.request("POST", "/api/process-instances", payload["body"])
    return 200 <= status < 300


async def lifecycle(conn: Conn, payload: dict[str, Any]) -> bool:
    """One user task from start to end, as an operator drives it: start, list, claim, complete."""
    token = payload["token"]
    status, raw = await conn.request("POST", "/api/process-instances",
                                     {"process": payload["process"], "variables": payload["start"]}, token)
    if status != 201:
        return False
    status, raw = await conn.request("GET", f"/api/tasks?instance={json.loads(raw)['id']}", None, token)
    items = json.loads(raw)["items"] if status == 200 else []
    if len(items) != 1:
        return False
    task = items[0]["id"]
    status, _ = await conn.request("POST", f"/api/tasks/{task}/claim", None, token)
    if status != 200:
        return False
    status, raw = await conn.request("POST", f"/api/tasks/{task}/complete", {"variables": payload["done"]}, token)
    return status == 200 and json.loads(raw)["status"] == "completed"


SCENARIOS: dict[str, Callable[[Conn, dict[str, Any]], Awaitable[bool]]] = {"start": start, "lifecycle": lifecycle}


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Drive the scenario from `concurrency` connections; returns the figures."""
    host, port = spec["base"].removeprefix("http://").split(":")
    scenario = SCENARIOS[spec["scenario"]]
    count, seconds = spec.get("count"), spec.get("seconds") or 10.0
    progress = spec.get("progress", 0)
    lat: list[float] = []
    state = {"errors": 0, "issued": 0}
    t0 = time.perf_counter()
    deadline = t0 + seconds

    def more() -> bool:
        if count is not None:
            state["issued"] += 1
            return state["issued"] <= count
        return time.perf_counter() < deadline

    async def slot() -> None:
        conn = Conn(host, int(port), spec.get("token", ""))
        while more():
            t = time.perf_counter()
            try:
                ok = await asyncio.wait_for(scenario(conn, spec["payload"]), TIMEOUT)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError, KeyError):
                conn.close()
                ok = False
            lat.append(time.perf_counter() - t)
            state["errors"] += 0 if ok else 1
            if progress and len(lat) % progress == 0:
                print(f"  {len(lat):,} done, {len(lat) / (time.perf_counter() - t0):,.0f}/s", file=sys.stderr)
        conn.close()

    await asyncio.gather(*(slot() for _ in range(spec.get("concurrency", 16))))
    elapsed = time.perf_counter() - t0
    lat.sort()

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, round(p / 100 * (len(lat) - 1)))] * 1000 if lat else float("nan")

    return {"rate": len(lat) / elapsed, "p50_ms": pct(50), "p99_ms": pct(99), "errors": state["errors"],
            "count": len(lat), "elapsed_s": elapsed}


def main() -> None:
    print(json.dumps(asyncio.run(run(json.loads(sys.argv[1])))))


if __name__ == "__main__":
    main()
