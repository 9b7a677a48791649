"""The migrations make exactly the schema the models describe, on both databases.

A model change without its migration (or the other way round) would pass every other test,
which builds the schema from the migrations, and fail in production on the first query.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from oms_dashboard.extensions import db


def test_the_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
