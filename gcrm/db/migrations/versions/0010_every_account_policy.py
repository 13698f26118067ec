"""roles that see every account say so in a policy of their own, so spatial indexes work

Row-level security keeps a query's own conditions behind the policy's unless they are
leakproof, and PostGIS's ``&&`` is not: with only the region policy (whose first branch
is true for admins, analysts, marketers and planners), their map queries could not use
the GiST index on ``accounts.geom`` and read the whole table (34,608 accounts of a city
view: 227 ms instead of 22 ms). A second, permissive policy ``USING (true)`` for exactly
those groups gives them the same rows, and the planner folds ``true OR ...`` away.
Managers keep the region policy alone. Group membership is what ``gcrm users`` keeps in
step with each user's role (one group per user; none when disabled).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("accounts", "sales", "service_cases", "interactions", "campaign_members")
SEE_ALL = ("admin", "analyst", "marketer", "planner")


def upgrade() -> None:
    prefix = op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    groups = ", ".join(f"{prefix}_{role}" for role in SEE_ALL)
    for table in TABLES:
        op.execute(f"CREATE POLICY every_account ON {table} TO {groups} USING (true)")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP POLICY every_account ON {table}")
