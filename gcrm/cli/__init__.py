"""The ``gcrm`` command line. Each command group lives in its own module."""

import typer

from gcrm.cli.basemap import basemap_app
from gcrm.cli.campaign import campaign_app
from gcrm.cli.costs import costs_app
from gcrm.cli.cube import cube_app
from gcrm.cli.db import db_app
from gcrm.cli.demo import demo
from gcrm.cli.forecast import forecast
from gcrm.cli.geocode import geocode, geocode_file_command, reference_app
from gcrm.cli.lake import lake_app
from gcrm.cli.load import load
from gcrm.cli.model import model_app
from gcrm.cli.privacy import privacy_app
from gcrm.cli.regions import context_app, regions_app
from gcrm.cli.report import report
from gcrm.cli.routing import routing_app
from gcrm.cli.stats import stats_app
from gcrm.cli.territory import territory_app
from gcrm.cli.tradearea import roads_app, tradearea_app
from gcrm.cli.users import users_app
from gcrm.cli.visits import visits_app
from gcrm.cli.vocab import vocab_app

app = typer.Typer(
    help="gcrm: geographic CRM analytics on PostGIS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(reference_app, name="reference")
app.command()(load)
app.command()(geocode)
app.command("geocode-file")(geocode_file_command)
app.add_typer(regions_app, name="regions")
app.add_typer(context_app, name="context")
app.command()(demo)
app.add_typer(users_app, name="users")
app.add_typer(privacy_app, name="privacy")
app.add_typer(cube_app, name="cube")
app.add_typer(territory_app, name="territory")
app.add_typer(tradearea_app, name="tradearea")
app.add_typer(roads_app, name="roads")
app.add_typer(campaign_app, name="campaign")
app.command()(report)
app.add_typer(vocab_app, name="vocab")
app.add_typer(basemap_app, name="basemap")
app.add_typer(stats_app, name="stats")
app.command()(forecast)
app.add_typer(model_app, name="model")
app.add_typer(costs_app, name="cost-to-serve")
app.add_typer(lake_app, name="lake")
app.add_typer(visits_app, name="visits")
app.add_typer(routing_app, name="routing")
