"""risk in the cube: scores kept per scoring month, the cube's risk family, and the model
a manager's risk card names (issue 21, risk-in-cube part)

``account_risk_months``: one row per customer and month of scoring (the month of the
day the scores are as of), written by ``gcrm model churn score`` beside
``account_risk``: the risk, band and model, and the customer's revenue over the 365 days
up to that day (what "revenue at risk" adds up). Re-scoring in the same month replaces
that month's rows; a later month adds its own. The same row-level security as
``account_risk`` (migration 0021): a manager reads the accounts of their regions, the
roles that see every account all. Scores written before this migration have no month:
the cube shows risk after the next ``gcrm model churn score``.

``cube_risk``: scored customers, customers in the high band and their revenue per
level, region, scoring month and segment, built by ``gcrm cube build`` with the other
families; statement triggers on ``account_risk_months`` mark the months that changed
(family ``risk`` in ``cube_dirty_months``), so an incremental build rebuilds them. Read
by every role through the cube's region policy (migration 0007).

``churn_models``: managers may now read the columns a risk card names (id, version,
horizon, cutoff, when it was made), never the metrics (company-wide counts) nor the
model's bytes or database identity.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 05:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0022'
down_revision: Union[str, Sequence[str], None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SEE_ALL = ("admin", "analyst", "marketer", "planner")
MODEL_CARD = ("id", "version", "horizon_days", "cutoff", "created_at")
# Migration 0021's account_risk policy (migration 0018's facts policy).
SCOPE = ("((SELECT public.gcrm_sees_all_accounts()) OR account_id IN "
         "(SELECT s.account_id FROM public.gcrm_scope_accounts s))")
# Migration 0007's cube policy: the cells of regions holding only the manager's accounts.
VISIBLE = ("((SELECT public.gcrm_sees_all_accounts()) OR region_id IN ("
           "SELECT v.region_id FROM public.region_visibility v "
           "WHERE v.scope_id = ANY ((SELECT public.gcrm_scope_region_ids())::bigint[])))")
DIRTY = """CREATE FUNCTION gcrm_cube_dirty_risk() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO public.cube_dirty_months VALUES ('risk', '-infinity')
        ON CONFLICT DO NOTHING;
      ELSIF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO public.cube_dirty_months
        SELECT DISTINCT 'risk', n.month FROM new_rows n ON CONFLICT DO NOTHING;
      END IF;
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO public.cube_dirty_months
        SELECT DISTINCT 'risk', o.month FROM old_rows o ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$"""
TRIGGERS = {
    "insert": "AFTER INSERT ON account_risk_months REFERENCING NEW TABLE AS new_rows",
    "update": "AFTER UPDATE ON account_risk_months REFERENCING OLD TABLE AS old_rows "
              "NEW TABLE AS new_rows",
    "delete": "AFTER DELETE ON account_risk_months REFERENCING OLD TABLE AS old_rows",
    "truncate": "AFTER TRUNCATE ON account_risk_months",
}


def _prefix() -> str:
    return op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()


def upgrade() -> None:
    op.create_table(
        'account_risk_months',
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('model_id', sa.BigInteger(), nullable=False),
        sa.Column('scored_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('risk', sa.Float(), nullable=False),
        sa.Column('band', sa.Text(), nullable=False),
        sa.Column('revenue_365', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint('risk BETWEEN 0 AND 1',
                           name=op.f('ck_account_risk_months_risk_0_1')),
        sa.CheckConstraint("band IN ('low', 'medium', 'high')",
                           name=op.f('ck_account_risk_months_band_known')),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE',
                                name=op.f('fk_account_risk_months_account_id_accounts')),
        sa.ForeignKeyConstraint(['model_id'], ['churn_models.id'], ondelete='CASCADE',
                                name=op.f('fk_account_risk_months_model_id_churn_models')),
        sa.PrimaryKeyConstraint('account_id', 'month', name=op.f('pk_account_risk_months')),
    )
    op.create_index(op.f('ix_account_risk_months_model_id'), 'account_risk_months',
                    ['model_id'])
    op.create_index(op.f('ix_account_risk_months_month'), 'account_risk_months', ['month'])
    op.create_table(
        'cube_risk',
        sa.Column('level', sa.Text(), nullable=False),
        sa.Column('dim', sa.Text(), nullable=False),
        sa.Column('member', sa.Text(), nullable=False),
        sa.Column('region_id', sa.BigInteger(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('scored_customers', sa.BigInteger(), nullable=False),
        sa.Column('high_risk_customers', sa.BigInteger(), nullable=False),
        sa.Column('revenue_at_risk', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.PrimaryKeyConstraint('level', 'dim', 'member', 'region_id', 'month',
                                name=op.f('pk_cube_risk')),
    )
    prefix = _prefix()
    see_all = ", ".join(f"{prefix}_{r}" for r in SEE_ALL)
    op.execute("REVOKE ALL ON account_risk_months, cube_risk FROM PUBLIC")
    op.execute("ALTER TABLE account_risk_months ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY region_scope ON account_risk_months TO {prefix}_user "
               f"USING {SCOPE}")
    op.execute(f"CREATE POLICY every_account ON account_risk_months TO {see_all} "
               "USING (true)")
    op.execute(f"GRANT SELECT ON account_risk_months TO {prefix}_user")
    op.execute("ALTER TABLE cube_risk ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY region_scope ON cube_risk TO {prefix}_user USING {VISIBLE}")
    op.execute(f"GRANT SELECT ON cube_risk TO {prefix}_user")
    op.execute(DIRTY)
    for event, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER cube_dirty_{event} {when} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION gcrm_cube_dirty_risk()")
    op.execute(f"GRANT SELECT ({', '.join(MODEL_CARD)}) ON churn_models TO {prefix}_manager")


def downgrade() -> None:
    prefix = _prefix()
    op.execute(f"REVOKE SELECT ({', '.join(MODEL_CARD)}) ON churn_models "
               f"FROM {prefix}_manager")
    op.drop_table('cube_risk')
    op.drop_table('account_risk_months')  # its triggers go with it
    op.execute("DROP FUNCTION gcrm_cube_dirty_risk()")
    op.execute("DELETE FROM cube_dirty_months WHERE family = 'risk'")
