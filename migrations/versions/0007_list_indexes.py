"""package lists page by id within a location and status: (location, status, id) and (status, id)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 10:00:00

The package list orders by id. With only (location, status) and (status) indexes, a deep page
fetched every earlier row and sorted; with id as the last key column the index hands rows over in
page order and paging by id ("after this id") reads just the page. The old indexes are prefixes of
the new ones, so they go.
"""

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


def downgrade():
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.create_index("ix_packages_status", ["status"], unique=False)
        batch_op.create_index("ix_packages_location_status", ["stock_location_id", "status"], unique=False)
        batch_op.drop_index("ix_packages_status_id")
        batch_op.drop_index("ix_packages_location_status_id")
