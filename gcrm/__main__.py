from gcrm.cli import app

app()
