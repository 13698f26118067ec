"""The managed local PostGIS cluster: gcrm's embedded default database.

With no ``GCRM_DATABASE_URL``, gcrm owns a private cluster under
``$GCRM_HOME/postgres`` (``.gcrm/postgres`` in the project folder): ``initdb``
once, then ``pg_ctl start/stop``. It listens on 127.0.0.1 and on a Unix socket
in that folder, on a non-default port (``GCRM_DB_PORT``, 54329), with password
authentication; the generated password sits in ``postgres/password`` (mode 600).
PostgreSQL refuses to run as root, so when gcrm runs as root the server runs
as an unprivileged system user (``GCRM_DB_OS_USER``, ``postgres``).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from gcrm.config import Settings
from gcrm.db.postgres_install import PostgresInstall, ensure_postgres
from gcrm.errors import DatabaseUnavailable

EXTENSIONS = ("postgis", "pg_trgm", "pgcrypto")
_SOCKET_PATH_MAX = 100  # Unix socket paths are limited to ~107 bytes

# Written once into postgresql.conf at initdb; sized for a 2-core, 8+ GiB machine.
_TUNING = """
# --- gcrm managed cluster ---
listen_addresses = '127.0.0.1'
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
max_parallel_workers_per_gather = 2
random_page_cost = 1.1
jit = off
log_min_messages = warning
"""


@dataclass(frozen=True)
class LocalCluster:
    """Paths and identity of the managed cluster, derived from settings."""

    root: Path
    port: int
    db_name: str
    db_user: str
    os_user: str | None  # None: run as the invoking user

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalCluster:
        os_user = settings.db_os_user if os.geteuid() == 0 else None
        return cls(
            root=settings.home / "postgres",
            port=settings.db_port,
            db_name=settings.db_name,
            db_user=settings.db_user,
            os_user=os_user,
        )

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def password_file(self) -> Path:
        return self.root / "password"

    @property
    def socket_dir(self) -> Path:
        local = self.root / "run"
        if len(str(local / f".s.PGSQL.{self.port}")) <= _SOCKET_PATH_MAX:
            return local
        return Path("/tmp")

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def password(self) -> str:
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError:
            raise DatabaseUnavailable(
                f"The local database at {self.root} is not initialised: run `gcrm db start`."
            ) from None

    def url(self, database: str | None = None) -> str:
        """SQLAlchemy URL (psycopg 3 driver) for a database in this cluster."""
        return (
            f"postgresql+psycopg://{quote(self.db_user)}:{quote(self.password(), safe='')}"
            f"@127.0.0.1:{self.port}/{database or self.db_name}"
        )


def start(cluster: LocalCluster, *, echo=print) -> bool:
    """Install (if needed), initialise (once) and start the cluster; create the database.

    Returns True when the server was started, False when it was already running.
    Safe to call any number of times.
    """
    install = ensure_postgres(echo=echo)
    if cluster.os_user:
        _ensure_system_user(cluster.os_user)
    # A port taken by another program is refused before anything is written.
    if not cluster.initialised:
        _refuse_taken_port(cluster.port)
        _initdb(cluster, install, echo=echo)
    started = False
    if not is_running(cluster, install):
        _refuse_taken_port(cluster.port)
        echo(f"Starting PostgreSQL {install.major} on 127.0.0.1:{cluster.port} ...")
        if cluster.socket_dir != Path("/tmp"):
            _ensure_owned_dir(cluster.socket_dir, cluster.os_user)
        options = f"-p {cluster.port} -k {cluster.socket_dir}"
        result = _as_server_user(
            cluster,
            [
                str(install.bin_dir / "pg_ctl"),
                "-D", str(cluster.data_dir),
                "-l", str(cluster.log_file),
                "-o", options,
                "-w", "-t", "60",
                "start",
            ],
        )
        if result.returncode != 0:
            raise DatabaseUnavailable(
                f"PostgreSQL did not start: {_last_lines(result)} (log: {cluster.log_file})"
            )
        started = True
    _ensure_database(cluster)
    return started


def stop(cluster: LocalCluster) -> bool:
    """Stop the server (fast shutdown). Returns False when it was not running."""
    install = ensure_postgres()
    if not cluster.initialised or not is_running(cluster, install):
        return False
    result = _as_server_user(
        cluster,
        [str(install.bin_dir / "pg_ctl"), "-D", str(cluster.data_dir), "-m", "fast", "-w", "stop"],
    )
    if result.returncode != 0:
        raise DatabaseUnavailable(f"PostgreSQL did not stop: {_last_lines(result)}")
    return True


def is_running(cluster: LocalCluster, install: PostgresInstall | None = None) -> bool:
    """Whether this cluster's server process is up."""
    if not cluster.initialised:
        return False
    install = install or ensure_postgres()
    result = _as_server_user(
        cluster, [str(install.bin_dir / "pg_ctl"), "-D", str(cluster.data_dir), "status"]
    )
    return result.returncode == 0


def _initdb(cluster: LocalCluster, install: PostgresInstall, *, echo) -> None:
    echo(f"Creating the local PostGIS cluster in {cluster.root} ...")
    cluster.root.mkdir(parents=True, exist_ok=True)
    if cluster.os_user:
        _ensure_owned_dir(cluster.root, cluster.os_user)
        probe = subprocess.run(
            ["runuser", "-u", cluster.os_user, "--", "test", "-w", str(cluster.root)]
        )
        if probe.returncode != 0:
            raise DatabaseUnavailable(
                f"The server user '{cluster.os_user}' cannot reach {cluster.root} (a parent folder "
                "is private). Set GCRM_HOME to a folder it can reach, e.g. /var/lib/gcrm."
            )
    password = secrets.token_urlsafe(24)
    cluster.password_file.write_text(password + "\n")
    cluster.password_file.chmod(0o600)
    pwfile = cluster.root / ".initdb-password"
    pwfile.write_text(password + "\n")
    try:
        _ensure_owned_file(pwfile, cluster.os_user)
        result = _as_server_user(
            cluster,
            [
                str(install.bin_dir / "initdb"),
                "-D", str(cluster.data_dir),
                "-U", cluster.db_user,
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "-E", "UTF8",
                "--no-locale",
            ],
        )
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        shutil.rmtree(cluster.data_dir, ignore_errors=True)
        raise DatabaseUnavailable(f"initdb failed: {_last_lines(result)}")
    conf = cluster.data_dir / "postgresql.conf"
    with conf.open("a") as handle:
        handle.write(_TUNING)


def _ensure_database(cluster: LocalCluster) -> None:
    """Create the gcrm database and its extensions when missing."""
    conninfo = dict(
        host="127.0.0.1", port=cluster.port, user=cluster.db_user, password=cluster.password()
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (cluster.db_name,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cluster.db_name}"')
        # Our own cluster: users' SQL logins reach their own database only (gcrm's databases
        # grant CONNECT to their groups, migration 0018), not the maintenance databases.
        for database in ("postgres", "template1"):
            conn.execute(f'REVOKE CONNECT, TEMPORARY ON DATABASE "{database}" FROM PUBLIC')
    with psycopg.connect(dbname=cluster.db_name, autocommit=True, **conninfo) as conn:
        for extension in EXTENSIONS:
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")


def _ensure_system_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
        )


def _ensure_owned_dir(path: Path, os_user: str | None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    _ensure_owned_file(path, os_user)


def _ensure_owned_file(path: Path, os_user: str | None) -> None:
    if os_user:
        entry = pwd.getpwnam(os_user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _as_server_user(cluster: LocalCluster, cmd: list[str]) -> subprocess.CompletedProcess:
    if cluster.os_user:
        cmd = ["runuser", "-u", cluster.os_user, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, cwd="/")


def _refuse_taken_port(port: int) -> None:
    if _port_in_use(port):
        raise DatabaseUnavailable(
            f"Port {port} is already used by another server; "
            "stop it or choose another port with GCRM_DB_PORT."
        )


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _last_lines(result: subprocess.CompletedProcess, n: int = 3) -> str:
    text = (result.stderr or "") + (result.stdout or "")
    return " ".join(text.strip().splitlines()[-n:])
