"""Keystrokes repaint only the result lines that changed, from rows kept across searches: what is on screen must
be exactly what a full repaint from nothing would draw (text, colours, the option each line belongs to)."""

from __future__ import annotations

from textual.geometry import Region

from kb.tui.widgets.result_list import ResultList

from .conftest import SIZE, settle


def painted(results: ResultList) -> list:
    """The list's lines as the next frame takes them (lines not repainted come from the widget's line cache)."""
    return results.render_lines(Region(0, 0, *results.size))


def from_scratch(results: ResultList) -> list:
    """The same lines drawn again with every cache emptied."""
    results._styles_cache.clear()  # noqa: SLF001
    results._rows.clear()  # noqa: SLF001
    results._placed.clear()  # noqa: SLF001
    results._option_render_cache.clear()  # noqa: SLF001
    return results.render_lines(Region(0, 0, *results.size))


async def typed(app, pilot, query: str) -> ResultList:  # noqa: ANN001 - Textual's App and Pilot
    """The result list once ``query`` has been typed into the box and its answer painted."""
    await settle(app, pilot)
    await pilot.press(*query)
    await settle(app, pilot)
    return app.query_one(ResultList)


def same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x == y and x.text == y.text for x, y in zip(a, b, strict=True))


async def test_each_keystroke_paints_what_a_full_repaint_would(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        results = app.query_one(ResultList)
        reused = 0
        for query in ("cramps at night", "tingling hands"):
            app.query_one("#search").value = ""
            await settle(app, pilot)
            for ch in query:
                await pilot.press(ch)
                await settle(app, pilot)
                if not results.hits:
                    continue
                reused += len(results._placed)  # noqa: SLF001
                now = painted(results)
                assert same(now, from_scratch(results)), f"stale lines after typing {app.query_one('#search').value!r}"
        assert reused  # rows were taken from the kept renders


async def test_a_new_theme_repaints_the_kept_rows(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        results = await typed(app, pilot, "cramps")
        dark = painted(results)
        app.theme = "textual-light"
        await settle(app, pilot)
        light = painted(results)
        assert [s.text for s in light] == [s.text for s in dark]
        assert not same(light, dark)  # the colours changed
        assert same(light, from_scratch(results))


async def test_moving_the_highlight_repaints_both_rows(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        results = await typed(app, pilot, "cramps")
        await pilot.press("down", "down", "down")
        await settle(app, pilot)
        assert results.highlighted == 2
        assert same(painted(results), from_scratch(results))
        await pilot.press(*"x")  # back in the box: a new query, the first row highlighted again
        await settle(app, pilot)
        assert same(painted(results), from_scratch(results))
