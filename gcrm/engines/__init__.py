"""The bulk paths' engine: ``"local"`` (this machine, today's path, the default) or
``"dask"`` (a Dask scheduler named by ``GCRM_DASK_SCHEDULER``). Same functions, same
answers: the engine is a parameter, not a second product (docs/scale.md).

Nothing here imports Dask until a Dask engine is actually used.
"""

from __future__ import annotations

from gcrm.engines.choose import ENGINES, choose_engine
from gcrm.engines.client import client_for, dask_client
from gcrm.engines.shared import to_every_worker
from gcrm.engines.steps import on_dask

__all__ = ["ENGINES", "choose_engine", "client_for", "dask_client", "on_dask",
           "to_every_worker"]
