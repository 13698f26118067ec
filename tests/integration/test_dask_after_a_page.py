"""A Dask worker starts in a test process that has run a dashboard page before.

Streamlit's AppTest leaves the page it ran installed as ``__main__``. Dask's worker
processes (spawned) re-import ``__main__`` from its file, and a dashboard page run
outside Streamlit fails, so every worker died at start ("Nanny failed to start") in any
test process that had run a page first. The suite's own fixture (tests/conftest.py)
puts the process's ``__main__`` back around every test. The two tests here run in
this order in one process (the suite distributes by file)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).parents[2] / "dashboards" / "app_pages" / "system.py")


def test_a_page_ran_in_this_process():
    page = AppTest.from_file(PAGE, default_timeout=30).run()
    assert page.warning[0].value == "Please sign in."      # nobody signed in: the page stops


def test_dask_workers_restart_after_the_page(dask_client):
    dask_client.restart()                     # every worker process is spawned again
    assert len(dask_client.scheduler_info()["workers"]) == 2
    assert dask_client.submit(sum, [1, 2, 3]).result() == 6
