"""Writing untrusted text to a terminal: control characters made visible, emphasis only on a real terminal.

Corpus text and queries may hold ANSI/OSC escape sequences; they must never reach the terminal raw.
"""

from __future__ import annotations

import sys
from typing import TextIO

from kb.results import Snippet

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


class Style:
    """ANSI emphasis when writing to a terminal, nothing when piped."""

    def __init__(self, stream: TextIO | None = None, color: bool | None = None) -> None:
        stream = stream or sys.stdout
        self.on = stream.isatty() if color is None else color

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
