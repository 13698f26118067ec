"""The demo world's CRM: addresses, reps, stores, accounts, three years of sales, service
cases and interactions, and context layers, written as ordinary files.

Everything is drawn from one ``numpy.random.Generator`` seeded by ``--seed``, so the
same seed writes the same files. Sizes follow ``accounts``.

A trouble area is planted (``trouble_area``): a smooth Gaussian bump centred on the most
populous ZIP area within one radius of the middle of the states' bounding box (19901 Dover
for Delaware), its radius (sigma) 8% of that box's diagonal (about 14 km for Delaware),
fading to nothing two radii out. Service there went bad a year before the demo's "today":
in the last twelve months up to 35% of the customers at the centre are lost (churn up to
about 3x over the three years, several times higher in the last year) and buyers there
file extra complaints. The trouble draws from its own generator (spawned from the seeded
one, which it leaves untouched), so everything outside the area is what it would be
without it. ``gcrm stats hotspots --measure churn_rate`` finds it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.crs import equal_area_crs

END = dt.date(2026, 10, 31)  # the demo's "today": fixed, so the data does not drift
DAYS = 3 * 365
STREET_NAMES = np.array([
    "Oak", "Maple", "Pine", "Cedar", "Elm", "Walnut", "Cherry", "Hickory", "Willow", "Birch",
    "Chestnut", "Spruce", "Lincoln", "Washington", "Jefferson", "Madison", "Franklin", "Highland",
    "Lake", "Hill", "River", "Park", "Church", "School", "Mill", "Spring", "Forest", "Meadow",
    "Ridge", "Valley", "Sunset", "Prospect", "Liberty", "Market", "Penn", "Front", "Water",
    "Railroad", "Orchard", "Summit",
])
STREET_TYPES = np.array(["Street", "Avenue", "Road", "Drive", "Lane", "Court", "Place", "Way"])
FIRST = np.array(["Ann", "Ben", "Cara", "Dev", "Ella", "Finn", "Gia", "Hugo", "Iris", "Jon",
                  "Kim", "Leo", "Mia", "Noah", "Olga", "Paul", "Rosa", "Sam", "Tara", "Vic"])
LAST = np.array(["Smith", "Miller", "Brown", "Kowalski", "Nguyen", "Garcia", "Shah", "Okafor",
                 "Rossi", "Schmidt", "Murphy", "Kim", "Lopez", "Novak", "Baker", "Young"])
TRADES = np.array(["Hardware", "Bakery", "Clinic", "Garage", "Studio", "Cafe", "Supply",
                   "Dental", "Florist", "Builders"])
SEGMENTS = {"person": ["consumer", "premium"], "business": ["small business", "enterprise"]}
# Order lines a customer places a year, by segment: about 10 lines per account over the
# three years (10M sales at 1M accounts, the size the cube benchmark asks for).
ORDERS_PER_YEAR = {"consumer": 4.3, "premium": 8.6, "small business": 11.4, "enterprise": 17.0}
BASKET = {"consumer": 45.0, "premium": 90.0, "small business": 240.0, "enterprise": 900.0}
CATEGORIES = np.array(["apparel", "home", "garden", "electronics", "grocery", "services"])
CHANNELS = np.array(["store", "web", "phone", "partner"])
MONTH_WEIGHT = np.array([0.7, 0.65, 0.8, 0.9, 1.0, 1.0, 0.95, 0.95, 0.9, 1.0, 1.3, 1.7])
# The planted trouble area: radius (sigma) as a share of the states' bounding-box diagonal,
# no effect beyond TROUBLE_REACH radii; at its centre TROUBLE_CHURN of the customers are
# lost during its last TROUBLE_DAYS, each lost customer files TROUBLE_LOST_COMPLAINTS
# complaints on average and every buyer TROUBLE_COMPLAINTS more (both times the strength).
TROUBLE_SIGMA = 0.08
TROUBLE_REACH = 2.0
TROUBLE_CHURN = 0.35
TROUBLE_DAYS = 365
TROUBLE_LOST_COMPLAINTS = 0.6
TROUBLE_COMPLAINTS = 0.25


@dataclass(frozen=True)
class TroubleArea:
    """Where the demo's churn and complaints are higher by construction."""

    code: str        # the ZIP area at its centre
    name: str
    lon: float
    lat: float
    sigma_km: float  # the bump's radius; nothing beyond TROUBLE_REACH of them

    def km(self, lon, lat) -> np.ndarray:
        """Distance in km (equirectangular, fine at this scale) from the centre."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        dx = (lon - self.lon) * 111.32 * np.cos(np.radians(self.lat))
        return np.hypot(dx, (lat - self.lat) * 110.57)

    def strength(self, lon, lat) -> np.ndarray:
        """1 at the centre, exp(-d^2 / 2 sigma^2) around it, 0 beyond the reach."""
        d = self.km(lon, lat) / self.sigma_km
        return np.where(d <= TROUBLE_REACH, np.exp(-0.5 * d ** 2), 0.0)


def trouble_area(zips: gpd.GeoDataFrame) -> TroubleArea:
    """The trouble area of these ZIP areas: deterministic, from their geometry alone."""
    west, south, east, north = zips.total_bounds
    middle = TroubleArea("", "", (west + east) / 2, (south + north) / 2, 1.0)
    diagonal = float(middle.km(east, north) + middle.km(west, south))  # corner to corner
    sigma = TROUBLE_SIGMA * diagonal
    centres = zips.geometry.representative_point()
    near = middle.km(centres.x, centres.y) <= sigma
    pick = (int(np.argmax(np.where(near, zips["population"], -1))) if near.any()
            else int(np.argmin(middle.km(centres.x, centres.y))))
    return TroubleArea(str(zips["code"].iloc[pick]), str(zips["name"].iloc[pick]),
                       float(centres.x.iloc[pick]), float(centres.y.iloc[pick]), sigma)


def write_world(out: Path, geography: dict[str, gpd.GeoDataFrame], *, accounts: int,
                rng: np.random.Generator) -> dict[str, Path]:
    """Write every demo file into ``out``; returns {name: path}."""
    out.mkdir(parents=True, exist_ok=True)
    zips = geography["zip"]
    files = {}
    parents = {"state": None, "county": "state", "zip": "county_code"}
    for level, parent in parents.items():
        columns = ["code", "name", "population", "households", "geometry"]
        frame = geography[level][columns + ([parent] if parent else [])]
        if parent:
            frame = frame.rename(columns={parent: "parent"})
        files[f"regions_{level}"] = _write_geojson(frame, out / f"regions_{level}.geojson")

    points = _address_points(zips, int(accounts * 1.25), rng)
    picks = rng.choice(len(points), size=accounts, replace=False)
    held_out = picks[rng.random(accounts) < 0.08]  # removed from the reference: interpolated
    reference = points.drop(index=held_out)
    files["ref_addresses"] = _csv(reference[["number", "street", "city", "region", "postcode",
                                             "lon", "lat"]], out / "ref_addresses.csv")
    centroids = zips.geometry.representative_point()
    files["ref_postcodes"] = _csv(pd.DataFrame({
        "code": zips["code"], "city": zips["city"], "region": zips["state"],
        "population": zips["population"], "lat": centroids.y.round(6),
        "lon": centroids.x.round(6)}), out / "ref_postcodes.csv")
    places = pd.DataFrame({"name": zips["city"], "region": zips["state"], "lon": centroids.x,
                           "lat": centroids.y, "population": zips["population"]})
    places = places.groupby(["name", "region"], as_index=False).agg(
        lon=("lon", "mean"), lat=("lat", "mean"), population=("population", "sum"))
    files["ref_places"] = _csv(places.round(6), out / "ref_places.csv")

    # The trouble area's own draws: a child generator, so the seeded one's stream (and
    # everything drawn from it) stays what it is without the trouble.
    trouble, side = trouble_area(zips), rng.spawn(1)[0]
    reps = _reps(zips, accounts, rng)
    files["reps"] = _csv(reps, out / "reps.csv")
    sites = _sites(zips, accounts, rng)
    files["sites"] = _csv(sites, out / "sites.csv")
    chosen = points.loc[picks].reset_index(drop=True)
    strength = trouble.strength(chosen["lon"], chosen["lat"])
    people, lost = _accounts(chosen, reps, rng, strength=strength, side=side)
    files["accounts"] = _parquet(people, out / "accounts.parquet")
    files["sales"] = _parquet(_sales(people, sites, zips, rng, lost=lost), out / "sales.parquet")
    files["cases"] = _parquet(_cases(people, rng, lost=lost, strength=strength, side=side),
                              out / "cases.parquet")
    files["interactions"] = _parquet(_interactions(people, rng), out / "interactions.parquet")
    files["context_zip"] = _csv(_context(zips, rng), out / "context_zip.csv")
    return files


def _address_points(zips: gpd.GeoDataFrame, n: int, rng) -> pd.DataFrame:
    """About ``n`` address points on streets laid out around each ZIP's centre."""
    crs = equal_area_crs(zips)
    centres = zips.geometry.representative_point().to_crs(crs)
    share = zips["population"].to_numpy() / zips["population"].sum()
    per_zip = np.maximum(rng.multinomial(n, share), 2)
    radius = np.sqrt(zips["km2"].to_numpy() * 1e6 / np.pi) * 0.45
    rows = []
    for i, count in enumerate(per_zip):
        streets = max(1, int(np.ceil(count / 40)))
        names = rng.choice(STREET_NAMES, streets) + " " + rng.choice(STREET_TYPES, streets)
        names = pd.unique(names)
        street_of = rng.integers(0, len(names), count)
        order = np.argsort(street_of, kind="stable")
        street_of = street_of[order]
        per_street = np.bincount(street_of, minlength=len(names))
        position = np.concatenate([np.arange(c) for c in per_street])
        angle = rng.uniform(0, np.pi, len(names))
        r = rng.uniform(0, radius[i], len(names))
        theta = rng.uniform(0, 2 * np.pi, len(names))
        ox = centres.x.iloc[i] + r * np.cos(theta)
        oy = centres.y.iloc[i] + r * np.sin(theta)
        along = (position // 2) * 24.0
        side = np.where(position % 2 == 0, 1, -1) * 8.0
        a = angle[street_of]
        x = ox[street_of] + along * np.cos(a) - side * np.sin(a)
        y = oy[street_of] + along * np.sin(a) + side * np.cos(a)
        number = 100 + (position // 2) * 2 + (position % 2)
        rows.append(pd.DataFrame({"zip_i": i, "number": number, "street": names[street_of],
                                  "x": x, "y": y,
                                  "city": zips["city"].iloc[i], "region": zips["state"].iloc[i],
                                  "postcode": zips["code"].iloc[i]}))
    frame = pd.concat(rows, ignore_index=True)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(frame.pop("x"), frame.pop("y")), crs=crs).to_crs(4326)
    frame["lon"], frame["lat"] = lonlat.x.round(7), lonlat.y.round(7)
    # A street laid out near a coast or border can leave its area: pull such points in.
    polygons = zips.geometry.to_numpy()[frame["zip_i"].to_numpy()]
    outside = ~shapely.contains_xy(polygons, frame["lon"].to_numpy(), frame["lat"].to_numpy())
    inner = zips.geometry.representative_point().to_numpy()[frame["zip_i"].to_numpy()[outside]]
    frame.loc[outside, "lon"] = np.round(shapely.get_x(inner), 7)
    frame.loc[outside, "lat"] = np.round(shapely.get_y(inner), 7)
    return frame.drop(columns="zip_i")


def _reps(zips, accounts: int, rng) -> pd.DataFrame:
    n = int(np.clip(accounts // 5000, 10, 20))
    ordered = zips.sort_values("population", ascending=False)
    spread = ordered.drop_duplicates("county_code")  # one rep per county first
    top = pd.concat([spread, ordered.drop(index=spread.index)]).head(n)
    homes = top.geometry.representative_point()
    return pd.DataFrame({
        "rep_id": [f"R{i + 1:02d}" for i in range(n)],
        "name": rng.choice(FIRST, n) + " " + rng.choice(LAST, n),
        "email": [f"rep{i + 1:02d}@example.org" for i in range(n)],
        "lat": homes.y.round(6).to_numpy(), "lon": homes.x.round(6).to_numpy(),
        "capacity": np.round(accounts * 0.6 / n * rng.uniform(0.8, 1.2, n)).astype(int),
    })


def _sites(zips, accounts: int, rng) -> pd.DataFrame:
    n = int(np.clip(accounts // 2000, 20, 60))
    weights = zips["population"].to_numpy() / zips["population"].sum()
    chosen = rng.choice(len(zips), size=n, replace=False, p=weights)
    spots = zips.geometry.iloc[chosen].representative_point()
    return pd.DataFrame({
        "store_id": [f"S{i + 1:03d}" for i in range(n)],
        "store_name": [f"gcrm Store {zips['city'].iloc[c]} {i + 1}" for i, c in enumerate(chosen)],
        "kind": rng.choice(["store", "branch"], n, p=[0.8, 0.2]),
        "city": zips["city"].iloc[chosen].to_numpy(),
        "state": zips["state"].iloc[chosen].to_numpy(),
        "zip": zips["code"].iloc[chosen].to_numpy(),
        "lat": (spots.y + rng.normal(0, 0.003, n)).round(6).to_numpy(),
        "lon": (spots.x + rng.normal(0, 0.003, n)).round(6).to_numpy(),
        "attractiveness": rng.integers(5, 61, n) * 1000,
        "opened_on": [str(END - dt.timedelta(days=int(d))) for d in rng.integers(400, 9000, n)],
    })


def _accounts(addresses: pd.DataFrame, reps: pd.DataFrame, rng, *, strength: np.ndarray,
              side: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """The accounts, and which of them the trouble area lost (customers turned churned)."""
    n = len(addresses)
    business = rng.random(n) < 0.15
    kind = np.where(business, "business", "person")
    segment = np.where(business, rng.choice(SEGMENTS["business"], n, p=[0.8, 0.2]),
                       rng.choice(SEGMENTS["person"], n, p=[0.8, 0.2]))
    # Regional differences: each postcode has its own pull towards becoming a customer.
    pull = pd.Series(addresses["postcode"]).map(
        dict(zip(pd.unique(addresses["postcode"]),
                 rng.normal(0, 0.5, addresses["postcode"].nunique()), strict=True))).to_numpy()
    p_customer = 1 / (1 + np.exp(-(0.3 + pull)))
    roll = rng.random(n)
    status = np.where(roll < p_customer * 0.85, "customer",
                      np.where(roll < p_customer, "churned", "prospect"))
    today = pd.Timestamp(END)
    since = today - pd.to_timedelta(rng.integers(30, 6 * 365, n), unit="D")
    churned = today - pd.to_timedelta(rng.integers(1, DAYS, n), unit="D")
    churned = pd.Series(churned).where(churned > since, since + pd.Timedelta(days=30))
    # The trouble area loses customers during its last year (the date drawn above, folded
    # into that year); its own generator decides who, so the draws below are unchanged.
    lost = (status == "customer") & (side.random(n) < TROUBLE_CHURN * strength)
    recent = today - pd.to_timedelta((today - churned).dt.days % TROUBLE_DAYS + 1, unit="D")
    churned = churned.where(~lost, recent.where(recent > since, since + pd.Timedelta(days=30)))
    status = np.where(lost, "churned", status)
    first, last = rng.choice(FIRST, n), rng.choice(LAST, n)
    name = np.where(business, last + " " + rng.choice(TRADES, n), first + " " + last)
    street = addresses["number"].astype(str) + " " + addresses["street"]
    style = rng.random(n)
    typo = style < 0.04
    street = street.where(~typo, street.str.slice(0, -4) + street.str.slice(-3))  # drop a letter
    only_postcode = (style >= 0.04) & (style < 0.07)
    street = street.where(~only_postcode, "")
    with_coordinates = style > 0.83
    rep_distance = ((addresses["lon"].to_numpy()[:, None] - reps["lon"].to_numpy()) ** 2
                    + (addresses["lat"].to_numpy()[:, None] - reps["lat"].to_numpy()) ** 2)
    owner = reps["rep_id"].to_numpy()[rep_distance.argmin(axis=1)]

    def consent(p_yes):
        value = np.where(rng.random(n) < p_yes, "yes", "no")
        return np.where(rng.random(n) < 0.1, "", value)  # realistic gaps

    return pd.DataFrame({
        "account_id": [f"A{i + 1:07d}" for i in range(n)],
        "name": name, "kind": kind, "status": status, "segment": segment,
        "email": [f"contact{i + 1}@example.org" for i in range(n)],
        "phone": [f"+1-555-01{i % 100:02d}" for i in range(n)],
        "address": street, "city": addresses["city"], "state": addresses["region"],
        "zip": addresses["postcode"],
        "lat": np.where(with_coordinates, addresses["lat"], np.nan),
        "lon": np.where(with_coordinates, addresses["lon"], np.nan),
        "owner": np.where(status == "prospect", "", owner),
        "customer_since": np.where(status == "prospect", "", pd.Series(since).dt.date.astype(str)),
        "churned_at": np.where(status == "churned", churned.dt.date.astype(str), ""),
        "consent_email": consent(0.6), "consent_phone": consent(0.3),
        "consent_sms": consent(0.2), "consent_mail": consent(0.5),
    }), lost


def _sales(people: pd.DataFrame, sites: pd.DataFrame, zips, rng, *,
           lost: np.ndarray) -> pd.DataFrame:
    buyers = people[people["status"] != "prospect"].reset_index(drop=True)
    lost = lost[(people["status"] != "prospect").to_numpy()]
    rate = buyers["segment"].map(ORDERS_PER_YEAR).to_numpy() * 3
    orders = rng.poisson(rate)
    idx = np.repeat(np.arange(len(buyers)), orders)
    n = len(idx)
    month = rng.choice(12, n, p=MONTH_WEIGHT / MONTH_WEIGHT.sum())
    year_back = rng.integers(0, 3, n)
    day = rng.integers(0, 28, n)
    dates = pd.to_datetime({"year": END.year - year_back - (month + 1 > END.month),
                            "month": month + 1, "day": day + 1})
    last_day = pd.to_datetime(buyers["churned_at"].replace("", str(END))).to_numpy()
    # The trouble area's lost customers stop buying too, but only after every draw below,
    # so the other buyers' orders are the ones they would be without the trouble.
    drawn_last = np.where(lost, np.datetime64(END), last_day)[idx]
    last_day = last_day[idx]
    keep = dates.to_numpy() <= drawn_last
    last_day = last_day[keep]
    idx, dates = idx[keep], dates[keep]
    n = len(idx)
    segment = buyers["segment"].to_numpy()[idx]
    basket = pd.Series(segment).map(BASKET).to_numpy()
    season = np.where(dates.dt.month.to_numpy() >= 11, 1.25, 1.0)
    amount = np.round(basket * season * rng.lognormal(0, 0.6, n), 2)
    category = rng.choice(CATEGORIES, n, p=[0.22, 0.2, 0.12, 0.16, 0.2, 0.1])
    channel = rng.choice(CHANNELS, n, p=[0.5, 0.32, 0.1, 0.08])
    site = _usual_store(buyers["zip"], zips, sites, rng)[idx]
    bought = pd.DataFrame({
        "order_id": [f"O{i + 1:08d}" for i in range(n)],
        "account_id": buyers["account_id"].to_numpy()[idx],
        "order_date": dates.dt.date.astype(str).to_numpy(),
        "amount": amount, "quantity": rng.integers(1, 6, n),
        "product_category": category, "channel": channel,
        "site_id": np.where(channel == "store", site, ""),
    })[dates.to_numpy() <= last_day]  # order ids of the trouble's dropped orders are gaps
    return bought.sort_values(["order_date", "order_id"], kind="stable").reset_index(drop=True)


HUFF_DECAY = 2.0  # the demo's true distance decay: `gcrm tradearea build --calibrate` finds it


def _usual_store(buyer_zips: pd.Series, zips, sites: pd.DataFrame, rng) -> np.ndarray:
    """Each buyer's usual store, drawn by the Huff model from the centre of their postcode:
    attractiveness x distance^-HUFF_DECAY over every store."""
    centres = zips.geometry.representative_point()
    lat = np.radians(centres.y.to_numpy())[:, None]
    dx = ((centres.x.to_numpy()[:, None] - sites["lon"].to_numpy()[None, :])
          * 111.32 * np.cos(lat))
    dy = (centres.y.to_numpy()[:, None] - sites["lat"].to_numpy()[None, :]) * 110.57
    km = np.maximum(np.hypot(dx, dy), 0.5)
    pull = sites["attractiveness"].to_numpy()[None, :] * km ** -HUFF_DECAY
    cumulative = np.cumsum(pull / pull.sum(axis=1, keepdims=True), axis=1)
    row = pd.Index(zips["code"]).get_indexer(buyer_zips)
    chosen = (cumulative[row] < rng.random(len(row))[:, None]).sum(axis=1)
    return sites["store_id"].to_numpy()[np.minimum(chosen, len(sites) - 1)]


def _cases(people: pd.DataFrame, rng, *, lost: np.ndarray, strength: np.ndarray,
           side: np.random.Generator) -> pd.DataFrame:
    is_buyer = (people["status"] != "prospect").to_numpy()
    buyers = people[is_buyer].reset_index(drop=True)
    lost, strength = lost[is_buyer], strength[is_buyer]
    # As drawn without the trouble (its lost customers still as customers), then its own.
    churned = (buyers["status"] == "churned").to_numpy() & ~lost
    count = rng.poisson(np.where(churned, 1.8, 0.6))
    idx = np.repeat(np.arange(len(buyers)), count)
    n = len(idx)
    opened = pd.Timestamp(END) - pd.to_timedelta(rng.integers(0, DAYS * 24, n), unit="h")
    hours = rng.exponential(40, n)
    is_open = rng.random(n) < 0.08
    satisfaction = np.clip(np.round(rng.normal(np.where(churned[idx], 2.4, 4.0), 0.9)), 1, 5)
    drawn = pd.DataFrame({
        "case_id": [f"C{i + 1:08d}" for i in range(n)],
        "account_id": buyers["account_id"].to_numpy()[idx],
        "opened_at": opened.strftime("%Y-%m-%d %H:%M").to_numpy(),
        "closed_at": np.where(is_open, "", (opened + pd.to_timedelta(hours, unit="h"))
                              .strftime("%Y-%m-%d %H:%M")),
        "case_type": rng.choice(["complaint", "return", "request", "repair"], n,
                                p=[0.3, 0.25, 0.3, 0.15]),
        "channel": rng.choice(["phone", "email", "web", "store"], n),
        "status": np.where(is_open, "open", "closed"),
        "satisfaction": np.where(is_open, np.nan, satisfaction),
    })
    return pd.concat([drawn, _trouble_complaints(buyers, lost, strength, side, first=n + 1)],
                     ignore_index=True)


def _trouble_complaints(buyers: pd.DataFrame, lost: np.ndarray, strength: np.ndarray,
                        side: np.random.Generator, *, first: int) -> pd.DataFrame:
    """The trouble area's extra complaints, opened during its last year (before a lost
    customer left), mostly unhappy."""
    count = side.poisson(TROUBLE_COMPLAINTS * strength + TROUBLE_LOST_COMPLAINTS * lost)
    idx = np.repeat(np.arange(len(buyers)), count)
    n = len(idx)
    today = pd.Timestamp(END)
    start = np.maximum(pd.to_datetime(buyers["customer_since"]).to_numpy(),
                       np.datetime64(today - pd.Timedelta(days=TROUBLE_DAYS)))[idx]
    end = pd.to_datetime(buyers["churned_at"].replace("", str(END))).to_numpy()[idx]
    opened = pd.DatetimeIndex(start + (end - start) * side.random(n)).floor("min")
    hours = side.exponential(60, n)
    is_open = side.random(n) < 0.12
    satisfaction = np.clip(np.round(side.normal(2.0, 0.9, n)), 1, 5)
    return pd.DataFrame({
        "case_id": [f"C{i:08d}" for i in range(first, first + n)],
        "account_id": buyers["account_id"].to_numpy()[idx],
        "opened_at": opened.strftime("%Y-%m-%d %H:%M").to_numpy(),
        "closed_at": np.where(is_open, "", (opened + pd.to_timedelta(hours, unit="h"))
                              .strftime("%Y-%m-%d %H:%M")),
        "case_type": "complaint",
        "channel": side.choice(["phone", "email", "web", "store"], n),
        "status": np.where(is_open, "open", "closed"),
        "satisfaction": np.where(is_open, np.nan, satisfaction),
    })


def _interactions(people: pd.DataFrame, rng) -> pd.DataFrame:
    count = rng.poisson(np.where(people["status"] == "prospect", 1.5, 3.5))
    idx = np.repeat(np.arange(len(people)), count)
    n = len(idx)
    at = pd.Timestamp(END) - pd.to_timedelta(rng.integers(0, DAYS * 24 * 60, n), unit="min")
    return pd.DataFrame({
        "interaction_id": [f"I{i + 1:08d}" for i in range(n)],
        "account_id": people["account_id"].to_numpy()[idx],
        "occurred_at": at.strftime("%Y-%m-%d %H:%M").to_numpy(),
        "channel": rng.choice(["phone", "email", "web", "visit", "kiosk"], n,
                              p=[0.3, 0.35, 0.2, 0.1, 0.05]),
        "rep": people["owner"].to_numpy()[idx],
        "outcome": rng.choice(["reached", "no answer", "interested", "not interested",
                               "order placed"], n),
        "notes": "",
    })


def _context(zips, rng) -> pd.DataFrame:
    density = zips["population"] / zips["km2"].clip(lower=0.5)
    scaled = np.log1p(density) / np.log1p(density).max()
    return pd.DataFrame({
        "zip": zips["code"],
        "share_apartments": np.clip(scaled * 0.7 + rng.normal(0, 0.05, len(zips)), 0, 1).round(3),
        "foot_traffic_index": np.round(100 * scaled * rng.lognormal(0, 0.2, len(zips)), 1),
        "road_density_km_per_km2": np.round(1 + 12 * scaled * rng.uniform(0.8, 1.2, len(zips)), 2),
        "building_density_per_km2": np.round(density * rng.uniform(0.3, 0.5, len(zips)), 1),
    })


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def _parquet(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_parquet(path, index=False)
    return path


def _write_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    path.unlink(missing_ok=True)
    frame.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=6)
    return path
