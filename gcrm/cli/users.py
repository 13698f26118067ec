"""``gcrm users``: who may sign in, with which role, seeing which regions."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from gcrm.access import users
from gcrm.access.roles import ROLES
from gcrm.cli.errors import reports_errors

console = Console()
users_app = typer.Typer(help="Users, roles and the regions of managers.", no_args_is_help=True)

ROLE_HELP = "; ".join(f"{r.name}: {r.description}" for r in ROLES.values())


def _regions(value: str | None) -> list[str]:
    return [r.strip() for r in (value or "").split(",") if r.strip()]


def _password(ask: bool) -> str | None:
    if not ask:
        return None
    return typer.prompt("Password (10+ characters)", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
@reports_errors
def add(
    username: str = typer.Argument(..., help="Lowercase letters, digits, _."),
    role: str = typer.Option(..., help=ROLE_HELP),
    regions: str = typer.Option(None, help="Managers: region codes, comma separated "
                                           "(level:code when a code exists at two levels)."),
    name: str = typer.Option(None, help="Display name."),
    email: str = typer.Option(None),
    password: bool = typer.Option(True, help="Ask for a sign-in password."),
) -> None:
    """Add a user."""
    user = users.add_user(username, role, password=_password(password),
                          regions=_regions(regions), display_name=name, email=email)
    console.print(f"Added {user.username} ({user.role}"
                  f"{'; regions ' + ', '.join(user.regions) if user.regions else ''}).")
    if user.role == "manager" and not user.regions:
        console.print("[yellow]A manager without regions sees no accounts; "
                      "add some with `gcrm users set-regions`.[/]")


@users_app.command("list")
@reports_errors
def list_() -> None:
    """List users with their role, regions and state."""
    frame = users.list_users()
    table = Table("user", "name", "role", "regions", "state", "SQL login")
    for row in frame.itertuples():
        table.add_row(row.username, row.name or "", row.role, row.regions,
                      "disabled" if row.disabled else "active", "yes" if row.sql_login else "")
    console.print(table)


@users_app.command("set-role")
@reports_errors
def set_role(username: str, role: str = typer.Argument(..., help=ROLE_HELP)) -> None:
    """Change a user's role."""
    user = users.set_role(username, role)
    console.print(f"{user.username} is now {user.role}.")


@users_app.command("set-regions")
@reports_errors
def set_regions(username: str,
                regions: str = typer.Argument(..., help="Region codes, comma separated.")) -> None:
    """Replace the regions a manager sees (and everything inside them)."""
    user = users.set_regions(username, _regions(regions))
    console.print(f"{user.username}: {', '.join(user.regions) or 'no regions'}.")


@users_app.command("set-password")
@reports_errors
def set_password(username: str) -> None:
    """Set a user's sign-in password."""
    users.set_password(username, _password(True))
    console.print(f"Password of {username} changed.")


@users_app.command("disable")
@reports_errors
def disable(username: str) -> None:
    """Refuse a user's sign-in and take their database rights away."""
    users.disable(username)
    console.print(f"{username} is disabled.")


@users_app.command("enable")
@reports_errors
def enable(username: str) -> None:
    """Give a disabled user their role back."""
    users.enable(username)
    console.print(f"{username} is enabled.")


@users_app.command("sql-login")
@reports_errors
def sql_login(username: str) -> None:
    """Let a user query PostgreSQL directly, as their own role (prints the password once)."""
    password = users.sql_login(username)
    user = users.get_user(username)
    console.print(f"Database login for {username}: user [bold]{user.pg_role}[/], password "
                  f"[bold]{password}[/] (shown once). Row-level security and masking apply.")
    others = users.reachable_databases(username)
    if others:
        console.print(f"[yellow]This login may also connect to {', '.join(others)}[/]: they "
                      "grant CONNECT to PUBLIC. A gcrm database closes itself at `gcrm db "
                      "upgrade` (its own users keep their access); any other, its owner closes "
                      "with REVOKE CONNECT, TEMPORARY ON DATABASE <name> FROM PUBLIC.")
