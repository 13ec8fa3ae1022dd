"""web push: per-store VAPID keys and the browsers' push subscriptions

Revision ID: 0002
Revises: 0001 (0002_receipts, 0003 and 0004 land beside it on other branches: whoever merges chains them)
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vapid_keys',
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.String(length=100), nullable=False),
    sa.Column('private_key', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('store_id', name=op.f('pk_vapid_keys'))
    )
    op.create_table('push_subscriptions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('endpoint', sa.String(length=1024), nullable=False),
    sa.Column('p256dh', sa.String(length=100), nullable=False),
    sa.Column('auth', sa.String(length=40), nullable=False),
    sa.Column('visitor_id', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=True),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('expires_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_push_subscriptions_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
    sa.UniqueConstraint('store_id', 'endpoint', name=op.f('uq_push_subscriptions_store_id'))
    )
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscriptions_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_subscriptions_expires_ms'), ['expires_ms'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_subscriptions_store_id'), ['store_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_subscriptions_visitor_id'), ['visitor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_visitor_id'))
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_store_id'))
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_expires_ms'))
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_contact_id'))
    op.drop_table('push_subscriptions')
    op.drop_table('vapid_keys')
