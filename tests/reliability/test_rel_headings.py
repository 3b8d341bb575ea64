"""Headings in any script (M2): letters and digits of every script stay in the section's id.

Before, the slug kept only ``[a-z0-9]``: ``## 筋肉のけいれん`` or ``## 💪`` refused the whole article ("section
heading has no letters or digits") and ``## Café`` became ``caf``, colliding with ``## Caf``. Now ``café`` and
``caf`` are two sections, CJK and Greek headings keep their letters, and a heading of symbols only is named by
its place (``section-N``), so nothing is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reliability_helpers import FILES, REF, make_root, run_kb

pytestmark = pytest.mark.reliability

ARTICLE = ("---\ntitle: Headings in many scripts\nsummary: Unicode headings.\nreviewed: 2026-11-20\n" + REF
           + "---\n\n"
           "## Café\n\ncafeword is about coffee.\n\n"
           "## Caf\n\ncafword is a different section.\n\n"
           "## 筋肉のけいれん\n\n筋肉 kanjiword text.\n\n"
           "## Μυϊκές κράμπες\n\ngreekword κράμπες text.\n\n"
           "## 💪\n\nemojiword strength.\n\n"
           "## Ménière’s disease\n\nmeniereword vertigo.\n")
IDS = ["article/scripts#café", "article/scripts#caf", "article/scripts#筋肉のけいれん",
       "article/scripts#μυϊκές-κράμπες", "article/scripts#section-5", "article/scripts#ménière-s-disease"]


def test_unicode_headings_are_sections_with_their_letters(tmp_path: Path) -> None:
    files = dict(FILES)
    files["corpus/articles/scripts.md"] = ARTICLE
    root = make_root(tmp_path / "kb", files)
    done = run_kb(root, "validate")
    assert done.returncode == 0, done.stdout
    assert run_kb(root, "index").returncode == 0
    exported = [json.loads(line)["id"] for line in run_kb(root, "export").stdout.splitlines()]
    assert sorted(i for i in exported if i.startswith("article/scripts#")) == sorted(IDS)
    from kb.engine import KnowledgeBase

    engine = KnowledgeBase(root)
    try:
        for rid, word in zip(IDS, ["cafeword", "cafword", "kanjiword", "greekword", "emojiword", "meniereword"],
                             strict=True):
            assert [h.id for h in engine.search(word).results] == [rid]
            assert engine.get(rid).id == rid
    finally:
        engine.close()
    for rid, word in ((IDS[0], "cafeword"), (IDS[2], "kanjiword"), (IDS[4], "emojiword")):  # the CLI too
        shown = run_kb(root, "show", rid)
        assert shown.returncode == 0 and word in shown.stdout, shown.stderr
    nfd = run_kb(root, "show", "article/scripts#cafe\u0301")  # decomposed, as some systems type it
    assert nfd.returncode in (0, 1) and "Traceback" not in nfd.stderr
