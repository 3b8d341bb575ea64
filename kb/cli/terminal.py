"""Writing untrusted text to a terminal: control characters made visible, emphasis only on a real terminal.

Corpus text and queries may hold ANSI/OSC escape sequences; they must never reach the terminal raw.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from typing import TextIO

from kb.model.results import Snippet

_VISIBLE = {0x1B: "␛", 0x07: "␇", 0x08: "␈", 0x7F: "␡"}


def clean(text: str, keep_newlines: bool = False) -> str:
    """``text`` with C0/C1 control characters replaced by visible symbols (tabs become spaces)."""
    out = []
    for ch in text:
        o = ord(ch)
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch == "\t":
            out.append("    ")
        elif o < 0x20:
            out.append(_VISIBLE.get(o, chr(0x2400 + o)))
        elif o == 0x7F or 0x80 <= o < 0xA0:
            out.append(_VISIBLE.get(o, "�"))
        elif o in (0x2028, 0x2029, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x202A, 0x202B, 0x202C, 0x202D):
            out.append("�")  # line separators and bidi overrides can disguise text
        elif 0xD800 <= o < 0xE000:
            out.append("�")  # a lone surrogate (non-UTF-8 bytes in argv) cannot be written as UTF-8
        else:
            out.append(ch)
    return "".join(out)


COLOR_CHOICES = ("auto", "always", "never")


def use_color(stream: TextIO, choice: str = "auto") -> bool:
    """Whether to emphasise: ``always``/``never`` as asked; ``auto`` on a terminal unless ``NO_COLOR`` is set
    (to anything but the empty string, as https://no-color.org asks)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def output_width(stream: TextIO) -> int | None:
    """The width to wrap text to on a terminal (``COLUMNS`` overrides the size the terminal reports); None,
    no wrapping, when the output is piped or redirected, so scripts get each line whole."""
    if not stream.isatty():
        return None
    return max(shutil.get_terminal_size().columns, 20)


_SGR = re.compile(r"\x1b\[[0-9;]*m")
_PIECE = re.compile(r"\x1b\[[0-9;]*m|\s+|[^\s\x1b]+")
_ITEM = re.compile(r"^(\s*)([-*]|\d+[.)])\s+")


def wrap_line(line: str, width: int | None) -> list[str]:
    """``line`` wrapped at word boundaries to ``width`` visible columns (kb's own SGR codes take none).

    Continuation lines keep the line's indent, and hang under the text of a list item (``- ``, ``1. ``); an
    emphasis open at a break is closed at the end of the line and reopened on the next. A word longer than a
    whole line is cut.
    """
    if width is None or len(_SGR.sub("", line)) <= width:
        return [line]
    plain = _SGR.sub("", line)
    item = _ITEM.match(plain)
    hang = " " * (item.end() if item else len(plain) - len(plain.lstrip(" ")))
    lines: list[str] = []
    current, used, active = "", 0, ""
    pending_space = ""
    opening = ""

    def flush() -> None:
        nonlocal current, used
        lines.append(current + ("\x1b[0m" if active else ""))
        current, used = hang + active, len(hang)

    for piece in _PIECE.findall(line):
        if piece.startswith("\x1b"):
            if piece == "\x1b[0m":
                active = ""
                current += opening + piece if opening else piece
                opening = ""
            else:  # an opening code belongs to the word after it (after any space)
                opening += piece
        elif piece.isspace():
            pending_space = piece if used else ""
            if not lines and not current.strip():  # the line's own indent
                current += piece
                used += len(piece)
                pending_space = ""
        else:
            while piece:
                room = width - used - len(pending_space)
                if opening and len(piece) <= room or opening and used <= len(hang):
                    current += pending_space + opening
                    used += len(pending_space)
                    active += opening
                    opening, pending_space = "", ""
                    room = width - used
                if len(piece) <= room:
                    current += pending_space + piece
                    used += len(pending_space) + len(piece)
                    piece = ""
                elif used > len(hang) or (lines == [] and used > 0 and current.strip()):
                    flush()
                else:  # a word longer than a line: cut it
                    cut = max(width - used - len(pending_space), 1)
                    current += pending_space + piece[:cut]
                    used += len(pending_space) + cut
                    piece = piece[cut:]
                    flush()
                pending_space = ""
    if current.strip() or not lines:
        lines.append(current)
    return lines


def wrap(text: str, width: int | None) -> str:
    """Every line of ``text`` wrapped with :func:`wrap_line`."""
    if width is None:
        return text
    return "\n".join(out for line in text.split("\n") for out in wrap_line(line, width))


def reflow(markdown: str) -> str:
    """Markdown with its soft line breaks joined, so a paragraph is one line to wrap to the terminal.

    Lines of a list item, a table, a heading, a quote or a code block keep their breaks; only lines inside a
    paragraph (or continuing a list item) are joined.
    """
    out: list[str] = []
    fence = False
    for line in markdown.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            out.append(line)
            continue
        joinable = (out and out[-1].strip() and stripped and not fence
                    and not _ITEM.match(line) and not stripped.startswith(("|", "#", ">"))
                    and not out[-1].strip().startswith(("|", "#", "```", "~~~")) and not line.startswith("    "))
        if joinable:
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(line)
    return "\n".join(out)


class Style:
    """ANSI emphasis when writing to a terminal (``--color`` and ``NO_COLOR`` decide), nothing when piped."""

    def __init__(self, stream: TextIO | None = None, color: bool | None = None) -> None:
        stream = stream or sys.stdout
        self.on = use_color(stream) if color is None else color

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def mark(self, text: str) -> str:
        return self._wrap("1;33", text)

    def snippet(self, snippet: Snippet) -> str:
        """The snippet with its matched words emphasised (spans are data; the text is cleaned first)."""
        text = snippet.text
        if not self.on:
            return clean(text)
        out, pos = [], 0
        for start, end in snippet.spans:
            out.append(clean(text[pos:start]))
            out.append(self.mark(clean(text[start:end])))
            pos = end
        out.append(clean(text[pos:]))
        return "".join(out)
