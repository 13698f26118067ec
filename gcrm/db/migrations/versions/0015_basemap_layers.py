"""Base map layers (roads, places, water, buildings) from OpenStreetMap extracts, served as tiles

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:40:00

"""
from typing import Sequence, Union

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
