"""masked views decide once per query whether the reader sees personal data

account_profiles and interaction_history asked ``gcrm_sees_pii()`` once per row (a
LATERAL call of a function that cannot be inlined): about 0.2 ms a row, minutes for a
million accounts. As an uncorrelated sub-select it becomes an InitPlan, evaluated once.
Same columns, same rows, same masks.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:40:00

"""
import re
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

VIEWS = ("account_profiles", "interaction_history")
PER_ROW = r"LATERAL\s*\(\s*SELECT\s+gcrm_sees_pii\(\)\s+AS\s+pii\s*\)"
ONCE = r"LATERAL\s*\(\s*SELECT\s*\(\s*SELECT\s+gcrm_sees_pii\(\)\s+AS\s+gcrm_sees_pii\s*\)\s+AS\s+pii\s*\)"


def upgrade() -> None:
    _rewrite(PER_ROW, "LATERAL (SELECT (SELECT gcrm_sees_pii()) AS pii)")


def downgrade() -> None:
    _rewrite(ONCE, "LATERAL (SELECT gcrm_sees_pii() AS pii)")


def _rewrite(pattern: str, replacement: str) -> None:
    bind = op.get_bind()
    for view in VIEWS:
        definition = bind.execute(sa.text("SELECT pg_get_viewdef(CAST(:v AS regclass))"),
                                  {"v": view}).scalar_one()
        new, count = re.subn(pattern, replacement, definition)
        if count != 1:
            raise RuntimeError(f"{view}: expected one personal-data switch, found {count}")
        op.execute(f"CREATE OR REPLACE VIEW {view} WITH (security_barrier) AS "
                   f"{new.rstrip().rstrip(';')}")
