"""An account's history asked for with an id that is not one: a clear error saying what an
id is, not the database driver's (issue 19)."""

import pytest

from gcrm import accounts
from gcrm.errors import GcrmError


@pytest.mark.parametrize("bad", ["x", "A1", "", "1.5", None, 2.5, True, 2**70, "9" * 30])
def test_a_wrong_id_is_refused_with_what_an_id_is(world, bad):
    with pytest.raises(GcrmError, match="whole number") as caught:
        accounts.history(bad, engine=world)
    assert "psycopg" not in str(caught.value) and "SQL" not in str(caught.value)


def test_an_id_given_as_text_digits_still_finds_the_account(world):
    from sqlalchemy import text

    with world.connect() as conn:
        a1 = conn.execute(text("SELECT id FROM accounts WHERE external_id = 'A1'")).scalar()
    assert accounts.history(str(a1), engine=world).profile["external_id"] == "A1"
    with pytest.raises(GcrmError, match="No account #"):
        accounts.history(a1 + 1000, engine=world)
