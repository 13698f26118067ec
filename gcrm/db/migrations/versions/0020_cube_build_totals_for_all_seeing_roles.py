"""a cube build's company-wide counts are for the roles that see every account

``cube_builds.source_rows`` (how many accounts, sales, cases, interactions the whole
company has) and ``cells`` (cells per family, every region) were readable by every role,
and ``gcrm cube export`` copied them into a manager's export metadata (issue 19, leak 6).
Managers keep the build's id, kind, time and months; the counts are for admins, analysts,
marketers and planners.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 00:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0020'
down_revision: Union[str, Sequence[str], None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SEE_ALL = ("admin", "analyst", "marketer", "planner")
TOTALS = ("source_rows", "cells")


def _prefix() -> str:
    return op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()


def upgrade() -> None:
    prefix = _prefix()
    columns = [c for c in op.get_bind().execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = 'cube_builds' ORDER BY ordinal_position")).scalars()
        if c not in TOTALS]
    op.execute(f"REVOKE SELECT ON cube_builds FROM {prefix}_user")
    op.execute(f"GRANT SELECT ({', '.join(columns)}) ON cube_builds TO {prefix}_user")
    op.execute(f"GRANT SELECT ON cube_builds TO {', '.join(f'{prefix}_{r}' for r in SEE_ALL)}")


def downgrade() -> None:
    prefix = _prefix()
    op.execute(f"REVOKE SELECT ON cube_builds FROM {', '.join(f'{prefix}_{r}' for r in SEE_ALL)}")
    op.execute(f"GRANT SELECT ON cube_builds TO {prefix}_user")
