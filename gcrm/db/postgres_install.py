"""Find the PostgreSQL server binaries and PostGIS, installing them with apt where allowed.

Debian and Ubuntu put each major version under ``/usr/lib/postgresql/<major>/bin``
and its extensions under ``/usr/share/postgresql/<major>/extension``; other
systems are found through ``pg_config`` on the PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gcrm.errors import DatabaseUnavailable

DEBIAN_ROOT = Path("/usr/lib/postgresql")
INSTALL_HINT = (
    "PostgreSQL with PostGIS is not installed: install the packages 'postgresql' and "
    "'postgresql-15-postgis-3' (or the PostGIS package for your PostgreSQL version), "
    "or set GCRM_DATABASE_URL to a PostGIS server you already run."
)


@dataclass(frozen=True)
class PostgresInstall:
    """Where one PostgreSQL major version lives on this machine."""

    major: int
    bin_dir: Path
    extension_dir: Path

    def has_extension(self, name: str) -> bool:
        return (self.extension_dir / f"{name}.control").exists()

    @property
    def has_postgis(self) -> bool:
        return self.has_extension("postgis")


def find_postgres() -> PostgresInstall | None:
    """The newest PostgreSQL server on this machine, or None when there is none."""
    found = []
    if DEBIAN_ROOT.is_dir():
        for version_dir in DEBIAN_ROOT.iterdir():
            if version_dir.name.isdigit() and (version_dir / "bin" / "pg_ctl").exists():
                major = int(version_dir.name)
                share = Path("/usr/share/postgresql") / version_dir.name / "extension"
                found.append(PostgresInstall(major, version_dir / "bin", share))
    if found:
        return max(found, key=lambda install: install.major)
    pg_config = shutil.which("pg_config")
    if pg_config:
        bin_dir = Path(_run_text([pg_config, "--bindir"]))
        share = Path(_run_text([pg_config, "--sharedir"])) / "extension"
        version = _run_text([pg_config, "--version"]).split()[1]
        if (bin_dir / "pg_ctl").exists():
            return PostgresInstall(int(version.split(".")[0]), bin_dir, share)
    return None


def ensure_postgres(*, echo=print) -> PostgresInstall:
    """Return a PostgreSQL install with PostGIS, installing it with apt when we may.

    We may when running as root on a system with ``apt-get``. Otherwise the
    error names the packages to install.
    """
    install = find_postgres()
    if install is not None and install.has_postgis:
        return install
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise DatabaseUnavailable(INSTALL_HINT)
    echo("Installing PostgreSQL and PostGIS with apt-get (one time) ...")
    _apt(["update", "-qq"])
    if install is None:
        _apt(["install", "-y", "-qq", "postgresql"])
        install = find_postgres()
        if install is None:
            raise DatabaseUnavailable(INSTALL_HINT)
    _apt(["install", "-y", "-qq", f"postgresql-{install.major}-postgis-3"])
    install = find_postgres()
    if install is None or not install.has_postgis:
        raise DatabaseUnavailable(INSTALL_HINT)
    return install


def _apt(args: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(["apt-get", *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise DatabaseUnavailable(f"apt-get {' '.join(args)} failed: {' '.join(tail)}")


def _run_text(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
