"""SVG snapshots of the main views at 120x40 (pytest-textual-snapshot); update with ``--snapshot-update``.

The fixture corpus is in tmp_path but nothing on screen shows an absolute path, a time or a date that changes.
"""

from __future__ import annotations

from textual.pilot import Pilot

from kb.tui.history import Location
from kb.tui.widgets.search_box import SearchBox

from .conftest import SIZE, settle, type_query


def steady(app) -> None:
    """No blinking cursor: the screenshot must not depend on when it is taken."""
    app.query_one(SearchBox).cursor_blink = False


def test_results_with_preview(app_factory, snap_compare):
    app = app_factory()

    async def run_before(pilot: Pilot) -> None:
        steady(app)
        await settle(app, pilot)
        await type_query(app, pilot, "cramps at night")
        await pilot.press("down")  # the keyboard on the results: the highlighted one is the preview
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_nutrient_pane(app_factory, snap_compare):
    app = app_factory()

    async def run_before(pilot: Pilot) -> None:
        steady(app)
        await settle(app, pilot)
        await type_query(app, pilot, "low magnesium twitches")
        await pilot.press("down", "tab", "enter")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_nutrient_browser(app_factory, snap_compare):
    app = app_factory()

    async def run_before(pilot: Pilot) -> None:
        steady(app)
        await settle(app, pilot)
        await pilot.press("ctrl+n")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_no_results(app_factory, snap_compare):
    app = app_factory()

    async def run_before(pilot: Pilot) -> None:
        steady(app)
        await settle(app, pilot)
        await type_query(app, pilot, "zzzqqxx")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help(app_factory, snap_compare):
    app = app_factory()

    async def run_before(pilot: Pilot) -> None:
        steady(app)
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_article_view(app_factory, snap_compare):
    app = app_factory()

    async def run_before(pilot: Pilot) -> None:
        steady(app)
        await settle(app, pilot)
        await type_query(app, pilot, "stretching calves")
        await pilot.press("down", "ctrl+l")
        await settle(app, pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_nutrient_at_a_glance(app_factory, snap_compare):
    app = app_factory()

    async def run_before(pilot: Pilot) -> None:
        steady(app)
        await settle(app, pilot)
        app.search_screen.open_location(Location("nutrient", "magnesium"))
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_stacked_layout_80x24(app_factory, snap_compare):
    app = app_factory()

    async def run_before(pilot: Pilot) -> None:
        steady(app)
        await settle(app, pilot)
        await type_query(app, pilot, "cramps at night")
        await pilot.press("down")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
