"""Markdown handling: front matter, ``##`` sections (found with a real parser), and plain text for indexing.

markdown-it-py gives each block token the source lines it spans, so a heading inside a fenced or indented code
block is never mistaken for a section, and every section knows the line it starts on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

_FENCE = re.compile(r"^---[ \t]*$")


@dataclass(frozen=True)
class RawSection:
    """A section as found in the Markdown: heading, body Markdown, plain body text and 1-based heading line."""

    heading: str
    slug: str
    text: str
    plain: str
    line: int


class FrontMatterError(ValueError):
    """Front matter is missing or not closed; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split ``---``-fenced YAML front matter from the body.

    Returns:
        (yaml_text, body, body_first_line) where body_first_line is the 1-based line the body starts on.
    """
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0].lstrip("\ufeff")):
        raise FrontMatterError("front matter missing: the file must start with a '---' line", 1)
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    raise FrontMatterError("front matter not closed: no second '---' line", 1)


def slugify(text: str) -> str:
    """Lowercase, with every run of characters other than letters and digits turned into one hyphen."""
    return re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")


def _inline_plain(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def plain_text(tokens: list[Token]) -> str:
    """The words of a token stream, Markdown syntax stripped, blocks separated by newlines."""
    out: list[str] = []
    for tok in tokens:
        if tok.type == "inline":
            out.append(_inline_plain(tok))
        elif tok.type in ("fence", "code_block"):
            out.append(tok.content.rstrip("\n"))
    return "\n".join(s for s in out if s.strip())


def markdown_plain(text: str) -> str:
    """Plain text of a Markdown fragment (an FAQ answer, a nutrient's role)."""
    return plain_text(_parser().parse(text))


def parse_sections(body: str, first_line: int, lead_heading: str = "Overview") -> list[RawSection]:
    """Split a Markdown body at its level-2 headings.

    Text before the first ``##`` becomes a section titled ``lead_heading`` when it holds any words.
    ``first_line`` is the file line the body starts on, so section lines are file lines.
    """
    tokens = _parser().parse(body)
    src = body.split("\n")
    starts: list[tuple[int, int, str]] = []  # (token index, body line index, heading)
    for i, tok in enumerate(tokens):
        # top level only (not a "## " inside a quote or list item), and ATX "##" only, as docs/corpus.md says
        if tok.type == "heading_open" and tok.tag == "h2" and tok.map and tok.level == 0 \
                and tok.markup == "##":
            starts.append((i, tok.map[0], _inline_plain(tokens[i + 1])))
    sections: list[RawSection] = []
    first_tok = starts[0][0] if starts else len(tokens)
    lead = tokens[:first_tok]
    lead_plain = plain_text(lead)
    if lead_plain.strip():
        lead_end = starts[0][1] if starts else len(src)
        lead_start = next((t.map[0] for t in lead if t.map), 0)
        sections.append(
            RawSection(
                lead_heading,
                slugify(lead_heading),
                "\n".join(src[lead_start:lead_end]).strip("\n"),
                lead_plain,
                first_line + lead_start,
            )
        )
    for n, (tok_i, line_i, heading) in enumerate(starts):
        tok_end = starts[n + 1][0] if n + 1 < len(starts) else len(tokens)
        line_end = starts[n + 1][1] if n + 1 < len(starts) else len(src)
        heading_end = tokens[tok_i].map[1] if tokens[tok_i].map else line_i + 1
        body_tokens = tokens[tok_i + 3 : tok_end]  # skip heading_open, inline, heading_close
        sections.append(
            RawSection(
                heading.strip(),
                slugify(heading),
                "\n".join(src[heading_end:line_end]).strip("\n"),
                plain_text(body_tokens),
                first_line + line_i,
            )
        )
    return sections
