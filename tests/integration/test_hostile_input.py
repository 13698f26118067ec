"""Hostile input: files built to break the readers, and SQL injection through every text
filter. Nothing crashes, every refusal says why, nothing already stored is lost."""

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from gcrm import privacy, regions
from gcrm.access import users
from gcrm.errors import GcrmError
from gcrm.ingest.load import load_file

KNOWN = ["id", "name", "email", "lat", "lon", "status", "segment", "postcode", "street",
         "customer_since", "consent_email", "amount", "order_date", "account_id"]
CELLS = st.text(alphabet=st.sampled_from(
    list(string.printable) + ["\x00", "é", "漢", "\u202e", "\ufeff"]),
    max_size=30)
SNAPSHOT = """
SELECT (SELECT md5(string_agg(a::text, '|' ORDER BY id)) FROM accounts a
        WHERE source = 'crm') AS accounts,
       (SELECT count(*) FROM sales) AS sales, (SELECT sum(amount) FROM sales) AS revenue
"""


@st.composite
def csv_files(draw) -> bytes:
    header = draw(st.lists(st.one_of(st.sampled_from(KNOWN), CELLS), min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(CELLS, max_size=8), max_size=6))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    body = "\n".join(sep.join(r) for r in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    return body.encode(encoding, errors="replace")


def _snapshot(engine):
    with engine.connect() as conn:
        return dict(conn.execute(text(SNAPSHOT)).mappings().one())


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=st.one_of(csv_files(), st.binary(max_size=300)),
       suffix=st.sampled_from([".csv", ".geojson", ".parquet"]),
       entity=st.sampled_from(["accounts", "sales"]))
def test_hostile_files_are_read_or_refused_with_a_reason(world, tmp_path_factory, content,
                                                         suffix, entity):
    before = _snapshot(world)
    path = tmp_path_factory.mktemp("hostile") / f"upload{suffix}"
    path.write_bytes(content)
    try:
        result = load_file(entity, path, source="upload", ref_source="crm", engine=world)
    except GcrmError as exc:
        assert len(str(exc)) > 10  # a sentence, not a bare code
    else:
        reasons = result.rejects["reason"] if len(result.rejects) else []
        assert all(isinstance(r, str) and len(r) > 5 for r in reasons)
        assert result.summary.read == result.summary.rejected + result.summary.inserted \
            + result.summary.updated + result.summary.unchanged
    after = _snapshot(world)
    assert after["accounts"] == before["accounts"]  # what was stored is untouched
    assert after["sales"] >= before["sales"] and after["revenue"] >= before["revenue"]


INJECTIONS = ["' OR '1'='1", "N' OR 1=1 --", "'; DROP TABLE accounts; --", "N\x00",
              "%", "_", "N'||(SELECT string_agg(name, ',') FROM accounts)||'"]


@pytest.mark.parametrize("attack", INJECTIONS)
def test_sql_injection_through_every_text_filter_returns_nothing_extra(people, as_user,
                                                                       attack):
    mia, nora = as_user("mia"), as_user("nora")
    for call in (lambda: regions.children(attack, engine=nora),
                 lambda: regions.ancestors(attack, engine=nora),
                 lambda: regions.unassigned(attack, engine=nora),
                 lambda: privacy.contacts("email", segments=[attack], engine=mia),
                 lambda: privacy.contacts("email", statuses=[attack], engine=mia)):
        try:
            assert call().empty  # nothing matches the literal text
        except GcrmError as refusal:  # or a plain refusal (a NUL cannot be stored)
            assert "NUL" in str(refusal) or "No region" in str(refusal)
    for bad in (lambda: privacy.contacts(attack, engine=mia),
                lambda: privacy.contacts("email", regions=[attack], engine=mia),
                lambda: privacy.erase(source="crm", external_id=attack, engine=people),
                lambda: users.set_regions("nora", [attack], engine=people)):
        with pytest.raises(GcrmError):
            bad()
    assert users.authenticate(attack, attack, engine=people) is None
    assert users.authenticate("nora", attack, engine=people) is None
    with people.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 4
    assert users.get_user("nora", engine=people).regions == ("state:N",)
