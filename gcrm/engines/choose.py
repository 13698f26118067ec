"""Which engine runs a bulk path: the caller's choice, else Dask when a scheduler is set."""

from __future__ import annotations

from gcrm.config import get_settings
from gcrm.errors import InvalidInput

ENGINES = ("local", "dask")


def choose_engine(engine: str | None = None) -> str:
    """``engine`` when given; otherwise ``"dask"`` if ``GCRM_DASK_SCHEDULER`` is set, else
    ``"local"`` (today's single-machine path)."""
    if engine is None:
        return "dask" if get_settings().dask_scheduler else "local"
    if engine not in ENGINES:
        raise InvalidInput(f"Unknown engine {engine!r}; choose from {', '.join(ENGINES)}.")
    return engine
