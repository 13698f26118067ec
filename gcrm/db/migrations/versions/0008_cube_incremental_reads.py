"""what an incremental cube build reads: cases by the time they were opened, and each
account's regions and splits as the last full build saw them (cube_places)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 06:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index(op.f('ix_service_cases_opened_at'), 'service_cases', ['opened_at'],
                    unique=False)
    # Read only by the build (its owner): no grant to the users' roles, which would let a
    # manager read accounts outside their regions past row-level security.
    op.create_table('cube_places',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('segment', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('region_ids', postgresql.ARRAY(sa.BigInteger()), nullable=False),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_cube_places'))
    )
    # The next build is a full one: it writes cube_places.
    op.execute("INSERT INTO cube_dirty_months VALUES ('accounts', '-infinity') "
               "ON CONFLICT DO NOTHING")


def downgrade() -> None:
    op.drop_table('cube_places')
    op.drop_index(op.f('ix_service_cases_opened_at'), table_name='service_cases')
