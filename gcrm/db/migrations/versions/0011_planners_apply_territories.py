"""planners (and admins, who hold the planner group) may apply a territory scenario;
everyone reads reps' home bases through ``rep_bases``, generalised to about 1 km for roles
without personal data (a rep's home is personal: migration 0006)

Applying makes each territory's rep own the accounts in its areas: an UPDATE of
``accounts.owner_rep_id`` only (column privilege), which also marks the cube for a full
rebuild through the statement trigger on accounts (an INSERT into cube_dirty_months).
Row-level security still decides which accounts a statement reaches.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 10:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


REP_BASES = """
CREATE VIEW rep_bases WITH (security_barrier) AS
SELECT r.id, r.name, r.capacity, r.active,
       CASE WHEN p.pii THEN r.home_geom ELSE ST_SnapToGrid(r.home_geom, 0.01) END AS home_geom
FROM reps r CROSS JOIN LATERAL (SELECT (SELECT gcrm_sees_pii()) AS pii) p
"""


def upgrade() -> None:
    planner = _planner()
    op.execute(f"GRANT UPDATE (owner_rep_id) ON accounts TO {planner}")
    op.execute(f"GRANT INSERT ON cube_dirty_months TO {planner}")
    op.execute(REP_BASES)
    op.execute(f"GRANT SELECT ON rep_bases TO {planner.removesuffix('_planner')}_user")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS rep_bases")
    planner = _planner()
    op.execute(f"REVOKE INSERT ON cube_dirty_months FROM {planner}")
    op.execute(f"REVOKE UPDATE (owner_rep_id) ON accounts FROM {planner}")


def _planner() -> str:
    prefix = op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    return f"{prefix}_planner"
