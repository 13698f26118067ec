"""harden the access functions: fixed search_path, schema-qualified names, no TEMP for users

A user with their own SQL login could create a TEMP table named ``app_users`` (temporary
tables come first on the search path) and so choose their own role, escaping row-level
security and masking, or forge the audit actor. Every access function now names its
tables with their schema and runs with a fixed search_path; users lose TEMP on the
database; the audit log also refuses TRUNCATE and takes its ids from its own sequence;
masks cover non-ASCII names and every number in a street; fine H3 cells of accounts
(finer than resolution 7) are hidden from roles without personal-data access.

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
          NEW.id := pg_catalog.nextval('public.audit_log_id_seq'::pg_catalog.regclass);
          NEW.actor := coalesce((SELECT u.username FROM public.app_users u
                                 WHERE u.pg_role = current_user), current_user);
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
    op.execute("ALTER TABLE region_assignments ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY coarse_cells ON region_assignments TO {prefix}_user USING "
               f"((SELECT public.gcrm_sees_pii()) OR entity <> 'account' "
               f"OR level !~ '{FINE_CELLS}')")


def downgrade() -> None:
    """Downgrade schema."""
    bind = op.get_bind()
    op.execute("DROP POLICY coarse_cells ON region_assignments")
    op.execute("ALTER TABLE region_assignments DISABLE ROW LEVEL SECURITY")
    op.execute("DROP INDEX uq_app_users_email")
    database = bind.execute(sa.text("SELECT current_database()")).scalar_one()
    op.execute(f'GRANT TEMPORARY ON DATABASE "{database}" TO PUBLIC')
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    op.execute("DROP FUNCTION gcrm_refuse_truncate()")
    # The function bodies stay hardened (they mean the same); only the masks' rules and
    # the audit ids were new, and keeping them is harmless.
    for signature in FUNCTIONS:
        op.execute(f"ALTER FUNCTION public.{signature} RESET search_path")
    op.execute("ALTER FUNCTION public.gcrm_audit_guard() RESET search_path")
