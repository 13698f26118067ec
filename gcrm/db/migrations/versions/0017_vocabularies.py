"""The company's own picklists: case types, channels, segments, categories, sales channels

Each list (``vocabularies``, one row per field) holds its values (``vocabulary_values``).
A list is open until an admin closes it: loads record new values in an open list and
refuse them in a closed one. The CHECK constraints that hard-coded case types and
interaction channels go (the rows stay); the lists start with those values and every
value already stored. Every gcrm role reads the lists, admins (and the operator) edit them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 20:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

CASE_TYPES = ("complaint", "return", "request", "repair", "other")
INTERACTION_CHANNELS = ("phone", "email", "web", "visit", "kiosk", "mail", "sms")
# field -> (description, the lists it starts with, the stored column it also takes values of)
FIELDS = {
    "case_type": ("Type of a service case", CASE_TYPES, ("service_cases", "case_type")),
    "interaction_channel": ("Channel of a contact with an account", INTERACTION_CHANNELS,
                            ("interactions", "channel")),
    "segment": ("Segment (tier) of an account", (), ("accounts", "segment")),
    "product_category": ("Product category of an order line", (),
                         ("sales", "product_category")),
    "sales_channel": ("Channel an order came through", (), ("sales", "channel")),
}
# Dropped, and put back NOT VALID on downgrade (rows loaded meanwhile stay).
CHECKS = {
    "ck_service_cases_case_type_known": ("service_cases", "case_type", CASE_TYPES),
    "ck_interactions_channel_known": ("interactions", "channel", INTERACTION_CHANNELS),
}


def upgrade() -> None:
    op.create_table(
        'vocabularies',
        sa.Column('field', sa.Text(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('closed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('changed_by', sa.Text(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.PrimaryKeyConstraint('field', name=op.f('pk_vocabularies')),
    )
    op.create_table(
        'vocabulary_values',
        sa.Column('field', sa.Text(), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('label', sa.Text(), nullable=True),
        sa.Column('origin', sa.Text(), server_default='admin', nullable=False),
        sa.Column('added_by', sa.Text(), nullable=True),
        sa.Column('added_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.CheckConstraint("origin IN ('seed', 'admin', 'load')",
                           name=op.f('ck_vocabulary_values_origin_known')),
        sa.CheckConstraint("value <> ''", name=op.f('ck_vocabulary_values_value_not_empty')),
        sa.ForeignKeyConstraint(['field'], ['vocabularies.field'],
                                name=op.f('fk_vocabulary_values_field_vocabularies'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('field', 'value', name=op.f('pk_vocabulary_values')),
    )
    bind = op.get_bind()
    for field, (description, seeds, (table, column)) in FIELDS.items():
        bind.execute(sa.text("INSERT INTO vocabularies (field, description, changed_by) "
                             "VALUES (:field, :description, 'migration 0017')"),
                     {"field": field, "description": description})
        # Today's values: the fixed list, then whatever is stored (in the order first seen).
        bind.execute(sa.text(
            "INSERT INTO vocabulary_values (field, value, origin, added_by) "
            "SELECT :field, v, 'seed', 'migration 0017' FROM unnest(CAST(:seeds AS text[])) v "
            "ON CONFLICT DO NOTHING"), {"field": field, "seeds": list(seeds)})
        bind.execute(sa.text(
            f"INSERT INTO vocabulary_values (field, value, origin, added_by) "
            f"SELECT DISTINCT :field, {column}, 'seed', 'migration 0017' FROM {table} "
            f"WHERE {column} IS NOT NULL AND {column} <> '' ON CONFLICT DO NOTHING"),
            {"field": field})
    for name, (table, _, _) in CHECKS.items():
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    # The cube now splits cases by type: the next build, even an incremental one, is full.
    op.execute("INSERT INTO cube_dirty_months (family, month) VALUES ('service', '-infinity') "
               "ON CONFLICT DO NOTHING")
    prefix = bind.execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    op.execute(f"GRANT SELECT ON vocabularies, vocabulary_values TO {prefix}_user")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON vocabularies, vocabulary_values "
               f"TO {prefix}_admin")


def downgrade() -> None:
    for name, (table, column, values) in CHECKS.items():
        listed = ", ".join(f"'{v}'" for v in values)
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({listed})) "
                   "NOT VALID")
    op.drop_table('vocabulary_values')
    op.drop_table('vocabularies')
