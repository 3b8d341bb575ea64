"""Typing does not make the TUI hold more and more: what it replaces on screen is let go."""

from __future__ import annotations

import gc

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from .conftest import SIZE, settle, type_query


def footer_keys_alive() -> int:
    gc.unfreeze()  # the app freezes what is alive after an index update: count those too
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, FooterKey))


async def test_the_footer_keys_it_replaced_are_let_go_however_long_one_types(app_factory):
    # a corrected query adds ctrl+o (as typed) to the footer, the next one takes it away: a new set of keys each time
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        footer = app.screen.query_one(Footer)
        elsewhere = footer_keys_alive() - len(footer.query(FooterKey))  # left by other apps in this process
        alive = []
        for _ in range(4):
            for query, corrected in (("magnesum", True), ("magnesium", False)):
                await type_query(app, pilot, query)
                await pilot.pause()
                actions = {key.action for key in footer.query(FooterKey)}
                assert ("toggle_as_typed" in actions) is corrected  # the footer was made again
            alive.append(footer_keys_alive() - elsewhere)
        shown = len(footer.query(FooterKey))
        assert shown > 0
        assert alive == [shown] * len(alive)  # only the keys on show, not every set shown before
