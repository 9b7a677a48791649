"""cache generations: one counter every write to a cached table bumps, by trigger

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 12:00:00

Each app process caches transitions and API tokens (`oms_dashboard/cache.py`) and drops its cache when
this counter moved. Triggers bump it in the writer's own transaction, whoever the writer is, so a revoked
token or a changed transition reaches every worker on its next request. Updates of a token's last use are
left out: they happen every minute and change nothing the cache keeps.

The row starts at a random number (and is made again that way if the table was emptied): a process that
cached under an old number cannot meet that number again after the database was reset.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# (table, the columns whose update matters; None: every column)
CACHED_TABLES = (
    ("transitions", None),
    ("transfer_transitions", None),
    ("api_tokens", ("name", "key_hash", "key_prefix", "revoked_date")),
    ("api_token_locations", None),
)
START = "abs(random()) % 1000000000000"
START_POSTGRESQL = "floor(random() * 1000000000000)::bigint"


def upgrade():
    op.create_table(
        "cache_generations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers():
    op.execute(f"INSERT INTO cache_generations (id, generation) VALUES (1, {START_POSTGRESQL})")
    op.execute(
        f"""
        CREATE FUNCTION bump_cache_generation() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO cache_generations (id, generation) VALUES (1, {START_POSTGRESQL})
                ON CONFLICT (id) DO UPDATE SET generation = cache_generations.generation + 1;
            RETURN NULL;
        END $$
        """
    )
    for table, columns in CACHED_TABLES:
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        op.execute(
            f"CREATE TRIGGER {table}_bump_cache_generation AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_generation()"
        )


def _sqlite_triggers():
    op.execute(f"INSERT INTO cache_generations (id, generation) VALUES (1, {START})")
    for table, columns in CACHED_TABLES:
        for action in ("INSERT", f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE", "DELETE"):
            name = f"{table}_{action.split()[0].lower()}_bump_cache_generation"
            op.execute(
                f"CREATE TRIGGER {name} AFTER {action} ON {table} BEGIN"
                f" INSERT OR IGNORE INTO cache_generations (id, generation) VALUES (1, {START});"
                " UPDATE cache_generations SET generation = generation + 1 WHERE id = 1;"
                " END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in CACHED_TABLES:
            op.execute(f"DROP TRIGGER {table}_bump_cache_generation ON {table}")
        op.execute("DROP FUNCTION bump_cache_generation()")
    else:
        for table, _ in CACHED_TABLES:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{action}_bump_cache_generation")
    op.drop_table("cache_generations")
