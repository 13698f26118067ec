"""trade-area figures (customers, revenue inside, share...) are measured over every region;
a manager, who sees only their own regions' accounts and sales, may read the trade areas'
outlines but not those figures

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 12:05:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ALL_REGIONS = ("admin", "analyst", "marketer", "planner")


def upgrade() -> None:
    prefix = _prefix()
    columns = [c for c in _columns("trade_areas") if c != "figures"]
    op.execute(f"REVOKE SELECT ON trade_areas FROM {prefix}_user")
    op.execute(f"GRANT SELECT ({', '.join(columns)}) ON trade_areas TO {prefix}_user")
    for role in ALL_REGIONS:
        op.execute(f"GRANT SELECT ON trade_areas TO {prefix}_{role}")


def downgrade() -> None:
    prefix = _prefix()
    for role in ALL_REGIONS:
        op.execute(f"REVOKE SELECT ON trade_areas FROM {prefix}_{role}")
    op.execute(f"REVOKE SELECT ON trade_areas FROM {prefix}_user")
    op.execute(f"GRANT SELECT ON trade_areas TO {prefix}_user")


def _prefix() -> str:
    return op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()


def _columns(table: str) -> list[str]:
    return [r[0] for r in op.get_bind().execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = :t ORDER BY ordinal_position"), {"t": table})]
