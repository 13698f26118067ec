"""churn models and each customer's risk (issue 21, part A)

``churn_models``: one row per trained model (version, cutoff, horizon, features, metrics,
training rows, the database it was trained on, the fitted model as joblib bytes). Written
by the operator only (the CLI, ``gcrm model churn train``); the roles that see every
account may read its metadata, never the model bytes nor the database identity; managers
nothing (its metrics are company-wide counts, as migration 0020 keeps cube totals from
them).

``account_risk``: one row per customer and model (risk, band, top three drivers), written
by the operator only (``gcrm model churn score``); every gcrm role may read it through the
same row-level security as the accounts: a manager sees the risks of the accounts in
their regions, the roles that see every account see all (a policy of their own, as in
migration 0010). It holds no personal column: an erased person's risk shows nothing about
them but an id, a number, a band and feature names.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 02:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0021'
down_revision: Union[str, Sequence[str], None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SEE_ALL = ("admin", "analyst", "marketer", "planner")
MODEL_METADATA = ("id", "version", "created_at", "cutoff", "horizon_days", "features",
                  "metrics", "training_rows")
# Migration 0018's facts policy: every account for the see-all roles, else the accounts
# assigned to one of the caller's regions.
SCOPE = ("((SELECT public.gcrm_sees_all_accounts()) OR account_id IN "
         "(SELECT s.account_id FROM public.gcrm_scope_accounts s))")


def _prefix() -> str:
    return op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()


def upgrade() -> None:
    op.create_table(
        'churn_models',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('cutoff', sa.Date(), nullable=False),
        sa.Column('horizon_days', sa.Integer(), nullable=False),
        sa.Column('features', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('metrics', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('training_rows', sa.BigInteger(), nullable=False),
        sa.Column('database_identity', sa.Text(), nullable=False),
        sa.Column('model', sa.LargeBinary(), nullable=False),
        sa.CheckConstraint('horizon_days > 0',
                           name=op.f('ck_churn_models_horizon_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_churn_models')),
        sa.UniqueConstraint('version', name=op.f('uq_churn_models_version')),
    )
    op.create_table(
        'account_risk',
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('model_id', sa.BigInteger(), nullable=False),
        sa.Column('scored_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('risk', sa.Float(), nullable=False),
        sa.Column('band', sa.Text(), nullable=False),
        sa.Column('drivers', postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.CheckConstraint('risk BETWEEN 0 AND 1', name=op.f('ck_account_risk_risk_0_1')),
        sa.CheckConstraint("band IN ('low', 'medium', 'high')",
                           name=op.f('ck_account_risk_band_known')),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE',
                                name=op.f('fk_account_risk_account_id_accounts')),
        sa.ForeignKeyConstraint(['model_id'], ['churn_models.id'], ondelete='CASCADE',
                                name=op.f('fk_account_risk_model_id_churn_models')),
        sa.PrimaryKeyConstraint('account_id', 'model_id', name=op.f('pk_account_risk')),
    )
    op.create_index(op.f('ix_account_risk_model_id'), 'account_risk', ['model_id'])

    prefix = _prefix()
    see_all = ", ".join(f"{prefix}_{r}" for r in SEE_ALL)
    op.execute("REVOKE ALL ON churn_models, account_risk FROM PUBLIC")
    op.execute(f"GRANT SELECT ({', '.join(MODEL_METADATA)}) ON churn_models TO {see_all}")
    op.execute("ALTER TABLE account_risk ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY region_scope ON account_risk TO {prefix}_user USING {SCOPE}")
    op.execute(f"CREATE POLICY every_account ON account_risk TO {see_all} USING (true)")
    op.execute(f"GRANT SELECT ON account_risk TO {prefix}_user")


def downgrade() -> None:
    op.drop_index(op.f('ix_account_risk_model_id'), table_name='account_risk')
    op.drop_table('account_risk')
    op.drop_table('churn_models')
