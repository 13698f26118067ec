"""expected customer value: value models and each customer's expected next 12 months
(issue 21, expected-value part)

``value_models``: one row per trained repeat-purchase model (BG/NBD for purchases and
Gamma-Gamma for spend, pymc-marketing): version, the model's date, the holdout length,
the fitted parameters, the holdout validation beside the naive baseline, the customers
it was fitted on, the library and its version, the database it was trained on, the
fitted models as bytes. Written by the operator only (``gcrm model value train``); the
roles that see every account may read its metadata, never the model bytes nor the
database identity; managers nothing (its metrics are company-wide totals, as migration
0021 keeps the churn models' from them).

``account_value``: one row per customer and model (expected revenue and purchases in the
next 12 months, the probability the customer is still active), written by the operator
only (``gcrm model value score``); every gcrm role reads it through the same row-level
security as the accounts (migration 0021's ``account_risk`` policies). No personal
column: an erased person's row holds an id and three numbers.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 05:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0025'
down_revision: Union[str, Sequence[str], None] = '0024'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SEE_ALL = ("admin", "analyst", "marketer", "planner")
MODEL_METADATA = ("id", "version", "created_at", "cutoff", "holdout_days", "parameters",
                  "metrics", "training_rows", "library")
# Migration 0018's facts policy: every account for the see-all roles, else the accounts
# assigned to one of the caller's regions.
SCOPE = ("((SELECT public.gcrm_sees_all_accounts()) OR account_id IN "
         "(SELECT s.account_id FROM public.gcrm_scope_accounts s))")


def _prefix() -> str:
    return op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()


def upgrade() -> None:
    op.create_table(
        'value_models',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('cutoff', sa.Date(), nullable=False),
        sa.Column('holdout_days', sa.Integer(), nullable=False),
        sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('metrics', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('training_rows', sa.BigInteger(), nullable=False),
        sa.Column('library', sa.Text(), nullable=False),
        sa.Column('database_identity', sa.Text(), nullable=False),
        sa.Column('model', sa.LargeBinary(), nullable=False),
        sa.CheckConstraint('holdout_days > 0',
                           name=op.f('ck_value_models_holdout_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_value_models')),
        sa.UniqueConstraint('version', name=op.f('uq_value_models_version')),
    )
    op.create_table(
        'account_value',
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('model_id', sa.BigInteger(), nullable=False),
        sa.Column('scored_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('expected_revenue', sa.Numeric(14, 2), nullable=False),
        sa.Column('expected_purchases', sa.Float(), nullable=False),
        sa.Column('probability_alive', sa.Float(), nullable=False),
        sa.CheckConstraint('expected_revenue >= 0',
                           name=op.f('ck_account_value_revenue_not_negative')),
        sa.CheckConstraint('expected_purchases >= 0',
                           name=op.f('ck_account_value_purchases_not_negative')),
        sa.CheckConstraint('probability_alive BETWEEN 0 AND 1',
                           name=op.f('ck_account_value_alive_0_1')),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE',
                                name=op.f('fk_account_value_account_id_accounts')),
        sa.ForeignKeyConstraint(['model_id'], ['value_models.id'], ondelete='CASCADE',
                                name=op.f('fk_account_value_model_id_value_models')),
        sa.PrimaryKeyConstraint('account_id', 'model_id', name=op.f('pk_account_value')),
    )
    op.create_index(op.f('ix_account_value_model_id'), 'account_value', ['model_id'])

    prefix = _prefix()
    see_all = ", ".join(f"{prefix}_{r}" for r in SEE_ALL)
    op.execute("REVOKE ALL ON value_models, account_value FROM PUBLIC")
    op.execute(f"GRANT SELECT ({', '.join(MODEL_METADATA)}) ON value_models TO {see_all}")
    op.execute("ALTER TABLE account_value ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY region_scope ON account_value TO {prefix}_user USING {SCOPE}")
    op.execute(f"CREATE POLICY every_account ON account_value TO {see_all} USING (true)")
    op.execute(f"GRANT SELECT ON account_value TO {prefix}_user")


def downgrade() -> None:
    op.drop_index(op.f('ix_account_value_model_id'), table_name='account_value')
    op.drop_table('account_value')
    op.drop_table('value_models')
