"""Signed-in dashboard sessions that survive a reload, ended by sign-out or disabling the user

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:40:00

"""
from typing import Sequence, Union

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
