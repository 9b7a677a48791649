"""outbox events store the resource only, once per change: `resource_payload` and `payload_event_uuid`

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 12:00:00

`payload` held the whole envelope `{"event": {"type", "uuid"}, "payload": {...}}`, and a package's
two events of one state change each held a copy of the package. Now an event keeps only the
resource (the envelope is rebuilt from `event_type` and `uuid` when it is sent), and the events of
one change after the first point at the first one's by uuid. Existing rows keep their own copy of
their resource (the envelope's "payload" part), so undelivered ones go out with the same body.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ONE_PAYLOAD = "(resource_payload IS NULL) <> (payload_event_uuid IS NULL)"


def upgrade():
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resource_payload", JSONType, nullable=True))
        batch_op.add_column(sa.Column("payload_event_uuid", sa.String(length=32), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE outbox_events SET resource_payload = payload -> 'payload'")
    else:
        op.execute("UPDATE outbox_events SET resource_payload = json_extract(payload, '$.payload')")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_column("payload")
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_events_payload_event_uuid_outbox_events"),
            "outbox_events",
            ["payload_event_uuid"],
            ["uuid"],
        )
        batch_op.create_check_constraint(batch_op.f("ck_outbox_events_one_payload"), ONE_PAYLOAD)


def downgrade():
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", JSONType, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE outbox_events AS e SET payload = jsonb_build_object("
            " 'event', jsonb_build_object('type', e.event_type, 'uuid', e.uuid),"
            " 'payload', COALESCE(e.resource_payload,"
            " (SELECT h.resource_payload FROM outbox_events AS h WHERE h.uuid = e.payload_event_uuid)))"
        )
    else:
        op.execute(
            "UPDATE outbox_events SET payload = json_object("
            " 'event', json_object('type', event_type, 'uuid', uuid),"
            " 'payload', json(COALESCE(resource_payload,"
            " (SELECT h.resource_payload FROM outbox_events AS h WHERE h.uuid = outbox_events.payload_event_uuid))))"
        )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_events_one_payload"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_outbox_events_payload_event_uuid_outbox_events"), type_="foreignkey")
        batch_op.drop_column("payload_event_uuid")
        batch_op.drop_column("resource_payload")
        batch_op.alter_column("payload", existing_type=JSONType, nullable=False)
