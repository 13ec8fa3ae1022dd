"""delivery receipts (outbox.delivered_ms), the WhatsApp reply window (contacts.whatsapp_inbound_ms)

Revision ID: 0002_receipts
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002_receipts'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('whatsapp_inbound_ms', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_ms', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_provider_message_id'), ['provider_message_id'], unique=False)
    # Messages sent before receipts existed: accepted was all anyone knew, as the report said then.
    op.execute("UPDATE outbox SET delivered_ms = sent_ms WHERE status = 'sent'")


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_provider_message_id'))
        batch_op.drop_column('delivered_ms')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('whatsapp_inbound_ms')
