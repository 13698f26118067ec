"""Users, roles and acting as a user. The rules themselves live in the database (grants,
row-level security, masked views: migration 0004); see docs/security.md."""

from gcrm.db.engine import engine_for as user_engine

__all__ = ["user_engine"]
