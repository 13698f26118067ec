"""visit plans: a rep's day of visits (issue 24, visit routes)

``visit_windows``: when an account may be visited (opening and closing time of day) and
how long a visit lasts; an account without a row takes the plan's defaults.

``visit_plans``: one planning run for a day (``gcrm visits plan``): how travel was
measured (a road network, or a straight line at a stated speed), where the visits came
from, by whom, when. ``visit_routes``: each rep's day in it (leave, back, drive); its
``home_leg`` the drive home. ``visit_stops``: the visits in order with arrival, start and
departure times and the drive to each (``leg``, along the roads driven).
``visit_left_out``: each visit not planned and why, in words.

Written by the operator only (``gcrm visits plan``). Every gcrm role reads plans through
four views, never the tables: ``visit_plan_stops`` joins ``account_profiles``, so a stop
shows only for an account the reader may see (a manager: their regions), with the name,
address and point masked as that view masks them for roles without personal data, and
its ``leg`` (the drive along the roads, which ends at the account) only for roles with
personal data. ``visit_plan_routes``: the reps' days with a stop the reader sees (every
day for the roles that see every account), the rep's home on the same grid as
``rep_bases`` for roles without personal data; the drive home only when its start, the
last stop, is shown too. ``visit_plan_left_out``: the left-out visits of accounts the reader
sees (and those of no account for the see-all roles). ``visit_plan_heads``: the plans
with anything the reader sees.

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
    for view in VIEWS:
        op.execute(view)
    prefix = op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    op.execute(f"GRANT SELECT ON visit_plan_stops, visit_plan_routes, visit_plan_left_out, "
               f"visit_plan_heads TO {prefix}_user")


VIEWS = (
    """CREATE VIEW visit_plan_stops WITH (security_barrier) AS
    SELECT s.plan_id, s.rep_id, s.seq, s.account_id, p.source, p.external_id, p.name,
           concat_ws(', ', p.street, p.city, p.postcode) AS address,
           ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, s.arrive, s.start, s.depart,
           s.drive_seconds, s.drive_m, CASE WHEN gcrm_sees_pii() THEN s.leg END AS leg
    FROM visit_stops s JOIN account_profiles p ON p.id = s.account_id""",
    """CREATE VIEW visit_plan_routes WITH (security_barrier) AS
    SELECT r.plan_id, r.rep_id, rep.external_id AS rep, rep.name AS rep_name, r.leave,
           r.back, r.drive_seconds, r.drive_m,
           CASE WHEN gcrm_sees_pii() AND shown.last = (
               SELECT max(s.seq) FROM visit_stops s
               WHERE s.plan_id = r.plan_id AND s.rep_id = r.rep_id)
           THEN r.home_leg END AS home_leg,
           ST_X(home.geom) AS home_lon, ST_Y(home.geom) AS home_lat
    FROM visit_routes r JOIN reps rep ON rep.id = r.rep_id
    CROSS JOIN LATERAL (SELECT CASE WHEN gcrm_sees_pii() THEN rep.home_geom
                                    ELSE ST_SnapToGrid(rep.home_geom, 0.01) END AS geom) home
    CROSS JOIN LATERAL (SELECT max(v.seq) AS last, count(*) AS stops FROM visit_plan_stops v
                        WHERE v.plan_id = r.plan_id AND v.rep_id = r.rep_id) shown
    WHERE gcrm_sees_all_accounts() OR shown.stops > 0""",
    """CREATE VIEW visit_plan_left_out WITH (security_barrier) AS
    SELECT l.plan_id, l.position, l.account_id, l.asked, p.name, l.reason
    FROM visit_left_out l LEFT JOIN account_profiles p ON p.id = l.account_id
    WHERE p.id IS NOT NULL OR (l.account_id IS NULL AND gcrm_sees_all_accounts())""",
    """CREATE VIEW visit_plan_heads WITH (security_barrier) AS
    SELECT p.id, p.day, p.method, p.network, p.kmh, p.source, p.params - 'accounts' AS params,
           p.created_by,
           p.created_at
    FROM visit_plans p
    WHERE gcrm_sees_all_accounts()
       OR EXISTS (SELECT 1 FROM visit_plan_routes r WHERE r.plan_id = p.id)
       OR EXISTS (SELECT 1 FROM visit_plan_left_out l WHERE l.plan_id = p.id)""",
)


def downgrade() -> None:
    for view in ('visit_plan_heads', 'visit_plan_left_out', 'visit_plan_routes',
                 'visit_plan_stops'):
        op.execute(f"DROP VIEW {view}")
    for table in ('visit_left_out', 'visit_stops', 'visit_routes', 'visit_plans',
                  'visit_windows'):
        op.drop_table(table)
