"""Real parts for the notification tests: an SMTP server (aiosmtpd) and an HTTP receiver thread."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


class SmtpSink:
    """An SMTP server on a free local port that keeps what it receives; `refuse` answers 451 to every mail."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False
        with socket.socket() as probe:  # aiosmtpd checks its own port after start: it needs a real one
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://{self.controller.hostname}:{self.controller.port}"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class Receiver:
    """An HTTP server that records POSTs and answers the status codes queued in `answers` (then 200)."""

    def __init__(self, secret: str = "s3cret-key") -> None:
        self.secret = secret
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.received.append({"headers": dict(self.headers), "body": body, "status": status,
                                          "path": self.path})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def verified(self, item: dict[str, Any]) -> dict[str, Any]:
        """The event of a received POST, after checking its signature as a receiver should."""
        headers = item["headers"]
        expected = hmac.new(self.secret.encode(), headers["X-Bpmn-Timestamp"].encode() + b"." + item["body"],
                            hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Bpmn-Signature"], f"sha256={expected}")
        event = json.loads(item["body"])
        assert headers["X-Bpmn-Event-Id"] == event["id"]
        return event

    def accepted(self) -> list[dict[str, Any]]:
        return [self.verified(item) for item in self.received if item["status"] < 300]
