"""Two rebuilds at once: the second waits for the lock (at most ``kb.index.indexer.LOCK_TIMEOUT`` = 10 s), then says
another rebuild is running; nothing is corrupted, searching never waits, and a killed holder leaves no stale
lock.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_helpers import KB, answers, big_files, clean_env, make_root, run_kb

from kb.engine import KnowledgeBase
from kb.index.indexer import LOCK_TIMEOUT

pytestmark = pytest.mark.reliability
QUERIES = ("calf", "sleep stretch", "magnesium", "bananas")


@pytest.mark.parametrize("args", [["index", "--full"], ["index"]], ids=["full", "incremental"])
def test_two_rebuilds_at_once_both_complete_without_corruption(args, tmp_path: Path) -> None:
    root = make_root(tmp_path / "kb", big_files(20, 24))
    reference = KnowledgeBase(root, index_dir=tmp_path / "reference")
    reference.update()
    expected = answers(reference, QUERIES)
    reference.close()
    if args == ["index"]:
        assert run_kb(root, "index", "--full").returncode == 0
        for path in (root / "corpus/articles").glob("gen-1*.md"):
            path.write_text(path.read_text() + "\nOne more line about calf stretches.\n")
        reference = KnowledgeBase(root, index_dir=tmp_path / "reference")
        reference.update()
        expected = answers(reference, QUERIES)
        reference.close()

    procs = [subprocess.Popen([*KB, "--root", str(root), *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=clean_env()) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs  # the second waited, then ran
    assert all("Traceback" not in err for _, err in outs)
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    assert answers(engine, QUERIES) == expected and notices == []
    engine.close()
    assert len([p for p in (root / "index").iterdir() if p.name.startswith("gen-")]) == 1


@pytest.mark.slow
def test_a_rebuild_waits_for_the_lock_then_says_another_is_running(tmp_path: Path) -> None:
    root = make_root(tmp_path / "kb")
    assert run_kb(root, "index").returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom kb.index.store import write_lock\n"
         "with write_lock(Path(sys.argv[1]), 1):\n    print('locked', flush=True)\n    time.sleep(120)\n",
         str(root / "index")], stdout=subprocess.PIPE, text=True, env=clean_env())
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.perf_counter()
        waiting = subprocess.Popen([*KB, "--root", str(root), "index", "--full"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=clean_env())
        time.sleep(1.0)
        search = run_kb(root, "search", "bananas", "--json")  # readers never take the lock
        assert search.returncode == 0 and '"faq/do-bananas-help-cramps"' in search.stdout
        assert time.perf_counter() - started < 5
        out, err = waiting.communicate(timeout=LOCK_TIMEOUT + 20)
        waited = time.perf_counter() - started
        assert waiting.returncode == 1
        assert err == (f"kb: another rebuild is running on {root / 'index'} (waited {LOCK_TIMEOUT:g} s); "
                       "try again when it ends\n")
        assert LOCK_TIMEOUT <= waited < LOCK_TIMEOUT + 5
    finally:
        holder.kill()  # SIGKILL: an flock dies with its process
        holder.wait()
    started = time.perf_counter()
    done = run_kb(root, "index", "--full")
    assert done.returncode == 0, done.stderr
    assert time.perf_counter() - started < 5  # no stale lock to wait for
