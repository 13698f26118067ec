"""The database itself rejects impossible values, with an error that names the rule broken."""

import datetime as dt
from decimal import Decimal

import pytest
from geoalchemy2.elements import WKTElement
from sqlalchemy.exc import DBAPIError, IntegrityError

from gcrm.db.models import Account, Region, Sale, ServiceCase

SQUARE = "MULTIPOLYGON(((-80 40, -79 40, -79 41, -80 41, -80 40)))"
BOWTIE = "MULTIPOLYGON(((-80 40, -79 41, -79 40, -80 41, -80 40)))"


def _account(session) -> Account:
    account = Account(
        source="crm", external_id="A-1", name="Ada Lovelace", status="customer",
        geom=WKTElement("POINT(-79.99 40.44)", srid=4326),
    )
    session.add(account)
    session.flush()
    return account


def test_a_valid_sale_is_stored(session):
    account = _account(session)
    session.add(Sale(source="erp", external_id="S-1", account_id=account.id,
                     order_date=dt.date(2026, 1, 5), amount=19.99, quantity=1))
    session.flush()
    assert session.query(Sale).filter_by(account_id=account.id).one().amount == Decimal("19.99")


def test_negative_amount_is_rejected(session):
    account = _account(session)
    session.add(Sale(source="erp", external_id="S-2", account_id=account.id,
                     order_date=dt.date(2026, 1, 5), amount=-5, quantity=1))
    with pytest.raises(IntegrityError, match="ck_sales_amount_not_negative"):
        session.flush()


@pytest.mark.parametrize("satisfaction", [0, 6, -1])
def test_satisfaction_outside_1_to_5_is_rejected(session, satisfaction):
    account = _account(session)
    session.add(ServiceCase(source="desk", external_id="C-1", account_id=account.id,
                            opened_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
                            case_type="complaint", satisfaction=satisfaction))
    with pytest.raises(IntegrityError, match="ck_service_cases_satisfaction_1_5"):
        session.flush()


def test_case_closed_before_it_opened_is_rejected(session):
    account = _account(session)
    session.add(ServiceCase(source="desk", external_id="C-2", account_id=account.id,
                            opened_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
                            closed_at=dt.datetime(2026, 1, 4, tzinfo=dt.UTC),
                            case_type="repair"))
    with pytest.raises(IntegrityError, match="ck_service_cases_closed_after_opened"):
        session.flush()


def test_self_intersecting_region_is_rejected(session):
    session.add(Region(level="county", code="X1", name="Bowtie",
                       geom=WKTElement(BOWTIE, srid=4326)))
    with pytest.raises(IntegrityError, match="ck_regions_geom_valid"):
        session.flush()


def test_valid_region_is_stored_with_its_area(session):
    session.add(Region(level="county", code="X2", name="Square",
                       geom=WKTElement(SQUARE, srid=4326)))
    session.flush()
    from sqlalchemy import func, select

    area = session.scalar(select(func.ST_Area(Region.geom)).where(Region.code == "X2"))
    assert area == pytest.approx(1.0)


def test_point_in_wrong_srid_is_rejected(session):
    session.add(Account(source="crm", external_id="A-9", name="Wrong CRS",
                        geom=WKTElement("POINT(500000 4400000)", srid=3857)))
    with pytest.raises(DBAPIError, match="SRID"):
        session.flush()


def test_point_outside_lon_lat_range_is_rejected(session):
    # Latitude and longitude swapped or projected metres stored as degrees.
    session.add(Account(source="crm", external_id="A-8", name="Off the globe",
                        geom=WKTElement("POINT(40.44 -179.99)", srid=4326)))
    with pytest.raises(IntegrityError, match="ck_accounts_geom_valid_lonlat"):
        session.flush()


def test_unknown_status_is_rejected(session):
    session.add(Account(source="crm", external_id="A-3", name="Who", status="vip"))
    with pytest.raises(IntegrityError, match="ck_accounts_status_known"):
        session.flush()


def test_same_external_id_twice_from_one_source_is_rejected(session):
    _account(session)
    session.add(Account(source="crm", external_id="A-1", name="Duplicate"))
    with pytest.raises(IntegrityError, match="uq_accounts_source_external_id"):
        session.flush()
