"""Hot spots and global Moran's I of cube measures on the Delaware demo world (3,000
accounts, 60 ZIP areas): the demo puts most customers and revenue in and around
Wilmington, which is found as a hot spot, and plants a trouble area around Dover (churn
and complaints higher there by construction), which is found as a churn and a complaints
hot spot; a manager's run stays inside their county; bad requests are refused saying what
would work; the CLI writes the API's table."""

import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from gcrm import cube, stats
from gcrm.access import users
from gcrm.cli import app
from gcrm.demo.geography import build_geography
from gcrm.demo.world import TROUBLE_REACH, trouble_area
from gcrm.errors import InvalidInput

NEW_CASTLE = "DE-NEW_CASTLE"  # the county of Wilmington


@pytest.fixture(scope="module")
def demo(delaware):
    users.add_user("cora", "manager", password="manager password",
                   regions=[f"county:{NEW_CASTLE}"], engine=delaware)
    return delaware


@pytest.fixture(scope="module")
def cora(demo):
    user = users.get_user("cora", engine=demo)
    engine = create_engine(demo.url, connect_args={"options": f"-c role={user.pg_role}"})
    yield engine
    engine.dispose()


def test_the_wilmington_concentration_is_a_hot_spot_and_revenue_is_clustered(demo):
    table, meta = stats.hotspots("revenue", level="zip", period="2026", random_state=1,
                                 engine=demo)
    assert len(table) == 60 and set(table.columns) >= {
        "code", "name", "value", "statistic", "z", "p", "p_fdr", "class", "geometry"}
    hot = table[table["class"] == "hot"]
    assert len(hot) >= 1 and hot["name"].str.contains("Wilmington").all()
    # Hot after the false-discovery-rate correction, and the revenue there is high.
    assert (hot["p_fdr"] <= 0.05).all()
    assert hot["value"].min() > table["value"].median()
    assert meta["weights"]["kind"] == "queen" and meta["weights"]["neighbours_min"] >= 1
    assert meta["permutations"] == 999 and meta["seed"] == 1
    assert meta["correction"].startswith("Benjamini-Hochberg")
    assert meta["global_moran"]["clustered"] == "clustered"
    assert meta["global_moran"]["sentence"].startswith("revenue is clustered: I = 0.")
    # The same seed, the same answer.
    again, _ = stats.hotspots("revenue", level="zip", period="2026", random_state=1,
                              engine=demo)
    assert again["p"].tolist() == table["p"].tolist()


@pytest.fixture(scope="module")
def trouble():
    """The demo's planted trouble area, from the geography build_demo drew (seed 42)."""
    return trouble_area(build_geography(["DE"], np.random.default_rng(42))["zip"])


def _sigmas(table, trouble) -> np.ndarray:
    """Each region's distance from the trouble area's centre, in its radii (sigma)."""
    centres = table.geometry.representative_point()
    return trouble.km(centres.x, centres.y) / trouble.sigma_km


def test_the_planted_trouble_area_around_dover_is_a_churn_hot_spot(demo, trouble):
    assert trouble.name == "19901 Dover"  # where docs/demo.md says it is
    table, meta = stats.hotspots("churn_rate", level="zip", period="2026", permutations=999,
                                 random_state=1, min_count=10, engine=demo)
    radii = _sigmas(table, trouble)
    hot = (table["class"] == "hot").to_numpy()
    tested = (table["class"] != "too few").to_numpy()
    # Hot after the false-discovery-rate correction, all in the area, Dover itself among them.
    assert hot.sum() >= 3 and (radii[hot] <= 1.5).all()
    assert "19901" in set(table.loc[hot, "code"])
    core = tested & (radii <= 1)
    assert hot[core].mean() >= 0.5, table.loc[core, ["name", "value", "p_fdr", "class"]]
    # Far from it (where the demo plants nothing) no ZIP is hot: Wilmington's churn is
    # ordinary, cold or not significant.
    far = tested & (radii > TROUBLE_REACH)
    assert far.sum() >= 20 and not hot[far].any()
    assert set(table.loc[far, "class"]) <= {"cold", "not significant"}
    assert table.loc[hot, "value"].min() > table.loc[far, "value"].median()
    assert meta["global_moran"]["sentence"].startswith("churn_rate is clustered")


def test_the_trouble_areas_complaints_of_the_last_year_are_a_hot_spot(demo, trouble):
    table, _ = stats.hotspots("complaints", level="zip", period=("2025-11", "2026-10"),
                              permutations=999, random_state=1, engine=demo)
    radii = _sigmas(table, trouble)
    hot = (table["class"] == "hot").to_numpy()
    assert hot.sum() >= 2 and (radii[hot] <= 1).all()
    assert not hot[radii > TROUBLE_REACH].any()  # Wilmington has more people, not more trouble


def test_complaints_per_customer_a_rate_finds_the_trouble_area_not_the_crowds(demo, trouble):
    table, meta = stats.hotspots("complaints_per_customer", level="zip",
                                 period=("2025-11", "2026-10"), permutations=999,
                                 random_state=1, engine=demo)
    assert meta["rate"].startswith("tested as a rate: complaints over customers")
    radii = _sigmas(table, trouble)
    hot = (table["class"] == "hot").to_numpy()
    assert hot.sum() >= 1 and (radii[hot] <= TROUBLE_REACH).all()
    assert not table.loc[hot, "name"].str.contains("Wilmington").any()


def test_without_the_correction_more_regions_are_called_and_lisa_finds_the_hh_cluster(demo):
    corrected, _ = stats.hotspots("customers", level="zip", period="2026", method="lisa",
                                  permutations=199, random_state=3, engine=demo)
    raw, meta = stats.hotspots("customers", level="zip", period="2026", method="lisa",
                               permutations=199, random_state=3, fdr=False, engine=demo)
    assert meta["correction"].startswith("none")
    assert raw["significant"].sum() > corrected["significant"].sum()
    high = raw[raw["class"] == "HH"]
    assert len(high) >= 2 and high["name"].str.contains("Wilmington").any()


def test_a_rate_is_tested_as_a_rate_with_small_bases_too_few(demo):
    table, meta = stats.hotspots("churn_rate", level="zip", period="2026", permutations=199,
                                 random_state=1, min_count=10, engine=demo)
    assert "tested as a rate" in meta["rate"]
    customers = cube.query(["customers"], level="zip", period="2025", engine=demo)
    small = set(customers.loc[customers["customers"] < 10, "code"])
    assert small  # the demo has ZIP areas with few customers ...
    few = table[table["code"].isin(small)]
    assert (few["class"] == "too few").all() and few["value"].isna().all()  # ... not shown
    assert table.loc[table["class"] != "too few", "smoothed_rate"].notna().all()


def test_a_managers_run_stays_inside_their_county(demo, cora):
    inside = set(cube.query(["accounts"], level="zip", where={"county": NEW_CASTLE},
                            engine=demo)["code"])
    table, meta = stats.hotspots("revenue", level="zip", period="2026", permutations=199,
                                 random_state=1, engine=cora)
    assert set(table["code"]) == inside and len(inside) < 60
    assert "you may see" in meta["scope"]
    result = stats.moran("revenue", level="zip", period="2026", permutations=199,
                         random_state=1, engine=cora)
    assert result["regions"] == len(inside) and "you may see" in result["scope"]
    everyone = stats.moran("revenue", level="zip", period="2026", permutations=199,
                           random_state=1, engine=demo)
    assert everyone["regions"] == 60 and everyone["I"] != result["I"]


def test_bad_requests_are_refused_saying_what_would_work(demo):
    with pytest.raises(InvalidInput, match="choose from accounts, customers"):
        stats.hotspots("revenu", level="zip", period="2026", engine=demo)
    with pytest.raises(InvalidInput, match=r"county has 3 regions.*at least 10.*zip"):
        stats.hotspots("revenue", level="county", period="2026", engine=demo)
    with pytest.raises(InvalidInput, match="No revenue in 2019-Q3: the cube holds months "
                                           "2023-11 to 2026-10"):
        stats.moran("revenue", level="zip", period="2019-Q3", engine=demo)
    with pytest.raises(InvalidInput, match="cannot be split by case_type; it can by segment"):
        stats.hotspots("revenue", level="zip", period="2026", split={"case_type": "complaint"},
                       engine=demo)
    with pytest.raises(InvalidInput, match="Unknown method 'kriging'"):
        stats.hotspots("revenue", level="zip", period="2026", method="kriging", engine=demo)
    # A measure that is zero everywhere: complaints of a segment in a month with none.
    empty = None
    for month in cube.months(engine=demo):
        by_segment = cube.query(["complaints"], by=["segment"], level="state",
                                period=f"{month:%Y-%m}", engine=demo)
        segments = set(cube.query(["accounts"], by=["segment"], level="state",
                                  engine=demo)["segment"])
        with_some = set(by_segment.loc[by_segment["complaints"] > 0, "segment"])
        if segments - with_some:
            empty = (f"{month:%Y-%m}", sorted(segments - with_some)[0])
            break
    assert empty is not None
    with pytest.raises(InvalidInput, match="complaints is zero in every zip region"):
        stats.hotspots("complaints", level="zip", period=empty[0],
                       split={"segment": empty[1]}, engine=demo)


def test_the_cli_writes_the_apis_rows_and_its_metadata(demo, use_database, tmp_path):
    out = tmp_path / "hot.csv"
    result = CliRunner().invoke(app, [
        "stats", "hotspots", "--measure", "revenue", "--level", "zip", "--period", "2026",
        "--permutations", "199", "--seed", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table, meta = stats.hotspots("revenue", level="zip", period="2026", permutations=199,
                                 random_state=5, engine=demo)
    written = pd.read_csv(out, dtype={"code": str})
    assert "geometry" not in written
    assert written["code"].tolist() == table["code"].tolist()
    assert written["class"].tolist() == table["class"].tolist()
    assert written["p"].tolist() == pytest.approx(table["p"].tolist())
    sidecar = json.loads((tmp_path / "hot.csv.meta.json").read_text())
    assert sidecar["method"] == "gi" and sidecar["permutations"] == 199
    assert sidecar["seed"] == 5 and sidecar["weights"]["kind"] == "queen"
    assert "Benjamini-Hochberg" in sidecar["correction"]
    with demo.connect() as conn:  # the file written is in the audit trail
        logged = conn.execute(text("SELECT details FROM audit_log WHERE action = "
                                   "'stats.hotspots' AND target = 'hot.csv'")).scalar_one()
    assert logged["measure"] == "revenue" and logged["rows"] == 60
    hot = (table["class"] == "hot").sum()
    assert f"{hot:,} hot" in result.output and "revenue is clustered: I = " in result.output
    moran = CliRunner().invoke(app, ["stats", "moran", "--measure", "revenue", "--level",
                                     "county", "--period", "2026"])
    assert moran.exit_code == 1 and "too few for hot spots" in moran.output
    assert not list(tmp_path.glob("*.gpkg"))


def test_emerging_hot_spots_read_the_periods_before(demo):
    table, meta = stats.hotspots("revenue", level="zip", period="2026-Q3", permutations=199,
                                 random_state=1, fdr=False, emerging=3, engine=demo)
    assert meta["emerging"]["periods"] == ["2025-10..2025-12", "2026-01..2026-03",
                                           "2026-04..2026-06", "2026-Q3"]
    hot = table["class"] == "hot"
    assert (table.loc[hot, "hot_periods"] >= 1).all()
    assert (table.loc[~hot, "hot_periods"] == 0).all()
    assert (table.loc[~hot, "emerging"] == "").all()
    assert set(table.loc[hot, "emerging"]) <= {"new", "persistent"}
    # Wilmington's revenue has been hot every quarter of the four.
    wilmington = table[hot & table["name"].str.contains("Wilmington")]
    assert len(wilmington) >= 3 and (wilmington["emerging"] == "persistent").all()
    assert (wilmington["hot_periods"] == 4).any()
    with pytest.raises(InvalidInput, match="use method gi"):
        stats.hotspots("revenue", level="zip", period="2026-Q3", method="lisa",
                       emerging=2, engine=demo)
