"""campaign members keep their churn risk at targeting; which scores a list may use

``campaign_members`` gains ``risk`` (0-1) and ``risk_band`` (low, medium, high): the
member's churn risk when the campaign was made (NULL: not scored then), so a campaign's
response is read by the band the customer had when targeted, not today's. They are read
and written like the member rows themselves: the same row-level security (a manager sees
the members in their regions), marketers write them, every gcrm role may read them (like
``account_risk``, migration 0021: a number and a band, nothing personal).

``gcrm_churn_scores()``: the newest churn model that has scored customers, and whether it
was trained on this database (system identifier, database oid and name, as
``gcrm.models.store`` computes it). Target lists use only that model's scores, and only
when it was trained here; application roles may not read ``churn_models.database_identity``
(managers only its id, version, horizon, cutoff and date: migration 0022), so the function answers for them (SECURITY
DEFINER, fixed search_path, EXECUTE for gcrm's users only). It returns an id and a yes/no,
nothing of the model's metrics.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 05:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0023'
down_revision: Union[str, Sequence[str], None] = '0022'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

CHURN_SCORES = """
CREATE FUNCTION public.gcrm_churn_scores()
RETURNS TABLE (model_id bigint, trained_here boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
    SELECT m.id, m.database_identity = (
        SELECT coalesce((SELECT s.system_identifier::text FROM pg_catalog.pg_control_system() s),
                        '-') || '/' || d.oid::text || '/' || d.datname
        FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
    FROM public.churn_models m
    WHERE EXISTS (SELECT 1 FROM public.account_risk r WHERE r.model_id = m.id)
    ORDER BY m.version DESC LIMIT 1
$fn$
"""


def _prefix() -> str:
    return op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()


def upgrade() -> None:
    op.add_column('campaign_members', sa.Column('risk', sa.Float(), nullable=True))
    op.add_column('campaign_members', sa.Column('risk_band', sa.Text(), nullable=True))
    op.create_check_constraint(op.f('ck_campaign_members_risk_0_1'), 'campaign_members',
                               'risk BETWEEN 0 AND 1')
    op.create_check_constraint(op.f('ck_campaign_members_risk_band_known'),
                               'campaign_members',
                               "risk_band IN ('low', 'medium', 'high')")
    prefix = _prefix()
    # SELECT on campaign_members is granted column by column (migration 0006 keeps
    # ``response`` for the personal-data group): the new columns need their own grant.
    op.execute(f"GRANT SELECT (risk, risk_band) ON campaign_members TO {prefix}_user")
    op.execute(CHURN_SCORES)
    op.execute("REVOKE ALL ON FUNCTION public.gcrm_churn_scores() FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION public.gcrm_churn_scores() TO {prefix}_user")


def downgrade() -> None:
    op.execute("DROP FUNCTION public.gcrm_churn_scores()")
    op.drop_constraint(op.f('ck_campaign_members_risk_band_known'), 'campaign_members',
                       type_='check')
    op.drop_constraint(op.f('ck_campaign_members_risk_0_1'), 'campaign_members',
                       type_='check')
    op.drop_column('campaign_members', 'risk_band')
    op.drop_column('campaign_members', 'risk')
