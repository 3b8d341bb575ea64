"""The medical disclaimer on the main screen: its emergency advice always readable, the rest behind ``f1``.

The whole text does not fit on one line, and an ellipsis used to cut off the sentence that matters most ("call
your local emergency number"). The note shows a short form that wraps: "Not medical advice." and the
disclaimer's emergency sentence without its examples in brackets; the help screen shows the whole text.
"""

from __future__ import annotations

import re

from textual.content import Content
from textual.widgets import Static

from kb.tui.text import literal, one_line

_SENTENCE = re.compile(r"[^.!?]+(?:\([^)]*\)[^.!?]*)*[.!?]?")
_EXAMPLES = re.compile(r"\s*\((?![^)]*\d)[^)]*\)")  # brackets with no figure in them: "(for example ...)"


def emergency_sentence(text: str) -> str:
    """The disclaimer's sentence about emergencies, its examples in brackets left out ('' if none)."""
    for sentence in _SENTENCE.findall(one_line(text)):
        if re.search(r"emergenc|\b999\b|\b911\b|\b112\b", sentence, re.IGNORECASE):
            return _EXAMPLES.sub("", sentence).strip()
    return ""


class DisclaimerNote(Static):
    """The short form of ``corpus/disclaimer.md``: wraps to at most three lines, never cut mid-sentence."""

    DEFAULT_CSS = """
    DisclaimerNote {
        height: auto;
        max-height: 3;
        padding: 0 1;
        color: $text-warning;
        background: $warning 10%;
        text-wrap: wrap;
    }
    """

    def show(self, text: str) -> None:
        emergency = emergency_sentence(text)
        if emergency:
            body = Content.assemble(literal("Not medical advice. "), literal(emergency).stylize("bold"),
                                    ("  f1: more", "italic"))
        else:
            body = literal(one_line(text))
        self.update(Content.assemble(("Disclaimer ", "bold"), body))
