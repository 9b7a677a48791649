"""master data: location flags, carrier label mode, product attributes, sales channels, token last use

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 12:00:00

Sales channels start as the distinct `channel` values of the orders already stored, none of them
requiring an invoice, so behaviour does not change until an admin says otherwise.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table("stock_locations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remote_fulfilment", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("is_pickup_location", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("cargo_companies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label_mode", sa.String(length=8), server_default="sync", nullable=False))
        batch_op.add_column(sa.Column("tracking_url_template", sa.String(length=512), nullable=True))
        batch_op.create_check_constraint(op.f("ck_cargo_companies_known_label_mode"), "label_mode IN ('sync', 'async')")

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attributes", JSONType, server_default=sa.text("'{}'"), nullable=False))

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_date", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stock_location_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_events_stock_location_id"), ["stock_location_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_events_stock_location_id_stock_locations"),
            "stock_locations",
            ["stock_location_id"],
            ["id"],
        )

    op.create_table(
        "sales_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("invoice_required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_date", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_channels")),
        sa.UniqueConstraint("code", name=op.f("uq_sales_channels_code")),
    )
    op.execute(
        "INSERT INTO sales_channels (code, name, invoice_required, created_date, modified_date) "
        "SELECT channel, channel, false, MIN(created_date), MIN(created_date) FROM orders "
        "WHERE channel <> '' GROUP BY channel"
    )


def downgrade():
    op.drop_table("sales_channels")

    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_events_stock_location_id_stock_locations"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_events_stock_location_id"))
        batch_op.drop_column("stock_location_id")

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_date")

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("attributes")

    with op.batch_alter_table("cargo_companies", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cargo_companies_known_label_mode"), type_="check")
        batch_op.drop_column("tracking_url_template")
        batch_op.drop_column("label_mode")

    with op.batch_alter_table("stock_locations", schema=None) as batch_op:
        batch_op.drop_column("is_pickup_location")
        batch_op.drop_column("remote_fulfilment")
