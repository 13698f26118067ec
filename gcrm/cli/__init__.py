"""The ``gcrm`` command line. Each command group lives in its own module."""

import typer

from gcrm.cli.db import db_app

app = typer.Typer(
    help="gcrm: geographic CRM analytics on PostGIS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
