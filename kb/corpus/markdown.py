"""Markdown handling: front matter, ``##`` sections (found with a real parser), and plain text for indexing.

markdown-it-py gives each block token the source lines it spans, so a heading inside a fenced or indented code
block is never mistaken for a section, and every section knows the line it starts on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_CHARS
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import hr as _hr
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


_ALWAYS_OFF = ("inline", "html_block", "html_inline")

#: block nesting (each list level counts two: the list and its item; each quote level one) past which the text
#: of a line is indexed flat, markers stripped, instead of being parsed as more containers. markdown-it's own
#: limit (``maxNesting``, 20 in the commonmark preset) skips everything after the too-deep line to the end of
#: the document: a list 10 levels deep removed every later section from the index. 32 is 16 list levels or 32
#: quote levels, far past any real article; the parser then recurses about 100 frames deep at most, and the
#: worst 2 MiB file (every line 100 nested quotes) parses far faster than at a limit of 64 (the time grows with
#: depth).
MAX_NESTING = 32
# markdown-it's own limit sits above ours, so it is never reached in block parsing; inline parsing (links
# nested in links) keeps the preset's 20, where going deeper keeps the text (as text) rather than dropping it
_BLOCK_MAX_NESTING = MAX_NESTING + 8
# the container markers a too-deep line may still start with: quote markers, bullets, ordered-list numbers
# (possessive: a line of a million markers leaves no backtracking state behind)
_DEEP_MARKERS = re.compile(r"(?:[ \t>]|[*+\-](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))*+")


def _deep_line(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A block rule tried first on every line: past ``MAX_NESTING``, the line becomes one flat paragraph.

    One line at a time, so the enclosing list item or quote still ends where it would (a dedented line, a
    heading), and every later section is found; the line's words are indexed like any paragraph's.
    """
    if state.level < MAX_NESTING or silent:
        return False
    pos = state.bMarks[start] + state.tShift[start]
    line = state.src[pos:state.eMarks[start]]
    content = line[_DEEP_MARKERS.match(line).end():].strip()  # type: ignore[union-attr] - always matches
    state.line = start + 1
    if content:
        state.push("paragraph_open", "p", 1).map = [start, start + 1]
        inline = state.push("inline", "", 0)
        inline.content = content
        inline.map = [start, start + 1]
        inline.children = []
        state.push("paragraph_close", "p", -1)
    return True


# a thematic break: three or more of one marker, with only spaces and tabs between (what markdown-it's hr
# rule checks character by character in Python)
_HR_LINE = re.compile(r"([*\-_])(?:[ \t]*+\1){2,}+[ \t]*+")


def _fast_hr(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """markdown-it's ``hr`` rule behind a regular-expression test of the line.

    The rule walks the whole line in Python before it can say no, at every nesting level and as a paragraph
    terminator on every line: a 2 MiB line of ``- - - ...`` (32 nested lists) took seconds in it alone.
    """
    pos = state.bMarks[start] + state.tShift[start]
    if not _HR_LINE.fullmatch(state.src, pos, state.eMarks[start]):
        return False
    return _hr(state, start, end, silent)


@lru_cache(maxsize=64)
def _parser(off: frozenset[str] = frozenset()) -> MarkdownIt:
    """CommonMark with tables, raw HTML off; block structure only; the block rules in ``off`` disabled too.

    The core ``inline`` rule is off: most inline content (all of it in plain prose) holds no inline syntax, and
    its plain text is then known without the inline parser, which was a third of parsing time. Content that
    may hold syntax is parsed by ``md.inline`` on demand (:func:`_inline_plain`). ``html_block`` and
    ``html_inline`` are off too: with ``html`` false they never match, but they ran on every line.
    Nesting past ``MAX_NESTING`` is indexed flat (:func:`_deep_line`), never dropped.
    """
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": _BLOCK_MAX_NESTING}).enable("table")
    md.block.ruler.before("table", "kb_deep_line", _deep_line)
    md.block.ruler.at("hr", _fast_hr, {"alt": ["paragraph", "reference", "blockquote", "list"]})
    return md.disable([*_ALWAYS_OFF, *sorted(off)])


@lru_cache(maxsize=1)
def _inline_parser() -> MarkdownIt:
    """The parser for inline content: the commonmark preset as it is (its nesting limit keeps text as text)."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


# a line that may start a list item (which can hold any block), an ``hr``, or indented code
_MAY_LIST = re.compile(r"^[ \t]*(?:[*+\-]|\d)", re.MULTILINE)
_MAY_HR = re.compile(r"^[ \t]*[*\-_]", re.MULTILINE)
_MAY_CODE = re.compile(r"^[ \t]", re.MULTILINE)


def _parser_for(text: str) -> MarkdownIt:
    """The parser for ``text``: block rules that cannot match anywhere in it are disabled.

    Each block rule is tried at every line (and as a paragraph terminator at every line of a paragraph), so
    prose paid for tables, lists and fences it never had: about half of block parsing. A rule is left out
    only when its marker is absent: a table needs a ``|``, a reference definition a ``[``, a fence three
    backticks or tildes, a thematic break or indented code a line starting with one of ``*-_`` or with a
    space or tab. Text that may hold a blockquote or a list item (containers, in which any block can start
    anywhere on a line) or a carriage return (normalize makes it a line break) keeps every rule.
    """
    if ">" in text or "\r" in text or _MAY_LIST.search(text):
        return _parser()
    off = ["blockquote", "list"]
    if "|" not in text:
        off.append("table")
    if "[" not in text:
        off.append("reference")
    if "```" not in text and "~~~" not in text:
        off.append("fence")
    if not _MAY_HR.search(text):
        off.append("hr")
    if not _MAY_CODE.search(text):
        off.append("code")
    return _parser(frozenset(off))


# characters that start an inline rule of the commonmark preset (with html off): escape, code span, emphasis,
# link and image, autolink, entity; NUL and CR are rewritten by the normalize rule. Text without them is text.
_INLINE_SYNTAX = re.compile(r"[\\`*_\[\]!<&\x00\r]")
# what can start a block other than a paragraph (or continue one lazily): indentation, a marker character, an
# ordered-list number; with no such line (and no table pipe, tab or inline syntax) a text is plain paragraphs
_BLOCK_START = re.compile(r"^(?:[ \t]|[#>+\-=~*_`\[<|]|\d{1,9}[.)])", re.MULTILINE)
_NOT_PLAIN = re.compile(r"[\\`*_\[\]!<&\x00\r|\t\f\v]")


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
    """Lowercase (NFC), with every run of characters other than letters and digits turned into one hyphen.

    Letters and digits of every script count (``## Café`` -> ``café``, ``## 筋肉のけいれん`` keeps its
    letters), with the combining marks that follow them (Devanagari and Thai vowel signs are marks). NFC first,
    so a heading typed decomposed (``e`` + U+0301) gets the same slug as the composed one.
    """
    out: list[str] = []
    gap = False
    for ch in unicodedata.normalize("NFC", text).lower():
        cat = unicodedata.category(ch)[0]
        if cat in "LN" or (cat == "M" and out and not gap):
            if gap and out:
                out.append("-")
            out.append(ch)
            gap = False
        else:
            gap = True
    return "".join(out)


def _text_plain(content: str) -> str:
    """Plain text of inline content holding no inline syntax, as the inline parser would give it.

    Each line break is a soft or hard break (one space either way); the newline rule drops the spaces before a
    break (one, or all of two or more) and skips spaces and tabs at the start of the next line.
    """
    if "\n" not in content:
        return content
    lines = content.split("\n")
    last = len(lines) - 1
    out: list[str] = []
    for i, line in enumerate(lines):
        if i:
            line = line.lstrip(" \t")
        if i < last and line.endswith(" "):
            line = line.rstrip(" ") if line.endswith("  ") else line[:-1]
        out.append(line)
    return " ".join(out)


# the children of an image token that hold its alt text's words (emphasis marks hold none)
_ALT_TEXT = frozenset({"text", "code_inline", "text_special", "softbreak", "hardbreak"})


def _inline_plain(token: Token, env: dict | None = None) -> str:
    """Plain text of an ``inline`` token: text and code spans, a space for each line break.

    A token from the block-only parser has no children yet: content without inline syntax is plain already;
    other content is parsed now with ``env`` (the link reference definitions the block parser collected).
    """
    children = token.children
    if not children:
        content = token.content
        if not _INLINE_SYNTAX.search(content):
            return _text_plain(content)
        children = []
        md = _inline_parser()
        md.inline.parse(content, md, env if env is not None else {}, children)
        token.children = children
    parts: list[str] = []
    for child in children:
        # text_special (an escaped character or an entity) is text once the core text_join rule has run
        if child.type in ("text", "code_inline", "text_special"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":  # its alt text is words of the section (it used to vanish from the index)
            parts.extend(c.content if c.type in ("text", "code_inline", "text_special") else " "
                         for c in child.children or () if c.type in _ALT_TEXT)
    return "".join(parts)


def plain_text(tokens: list[Token], env: dict | None = None) -> str:
    """The words of a token stream, Markdown syntax stripped, blocks separated by newlines."""
    out: list[str] = []
    for tok in tokens:
        if tok.type == "inline":
            out.append(_inline_plain(tok, env))
        elif tok.type in ("fence", "code_block"):
            out.append(tok.content.rstrip("\n"))
    return "\n".join(s for s in out if s.strip())


def _parse(text: str) -> tuple[list[Token], dict]:
    env: dict = {}
    return _parser_for(text).parse(text, env), env


def _plain_paragraphs(text: str) -> str | None:
    """Plain text of ``text`` when it is only paragraphs of text (no Markdown syntax at all), else None.

    Such text needs no parser: paragraphs are runs of non-empty lines, trimmed as the paragraph rule trims.
    """
    if _NOT_PLAIN.search(text) or _BLOCK_START.search(text):
        return None
    out: list[str] = []
    for para in text.split("\n\n"):
        plain = _text_plain(para.strip(MD_TRIM_CHARS))  # "\n\n\n" leaves a "\n"-only part: stripped empty
        if plain.strip():
            out.append(plain)
    return "\n".join(out)


def markdown_plain(text: str) -> str:
    """Plain text of a Markdown fragment (an FAQ answer, a nutrient's role)."""
    plain = _plain_paragraphs(text)
    if plain is not None:
        return plain
    tokens, env = _parse(text)
    return plain_text(tokens, env)


def parse_sections(body: str, first_line: int, lead_heading: str = "Overview") -> list[RawSection]:
    """Split a Markdown body at its level-2 headings.

    Text before the first ``##`` becomes a section titled ``lead_heading`` when it holds any words.
    ``first_line`` is the file line the body starts on, so section lines are file lines.
    """
    tokens, env = _parse(body)
    src = body.split("\n")
    starts: list[tuple[int, int, str]] = []  # (token index, body line index, heading)
    for i, tok in enumerate(tokens):
        # top level only (not a "## " inside a quote or list item), and ATX "##" only, as docs/corpus.md says
        if tok.type == "heading_open" and tok.tag == "h2" and tok.map and tok.level == 0 \
                and tok.markup == "##":
            starts.append((i, tok.map[0], _inline_plain(tokens[i + 1], env)))
    sections: list[RawSection] = []
    first_tok = starts[0][0] if starts else len(tokens)
    lead = tokens[:first_tok]
    lead_plain = plain_text(lead, env)
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
                plain_text(body_tokens, env),
                first_line + line_i,
            )
        )
    return sections
