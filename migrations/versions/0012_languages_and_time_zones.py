"""languages and time zones: a user's page language, a location's time zone

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 07:30:00

`users.locale` keeps the language a user picked in the header ("en", "tr"; NULL follows the browser).
`stock_locations.timezone` is the IANA zone the pages show the location's times in (NULL: OMS_TIMEZONE).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("locale", sa.String(8), nullable=True))
    with op.batch_alter_table("stock_locations") as batch:
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ has it too): a batch copy of `stock_locations` would fail its foreign keys.
    op.execute("ALTER TABLE stock_locations DROP COLUMN timezone")
    op.execute("ALTER TABLE users DROP COLUMN locale")
