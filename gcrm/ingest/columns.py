"""Match a file's columns to an entity's fields.

Common names are recognised without help; ``--map`` overrides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gcrm.errors import GcrmError
from gcrm.ingest.entities import Entity


class ColumnMappingError(GcrmError):
    """The columns cannot be matched (a required field is missing, or a --map is wrong)."""


def canonical(name: str) -> str:
    """Column-name form used for matching: lower case, runs of non-alphanumerics as '_'."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def parse_map(pairs: Iterable[str]) -> dict[str, str]:
    """``["SRC=DEST", ...]`` from the command line into ``{SRC: DEST}``."""
    mapping = {}
    for pair in pairs:
        source, sep, dest = pair.partition("=")
        if not sep or not source.strip() or not dest.strip():
            raise ColumnMappingError(f"--map '{pair}' should look like FILE_COLUMN=FIELD.")
        mapping[source.strip()] = dest.strip()
    return mapping


def resolve_columns(
    columns: Iterable[str], entity: Entity, overrides: dict[str, str] | None = None
) -> dict[str, str]:
    """Return ``{field: file column}`` for every field found in ``columns``.

    ``overrides`` maps file columns to fields and wins over recognised names.
    Raises ColumnMappingError naming what is missing and the columns there are.
    """
    columns = list(columns)
    overrides = overrides or {}
    by_canonical: dict[str, str] = {}
    for column in columns:
        by_canonical.setdefault(canonical(column), column)

    resolved: dict[str, str] = {}
    for source, dest in overrides.items():
        if dest not in entity.field_names:
            raise ColumnMappingError(
                f"--map {source}={dest}: '{dest}' is not a field of {entity.name}. "
                f"Fields: {', '.join(entity.field_names)}."
            )
        if source not in columns:
            raise ColumnMappingError(
                f"--map {source}={dest}: the file has no column '{source}'. "
                f"Columns: {', '.join(columns)}."
            )
        resolved[dest] = source

    taken = set(resolved.values())
    for field in entity.fields:
        if field.name in resolved:
            continue
        for synonym in (field.name, *field.synonyms):
            column = by_canonical.get(canonical(synonym))
            if column is not None and column not in taken:
                resolved[field.name] = column
                taken.add(column)
                break

    missing = [f.name for f in entity.fields if f.required and f.name not in resolved]
    if missing:
        hints = ", ".join(f"--map COLUMN={name}" for name in missing)
        raise ColumnMappingError(
            f"No column found for {', '.join(missing)} in this {entity.name} file "
            f"(columns: {', '.join(columns)}). Name them with {hints}."
        )
    return resolved


def parse_values(pairs: Iterable[str], entity: Entity) -> dict[str, dict[str, str]]:
    """``["FIELD:SOURCE=TARGET", ...]`` from the command line into ``{field: {SOURCE:
    TARGET}}``. FIELD is a field of ``entity`` that takes a list's values (case_type,
    channel, segment, status...) or the list's name (sales_channel, interaction_channel).
    Raises ColumnMappingError saying what a pair should look like or which fields take one.
    """
    mapped: dict[str, dict[str, str]] = {}
    listed = [f for f in entity.fields if f.vocabulary or f.kind == "enum"]
    by_name = {f.name: f for f in listed} | {f.vocabulary: f for f in listed if f.vocabulary}
    for pair in pairs:
        field_name, colon, rest = pair.partition(":")
        source, equals, target = rest.partition("=")
        field_name, source, target = field_name.strip(), source.strip(), target.strip()
        if not colon or not equals or not field_name or not source or not target:
            raise ColumnMappingError(f"--value '{pair}' should look like FIELD:SOURCE=TARGET, "
                                     "e.g. --value case_type:feedback=review.")
        field = by_name.get(field_name)
        if field is None:
            raise ColumnMappingError(
                f"--value {pair}: {entity.name} have no field {field_name!r} that takes "
                f"listed values; those that do: {', '.join(f.name for f in listed) or 'none'}.")
        if field.kind == "enum":
            match = next((v for v in field.values if v.casefold() == target.casefold()), None)
            if match is None:
                why = f": {field.why}" if field.why else ""
                raise ColumnMappingError(f"--value {pair}: {field.name} '{target}' is not one "
                                         f"of {', '.join(field.values)}{why}.")
            target = match
        mapped.setdefault(field.name, {})[source] = target
    return mapped
