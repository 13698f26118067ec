"""The SQL of users and roles, in one place. Role names are built by gcrm from a checked
username (``^[a-z][a-z0-9_]{0,39}$``) and the database's prefix, never from free text."""

PREFIX = "SELECT gcrm_role_prefix()"

USER = """
SELECT u.id, u.username, u.display_name, u.email, u.role, u.pg_role, u.disabled,
       u.password_hash, r.rolcanlogin AS sql_login,
       coalesce(array_agg(g.level || ':' || g.code ORDER BY g.level, g.code)
                FILTER (WHERE g.id IS NOT NULL), '{}') AS regions
FROM app_users u
LEFT JOIN pg_roles r ON r.rolname = u.pg_role
LEFT JOIN user_regions ur ON ur.user_id = u.id
LEFT JOIN regions g ON g.id = ur.region_id
WHERE (CAST(:username AS text) IS NULL OR u.username = :username)
GROUP BY u.id, r.rolcanlogin
ORDER BY u.username
"""

USER_BY_EMAIL = "SELECT username FROM app_users WHERE lower(email) = lower(:email)"

INSERT_USER = """
INSERT INTO app_users (username, display_name, email, role, pg_role, password_hash)
VALUES (:username, :display_name, :email, :role, :pg_role, :password_hash)
RETURNING id
"""

SET_ROLE = "UPDATE app_users SET role = :role, updated_at = now() WHERE username = :username"
SET_PASSWORD = """
UPDATE app_users SET password_hash = :password_hash, updated_at = now() WHERE username = :username
"""
SET_DISABLED = """
UPDATE app_users SET disabled = :disabled, updated_at = now() WHERE username = :username
"""

CLEAR_REGIONS = "DELETE FROM user_regions WHERE user_id = :user_id"
ADD_REGION = "INSERT INTO user_regions (user_id, region_id) VALUES (:user_id, :region_id)"

# A region named "code" (any level) or "level:code".
FIND_REGION = """
SELECT id, level, code FROM regions
WHERE code = :code AND (CAST(:level AS text) IS NULL OR level = :level)
ORDER BY level
"""

ROLE_EXISTS = "SELECT 1 FROM pg_roles WHERE rolname = :name"
IS_SUPERUSER = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
# Group memberships of a user's role among this database's gcrm groups.
GROUPS_OF = """
SELECT g.rolname FROM pg_auth_members m
JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
WHERE u.rolname = :name AND g.rolname LIKE gcrm_role_prefix() || '\\_%'
"""

# Identifiers cannot be bound as parameters: these take names checked by users._ident.
CREATE_ROLE = 'CREATE ROLE "{name}" NOLOGIN'
GRANT = 'GRANT "{group}" TO "{name}"'
REVOKE = 'REVOKE "{group}" FROM "{name}"'
GRANT_TO_OPERATOR = 'GRANT "{name}" TO CURRENT_USER'
LOGIN = """ALTER ROLE "{name}" LOGIN PASSWORD '{verifier}'"""  # a SCRAM verifier
NOLOGIN = 'ALTER ROLE "{name}" NOLOGIN PASSWORD NULL'
# Other databases a role may connect to (for `gcrm users sql-login` to name them).
REACHABLE_DATABASES = """
SELECT datname FROM pg_catalog.pg_database
WHERE datallowconn AND datname <> current_database()
  AND has_database_privilege(:name, oid, 'CONNECT')
ORDER BY datname
"""
