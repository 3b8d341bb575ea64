"""kb.corpus.markdown: front matter, ``##`` sections found by a real Markdown parser, and plain text."""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.corpus.markdown import FrontMatterError, markdown_plain, parse_sections, slugify, split_front_matter


def sections(body: str, first_line: int = 1) -> list[tuple[str, str, int]]:
    return [(s.heading, s.slug, s.line) for s in parse_sections(textwrap.dedent(body), first_line)]


def test_front_matter_is_split_and_the_body_line_is_a_file_line() -> None:
    fm, body, body_line = split_front_matter("---\ntitle: T\nsummary: S\n---\n\n## A\n")
    assert fm == "title: T\nsummary: S"
    assert body == "\n## A\n"
    assert body_line == 5


def test_front_matter_fence_may_follow_a_byte_order_mark_and_have_trailing_spaces() -> None:
    fm, _, body_line = split_front_matter("\ufeff---  \ntitle: T\n--- \nBody\n")
    assert (fm, body_line) == ("title: T", 4)


def test_missing_front_matter_is_an_error_on_line_1() -> None:
    with pytest.raises(FrontMatterError) as info:
        split_front_matter("title: T\n---\n## A\n")
    assert info.value.line == 1
    assert str(info.value) == "front matter missing: the file must start with a '---' line"


def test_unclosed_front_matter_is_an_error_on_line_1() -> None:
    with pytest.raises(FrontMatterError) as info:
        split_front_matter("---\ntitle: T\n\n## A\n")
    assert info.value.line == 1
    assert str(info.value) == "front matter not closed: no second '---' line"


@pytest.mark.parametrize(("heading", "slug"), [
    ("Vitamin D & muscles", "vitamin-d-muscles"),
    ("What a night cramp is", "what-a-night-cramp-is"),
    ("  B12: why it matters?! ", "b12-why-it-matters"),
    ("Pins -- and -- needles", "pins-and-needles"),
    ("???", ""),
])
def test_slugify(heading: str, slug: str) -> None:
    assert slugify(heading) == slug


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_slugify_always_gives_a_slug_or_nothing(text: str) -> None:
    """Letters, digits and marks of any script, lowercased, single hyphens between runs; stable."""
    import unicodedata

    slug = slugify(text)
    assert all(ch == "-" or unicodedata.category(ch)[0] in "LNM" for ch in slug)
    assert "--" not in slug and not slug.startswith("-") and not slug.endswith("-")
    assert slugify(slug) == slug
    if text.isascii():
        assert re.fullmatch(r"([a-z0-9]+(-[a-z0-9]+)*)?", slug)


def test_slugify_keeps_letters_of_every_script() -> None:
    assert slugify("Café") == "café" != slugify("Caf")
    assert slugify("Cafe\u0301") == "café"  # decomposed: the same slug
    assert slugify("筋肉のけいれん") == "筋肉のけいれん"
    assert slugify("Μυϊκές κράμπες") == "μυϊκές-κράμπες"
    assert slugify("हिन्दी शीर्षक") == "हिन्दी-शीर्षक"  # vowel signs are marks, kept
    assert slugify("Vitamin D & muscles") == "vitamin-d-muscles"
    assert slugify("💪") == slugify("???") == ""


def test_each_level_two_heading_starts_a_section_at_its_line() -> None:
    body = """\
        ## First

        One.

        ### A subheading stays inside

        More.

        ## Second

        Two.
        """
    assert sections(body, first_line=10) == [("First", "first", 10), ("Second", "second", 18)]
    first = parse_sections(textwrap.dedent(body), 10)[0]
    assert first.text == "One.\n\n### A subheading stays inside\n\nMore."
    assert first.plain == "One.\nA subheading stays inside\nMore."


def test_headings_in_fenced_code_are_not_sections() -> None:
    body = """\
        ## Real

        ```markdown
        ## Not a section
        ```

        ~~~
        ## Nor this
        ~~~
        """
    assert sections(body) == [("Real", "real", 1)]
    assert "## Not a section" in parse_sections(textwrap.dedent(body), 1)[0].text


def test_headings_in_indented_code_are_not_sections() -> None:
    body = "## Real\n\nText:\n\n    ## Not a section\n    code\n"
    assert sections(body) == [("Real", "real", 1)]
    assert "## Not a section" in parse_sections(body, 1)[0].plain


def test_headings_inside_quotes_and_list_items_are_not_sections() -> None:
    body = "## Real\n\n> ## Quoted\n> text\n\n- item\n\n  ## In a list\n"
    assert sections(body) == [("Real", "real", 1)]


def test_setext_underlined_text_is_not_a_section() -> None:
    body = "## Real\n\nA line\n---\n\nMore.\n"
    assert sections(body) == [("Real", "real", 1)]


def test_text_before_the_first_heading_becomes_an_overview_section() -> None:
    body = "\nA lead paragraph.\n\n## Next\n\nText.\n"
    got = parse_sections(body, first_line=8)
    assert [(s.heading, s.slug, s.line) for s in got] == [("Overview", "overview", 9), ("Next", "next", 11)]
    assert got[0].text == "A lead paragraph."


def test_blank_lead_makes_no_overview_section() -> None:
    assert sections("\n\n## Only\n\nText.\n") == [("Only", "only", 3)]


def test_body_without_headings_is_all_overview() -> None:
    assert sections("Just a paragraph.\n") == [("Overview", "overview", 1)]


def test_heading_with_no_body_has_empty_plain_text() -> None:
    got = parse_sections("## Empty\n\n## Full\n\nText.\n", 1)
    assert [(s.heading, s.plain) for s in got] == [("Empty", ""), ("Full", "Text.")]


def test_heading_markup_is_stripped_from_the_heading() -> None:
    got = sections("## Vitamin *D* & `muscles`\n\nText.\n")
    assert got == [("Vitamin D & muscles", "vitamin-d-muscles", 1)]


def test_markdown_plain_drops_syntax_but_keeps_words() -> None:
    text = "Bananas supply **potassium**, see [NHS](https://nhs.uk).\n\n- one\n- two\n\n`code`\n"
    assert markdown_plain(text) == "Bananas supply potassium, see NHS.\none\ntwo\ncode"


def test_raw_html_is_kept_as_text_not_interpreted() -> None:
    assert "<script>" in markdown_plain("<script>alert(1)</script>\n")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9 ]{0,20}", fullmatch=True), min_size=1, max_size=6),
       st.integers(min_value=1, max_value=500))
def test_every_section_line_points_at_its_heading(headings: list[str], first_line: int) -> None:
    body = "Lead.\n\n" + "".join(
        f"## {h}\n\nText about {h}.\n\n```\n## fenced {h}\n```\n\n" for h in headings)
    src = body.split("\n")
    got = parse_sections(body, first_line)
    assert len(got) == len(headings) + 1
    for s in got[1:]:
        assert src[s.line - first_line].rstrip() == f"## {s.heading}"
