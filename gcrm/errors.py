"""The exceptions that cross layers. Each message says what to do next."""


class GcrmError(Exception):
    """Base class for every error gcrm reports to a person."""


class ConfigurationError(GcrmError):
    """A setting is missing or contradicts another one."""


class DatabaseUnavailable(GcrmError):
    """The database cannot be reached, started or installed."""


class UnknownUser(GcrmError):
    """No such gcrm user, or the user is disabled."""


class PermissionDenied(GcrmError):
    """The user's role may not do this."""


class InvalidInput(GcrmError):
    """A value cannot be used as given (the message says why)."""


class EngineUnavailable(GcrmError):
    """The Dask scheduler named by GCRM_DASK_SCHEDULER cannot be used, or a step run on it
    failed (a worker died, a timeout); nothing was stored."""
