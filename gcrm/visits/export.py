"""A visit plan as files a rep takes on the road: CSV (a row per stop), GPX (a phone's
navigation app: a waypoint per stop and the day's route along the roads, per rep) and PDF
(a printable page per rep: the route on a map and the list of stops, then what was left
out and why). Each writes what the plan it is given holds: a plan read with masked points
exports masked points."""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET

import pandas as pd
import shapely
from sqlalchemy import Engine

from gcrm import audit
from gcrm.db.engine import get_engine
from gcrm.visits.show import Plan, show
from gcrm.visits.times import clock, day_words

FORMATS = {"csv": "CSV", "gpx": "GPX (navigation apps)", "pdf": "PDF (printable)"}


def export(plan_id: int, format: str, *, actor: str | None = None,
           engine: Engine | None = None) -> bytes:
    """The plan ``plan_id`` as the reader of ``engine`` sees it, in ``format``; audited."""
    engine = engine or get_engine()
    data = to_bytes(show(plan_id, engine=engine), format)
    audit.record("visits.export", f"plan {plan_id}", {"format": format, "bytes": len(data)},
                 actor=actor, engine=engine)
    return data


def to_bytes(plan: Plan, format: str) -> bytes:
    """The plan in ``format`` (csv, gpx or pdf)."""
    writers = {"csv": csv_bytes, "gpx": gpx_bytes, "pdf": pdf_bytes}
    if format not in writers:
        raise ValueError(f"no export format {format!r}; choose from {', '.join(writers)}")
    return writers[format](plan)


def stop_table(plan: Plan) -> pd.DataFrame:
    """The stops as people read them: rep, #, times as HH:MM, drive in minutes and km."""
    stops = plan.stops
    return pd.DataFrame({
        "rep": stops["rep"], "stop": stops["seq"],
        "account": stops["source"] + ":" + stops["external_id"], "name": stops["name"],
        "address": stops["address"],
        "arrive": stops["arrive"].map(clock), "start": stops["start"].map(clock),
        "depart": stops["depart"].map(clock),
        "drive_minutes": (stops["drive_seconds"] / 60).round().astype(int),
        "drive_km": (stops["drive_m"] / 1000).round(1),
        "lat": stops["lat"].round(6), "lon": stops["lon"].round(6)})


def csv_bytes(plan: Plan) -> bytes:
    return stop_table(plan).to_csv(index=False).encode()


def gpx_bytes(plan: Plan) -> bytes:
    ns = "http://www.topografix.com/GPX/1/1"
    root = ET.Element("gpx", {"version": "1.1", "creator": "gcrm", "xmlns": ns})
    meta = ET.SubElement(root, "metadata")
    ET.SubElement(meta, "name").text = f"Visits {plan.day.isoformat()} (plan {plan.id})"
    ET.SubElement(meta, "desc").text = f"Measured with {plan.travel}."
    for row in plan.stops.itertuples():
        point = ET.SubElement(root, "wpt", {"lat": f"{row.lat:.6f}", "lon": f"{row.lon:.6f}"})
        ET.SubElement(point, "name").text = f"{row.rep} {row.seq}. {row.name}"
        ET.SubElement(point, "desc").text = (f"{row.address or ''}; arrive {clock(row.arrive)},"
                                             f" visit {clock(row.start)}-{clock(row.depart)}")
    for route in plan.routes.itertuples():
        legs = list(plan.stops.loc[plan.stops["rep"] == route.rep].sort_values("seq")["leg"])
        legs = [g for g in [*legs, route.home_leg] if g is not None]
        if not legs:
            continue
        track = ET.SubElement(root, "trk")
        ET.SubElement(track, "name").text = f"{route.rep_name} ({route.rep}), {plan.day}"
        segment = ET.SubElement(track, "trkseg")
        for leg in legs:
            for lon, lat in shapely.get_coordinates(leg):
                ET.SubElement(segment, "trkpt", {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"})
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def pdf_bytes(plan: Plan) -> bytes:
    import matplotlib  # loaded when a PDF is asked for: `gcrm` starts without it

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages

    out = io.BytesIO()
    table = stop_table(plan)
    with PdfPages(out) as pdf:
        for route in plan.routes.itertuples():
            _rep_page(pdf, plan, route, table[table["rep"] == route.rep])
        if not plan.left_out.empty or plan.routes.empty:
            _left_out_page(pdf, plan)
        info = pdf.infodict()
        info["Title"] = f"Visits {plan.day.isoformat()} (plan {plan.id})"
        info["Creator"] = "gcrm"
    return out.getvalue()


def _rep_page(pdf, plan: Plan, route, stops: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(8.27, 11.69))  # A4 portrait
    figure.suptitle(f"{route.rep_name} ({route.rep}): visits on {day_words(plan.day)}",
                    x=0.06, ha="left", fontsize=14, fontweight="bold")
    figure.text(0.06, 0.925, f"Leave {clock(route.leave)}, back {clock(route.back)}; "
                f"{route.stops} visits; {route.drive_seconds / 60:,.0f} minutes and "
                f"{route.drive_m / 1000:,.1f} km of driving.\nMeasured with {plan.travel}.",
                fontsize=8.5)
    axes = figure.add_axes([0.06, 0.47, 0.88, 0.44])
    legs = list(plan.stops.loc[plan.stops["rep"] == route.rep].sort_values("seq")["leg"])
    for leg in [g for g in [*legs, route.home_leg] if g is not None]:
        xy = shapely.get_coordinates(leg)
        axes.plot(xy[:, 0], xy[:, 1], color="#1f6feb", linewidth=1.6)
    axes.plot(route.home_lon, route.home_lat, marker="s", color="black", markersize=8)
    axes.annotate("home", (route.home_lon, route.home_lat), xytext=(5, 5),
                  textcoords="offset points", fontsize=8)
    for row in stops.itertuples():
        axes.plot(row.lon, row.lat, marker="o", color="#d1242f", markersize=11)
        axes.annotate(str(row.stop), (row.lon, row.lat), ha="center", va="center",
                      fontsize=7, color="white", fontweight="bold")
    axes.set_aspect(1 / max(0.2, math.cos(math.radians(route.home_lat))))
    axes.set_xticks([]), axes.set_yticks([])
    rows = [[r.stop, r.arrive, f"{r.start}-{r.depart}", _cut(r.name, 26),
             _cut(r.address or "", 38), f"{r.drive_minutes}", f"{r.drive_km:.1f}"]
            for r in stops.itertuples()]
    lower = figure.add_axes([0.06, 0.04, 0.88, 0.40])
    lower.axis("off")
    if rows:
        cells = lower.table(cellText=rows, colLabels=["#", "Arrive", "Visit", "Account",
                                                      "Address", "Drive min", "km"],
                            loc="upper left", colLoc="left", cellLoc="left",
                            colWidths=[0.04, 0.08, 0.14, 0.22, 0.36, 0.09, 0.07])
        cells.auto_set_font_size(False)
        cells.set_fontsize(7.5)
    pdf.savefig(figure)
    plt.close(figure)


def _left_out_page(pdf, plan: Plan) -> None:
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(8.27, 11.69))
    figure.suptitle(f"Left out of the plan for {day_words(plan.day)}", x=0.06, ha="left",
                    fontsize=14, fontweight="bold")
    lines = [f"{r.asked}{f' ({r.name})' if isinstance(r.name, str) else ''}: {r.reason}"
             for r in plan.left_out.itertuples()] + plan.notes
    figure.text(0.06, 0.92, "\n".join(_cut(line, 120) for line in lines[:70]) or
                "Nothing was left out.", va="top", fontsize=8, family="monospace")
    pdf.savefig(figure)
    plt.close(figure)


def _cut(words: str, width: int) -> str:
    return words if len(words) <= width else words[:width - 1] + "…"
