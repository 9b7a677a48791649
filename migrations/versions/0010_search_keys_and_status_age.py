"""search keys and status age: case- and accent-insensitive search, and how long a package is in its status

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 04:00:00

Search: folded copies (`oms_dashboard.search_keys.fold`: no accents, Turkish ı → i, casefolded) of the
package and order numbers, the customer's name and last name, the SKU and barcode, and the tracking
number, each indexed. They compare byte by byte (the "C" collation on PostgreSQL, SQLite's default), so
a prefix search reads one index range on both databases. Existing rows are folded here, in batches,
by the same Python function the app uses.

Age: `packages.status_changed_date`, when the package entered its status, set by every status change;
filled here from the transition log that brought it into its status, else its creation. Two indexes
serve the list's "oldest in its status first" per location and status, and per status.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oms_dashboard.search_keys import CUSTOMER_KEY_LENGTH, customer_keys, folded

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 5000
# (table, key column, its length)
KEYS = (
    ("packages", "number_key", 80),
    ("orders", "number_key", 64),
    ("orders", "customer_key", CUSTOMER_KEY_LENGTH),
    ("orders", "customer_last_name_key", CUSTOMER_KEY_LENGTH),
    ("products", "sku_key", 64),
    ("products", "barcode_key", 64),
    ("shipments", "tracking_key", 128),
)


def _key_type(length: int) -> sa.String:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, column, length in KEYS:
        op.add_column(table, sa.Column(column, _key_type(length), nullable=True))
    # SQLite adds a NOT NULL column only with a constant default; every row gets its real value below.
    op.add_column(
        "packages",
        sa.Column(
            "status_changed_date",
            sa.DateTime(timezone=True),
            nullable=postgresql,
            server_default=None if postgresql else sa.text("'1970-01-01 00:00:00.000000'"),
        ),
    )
    _fold_existing_rows()
    op.execute(
        "UPDATE packages SET status_changed_date = COALESCE("
        "(SELECT max(log.created_date) FROM transition_logs log WHERE log.package_id = packages.id"
        " AND log.to_status = packages.status AND (log.from_status IS NULL OR log.from_status <> log.to_status)),"
        " packages.created_date)"
    )
    if postgresql:
        op.alter_column("packages", "status_changed_date", nullable=False)
    for table, column, _ in KEYS:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
    op.create_index(
        "ix_packages_location_status_age", "packages", ["stock_location_id", "status", "status_changed_date", "id"]
    )
    op.create_index("ix_packages_status_age", "packages", ["status", "status_changed_date", "id"])


def _fold_existing_rows() -> None:
    connection = op.get_bind()
    _fold(connection, "packages", ("number",), lambda number: {"number_key": folded(number, 80)})
    _fold(
        connection,
        "orders",
        ("number", "customer"),
        lambda number, customer: (
            {"number_key": folded(number, 64)}
            | dict(zip(("customer_key", "customer_last_name_key"), customer_keys(customer), strict=True))
        ),
    )
    _fold(
        connection,
        "products",
        ("sku", "barcode"),
        lambda sku, barcode: {"sku_key": folded(sku, 64), "barcode_key": folded(barcode, 64)},
    )
    _fold(connection, "shipments", ("tracking_number",), lambda tracking: {"tracking_key": folded(tracking, 128)})


def _fold(connection, table_name: str, sources: tuple[str, ...], keys) -> None:
    """Every row's keys from its `sources`, a batch of rows at a time in id order."""
    table = sa.table(table_name, sa.column("id"), *(sa.column(name) for name in sources))
    if table_name == "orders":
        table = sa.table(table_name, sa.column("id"), sa.column("number"), sa.column("customer", sa.JSON()))
    last_id = 0
    while True:
        rows = connection.execute(sa.select(table).where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        updates = [{"row_id": row[0]} | keys(*row[1:]) for row in rows]
        names = list(updates[0].keys() - {"row_id"})
        target = sa.table(table_name, sa.column("id"), *(sa.column(name) for name in names))
        connection.execute(
            target.update()
            .where(target.c.id == sa.bindparam("row_id"))
            .values({name: sa.bindparam(name) for name in names}),
            updates,
        )
        last_id = rows[-1][0]


def downgrade():
    op.drop_index("ix_packages_status_age", table_name="packages")
    op.drop_index("ix_packages_location_status_age", table_name="packages")
    for table, column, _ in KEYS:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    # Plain DROP COLUMN (SQLite 3.35+ has it too): a batch copy of `packages` would fail its foreign keys.
    for table, column in [("packages", "status_changed_date"), *((table, column) for table, column, _ in KEYS)]:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
