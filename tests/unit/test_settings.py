"""Settings are read from GCRM_* variables on first use, never at import."""

import subprocess
import sys

from typer.testing import CliRunner

from gcrm.cli import app
from gcrm.config import Settings


def test_importing_gcrm_reads_no_settings_and_opens_no_engine():
    code = (
        "import sys, gcrm.cli, gcrm.health, gcrm.db.models, gcrm.db.engine as e, gcrm.config as c;"
        "print(c.get_settings.cache_info().currsize, e.operator_engine.cache_info().currsize);"
        "print(*sorted({'esda', 'numba', 'matplotlib', 'sklearn', 'dask', 'distributed'}"
        "              & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    engines, heavy = out.stdout.split("\n")[:2]
    assert engines.split() == ["0", "0"]
    # Nor loads the statistics, plotting or model libraries: `gcrm db status` answers in
    # about 2 s, not 4 (they load when a command needs them).
    assert heavy == ""


def test_plain_postgresql_urls_use_the_psycopg3_driver(monkeypatch):
    monkeypatch.setenv("GCRM_DATABASE_URL", "postgresql://u:p@db.example:5432/crm")
    assert Settings().database_url == "postgresql+psycopg://u:p@db.example:5432/crm"


def test_with_an_external_url_gcrm_uses_it_and_does_not_manage_a_cluster(monkeypatch):
    from gcrm.config import get_settings
    from gcrm.db.engine import database_url

    monkeypatch.setenv("GCRM_DATABASE_URL", "postgresql://u:p@db.example:5432/crm")
    get_settings.cache_clear()
    try:
        assert database_url() == "postgresql+psycopg://u:p@db.example:5432/crm"
        result = CliRunner().invoke(app, ["db", "start"])
        assert result.exit_code == 0
        assert "nothing to start" in result.output
    finally:
        get_settings.cache_clear()


def test_home_is_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GCRM_HOME", "state")
    assert Settings().home == tmp_path / "state"
