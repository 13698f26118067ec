"""docker-compose.yml: a PostGIS service and a dashboard wired to it (parsed, not run)."""

from pathlib import Path

import yaml
from sqlalchemy import make_url

COMPOSE = Path(__file__).parents[2] / "docker-compose.yml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_database_service_is_postgis_with_a_volume_and_a_healthcheck():
    db = _compose()["services"]["db"]
    assert db["image"].startswith("postgis/postgis:")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "db-data" in _compose()["volumes"]


def test_dashboard_points_at_the_database_service():
    compose = _compose()
    db, dashboard = compose["services"]["db"], compose["services"]["dashboard"]
    url = make_url(dashboard["environment"]["GCRM_DATABASE_URL"])
    assert url.host == "db"
    assert url.port in (None, 5432)
    assert url.username == db["environment"]["POSTGRES_USER"]
    assert url.password == db["environment"]["POSTGRES_PASSWORD"]
    assert url.database == db["environment"]["POSTGRES_DB"]
    assert dashboard["depends_on"]["db"]["condition"] == "service_healthy"
    # Published on the host's loopback only: plain HTTP stays on the machine (a TLS proxy
    # in front serves others, see README "Serving others").
    assert "127.0.0.1:8501:8501" in dashboard["ports"]
