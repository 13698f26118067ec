"""work routing: owners for new leads and service cases by rules, a default queue, SLA
clocks (issue 24, work routing)

``teams`` and ``team_members``: reps grouped for round-robin or capacity routing.
``work_queues``: named queues; exactly one is the default, where an item no rule matches
goes ("unassigned" to start with). ``routing_rules``: in priority order (1 first), each
for leads or cases (optionally of one case type), giving the item to the rep owning its
area (``territory``), to a named rep (``rep``) or to a team (``team``, round-robin or by
capacity: the fewest open items for the rep's capacity). ``case_slas``: per case type,
hours to the first response and to resolution.

``service_cases`` gain ``owner_rep_id`` or ``queue`` (never both), the rule that routed
them, when, and when they were first answered; ``accounts`` gain ``queue`` for a lead no
rule could give a rep.

Every gcrm role reads rules, teams, queues and SLAs; admins (and the operator) change
them. Planners (and admins, who hold the planner group) may move a case to another rep:
applying a territory plan moves the open cases with their accounts.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 21:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0029'
down_revision: Union[str, Sequence[str], None] = '0028'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("teams", "team_members", "work_queues", "routing_rules", "case_slas")


def upgrade() -> None:
    op.create_table(
        'teams',
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_teams')),
    )
    op.create_table(
        'team_members',
        sa.Column('team', sa.Text(), nullable=False),
        sa.Column('rep_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['team'], ['teams.name'], ondelete='CASCADE',
                                onupdate='CASCADE', name=op.f('fk_team_members_team_teams')),
        sa.ForeignKeyConstraint(['rep_id'], ['reps.id'], ondelete='CASCADE',
                                name=op.f('fk_team_members_rep_id_reps')),
        sa.PrimaryKeyConstraint('team', 'rep_id', name=op.f('pk_team_members')),
    )
    op.create_table(
        'work_queues',
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('is_default', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_work_queues')),
    )
    op.create_index('uq_work_queues_one_default', 'work_queues', ['is_default'], unique=True,
                    postgresql_where=sa.text('is_default'))
    op.execute("INSERT INTO work_queues (name, is_default) VALUES ('unassigned', true)")
    op.create_table(
        'routing_rules',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('applies_to', sa.Text(), nullable=False),
        sa.Column('case_type', sa.Text(), nullable=True),
        sa.Column('method', sa.Text(), nullable=False),
        sa.Column('team', sa.Text(), nullable=True),
        sa.Column('rep_id', sa.BigInteger(), nullable=True),
        sa.Column('pick', sa.Text(), server_default='round_robin', nullable=False),
        sa.Column('last_rep_id', sa.BigInteger(), nullable=True),
        sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('created_by', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.CheckConstraint("applies_to IN ('lead', 'case')",
                           name=op.f('ck_routing_rules_applies_to_known')),
        sa.CheckConstraint("method IN ('territory', 'team', 'rep')",
                           name=op.f('ck_routing_rules_method_known')),
        sa.CheckConstraint("pick IN ('round_robin', 'capacity')",
                           name=op.f('ck_routing_rules_pick_known')),
        sa.CheckConstraint("method <> 'team' OR team IS NOT NULL",
                           name=op.f('ck_routing_rules_team_named')),
        sa.CheckConstraint("method <> 'rep' OR rep_id IS NOT NULL",
                           name=op.f('ck_routing_rules_rep_named')),
        sa.CheckConstraint("applies_to = 'case' OR case_type IS NULL",
                           name=op.f('ck_routing_rules_case_type_for_cases')),
        sa.ForeignKeyConstraint(['team'], ['teams.name'], onupdate='CASCADE',
                                name=op.f('fk_routing_rules_team_teams')),
        sa.ForeignKeyConstraint(['rep_id'], ['reps.id'],
                                name=op.f('fk_routing_rules_rep_id_reps')),
        sa.ForeignKeyConstraint(['last_rep_id'], ['reps.id'], ondelete='SET NULL',
                                name=op.f('fk_routing_rules_last_rep_id_reps')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules')),
        sa.UniqueConstraint('priority', name=op.f('uq_routing_rules_priority')),
    )
    op.create_table(
        'case_slas',
        sa.Column('case_type', sa.Text(), nullable=False),
        sa.Column('first_response_hours', sa.Numeric(8, 2), nullable=False),
        sa.Column('resolution_hours', sa.Numeric(8, 2), nullable=False),
        sa.CheckConstraint('first_response_hours > 0',
                           name=op.f('ck_case_slas_first_response_positive')),
        sa.CheckConstraint('resolution_hours >= first_response_hours',
                           name=op.f('ck_case_slas_resolution_after_response')),
        sa.PrimaryKeyConstraint('case_type', name=op.f('pk_case_slas')),
    )
    op.add_column('service_cases', sa.Column('owner_rep_id', sa.BigInteger(), nullable=True))
    op.add_column('service_cases', sa.Column('queue', sa.Text(), nullable=True))
    op.add_column('service_cases', sa.Column('routing_rule_id', sa.BigInteger(),
                                             nullable=True))
    op.add_column('service_cases', sa.Column('routed_at', sa.DateTime(timezone=True),
                                             nullable=True))
    op.add_column('service_cases', sa.Column('first_response_at', sa.DateTime(timezone=True),
                                             nullable=True))
    op.create_foreign_key(op.f('fk_service_cases_owner_rep_id_reps'), 'service_cases',
                          'reps', ['owner_rep_id'], ['id'], ondelete='SET NULL')
    op.create_foreign_key(op.f('fk_service_cases_queue_work_queues'), 'service_cases',
                          'work_queues', ['queue'], ['name'], onupdate='CASCADE')
    op.create_foreign_key(op.f('fk_service_cases_routing_rule_id_routing_rules'),
                          'service_cases', 'routing_rules', ['routing_rule_id'], ['id'],
                          ondelete='SET NULL')
    op.create_check_constraint(op.f('ck_service_cases_one_owner'), 'service_cases',
                               'owner_rep_id IS NULL OR queue IS NULL')
    op.create_check_constraint(op.f('ck_service_cases_answered_after_opened'),
                               'service_cases',
                               'first_response_at IS NULL OR first_response_at >= opened_at')
    op.create_index(op.f('ix_service_cases_owner_rep_id'), 'service_cases', ['owner_rep_id'])
    op.add_column('accounts', sa.Column('queue', sa.Text(), nullable=True))
    op.create_foreign_key(op.f('fk_accounts_queue_work_queues'), 'accounts', 'work_queues',
                          ['queue'], ['name'], onupdate='CASCADE')

    prefix = op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    op.execute(f"REVOKE ALL ON {', '.join(TABLES)} FROM PUBLIC")
    op.execute(f"GRANT SELECT ON {', '.join(TABLES)} TO {prefix}_user")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {prefix}_admin")
    op.execute(f"GRANT USAGE ON SEQUENCE routing_rules_id_seq TO {prefix}_admin")
    # Applying a territory plan (planners and admins) moves open cases with their accounts.
    op.execute(f"GRANT UPDATE (owner_rep_id, routed_at) ON service_cases TO {prefix}_planner")


def downgrade() -> None:
    op.drop_constraint(op.f('fk_accounts_queue_work_queues'), 'accounts', type_='foreignkey')
    op.drop_column('accounts', 'queue')
    op.drop_index(op.f('ix_service_cases_owner_rep_id'), table_name='service_cases')
    op.drop_constraint(op.f('ck_service_cases_answered_after_opened'), 'service_cases',
                       type_='check')
    op.drop_constraint(op.f('ck_service_cases_one_owner'), 'service_cases', type_='check')
    for name in ('fk_service_cases_routing_rule_id_routing_rules',
                 'fk_service_cases_queue_work_queues', 'fk_service_cases_owner_rep_id_reps'):
        op.drop_constraint(op.f(name), 'service_cases', type_='foreignkey')
    for column in ('first_response_at', 'routed_at', 'routing_rule_id', 'queue',
                   'owner_rep_id'):
        op.drop_column('service_cases', column)
    for table in reversed(TABLES):
        op.drop_table(table)
