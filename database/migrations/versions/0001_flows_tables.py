"""contacts, consents, session links, flow runs, outbox, coupons

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contacts',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=128), nullable=False),
    sa.Column('identify_id', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('locale', sa.String(length=2), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('updated_ms', sa.BigInteger(), nullable=False),
    sa.Column('expires_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('identify_id', name=op.f('uq_contacts_identify_id')),
    sa.UniqueConstraint('store_id', 'customer_id', name=op.f('uq_contacts_store_id'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_expires_ms'), ['expires_ms'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_store_id'), ['store_id'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('at_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_consents_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents')),
    sa.UniqueConstraint('contact_id', 'channel', name=op.f('uq_consents_contact_id'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_contact_id'), ['contact_id'], unique=False)

    op.create_table('flow_runs',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=False),
    sa.Column('flow', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('visitor_id', sa.String(length=64), nullable=False),
    sa.Column('product_id', sa.String(length=64), nullable=True),
    sa.Column('profile_json', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ended_reason', sa.String(length=64), nullable=True),
    sa.Column('started_ms', sa.BigInteger(), nullable=False),
    sa.Column('ended_ms', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_flow_runs_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_runs'))
    )
    with op.batch_alter_table('flow_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flow_runs_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flow_runs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_flow_runs_visitor_id'), ['visitor_id'], unique=False)

    op.create_table('session_links',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('visitor_id', sa.String(length=64), nullable=False),
    sa.Column('at_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_session_links_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_links')),
    sa.UniqueConstraint('store_id', 'session_id', name=op.f('uq_session_links_store_id'))
    )
    with op.batch_alter_table('session_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_links_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_links_visitor_id'), ['visitor_id'], unique=False)

    op.create_table('coupons',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=False),
    sa.Column('flow_run_id', sa.String(length=40), nullable=False),
    sa.Column('pct', sa.Integer(), nullable=False),
    sa.Column('issued_ms', sa.BigInteger(), nullable=False),
    sa.Column('expires_ms', sa.BigInteger(), nullable=False),
    sa.Column('redeemed_ms', sa.BigInteger(), nullable=True),
    sa.Column('order_id', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_coupons_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['flow_run_id'], ['flow_runs.id'], name=op.f('fk_coupons_flow_run_id_flow_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_coupons'))
    )
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coupons_contact_id'), ['contact_id'], unique=False)

    op.create_table('outbox',
    sa.Column('idempotency_key', sa.String(length=160), nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=40), nullable=False),
    sa.Column('flow_run_id', sa.String(length=40), nullable=False),
    sa.Column('flow', sa.String(length=64), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('incentive', sa.String(length=32), nullable=False),
    sa.Column('coupon_code', sa.String(length=32), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('provider_message_id', sa.String(length=200), nullable=True),
    sa.Column('due_ms', sa.BigInteger(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('sent_ms', sa.BigInteger(), nullable=True),
    sa.Column('opened_ms', sa.BigInteger(), nullable=True),
    sa.Column('clicked_ms', sa.BigInteger(), nullable=True),
    sa.Column('unsubscribed_ms', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_outbox_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['flow_run_id'], ['flow_runs.id'], name=op.f('fk_outbox_flow_run_id_flow_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('idempotency_key', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_flow_run_id'), ['flow_run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_store_id'), ['store_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_store_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_flow_run_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_contact_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coupons_contact_id'))

    op.drop_table('coupons')
    with op.batch_alter_table('session_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_links_visitor_id'))
        batch_op.drop_index(batch_op.f('ix_session_links_contact_id'))

    op.drop_table('session_links')
    with op.batch_alter_table('flow_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_runs_visitor_id'))
        batch_op.drop_index(batch_op.f('ix_flow_runs_status'))
        batch_op.drop_index(batch_op.f('ix_flow_runs_contact_id'))

    op.drop_table('flow_runs')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_contact_id'))

    op.drop_table('consents')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_store_id'))
        batch_op.drop_index(batch_op.f('ix_contacts_expires_ms'))

    op.drop_table('contacts')
