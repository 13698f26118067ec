"""A Dask worker plugin that kills its worker process (SIGKILL) as a task starts, for the
tests of what a build does when a worker dies. Registered by value (cloudpickle), so the
workers need not import this file."""

from __future__ import annotations

import os
import signal
import sys

import cloudpickle
from distributed import WorkerPlugin


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


cloudpickle.register_pickle_by_value(sys.modules[__name__])
