"""the rest of the Akinon lifecycle: pickup orders, intake fingerprints, carrier labels, transfer
shipping details, discrepancies cleared by a stock push; Packed for Refund and Update Shipment
Status visible to store staff

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:00:00

Default transitions added by this release (shipment order, pickup, cancellation, …) are installed by
`flask oms install`, which adds missing defaults and leaves existing rows alone. Two existing defaults
change here because seeds 002 and 003 say store staff run them.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STORE_COMMANDS = ("PACKED_FOR_REFUND", "UPDATE_SHIPMENT_STATUS")


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_type", sa.String(length=16), server_default="shipping", nullable=False))
        batch_op.add_column(sa.Column("pickup_location_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pickup_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("intake_fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            "fk_orders_pickup_location_id_stock_locations", "stock_locations", ["pickup_location_id"], ["id"]
        )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label_url", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("label_document", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("label_format", sa.String(length=8), nullable=True))
    with op.batch_alter_table("transfer_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cargo_company_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("tracking_number", sa.String(length=128), nullable=True))
        batch_op.create_foreign_key(
            "fk_transfer_orders_cargo_company_id_cargo_companies", "cargo_companies", ["cargo_company_id"], ["id"]
        )
    with op.batch_alter_table("discrepancies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cleared_date", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_discrepancies_location_product", ["stock_location_id", "product_id"], unique=False)

    transitions = sa.table("transitions", sa.column("command", sa.String), sa.column("ui_visibility", JSONType))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(sa.column("id"), transitions.c.ui_visibility)
        .select_from(transitions)
        .where(transitions.c.command.in_(STORE_COMMANDS))
    ).all()
    for row_id, visibility in rows:
        if "instore" not in (visibility or []):
            bind.execute(
                sa.update(transitions)
                .where(sa.column("id") == row_id)
                .values(ui_visibility=list(visibility or []) + ["instore"])
            )
    # Update Invoice on a package waiting for its invoice now leads back to packed (shippable).
    op.execute(
        "UPDATE transitions SET destination_state = 500, label = 'Invoice Issued',"
        " slug = 'package__update_invoice__waiting_invoice__packed'"
        " WHERE slug = 'package__update_invoice__waiting_invoice__waiting_invoice'"
    )


def downgrade():
    with op.batch_alter_table("discrepancies", schema=None) as batch_op:
        batch_op.drop_index("ix_discrepancies_location_product")
        batch_op.drop_column("cleared_date")
    with op.batch_alter_table("transfer_orders", schema=None) as batch_op:
        batch_op.drop_constraint("fk_transfer_orders_cargo_company_id_cargo_companies", type_="foreignkey")
        batch_op.drop_column("tracking_number")
        batch_op.drop_column("cargo_company_id")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_column("label_format")
        batch_op.drop_column("label_document")
        batch_op.drop_column("label_url")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint("fk_orders_pickup_location_id_stock_locations", type_="foreignkey")
        batch_op.drop_column("intake_fingerprint")
        batch_op.drop_column("pickup_code")
        batch_op.drop_column("pickup_location_id")
        batch_op.drop_column("delivery_type")
