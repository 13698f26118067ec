"""close the leaks a SQL login found (issue 19, part A)

A county manager with their own SQL login could read, outside their regions:

* ``region_assignments`` of every account (policy ``coarse_cells`` of 0006 exempted roles
  with personal data), hence the fine H3 cell of every person and exact counts per region;
  the outlines of every fine cell in ``regions`` and ``region_parts``; ``region_visibility``.
  Managers now see the assignments of the accounts in their scope (the same rule as the
  facts: an account assigned to one of their regions), of the reps in their scope, and of
  sites; fine grid cells (finer than H3 resolution 7, as in 0006) only where such an
  assignment lies. Coarser cells (~5 km² and up) stay visible as they are to every role:
  checking each of them would cost every map and cube query of a manager a pass over the
  assignments (the 215 h3_7 cells of a 20,000-account world: 43-109 ms instead of
  0.5-3 ms), for areas the masked roles see anyway. Roles that see every account keep
  their policies (a policy of their own, so the planner folds it away and indexes stay
  usable: migration 0010's reason);
  fine cells of reps' homes are now hidden from analysts and planners like people's.
* every rep's email and exact home (``reps``, ``rep_bases``). A manager now sees the reps
  who own an account in their scope or whose home is assigned to one of their regions.
* the extreme coordinates of any geometry column through PostGIS functions that read the
  planner's statistics or an index whatever the caller's rights (``ST_EstimatedExtent`` is
  SECURITY DEFINER; ``_postgis_stats``, ``_postgis_index_extent`` and the selectivity
  helpers read the same data): EXECUTE is revoked from PUBLIC in this database (gcrm's
  users hold no other grant). The planner uses the C code directly and is unaffected.
* every database of the cluster: CONNECT on this database is now for gcrm's own groups
  only (a user of another gcrm database on the server cannot connect here), and CONNECT and
  TEMPORARY are taken from PUBLIC on ``postgres`` and ``template1`` when whoever migrates
  owns them (gcrm's own cluster, a dedicated server); elsewhere ``gcrm users sql-login``
  names the databases a login can still reach.
* every user name and role (``app_users``) and everyone's regions (``user_regions``). A
  manager sees their own user row and regions; the other roles keep what they had. The
  loads' counts (``load_runs``) stay readable: they are not personal (tests/integration/
  test_quality.py says so for managers too).

The facts' own policies (accounts, sales, cases, interactions, campaign members) now read
the scope from ``gcrm_scope_accounts`` too: the same rows, without passing a manager's
filter through the new policy on ``region_assignments`` a second time.

Helpers: two views owned by the operator, ``gcrm_scope_accounts`` and ``gcrm_scope_reps``:
the ids of the accounts and reps in the caller's scope (empty for everyone but managers).
Policies on ``region_assignments`` cannot read ``region_assignments`` themselves (infinite
recursion); a view runs with its owner's rights, to whom row-level security does not apply,
while ``current_user`` in it is still the caller.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 23:15:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0018'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SEE_ALL = ("admin", "analyst", "marketer", "planner")
FINE_CELLS = "^h3_([89]|1[0-5])$"  # as in 0006
SCOPE = "((SELECT public.gcrm_scope_region_ids())::bigint[])"

SCOPE_VIEWS = [
    f"""CREATE VIEW gcrm_scope_accounts WITH (security_barrier) AS
        SELECT ra.entity_id AS account_id FROM public.region_assignments ra
        WHERE ra.entity = 'account' AND ra.region_id = ANY {SCOPE}""",
    # Per rep, its accounts (by index) until one is in scope: reps are few, accounts many.
    f"""CREATE VIEW gcrm_scope_reps WITH (security_barrier) AS
        SELECT r.id AS rep_id FROM public.reps r
        WHERE EXISTS (SELECT 1 FROM public.accounts a WHERE a.owner_rep_id = r.id
                      AND a.id IN (SELECT s.account_id FROM public.gcrm_scope_accounts s))
        UNION
        SELECT ra.entity_id FROM public.region_assignments ra
        WHERE ra.entity = 'rep' AND ra.region_id = ANY {SCOPE}""",
]

# Who may see which assignment: see-all roles (fine cells of people and reps only with
# personal data), managers (their accounts and reps, every site).
SEE_ALL_ASSIGNMENTS = (f"((SELECT public.gcrm_sees_pii()) OR entity NOT IN ('account', 'rep') "
                       f"OR level !~ '{FINE_CELLS}')")
MANAGER_ASSIGNMENTS = (
    "((entity = 'account' AND entity_id IN (SELECT s.account_id FROM public.gcrm_scope_accounts s))"
    " OR (entity = 'rep' AND entity_id IN (SELECT s.rep_id FROM public.gcrm_scope_reps s))"
    " OR entity NOT IN ('account', 'rep'))")
OLD_ASSIGNMENTS = (f"((SELECT public.gcrm_sees_pii()) OR entity <> 'account' "
                   f"OR level !~ '{FINE_CELLS}')")
OLD_CELLS = f"((SELECT public.gcrm_sees_pii()) OR level !~ '{FINE_CELLS}')"

# The facts' policy (migration 0004's _visible), reading the scope from the view.
FACTS = (("accounts", "id"), ("sales", "account_id"), ("service_cases", "account_id"),
         ("interactions", "account_id"), ("campaign_members", "account_id"))


def _facts_scope(column: str) -> str:
    return (f"((SELECT public.gcrm_sees_all_accounts()) OR {column} IN "
            "(SELECT s.account_id FROM public.gcrm_scope_accounts s))")


def _facts_scope_0004(column: str) -> str:
    return (f"((SELECT gcrm_sees_all_accounts()) OR {column} IN ("
            "SELECT ra.entity_id FROM region_assignments ra WHERE ra.entity = 'account' "
            "AND ra.region_id = ANY ((SELECT gcrm_scope_region_ids())::bigint[])))")

REP_BASES = """
CREATE OR REPLACE VIEW rep_bases WITH (security_barrier) AS
SELECT r.id, r.name, r.capacity, r.active,
       CASE WHEN p.pii THEN r.home_geom ELSE ST_SnapToGrid(r.home_geom, 0.01) END AS home_geom
FROM reps r CROSS JOIN LATERAL (SELECT (SELECT gcrm_sees_pii()) AS pii) p
"""
REP_BASES_SCOPED = REP_BASES + (
    "WHERE (SELECT gcrm_sees_all_accounts()) "
    "OR r.id IN (SELECT s.rep_id FROM public.gcrm_scope_reps s)")

# PostGIS functions that read statistics or index pages without checking the caller's
# rights on the column (ST_EstimatedExtent is SECURITY DEFINER).
STATISTICS_FUNCTIONS = ("st_estimatedextent", "_postgis_stats", "_postgis_index_extent",
                        "_postgis_selectivity", "_postgis_join_selectivity")
OTHER_DATABASES = ("postgres", "template1")


def _groups() -> dict[str, str]:
    prefix = op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    names = (*SEE_ALL, "manager", "user")
    return {name: f"{prefix}_{name}" for name in names}


def _statistics_functions() -> list[str]:
    return list(op.get_bind().execute(sa.text(
        "SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p "
        "JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass "
        "AND d.objid = p.oid AND d.deptype = 'e' "
        "JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'postgis' "
        "WHERE p.proname = ANY (:names) ORDER BY 1"),
        {"names": list(STATISTICS_FUNCTIONS)}).scalars())


def _owned_databases() -> list[str]:
    """postgres and template1 when whoever migrates owns them (gcrm's own cluster) and
    PUBLIC may still connect to them."""
    return list(op.get_bind().execute(sa.text(
        "SELECT d.datname FROM pg_catalog.pg_database d WHERE d.datname = ANY (:names) "
        "AND pg_catalog.pg_has_role(current_user, d.datdba, 'USAGE') AND EXISTS ("
        "SELECT 1 FROM pg_catalog.aclexplode(coalesce(d.datacl, "
        "pg_catalog.acldefault('d', d.datdba))) a WHERE a.grantee = 0 "
        "AND a.privilege_type IN ('CONNECT', 'TEMPORARY')) ORDER BY 1"),
        {"names": list(OTHER_DATABASES)}).scalars())


# Two databases of one cluster migrated at once (two test processes, two gcrm instances)
# both change the shared catalog row of `postgres`: the second one's REVOKE fails with
# "tuple concurrently updated" although the first has done the same. That is no failure.
REVOKE_FROM_PUBLIC = """DO $$ BEGIN
    REVOKE CONNECT, TEMPORARY ON DATABASE "{database}" FROM PUBLIC;
EXCEPTION WHEN internal_error THEN
    RAISE NOTICE 'another migration is closing "{database}" at the same time: %', SQLERRM;
END $$"""


def upgrade() -> None:
    g = _groups()
    see_all = ", ".join(g[r] for r in SEE_ALL)
    manager = g["manager"]
    for statement in SCOPE_VIEWS:
        op.execute(statement)
    op.execute(f"GRANT SELECT ON gcrm_scope_accounts, gcrm_scope_reps TO {g['user']}")
    for table, column in FACTS:
        op.execute(f"ALTER POLICY region_scope ON {table} USING {_facts_scope(column)}")

    # 1. Assignments and fine grid cells.
    op.execute(f"ALTER POLICY coarse_cells ON region_assignments TO {see_all} "
               f"USING {SEE_ALL_ASSIGNMENTS}")
    op.execute(f"CREATE POLICY region_scope ON region_assignments TO {manager} "
               f"USING {MANAGER_ASSIGNMENTS}")
    for table, key in (("regions", "id"), ("region_parts", "region_id")):
        op.execute(f"ALTER POLICY coarse_cells ON {table} TO {see_all}")
        op.execute(
            f"CREATE POLICY region_scope ON {table} TO {manager} USING "
            f"(level !~ '{FINE_CELLS}' OR EXISTS (SELECT 1 FROM public.region_assignments ra "
            f"WHERE ra.region_id = {table}.{key}))")
    op.execute("ALTER TABLE region_visibility ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY every_region ON region_visibility TO {see_all} USING (true)")
    op.execute(f"CREATE POLICY region_scope ON region_visibility TO {manager} "
               f"USING (scope_id = ANY {SCOPE})")

    # 4. Reps, and the statistics functions.
    op.execute("ALTER TABLE reps ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY every_rep ON reps TO {see_all} USING (true)")
    op.execute(f"CREATE POLICY region_scope ON reps TO {manager} "
               "USING (id IN (SELECT s.rep_id FROM public.gcrm_scope_reps s))")
    op.execute(REP_BASES_SCOPED)
    for function in _statistics_functions():
        op.execute(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC")

    # 5. Connections.
    database = op.get_bind().execute(sa.text("SELECT current_database()")).scalar_one()
    op.execute(f'REVOKE CONNECT ON DATABASE "{database}" FROM PUBLIC')
    op.execute(f'GRANT CONNECT ON DATABASE "{database}" TO CURRENT_USER, {g["user"]}')
    for other in _owned_databases():
        op.execute(REVOKE_FROM_PUBLIC.format(database=other))

    # 6. Users and their regions.
    for table, own in (("app_users", "pg_role = current_user"),
                       ("user_regions", "user_id IN (SELECT u.id FROM public.app_users u "
                                        "WHERE u.pg_role = current_user)")):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY every_user ON {table} TO {see_all} USING (true)")
        op.execute(f"CREATE POLICY own_rows ON {table} TO {manager} USING ({own})")


def downgrade() -> None:
    g = _groups()
    for table in ("app_users", "user_regions"):
        op.execute(f"DROP POLICY own_rows ON {table}")
        op.execute(f"DROP POLICY every_user ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    database = op.get_bind().execute(sa.text("SELECT current_database()")).scalar_one()
    op.execute(f'GRANT CONNECT ON DATABASE "{database}" TO PUBLIC')
    # postgres and template1 stay closed to PUBLIC: gcrm's own cluster closes them anyway
    # (gcrm/db/cluster.py), and nobody's access depended on them.

    for function in _statistics_functions():
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO PUBLIC")
    op.execute(REP_BASES)
    op.execute("DROP POLICY region_scope ON reps")
    op.execute("DROP POLICY every_rep ON reps")
    op.execute("ALTER TABLE reps DISABLE ROW LEVEL SECURITY")

    op.execute("DROP POLICY region_scope ON region_visibility")
    op.execute("DROP POLICY every_region ON region_visibility")
    op.execute("ALTER TABLE region_visibility DISABLE ROW LEVEL SECURITY")
    for table in ("regions", "region_parts"):
        op.execute(f"DROP POLICY region_scope ON {table}")
        op.execute(f"ALTER POLICY coarse_cells ON {table} TO {g['user']} USING {OLD_CELLS}")
    op.execute("DROP POLICY region_scope ON region_assignments")
    op.execute(f"ALTER POLICY coarse_cells ON region_assignments TO {g['user']} "
               f"USING {OLD_ASSIGNMENTS}")
    for table, column in FACTS:
        op.execute(f"ALTER POLICY region_scope ON {table} USING {_facts_scope_0004(column)}")
    op.execute("DROP VIEW gcrm_scope_reps")
    op.execute("DROP VIEW gcrm_scope_accounts")
