"""flow holdout: each run's arm and reason, verified orders per run, the rule behind each outbox row

Revision ID: 0003
Revises: 0002_receipts
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002_receipts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('flow_runs', schema=None) as batch_op:
        # Runs started before the holdout existed were all treated.
        batch_op.add_column(sa.Column('arm', sa.String(length=16), nullable=False, server_default='treated'))
        batch_op.add_column(sa.Column('propensity', sa.Float(), nullable=False, server_default='1.0'))
        batch_op.add_column(sa.Column('reason', sa.String(length=32), nullable=False, server_default='unknown'))
        batch_op.add_column(sa.Column('window_end_ms', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_flow_runs_store_id'), ['store_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule', sa.String(length=16), nullable=True))

    op.create_table('flow_orders',
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=128), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=False),
    sa.Column('flow_run_id', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('at_ms', sa.BigInteger(), nullable=False),
    sa.Column('refunded', sa.Float(), nullable=False),
    sa.Column('refunded_ms', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_flow_orders_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['flow_run_id'], ['flow_runs.id'], name=op.f('fk_flow_orders_flow_run_id_flow_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('store_id', 'order_id', name=op.f('pk_flow_orders'))
    )
    with op.batch_alter_table('flow_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flow_orders_flow_run_id'), ['flow_run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flow_orders_contact_id'), ['contact_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('flow_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_orders_contact_id'))
        batch_op.drop_index(batch_op.f('ix_flow_orders_flow_run_id'))
    op.drop_table('flow_orders')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('rule')
    with op.batch_alter_table('flow_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_runs_store_id'))
        batch_op.drop_column('window_end_ms')
        batch_op.drop_column('reason')
        batch_op.drop_column('propensity')
        batch_op.drop_column('arm')
