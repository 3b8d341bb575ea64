"""The corpus listing and the manifest that finds what changed without looking every path up.

- ``list_corpus`` keeps each content folder as columns in directory order and still says what is wrong with
  odd entries (bad names, folders, FIFOs, symlinks in and out, files vanishing mid-listing);
- the manifest's column format round-trips, refuses damage (then the index rebuilds it), and reads the JSON
  manifest of earlier kb versions without rebuilding it from the index;
- ``Manifest.changes`` on a real folder after random edits, touches, additions and deletions finds exactly
  what a path-by-path comparison finds;
- updates keep the manifest aligned with the listing, so the next one takes the array path.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from conftest import FILES

import kb.corpus.files
from kb.corpus.files import Listing, list_corpus
from kb.engine import KnowledgeBase
from kb.index import executor
from kb.index.manifest import LEGACY_MANIFEST, MANIFEST, Manifest
from kb.index.schema import SCHEMA_VERSION
from kb.index.store import current_dir, read_manifest

FAQ = FILES["corpus/faq/why-does-my-eyelid-twitch.yaml"]


def manifest_file(kb: KnowledgeBase) -> Path:
    gen = current_dir(kb.index_dir)
    assert gen is not None
    return gen / MANIFEST


def naive_changes(m: Manifest, listing: Listing) -> tuple[set[str], set[str]]:
    """What changed, path by path: (listed files whose stamp is not the manifest's, paths no longer listed)."""
    moved = {rel for rel, st in listing.files.items() if rel in listing.content and m.stamp(rel) != st}
    return moved, m.live_paths() - listing.content


def bump(path: Path, ns: int = 10**9) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + ns))


# --- the listing -------------------------------------------------------------------------------------------------
def test_listing_columns_hold_every_content_file(kb_root: Path) -> None:
    listing = list_corpus(kb_root)
    assert set(listing.columns) == {"corpus/articles", "corpus/faq", "corpus/nutrients"}
    for key, col in listing.columns.items():
        assert all(p.startswith(key + "/") for p in col.paths)
        assert len(col.paths) == len(col.mtimes) == len(col.sizes)
        for rel, (mtime, size) in col.stamps():
            st = (kb_root / rel).stat()
            assert (mtime, size) == (st.st_mtime_ns, st.st_size)
    assert set(listing.top) == {"corpus/synonyms.yaml", "corpus/disclaimer.md"}
    assert listing.content == set(listing.files) - set(listing.top)
    assert not listing.problems


def test_listing_says_what_is_wrong_with_odd_entries(kb_root: Path) -> None:
    faq = kb_root / "corpus/faq"
    (faq / "Bad Name.yaml").write_text(FAQ)
    (faq / "notes.txt").write_text("x")
    (faq / "folder.yaml").mkdir()
    (faq / ".hidden.yaml").write_text(FAQ)
    (faq / "draft.yaml~").write_text(FAQ)
    os.mkfifo(faq / "pipe.yaml")
    (faq / "inside.yaml").symlink_to(faq / "why-does-my-eyelid-twitch.yaml")
    outside = kb_root / "outside.yaml"
    outside.write_text(FAQ)
    (faq / "outside.yaml").symlink_to(outside)
    (faq / "dangling.yaml").symlink_to(faq / "nothing-here.yaml")
    listing = list_corpus(kb_root)
    said = {(p.path, p.message) for p in listing.problems}
    assert said == {
        ("corpus/faq/Bad Name.yaml", "file name 'Bad Name' is not a slug (lowercase letters, digits, hyphens)"),
        ("corpus/faq/notes.txt", "unknown file in corpus/faq/ (expected .yaml or .yml files)"),
        ("corpus/faq/folder.yaml", "unknown file in corpus/faq/ (expected .yaml or .yml files)"),
        ("corpus/faq/pipe.yaml", "not a regular file; not read"),
        ("corpus/faq/outside.yaml", "symlink leads outside the corpus folder; not followed"),
        ("corpus/faq/dangling.yaml", "cannot read: No such file or directory"),
    }
    assert listing.refused == {"corpus/faq/pipe.yaml", "corpus/faq/outside.yaml", "corpus/faq/dangling.yaml"}
    target = (faq / "why-does-my-eyelid-twitch.yaml").stat()
    assert listing.files["corpus/faq/inside.yaml"] == (target.st_mtime_ns, target.st_size)  # followed
    assert "corpus/faq/.hidden.yaml" not in listing.files and "corpus/faq/draft.yaml~" not in listing.files


def test_a_file_vanishing_mid_listing_is_refused_not_lost(kb_root: Path, monkeypatch) -> None:
    real = os.stat

    def stat(path, *args, **kwargs):
        if str(path) == "why-does-my-eyelid-twitch.yaml":
            raise FileNotFoundError(2, "No such file or directory")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(kb.corpus.files.os, "stat", stat)
    listing = list_corpus(kb_root)
    assert "corpus/faq/why-does-my-eyelid-twitch.yaml" in listing.refused  # its records are kept
    assert "corpus/faq/why-does-my-eyelid-twitch.yaml" not in listing.files
    assert len(listing.columns["corpus/faq"].paths) == 1


# --- the manifest file -------------------------------------------------------------------------------------------
def sample() -> Manifest:
    m = Manifest(generation=7)
    m.record("corpus/faq/a.yaml", [1_795_677_112_773_858_399, 120, "0123456789abcdef"])
    m.record("corpus/articles/b.md", (5, 0, ""))  # a placeholder-like stamp
    m.record("corpus/nutrients/zinc.yaml", (-3, 2**40, "fedcba9876543210"))
    m.links["corpus/faq/a.yaml"] = "aaaa"
    m.links["corpus/nutrients/zinc.yaml"] = "bbbb"
    m.nutrient_terms = {"zinc": ["Zinc", "zincum"]}
    m.nutrient_files = {"corpus/nutrients/zinc.yaml": "zinc"}
    return m


def same(a: Manifest, b: Manifest) -> None:
    assert b.generation == a.generation
    assert b.live_paths() == a.live_paths()
    for rel in a.live_paths():
        assert (b.stamp(rel), b.digest(rel), b.links.get(rel)) == (a.stamp(rel), a.digest(rel), a.links.get(rel))
    assert (b.nutrient_terms, b.nutrient_files) == (a.nutrient_terms, a.nutrient_files)


def test_manifest_round_trip() -> None:
    m = sample()
    back = Manifest.from_bytes(m.to_bytes())
    same(m, back)
    assert back.links.get("corpus/articles/b.md") is None
    m.forget("corpus/articles/b.md")
    back = Manifest.from_bytes(m.to_bytes())
    same(m, back)
    assert "corpus/articles/b.md" not in back and "corpus/faq/a.yaml" in back
    empty = Manifest.from_bytes(Manifest().to_bytes())
    assert empty.live_paths() == set() and empty.generation == -1


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "magic", "header", "schema", "runs", "count"])
def test_damaged_manifest_is_refused(damage: str) -> None:
    data = sample().to_bytes()
    magic, rest = data.split(b"\n", 1)
    header, columns = rest.split(b"\n", 1)
    h = json.loads(header)
    bad = {
        "empty": b"",
        "truncated": data[:-5],
        "garbage": os.urandom(len(data)),
        "magic": b"kb-manifesto" + data[len(magic):],
        "header": magic + b"\n{not json\n" + columns,
        "schema": magic + b"\n" + json.dumps({**h, "schema": SCHEMA_VERSION + 1}).encode() + b"\n" + columns,
        "runs": magic + b"\n" + json.dumps({**h, "runs": {"corpus/faq": [2, 99]}}).encode() + b"\n" + columns,
        "count": magic + b"\n" + json.dumps({**h, "count": 2}).encode() + b"\n" + columns,
    }[damage]
    with pytest.raises(ValueError):
        Manifest.from_bytes(bad)


def test_damaged_manifest_is_rebuilt_from_the_index(kb: KnowledgeBase) -> None:
    path = manifest_file(kb)
    path.write_bytes(path.read_bytes()[:100])
    edit_faq(kb.root)
    report = kb.update()
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert read_manifest(path.parent) is not None  # written again, whole
    assert kb.search("espresso").results


def edit_faq(root: Path) -> None:
    path = root / "corpus/faq/why-does-my-eyelid-twitch.yaml"
    path.write_text(path.read_text().replace("caffeine", "espresso"))
    bump(path)


def test_json_manifest_of_earlier_versions_is_read_not_rebuilt(kb: KnowledgeBase, monkeypatch) -> None:
    path = manifest_file(kb)
    m = read_manifest(path.parent)
    assert m is not None
    legacy = {"schema": SCHEMA_VERSION, "generation": m.generation,
              "files": {rel: [*m.stamp(rel), m.digest(rel)] for rel in m.live_paths()},
              "links": {rel: m.links[rel] for rel in m.live_paths()},
              "nutrient_terms": m.nutrient_terms, "nutrient_files": m.nutrient_files}
    path.unlink()
    (path.parent / LEGACY_MANIFEST).write_text(json.dumps(legacy))

    def no_rebuild(ix):
        raise AssertionError("the manifest was rebuilt from the index")

    monkeypatch.setattr(Manifest, "from_index", no_rebuild)
    report = kb.update()
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    edit_faq(kb.root)
    assert kb.update().updated == 1
    assert path.exists() and not (path.parent / LEGACY_MANIFEST).exists()  # replaced by the column format


def test_json_manifest_from_another_schema_is_rebuilt(kb: KnowledgeBase) -> None:
    path = manifest_file(kb)
    path.unlink()
    (path.parent / LEGACY_MANIFEST).write_text(json.dumps({"schema": SCHEMA_VERSION - 1, "generation": 1}))
    edit_faq(kb.root)
    assert kb.update().updated == 1
    assert read_manifest(path.parent) is not None


# --- finding what changed ----------------------------------------------------------------------------------------
def test_updates_keep_the_manifest_aligned_with_the_listing(kb: KnowledgeBase) -> None:
    m = read_manifest(manifest_file(kb).parent)
    assert m is not None
    moved = m.changes(list_corpus(kb.root))
    assert (moved.stamps, moved.complete, moved.aligned) == ([], True, True)  # as a full build left it
    (kb.root / "corpus/faq/is-salt-good.yaml").write_text(FAQ.replace("Why does my eyelid twitch?", "Salt?"))
    assert kb.update().added == 1
    m = read_manifest(manifest_file(kb).parent)
    assert m is not None
    moved = m.changes(list_corpus(kb.root))
    assert (moved.stamps, moved.complete, moved.aligned) == ([], True, True)


def test_a_touched_file_is_digested_once(kb: KnowledgeBase, monkeypatch) -> None:
    bump(kb.root / "corpus/faq/why-does-my-eyelid-twitch.yaml")
    digested: list[str] = []
    real = executor.digest

    def counting(root: Path, rel: str) -> str:
        digested.append(rel)
        return real(root, rel)

    monkeypatch.setattr(executor, "digest", counting)
    assert kb.update().updated == 0
    assert kb.update().updated == 0
    assert digested == ["corpus/faq/why-does-my-eyelid-twitch.yaml"]  # its new stamp was saved


def test_a_broken_new_file_is_retried_on_every_update(kb: KnowledgeBase) -> None:
    (kb.root / "corpus/faq/broken.yaml").write_text("question: [unclosed\n")
    for _ in range(2):
        assert [p.path for p in kb.update().problems] == ["corpus/faq/broken.yaml"]
    (kb.root / "corpus/faq/broken.yaml").write_text(FAQ.replace("Why does my eyelid twitch?", "Fixed?"))
    report = kb.update()
    assert (report.added, report.problems) == (1, [])
    (kb.root / "corpus/faq/broken.yaml").unlink()
    assert kb.update().removed == 1


@pytest.mark.parametrize("seed", range(6))
def test_changes_match_a_path_by_path_comparison(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    root = tmp_path
    folders = {"articles": ".md", "faq": ".yaml", "nutrients": ".yaml"}
    for folder, ext in folders.items():
        (root / "corpus" / folder).mkdir(parents=True)
        for i in range(rnd.randint(0, 300)):
            (root / "corpus" / folder / f"f{i}{ext}").write_text("x" * rnd.randint(1, 50))
    m = Manifest()
    listing = list_corpus(root)
    for rel, (mtime, size) in listing.files.items():
        if rnd.random() < 0.95:  # the rest: listed, never indexed (placeholders once written)
            m.record(rel, (mtime, size, "d"))
            m.links[rel] = "s"
    kept = {"corpus/faq/kept-from-a-refused-file.yaml"} if seed % 2 else set()
    for rel in kept:
        m.record(rel, (1, 1, "d"))
    seen = {"aligned": 0, "complete": 0}
    for step in range(8):
        m = Manifest.from_bytes(m.to_bytes(listing if step else None))
        files = [p for p in (root / "corpus").rglob("*") if p.is_file()]
        for path in rnd.sample(files, min(len(files), rnd.randint(0, 4))):
            action = rnd.choice(["edit", "touch", "size", "delete", "same", "edit", "touch"])
            if action == "edit":
                path.write_text(path.read_text() + "y")
            elif action in ("touch", "size"):
                bump(path, rnd.choice([1, 10**9]))
                if action == "size":
                    path.write_text(path.read_text() + "z")
            elif action == "delete":
                path.unlink()
        for _ in range(rnd.choice([0, 0, 1, 2])):
            folder = rnd.choice(list(folders))
            (root / "corpus" / folder / f"new{step}-{rnd.randint(0, 99)}{folders[folder]}").write_text("n")
        listing = list_corpus(root)
        moved = m.changes(listing)
        expect_moved, expect_gone = naive_changes(m, listing)
        assert {rel for rel, _ in moved.stamps} == expect_moved
        assert all(listing.files[rel] == st for rel, st in moved.stamps)
        assert not (moved.complete and expect_gone)  # "nothing deleted" is never wrong (it may be unsure)
        assert moved.complete or expect_gone or not moved.aligned
        seen["aligned"] += moved.aligned
        seen["complete"] += moved.complete
        for rel, st in moved.stamps:  # what an update does with them
            m.record(rel, (*st, "d2"))
        for rel in expect_gone - kept:
            m.forget(rel)
    assert seen["aligned"] >= 1  # the array path was taken
    if not kept:
        assert seen["complete"] >= 1
