"""A Dask worker plugin that kills its worker process (SIGKILL) as a task starts, for the
tests of what a build does when a worker dies, and a one-worker cluster that dies for good
on such a task. Registered by value (cloudpickle), so the workers need not import this
file."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import cloudpickle
import dask
from distributed import Client, LocalCluster, WorkerPlugin


class KillOnTask(WorkerPlugin):
    """Kill the worker when a task whose key starts with ``prefix`` starts executing:
    every time, or with ``once_flag`` (a file path) only the first time in the cluster."""

    def __init__(self, prefix: str, once_flag: str | None = None):
        self.prefix = prefix
        self.once_flag = once_flag

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing" or not str(key).startswith(self.prefix):
            return
        if self.once_flag is not None:
            try:
                with open(self.once_flag, "x"):
                    pass
            except FileExistsError:
                return
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def dying_once(prefix: str, flag: str) -> Iterator[Client]:
    """A client of a one-worker cluster (a real process) whose worker is killed by the first
    task whose key starts with ``prefix`` (``flag`` then exists) and restarted by its nanny:
    whatever the worker held is lost, and Dask's default retries apply."""
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.register_plugin(KillOnTask(prefix, once_flag=flag))
        yield client


@contextmanager
def dying_for_good(prefix: str) -> Iterator[Client]:
    """A client of a one-worker cluster (a real process) whose worker is killed by every
    task whose key starts with ``prefix``, with no retry (``allowed-failures`` 0): the
    step fails at its first such task."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, Client(cluster) as client:
        client.register_plugin(KillOnTask(prefix))
        yield client


cloudpickle.register_pickle_by_value(sys.modules[__name__])
