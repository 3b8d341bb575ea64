"""A rebuild killed with SIGKILL at a random moment: the index always opens, answers like the state before or
the state after, and the next ``kb index`` completes it.

Each run copies a prepared root (corpus A with its index), changes the corpus to B, starts the real
``python -m kb index [--full]`` and kills it after a seeded random delay spread over the time a run takes.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from reliability_helpers import KB, answers, article, big_files, clean_env, make_root

from kb.cli.main import main
from kb.engine import KnowledgeBase
from kb.index.store import open_current

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

KILLS = 20
QUERIES = ("zebra", "quokka", "magnorb", "calf", "sleep stretch", "magnesium cramps", "swim bike")
ARTICLES, SECTIONS = 30, 24  # 720 generated sections: a full run of kb index takes ~0.6-0.9 s


def to_b(root: Path) -> None:
    """Corpus A -> B: edit two thirds of the articles, delete two, add two, rename a nutrient's alias."""
    corpus = root / "corpus"
    for i in range(2, ARTICLES):
        if i % 3:
            (corpus / f"articles/gen-{i}.md").write_text(article(i, SECTIONS, "zebra"), encoding="utf-8")
    for i in (0, 1):
        (corpus / f"articles/gen-{i}.md").unlink()
    for i in (100, 101):
        (corpus / f"articles/new-{i}.md").write_text(article(i, SECTIONS, "quokka"), encoding="utf-8")
    mg = corpus / "nutrients/magnesium.yaml"
    mg.write_text(mg.read_text().replace("aliases: [Mg, hypomagnesemia]",
                                         "aliases: [Mg, hypomagnesemia, magnorb]"))


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory):
    """A prepared root with corpus A indexed, and what A and B answer."""
    base = tmp_path_factory.mktemp("kill")
    a = make_root(base / "a", big_files(ARTICLES, SECTIONS))
    engine = KnowledgeBase(a)
    engine.update()
    before = answers(engine, QUERIES)
    engine.close()

    b = base / "b"
    shutil.copytree(a, b)
    to_b(b)
    shutil.rmtree(b / "index")
    engine = KnowledgeBase(b)
    engine.update()
    after = answers(engine, QUERIES)
    engine.close()
    assert before != after and all(after[:3]) and not any(before[:3]), (before[:3], after[:3])
    return a, before, after


def run_once(a: Path, work: Path, args: list[str], delay: float | None) -> tuple[Path, bool, float]:
    """Copy A, change it to B, start ``kb index``, kill it after ``delay`` seconds (None: let it finish).

    Returns the root, whether the process had finished when killed, and how long it ran (from its start).
    """
    root = work / "root"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(a, root)  # copy2 keeps mtimes, so A's manifest stamps still match A's files
    to_b(root)
    started = time.perf_counter()
    proc = subprocess.Popen([*KB, "--root", str(root), *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=clean_env())
    if delay is None:
        assert proc.wait(timeout=60) == 0
        return root, True, time.perf_counter() - started
    time.sleep(delay)
    finished = proc.poll() is not None
    proc.kill()  # SIGKILL: no cleanup, no finally blocks
    proc.wait(timeout=10)
    return root, finished, delay


@pytest.mark.parametrize("args", [["index"], ["index", "--full"]], ids=["incremental", "full"])
def test_sigkill_at_a_random_moment_never_breaks_the_index(args, states, tmp_path: Path) -> None:
    a, before, after = states
    # start-up + the whole run (not the copy before it); the shortest of three, so that the kills land mid-run
    # even when the machine is busy for one of them (one slow calibration run spread most kills past the end)
    span = min(run_once(a, tmp_path, args, None)[2] for _ in range(3))
    rnd = random.Random(f"kb-kill-{args}")
    outcomes = {"before": 0, "after": 0, "running when killed": 0}
    for n in range(KILLS):
        delay = rnd.uniform(0.1, span)
        root, finished, _ = run_once(a, tmp_path, args, delay)
        base = root / "index"
        open_current(base)  # opens as it is: no rebuild needed
        notices: list[str] = []
        engine = KnowledgeBase(root, notify=notices.append)
        got = answers(engine, QUERIES)
        engine.close()
        assert notices == [], f"kill {n} after {delay:.3f} s"
        assert got in (before, after), f"kill {n} after {delay:.3f} s: neither the state before nor after"
        outcomes["before" if got == before else "after"] += 1
        outcomes["running when killed"] += not finished

        assert main(["--root", str(root), "index"]) == 0  # the next kb index completes it
        engine = KnowledgeBase(root, notify=notices.append)
        assert answers(engine, QUERIES) == after, f"kill {n} after {delay:.3f} s: not completed"
        engine.close()
        assert notices == []
        leftovers = [p.name for p in base.iterdir() if p.name.startswith("gen-") or p.name.endswith(".tmp")]
        assert len(leftovers) == 1, leftovers  # killed builds' folders and temporary files are cleaned up
    print(f"{args}: {outcomes} (span {span:.2f} s)")
    assert outcomes["running when killed"] >= KILLS // 2  # most kills land mid-run, not after it
