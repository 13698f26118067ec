"""index service cases by the time they were opened (an incremental cube build reads only
the changed months)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 06:20:00

"""
from typing import Sequence, Union

from alembic import op

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index(op.f('ix_service_cases_opened_at'), 'service_cases', ['opened_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_service_cases_opened_at'), table_name='service_cases')
