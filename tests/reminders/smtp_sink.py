"""A local SMTP sink (aiosmtpd on 127.0.0.1) that counts messages by Message-ID."""

from __future__ import annotations

import re
import socket
import threading
from collections import Counter
from typing import Any

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.I | re.M)


class CountingHandler:
    """Counts what arrives, and nothing more: the Message-ID is read from the headers
    only, so the sink stays far faster than what it measures (see bench/reminders.py)."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.message_ids: Counter[str] = Counter()
        self.recipients: Counter[str] = Counter()
        self._received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.content
        end_of_headers = content.find(b"\r\n\r\n")
        match = _MESSAGE_ID.search(content, 0, end_of_headers if end_of_headers >= 0 else None)
        with self.lock:
            self.message_ids[match.group(1).decode() if match else "<none>"] += 1
            for rcpt in envelope.rcpt_tos:
                self.recipients[rcpt.lower()] += 1
            self._received += 1
            self.lock.notify_all()
        return "250 Message accepted for delivery"

    def wait_for_received(self, count: int, timeout: float) -> None:
        """Until `count` messages have arrived (woken by each arrival, no polling)."""
        with self.lock:
            if not self.lock.wait_for(lambda: self._received >= count, timeout):
                raise AssertionError(
                    f"timed out after {timeout:.0f}s waiting for {count} messages "
                    f"({self._received} arrived)"
                )

    @property
    def received(self) -> int:
        with self.lock:
            return self._received

    @property
    def duplicates(self) -> int:
        with self.lock:
            return sum(n - 1 for n in self.message_ids.values() if n > 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self.handler = CountingHandler()
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def _serve(port: int, report: str) -> None:
    """Run a sink until SIGTERM, then write what it received to `report` (JSON)."""
    import json
    import signal

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with SmtpSink(port) as sink:
        print(f"listening on 127.0.0.1:{port}", flush=True)
        stop.wait()
        with sink.handler.lock:
            data = {
                "message_ids": dict(sink.handler.message_ids),
                "recipients": dict(sink.handler.recipients),
            }
    with open(report, "w") as out:
        json.dump(data, out)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="A counting SMTP sink on 127.0.0.1.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--report", required=True)
    options = parser.parse_args()
    _serve(options.port, options.report)
