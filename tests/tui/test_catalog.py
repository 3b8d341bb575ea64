"""The catalog (palette titles, intro counts, nutrient names and the browser's link counts) is read in two steps:
the first screen does not wait for every title, and what is opened before the titles are in waits for them."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import kb.tui.catalog as catalog_module
from kb.engine import KnowledgeBase
from kb.model.records import Faq, Nutrient, Section
from kb.tui.catalog import ORDER, Entry, load_catalog, load_overview
from kb.tui.commands import RecordCommands
from kb.tui.history import Location
from kb.tui.screens.nutrient_browser import NutrientBrowser
from kb.tui.widgets.disclaimer_note import DisclaimerNote
from kb.tui.widgets.intro import Intro
from kb.tui.widgets.result_list import ResultList

from .conftest import SIZE, settle, wait_for


def _from_records(engine: KnowledgeBase) -> tuple[dict[str, int], list[tuple[str, str]], list[Entry]]:
    """The catalog as the TUI made it before, by decoding every record: what the two steps must still give."""
    records = engine.records()
    nutrients = sorted(((r.slug, r.name) for r in records if isinstance(r, Nutrient)), key=lambda p: p[1].lower())
    entries, first = [], {}
    for r in records:
        if isinstance(r, Nutrient):
            names = f" ({', '.join(r.aliases)})" if r.aliases else ""
            entries.append(Entry(r.name + names, f"nutrient - {r.category}", Location("nutrient", r.slug)))
        elif isinstance(r, Faq):
            entries.append(Entry(r.question, "FAQ", Location("record", r.id)))
        elif isinstance(r, Section):
            entries.append(Entry(f"{r.article_title}: {r.heading}", "article section", Location("record", r.id)))
            if r.article_slug not in first or r.line < first[r.article_slug].line:
                first[r.article_slug] = r
    entries += [Entry(s.article_title, "article", Location("article", s.article_slug)) for s in first.values()]
    entries.sort(key=lambda e: (ORDER.get(e.where.split(" ")[0], 3), e.label.lower()))
    return dict(Counter(r.kind for r in records)), nutrients, entries


def test_the_catalog_holds_what_the_records_say_without_decoding_them(kb_root):
    engine = KnowledgeBase(kb_root)
    engine.update()
    for step in range(2):  # as built, then after a file went (its records deleted, not yet merged away)
        counts, nutrients, entries = _from_records(engine)
        overview = load_overview(engine)
        assert overview.counts == counts and list(overview.nutrients) == nutrients and not overview.complete
        catalog = load_catalog(engine)
        assert catalog.complete and catalog.counts == counts and list(catalog.nutrients) == nutrients
        assert list(catalog.entries) == entries
        assert list(catalog.summaries) == engine.nutrients()
        if step == 0:
            (kb_root / "corpus" / "faq" / "why-does-my-eyelid-twitch.yaml").unlink()
            assert engine.update().removed
    assert catalog.counts["faq"] == 1
    engine.close()


class _Held:
    """Reading the stored fields held back until :meth:`release` (a slow disk, a large index)."""

    def __init__(self, monkeypatch) -> None:
        self.gate, self.asked = threading.Event(), threading.Event()
        self._read = catalog_module.stored_fields
        monkeypatch.setattr(catalog_module, "stored_fields", self.read)

    def read(self, engine: KnowledgeBase) -> list[dict[str, str]]:
        self.asked.set()
        assert self.gate.wait(30)
        return self._read(engine)

    def release(self) -> None:
        self.gate.set()


async def test_the_first_screen_is_ready_and_searches_run_before_the_titles_are_read(app_factory, monkeypatch):
    app = app_factory()
    held = _Held(monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: app.updates >= 1 and held.asked.is_set())
        assert "not medical advice" in str(app.query_one(DisclaimerNote).render())
        assert "article sections" in str(app.query_one(Intro).render())
        assert app.search_screen.catalog.nutrient_name("magnesium") == "Magnesium"
        screen = app.search_screen
        box = app.query_one("#search")
        box.focus()
        box.value = "bananas"
        assert await wait_for(pilot, lambda: screen.response is not None and screen.response.query == "bananas")
        assert app.query_one(ResultList).hits[0].id == "faq/do-bananas-help-cramps"
        held.release()
        await settle(app, pilot)
        assert app.catalog.complete and app.titles_ready.is_set()


async def test_the_palette_typed_into_before_the_titles_are_read_finds_them_when_they_come(app_factory, monkeypatch):
    app = app_factory()
    held = _Held(monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: app.updates >= 1 and held.asked.is_set())
        provider = RecordCommands(app.screen)

        async def search() -> list[str]:
            return [h.text async for h in provider.search("bananas help")]

        task = asyncio.create_task(search())
        await pilot.pause(0.2)
        assert not task.done()  # waiting for the titles, not answering "nothing found"
        held.release()
        assert await wait_for(pilot, task.done)
        assert task.result()[0] == "Do bananas help with cramps?"


async def test_the_nutrient_browser_opened_before_the_titles_are_read_shows_every_count(app_factory, monkeypatch):
    app = app_factory()
    held = _Held(monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: app.updates >= 1 and held.asked.is_set())
        await pilot.press("ctrl+n")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, NutrientBrowser)
        held.release()
        assert await wait_for(pilot, lambda: isinstance(app.screen, NutrientBrowser))
        await pilot.pause()
        table = app.screen.query_one("DataTable")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [["Magnesium", "mineral", "3", "0", "3"], ["Potassium", "electrolyte", "0", "1", "1"],
                        ["Vitamin B12", "vitamin", "1", "0", "1"]]


async def test_a_record_added_while_the_app_runs_reaches_the_palette_and_the_counts(app_factory, kb_root):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        before = app.catalog.counts["faq"]
        bananas = kb_root / "corpus" / "faq" / "do-bananas-help-cramps.yaml"
        text = bananas.read_text(encoding="utf-8").replace("Do bananas help with cramps?", "Does pickle juice help?")
        (kb_root / "corpus" / "faq" / "pickle-juice.yaml").write_text(text, encoding="utf-8")
        app.request_update("key")
        await settle(app, pilot)
        assert app.catalog.complete and app.catalog.counts["faq"] == before + 1
        assert [h.text async for h in RecordCommands(app.screen).search("pickle juice")] == ["Does pickle juice help?"]
        assert "3 FAQs" in str(app.query_one(Intro).render())
