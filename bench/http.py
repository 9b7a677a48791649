"""A small keep-alive HTTP client (http.client): cheap enough that the load generator is not the bottleneck."""

from __future__ import annotations

import http.client
import json
import re
import time
from typing import Any
from urllib.parse import urlencode

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class Client:
    def __init__(self, port: int, *, token: str | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Token {token}"} if token else {}
        self.cookies: dict[str, str] = {}
        self.last_headers: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: Any = None, headers: dict | None = None
    ) -> tuple[int, bytes, float]:
        """(status, body, seconds) of one request on the kept-alive connection."""
        sent = dict(self.headers, **(headers or {}))
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if isinstance(body, dict | list):
            body = json.dumps(body)
            sent["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()  # the server closed a kept-alive connection: once more on a new one
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            data = response.read()
        elapsed = time.perf_counter() - started
        self.last_headers = {header.lower(): value for header, value in response.getheaders()}
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data, elapsed

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes, float]:
        return self.request("GET", path, headers=headers)

    def sign_in(self, username: str, password: str) -> None:
        status, page, _ = self.get("/login")
        match = CSRF_FIELD.search(page.decode())
        if status != 200 or not match:
            raise RuntimeError(f"no login form (HTTP {status})")
        form = urlencode({"username": username, "password": password, "csrf_token": match.group(1) or match.group(2)})
        status, _, _ = self.request(
            "POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302:
            raise RuntimeError(f"sign-in as {username} answered {status}")

    def close(self) -> None:
        self.connection.close()
