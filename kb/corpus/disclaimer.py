"""The medical disclaimer, kept in one place in the corpus (``corpus/disclaimer.md``) for every interface."""

from __future__ import annotations

from pathlib import Path

from kb.corpus.files import FileProblem, read_text
from kb.model.errors import Problem

DEFAULT_DISCLAIMER = (
    "This knowledge base is for general information only and is not medical advice. "
    "See a doctor or pharmacist about your own symptoms."
)


def read_disclaimer(root: Path) -> tuple[str, list[Problem]]:
    """The disclaimer as one paragraph (the default when the file is missing or unreadable), and problems."""
    rel = "corpus/disclaimer.md"
    if not (root / rel).exists():
        return DEFAULT_DISCLAIMER, []
    try:
        return " ".join(read_text(root, rel).split()), []
    except FileProblem as exc:
        return DEFAULT_DISCLAIMER, [exc.problem]
