"""An index folder that is not writable: ``kb index`` fails with one clear line; searching the existing index
still works (it is opened read-only and never written by a search).

Tests run as root here, and root ignores permission bits, so ``chmod`` proves nothing. The real test makes the
folders immutable with ``chattr +i`` (ext4 and most Linux file systems; needs CAP_LINUX_IMMUTABLE, which root
has): then even root cannot create a file there, exactly like a read-only mount. For a non-root user ``chmod``
is used instead. Where neither works, that test is skipped and the in-process test below still checks the
engine's own ``os.access`` test and message by monkeypatching ``os.access``.
"""

# ruff: noqa: F811 - the `root` fixture is imported from reliability_helpers (no conftest.py: see there)
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_helpers import root, run_kb  # noqa: F401 - root is a fixture

from kb.cli.main import main
from kb.engine import KnowledgeBase

pytestmark = pytest.mark.reliability


@contextlib.contextmanager
def read_only(paths: list[Path]) -> Iterator[None]:
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(0o555)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root without chattr: cannot make a folder read-only for root")
    done = subprocess.run([chattr, "+i", *map(str, paths)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"chattr +i not supported here: {done.stderr.strip()}")
    try:
        probe = paths[0] / ".kb-probe"
        with contextlib.suppress(OSError):
            probe.write_text("x")
        if probe.exists():
            probe.unlink()
            pytest.skip("chattr +i did not stop writes on this file system")
        yield
    finally:
        subprocess.run([chattr, "-i", *map(str, paths)], check=True)


def test_not_writable_index_folder_clear_error_and_search_still_works(root: Path) -> None:
    base = root / "index"
    gen = base / (base / "CURRENT").read_text().strip()
    (root / "corpus/faq/why-does-my-eyelid-twitch.yaml").touch()  # something for kb index to do
    with read_only([base, gen, *gen.iterdir()]):
        for args in (["index"], ["index", "--full"]):
            done = run_kb(root, *args)
            assert done.returncode == 1, done
            assert done.stdout == ""
            assert done.stderr == (f"kb: {base}: index folder is not writable; searching an existing index "
                                   "still works\n")
        done = run_kb(root, "search", "bananas", "--json")
        assert done.returncode == 0 and done.stderr == ""
        assert '"faq/do-bananas-help-cramps"' in done.stdout
        done = run_kb(root, "show", "faq/do-bananas-help-cramps")
        assert done.returncode == 0 and "Bananas supply potassium" in done.stdout
        assert run_kb(root, "nutrients").returncode == 0


def test_not_writable_and_no_index_yet_gives_one_clear_line(tmp_path: Path) -> None:
    from reliability_helpers import make_root

    r = make_root(tmp_path / "kb")
    with read_only([r / "index"]):
        done = run_kb(r, "search", "bananas")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines()[-1] == (f"kb: {r / 'index'}: index folder is not writable; searching an "
                                            "existing index still works")
    assert "Traceback" not in done.stderr


def test_engine_checks_writability_before_building(root: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys) -> None:
    """The same, in-process: ``os.access`` says no (what a read-only mount says even to root)."""
    import kb.index.store

    real_access = os.access
    monkeypatch.setattr(kb.index.store.os, "access",
                        lambda path, mode, **kw: False if mode & os.W_OK else real_access(path, mode, **kw))
    assert main(["--root", str(root), "index", "--full"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == (f"kb: {root / 'index'}: index folder is not writable; searching an existing "
                                 "index still works\n")
    engine = KnowledgeBase(root)
    assert [h.id for h in engine.search("bananas").results][0] == "faq/do-bananas-help-cramps"
    engine.close()
