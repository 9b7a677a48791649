"""cache the package list's filter choices: sales channels and cargo companies bump the cache generation

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:00:00

The package list offers every sales channel and active cargo company as a filter. They rarely change,
so each process keeps them (`oms_dashboard.cache`); a write to either table now bumps
`cache_generations`, as writes to the transitions and API tokens already do (0009), and every process
reloads them on its next request.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("sales_channels", "cargo_companies")
START = "abs(random()) % 1000000000000"


def upgrade():
    for table in TABLES:
        if op.get_bind().dialect.name == "postgresql":
            # bump_cache_generation() is 0009's function.
            op.execute(
                f"CREATE TRIGGER {table}_bump_cache_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_generation()"
            )
            continue
        for action in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_{action.lower()}_bump_cache_generation AFTER {action} ON {table} BEGIN"
                f" INSERT OR IGNORE INTO cache_generations (id, generation) VALUES (1, {START});"
                " UPDATE cache_generations SET generation = generation + 1 WHERE id = 1;"
                " END"
            )


def downgrade():
    for table in TABLES:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER {table}_bump_cache_generation ON {table}")
            continue
        for action in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {table}_{action}_bump_cache_generation")
