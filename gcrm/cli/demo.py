"""``gcrm demo``: build and load the offline demo world."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from gcrm.cli.errors import reports_errors
from gcrm.config import get_settings

console = Console()


@reports_errors
def demo(
    seed: int = typer.Option(42, help="Same seed, same world."),
    accounts: int = typer.Option(50_000, min=100, help="How many accounts."),
    states: str = typer.Option("PA", help="USPS state codes, comma separated (adjoining "
                                          "states keep it light)."),
    out: Path = typer.Option(None, help="Folder for the generated files "
                                        "(default: $GCRM_HOME/demo)."),
    if_empty: bool = typer.Option(False, help="Do nothing when accounts are already loaded."),
) -> None:
    """Build the demo world offline and load it through the normal pipeline."""
    from gcrm.demo import build_demo  # loaded when asked, not at every start
    from gcrm.demo.users import ensure_demo_users
    folder = out or get_settings().home / "demo"
    chosen = tuple(s.strip().upper() for s in states.split(",") if s.strip())
    with console.status("Building the demo world ...") as status:
        result = build_demo(folder, seed=seed, accounts=accounts, states=chosen,
                            if_empty=if_empty, step=lambda m: status.update(m + " ..."))
    if result.skipped:
        console.print("Accounts are already loaded: the demo was not loaded again.")
    else:
        for what, n in result.loaded.items():
            console.print(f"{what:>22}: {n:,}")
        console.print("Time per step:")
        for step, secs in result.seconds.items():
            console.print(f"  {secs:>7.1f} s  {step}", highlight=False)
        console.print(f"Files in {folder}")
    password_file = get_settings().home / "demo-password"
    created = ensure_demo_users(password_file)
    if created:
        console.print(f"Demo users: {', '.join(created)}; their password is in {password_file}.")
