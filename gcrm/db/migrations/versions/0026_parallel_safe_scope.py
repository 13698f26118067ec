"""row-level security that lets PostgreSQL scan in parallel (issue 23)

Every function the row-level security and masking policies call was created PARALLEL
UNSAFE (PostgreSQL's default), and one such function anywhere in a query keeps the whole
query to one process: a state manager's scan of every sale ran on one core while the
operator's ran on three processes. They read tables, the catalog and ``current_user``
(which parallel workers share with their leader) and write nothing, so they are marked
PARALLEL SAFE; the decryption, which reads the session's ``gcrm.key``, is marked
PARALLEL RESTRICTED (evaluated by the leader only).

``gcrm_scope_accounts`` (migration 0018) took the manager's regions from an InitPlan
inside its subquery, and PostgreSQL 15 does not run a plan holding an InitPlan inside a
parallel worker. The view now joins the same rows (the caller's own ``user_regions`` of
an enabled manager) in the subquery: the same accounts, so every policy built on it
(migrations 0018, 0021, 0022, 0024, 0025) keeps its meaning; the security tests prove it.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 18:00:00

"""
from typing import Sequence, Union

from alembic import op

revision: str = '0026'
down_revision: Union[str, Sequence[str], None] = '0025'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SAFE = ("gcrm_role_prefix()", "gcrm_is_operator()", "gcrm_current_role()",
        "gcrm_sees_all_accounts()", "gcrm_sees_pii()", "gcrm_scope_region_ids()",
        "gcrm_mask_name(text)", "gcrm_mask_email(text)", "gcrm_mask_phone(text)",
        "gcrm_mask_street(text)")
RESTRICTED = ("gcrm_decrypt(bytea)",)

SCOPE_ACCOUNTS = """CREATE OR REPLACE VIEW gcrm_scope_accounts WITH (security_barrier) AS
    SELECT ra.entity_id AS account_id FROM public.region_assignments ra
    WHERE ra.entity = 'account' AND ra.region_id IN (
        SELECT ur.region_id FROM public.user_regions ur
        JOIN public.app_users u ON u.id = ur.user_id
        WHERE u.pg_role = current_user AND u.role = 'manager' AND NOT u.disabled)"""

SCOPE_ACCOUNTS_0018 = """CREATE OR REPLACE VIEW gcrm_scope_accounts WITH (security_barrier) AS
    SELECT ra.entity_id AS account_id FROM public.region_assignments ra
    WHERE ra.entity = 'account'
      AND ra.region_id = ANY ((SELECT public.gcrm_scope_region_ids())::bigint[])"""


def upgrade() -> None:
    for signature in SAFE:
        op.execute(f"ALTER FUNCTION public.{signature} PARALLEL SAFE")
    for signature in RESTRICTED:
        op.execute(f"ALTER FUNCTION public.{signature} PARALLEL RESTRICTED")
    op.execute(SCOPE_ACCOUNTS)


def downgrade() -> None:
    op.execute(SCOPE_ACCOUNTS_0018)
    for signature in SAFE + RESTRICTED:
        op.execute(f"ALTER FUNCTION public.{signature} PARALLEL UNSAFE")
