"""The SQL behind one request, captured in-process (create_app on the bench database), and replayed alone.

A `before_cursor_execute` listener records every statement with its parameters while the Flask test client
makes the request (the second time, so per-process caches are warm as in a running worker). Replaying exactly
those statements with psycopg, in a transaction rolled back after each round, is the page's floor: what its SQL
costs without Python. The statements of one command become a pgbench script the same way.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from bench.http import CSRF_FIELD
from bench.server import ROOT

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
HEX32 = re.compile(r"[0-9a-f]{32}")


@dataclass
class Captured:
    status: int
    statements: list[tuple[str, Any]] = field(default_factory=list)
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


class InProcessApp:
    def __init__(self, database_url: str):
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from sqlalchemy import event

        from oms_dashboard import create_app
        from oms_dashboard.extensions import db

        self.app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-secret", "HTMX_CDN_URL": ""}
        )
        self.recording: list[tuple[str, Any]] | None = None
        with self.app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._record)
        self.client = self.app.test_client()

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.recording is None:
            return
        if executemany:  # one statement per parameter set: what a replay or pgbench can run
            self.recording.extend((statement, one) for one in parameters)
        else:
            self.recording.append((statement, parameters))

    def sign_in(self, username: str, password: str) -> None:
        page = self.client.get("/login").get_data(as_text=True)
        match = CSRF_FIELD.search(page)
        token = match.group(1) or match.group(2)
        answer = self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        if answer.status_code != 302:
            raise RuntimeError(f"in-process sign-in answered {answer.status_code}")

    def request(self, method: str, path: str, **kwargs) -> Captured:
        self.recording = []
        try:
            answer = self.client.open(path, method=method, **kwargs)
            return Captured(
                answer.status_code,
                self.recording,
                answer.get_data(),
                answer.headers.get("ETag"),
                answer.headers.get("Last-Modified"),
            )
        finally:
            self.recording = None

    def warm(self, method: str, path: str, *, conditional: bool = False, **kwargs) -> Captured:
        """The request twice; the second one's statements (`conditional`: with the first answer's validators)."""
        first = self.request(method, path, **kwargs)
        if conditional:
            kwargs["headers"] = dict(kwargs.get("headers") or {})
            if first.etag:
                kwargs["headers"]["If-None-Match"] = first.etag
            if first.last_modified:
                kwargs["headers"]["If-Modified-Since"] = first.last_modified
        return self.request(method, path, **kwargs)


def replay_p50(url: str, statements: list[tuple[str, Any]], *, seconds: float) -> float:
    """p50 seconds of running the statements in one transaction (rolled back), repeated for `seconds`."""
    samples = []
    with psycopg.connect(url) as connection:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or len(samples) < 5:
            with connection.cursor() as cursor:
                started = time.perf_counter()
                for statement, parameters in statements:
                    cursor.execute(statement, parameters or None)
                    if cursor.description is not None:
                        cursor.fetchall()
                samples.append(time.perf_counter() - started)
            connection.rollback()
    return statistics.median(samples)


def pgbench_script(
    connection: psycopg.Connection, commands: list[list[tuple[str, Any]]], variables: dict[int, str]
) -> str:
    """One transaction per command; parameters equal to a value in `variables` become that pgbench variable,
    32-hex strings (event uuids, unique) a fresh md5 per run — the same one wherever the command repeats
    the uuid (an event pointing at its sibling's payload) — and every other parameter its literal."""
    uuids: dict[str, str] = {}  # a command's uuid -> its pgbench variable

    def render(statement: str, parameters: dict) -> str:
        def one(match: re.Match) -> str:
            value = parameters[match.group(1)]
            if isinstance(value, int) and not isinstance(value, bool) and value in variables:
                return f":{variables[value]}"
            if isinstance(value, str) and HEX32.fullmatch(value):
                return ":" + uuids.setdefault(value, f"uuid{len(uuids) + 1}")
            return sql.Literal(value).as_string(connection)

        text = PLACEHOLDER.sub(one, statement).replace("%%", "%")
        return " ".join(text.split()) + ";"

    lines = [
        r"\set n :client_id + :clients * random(0, :per_client - 1)",
        r"SELECT pkg, ord, item, oitem FROM bench_pgbench_packages WHERE n = :n \gset",
    ]
    for statements in commands:
        uuids.clear()
        body = [render(statement, dict(parameters or {})) for statement, parameters in statements]
        if uuids:  # quoted literals, so `:uuidN` is substituted as a string
            fresh = ", ".join(f"quote_literal(md5(random()::text)) AS {name}" for name in uuids.values())
            lines.append(f"SELECT {fresh} \\gset")
        lines.append("BEGIN;")
        lines.extend(body)
        lines.append("COMMIT;")
    return "\n".join(lines) + "\n"
