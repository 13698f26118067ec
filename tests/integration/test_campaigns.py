"""Target lists and campaigns on the demo world (Delaware, 1,500 accounts), as a marketer:
nobody without consent for the channel and nobody erased is ever on a list, whatever the
filter; trade areas, regions, segments, context and Huff scores narrow it; a campaign
keeps exactly the listed people; responses load with refusals explained; the response
rate shows by region."""

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from gcrm import campaigns, privacy, tradeareas
from gcrm.access import users
from gcrm.campaigns import TargetFilter
from gcrm.demo import build_demo
from gcrm.errors import InvalidInput


@pytest.fixture(scope="module")
def demo(engine, tmp_path_factory):
    build_demo(tmp_path_factory.mktemp("demo"), seed=6, accounts=1500, states=("DE",),
               engine=engine)
    users.add_user("mika", "marketer", password="marketer password", engine=engine)
    tradeareas.build("rings", "ring", radii_km=(5,), engine=engine)
    tradeareas.build("gravity", "huff", level="zip", engine=engine)
    yield engine
    from empty_tables import empty_all_tables

    empty_all_tables(engine)


@pytest.fixture(scope="module")
def marketer(demo):
    user = users.get_user("mika", engine=demo)
    engine = create_engine(demo.url, connect_args={"options": f"-c role={user.pg_role}"})
    yield engine
    engine.dispose()


def _all(engine, query, **params):
    with engine.connect() as conn:
        return conn.execute(text(query), params).all()


def _consent(demo, ids, channel="email"):
    return _all(demo, f"SELECT id, consent_{channel}, erased_at IS NOT NULL, status "
                      "FROM accounts WHERE id = ANY(:ids)", ids=[int(i) for i in ids])


def test_a_list_never_holds_anyone_without_consent_or_erased(marketer, demo):
    for channel in ("email", "sms", "mail", "phone"):
        where = TargetFilter(channel=channel, statuses=("prospect", "churned", "customer"))
        listed = campaigns.targets(where, engine=marketer)
        # Only the channel's own contact details travel with the list.
        details = {"email", "phone", "street", "unit", "city", "postcode"} & set(listed)
        assert details == {"email": {"email"}, "sms": {"phone"}, "phone": {"phone"},
                           "mail": {"street", "unit", "city", "postcode"}}[channel]
        rows = _consent(demo, listed["account_id"], channel)
        assert len(rows) == len(listed) > 0
        assert all(ok and not erased for _, ok, erased, _ in rows)
        # ... and everyone who did consent is there (nothing lost either).
        agreed = _all(demo, f"SELECT count(*) FROM accounts WHERE consent_{channel} "
                            "AND erased_at IS NULL")[0][0]
        assert len(listed) == agreed == campaigns.count(where, engine=marketer)
    # Someone on the list is erased: gone from the next list.
    victim = campaigns.targets(TargetFilter(), limit=1, engine=marketer)
    row = victim.iloc[0]
    privacy.erase(source=row["source"], external_id=row["external_id"], engine=demo)
    assert row["account_id"] not in set(campaigns.targets(TargetFilter(),
                                                          engine=marketer)["account_id"])


def test_filters_narrow_to_trade_areas_regions_segments_context_and_score(marketer, demo):
    everyone = campaigns.count(TargetFilter(), engine=marketer)
    site = _all(demo, "SELECT external_id FROM sites ORDER BY external_id LIMIT 1")[0][0]
    near = campaigns.targets(TargetFilter(trade_areas="rings", sites=(site,)),
                             engine=marketer)
    assert 0 < len(near) < everyone
    far = _all(demo, """SELECT count(*) FROM accounts a, sites s WHERE s.external_id = :s
        AND a.id = ANY(:ids) AND NOT ST_DWithin(a.geom::geography, s.geom::geography, 5010)""",
               s=site, ids=near["account_id"].astype(int).tolist())[0][0]
    assert far == 0
    assert set(near["status"]) <= {"prospect", "churned"}

    county = _all(demo, "SELECT code FROM regions WHERE level = 'county' ORDER BY code "
                        "LIMIT 1")[0][0]
    in_county = campaigns.targets(TargetFilter(regions=(county,)), engine=marketer)
    assert campaigns.count(TargetFilter(regions=(f"county:{county}",)),
                           engine=marketer) == len(in_county)
    outside = _all(demo, """SELECT count(*) FROM unnest(CAST(:ids AS bigint[])) i(id)
        WHERE NOT EXISTS (SELECT 1 FROM region_assignments ra JOIN regions r
            ON r.id = ra.region_id WHERE ra.entity = 'account' AND ra.entity_id = i.id
            AND r.code = :c)""", ids=in_county["account_id"].astype(int).tolist(),
                   c=county)[0][0]
    assert len(in_county) > 0 and outside == 0

    premium = campaigns.targets(TargetFilter(segments=("premium",)), engine=marketer)
    assert len(premium) > 0 and set(premium["segment"]) == {"premium"}

    key = _all(demo, "SELECT k FROM regions, jsonb_object_keys(context) k "
                     "WHERE level = 'zip' LIMIT 1")[0][0]
    median = _all(demo, f"SELECT percentile_cont(0.5) WITHIN GROUP "
                        f"(ORDER BY (context->>'{key}')::float8) FROM regions "
                        "WHERE level = 'zip'")[0][0]
    dense = campaigns.targets(TargetFilter(context=(f"{key}>={median}",), context_level="zip"),
                              engine=marketer)
    assert 0 < len(dense) < everyone
    values = _all(demo, f"""SELECT (r.context->>'{key}')::float8 FROM region_assignments ra
        JOIN regions r ON r.id = ra.region_id WHERE ra.entity = 'account' AND ra.level = 'zip'
        AND ra.entity_id = ANY(:ids)""", ids=dense["account_id"].astype(int).tolist())
    assert min(v[0] for v in values) >= median

    scored = campaigns.targets(TargetFilter(score_build="gravity", sites=(site,),
                                            min_score=0.3), engine=marketer)
    assert len(scored) > 0 and (scored["score"] >= 0.3).all()
    assert list(scored["score"]) == sorted(scored["score"], reverse=True)


def test_unknown_filters_are_refused_with_the_reason(marketer):
    with pytest.raises(InvalidInput, match="Unknown channel"):
        campaigns.count(TargetFilter(channel="fax"), engine=marketer)
    with pytest.raises(InvalidInput, match="name>=number"):
        campaigns.count(TargetFilter(context=("lots of flats",), context_level="zip"),
                        engine=marketer)
    with pytest.raises(InvalidInput, match="No context nope"):
        campaigns.count(TargetFilter(context=("nope>=1",), context_level="zip"),
                        engine=marketer)
    with pytest.raises(InvalidInput, match="Huff build"):
        campaigns.count(TargetFilter(score_build="rings"), engine=marketer)
    with pytest.raises(InvalidInput, match="Unknown region"):
        campaigns.count(TargetFilter(regions=("XX",)), engine=marketer)
    with pytest.raises(InvalidInput, match="name the trade areas"):
        campaigns.count(TargetFilter(sites=("S001",)), engine=marketer)


def test_a_campaign_keeps_the_listed_people_and_learns_who_responded(marketer, demo, tmp_path):
    where = TargetFilter(channel="email", trade_areas="rings")
    listed = campaigns.targets(where, engine=marketer)
    members = campaigns.create("spring mail", where, created_by="mika", engine=marketer)
    assert members == len(listed)
    stored = {r[0] for r in _all(demo, """SELECT m.account_id FROM campaign_members m
        JOIN campaigns c ON c.id = m.campaign_id WHERE c.name = 'spring mail'""")}
    assert stored == set(listed["account_id"])
    with pytest.raises(InvalidInput, match="exists"):
        campaigns.create("spring mail", where, engine=marketer)

    first, second = listed.iloc[0], listed.iloc[1]
    outsider = _all(demo, "SELECT source, external_id FROM accounts WHERE id <> ALL(:ids) "
                          "LIMIT 1", ids=[int(i) for i in listed["account_id"]])[0]
    responses = pd.DataFrame({
        "source": [first["source"], second["source"], outsider[0], first["source"]],
        "external_id": [first["external_id"], second["external_id"], outsider[1],
                        first["external_id"]],
        "responded_at": ["2026-11-20", "not a date", "2026-11-21", "2026-11-22"],
        "response": ["clicked", "bought", "bought", "bought"]})
    path = tmp_path / "responses.csv"
    responses.to_csv(path, index=False)
    result = campaigns.load_responses("spring mail", path, engine=marketer)
    assert (result.read, result.recorded) == (4, 1)
    assert [line for line, _ in result.rejected] == [3, 4]
    assert "not a date" in result.rejected[0][1]
    assert "not a member" in result.rejected[1][1]
    answer = _all(demo, "SELECT response, responded_at::date::text FROM campaign_members "
                        "WHERE account_id = :id", id=int(first["account_id"]))[0]
    assert tuple(answer) == ("bought", "2026-11-22")  # the later line wins

    # A member erased since gets no response recorded: nothing more is kept about them. Their
    # source id is a keyed hash now (migration 0019), so the row names nobody we know, and
    # nothing tells the marketer that this person was erased.
    third = listed.iloc[2]
    privacy.erase(source=third["source"], external_id=third["external_id"], engine=demo)
    late = tmp_path / "late.xlsx"
    pd.DataFrame({"source": [third["source"], None], "external_id": [third["external_id"],
                                                                   second["external_id"]],
                  "responded_at": ["2026-11-23", "2026-11-23"],
                  "response": ["bought", None]}).to_excel(late, index=False)
    result = campaigns.load_responses("spring mail", late, engine=marketer)
    assert result.recorded == 1 and "not a member" in result.rejected[0][1]
    answer = _all(demo, "SELECT response FROM campaign_members WHERE account_id = :id",
                  id=int(second["account_id"]))[0][0]
    assert answer == "responded"  # a blank cell is no response text, not "nan"

    rates = campaigns.response_rates("spring mail", "county", engine=marketer)
    assert rates["members"].sum() == members and rates["responded"].sum() == 2
    row = rates[rates["responded"] >= 1].iloc[0]
    assert row["response_rate"] == pytest.approx(row["responded"] / row["members"], abs=1e-4)
    summary = campaigns.campaigns(engine=marketer).set_index("name").loc["spring mail"]
    assert (summary["members"], summary["responded"]) == (members, 2)


def test_an_export_writes_the_list_and_is_audited_without_the_people(marketer, demo,
                                                                      tmp_path):
    where = TargetFilter(channel="sms")
    written = campaigns.export(where, tmp_path / "sms.xlsx", actor="mika", engine=marketer)
    sheet = pd.read_excel(tmp_path / "sms.xlsx")
    assert written == len(sheet) == campaigns.count(where, engine=marketer)
    details = _all(demo, "SELECT details FROM audit_log WHERE action = 'export.targets' "
                         "ORDER BY id DESC LIMIT 1")[0][0]
    assert details["rows"] == written and "@" not in str(details)
