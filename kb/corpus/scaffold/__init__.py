"""``kb init``: a new knowledge base to start from - the corpus folders, a disclaimer, synonyms, and one example
article, FAQ and nutrient record that validate (the nutrient is a copy of the shipped magnesium record)."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

from kb.model.errors import KbError


def create(root: Path) -> list[Path]:
    """Write the starter corpus under ``root``; refuses a folder that already holds a ``corpus/``.

    Returns the files written, relative to ``root``.
    """
    target = root / "corpus"
    if target.exists():
        raise KbError(f"{root}: already a knowledge base (corpus/ exists); nothing was written")
    template = Path(str(files("kb.corpus.scaffold") / "corpus"))
    shutil.copytree(template, target)
    (root / "index").mkdir(exist_ok=True)
    return sorted(p.relative_to(root) for p in target.rglob("*") if p.is_file())
