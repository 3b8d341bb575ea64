"""Mention-only nutrient links survive a nutrient folder kb cannot read (W1).

A record links a nutrient it only mentions ("magnesium" in its text) through the nutrient records' names. A full
rebuild while ``corpus/nutrients/`` was unreadable linked against no nutrients at all, so records that were not
at fault lost those links (and the ``nutrient:`` filter missed them) until the folder was readable again. The
refused folder's last good nutrient records now count for linking, as they already kept serving.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from reliability_helpers import FILES, make_root

import kb.corpus.files
from kb.cli.main import main
from kb.engine import KnowledgeBase

pytestmark = pytest.mark.reliability

MENTIONS = "corpus/faq/what-helps-twitching.yaml"
FAQ = """question: What helps a twitching calf?
answer: |
  Enough magnesium and potassium in food, and rest.
reviewed: 2026-11-20
references:
  - title: Fact sheet
    publisher: NIH Office of Dietary Supplements
    url: https://ods.od.nih.gov/factsheets/
"""


def links(root: Path) -> tuple[tuple[str, ...], bool]:
    engine = KnowledgeBase(root)
    try:
        record = engine.get("faq/what-helps-twitching")
        found = [h.id for h in engine.search("twitching calf", nutrient="magnesium", limit=50).results]
        return record.nutrients, "faq/what-helps-twitching" in found
    finally:
        engine.close()


def unreadable_folder(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``open(corpus/nutrients)`` fails with EACCES (root ignores permission bits, so it is simulated)."""
    real = os.open
    folder = str(root / "corpus/nutrients")

    def refuse(path, flags, *args, **kwargs):
        if os.fspath(path) == folder:
            raise PermissionError(errno.EACCES, "Permission denied", folder)
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(kb.corpus.files.os, "open", refuse)


def symlinked_outside(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = root / "corpus/nutrients"
    outside = root.parent / "nutrients-elsewhere"
    shutil.move(folder, outside)
    os.symlink(outside, folder)


@pytest.mark.parametrize("refuse", [unreadable_folder, symlinked_outside], ids=["unreadable", "symlink"])
@pytest.mark.parametrize("args", [["index", "--full"], ["index"]], ids=["full", "incremental"])
def test_mention_links_survive_a_refused_nutrient_folder(refuse, args, tmp_path: Path, monkeypatch,
                                                         capsys) -> None:
    files = dict(FILES)
    files[MENTIONS] = FAQ
    root = make_root(tmp_path / "kb", files)
    assert main(["--root", str(root), "index"]) == 0
    before = links(root)
    assert before == (("magnesium", "potassium"), True)
    refuse(root, monkeypatch)
    (root / MENTIONS).write_text(FAQ.replace("and rest", "and rest at night"), encoding="utf-8")  # re-parsed
    assert main(["--root", str(root), *args]) == 1
    out = capsys.readouterr().out
    assert "corpus/nutrients:" in out  # the refused folder is said
    assert not any(line.startswith(MENTIONS) for line in out.splitlines())  # the FAQ is not at fault
    assert links(root) == before
