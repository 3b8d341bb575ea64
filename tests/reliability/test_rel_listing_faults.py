"""Faults around the corpus listing and the disk: what kb cannot see or write never empties the index.

- the corpus folder cannot be listed: ``kb index`` stops with one line instead of deleting every record;
- a content folder refused by the listing (a symlink leading outside): its files keep their last good records;
- the disk fills up during a rebuild: one ``kb: <file>: <reason>`` line, the previous index keeps serving, and
  the half-written generation folder is removed by the next successful update.
"""

# ruff: noqa: F811 - the `root` fixture is imported from reliability_helpers (no conftest.py: see there)
from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from reliability_helpers import answers, root  # noqa: F401 - root is a fixture

import kb.corpus.files
import kb.index.store
from kb.cli.main import main
from kb.engine import KnowledgeBase

pytestmark = pytest.mark.reliability
QUERIES = ("bananas", "magnesium", "cramps night", "tingling", "eyelid", "vegans")


def served(root: Path) -> tuple:
    engine = KnowledgeBase(root)
    try:
        return answers(engine, QUERIES)
    finally:
        engine.close()


def test_unlistable_corpus_folder_stops_the_update(root: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys) -> None:
    before = served(root)
    real = os.scandir
    corpus = str(root / "corpus")

    def scandir(path="."):
        if os.fspath(path) == corpus:
            raise PermissionError(errno.EACCES, "Permission denied", corpus)
        return real(path)

    monkeypatch.setattr(kb.corpus.files.os, "scandir", scandir)
    for args in (["index"], ["index", "--full"]):
        assert main(["--root", str(root), *args]) == 1
        out, err = capsys.readouterr()
        assert err == "kb: corpus: cannot list the corpus folder: Permission denied\n"
    monkeypatch.undo()
    assert served(root) == before  # nothing was deleted


@pytest.mark.parametrize("args", [["index"], ["index", "--full"]])
def test_content_folder_symlinked_outside_keeps_its_last_good_records(args, root: Path, capsys) -> None:
    before = served(root)
    articles = root / "corpus/articles"
    outside = root.parent / "elsewhere"
    shutil.move(articles, outside)
    os.symlink(outside, articles)
    assert main(["--root", str(root), *args]) == 1
    out = capsys.readouterr().out
    assert "corpus/articles: symlink leads outside the corpus folder; not followed" in out
    assert served(root) == before
    articles.unlink()
    shutil.rmtree(outside)  # now really deleted: its records go
    main(["--root", str(root), "index"])  # exit 1: a FAQ names an article that is gone
    assert served(root)[QUERIES.index("vegans")] == ()


def test_disk_full_during_a_rebuild(root: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    before = served(root)
    (root / "corpus/faq/why-does-my-eyelid-twitch.yaml").touch()
    real = kb.index.store.write_atomic

    def full_disk(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(kb.index.store, "write_atomic", full_disk)
    monkeypatch.setattr("kb.index.indexer.write_atomic", full_disk)
    assert main(["--root", str(root), "index", "--full"]) == 1
    out, err = capsys.readouterr()
    assert err == f"kb: no space left on device while writing {root / 'index'}\n"
    monkeypatch.setattr(kb.index.store, "write_atomic", real)
    monkeypatch.setattr("kb.index.indexer.write_atomic", real)
    assert served(root) == before  # the pointer was never swapped
    gens = [p for p in (root / "index").iterdir() if p.name.startswith("gen-")]
    assert len(gens) == 1  # the half-written one was removed at once (test_rel_disk_full.py has more)
    assert main(["--root", str(root), "index"]) == 0
    gens = [p for p in (root / "index").iterdir() if p.name.startswith("gen-")]
    assert len(gens) == 1  # ...until the next update removes it
    assert served(root) == before
