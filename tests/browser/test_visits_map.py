"""The Visits page in a real Chromium, no network beyond this machine, on a plan of one
rep's day on the real Los Altos roads: an admin sees the route drawn along the roads with
the stops numbered; a planner, on a smaller screen, sees the stops on the grid joined in
their order and no drive to a door."""

import datetime as dt

from conftest import go_to, screenshot, sign_in
from los_altos import build
from playwright.sync_api import expect

from gcrm import visits


def _map(page):
    return page.frame_locator("iframe[title*='st_folium']")


def _plan(people):
    build(people, customers=6)
    return visits.plan(dt.date(2026, 12, 8), ["R1"], from_list="at risk", engine=people,
                       rules=visits.DayRules(time_limit_s=0.3))


def test_an_admin_sees_the_day_drawn_along_the_roads(dashboard, page, people):
    plan = _plan(people)
    assert len(plan.stops) == 6
    page.set_viewport_size({"width": 1400, "height": 1000})
    sign_in(page, dashboard, "ada", "admin password 1")
    go_to(page, "Visits")
    expect(page.get_by_role("heading", name="Visits")).to_be_visible()
    expect(_map(page).locator(".gcrm-stop")).to_have_count(6)
    expect(_map(page).locator("path.gcrm-route")).to_have_count(7)  # 6 legs and home
    expect(_map(page).locator(".gcrm-stop").first).to_have_text("1")
    expect(page.get_by_text("drive times on the roads of the network 'los_altos'")
           ).to_be_visible()
    expect(page.get_by_role("button", name="GPX (navigation apps)")).to_be_visible()
    screenshot(page, "visits-admin-1400")
    assert page.blocked == []


def test_a_planner_sees_stops_on_the_grid_joined_in_their_order(dashboard, page, people):
    _plan(people)
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, dashboard, "pat", "planner password")
    go_to(page, "Visits")
    expect(_map(page).locator(".gcrm-stop")).to_have_count(6)
    expect(_map(page).locator("path.gcrm-route-order")).to_have_count(1)
    expect(_map(page).locator("path.gcrm-route")).to_have_count(0)
    expect(page.get_by_text("Stops are shown on the ~1 km grid")).to_be_visible()
    screenshot(page, "visits-planner-1280")
    assert page.blocked == []
