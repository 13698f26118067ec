"""Keep a trained customer value model in ``value_models`` and read it back, only in the
database it was trained on (the churn models' identity: system identifier, database oid
and name)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Engine, text

from gcrm.errors import InvalidInput
from gcrm.models import value_sql
from gcrm.models.store import database_identity
from gcrm.models.value_train import Training

HOW_TO_TRAIN = "Train one with gcrm model value train."


@dataclass
class StoredValueModel:
    id: int
    version: int
    created_at: object
    cutoff: object
    holdout_days: int
    parameters: dict
    metrics: dict
    training_rows: int
    library: str
    database_identity: str
    model: bytes | None = None


def save(training: Training, *, engine: Engine) -> StoredValueModel:
    """Store the model (operator only: app roles may not write value_models)."""
    blob = training.fitted.to_bytes()
    with engine.begin() as conn:
        conn.execute(text("LOCK TABLE value_models IN SHARE ROW EXCLUSIVE MODE"))
        version = conn.execute(text(value_sql.NEXT_VERSION)).scalar_one()
        identity = database_identity(conn)
        row = conn.execute(text(value_sql.INSERT_MODEL), {
            "version": version, "cutoff": training.as_of,
            "holdout_days": training.holdout_days,
            "parameters": json.dumps(training.fitted.parameters),
            "metrics": json.dumps(training.metrics), "training_rows": training.training_rows,
            "library": training.library, "database_identity": identity, "model": blob}).one()
    return StoredValueModel(row.id, version, row.created_at, training.as_of,
                            training.holdout_days, training.fitted.parameters,
                            training.metrics, training.training_rows, training.library,
                            identity, blob)


def latest(engine: Engine, *, with_model: bool = False) -> StoredValueModel:
    """The newest model; with ``with_model`` also its bytes, refused when it was trained
    on another database."""
    blob = ", model" if with_model else ""
    with engine.connect() as conn:
        row = conn.execute(text(value_sql.LATEST_MODEL.format(blob=blob))).mappings().first()
        identity = database_identity(conn) if with_model else None
    if row is None:
        raise InvalidInput(f"There is no customer value model yet. {HOW_TO_TRAIN}")
    stored = StoredValueModel(**{k: row[k] for k in row if k != "model"})
    if with_model:
        if stored.database_identity != identity:
            raise InvalidInput(
                f"Customer value model version {stored.version} was trained on another "
                f"database ({stored.database_identity}), not this one ({identity}); it is "
                f"never applied here. {HOW_TO_TRAIN}")
        stored.model = bytes(row["model"])
    return stored
