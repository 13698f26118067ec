"""Validate a file's rows against an entity: typed values for good rows, a reason for bad ones.

Reasons are written for the person who will fix the file: they quote the value
and say what was expected ("latitude 123.4 is outside -90..90").
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import unicodedata

import numpy as np
import pandas as pd
import sqlalchemy as sa
from pyproj import CRS, Transformer

from gcrm.config import get_settings
from gcrm.db.models import Base
from gcrm.ingest.entities import Entity, Field
from gcrm.ingest.readers import INVISIBLE
from gcrm.vocab.lists import VocabList

TRUE = {"1", "true", "t", "yes", "y", "x", "opt-in", "opt in", "opted in", "on"}
FALSE = {"0", "false", "f", "no", "n", "opt-out", "opt out", "opted out", "off"}
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_SEPARATORS = re.compile(r"[_\-]+")
_LABELS = {"lat": "latitude", "lon": "longitude"}
MAX_VALUE = 131_072  # characters in one value (what Python's csv module reads by default)
# In text other than ids: control characters but tab and line breaks, BOM, zero-width space.
_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2060\ufeff]")
_NOT_ASCII_OR_CONTROL = re.compile("[^\x20-\x7e]")
_INTEGER_MAX = {sa.SmallInteger: 2**15 - 1, sa.Integer: 2**31 - 1, sa.BigInteger: 2**63 - 1}


def validate_rows(
    frame: pd.DataFrame, entity: Entity, mapping: dict[str, str], *, crs=None,
    vocab: dict[str, VocabList] | None = None,
    value_map: dict[str, dict[str, str]] | None = None,
    date_range: tuple[dt.date, dt.date] | None = None,
    duplicates: bool = True,
) -> tuple[pd.DataFrame, pd.Series]:
    """Check every mapped field of every row.

    ``vocab``: the company's lists the fields take values from (by list name; a list not
    given is open and empty). ``value_map``: ``{field: {file value: value}}`` applied
    first (file values matched whatever their case). ``date_range``: the earliest and
    latest dates accepted (default :func:`date_range`, from the settings).
    ``duplicates``: reject a row whose external_id comes again later in ``frame`` (a
    load that streams a file in pieces finds them in its staging table instead).

    Text is cleaned first (:func:`clean_text`): NFC, no invisible characters in ids; a
    NUL or a value longer than :data:`MAX_VALUE` characters rejects the row.

    Returns ``(good, reasons)``: ``good`` has one typed column per mapped field
    and only the rows without problems; ``reasons`` maps each bad row's line to
    its problems joined by '; '.
    """
    values: dict[str, pd.Series] = {}
    problems: list[pd.Series] = []
    vocab, value_map = vocab or {}, value_map or {}
    dates = date_range or default_date_range()
    for field in entity.fields:
        if field.name not in mapping:
            continue
        raw, unreadable = clean_text(frame[mapping[field.name]].astype(str), field)
        if field.name in value_map:
            raw = _mapped(raw, value_map[field.name])
        if field.vocabulary:
            value, problem = _vocabulary(raw, field, vocab.get(field.vocabulary))
        elif field.kind in ("date", "datetime"):
            value, problem = _date(raw, field, with_time=field.kind == "datetime",
                                   date_range=dates)
        else:
            value, problem = _CHECKS[field.kind](raw, field)
            if field.kind in ("number", "integer"):
                problem = _first(problem, _column_range(value, entity, field))
        problem = _first(unreadable, problem)
        if field.kind in ("number", "integer"):
            value = value.where(problem.isna())  # what cannot be stored is not kept
            if field.kind == "integer":
                value = value.round().astype("Int64")
        if field.required:
            problem = _first(problem, _where(raw == "", f"{field.name} is empty"))
        if field.default is not None:
            value = value.where(raw != "", field.default)
        values[field.name] = value
        problems.append(problem)

    for later, earlier in entity.in_order:
        if later in values and earlier in values:
            problems.append(_where(values[later] < values[earlier],
                                   f"{later} is before {earlier}: a case cannot close or be "
                                   "answered before it opened"))
    if "lat" in values and "lon" in values:
        problems.extend(_check_coordinates(values, entity, crs))
    if "_geometry_type" in frame.columns and entity.point:
        kind = frame["_geometry_type"]
        problems.append(
            _where(kind != "", "geometry is a " + kind + f"; {entity.name} need points")
        )
    if "external_id" in values and duplicates:
        problems.append(_duplicates(values["external_id"]))

    good = pd.DataFrame(values, index=frame.index)
    reasons = _join(problems, frame.index)
    return good[reasons.isna()], reasons.dropna()


def _text(raw: pd.Series, field: Field):
    return raw.where(raw != "", None).astype(object), _none(raw)


def _number(raw: pd.Series, field: Field):
    label = _LABELS.get(field.kind, field.name)
    number = pd.to_numeric(raw, errors="coerce")  # plain numbers: most files, all rows
    retry = (raw != "") & number.isna()
    if retry.any():  # "$ 12.50", "1,234": cleaned only where needed (regexes are slow)
        cleaned = raw[retry].str.replace(r"^[$€£]\s*", "", regex=True)
        cleaned = cleaned.where(~cleaned.str.match(_THOUSANDS), cleaned.str.replace(",", ""))
        number = number.astype(float)
        number[retry] = pd.to_numeric(cleaned, errors="coerce")
    number = number.where(np.isfinite(number.astype(float)))  # 'inf' is no amount
    problem = _quote((raw != "") & number.isna(), raw, f"{label} '", "' is not a number")
    if field.kind == "integer":
        fractional = number.notna() & (number != np.floor(number))
        whole = _quote(fractional, raw, f"{label} '", "' is not a whole number")
        problem = _first(problem, whole)
    if field.kind not in ("lat", "lon"):  # coordinates are checked after reprojection
        problem = _first(problem, _range(number, field, label))
    return number.astype(float), problem


def _range(number: pd.Series, field: Field, label: str) -> pd.Series:
    if field.low is not None and field.high is not None:
        bad = (number < field.low) | (number > field.high)
        rule = f" is outside {_bound(field.low)}..{_bound(field.high)}"
    elif field.low == 0:
        bad, rule = number < 0, " is negative"
    else:
        return _none(number)
    messages = _none(number)
    if bad.any():  # format only the values that are wrong
        messages[bad] = [f"{label} {v:g}{rule}" for v in number[bad]]
    return messages


def _date(raw: pd.Series, field: Field, *, with_time: bool = False,
          date_range: tuple[dt.date, dt.date] | None = None):
    parsed = pd.to_datetime(raw.where(raw != ""), errors="coerce", format="ISO8601", utc=with_time)
    retry = (raw != "") & parsed.isna()
    if retry.any():
        again = pd.to_datetime(raw[retry], errors="coerce", format="mixed", utc=with_time)
        parsed = parsed.astype(object)
        parsed[retry] = again
        parsed = pd.to_datetime(parsed, utc=with_time)
    expected = "a date and time (e.g. 2026-01-31 14:05)" if with_time else "a date (use YYYY-MM-DD)"
    problem = _quote((raw != "") & parsed.isna(), raw, f"{field.name} '", f"' is not {expected}")
    if date_range is not None:
        low, high = date_range
        day = parsed.dt.tz_convert(None) if with_time else parsed
        outside = parsed.notna() & ((day < pd.Timestamp(low))
                                    | (day >= pd.Timestamp(high) + pd.Timedelta(days=1)))
        problem = _first(problem, _quote(
            outside, raw, f"{field.name} ",
            f" is outside {low.isoformat()}..{high.isoformat()}, the dates a load accepts (set "
            "GCRM_DATE_MIN/GCRM_DATE_MAX or --date-min/--date-max to change it)"))
        parsed = parsed.where(~outside)
    if with_time:
        return parsed.astype(object).where(parsed.notna(), None), problem
    return parsed.dt.date.astype(object).where(parsed.notna(), None), problem


def _datetime(raw: pd.Series, field: Field):
    return _date(raw, field, with_time=True)


def default_date_range() -> tuple[dt.date, dt.date]:
    """The dates a load accepts: GCRM_DATE_MIN (default 1900-01-01) to GCRM_DATE_MAX
    (default a year from today)."""
    settings = get_settings()
    high = settings.date_max or dt.date.today() + dt.timedelta(days=366)
    return settings.date_min, high


def clean_text(raw: pd.Series, field: Field) -> tuple[pd.Series, pd.Series]:
    """``raw`` stripped and in Unicode NFC, and why a row cannot be read (or None).

    Ids (the row's own and the ids it refers to) lose every invisible character (control
    and format characters: a byte order mark, zero-width spaces), so that ``\\ufeffA1``
    is ``A1``; other text loses control characters but tabs and line breaks, and byte order
    marks and zero-width spaces. A NUL anywhere, or a value longer than MAX_VALUE, makes
    the row unreadable: a NUL cannot be stored as text, and either means a broken file."""
    nul = raw.str.contains("\x00", regex=False)
    long = raw.str.len() > MAX_VALUE
    unreadable = _where(nul, f"{field.name} contains a NUL character (byte 0x00), which text "
                             "cannot hold: the file is probably damaged or not text there")
    if long.any():
        unreadable = _first(unreadable, _where(long, f"{field.name} is " + raw.str.len().map(
            "{:,}".format) + f" characters long, longer than {MAX_VALUE:,}, the most a "
            "value may hold"))
    raw = raw.where(~(nul | long), "")
    hidden = INVISIBLE if field.name == "external_id" or field.kind == "ref" else _IN_TEXT
    odd = raw.str.contains(_NOT_ASCII_OR_CONTROL)
    if odd.any():
        raw = raw.copy()
        raw[odd] = [unicodedata.normalize("NFC", hidden.sub("", v)) for v in raw[odd]]
    return raw.str.strip(), unreadable


def _column_range(number: pd.Series, entity: Entity, field: Field) -> pd.Series:
    """A number too big for the database column it goes to (amount 1e308, quantity 3e9)."""
    table = Base.metadata.tables.get(entity.table)
    column = table.columns.get(field.db_column) if table is not None else None
    kind = column.type if column is not None else None
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float) and kind.precision:
        high = 10.0 ** (kind.precision - (kind.scale or 0)) - 10.0 ** -(kind.scale or 0)
    elif isinstance(kind, (sa.Integer, sa.SmallInteger, sa.BigInteger)):
        high = float(_INTEGER_MAX.get(type(kind), 2**31 - 1))
    else:
        return _none(number)
    low = field.low if field.low is not None else -high
    high = min(high, field.high) if field.high is not None else high
    bad = (number < low) | (number > high)
    messages = _none(number)
    if bad.any():
        label = _LABELS.get(field.kind, field.name)
        messages[bad] = [f"{label} {v:g} is outside {_bound(low)}..{_bound(high)}, the most "
                         "the database column holds" for v in number[bad]]
    return messages


def _bound(value: float) -> str:
    """A range's end as people write it: 90, 2,147,483,647, 999,999,999,999.99."""
    if float(value).is_integer():
        return f"{int(value):,}" if abs(value) >= 10_000 else f"{int(value)}"
    return f"{value:,.2f}" if abs(value) >= 10_000 else f"{value:g}"


def _bool(raw: pd.Series, field: Field):
    lowered = raw.str.lower()
    value = pd.Series(None, index=raw.index, dtype=object)
    value[lowered.isin(TRUE)] = True
    value[lowered.isin(FALSE)] = False
    bad = (raw != "") & value.isna()
    return value, _quote(bad, raw, f"{field.name} '", "' is not yes/no")


def _enum(raw: pd.Series, field: Field):
    # A list field holds a handful of distinct values: each is lowered and matched once.
    codes, distinct = pd.factorize(raw, use_na_sentinel=False)
    lowered = pd.Series(distinct, dtype=object).str.lower().str.replace(_SEPARATORS, " ",
                                                                         regex=True)
    aliases = {_SEPARATORS.sub(" ", k): v for k, v in field.aliases}
    value = pd.Series(lowered.replace(aliases).to_numpy(dtype=object)[codes],
                      index=raw.index, dtype=object)
    bad = (raw != "") & ~value.isin(field.values)
    why = f": {field.why}" if field.why else ""
    problem = _quote(bad, raw, f"{field.name} '",
                     f"' is not one of {', '.join(field.values)}{why}")
    return value.where((raw != "") & ~bad, None).astype(object), problem


def canonical_value(value: str) -> str:
    """How values are matched to a list's: case, separators and spacing do not count."""
    return " ".join(_SEPARATORS.sub(" ", str(value)).casefold().split())


def _mapped(raw: pd.Series, pairs: dict[str, str]) -> pd.Series:
    """``raw`` with the file values ``pairs`` names replaced (matched by canonical_value)."""
    targets = {canonical_value(k): v for k, v in pairs.items()}
    codes, uniques = pd.factorize(raw)
    mapped = np.array([targets.get(canonical_value(u), u) for u in uniques], dtype=object)
    return pd.Series(mapped[codes], index=raw.index, dtype=object)


def _vocabulary(raw: pd.Series, field: Field, vocab: VocabList | None):
    """A value of one of the company's lists: a known value whatever its case (or a common
    spelling of one); a new one as written (lower case for lists of codes), refused only
    when the list is closed."""
    known = {canonical_value(v): v for v in (vocab.values if vocab else ())}
    for spelling, target in field.aliases:
        if canonical_value(target) in known:
            known.setdefault(canonical_value(spelling), known[canonical_value(target)])
    lowercase = vocab.vocabulary.lowercase if vocab else False
    closed = vocab is not None and vocab.closed
    codes, uniques = pd.factorize(raw)  # work on the distinct values only
    value_of = np.full(len(uniques), None, dtype=object)
    refusal = np.full(len(uniques), None, dtype=object)
    allowed = vocab.quoted() if closed else ""
    for i, u in enumerate(uniques):
        if u == "":
            continue
        key = canonical_value(u)
        if key in known:
            value_of[i] = known[key]
        elif closed:
            spec = vocab.vocabulary
            refusal[i] = (f"{field.name} '{u}' is not in the company's {spec.noun}, a closed "
                          f"list ({allowed}); an admin adds it with `gcrm vocab add "
                          f"{spec.name} {shlex.quote(u)}` or opens the list with `gcrm vocab "
                          f"open {spec.name}`, or map it with --value "
                          f"{shlex.quote(f'{field.name}:{u}=VALUE')}")
        else:  # new: as first written, and so are its other spellings in the file
            value_of[i] = known[key] = (" ".join(u.lower().split()) if lowercase
                                        else " ".join(u.split()))
    value = pd.Series(value_of[codes], index=raw.index, dtype=object)
    problem = pd.Series(refusal[codes], index=raw.index, dtype=object)
    return value, problem


_CHECKS = {
    "text": _text,
    "ref": _text,
    "number": _number,
    "integer": _number,
    "lat": _number,
    "lon": _number,
    "date": _date,
    "datetime": _datetime,
    "bool": _bool,
    "enum": _enum,
}


def _check_coordinates(values: dict[str, pd.Series], entity: Entity, crs) -> list[pd.Series]:
    lat, lon = values["lat"], values["lon"]
    problems = [
        _where(lat.notna() & lon.isna(), "latitude is given but longitude is missing"),
        _where(lon.notna() & lat.isna(), "longitude is given but latitude is missing"),
    ]
    both = lat.notna() & lon.notna()
    if crs is not None and CRS.from_user_input(crs) != CRS.from_epsg(4326) and both.any():
        transformer = Transformer.from_crs(CRS.from_user_input(crs), 4326, always_xy=True)
        x, y = transformer.transform(lon[both].to_numpy(), lat[both].to_numpy())
        lon, lat = lon.copy(), lat.copy()
        lon[both], lat[both] = x, y
        values["lon"], values["lat"] = lon, lat
        problems.append(_where(both & ~(np.isfinite(lon) & np.isfinite(lat)),
                               f"coordinates cannot be transformed from {crs} to EPSG:4326"))
    problems.append(_range(lat, entity.field("lat"), "latitude"))
    problems.append(_range(lon, entity.field("lon"), "longitude"))
    if entity.field("lat").required:
        problems.append(_where(lat.isna() & lon.isna(), "latitude and longitude are empty"))
    return problems


def _duplicates(external_id: pd.Series) -> pd.Series:
    """Rows whose id appears again later in the file: the last one wins."""
    present = external_id.notna()
    repeated = external_id.duplicated(keep="last") & present
    if not repeated.any():
        return _none(external_id)
    lines = pd.Series(external_id.index, index=external_id.index)
    last_line = lines.groupby(external_id).transform("last")
    message = (
        "external_id '" + external_id.astype(str) + "' appears again on line "
        + last_line.astype("Int64").astype(str) + "; that later row is loaded instead"
    )
    return message.where(repeated, None)


def _where(mask: pd.Series, message) -> pd.Series:
    """``message`` (text, or text per row) where ``mask`` holds, else None (never NaN)."""
    flags = mask.fillna(False).astype(bool).to_numpy()
    values = message.to_numpy(dtype=object) if isinstance(message, pd.Series) else message
    return pd.Series(np.where(flags, values, None), index=mask.index, dtype=object)


def _quote(mask: pd.Series, raw: pd.Series, before: str, after: str) -> pd.Series:
    """``before + value + after`` where ``mask`` holds (built only for those rows), else None."""
    flags = mask.fillna(False).astype(bool)
    out = _none(raw)
    if flags.any():
        out[flags] = before + raw[flags].astype(str) + after
    return out


def _none(like: pd.Series) -> pd.Series:
    return pd.Series(None, index=like.index, dtype=object)


def _first(a: pd.Series, b: pd.Series) -> pd.Series:
    return a.where(a.notna(), b)


def _join(problems: list[pd.Series], index: pd.Index) -> pd.Series:
    if not problems:
        return pd.Series(None, index=index, dtype=object)
    table = pd.concat(problems, axis=1)
    reasons = pd.Series(None, index=index, dtype=object)
    bad = table.notna().any(axis=1)
    if bad.any():
        reasons[bad] = [
            "; ".join(v for v in row if isinstance(v, str))
            for row in table[bad].itertuples(index=False)
        ]
    return reasons
