"""Every corpus file is read by one rule (S2, H1): a regular file inside ``corpus/``, or a problem and no read.

``corpus/disclaimer.md`` and ``corpus/synonyms.yaml`` used to be opened directly: a symlink to ``/etc/passwd``
was shown as the disclaimer, an outside synonyms file was applied to searches, and a FIFO in their place made
every command block forever. Each scenario runs the real ``kb`` command (with a timeout), the engine the TUI
uses, and an index build.
"""

# ruff: noqa: F811 - the `root` fixture is imported from reliability_helpers (no conftest.py: see there)
from __future__ import annotations

import asyncio
import os
import socket
import stat
import time
from pathlib import Path

import pytest
from reliability_helpers import root, run_kb  # noqa: F401 - root is a fixture

from kb.cli.main import main
from kb.corpus.disclaimer import DEFAULT_DISCLAIMER
from kb.corpus.files import FileProblem, read_text
from kb.engine import KnowledgeBase

pytestmark = pytest.mark.reliability

SECRET = "zanzibarsecret"
OUTSIDE_SYNONYMS = f"groups:\n  - [cramp, {SECRET}]\n"
OUTSIDE_DISCLAIMER = f"root:x:0:0:{SECRET}:/root:/bin/bash\n"


def outside_link(root: Path, rel: str, text: str) -> None:
    outside = root.parent / ("outside-" + rel.rsplit("/", 1)[-1])
    outside.write_text(text, encoding="utf-8")
    (root / rel).unlink()
    os.symlink(outside, root / rel)


def fifo(root: Path, rel: str, _text: str = "") -> None:
    (root / rel).unlink()
    os.mkfifo(root / rel)


def unix_socket(root: Path, rel: str, _text: str = "") -> socket.socket:
    (root / rel).unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(root / rel))
    return sock


@pytest.mark.parametrize("rel,text", [("corpus/disclaimer.md", OUTSIDE_DISCLAIMER),
                                      ("corpus/synonyms.yaml", OUTSIDE_SYNONYMS)])
def test_top_file_symlinked_outside_is_refused_and_never_read(rel: str, text: str, root: Path) -> None:
    outside_link(root, rel, text)
    message = f"{rel}: symlink leads outside the corpus folder; not followed"
    done = run_kb(root, "validate", timeout=30)
    assert done.returncode == 1 and done.stdout.splitlines().count(message) == 1, done.stdout  # said once
    done = run_kb(root, "index", "--full", timeout=30)
    assert done.stdout.splitlines().count(message) == 1, done.stdout
    for args in (("show", "faq/do-bananas-help-cramps"), ("nutrient", "magnesium"), ("search", SECRET),
                 ("search", "cramp")):
        done = run_kb(root, *args, timeout=30)
        assert SECRET not in done.stdout and "root:x:0:0" not in done.stdout, (args, done.stdout)
        assert "Traceback" not in done.stderr
    engine = KnowledgeBase(root)  # what the TUI's disclaimer bar and search use
    try:
        if rel.endswith("disclaimer.md"):
            assert engine.disclaimer == DEFAULT_DISCLAIMER
        else:
            assert len(engine.synonyms) == 0
        assert not engine.search(SECRET).results
    finally:
        engine.close()


@pytest.mark.parametrize("make", [fifo, unix_socket], ids=["fifo", "socket"])
@pytest.mark.parametrize("rel", ["corpus/disclaimer.md", "corpus/synonyms.yaml", "corpus/faq/x.yaml",
                                 "corpus/articles/x.md", "corpus/nutrients/x.yaml"])
def test_fifo_or_socket_anywhere_in_the_corpus_never_blocks(make, rel: str, root: Path, capsys) -> None:
    (root / rel).write_text("placeholder\n", encoding="utf-8")
    sock = make(root, rel)
    message = f"{rel}: not a regular file; not read"
    try:
        started = time.perf_counter()
        done = run_kb(root, "validate", timeout=20)  # a real process first: before the fix it blocked here
        assert done.returncode == 1 and done.stdout.splitlines().count(message) == 1, done.stdout
        assert "Traceback" not in done.stderr
        for args in (["index"], ["index", "--full"]):  # in-process (the one above would have timed out)
            assert main(["--root", str(root), *args]) == 1
            assert capsys.readouterr().out.splitlines().count(message) == 1
        for args in (["search", "cramps", "--limit", "1"], ["show", "faq/do-bananas-help-cramps"],
                     ["nutrient", "magnesium"]):
            assert main(["--root", str(root), *args]) == 0, args
        engine = KnowledgeBase(root)  # the TUI's disclaimer bar and synonyms
        try:
            assert engine.disclaimer == (DEFAULT_DISCLAIMER if rel.endswith("disclaimer.md")
                                         else "For information only; not medical advice.")
            assert len(engine.synonyms) == (0 if rel.endswith("synonyms.yaml") else 5)
        finally:
            engine.close()
        assert time.perf_counter() - started < 20
        with pytest.raises(FileProblem, match="not a regular file"):
            read_text(root, rel)
    finally:
        if sock is not None:
            sock.close()


def test_device_file_is_refused_without_opening(root: Path) -> None:
    rel = "corpus/disclaimer.md"
    (root / rel).unlink()
    try:
        os.mknod(root / rel, stat.S_IFCHR | 0o644, os.makedev(1, 5))  # /dev/zero's numbers
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device file here: {exc}")
    started = time.perf_counter()
    with pytest.raises(FileProblem, match="not a regular file"):
        read_text(root, rel)
    done = run_kb(root, "validate", timeout=20)
    assert f"{rel}: not a regular file; not read" in done.stdout.splitlines()
    assert time.perf_counter() - started < 10


def test_a_fifo_swapped_in_after_the_check_does_not_block(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The belt: the open itself does not wait for a FIFO's writer (O_NONBLOCK) and the fd is checked again."""
    import kb.corpus.files

    rel = "corpus/faq/do-bananas-help-cramps.yaml"
    path = root / rel
    path.unlink()
    os.mkfifo(path)
    monkeypatch.setattr(kb.corpus.files, "_regular_file", lambda r, p: str(r / p))  # as if the check had passed
    started = time.perf_counter()
    with pytest.raises(FileProblem, match="not a regular file"):
        read_text(root, rel)
    assert time.perf_counter() - started < 1
    from kb.index.executor import digest

    started = time.perf_counter()
    assert digest(root, rel) == ""  # the digest of a file read a moment before: no wait either
    assert time.perf_counter() - started < 1


def test_symlink_inside_the_corpus_is_still_followed(root: Path) -> None:
    rel = "corpus/disclaimer.md"
    (root / "corpus/articles/notes-disclaimer.txt").write_text("Inside disclaimer text.\n")
    (root / rel).unlink()
    os.symlink("articles/notes-disclaimer.txt", root / rel)
    assert read_text(root, rel) == "Inside disclaimer text.\n"
    engine = KnowledgeBase(root)
    try:
        assert engine.disclaimer == "Inside disclaimer text."
    finally:
        engine.close()


def test_lone_cr_line_endings_are_line_endings(tmp_path: Path) -> None:
    """Classic Mac files (M1): before, an article gave "front matter missing" although it starts with '---'."""
    from reliability_helpers import FILES, make_root

    files = dict(FILES)
    files["corpus/articles/nerves.md"] = FILES["corpus/articles/nerves.md"].replace(
        "## Pins", "## Cr only\n\ncronlyword here.\n\n## Pins")
    root = make_root(tmp_path / "kb", files)
    for rel in ("corpus/articles/nerves.md", "corpus/faq/do-bananas-help-cramps.yaml"):
        path = root / rel
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    done = run_kb(root, "validate")
    assert done.returncode == 0, done.stdout
    assert run_kb(root, "index").returncode == 0
    engine = KnowledgeBase(root)
    try:
        assert [h.id for h in engine.search("cronlyword").results] == ["article/nerves#cr-only"]
        assert engine.get("article/nerves#cr-only").line == 11  # lines counted as the editor shows them
        assert "faq/do-bananas-help-cramps" in [h.id for h in engine.search("bananas").results]
    finally:
        engine.close()


@pytest.mark.parametrize("make", ["outside", "fifo"])
async def test_tui_disclaimer_bar_never_shows_an_outside_file_nor_waits_for_a_fifo(make: str, root: Path) -> None:
    tui_app = pytest.importorskip("kb.tui.app")
    from test_rel_tui import screen_text, settle

    rel = "corpus/disclaimer.md"
    if make == "outside":
        outside_link(root, rel, OUTSIDE_DISCLAIMER)
    else:
        fifo(root, rel)
    app = tui_app.make_app(root, index_dir=None, watch=False)
    async with app.run_test(size=(150, 50)) as pilot:
        await asyncio.wait_for(settle(app, pilot), 30)  # before the fix: stuck at "Opening the index..."
        assert app.disclaimer == DEFAULT_DISCLAIMER
        text = screen_text(app)
        assert SECRET not in text and "root:x:0:0" not in text
        assert any(str(p).startswith(rel + ": ") for p in app.problems)
        await pilot.press(*"bananas")
        await settle(app, pilot, 0.5)
        assert "bananas" in screen_text(app).lower()
