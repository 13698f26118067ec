"""``gcrm privacy``: erase a person; export consenting contacts."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from gcrm import privacy
from gcrm.cli.errors import reports_errors
from gcrm.config import get_settings
from gcrm.errors import GcrmError
from gcrm.privacy import encryption

console = Console()
privacy_app = typer.Typer(help="Erasure and consent-aware contact lists.", no_args_is_help=True)


@privacy_app.command("erase")
@reports_errors
def erase(
    account: int = typer.Option(None, help="The account id."),
    source: str = typer.Option(None, help="Or the source system ..."),
    external_id: str = typer.Option(None, help="... and the id there."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Erase a person's personal data everywhere (irreversible; totals stay correct)."""
    who = f"account {account}" if account is not None else f"{source}/{external_id}"
    if not yes:
        typer.confirm(f"Erase {who} irreversibly?", abort=True)
    result = privacy.erase(account, source=source, external_id=external_id)
    if result.already:
        console.print(f"Account {result.account_id} was already erased; nothing to do.")
        return
    touched = ", ".join(f"{table} {n}" for table, n in result.changed.items() if n)
    console.print(f"Erased account {result.account_id} ({touched}). Recorded in the audit log.")


@privacy_app.command("contacts")
@reports_errors
def contacts(
    channel: str = typer.Option(..., help="email, phone, sms or mail."),
    out: Path = typer.Option(..., help="File to write (.csv or .xlsx)."),
    status: str = typer.Option(None, help="prospect, customer, churned (comma separated)."),
    segment: str = typer.Option(None, help="Segments, comma separated."),
    regions: str = typer.Option(None, help="Region codes, comma separated."),
) -> None:
    """Export the people who consented to ``channel`` (erased people never appear)."""
    def split(value):
        return [v.strip() for v in value.split(",") if v.strip()] if value else None

    n = privacy.export_contacts(channel, out, statuses=split(status), segments=split(segment),
                                regions=split(regions))
    console.print(f"{n:,} consenting contacts written to {out}.")


@privacy_app.command("new-key")
@reports_errors
def new_key(path: Path = typer.Argument(..., help="Where to write the key (outside the "
                                              "database, e.g. a secrets mount).")) -> None:
    """Write a new random encryption key (mode 600)."""
    encryption.new_key(path)
    console.print(f"Key written to {path}. Set GCRM_ENCRYPTION_KEY_FILE={path} and run "
                  "`gcrm privacy encrypt-notes`.")


@privacy_app.command("encrypt-notes")
@reports_errors
def encrypt_notes() -> None:
    """Encrypt the interaction notes still stored in clear text."""
    n = encryption.encrypt_all()
    console.print(f"{n:,} notes encrypted.")


@privacy_app.command("rotate-key")
@reports_errors
def rotate_key(new_key_file: Path = typer.Option(..., help="The new key (gcrm privacy "
                                                          "new-key).")) -> None:
    """Re-encrypt every note with a new key, in one transaction."""
    old = get_settings().encryption_key_file
    if old is None:
        raise GcrmError("GCRM_ENCRYPTION_KEY_FILE names no current key: nothing to rotate.")
    n = encryption.rotate_key(old, new_key_file)
    console.print(f"{n:,} notes re-encrypted. Now set GCRM_ENCRYPTION_KEY_FILE={new_key_file} "
                  f"and destroy {old}.")
