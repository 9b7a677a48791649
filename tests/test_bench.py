"""`python -m bench --size small` runs to the end against PostgreSQL and prints every figure of the contract.

The figures themselves are not asserted: they measure a shared machine. Only that each row is there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

pytestmark = pytest.mark.postgresql_only

ROOT = Path(__file__).resolve().parent.parent
FIGURES = [
    "generation",
    "Movements / (manager)",
    "Movements 10-s refresh (HX-Request)",
    "package list, first page",
    "package list ?status=",
    "package detail page",
    "commands, JSON API, 16 clients",
    "Python CPU per command",
    "commands / pgbench with the same SQL",
    "order intake with planning",
    "worker memory",
    "cost growth",
    "concurrency: 16 clients racing",
]


def test_small_bench_prints_every_figure(database_url, tmp_path):
    server = database_url("postgresql").rsplit("/", 1)[0]
    name = f"oms_bench_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench", "--size", "small", "--url", f"{server}/{name}", "--results", str(tmp_path)],
            cwd=ROOT,
            env=os.environ | {"PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = done.stdout.split("\nfigure ", 1)[1]
    missing = [figure for figure in FIGURES if figure not in table]
    assert not missing, f"rows missing from the table: {missing}\n{done.stdout[-3000:]}"
    assert "floor n/a" in table or "pgbench " in table
    assert list(tmp_path.glob("small-*.json")), "no results file"
