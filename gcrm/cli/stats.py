"""``gcrm stats``: hot spots and global Moran's I of a cube measure (see docs/stats.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console

from gcrm import audit, tablefile
from gcrm.access import user_engine
from gcrm.cli.errors import reports_errors
from gcrm.errors import InvalidInput

console = Console()
stats_app = typer.Typer(help="Where is a measure unusual? Hot spots and clusters.",
                        no_args_is_help=True)
OUT_FORMATS = {".csv": "csv", ".gpkg": "gpkg", ".parquet": "geoparquet"}

MEASURE = typer.Option(..., help="A cube measure (gcrm cube measures), e.g. complaints.")
LEVEL = typer.Option(..., help="Region level with 10 regions or more: county, zip, h3_7...")
PERIOD = typer.Option(..., help="2026, FY2026, 2026-Q3, 2026-03 or 2026-01..2026-06.")
SPLIT = typer.Option(None, help="DIMENSION=VALUE, e.g. segment=smb (one split).")
PERMUTATIONS = typer.Option(999, help="Permutations for the pseudo p-values (99 or more).")
SEED = typer.Option(None, help="Random seed: the same seed gives the same p-values.")
MIN_COUNT = typer.Option(None, help="Hide regions built from fewer than this many people "
                                    "(class 'too few').")
AS_USER = typer.Option(None, "--as", help="Run as this gcrm user: their regions apply "
                                          "(default: GCRM_USER, else the operator).")


@stats_app.command("hotspots")
@reports_errors
def hotspots(
    measure: str = MEASURE, level: str = LEVEL, period: str = PERIOD,
    split: str = SPLIT,
    method: str = typer.Option("gi", help="gi (Getis-Ord Gi*: hot/cold spots) or lisa "
                                          "(Local Moran's I: HH, LL, HL, LH)."),
    permutations: int = PERMUTATIONS,
    alpha: float = typer.Option(0.05, help="Significance level, after the false discovery "
                                           "rate correction."),
    no_fdr: bool = typer.Option(False, "--no-fdr", help="Classify on uncorrected p-values."),
    seed: int = SEED, min_count: int = MIN_COUNT,
    emerging: int = typer.Option(0, help="Also test the N periods before (1-12, gi only) "
                                         "and add emerging (new/persistent) and "
                                         "hot_periods."),
    out: Path = typer.Option(None, help="FILE.csv (no geometry), FILE.gpkg or FILE.parquet "
                                        "(GeoParquet); metadata in FILE.<ext>.meta.json."),
    as_user: str = AS_USER,
) -> None:
    """Hot and cold spots (or clusters and outliers) of a measure, with honest p-values."""
    from gcrm import stats  # esda and numba: loaded when asked, not at every start
    fmt = None if out is None else tablefile.format_of(out, OUT_FORMATS)
    engine = user_engine(as_user) if as_user else None
    with console.status("Reading the cube and testing every region..."):
        table, meta = stats.hotspots(
            measure, level=level, period=_period(period), split=_split(split), method=method,
            permutations=permutations, alpha=alpha, fdr=not no_fdr, min_count=min_count,
            random_state=seed, emerging=emerging, engine=engine)
    if out is not None:
        tablefile.write(table, out, fmt, meta, layer="hotspots")
        audit.record("stats.hotspots", out.name, {
            "format": fmt, "measure": measure, "level": level, "period": period,
            "split": meta["split"], "method": method, "rows": len(table),
            "min_count": min_count}, actor=as_user, engine=engine)
    classes = meta["classes"]
    if method == "gi":
        found = f"{classes.get('hot', 0):,} hot, {classes.get('cold', 0):,} cold"
    else:
        found = ", ".join(f"{classes.get(c, 0):,} {c}" for c in ("HH", "LL", "HL", "LH"))
    few = f", {meta['too_few']:,} too few to show" if meta["too_few"] else ""
    console.print(f"{measure} by {level}, {period}: {found} of {meta['regions']:,} regions"
                  f"{few} (alpha {alpha:g}, {'FDR-corrected' if not no_fdr else 'uncorrected'}"
                  f", {permutations:,} permutations).", highlight=False)
    if emerging:
        kinds = table["emerging"].value_counts()
        console.print(f"Emerging over {', '.join(meta['emerging']['periods'])}: "
                      f"{kinds.get('new', 0):,} new, {kinds.get('persistent', 0):,} "
                      "persistent hot spots.", highlight=False)
    significant = table[table["significant"]].sort_values("z", ascending=False)
    for row in significant.head(10).to_dict("records"):
        console.print(f"  {_row_words(row, meta['unit'], fdr=not no_fdr)}", highlight=False)
    if len(significant) > 10:
        console.print(f"  ... and {len(significant) - 10:,} more", highlight=False)
    console.print(meta["global_moran"]["sentence"] + ".", highlight=False)
    if "you may see" in meta["scope"]:
        console.print(f"Scope: {meta['scope']}.", highlight=False)
    if out is not None:
        console.print(f"Written to {out} (metadata in "
                      f"{tablefile.metadata_path(out)}).", highlight=False)


@stats_app.command("moran")
@reports_errors
def moran(measure: str = MEASURE, level: str = LEVEL, period: str = PERIOD,
          split: str = SPLIT, permutations: int = PERMUTATIONS, seed: int = SEED,
          min_count: int = MIN_COUNT, as_user: str = AS_USER) -> None:
    """Global Moran's I: is the measure clustered, dispersed or random over the regions?"""
    from gcrm import stats  # esda and numba: loaded when asked, not at every start
    engine = user_engine(as_user) if as_user else None
    result = stats.moran(measure, level=level, period=_period(period), split=_split(split),
                         permutations=permutations, min_count=min_count, random_state=seed,
                         engine=engine)
    console.print(f"{result['sentence']} ({result['regions']:,} {level} regions, "
                  f"{permutations:,} permutations).", highlight=False)
    if "you may see" in result["scope"]:
        console.print(f"Scope: {result['scope']}.", highlight=False)


def _row_words(row: dict, unit: str, *, fdr: bool) -> str:
    p = row["p_fdr"] if fdr else row["p"]
    return (f"{row['class']:<4} {row['code']} {row['name']}: {_number(row['value'], unit)} "
            f"(z = {row['z']:.2f}, p = {p:.3f})")


def _number(value, unit: str) -> str:
    """As people read it: a share 63.6%, money $1,234, a count 1,234, a rate 0.213."""
    if pd.isna(value):
        return "-"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "currency":
        return f"${value:,.0f}"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:.3g}"


def _period(period: str):
    return tuple(period.split("..")) if ".." in period else period


def _split(split: str | None) -> dict | None:
    if not split:
        return None
    key, sep, value = split.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise InvalidInput(f"--split {split!r}: write DIMENSION=VALUE, e.g. segment=smb.")
    return {key.strip(): value.strip()}
