"""Keep a trained churn model in ``churn_models`` and read it back, only in the database it
was trained on (system identifier, database oid and name: a copy restored elsewhere, or
another database of the same server, is a different database)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import joblib
from sqlalchemy import Connection, Engine, text

from gcrm.errors import InvalidInput
from gcrm.models import sql
from gcrm.models.churn_train import Training


@dataclass
class StoredModel:
    id: int
    version: int
    created_at: object
    cutoff: object
    horizon_days: int
    features: dict
    metrics: dict
    training_rows: int
    database_identity: str
    model: object = None


def database_identity(conn: Connection) -> str:
    return conn.execute(text(sql.DATABASE_IDENTITY)).scalar_one()


def save(training: Training, *, engine: Engine) -> StoredModel:
    """Store the model (operator only: app roles may not write churn_models)."""
    buffer = io.BytesIO()
    joblib.dump(training.model, buffer, compress=3)
    features = {"columns": training.features, "vocabulary": training.vocab.as_dict()}
    metrics = {**training.metrics, "as_of": str(training.as_of)}
    with engine.begin() as conn:
        conn.execute(text("LOCK TABLE churn_models IN SHARE ROW EXCLUSIVE MODE"))
        version = conn.execute(text(sql.NEXT_VERSION)).scalar_one()
        identity = database_identity(conn)
        row = conn.execute(text(sql.INSERT_MODEL), {
            "version": version, "cutoff": training.as_of, "horizon_days": training.horizon_days,
            "features": json.dumps(features), "metrics": json.dumps(metrics),
            "training_rows": training.training_rows, "database_identity": identity,
            "model": buffer.getvalue()}).one()
    return StoredModel(row.id, version, row.created_at, training.as_of, training.horizon_days,
                       features, metrics, training.training_rows, identity, training.model)


def latest(engine: Engine, *, with_model: bool = False) -> StoredModel:
    """The newest model; with ``with_model`` also the fitted model, refused when it was
    trained on another database."""
    blob = ", model" if with_model else ""
    with engine.connect() as conn:
        row = conn.execute(text(sql.LATEST_MODEL.format(blob=blob))).mappings().first()
        identity = database_identity(conn) if with_model else None
    if row is None:
        raise InvalidInput("There is no churn model yet: train one with "
                           "gcrm model churn train.")
    stored = StoredModel(**{k: row[k] for k in row if k != "model"})
    if with_model:
        if stored.database_identity != identity:
            raise InvalidInput(
                f"Churn model version {stored.version} was trained on another database "
                f"({stored.database_identity}), not this one ({identity}); it is never "
                "applied here. Train one with gcrm model churn train.")
        stored.model = joblib.load(io.BytesIO(row["model"]))
    return stored
