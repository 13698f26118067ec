"""gcrm: geographic CRM analytics on PostGIS.

Importing this package has no side effects: settings are read and engines are
created on first use, never at import.
"""

__version__ = "0.1.0"
