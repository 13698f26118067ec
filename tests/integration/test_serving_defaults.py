"""The dashboard is served on this machine only unless the operator opens it, and the way
to open it to others is TLS behind a reverse proxy (issue 19: `make run` served plain HTTP
on 0.0.0.0)."""

import os
import re
import subprocess
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _served_on(**env) -> str:
    """The address `make run` would pass to Streamlit (a dry run: nothing is started)."""
    result = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, **env}, check=True, timeout=60)
    line = next(x for x in result.stdout.splitlines() if "streamlit run" in x)
    return re.search(r"--server\.address (\S+)", line)[1]


def test_make_run_serves_this_machine_only_unless_opened():
    env = {k: v for k, v in os.environ.items() if k not in ("GCRM_HOST", "HOST")}
    assert _served_on(**env) == "127.0.0.1"
    assert _served_on(GCRM_HOST="0.0.0.0") == "0.0.0.0"


def test_streamlit_run_alone_serves_this_machine_only():
    config = tomllib.loads((ROOT / ".streamlit/config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"


def test_docker_compose_publishes_the_dashboard_locally_and_shows_tls_in_front():
    text = (ROOT / "docker-compose.yml").read_text()
    compose = yaml.safe_load(text)
    ports = compose["services"]["dashboard"]["ports"]
    assert ports and all(str(p).startswith("127.0.0.1:") for p in ports)
    assert "reverse_proxy dashboard:8501" in text  # the (commented) TLS proxy to start
    assert "dashboards/server.py" in (ROOT / "Dockerfile").read_text()  # sign-in cookie routes
