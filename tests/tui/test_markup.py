"""Corpus text and queries are shown literally: markup in them is inert (no styles, no actions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.tui.commands import fuzzy_highlight
from kb.tui.widgets.record_view import RecordView
from kb.tui.widgets.result_list import ResultList

from .conftest import SIZE, settle, type_query

HOSTILE = "[@click=app.quit]quit[/] [bold]cramp[/bold] [B]spasm [$accent]x[/]"

FAQ = f"""question: "Is {HOSTILE} dangerous?"
answer: |
  Text with {HOSTILE} and a [link to nowhere](app.quit) in it.
reviewed: 2026-11-20
tags: [food]
references:
  - title: "Ref [b]x[/b]"
    publisher: "[i]P[/i]"
    url: https://example.com/
"""


@pytest.fixture
def hostile_root(kb_root: Path) -> Path:
    (kb_root / "corpus/faq/hostile.yaml").write_text(FAQ, encoding="utf-8")
    return kb_root


async def test_markup_in_corpus_text_is_shown_literally_and_does_nothing(hostile_root, app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "dangerous [bold]")  # the query itself holds markup too
        results = app.query_one(ResultList)
        assert results.highlighted_hit.id == "faq/hostile"
        prompt = results.get_option_at_index(0).prompt
        assert f"Is {HOSTILE} dangerous?" in prompt.plain
        preview = app.query_one(RecordView)
        assert f"Is {HOSTILE} dangerous?" in preview.query_one("#record-head").render().plain
        paragraph = preview.query_one("MarkdownParagraph")
        assert HOSTILE in paragraph._content.plain
        # clicking where the click action would be, and on the corpus's own link, runs nothing
        await pilot.click(ResultList, offset=(16, 0))
        await pilot.click(paragraph, offset=(10, 0))
        link_at = paragraph._content.plain.index("link to nowhere")
        await paragraph.run_action("link('app.quit')")  # what clicking the corpus link does
        await settle(app, pilot)
        assert app.is_running and app.return_code is None
        assert link_at > 0
        # the shown text carries no click actions of its own
        assert all("@click" not in str(getattr(span.style, "meta", "")) for span in prompt.spans)


async def test_palette_titles_are_literal():
    content = fuzzy_highlight("quit", HOSTILE)
    assert content.plain == HOSTILE
    assert all("@click" not in str(getattr(s.style, "meta", "")) for s in content.spans)
