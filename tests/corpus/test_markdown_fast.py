"""kb.corpus.markdown's shortcuts give exactly what parsing everything with markdown-it gives.

The shortcuts: no parser at all for text without Markdown syntax, no inline parser for inline content without
inline syntax, and block rules disabled where their marker is absent. The reference below is the plain
approach: the full CommonMark parser (tables on, raw HTML off) and plain text from its inline children.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kb.corpus import markdown as K
from kb.corpus.markdown import RawSection, markdown_plain, parse_sections, slugify, split_front_matter

_FULL = MarkdownIt("commonmark", {"html": False}).enable("table")


def _ref_inline(token) -> str:
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":  # alt text: words of the section
            parts.extend(c.content if c.type in ("text", "code_inline") else " " for c in child.children or ()
                         if c.type in ("text", "code_inline", "softbreak", "hardbreak"))
    return "".join(parts)


def _ref_plain(tokens) -> str:
    out = []
    for tok in tokens:
        if tok.type == "inline":
            out.append(_ref_inline(tok))
        elif tok.type in ("fence", "code_block"):
            out.append(tok.content.rstrip("\n"))
    return "\n".join(s for s in out if s.strip())


def ref_markdown_plain(text: str) -> str:
    return _ref_plain(_FULL.parse(text))


def ref_parse_sections(body: str, first_line: int, lead_heading: str = "Overview") -> list[RawSection]:
    tokens = _FULL.parse(body)
    src = body.split("\n")
    starts = [(i, t.map[0], _ref_inline(tokens[i + 1])) for i, t in enumerate(tokens)
              if t.type == "heading_open" and t.tag == "h2" and t.map and t.level == 0 and t.markup == "##"]
    out = []
    first_tok = starts[0][0] if starts else len(tokens)
    lead = tokens[:first_tok]
    lead_plain = _ref_plain(lead)
    if lead_plain.strip():
        lead_end = starts[0][1] if starts else len(src)
        lead_start = next((t.map[0] for t in lead if t.map), 0)
        out.append(RawSection(lead_heading, slugify(lead_heading), "\n".join(src[lead_start:lead_end]).strip("\n"),
                              lead_plain, first_line + lead_start))
    for n, (tok_i, line_i, heading) in enumerate(starts):
        tok_end = starts[n + 1][0] if n + 1 < len(starts) else len(tokens)
        line_end = starts[n + 1][1] if n + 1 < len(starts) else len(src)
        heading_end = tokens[tok_i].map[1] if tokens[tok_i].map else line_i + 1
        out.append(RawSection(heading.strip(), slugify(heading), "\n".join(src[heading_end:line_end]).strip("\n"),
                              _ref_plain(tokens[tok_i + 3:tok_end]), first_line + line_i))
    return out


def check(text: str) -> None:
    assert markdown_plain(text) == ref_markdown_plain(text), repr(text)
    assert parse_sections(text, 3) == ref_parse_sections(text, 3), repr(text)


# every kind of syntax, mixed in at random
SYNTAX = ["word", "Word", " ", "  ", "\t", "\n", "\n\n", "*", "_", "`", "[", "]", "(", ")", "!", "<", ">", "&amp;",
          "&", "\\", "#", "## ", "- ", "1. ", "2) ", "---", "===", "|", "~~~", "```", "    ", "\u2003", "\xa0",
          "http://x.y", "[a]: /u\n", "[a]", "\r\n", "\x00", "é", "  \n", "a|b\n-|-\n"]
# prose: words, spaces and line breaks, characters that are syntax only at a line start
PROSE = ["word", "Word", " ", "  ", "   ", "\n", "\n\n", "\n\n\n", "  \n", " \n", "\u2003", "\xa0", "1", "12", ".",
         ")", "#", "-", "=", "+", "é", "x-y", "\u2028", "\x0b", "~", ":", "'", '"', "(", ",", "\n1. ", "\n- ", "\n#"]
# no container (list, quote) markers: the documents whose parser has block rules switched off
FLAT = ["word", "Word", " ", "  ", "    ", "\t", "\n", "\n\n", "  \n", "|", "a|b\n", "|-|-|\n", ":--|--:\n",
        "[a]: /u\n", "[a]", "[x](y)", "```\n", "~~~\n", "```py\n", "___\n", "_", "==\n", "# h\n", "## ", "## h2\n",
        "&amp;", "`c`", "*e*", "\\|", "é", "\xa0", ".", "a1", "\u2003", "<b>", "!", "\x0c", "x\n   y"]


@pytest.mark.parametrize("pieces", [SYNTAX, PROSE, FLAT], ids=["syntax", "prose", "flat"])
def test_random_documents_match_the_full_parser(pieces: list[str]) -> None:
    rnd = random.Random(len(pieces))
    for _ in range(3000):
        check("".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 30))))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SYNTAX + PROSE + FLAT), max_size=40))
def test_any_document_matches_the_full_parser(pieces: list[str]) -> None:
    check("".join(pieces))


def test_the_shortcuts_are_taken() -> None:
    assert K._plain_paragraphs("One line\nand another.\n\nA second paragraph, 2.4 mg.\n") is not None
    assert K._plain_paragraphs("- a list\n") is None
    assert K._parser_for("## A\n\nText | with a pipe\n") is not K._parser()
    assert K._parser_for("## A\n\n> a quote\n") is K._parser()


def test_the_fixture_corpus_articles_match(tmp_path: Path) -> None:
    from conftest import FILES

    for rel, text in FILES.items():
        if rel.startswith("corpus/articles/"):
            _, body, line = split_front_matter(text)
            assert parse_sections(body, line) == ref_parse_sections(body, line)
