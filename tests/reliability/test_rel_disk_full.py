"""A full disk is not damage (finding C4), and a broken index folder is named right (finding M4).

The disk is filled by monkeypatching the write path (every file Whoosh creates, and kb's atomic writes) to raise
``OSError(ENOSPC)``: a small tmpfs would need ``mount``, which tests cannot rely on. Before the fix, ENOSPC in an
incremental update was taken for damage and a full rebuild was tried; the TUI exited with a traceback; each
``kb search`` with no index tried three builds and left three empty ``gen-*`` folders.
"""

# ruff: noqa: F811 - the `root` fixture is imported from reliability_helpers (no conftest.py: see there)
from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest
from reliability_helpers import root, run_kb  # noqa: F401 - root is a fixture
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

import kb.index.indexer
import kb.index.store
from kb.cli.main import main
from kb.engine import KnowledgeBase
from kb.index.store import IndexWriteFailed

pytestmark = pytest.mark.reliability
FAQ = "corpus/faq/do-bananas-help-cramps.yaml"


class _FullDisk(io.BytesIO):
    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def fill_the_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write to the index from now on fails with ENOSPC (also in forked build workers)."""
    create = FileStorage.create_file

    def create_file(self, name, *args, **kwargs):
        real = create(self, name, *args, **kwargs)
        real.close()
        return StructFile(_FullDisk(), name=name)

    def write_atomic(path, content, sync=True):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(FileStorage, "create_file", create_file)
    monkeypatch.setattr(kb.index.store, "write_atomic", write_atomic)
    monkeypatch.setattr(kb.index.indexer, "write_atomic", write_atomic)


def generations(base: Path) -> list[str]:
    return sorted(p.name for p in base.iterdir() if p.name.startswith("gen-"))


def leftovers(base: Path) -> list[str]:
    return sorted(p.name for p in base.iterdir() if p.name.endswith(".tmp"))


def edit(root: Path) -> None:
    path = root / FAQ
    path.write_text(path.read_text().replace("Do bananas help with cramps?", "Do bananas help diskfull?"))


def test_disk_full_in_an_incremental_update_is_not_damage(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = root / "index"
    before, pointer = generations(base), (base / "CURRENT").read_text()
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    assert engine.search("bananas").results
    edit(root)
    fill_the_disk(monkeypatch)
    full_builds = []
    monkeypatch.setattr(kb.index.indexer, "_full", lambda *a, **k: full_builds.append(a))
    with pytest.raises(IndexWriteFailed, match=f"^no space left on device while writing {base}$"):
        engine.update()
    assert full_builds == [] and notices == []  # no rebuild was tried
    assert generations(base) == before and (base / "CURRENT").read_text() == pointer and leftovers(base) == []
    hits = engine.search("bananas").results  # the previous index keeps serving
    assert [h.title for h in hits][:1] == ["Do bananas help with cramps?"]
    engine.close()


@pytest.mark.parametrize("args", [["index"], ["index", "--full"]])
def test_the_cli_names_the_index_folder_and_leaves_no_generation_behind(
        args: list[str], root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    base = root / "index"
    before = generations(base)
    edit(root)
    fill_the_disk(monkeypatch)
    assert main(["--root", str(root), *args]) == 1
    out = capsys.readouterr()
    assert out.err == f"kb: no space left on device while writing {base}\n", out.err
    assert generations(base) == before and leftovers(base) == []
    monkeypatch.undo()
    done = run_kb(root, "search", "bananas")  # the previous index serves, as it was
    assert done.returncode == 0 and "Do bananas help with cramps?" in done.stdout and done.stderr == ""


def test_no_index_and_a_full_disk_gives_one_line_and_no_folders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from reliability_helpers import make_root

    r = make_root(tmp_path / "kb")
    fill_the_disk(monkeypatch)
    builds = []
    full = kb.index.indexer._full
    monkeypatch.setattr(kb.index.indexer, "_full", lambda *a, **k: builds.append(1) or full(*a, **k))
    for _ in range(2):
        assert main(["--root", str(r), "search", "cramps"]) == 1
    err = capsys.readouterr().err
    assert err.count(f"kb: no space left on device while writing {r / 'index'}\n") == 2, err
    assert "damaged" not in err and "Traceback" not in err
    assert len(builds) == 2  # one build per search, not three
    assert generations(r / "index") == [] and leftovers(r / "index") == []


async def test_disk_full_during_a_save_in_the_tui_keeps_the_index_serving(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.tui.app import make_app
    from kb.tui.widgets.status_line import StatusLine

    app = make_app(root, watch=False)
    async with app.run_test(size=(150, 50)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        before = generations(root / "index")
        edit(root)
        fill_the_disk(monkeypatch)
        app.request_update("watch")  # what the watcher does after a save
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = app.search_screen.query_one(StatusLine)
        assert app.is_running and status.tone == "error"
        assert status.text == (f"Index update failed: no space left on device while writing {root / 'index'}"
                               " - the last good index keeps serving"), status.text
        await pilot.press(*"bananas")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        hits = app.search_screen.response.results
        assert hits and hits[0].title == "Do bananas help with cramps?"
        assert generations(root / "index") == before


# --- M4: the index folder in odd states --------------------------------------------------------------------------
def test_current_replaced_by_a_folder_names_it_and_leaves_nothing_behind(root: Path) -> None:
    base = root / "index"
    before = generations(base)
    (base / "CURRENT").unlink()
    (base / "CURRENT").mkdir()
    for _ in range(2):
        done = run_kb(root, "search", "bananas")
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.endswith(f"kb: {base / 'CURRENT'}: is a folder, not the index pointer file; remove "
                                    "it and kb rebuilds the index\n"), done.stderr
        assert ".tmp" not in done.stderr
    assert generations(base) == before and leftovers(base) == []
    (base / "CURRENT").rmdir()
    done = run_kb(root, "search", "bananas")
    assert done.returncode == 0 and "Do bananas help with cramps?" in done.stdout


def test_an_index_path_that_is_a_dangling_symlink_says_so(root: Path, tmp_path: Path) -> None:
    link = tmp_path / "ix-link"
    link.symlink_to(tmp_path / "nowhere")
    done = run_kb(root, "--index", str(link), "search", "bananas")
    assert done.returncode == 1 and "File exists" not in done.stderr
    assert done.stderr.endswith(f"kb: {link}: a symbolic link to {tmp_path / 'nowhere'}, which does not exist; "
                           "create that folder or remove the link\n"), done.stderr


def test_disk_full_in_a_build_worker_gives_the_same_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from reliability_helpers import big_files, make_root

    from kb.index.buildpool import WorkerError, worker_count

    if worker_count(60) < 1:
        pytest.skip("one core: a full build uses no worker process")
    r = make_root(tmp_path / "kb", big_files(60, 2))
    assert main(["--root", str(r), "index"]) == 0
    before = generations(r / "index")
    fill_the_disk(monkeypatch)  # forked workers inherit it
    assert main(["--root", str(r), "index", "--full"]) == 1
    err = capsys.readouterr().err
    assert err == f"kb: no space left on device while writing {r / 'index'}\n", err
    assert generations(r / "index") == before and leftovers(r / "index") == []
    # what a worker sends when it meets ENOSPC: its traceback as text
    failure = kb.index.indexer._write_failure(WorkerError(
        "build worker 1 failed:\nTraceback ...\nOSError: [Errno 28] No space left on device"), r / "index")
    assert str(failure) == f"no space left on device while writing {r / 'index'}"
