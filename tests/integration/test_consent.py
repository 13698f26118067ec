"""Marketing contact lists and exports hold consenting people only, and never erased ones."""

import pandas as pd
import pytest
from sqlalchemy.exc import ProgrammingError
from typer.testing import CliRunner

from gcrm import audit, privacy
from gcrm.cli import app
from gcrm.errors import GcrmError

# From tests/crm_world.py: email consent A1, A3, A4; SMS consent A2, A3.


def test_lists_follow_consent_per_channel(as_user):
    mia = as_user("mia")
    assert privacy.contacts("email", engine=mia)["external_id"].tolist() == ["A1", "A3", "A4"]
    assert privacy.contacts("sms", engine=mia)["external_id"].tolist() == ["A2", "A3"]
    assert privacy.contacts("phone", engine=mia).empty
    assert privacy.contacts("email", statuses=["churned"], engine=mia)["external_id"].tolist() \
        == ["A4"]
    assert privacy.contacts("email", regions=["N"], engine=mia)["external_id"].tolist() == ["A1"]


def test_erased_people_leave_every_list(people, as_user):
    privacy.erase(source="crm", external_id="A3", engine=people)
    mia = as_user("mia")
    assert privacy.contacts("email", engine=mia)["external_id"].tolist() == ["A1", "A4"]
    assert privacy.contacts("sms", engine=mia)["external_id"].tolist() == ["A2"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_hold_exactly_the_consenting_people_and_are_audited(as_user, tmp_path, fmt):
    out = tmp_path / f"contacts.{fmt}"
    mia = as_user("mia")
    assert privacy.export_contacts("sms", out, engine=mia) == 2
    frame = pd.read_csv(out) if fmt == "csv" else pd.read_excel(out)
    assert frame["external_id"].tolist() == ["A2", "A3"]
    assert set(frame["email"]) == {"bertram.eastwood@mail.example",
                                   "cordelia.southby@mail.example"}
    entry = audit.recent("export.contacts", engine=as_user("ada")).iloc[0]
    assert entry["actor"] == "mia" and entry["details"]["rows"] == 2


@pytest.mark.parametrize("username", ["ana", "pat", "nora"])
def test_other_roles_may_not_list_contacts(as_user, username):
    with pytest.raises(ProgrammingError, match="permission denied"):
        privacy.contacts("email", engine=as_user(username))


def test_the_cli_export(world, use_database, tmp_path):
    out = tmp_path / "email.csv"
    result = CliRunner().invoke(app, ["privacy", "contacts", "--channel", "email",
                                      "--out", str(out), "--status", "customer"])
    assert result.exit_code == 0, result.output
    assert "2 consenting contacts" in result.output
    assert pd.read_csv(out)["external_id"].tolist() == ["A1", "A3"]
    bad = CliRunner().invoke(app, ["privacy", "contacts", "--channel", "fax", "--out", str(out)])
    assert bad.exit_code == 1 and "Unknown channel 'fax'" in bad.output


def test_an_unknown_region_is_an_error_not_an_empty_list(as_user):
    with pytest.raises(GcrmError, match="Unknown region code"):
        privacy.contacts("email", regions=["ZZ"], engine=as_user("mia"))
