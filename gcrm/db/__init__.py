"""The store: engine and sessions, the managed local cluster, models and migrations."""
