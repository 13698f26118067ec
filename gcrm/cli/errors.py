"""Turn gcrm errors into one readable line and exit code 1, never a traceback."""

from __future__ import annotations

import functools

import typer
from psycopg.errors import InsufficientPrivilege
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from gcrm.errors import GcrmError

err_console = Console(stderr=True)


def reports_errors(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GcrmError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        except DBAPIError as exc:
            if not isinstance(exc.orig, InsufficientPrivilege):
                raise
            first = str(exc.orig).splitlines()[0]
            err_console.print(f"[bold red]not allowed:[/] {first}. Your gcrm role does not "
                              "permit this; ask an admin.", highlight=False)
            raise typer.Exit(1) from None

    return wrapper
