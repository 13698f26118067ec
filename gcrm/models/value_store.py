"""Keep a trained customer value model in ``value_models`` and read it back, only in the
database it was trained on (the churn models' identity: system identifier, database oid
and name). The model is kept as bytes: both posteriors as netCDF, the library's format
(``to_bytes``), put back on the library's models for scoring (``from_bytes``)."""

from __future__ import annotations

import json
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, text

from gcrm.errors import InvalidInput
from gcrm.models import value_sql, value_summary
from gcrm.models.store import database_identity
from gcrm.models.value_train import Fitted, Training, bgnbd_rows, library_frame, spend_rows

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
    blob = to_bytes(training.fitted)
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


def to_bytes(fitted: Fitted) -> bytes:
    """Both posteriors as netCDF (the library's format), in one zip-less bundle."""
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, model in (("purchases", fitted.purchases), ("spend", fitted.spend)):
            path = Path(tmp) / f"{name}.nc"
            model.idata.to_netcdf(str(path), groups=["posterior"])
            parts.append(path.read_bytes())
    header = f"{len(parts[0])}\n".encode()
    return header + parts[0] + parts[1]


def from_bytes(blob: bytes, rfm: pd.DataFrame, parameters: dict) -> Fitted:
    """The stored posteriors on the library's models built over ``rfm``."""
    import arviz as az

    size, rest = blob.split(b"\n", 1)
    parts = rest[:int(size)], rest[int(size):]
    clv = value_summary.clv()
    data = library_frame(rfm)
    models = []
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, model, part in (("purchases", clv.BetaGeoModel(data=bgnbd_rows(data)),
                                   parts[0]),
                                  ("spend", clv.GammaGammaModel(data=spend_rows(data)),
                                   parts[1])):
            path = Path(tmp) / f"{name}.nc"
            path.write_bytes(part)
            model.build_model()
            model.idata = az.from_netcdf(str(path)).load()
            models.append(model)
    return Fitted(models[0], models[1], parameters)
