"""territory scenarios record who applied them and how many accounts changed owner, so
the planner's page can say "applied on ... by ..." next to the scenario

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 20:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("territory_scenarios", sa.Column("applied_by", sa.Text()))
    op.add_column("territory_scenarios", sa.Column("applied_accounts", sa.BigInteger()))


def downgrade() -> None:
    op.drop_column("territory_scenarios", "applied_accounts")
    op.drop_column("territory_scenarios", "applied_by")
