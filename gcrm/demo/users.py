"""Demo sign-ins: one user per role, sharing a generated password kept in a private file."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import Engine, text

from gcrm.access import users

# username -> (role, regions): a state manager and a county manager show row-level security.
DEMO_USERS = {
    "admin": ("admin", []),
    "analyst": ("analyst", []),
    "marketer": ("marketer", []),
    "planner": ("planner", []),
    "manager": ("manager", ["state:{state}"]),
    "county_manager": ("manager", ["county:{county}"]),
}


def ensure_demo_users(password_file: Path, *, engine: Engine | None = None) -> list[str]:
    """Create the demo users that do not exist yet; returns the names created."""
    password_file = Path(password_file)
    if password_file.exists():
        password = password_file.read_text().strip()
    else:
        password = secrets.token_urlsafe(12)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.touch(mode=0o600)
        password_file.write_text(password + "\n")
        os.chmod(password_file, 0o600)
    existing = set(users.list_users(engine=engine)["username"])
    state, county = _first_regions(engine)
    created = []
    for username, (role, regions) in DEMO_USERS.items():
        if username in existing:
            continue
        codes = [r.format(state=state, county=county) for r in regions]
        if any(code.endswith(":None") for code in codes):
            continue  # no regions loaded: no managers
        users.add_user(username, role, password=password, regions=codes,
                       display_name=f"Demo {username.replace('_', ' ')}", engine=engine)
        created.append(username)
    return created


def _first_regions(engine: Engine | None) -> tuple[str | None, str | None]:
    from gcrm.db.engine import operator_engine

    with (engine or operator_engine()).connect() as conn:
        state = conn.execute(text(
            "SELECT min(code) FROM regions WHERE level = 'state'")).scalar_one()
        county = conn.execute(text(
            "SELECT c.code FROM regions c JOIN regions p ON p.id = c.parent_id "
            "WHERE c.level = 'county' AND p.code = :s ORDER BY c.population DESC NULLS LAST, "
            "c.code LIMIT 1"), {"s": state}).scalar()
    return state, county
