"""A real HTTP webhook receiver on localhost for the delivery tests, recording every request.

How it answers is set per path: `/ok…` 200; `/flaky…` 503 for the first `failures` requests, then
200; `/down…` 503 always; `/hang…` never answers (holds the request until the test ends).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers["X-OMS-Event-Id"]


class Receiver:
    def __init__(self, *, failures: int = 1, delay_seconds: float = 0.0) -> None:
        self.failures = failures
        self.delay_seconds = delay_seconds  # how long every answer takes (a slow receiver)
        self.requests: list[Received] = []
        self.answered: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(
                        Received(self.path, {k: v for k, v in self.headers.items()}, body, time.monotonic())
                    )
                    seen = sum(1 for r in receiver.requests if r.path == self.path)
                if self.path.startswith("/hang"):
                    receiver.release.wait(60)
                    return
                if receiver.delay_seconds:
                    receiver.release.wait(receiver.delay_seconds)
                failing = self.path.startswith("/down") or (
                    self.path.startswith("/flaky") and seen <= receiver.failures
                )
                status = 503 if failing else 200
                answer = b"busy, try later" if failing else b"ok"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                with receiver.lock:
                    receiver.answered[self.path] += 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]
