"""Data every task of a step reads (region parts, a fitted model, small tables), on every
worker, in a form that survives a worker's death."""

from __future__ import annotations


def to_every_worker(client, value):
    """A future holding ``value``, copied to every worker.

    ``client.scatter(value, broadcast=True)`` puts data on the workers that are up at that
    moment, and nothing can make it again: when the workers holding it die (one restarting
    as the step starts holds none), every task needing it is cancelled and the step fails
    instead of retrying. Here the value is the result of a task that carries it, so the
    scheduler can run that task again wherever it is lost.
    """
    future = client.submit(_same, value, pure=False)
    client.replicate([future])
    return future


def _same(value):
    return value
