"""Reading: the stacked layout on small terminals, the whole-article view, the nutrient "at a glance" block,
references that open and copy, tags and article links, themes that stay readable and persist, screenshots and
the disclaimer's emergency sentence."""

from __future__ import annotations

import json
import webbrowser
from pathlib import Path

import pytest
from rich.console import Console
from textual.color import Color

from kb.tui.contrast import AA, contrast
from kb.tui.history import Location
from kb.tui.screens.article import ArticleScreen, Contents
from kb.tui.screens.search import SearchScreen
from kb.tui.settings import load_settings, save_setting
from kb.tui.widgets.disclaimer_note import DisclaimerNote, emergency_sentence
from kb.tui.widgets.glance import Glance, bar
from kb.tui.widgets.nutrient_view import LINKED_CAP, SHOW_ALL, LinkedRecords, NutrientView
from kb.tui.widgets.record_links import LinkButton, RecordLinks
from kb.tui.widgets.record_view import RecordView
from kb.tui.widgets.references import References, openable
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.search_box import SearchBox

from .conftest import SIZE, search_screen, settle, type_query

EMERGENCY = ("This is general information, not medical advice. If symptoms are severe or sudden (for example "
             "chest pain or a seizure), call your local emergency number (999 in the UK, 911 in the US) now.\n")


def screen_text(app) -> str:
    """What the terminal shows, as plain text lines."""
    console = Console(width=app.size.width, height=app.size.height, record=True, file=open("/dev/null", "w"),
                      force_terminal=True)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


# --- layout -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_small_terminals_stack_the_preview_below_the_results_and_show_its_text(app_factory, size):
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "charley horse")
        await pilot.press("down")
        await settle(app, pilot)
        assert app.screen.has_class("-narrow")
        left, detail = app.query_one("#left").region, app.query_one("#detail").region
        assert detail.y >= left.bottom and detail.width >= size[0] - 2  # below, full width
        body = app.query_one("#record-body").region
        assert body.height >= 2 and body.bottom <= detail.bottom
        shown = screen_text(app)
        assert "What a night cramp is" in shown  # the title
        assert "A sudden painful tightening of the calf" in shown  # the first line of the body
        assert app.query_one("#results").region.height >= 2  # and a result or two above it


async def test_wide_terminals_keep_the_panes_side_by_side_and_f6_maximises_the_preview(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "charley horse")
        left, detail = app.query_one("#left").region, app.query_one("#detail").region
        assert detail.x >= left.right and detail.y == left.y
        await pilot.press("f6")
        assert app.screen.maximized is app.query_one("#detail")
        assert app.query_one("#detail").region.width >= SIZE[0] - 2
        await pilot.press("ctrl+g")
        assert app.screen.maximized is None


# --- the whole article --------------------------------------------------------------------------------------
async def test_a_section_opens_its_whole_article_at_that_section_with_next_and_previous(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "stretching calves")
        assert app.query_one(ResultList).highlighted_hit.id == "article/night-cramps#stretching-before-bed"
        await pilot.press("down", "ctrl+l")
        await settle(app, pilot)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert [s.heading for s in screen.sections] == ["What a night cramp is", "Stretching before bed",
                                                         "Low magnesium"]
        toc = screen.query_one(Contents)
        assert [str(toc.get_option_at_index(i).prompt) for i in range(toc.option_count)] == [
            "1. What a night cramp is", "2. Stretching before bed", "3. Low magnesium"]
        assert screen.current == 1 and toc.highlighted == 1
        head = str(screen.query_one("#article-head").render())
        assert "Night-time leg cramps" in head and "Why legs cramp at night." in head  # title and summary
        # every section's text, in order, with the query's words highlighted
        text = screen.query_one("#section-1").source
        assert "Stretching the calves before bed" in text
        assert screen.query_one("#section-1").terms == search_screen(app).terms
        assert "stretch" in {t[:7] for t in screen.query_one("#section-1").terms}
        await pilot.press("n")
        assert screen.current == 2 and screen.query_one("#heading-2").has_class("-current")
        await pilot.press("n")  # the last one stays
        assert screen.current == 2
        await pilot.press("p", "p")
        assert screen.current == 0 and toc.highlighted == 0
        assert screen.query_one(References).references[0].url == "https://ods.od.nih.gov/factsheets/"
        await pilot.press("escape")
        assert isinstance(app.screen, SearchScreen)


async def test_an_faq_opens_its_related_article_from_the_keyboard_and_from_its_link(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "bananas")
        assert app.query_one(ResultList).highlighted_hit.id == "faq/do-bananas-help-cramps"
        await settle(app, pilot)
        links = app.query_one(RecordLinks)
        assert links.article == "night-cramps"
        buttons = list(links.query(LinkButton))
        assert [(b.kind, b.value) for b in buttons] == [("article", "night-cramps"), ("tag", "food")]
        await pilot.click(buttons[0])
        await settle(app, pilot)
        await pilot.pause()
        assert isinstance(app.screen, ArticleScreen) and app.screen.current == 0
        assert app.screen.sections[0].article_slug == "night-cramps"
        await pilot.press("escape")
        await pilot.press("ctrl+l")  # the same from the keyboard
        await settle(app, pilot)
        await pilot.pause()
        assert isinstance(app.screen, ArticleScreen)


async def test_a_tag_searches_for_it(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "charley horse")
        tag = next(b for b in app.query_one(RecordLinks).query(LinkButton) if b.kind == "tag")
        assert tag.value == "cramps"
        tag.press()
        await settle(app, pilot)
        assert app.query_one(SearchBox).value == "tag:cramps"
        hits = [h.id for h in app.query_one(ResultList).hits]
        assert hits and all(h.startswith("article/night-cramps") for h in hits)


# --- nutrients ------------------------------------------------------------------------------------------------
async def test_the_nutrient_pane_starts_at_a_glance(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        search_screen(app).open_location(Location("nutrient", "magnesium"))
        await settle(app, pilot)
        glance = app.query_one(Glance)
        lines = str(glance.render()).splitlines()
        assert lines[0] == "At a glance"
        assert lines[1] == "Daily intakes (RDA, mg)"
        rows = [line.split() for line in lines[2:8]]
        assert rows[0] == ["Ages", "Male", "Female", "Pregnancy", "Lactation"]
        assert rows[1] == ["0-12", "months", "*", "50", "50", "-", "-"]  # an AI, marked
        assert rows[3] == ["14-18", "years", "410", "360", "400", "360"]
        text = "\n".join(lines)
        assert ("Upper limit (UL): 350 mg (1+ years) - applies to supplements and medicines only, not to food."
                in text)
        assert "Deficiency hypomagnesemia" in text
        # the top foods by amount, each with its amount, % of the 400 mg Daily Value and a bar that long
        foods = [line for line in lines if "% DV" in line]
        assert [f.rsplit(None, 4)[-4:] for f in foods][0] == ["80", "mg", "20%", "DV"]
        bars = [f.strip().split(" ")[0] for f in foods]
        assert len(bars[0]) > len(bars[-1]) > 0  # 80 mg draws longer than 20 mg
        assert "spinach, almonds  1 cup" in text
        assert app.query_one(NutrientView).query_one("#nutrient-body").region.y < glance.region.y + 1


def test_bars_are_drawn_in_eighths_and_capped():
    assert bar(0.5, 8) == "\u2588" * 4 + " " * 4
    assert bar(1 / 8, 4) == "\u258c   "  # half a cell
    assert bar(1 / 16, 4) == "\u258e   "  # a quarter
    assert bar(1.7, 5) == "\u2588" * 5  # over the Daily Value: full, the % says how much
    assert bar(0, 3) == "   "


async def test_linked_records_are_capped_with_show_all(app_factory, kb):
    from dataclasses import replace

    from textual.app import App

    section = kb.get("article/night-cramps#what-a-night-cramp-is")
    linked = [replace(section, id=f"article/night-cramps#s{i}", heading=f"Section {i}") for i in range(12)]
    nutrient, _ = kb.nutrient("magnesium")

    class One(App[None]):
        def compose(self):
            yield NutrientView(id="nutrient")

    app = One()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(NutrientView)
        await view.show(nutrient, linked, ())
        listed = view.query_one(LinkedRecords)
        assert listed.option_count == LINKED_CAP + 1
        assert listed.get_option_at_index(LINKED_CAP).id == SHOW_ALL
        assert "(top 8)" in str(listed.border_title) and "12 sections" in str(listed.border_title)
        view.focus_linked()
        listed.highlighted = LINKED_CAP
        await pilot.press("enter")
        assert listed.option_count == 12
        assert listed.highlighted == LINKED_CAP  # on the first of the rest
        assert [listed.get_option_at_index(i).id for i in range(12)] == [r.id for r in linked]  # engine order


# --- references -----------------------------------------------------------------------------------------------
async def test_references_show_their_urls_and_open_and_copy_from_the_keyboard(app_factory, monkeypatch):
    opened: list[str] = []

    class Browser:
        def open(self, url: str) -> bool:
            opened.append(url)
            return True

    monkeypatch.setattr(webbrowser, "get", lambda *a: Browser())
    app = app_factory()
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "charley horse")
        refs = app.query_one(RecordView).query_one(References)
        assert refs.display and refs.option_count == 1
        assert "https://ods.od.nih.gov/factsheets/" in str(refs.get_option_at_index(0).prompt)
        assert "NIH Office of Dietary Supplements" in str(refs.get_option_at_index(0).prompt)
        await pilot.press("down", "shift+tab", "shift+tab")  # results, search box, back round to the last: refs
        assert app.focused is refs and refs.highlighted == 0
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert opened == ["https://ods.od.nih.gov/factsheets/"]
        await pilot.press("ctrl+y")
        assert copied == ["https://ods.od.nih.gov/factsheets/"]
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert len(opened) == 2


async def test_a_text_mode_browser_is_never_started_over_the_app(app_factory, monkeypatch):
    ran: list[str] = []
    lynx = webbrowser.GenericBrowser("lynx")
    monkeypatch.setattr(lynx, "open", lambda url, *a, **k: ran.append(url) or True)
    monkeypatch.setattr(webbrowser, "get", lambda *a: lynx)
    app = app_factory()
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "charley horse")
        refs = app.query_one(RecordView).query_one(References)
        refs.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        refs.focus()
        refs.highlighted = 0
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert ran == []
    assert notes and "text-mode browser (lynx)" in notes[0] and "ctrl+y copies it" in notes[0]


def test_only_web_links_are_opened():
    assert openable("https://www.nhs.uk/conditions/leg-cramps/")
    assert openable("http://example.org/x")
    for url in ("file:///etc/passwd", "javascript:alert(1)", "https:///nohost", "ftp://x.org/", "not a url",
                "https://x.org/\x1b]8;;evil"):
        assert not openable(url), url


# --- themes -----------------------------------------------------------------------------------------------------
async def test_muted_text_footer_keys_and_matches_keep_aa_contrast_on_every_theme(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "charley horse")
        checked = []
        for name in sorted(app.available_themes):
            app.theme = name
            await pilot.pause()
            v = app.get_css_variables()
            if any(v[k].startswith("ansi") for k in ("foreground", "background")):
                continue  # the terminal's own colours
            surfaces = {k: Color.parse(v[k]) for k in ("background", "surface", "panel")}
            for key in ("text-muted", "footer-key-foreground", "footer-description-foreground", "text-warning",
                        "text-primary", "text-secondary", "text-accent", "text-success", "text-error"):
                for where, surface in surfaces.items():
                    ratio = contrast(Color.parse(v[key]), surface)
                    assert ratio >= AA, f"{name}: ${key} on ${where} is {ratio:.2f}:1"
            # and what the preview's metadata line is really drawn with
            meta = app.query_one(RecordView).get_component_rich_style("record-view--meta")
            assert contrast(Color.from_rich_color(meta.color), surfaces["background"]) >= AA, name
            checked.append(name)
        assert {"solarized-light", "catppuccin-latte", "textual-light", "textual-dark"} <= set(checked)


async def test_the_theme_is_remembered_between_runs(app_factory, state_home):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.theme = "solarized-light"
        await pilot.pause()
    saved = state_home / "settings.json"
    assert json.loads(saved.read_text())["theme"] == "solarized-light"
    again = app_factory()
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert again.theme == "solarized-light"


async def test_a_broken_settings_file_gives_the_default_theme(app_factory, state_home):
    path = state_home / "settings.json"
    path.parent.mkdir(parents=True)
    for broken in ("{not json", "[1, 2]", '{"theme": 7}', '{"theme": "no-such-theme"}', "\xff\xfe"):
        path.write_text(broken, encoding="latin-1")
        app = app_factory()
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert app.theme == "textual-dark"


def test_settings_never_raise(tmp_path: Path):
    path = tmp_path / "deep" / "settings.json"
    assert load_settings(path) == {}
    assert save_setting("theme", "nord", path) is None
    assert load_settings(path) == {"theme": "nord"}
    blocked = tmp_path / "file"
    blocked.write_text("x")
    assert "could not save" in (save_setting("theme", "nord", blocked / "settings.json") or "")


# --- screenshots and the disclaimer ----------------------------------------------------------------------------
async def test_the_screenshot_command_saves_where_it_says(app_factory, state_home):
    app = app_factory()
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert str(state_home.parent / "shots") in commands["Screenshot"].help
        path = app.take_screenshot()
    assert path is not None and path.parent == state_home.parent / "shots" and path.suffix == ".svg"
    assert path.read_text().startswith("<svg")
    assert notes == [f"Saved {path.resolve()}"]


def test_the_emergency_sentence_is_found_without_its_examples():
    assert emergency_sentence(EMERGENCY) == ("If symptoms are severe or sudden, call your local emergency number "
                                             "(999 in the UK, 911 in the US) now.")
    assert emergency_sentence("For information only.") == ""


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (60, 20)])
async def test_the_disclaimers_emergency_sentence_is_always_on_screen(app_factory, kb_root, size):
    (kb_root / "corpus" / "disclaimer.md").write_text(EMERGENCY, encoding="utf-8")
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        note = app.query_one(DisclaimerNote)
        flat = " ".join(screen_text(app).split())
        assert "call your local emergency number (999 in the UK, 911 in the US) now." in flat
        assert note.region.height <= 3


def test_long_paths_are_shortened_in_the_middle_and_metadata_breaks_between_parts():
    from kb.tui.widgets.record_view import fit_path, meta_lines

    where = "corpus/faq/when-are-muscle-cramps-a-sign-of-something-serious.yaml:1"
    short = fit_path(where, 50)
    assert len(short) == 50 and short.startswith("corpus/faq/when-") and short.endswith("serious.yaml:1")
    assert fit_path("corpus/faq/x.yaml:3", 50) == "corpus/faq/x.yaml:3"
    assert meta_lines([short, "reviewed 2026-11-20", "care: urgent"], 50) == [
        short, "reviewed 2026-11-20  \u00b7  care: urgent"]


async def test_an_faq_path_never_wraps_mid_name_in_a_narrow_preview(app_factory):
    app = app_factory()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "bananas")
        head = str(app.query_one("#record-head").render()).splitlines()
        width = app.query_one("#record-head").content_size.width
        assert "corpus/faq/do-bananas-help-cramps.yaml:1" in head  # a line of its own
        assert all(len(line) <= width for line in head[1:])


async def test_the_articles_contents_stand_beside_the_text_only_where_there_is_room(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "stretching calves")
        await pilot.press("down", "ctrl+l")
        await settle(app, pilot)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        toc, text = screen.query_one(Contents), screen.query_one("#article-text")
        assert toc.display and toc.region.width == 32 and text.region.width == 120 - 32
        for width in (80, 60):
            await pilot.resize_terminal(width, 20)
            await pilot.pause()
            assert not toc.display and text.region.width == width, width  # the text takes the whole width
        await pilot.press("t")  # no contents to go to: the keyboard stays in the text
        assert app.focused is text
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert toc.display
