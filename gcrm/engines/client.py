"""A Dask client for the scheduler named by ``GCRM_DASK_SCHEDULER``, or a clear error.

``distributed.Client`` pointed at something that is not a Dask scheduler can hang, so the
address is first checked with a plain Dask connection (connect + handshake) under one
deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from gcrm.config import get_settings
from gcrm.errors import EngineUnavailable

_SCHEMES = ("tcp", "tls")


def dask_client(address: str | None = None, *, timeout: float = 5.0):
    """A ``distributed.Client`` connected to ``address`` (default ``GCRM_DASK_SCHEDULER``).

    Raises :class:`~gcrm.errors.EngineUnavailable` when the address is malformed, nothing
    answers within ``timeout`` seconds, or what answers is not a Dask scheduler.
    """
    address = address or get_settings().dask_scheduler
    if not address:
        raise EngineUnavailable("No Dask scheduler is set: set GCRM_DASK_SCHEDULER=tcp://host:port "
                                "(docs/scale.md) or run on this machine (engine local).")
    _check_form(address)
    _run_alone(_preflight(address, timeout))
    from distributed import Client

    try:
        return Client(address, timeout=f"{timeout}s")
    except Exception as error:  # noqa: BLE001 - any failure to connect is the same answer
        raise EngineUnavailable(_no_answer(address, timeout) + f" ({error})") from None


@contextmanager
def client_for(run_on: str | None = None, client=None) -> Iterator:
    """The Dask client a bulk path runs on, or None when it runs on this machine.

    ``run_on`` is chosen as :func:`~gcrm.engines.choose_engine` does. On Dask: ``client``
    when the caller holds one (left open), else a client of ``GCRM_DASK_SCHEDULER``'s
    scheduler, closed when the block ends."""
    from gcrm.engines.choose import choose_engine

    if choose_engine(run_on) == "local":
        yield None
        return
    if client is not None:
        yield client
        return
    own = dask_client()
    try:
        yield own
    finally:
        own.close()


def _run_alone(coroutine) -> None:
    """Run ``coroutine`` on an event loop of its own thread: ``asyncio.run`` here would fail
    where a loop already runs in this thread (a notebook, a Playwright or Streamlit
    session)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="gcrm-dask-check") as pool:
        pool.submit(asyncio.run, coroutine).result()


def _check_form(address: str) -> None:
    parts = urlsplit(address)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in _SCHEMES or not parts.hostname or port is None or parts.path:
        raise EngineUnavailable(
            f"GCRM_DASK_SCHEDULER={address}: not a scheduler address; write it as "
            "tcp://host:port (e.g. tcp://10.0.0.5:8786), or unset it to run on this machine.")


async def _preflight(address: str, timeout: float) -> None:
    """Connect and shake hands with a Dask peer within ``timeout`` seconds."""
    from distributed.comm import connect

    try:
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout + 1)
    except (TimeoutError, OSError):
        raise EngineUnavailable(_no_answer(address, timeout)) from None
    except Exception:  # noqa: BLE001 - a peer speaking another protocol fails in many ways
        raise EngineUnavailable(
            f"GCRM_DASK_SCHEDULER={address}: something answered that is not a Dask scheduler; "
            "check the host and port (docs/scale.md) or unset it to run on this machine."
        ) from None
    comm.abort()


def _no_answer(address: str, timeout: float) -> str:
    return (f"GCRM_DASK_SCHEDULER={address}: no Dask scheduler answered within {timeout:g} s; "
            "start one (docs/scale.md) or unset it to run on this machine.")
