"""``update(paths=[...])``: an update told which files changed (an editor's hook, the TUI's watcher,
``kb index PATH``) re-indexes those without listing the corpus, reports what a listing would, leaves the manifest
so that a later update with no paths finds nothing to do, and refuses a path that names no corpus file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import FILES

from kb.corpus import files as corpus_files
from kb.engine import KnowledgeBase
from kb.model.errors import NotCorpusFile

ALL_RECORDS = 10


def write(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else time.time_ns()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    write(path, text.replace(old, new))


@pytest.fixture
def listings(monkeypatch) -> list[Path]:
    """Every listing of the whole corpus (what an update told paths does without)."""
    seen: list[Path] = []
    real = corpus_files.list_corpus

    def recording(root: Path):
        seen.append(root)
        return real(root)

    from kb.index import inputs

    monkeypatch.setattr(inputs, "list_corpus", recording)
    return seen


def nothing_left(kb: KnowledgeBase) -> None:
    """A later update with no paths agrees: nothing to add, update or remove."""
    report = kb.update()
    assert (report.added, report.updated, report.removed) == (0, 0, 0), report.summary()


def test_edit_told_the_path_reindexes_it_without_listing(kb, reads, listings):
    path = kb.root / "corpus/faq/why-does-my-eyelid-twitch.yaml"
    edit(path, "caffeine", "espresso")
    reads.clear()
    report = kb.update(paths=[path])
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert reads == ["corpus/faq/why-does-my-eyelid-twitch.yaml"]
    assert listings == []
    assert report.records == ALL_RECORDS
    assert [h.id for h in kb.search("espresso").results] == ["faq/why-does-my-eyelid-twitch"]
    nothing_left(kb)


def test_add_and_delete_told_the_paths(kb):
    new = kb.root / "corpus/faq/can-salt-help.yaml"
    write(new, FILES["corpus/faq/why-does-my-eyelid-twitch.yaml"].replace("Why does my eyelid twitch?",
                                                                        "Can salt help with cramps?"))
    report = kb.update(paths=[new])
    assert (report.added, report.updated, report.removed) == (1, 0, 0)
    assert report.records == ALL_RECORDS + 1
    assert kb.search("salt").results[0].id == "faq/can-salt-help"
    nothing_left(kb)
    old = kb.root / "corpus/articles/nerves.md"
    old.unlink()
    report = kb.update(paths=[old, new])  # new is unchanged: nothing to do for it
    assert (report.added, report.updated, report.removed) == (0, 0, 2)
    assert report.records == ALL_RECORDS + 1 - 2
    assert not kb.search("cobalamin", kind="section").results
    nothing_left(kb)


def test_paths_relative_to_the_current_folder(kb, monkeypatch):
    edit(kb.root / "corpus/articles/nerves.md", "Vegans", "Strict vegans")
    monkeypatch.chdir(kb.root / "corpus")
    report = kb.update(paths=["articles/nerves.md"])
    assert report.updated == 2
    nothing_left(kb)


def test_paths_relative_to_the_root_from_elsewhere(kb, monkeypatch, tmp_path):
    edit(kb.root / "corpus/articles/nerves.md", "Vegans", "Strict vegans")
    monkeypatch.chdir(tmp_path)  # not in the knowledge base: "corpus/..." is read from its root
    assert kb.update(paths=["corpus/articles/nerves.md"]).updated == 2


def test_an_unchanged_path_does_nothing(kb, reads):
    reads.clear()
    report = kb.update(paths=[kb.root / "corpus/articles/nerves.md"])
    assert (report.added, report.updated, report.removed, reads) == (0, 0, 0, [])


def test_a_path_neither_on_disk_nor_indexed_is_reported_missing(kb):
    report = kb.update(paths=[kb.root / "corpus/articles/no-such-article.md"])
    assert report.missing == ["corpus/articles/no-such-article.md"]
    assert report.records == ALL_RECORDS


@pytest.mark.parametrize(("rel", "what"), [
    ("corpus/README.md", "not a corpus file"),
    ("corpus/articles", "is a folder"),
    ("corpus", "is the corpus folder"),
    ("corpus/articles/Bad Name.md", "is not a slug"),
    ("corpus/articles/notes.txt", "holds .md files"),
    ("corpus/articles/.nerves.md.swp", "editor's leftover"),
    ("corpus/images/x.png", "not a corpus file"),
    ("index/CURRENT", "not in the corpus folder"),
])
def test_a_path_that_is_no_corpus_file_is_refused(kb, rel, what):
    given = str(kb.root / rel)
    with pytest.raises(NotCorpusFile) as err:
        kb.update(paths=[kb.root / "corpus/articles/nerves.md", given])
    assert str(err.value).startswith(f"{given}: ") and what in str(err.value)


def test_a_path_outside_the_knowledge_base_is_refused(kb, tmp_path):
    outside = tmp_path / "elsewhere.md"
    outside.write_text("x")
    with pytest.raises(NotCorpusFile, match="not in the corpus folder"):
        kb.update(paths=[outside])


def test_a_full_rebuild_takes_no_paths(kb):
    with pytest.raises(ValueError, match="give no paths"):
        kb.update(full=True, paths=[kb.root / "corpus/articles/nerves.md"])


def test_broken_files_are_reported_and_retried_as_a_listing_would(kb):
    broken = kb.root / "corpus/faq/broken.yaml"
    write(broken, "question: [unclosed\n")
    listed = kb.update()
    assert [p.path for p in listed.problems] == ["corpus/faq/broken.yaml"]
    edit(kb.root / "corpus/articles/nerves.md", "Vegans", "Strict vegans")
    told = kb.update(paths=[kb.root / "corpus/articles/nerves.md"])
    assert told.problems == listed.problems  # the broken file is read again, as every update does
    write(broken, FILES["corpus/faq/why-does-my-eyelid-twitch.yaml"].replace("eyelid", "thumb"))
    told = kb.update(paths=[kb.root / "corpus/articles/nerves.md"])  # not named: still retried
    assert told.problems == [] and told.added == 1
    nothing_left(kb)


def test_a_faq_waiting_for_its_article_is_indexed_when_the_article_comes(kb):
    faq = kb.root / "corpus/faq/about-salt.yaml"
    write(faq, FILES["corpus/faq/do-bananas-help-cramps.yaml"].replace("night-cramps", "salt-and-cramps")
          .replace("Do bananas help with cramps?", "Does salt help?"))
    report = kb.update(paths=[faq])
    assert [p.message for p in report.problems] == [
        "unknown article 'salt-and-cramps' (no corpus/articles/salt-and-cramps.md)"]
    article = kb.root / "corpus/articles/salt-and-cramps.md"
    write(article, FILES["corpus/articles/nerves.md"].replace("Vitamin B12 and nerves", "Salt and cramps"))
    report = kb.update(paths=[article])
    assert report.problems == [] and report.added == 3  # two sections and the FAQ that named the article
    nothing_left(kb)


def test_corpus_level_problems_are_still_reported(kb):
    stray = kb.root / "corpus/articles/notes.txt"
    stray.write_text("scratch")
    listed = kb.update()
    assert [str(p) for p in listed.problems] == [
        "corpus/articles/notes.txt: unknown file in corpus/articles/ (expected .md files)"]
    for old, new in (("Vegans", "Strict vegans"), ("Strict vegans", "Vegans")):  # kept for the next one too
        edit(kb.root / "corpus/articles/nerves.md", old, new)
        assert kb.update(paths=[kb.root / "corpus/articles/nerves.md"]).problems == listed.problems
    stray.unlink()  # gone: told about another file, the update lists again rather than report it
    edit(kb.root / "corpus/articles/nerves.md", "Vegans", "Strict vegans")
    assert kb.update(paths=[kb.root / "corpus/articles/nerves.md"]).problems == []


def test_a_nutrient_file_relinks_as_a_listing_does(kb):
    path = kb.root / "corpus/nutrients/potassium.yaml"
    edit(path, "aliases: [hypokalemia]", "aliases: [hypokalemia, twitch]")
    report = kb.update(paths=[path])
    assert "potassium" in kb.get("faq/why-does-my-eyelid-twitch").nutrients
    assert report.updated >= 2
    nothing_left(kb)


def test_a_symlinked_file_is_left_to_the_listing(kb, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(FILES["corpus/articles/nerves.md"])
    link = kb.root / "corpus/articles/linked.md"
    link.symlink_to(outside)
    report = kb.update(paths=[link])
    assert [p.message for p in report.problems] == ["symlink leads outside the corpus folder; not followed"]
    assert report.added == 0
    nothing_left(kb)


def test_synonyms_told_the_path(kb):
    path = kb.root / "corpus/synonyms.yaml"
    write(path, "groups: [unclosed\n")
    report = kb.update(paths=[path])
    assert [p.path for p in report.problems] == ["corpus/synonyms.yaml"]
    assert report.records == ALL_RECORDS


# --- what a watcher saw, as paths --------------------------------------------------------------------------------
def test_a_watchers_changes_become_paths(kb_root):
    from kb.engine import changed_paths

    article = str(kb_root / "corpus/articles/nerves.md")
    gone = str(kb_root / "corpus/articles/.nerves.md.swp")  # an editor's swap file, already removed
    sed_temp = str(kb_root / "corpus/faq/sedAb12Cd")  # sed -i's temporary file, renamed away
    assert changed_paths(kb_root, {article, gone, sed_temp}) == [article]
    assert changed_paths(kb_root, {str(kb_root / "corpus/synonyms.yaml")}) == [str(kb_root / "corpus/synonyms.yaml")]


def test_a_watchers_changes_that_only_a_listing_sees_whole(kb_root):
    from kb.engine import changed_paths

    stray = kb_root / "corpus/articles/notes.txt"
    stray.write_text("x")  # an unknown file that stays: the listing reports it
    assert changed_paths(kb_root, {str(stray)}) is None
    (kb_root / "corpus/articles/sub.md").mkdir()  # a folder with a corpus file's name
    assert changed_paths(kb_root, {str(kb_root / "corpus/articles/sub.md")}) is None
    # a content folder moved away: no file event for what was in it
    assert changed_paths(kb_root, {str(kb_root / "corpus/gone-faq")}) is None


# --- crash safety ------------------------------------------------------------------------------------------------
class Killed(BaseException):
    """What a kill looks like from inside: no ``except Exception`` catches it."""


@pytest.mark.parametrize("where", ["commit", "sidecars", "manifest"])
def test_a_told_update_stopped_midway_leaves_an_index_that_serves(kb, monkeypatch, where):
    from kb.index import indexer
    from kb.index.w3.bulkwriter import BulkSegmentWriter

    path = kb.root / "corpus/faq/why-does-my-eyelid-twitch.yaml"
    edit(path, "caffeine", "espresso")

    def killed(*args, **kwargs):
        raise Killed

    target = {"commit": (BulkSegmentWriter, "commit"), "sidecars": (indexer.sidecar_write, "write_index"),
              "manifest": (indexer, "write_manifest")}[where]
    with monkeypatch.context() as m:
        m.setattr(*target, killed)
        with pytest.raises(Killed):
            kb.update(paths=[path])
    other = KnowledgeBase(kb.root, kb.index_dir)  # another process, after the kill
    committed = where != "commit"
    assert [h.id for h in other.search("espresso").results] == (["faq/why-does-my-eyelid-twitch"] if committed
                                                              else [])
    assert len(other.search("caffeine").results) == (0 if committed else 1)
    report = other.update(paths=[path])  # the next update completes it
    assert report.updated == (0 if committed else 1) and not report.problems
    assert [h.id for h in other.search("espresso").results] == ["faq/why-does-my-eyelid-twitch"]
    nothing_left(other)
    other.close()
