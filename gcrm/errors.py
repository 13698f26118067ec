"""The exceptions that cross layers. Each message says what to do next."""


class GcrmError(Exception):
    """Base class for every error gcrm reports to a person."""


class ConfigurationError(GcrmError):
    """A setting is missing or contradicts another one."""


class DatabaseUnavailable(GcrmError):
    """The database cannot be reached, started or installed."""
