"""cost to serve: the admin's rates, each account's margin per month, the cube's cost family
(issue 21, cost-to-serve part)

``cost_rates``: what one service case of a type and one contact through a channel cost
(``kind`` case or contact, ``item`` the case type or channel, ``*`` the rate of any type or
channel without a row of its own). Seeded with plain placeholder rates (docs/models.md,
"Customer value: cost to serve and margin") that the admin should replace with the
company's own. Every gcrm role reads it; admins (and the operator) change it; a change
marks the cube for a full build (statement trigger: family ``cost_rates``). Returns are
service cases of type ``return`` (sales amounts are never negative: CHECK
amount_not_negative), so they cost their case rate.

``account_margins``: each account's revenue and cost to serve per month it had a sale, a
case or a contact, written by ``gcrm cube build`` (what the share of unprofitable
customers is counted from, for whatever period a query asks). The same row-level
security as the facts (migration 0018's policy): a manager reads the accounts of their
regions.

``cube_cost``: cost to serve (cases, of which returns, and contacts), margin and the
accounts served per level, region, month and one split (segment or status); read by every
role through the cube's region policy (migration 0007).

Contacts (``interactions``) now mark the months they change (family ``contacts`` in
``cube_dirty_months``), as sales and cases do, so an incremental build rebuilds them.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 05:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0024'
down_revision: Union[str, Sequence[str], None] = '0023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SEE_ALL = ("admin", "analyst", "marketer", "planner")
# The placeholder rates a new database starts with (the same as gcrm.costs.DEFAULTS).
SEED = {
    ("case", "*"): "25.00", ("case", "complaint"): "60.00", ("case", "return"): "40.00",
    ("case", "repair"): "45.00", ("case", "request"): "15.00", ("case", "other"): "20.00",
    ("contact", "*"): "2.00", ("contact", "phone"): "4.00", ("contact", "email"): "1.00",
    ("contact", "web"): "0.50", ("contact", "visit"): "40.00", ("contact", "kiosk"): "1.00",
    ("contact", "mail"): "1.50", ("contact", "sms"): "0.25",
}
# Migration 0018's facts policy.
SCOPE = ("((SELECT public.gcrm_sees_all_accounts()) OR account_id IN "
         "(SELECT s.account_id FROM public.gcrm_scope_accounts s))")
# Migration 0007's cube policy.
VISIBLE = ("((SELECT public.gcrm_sees_all_accounts()) OR region_id IN ("
           "SELECT v.region_id FROM public.region_visibility v "
           "WHERE v.scope_id = ANY ((SELECT public.gcrm_scope_region_ids())::bigint[])))")
# Contacts mark their months, as migration 0007's triggers do for sales and cases.
# Only what prices a contact counts: a change of notes (erasure, encryption, key rotation)
# marks nothing.
DIRTY_CONTACTS = """CREATE FUNCTION gcrm_cube_dirty_contacts() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO public.cube_dirty_months VALUES ('contacts', '-infinity')
        ON CONFLICT DO NOTHING;
      ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO public.cube_dirty_months
        SELECT DISTINCT 'contacts', date_trunc('month', n.occurred_at AT TIME ZONE 'UTC')::date
        FROM new_rows n ON CONFLICT DO NOTHING;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO public.cube_dirty_months
        SELECT DISTINCT 'contacts', date_trunc('month', o.occurred_at AT TIME ZONE 'UTC')::date
        FROM old_rows o ON CONFLICT DO NOTHING;
      ELSE
        INSERT INTO public.cube_dirty_months
        SELECT DISTINCT 'contacts', date_trunc('month', t AT TIME ZONE 'UTC')::date
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.occurred_at), (n.occurred_at)) v(t)
        WHERE (o.account_id, o.occurred_at, o.channel)
              IS DISTINCT FROM (n.account_id, n.occurred_at, n.channel)
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$"""
CONTACT_TRIGGERS = {
    "insert": "AFTER INSERT ON interactions REFERENCING NEW TABLE AS new_rows",
    "update": "AFTER UPDATE ON interactions REFERENCING OLD TABLE AS old_rows "
              "NEW TABLE AS new_rows",
    "delete": "AFTER DELETE ON interactions REFERENCING OLD TABLE AS old_rows",
    "truncate": "AFTER TRUNCATE ON interactions",
}
# A rate change means a full build. The admin changes rates without rights on the cube's
# bookkeeping: the function runs as its owner and only marks the family.
DIRTY_RATES = """CREATE FUNCTION gcrm_cube_dirty_cost_rates() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    BEGIN
      INSERT INTO public.cube_dirty_months VALUES ('cost_rates', '-infinity')
      ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$"""


def _prefix() -> str:
    return op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()


def upgrade() -> None:
    op.create_table(
        'cost_rates',
        sa.Column('kind', sa.Text(), nullable=False),
        sa.Column('item', sa.Text(), nullable=False),
        sa.Column('rate', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('changed_by', sa.Text(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.CheckConstraint("kind IN ('case', 'contact')", name=op.f('ck_cost_rates_kind_known')),
        sa.CheckConstraint("item <> ''", name=op.f('ck_cost_rates_item_not_empty')),
        sa.CheckConstraint('rate >= 0', name=op.f('ck_cost_rates_rate_not_negative')),
        sa.PrimaryKeyConstraint('kind', 'item', name=op.f('pk_cost_rates')),
    )
    op.create_table(
        'account_margins',
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('revenue', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('cost_to_serve', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE',
                                name=op.f('fk_account_margins_account_id_accounts')),
        sa.PrimaryKeyConstraint('account_id', 'month', name=op.f('pk_account_margins')),
    )
    op.create_index(op.f('ix_account_margins_month'), 'account_margins', ['month'])
    op.create_table(
        'cube_cost',
        sa.Column('level', sa.Text(), nullable=False),
        sa.Column('dim', sa.Text(), nullable=False),
        sa.Column('member', sa.Text(), nullable=False),
        sa.Column('region_id', sa.BigInteger(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('cost_to_serve', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('case_cost', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('return_cost', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('contact_cost', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('margin', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('served_accounts', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('level', 'dim', 'member', 'region_id', 'month',
                                name=op.f('pk_cube_cost')),
    )
    bind = op.get_bind()
    for (kind, item), rate in SEED.items():
        bind.execute(sa.text("INSERT INTO cost_rates (kind, item, rate, changed_by) "
                             "VALUES (:kind, :item, CAST(:rate AS numeric), 'migration 0024')"),
                     {"kind": kind, "item": item, "rate": rate})
    prefix = _prefix()
    see_all = ", ".join(f"{prefix}_{r}" for r in SEE_ALL)
    op.execute("REVOKE ALL ON cost_rates, account_margins, cube_cost FROM PUBLIC")
    op.execute(f"GRANT SELECT ON cost_rates TO {prefix}_user")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON cost_rates TO {prefix}_admin")
    op.execute("ALTER TABLE account_margins ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY region_scope ON account_margins TO {prefix}_user "
               f"USING {SCOPE}")
    op.execute(f"CREATE POLICY every_account ON account_margins TO {see_all} USING (true)")
    op.execute(f"GRANT SELECT ON account_margins TO {prefix}_user")
    op.execute("ALTER TABLE cube_cost ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY region_scope ON cube_cost TO {prefix}_user USING {VISIBLE}")
    op.execute(f"GRANT SELECT ON cube_cost TO {prefix}_user")
    op.execute(DIRTY_CONTACTS)
    for event, when in CONTACT_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER cube_dirty_{event} {when} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION gcrm_cube_dirty_contacts()")
    op.execute(DIRTY_RATES)
    op.execute("REVOKE ALL ON FUNCTION gcrm_cube_dirty_cost_rates() FROM PUBLIC")
    op.execute("CREATE TRIGGER cube_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
               "ON cost_rates FOR EACH STATEMENT EXECUTE FUNCTION gcrm_cube_dirty_cost_rates()")
    # The cube gains a family: the next build, even an incremental one, is a full one.
    op.execute("INSERT INTO cube_dirty_months (family, month) VALUES ('cost_rates', '-infinity') "
               "ON CONFLICT DO NOTHING")


def downgrade() -> None:
    for event in CONTACT_TRIGGERS:
        op.execute(f"DROP TRIGGER cube_dirty_{event} ON interactions")
    op.execute("DROP FUNCTION gcrm_cube_dirty_contacts()")
    op.drop_table('cube_cost')
    op.drop_index(op.f('ix_account_margins_month'), table_name='account_margins')
    op.drop_table('account_margins')
    op.drop_table('cost_rates')  # its trigger goes with it
    op.execute("DROP FUNCTION gcrm_cube_dirty_cost_rates()")
    op.execute("DELETE FROM cube_dirty_months WHERE family IN ('contacts', 'cost_rates')")
