"""package lists: page by id within a location and status, and count packages without counting history

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 10:00:00

The package list orders by id. With only (location, status) and (status) indexes, a deep page
fetched every earlier row and sorted; with id as the last key column the index hands rows over in
page order and paging by id ("after this id") reads just the page. The old indexes are prefixes of
the new ones, so they go. The transfer list gets the same: id last in its (location, status) indexes.

`package_counts` holds packages per (location, status), kept by every write
(`services/package_counts.py`): the list's slider and totals read it instead of a GROUP BY over
the whole history. It is filled here from the packages.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.create_index("ix_packages_location_status_id", ["stock_location_id", "status", "id"], unique=False)
        batch_op.create_index("ix_packages_status_id", ["status", "id"], unique=False)
        batch_op.drop_index("ix_packages_location_status")
        batch_op.drop_index("ix_packages_status")
    with op.batch_alter_table("transfer_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transfer_orders_source_status_id", ["source_location_id", "status", "id"], unique=False
        )
        batch_op.create_index(
            "ix_transfer_orders_destination_status_id", ["destination_location_id", "status", "id"], unique=False
        )
        batch_op.drop_index("ix_transfer_orders_source_status")
        batch_op.drop_index("ix_transfer_orders_destination_status")
    op.create_table(
        "package_counts",
        sa.Column("stock_location_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["stock_location_id"], ["stock_locations.id"]),
        sa.PrimaryKeyConstraint("stock_location_id", "status"),
    )
    op.execute(
        "INSERT INTO package_counts (stock_location_id, status, count)"
        " SELECT stock_location_id, status, count(*) FROM packages GROUP BY stock_location_id, status"
    )


def downgrade():
    op.drop_table("package_counts")
    with op.batch_alter_table("transfer_orders", schema=None) as batch_op:
        batch_op.create_index("ix_transfer_orders_destination_status", ["destination_location_id", "status"])
        batch_op.create_index("ix_transfer_orders_source_status", ["source_location_id", "status"])
        batch_op.drop_index("ix_transfer_orders_destination_status_id")
        batch_op.drop_index("ix_transfer_orders_source_status_id")
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.create_index("ix_packages_status", ["status"], unique=False)
        batch_op.create_index("ix_packages_location_status", ["stock_location_id", "status"], unique=False)
        batch_op.drop_index("ix_packages_status_id")
        batch_op.drop_index("ix_packages_location_status_id")
