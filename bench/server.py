"""gunicorn on the bench database, and what /proc says about its workers and the PostgreSQL backends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(database_url: str) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret",
        "HTMX_CDN_URL": "",
        "PYTHONPATH": str(ROOT),
    }


def flask(database_url: str, *arguments: str) -> str:
    """`flask --app oms_dashboard …` on the bench database; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "oms_dashboard", *arguments],
        cwd=ROOT,
        env=app_environment(database_url),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(arguments[:2])} failed: {done.stderr[-2000:]}")
    return done.stdout


@dataclass
class Server:
    process: subprocess.Popen
    port: int

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)


@contextmanager
def gunicorn(database_url: str, *, workers: int, application: str = "app:app") -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--limit-request-line",
            "8190",
            application,
        ],
        cwd=ROOT,
        env=app_environment(database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_listening(port, process)
        server = Server(process, port)
        deadline = time.monotonic() + 30
        while len(server.worker_pids()) < workers and time.monotonic() < deadline:
            time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {process.stderr.read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start listening within 60 s")


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """utime + stime of each process (seconds); vanished processes are left out."""
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return times


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def postgres_pids(database: str) -> list[int] | None:
    """The backends serving `database`, and the background processes of their server (None: not visible here)."""
    postmasters, backends = set(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if cmdline.startswith("postgres: ") and f" {database} " in cmdline:
            backends.append(int(entry))
            postmasters.add(int(stat.rsplit(")", 1)[1].split()[1]))
    if not backends:
        return None
    background = []
    for postmaster in postmasters:
        for pid in children(postmaster):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "(" not in cmdline and pid not in backends:  # walwriter, checkpointer, …: not other clients
                background.append(pid)
    return backends + background


class CpuMeter:
    """CPU seconds a set of processes (re-listed at the end, so new PostgreSQL backends count) used meanwhile."""

    def __init__(self, list_pids):
        self.list_pids = list_pids
        self.before = cpu_seconds(list_pids() or [])

    def used(self) -> float | None:
        pids = self.list_pids()
        if pids is None:
            return None
        after = cpu_seconds(pids)
        return sum(seconds - self.before.get(pid, 0.0) for pid, seconds in after.items())
