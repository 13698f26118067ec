"""Signed-in dashboard sessions that survive a reload, ended by sign-out or disabling the user

A web session is one sign-in in one browser: the browser holds a random token in an
HTTP-only cookie, the database only its SHA-256 hash, with when it expires and when (and
why) it ended. Only the operator's connection (the dashboard's sign-in check) reads or
writes the table; users get no privilege on it.

Users may also read their OWN audit entries (``my_audit_log``: the Home page lists an
analyst's last exports), while the whole audit log stays for admins.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# A view runs with its owner's (the operator's) privileges on audit_log, but
# ``current_user`` inside it is whoever queries it: each user sees their own entries only
# (and a disabled user none). security_barrier keeps a user's own filters from running
# before this one.
MY_AUDIT_LOG = """
CREATE VIEW my_audit_log WITH (security_barrier) AS
SELECT a.id, a.at, a.actor, a.action, a.target, a.details
FROM public.audit_log a
WHERE a.actor = (SELECT u.username FROM public.app_users u
                 WHERE u.pg_role = current_user AND NOT u.disabled)
"""


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=True),
        sa.Column("handoff_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_users.id"],
                                name=op.f("fk_web_sessions_user_id_app_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
        sa.UniqueConstraint("handoff_hash", name=op.f("uq_web_sessions_handoff_hash")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"],
                    unique=False)
    prefix = op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    op.execute(f"REVOKE ALL ON web_sessions FROM PUBLIC, {prefix}_user")
    op.execute(MY_AUDIT_LOG)
    op.execute(f"GRANT SELECT ON my_audit_log TO {prefix}_user")


def downgrade() -> None:
    op.execute("DROP VIEW my_audit_log")
    op.drop_index(op.f("ix_web_sessions_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
