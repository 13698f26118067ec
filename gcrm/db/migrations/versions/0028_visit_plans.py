"""visit plans: a rep's day of visits (issue 24, visit routes)

``visit_windows``: when an account may be visited (opening and closing time of day) and
how long a visit lasts; an account without a row takes the plan's defaults.

``visit_plans``: one planning run for a day (``gcrm visits plan``): how travel was
measured (a road network, or a straight line at a stated speed), where the visits came
from, by whom, when. ``visit_routes``: each rep's day in it (leave, back, drive); its
``home_leg`` the drive home. ``visit_stops``: the visits in order with arrival, start and
departure times and the drive to each (``leg``, along the roads driven).
``visit_left_out``: each visit not planned and why, in words.

Written by the operator only for now; no gcrm role reads them yet (the page and its
grants come with it). A leg ends at an account's location, which is personal.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 20:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0028'
down_revision: Union[str, Sequence[str], None] = '0027'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _line(name: str) -> sa.Column:
    return sa.Column(name, Geometry(geometry_type='LINESTRING', srid=4326,
                                    spatial_index=False), nullable=True)


def _seconds(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        'visit_windows',
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('opens', sa.Time(), nullable=False),
        sa.Column('closes', sa.Time(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.CheckConstraint('closes > opens', name=op.f('ck_visit_windows_closes_after_opens')),
        sa.CheckConstraint('minutes > 0', name=op.f('ck_visit_windows_minutes_positive')),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE',
                                name=op.f('fk_visit_windows_account_id_accounts')),
        sa.PrimaryKeyConstraint('account_id', name=op.f('pk_visit_windows')),
    )
    op.create_table(
        'visit_plans',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('method', sa.Text(), nullable=False),
        sa.Column('network', sa.Text(), nullable=True),
        sa.Column('kmh', sa.Float(), nullable=True),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('params', postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column('created_by', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.CheckConstraint("method IN ('road', 'straight line')",
                           name=op.f('ck_visit_plans_method_known')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_plans')),
    )
    op.create_table(
        'visit_routes',
        sa.Column('plan_id', sa.BigInteger(), nullable=False),
        sa.Column('rep_id', sa.BigInteger(), nullable=False),
        sa.Column('leave', sa.Time(), nullable=False),
        sa.Column('back', sa.Time(), nullable=False),
        _seconds('drive_seconds'),
        sa.Column('drive_m', sa.Float(), nullable=False),
        _line('home_leg'),
        sa.ForeignKeyConstraint(['plan_id'], ['visit_plans.id'], ondelete='CASCADE',
                                name=op.f('fk_visit_routes_plan_id_visit_plans')),
        sa.ForeignKeyConstraint(['rep_id'], ['reps.id'], ondelete='CASCADE',
                                name=op.f('fk_visit_routes_rep_id_reps')),
        sa.PrimaryKeyConstraint('plan_id', 'rep_id', name=op.f('pk_visit_routes')),
    )
    op.create_table(
        'visit_stops',
        sa.Column('plan_id', sa.BigInteger(), nullable=False),
        sa.Column('rep_id', sa.BigInteger(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('arrive', sa.Time(), nullable=False),
        sa.Column('start', sa.Time(), nullable=False),
        sa.Column('depart', sa.Time(), nullable=False),
        _seconds('drive_seconds'),
        sa.Column('drive_m', sa.Float(), nullable=False),
        _line('leg'),
        sa.ForeignKeyConstraint(['plan_id', 'rep_id'],
                                ['visit_routes.plan_id', 'visit_routes.rep_id'],
                                ondelete='CASCADE',
                                name=op.f('fk_visit_stops_plan_id_visit_routes')),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE',
                                name=op.f('fk_visit_stops_account_id_accounts')),
        sa.PrimaryKeyConstraint('plan_id', 'rep_id', 'seq', name=op.f('pk_visit_stops')),
    )
    op.create_index(op.f('ix_visit_stops_account_id'), 'visit_stops', ['account_id'])
    op.create_table(
        'visit_left_out',
        sa.Column('plan_id', sa.BigInteger(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.BigInteger(), nullable=True),
        sa.Column('asked', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['visit_plans.id'], ondelete='CASCADE',
                                name=op.f('fk_visit_left_out_plan_id_visit_plans')),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE',
                                name=op.f('fk_visit_left_out_account_id_accounts')),
        sa.PrimaryKeyConstraint('plan_id', 'position', name=op.f('pk_visit_left_out')),
    )
    op.create_index(op.f('ix_visit_left_out_account_id'), 'visit_left_out', ['account_id'])
    op.create_index('idx_visit_routes_home_leg', 'visit_routes', ['home_leg'],
                    postgresql_using='gist')
    op.create_index('idx_visit_stops_leg', 'visit_stops', ['leg'], postgresql_using='gist')
    op.execute("REVOKE ALL ON visit_windows, visit_plans, visit_routes, visit_stops, "
               "visit_left_out FROM PUBLIC")


def downgrade() -> None:
    for table in ('visit_left_out', 'visit_stops', 'visit_routes', 'visit_plans',
                  'visit_windows'):
        op.drop_table(table)
