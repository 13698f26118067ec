"""the masked point kept beside the exact one, indexed (issue 23)

Roles without personal data (analyst, planner) see an account's point snapped to a grid
of 0.01 degree (about 1 km: ``account_profiles``). To find the accounts in a map view
they went through the H3 cells and masked every candidate row, 0.2 s a city view at a
million accounts. ``accounts.geom_masked`` is that same snapped point, computed by
PostgreSQL whenever ``geom`` is written (a stored generated column: no trigger, never
stale), with its own GiST index, and readable by every gcrm role: it holds nothing the
masked roles did not already read from ``account_profiles``. ``geom`` stays personal.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 18:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0027'
down_revision: Union[str, Sequence[str], None] = '0026'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

GRID_DEGREES = 0.01  # as account_profiles snaps geom (migration 0004)


def upgrade() -> None:
    prefix = op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    op.execute("ALTER TABLE accounts ADD COLUMN geom_masked geometry(Point, 4326) "
               f"GENERATED ALWAYS AS (ST_SnapToGrid(geom, {GRID_DEGREES})) STORED")
    op.execute("CREATE INDEX idx_accounts_geom_masked ON accounts USING gist (geom_masked)")
    op.execute(f"GRANT SELECT (geom_masked) ON accounts TO {prefix}_user")


def downgrade() -> None:
    op.execute("DROP INDEX idx_accounts_geom_masked")
    op.execute("ALTER TABLE accounts DROP COLUMN geom_masked")
