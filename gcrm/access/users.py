"""gcrm users: add, list, change role or regions, disable, sign in.

These are operator functions (the command line, or the dashboard's sign-in check): they
run on the operator's connection. Each user also gets a PostgreSQL role of their own,
inside the group of their gcrm role, so what they may read is decided by the database.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from gcrm import audit
from gcrm.access import sessions, sql
from gcrm.access.passwords import hash_password, verify_password
from gcrm.access.roles import role as role_named
from gcrm.config import get_settings
from gcrm.db.engine import operator_engine
from gcrm.errors import DatabaseUnavailable, GcrmError, PermissionDenied, UnknownUser

SCRAM = re.compile(r"^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$")
USERNAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class User:
    username: str
    role: str
    regions: tuple[str, ...]  # "level:code"
    disabled: bool
    pg_role: str
    display_name: str | None = None
    email: str | None = None
    sql_login: bool = False

    @property
    def label(self) -> str:
        return self.display_name or self.username


def add_user(username: str, role: str, *, password: str | None = None,
             regions: Iterable[str] = (), display_name: str | None = None,
             email: str | None = None, actor: str | None = None,
             engine: Engine | None = None) -> User:
    """Create a user with a role (a manager with the regions they may see)."""
    actor = _admin_actor(actor)
    _check_username(username)
    role_named(role)
    email = (email or "").strip() or None
    with _operator(engine).begin() as conn:
        if conn.execute(text(sql.USER), {"username": username}).first():
            raise GcrmError(f"User {username!r} exists; use set-role or set-regions to change it.")
        taken = email and conn.execute(text(sql.USER_BY_EMAIL), {"email": email.strip()}).scalar()
        if taken:
            raise GcrmError(f"The email {email!r} belongs to user {taken!r} already; single "
                            "sign-on needs each email on one user only.")
        pg_role = f"{conn.execute(text(sql.PREFIX)).scalar_one()}_u_{username}"
        user_id = conn.execute(text(sql.INSERT_USER), {
            "username": username, "display_name": display_name, "email": email, "role": role,
            "pg_role": pg_role,
            "password_hash": hash_password(password) if password else None,
        }).scalar_one()
        if not conn.execute(text(sql.ROLE_EXISTS), {"name": pg_role}).first():
            conn.execute(text(sql.CREATE_ROLE.format(name=_ident(pg_role))))
        if not conn.execute(text(sql.IS_SUPERUSER)).scalar_one():
            conn.execute(text(sql.GRANT_TO_OPERATOR.format(name=_ident(pg_role))))
        _set_group(conn, pg_role, role)
        codes = _set_regions(conn, user_id, regions)
        audit.record("user.add", username, {"role": role, "regions": codes}, actor=actor,
                     connection=conn)
    return get_user(username, engine=engine)


def get_user(username: str, *, engine: Engine | None = None) -> User:
    with _operator(engine).connect() as conn:
        row = conn.execute(text(sql.USER), {"username": username}).mappings().first()
    if row is None:
        raise UnknownUser(f"No user {username!r}; `gcrm users list` shows who exists.")
    return _user(row)


def list_users(*, engine: Engine | None = None) -> pd.DataFrame:
    _admin_actor(None)
    with _operator(engine).connect() as conn:
        rows = conn.execute(text(sql.USER), {"username": None}).mappings().all()
    users = [_user(r) for r in rows]
    return pd.DataFrame(
        [(u.username, u.display_name or "", u.role, ", ".join(u.regions), u.disabled, u.sql_login)
         for u in users],
        columns=["username", "name", "role", "regions", "disabled", "sql_login"])


def set_role(username: str, role: str, *, actor: str | None = None,
             engine: Engine | None = None) -> User:
    actor = _admin_actor(actor)
    role_named(role)
    user = get_user(username, engine=engine)
    with _operator(engine).begin() as conn:
        conn.execute(text(sql.SET_ROLE), {"username": username, "role": role})
        if not user.disabled:
            _set_group(conn, user.pg_role, role)
        audit.record("user.set_role", username, {"from": user.role, "to": role}, actor=actor,
                     connection=conn)
    return get_user(username, engine=engine)


def set_regions(username: str, regions: Iterable[str], *, actor: str | None = None,
                engine: Engine | None = None) -> User:
    """Replace a user's regions ("code" when unique across levels, else "level:code")."""
    actor = _admin_actor(actor)
    user = get_user(username, engine=engine)
    with _operator(engine).begin() as conn:
        user_id = conn.execute(text("SELECT id FROM app_users WHERE username = :u"),
                               {"u": username}).scalar_one()
        codes = _set_regions(conn, user_id, regions)
        audit.record("user.set_regions", username, {"from": list(user.regions), "to": codes},
                     actor=actor, connection=conn)
    return get_user(username, engine=engine)


def set_password(username: str, password: str, *, actor: str | None = None,
                 engine: Engine | None = None) -> None:
    actor = _admin_actor(actor)
    get_user(username, engine=engine)
    with _operator(engine).begin() as conn:
        conn.execute(text(sql.SET_PASSWORD),
                     {"username": username, "password_hash": hash_password(password)})
        # A new password signs the user out everywhere (a stolen cookie stops working).
        ended = sessions.end_all(username, reason="password changed", connection=conn)
        audit.record("user.set_password", username, {"sessions_ended": ended}, actor=actor,
                     connection=conn)


def disable(username: str, *, actor: str | None = None, engine: Engine | None = None) -> User:
    """Sign-in refused, the database role loses every group and its SQL login, and the
    user's dashboard sessions end at once."""
    actor = _admin_actor(actor)
    user = get_user(username, engine=engine)
    with _operator(engine).begin() as conn:
        conn.execute(text(sql.SET_DISABLED), {"username": username, "disabled": True})
        _set_group(conn, user.pg_role, None)
        conn.execute(text(sql.NOLOGIN.format(name=_ident(user.pg_role))))
        # Signed in somewhere? Those sessions end now, not when they expire.
        ended = sessions.end_all(username, reason="disabled", connection=conn)
        audit.record("user.disable", username, {"sessions_ended": ended}, actor=actor,
                     connection=conn)
    return get_user(username, engine=engine)


def enable(username: str, *, actor: str | None = None, engine: Engine | None = None) -> User:
    actor = _admin_actor(actor)
    user = get_user(username, engine=engine)
    with _operator(engine).begin() as conn:
        conn.execute(text(sql.SET_DISABLED), {"username": username, "disabled": False})
        _set_group(conn, user.pg_role, user.role)
        audit.record("user.enable", username, actor=actor, connection=conn)
    return get_user(username, engine=engine)


def sql_login(username: str, *, actor: str | None = None, engine: Engine | None = None) -> str:
    """Let a user connect to PostgreSQL directly as their own role; returns the password.

    Row-level security and column privileges apply to that login exactly as they do in
    the dashboard, and the user cannot switch to anyone else.
    """
    actor = _admin_actor(actor)
    user = get_user(username, engine=engine)
    if user.disabled:
        raise GcrmError(f"User {username!r} is disabled; enable them first.")
    password = secrets.token_urlsafe(24)
    with _operator(engine).begin() as conn:
        # The server receives only the SCRAM verifier, computed here, so the password
        # never appears in a statement the server could log ([A-Za-z0-9+/=$:] only).
        verifier = conn.connection.driver_connection.pgconn.encrypt_password(
            password.encode(), user.pg_role.encode(), b"scram-sha-256").decode()
        if not SCRAM.match(verifier):
            raise GcrmError("Could not compute a SCRAM password verifier for the login.")
        escaped = verifier.replace(":", r"\:")  # not bind parameters
        conn.execute(text(sql.LOGIN.format(name=_ident(user.pg_role), verifier=escaped)))
        audit.record("user.sql_login", username, actor=actor, connection=conn)
    return password


def reachable_databases(username: str, *, engine: Engine | None = None) -> list[str]:
    """Databases on the server, other than gcrm's own, that the user's login may connect to.

    gcrm's database grants CONNECT to its own groups only (migration 0018), and gcrm's
    own cluster closes ``postgres`` and ``template1``; on a shared server other databases
    may still grant CONNECT to PUBLIC, which only their owner can take back.
    """
    user = get_user(username, engine=engine)
    with _operator(engine).connect() as conn:
        return list(conn.execute(text(sql.REACHABLE_DATABASES), {"name": user.pg_role}).scalars())


def authenticate(username: str, password: str, *, engine: Engine | None = None) -> User | None:
    """The user when the password is right and the user enabled; None otherwise.

    Every attempt is audited (the password never is).
    """
    ok_user, row = None, None
    try:
        with _operator(engine).connect() as conn:
            if USERNAME.match(username or ""):
                row = conn.execute(text(sql.USER), {"username": username}).mappings().first()
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"Cannot reach the database ({exc.orig}). Start the local one with "
            "`gcrm db start`, or check GCRM_DATABASE_URL.") from None
    if row is not None and not row["disabled"] and verify_password(row["password_hash"], password):
        ok_user = _user(row)
    shown = "".join(ch for ch in (username or "") if ch.isprintable())[:60]
    audit.record("sign_in" if ok_user else "sign_in.failed", shown,
                 actor=username if ok_user else "anonymous", engine=_operator(engine))
    return ok_user


def authenticate_sso(email: str, *, email_verified: bool,
                     engine: Engine | None = None) -> User | None:
    """The enabled user with this email, after a single sign-on (OIDC) has proved it.

    The identity provider checked the person; gcrm only maps the email to a user and
    role, and only when the provider says it verified that email (``email_verified``
    claim): an unverified address could be anybody's. Audited like a password sign-in.
    """
    name = None
    if email_verified:
        with _operator(engine).connect() as conn:
            name = conn.execute(text(sql.USER_BY_EMAIL),
                                {"email": (email or "").strip()}).scalar()
    user = get_user(name, engine=engine) if name else None
    if user is not None and user.disabled:
        user = None
    shown = "".join(ch for ch in (email or "") if ch.isprintable())[:80]
    details = {"method": "sso"} if email_verified else {"method": "sso",
                                                         "reason": "email not verified"}
    audit.record("sign_in" if user else "sign_in.failed", user.username if user else shown,
                 details, actor=user.username if user else "anonymous",
                 engine=_operator(engine))
    return user


# --- helpers ----------------------------------------------------------------------------------

def _admin_actor(actor: str | None) -> str | None:
    """User administration is the operator's, or an admin's when acting as a user."""
    acting = get_settings().user
    if acting is None:
        return actor
    with operator_engine().connect() as conn:
        row = conn.execute(text(sql.USER), {"username": acting}).mappings().first()
    if row is None or row["disabled"] or row["role"] != "admin":
        role = row["role"] if row else "unknown"
        raise PermissionDenied(f"Managing users needs the admin role; GCRM_USER={acting} is "
                               f"{role}.")
    return actor or acting


def _operator(engine: Engine | None) -> Engine:
    return engine or operator_engine()


def _user(row) -> User:
    return User(username=row["username"], role=row["role"], regions=tuple(row["regions"]),
                disabled=row["disabled"], pg_role=row["pg_role"],
                display_name=row["display_name"], email=row["email"],
                sql_login=bool(row["sql_login"]))


def _check_username(username: str) -> None:
    if not USERNAME.match(username or ""):
        raise GcrmError(f"Username {username!r} must start with a lowercase letter and hold "
                        "only lowercase letters, digits and _ (at most 40).")


def _ident(name: str) -> str:
    if not re.fullmatch(r"gcrm_[0-9a-f]{8}_[a-z0-9_]{1,45}", name):
        raise ValueError(f"not a gcrm role name: {name!r}")
    return name


def _set_group(conn: Connection, pg_role: str, role: str | None) -> None:
    """Make ``pg_role`` a member of exactly the group of ``role`` (or of none)."""
    for (group,) in conn.execute(text(sql.GROUPS_OF), {"name": pg_role}).all():
        conn.execute(text(sql.REVOKE.format(group=_ident(group), name=_ident(pg_role))))
    if role is not None:
        prefix = conn.execute(text(sql.PREFIX)).scalar_one()
        conn.execute(text(sql.GRANT.format(group=_ident(f"{prefix}_{role}"),
                                           name=_ident(pg_role))))


def _set_regions(conn: Connection, user_id: int, regions: Iterable[str]) -> list[str]:
    conn.execute(text(sql.CLEAR_REGIONS), {"user_id": user_id})
    codes = []
    for given in regions:
        given = given.strip()
        if not given:
            continue
        level, _, code = given.rpartition(":")
        found = conn.execute(text(sql.FIND_REGION),
                             {"code": code, "level": level or None}).all()
        if not found:
            raise GcrmError(f"No region {given!r}; `gcrm regions levels` lists the levels.")
        if len(found) > 1:
            options = ", ".join(f"{r.level}:{r.code}" for r in found)
            raise GcrmError(f"Region code {code!r} exists at several levels; say which: "
                            f"{options}.")
        conn.execute(text(sql.ADD_REGION), {"user_id": user_id, "region_id": found[0].id})
        codes.append(f"{found[0].level}:{found[0].code}")
    return codes
