"""`gcrm db start|stop|status|url` manage a private cluster that keeps its data across restarts.

This test builds its own cluster in a temporary folder on a free port, through
the real command line, so it never disturbs the cluster the rest of the suite uses.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.cluster


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def cluster_env():
    home = Path(tempfile.mkdtemp(prefix="gcrm-cluster-"))
    home.chmod(0o755)  # the unprivileged server user must reach it when we run as root
    env = {k: v for k, v in os.environ.items() if not k.startswith("GCRM_")}
    env.update(GCRM_HOME=str(home), GCRM_DB_PORT=str(_free_port()))
    yield env
    subprocess.run([sys.executable, "-m", "gcrm", "db", "stop"], env=env, capture_output=True)
    shutil.rmtree(home, ignore_errors=True)


def gcrm(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gcrm", *args], env=env, capture_output=True, text=True,
        timeout=180,
    )


def _psycopg_url(env) -> str:
    return gcrm(env, "db", "url").stdout.strip().replace("postgresql+psycopg://", "postgresql://")


def test_start_twice_is_harmless_stop_start_keeps_the_data_and_it_listens_on_loopback(cluster_env):
    first = gcrm(cluster_env, "db", "start")
    assert first.returncode == 0, first.stderr
    assert "started" in first.stdout

    second = gcrm(cluster_env, "db", "start")
    assert second.returncode == 0, second.stderr
    assert "already running" in second.stdout

    with psycopg.connect(_psycopg_url(cluster_env), autocommit=True) as conn:
        extensions = {row[0] for row in conn.execute("SELECT extname FROM pg_extension")}
        assert {"postgis", "pg_trgm", "pgcrypto"} <= extensions
        conn.execute("CREATE TABLE kept (name text)")
        conn.execute("INSERT INTO kept VALUES ('survives a restart')")

    status = gcrm(cluster_env, "db", "status")
    assert status.returncode == 0, status.stderr
    assert "PostgreSQL" in status.stdout and "postgis" in status.stdout

    stopped = gcrm(cluster_env, "db", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    down = gcrm(cluster_env, "db", "status")
    assert down.returncode == 3 and "not running" in down.stdout

    assert gcrm(cluster_env, "db", "start").returncode == 0
    url = _psycopg_url(cluster_env)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT name FROM kept").fetchall() == [("survives a restart",)]
        # It listens only on loopback, on its own port, with a password.
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert conn.execute("SHOW port").fetchone() == (cluster_env["GCRM_DB_PORT"],)
    wrong = url.replace(url.split(":")[2].split("@")[0], "not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong)


def test_a_port_taken_by_another_program_gives_a_clear_error(cluster_env):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(cluster_env["GCRM_DB_PORT"])))
        squatter.listen()
        result = gcrm(cluster_env, "db", "start")
    assert result.returncode == 1
    assert "already used by another server" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (Path(cluster_env["GCRM_HOME"]) / "postgres" / "data").exists()  # nothing written
