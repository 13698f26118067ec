"""A step run on Dask fails as a gcrm error that names the step."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gcrm.errors import EngineUnavailable


@contextmanager
def on_dask(step: str) -> Iterator[None]:
    """Turn a worker that died (``KilledWorker``), a lost scheduler or a timeout during
    ``step`` into :class:`~gcrm.errors.EngineUnavailable`; the caller's transaction is
    rolled back, so nothing of the step is stored."""
    from distributed import KilledWorker
    from distributed.client import FutureCancelledError

    try:
        yield
    except FutureCancelledError as error:  # e.g. the only copy of its input died with a worker
        raise EngineUnavailable(
            f"{step}: a Dask task was cancelled ({error}); nothing was stored. Check the "
            "workers' memory and logs, then run it again.") from error
    except KilledWorker as error:
        raise EngineUnavailable(
            f"{step}: a Dask worker died while running it ({error.task}); nothing was stored. "
            "Check the workers' memory and logs, then run it again.") from error
    except (TimeoutError, OSError) as error:
        raise EngineUnavailable(
            f"{step}: the Dask scheduler or a worker stopped answering ({error}); nothing was "
            "stored. Check the cluster, then run it again.") from error
