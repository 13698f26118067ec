"""harden the access functions: fixed search_path, schema-qualified names, no TEMP for users

A user with their own SQL login could create a TEMP table named ``app_users`` (temporary
tables come first on the search path) and so choose their own role, escaping row-level
security and masking, or forge the audit actor. Every access function now names its
tables with their schema and runs with a fixed search_path; users lose TEMP on the
database; the audit log also refuses TRUNCATE and takes its ids from its own sequence;
masks cover non-ASCII names and every number in a street; fine H3 cells (finer than
resolution 7: their outlines and which accounts lie in them) are hidden from roles
without personal-data access; an account's district, a rep's email and home and campaign
responses become personal columns; audit entries are written by users as themselves only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 02:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SAFE_PATH = "SET search_path = pg_catalog, public, pg_temp"

FUNCTIONS = {
    "gcrm_role_prefix()": None,  # body unchanged (a constant); only the search_path
    "gcrm_is_operator()": """
        SELECT r.rolsuper OR r.rolbypassrls OR pg_catalog.pg_has_role(current_user,
            (SELECT c.relowner FROM pg_catalog.pg_class c
             WHERE c.oid = 'public.accounts'::pg_catalog.regclass), 'MEMBER')
        FROM pg_catalog.pg_roles r WHERE r.rolname = current_user""",
    "gcrm_current_role()": """
        SELECT CASE WHEN public.gcrm_is_operator() THEN 'admin' ELSE (
            SELECT u.role FROM public.app_users u
            WHERE u.pg_role = current_user AND NOT u.disabled) END""",
    "gcrm_sees_all_accounts()": """
        SELECT coalesce(public.gcrm_current_role() IN ('admin', 'analyst', 'marketer', 'planner'),
                        false)""",
    "gcrm_sees_pii()": """
        SELECT coalesce(public.gcrm_current_role() IN ('admin', 'manager', 'marketer'), false)""",
    "gcrm_scope_region_ids()": """
        SELECT coalesce(pg_catalog.array_agg(ur.region_id), '{}') FROM public.user_regions ur
        JOIN public.app_users u ON u.id = ur.user_id
        WHERE u.pg_role = current_user AND u.role = 'manager' AND NOT u.disabled""",
    # Masks: the first character of every word (any script); no number of a street survives.
    "gcrm_mask_name(text)": r"""
        SELECT pg_catalog.regexp_replace(v, '(\S)\S*', '\1***', 'g')""",
    "gcrm_mask_email(text)": """
        SELECT CASE WHEN v LIKE '%@%'
                    THEN pg_catalog.left(v, 1) || '***@' || pg_catalog.split_part(v, '@', 2)
                    WHEN v IS NOT NULL THEN '***' END""",
    "gcrm_mask_phone(text)": r"""
        SELECT CASE WHEN v IS NOT NULL
                    THEN '***' || pg_catalog.right(pg_catalog.regexp_replace(v, '\D', '', 'g'), 2)
               END""",
    "gcrm_mask_street(text)": r"""
        SELECT pg_catalog.regexp_replace(v, '[0-9]\S*', '***', 'g')""",
    "gcrm_decrypt(bytea)": """
        SELECT CASE WHEN v IS NULL THEN NULL
                    WHEN coalesce(pg_catalog.current_setting('gcrm.key', true), '') = ''
                    THEN '[encrypted]'
                    ELSE public.pgp_sym_decrypt(v, pg_catalog.current_setting('gcrm.key', true))
               END""",
}

AUDIT_GUARD = """CREATE OR REPLACE FUNCTION gcrm_audit_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NOT public.gcrm_is_operator() THEN
          -- A user's entry: their own name, the time now, the next id; whatever they sent.
          -- Only as themselves: not after SET ROLE to a group they belong to.
          NEW.id := pg_catalog.nextval('public.audit_log_id_seq'::pg_catalog.regclass);
          NEW.actor := (SELECT u.username FROM public.app_users u
                        WHERE u.pg_role = current_user);
          IF NEW.actor IS NULL THEN
            RAISE EXCEPTION 'audit entries are written by a user as themselves, not as %',
                current_user USING ERRCODE = 'insufficient_privilege';
          END IF;
          NEW.at := pg_catalog.now();
        END IF;
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
    END $$"""

# An account's cell at H3 resolution 8 or finer is a few hundred metres across: closer
# than the ~1 km a masked point is snapped to, so only personal-data roles see it.
FINE_CELLS = "^h3_([89]|1[0-5])$"
MORE_PERSONAL = {"reps": ("email", "home_geom"), "campaign_members": ("response",)}


def upgrade() -> None:
    """Upgrade schema."""
    bind = op.get_bind()
    for signature, body in FUNCTIONS.items():
        if body is not None:
            # CREATE OR REPLACE keeps each function's identity, so the policies and views
            # that call it need no change.
            head = bind.execute(sa.text(
                "SELECT pg_catalog.pg_get_function_result(CAST(:sig AS regprocedure)), "
                "(SELECT provolatile FROM pg_proc WHERE oid = CAST(:sig AS regprocedure))"),
                {"sig": f"public.{signature}"}).one()
            volatility = {"i": "IMMUTABLE", "s": "STABLE", "v": "VOLATILE"}[head[1]]
            name, args = signature.split("(", 1)
            params = "v " + args[:-1] + ")" if args != ")" else ")"
            op.execute(f"CREATE OR REPLACE FUNCTION public.{name}({params} RETURNS {head[0]} "
                       f"LANGUAGE sql {volatility} {SAFE_PATH} AS $fn$ {body} $fn$")
        else:
            op.execute(f"ALTER FUNCTION public.{signature} {SAFE_PATH}")
    op.execute(AUDIT_GUARD)
    op.execute("CREATE FUNCTION gcrm_refuse_truncate() RETURNS trigger LANGUAGE plpgsql "
               f"{SAFE_PATH} AS $$ BEGIN RAISE EXCEPTION "
               "'the audit log is append-only: TRUNCATE is not allowed' "
               "USING ERRCODE = 'insufficient_privilege'; END $$")
    op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
               "FOR EACH STATEMENT EXECUTE FUNCTION gcrm_refuse_truncate()")

    # No temporary tables for application users (defence in depth: with the fixed
    # search_path above they could no longer shadow anything). The operator keeps them.
    database = bind.execute(sa.text("SELECT current_database()")).scalar_one()
    op.execute(f'REVOKE TEMPORARY ON DATABASE "{database}" FROM PUBLIC')
    op.execute(f'GRANT TEMPORARY ON DATABASE "{database}" TO CURRENT_USER')

    # Single sign-on maps an email to one user: two users with one email would be a guess.
    op.execute("CREATE UNIQUE INDEX uq_app_users_email ON app_users (lower(email))")

    prefix = bind.execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    user, pii = f"{prefix}_user", f"{prefix}_pii"
    op.execute("ALTER TABLE region_assignments ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY coarse_cells ON region_assignments TO {user} USING "
               f"((SELECT public.gcrm_sees_pii()) OR entity <> 'account' "
               f"OR level !~ '{FINE_CELLS}')")
    # Fine cells exist only where somebody is: their outlines locate people as well.
    for table in ("regions", "region_parts"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY coarse_cells ON {table} TO {user} USING "
                   f"((SELECT public.gcrm_sees_pii()) OR level !~ '{FINE_CELLS}')")

    # More personal columns: an account's district, a rep's email and home, what a person
    # answered a campaign. Only the personal-data group reads them.
    op.execute(f"REVOKE SELECT (district) ON accounts FROM {user}")
    for table, personal in MORE_PERSONAL.items():
        columns = [r[0] for r in bind.execute(sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = :t ORDER BY ordinal_position"), {"t": table})]
        op.execute(f"REVOKE SELECT ON {table} FROM {user}")
        op.execute(f"GRANT SELECT ({', '.join(c for c in columns if c not in personal)}) "
                   f"ON {table} TO {user}")
        op.execute(f"GRANT SELECT ON {table} TO {pii}")
    op.execute(_account_profiles(bind))
    # Nobody but the owner creates objects in the schema (PostgreSQL 15's default, made
    # explicit for servers that started older).
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


def _account_profiles(bind) -> str:
    """account_profiles (migration 0004) with the district hidden like the unit."""
    columns = [r[0] for r in bind.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = 'account_profiles' ORDER BY ordinal_position"))]
    masked = {
        "name": "CASE WHEN p.pii THEN a.name ELSE gcrm_mask_name(a.name) END",
        "email": "CASE WHEN p.pii THEN a.email ELSE gcrm_mask_email(a.email) END",
        "phone": "CASE WHEN p.pii THEN a.phone ELSE gcrm_mask_phone(a.phone) END",
        "street": "CASE WHEN p.pii THEN a.street ELSE gcrm_mask_street(a.street) END",
        "unit": "CASE WHEN p.pii THEN a.unit END",
        "district": "CASE WHEN p.pii THEN a.district END",
        "geom": "CASE WHEN p.pii THEN a.geom ELSE ST_SnapToGrid(a.geom, 0.01) END",
    }
    select = ", ".join(f"{masked.get(c, 'a.' + c)} AS {c}" for c in columns)
    return (
        f"CREATE OR REPLACE VIEW account_profiles WITH (security_barrier) AS SELECT {select} "
        "FROM accounts a CROSS JOIN LATERAL (SELECT gcrm_sees_pii() AS pii) p WHERE "
        "((SELECT gcrm_sees_all_accounts()) OR a.id IN (SELECT ra.entity_id FROM "
        "region_assignments ra WHERE ra.entity = 'account' AND ra.region_id = ANY "
        "((SELECT gcrm_scope_region_ids())::bigint[])))")


def downgrade() -> None:
    """Downgrade schema."""
    bind = op.get_bind()
    prefix = bind.execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    op.execute(f"GRANT SELECT (district) ON accounts TO {prefix}_user")
    for table in MORE_PERSONAL:
        op.execute(f"GRANT SELECT ON {table} TO {prefix}_user")
    for table in ("regions", "region_parts"):
        op.execute(f"DROP POLICY IF EXISTS coarse_cells ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP POLICY coarse_cells ON region_assignments")
    op.execute("ALTER TABLE region_assignments DISABLE ROW LEVEL SECURITY")
    op.execute("DROP INDEX IF EXISTS uq_app_users_email")
    database = bind.execute(sa.text("SELECT current_database()")).scalar_one()
    op.execute(f'GRANT TEMPORARY ON DATABASE "{database}" TO PUBLIC')
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    op.execute("DROP FUNCTION gcrm_refuse_truncate()")
    # The function bodies stay hardened (they mean the same); only the masks' rules and
    # the audit ids were new, and keeping them is harmless.
    for signature in FUNCTIONS:
        op.execute(f"ALTER FUNCTION public.{signature} RESET search_path")
    op.execute("ALTER FUNCTION public.gcrm_audit_guard() RESET search_path")
