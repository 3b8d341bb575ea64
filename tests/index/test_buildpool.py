"""kb.index.buildpool: a full build split over worker processes gives the index, manifest, problems and progress a
single-process build gives, and a failing worker fails the build without touching the current index.

The fixture corpus is far below the size where a build starts workers, so these tests force them and put the
files of interest into the worker shares.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from conftest import FILES, REF, write_corpus
from whoosh import index as whoosh_index
from whoosh.filedb.structfile import BufferFile

from kb.engine import KnowledgeBase
from kb.index import buildpool, documents, indexer
from kb.index.buildpool import WorkerError, split
from kb.index.store import current_dir, read_manifest
from kb.index.w3 import sidecar

QUERIES = ("cramps", "cobalamin", "bananas", "magnesium", "twitch", '"calf muscle"', "tingling")


@pytest.fixture
def processes(monkeypatch):
    """``processes(n)``: full builds use n processes, the files dealt to them in turn (the caller gets the first)."""

    def use(n: int) -> None:
        monkeypatch.setattr(indexer, "worker_count", lambda files: n - 1)
        monkeypatch.setattr(indexer, "split",
                            lambda rels, sizes, parts, first=1.0: [rels[i::parts] for i in range(parts)])

    return use


def state(root: Path) -> tuple:
    """What a build leaves: every record, answers to queries, the manifest (all but the generation)."""
    engine = KnowledgeBase(root)
    records = sorted((r.id, r) for r in engine.records())
    answers = [[h.id for h in engine.search(q, limit=20).results] for q in QUERIES]
    engine.close()
    m = read_manifest(current_dir(root / "index"))
    assert m is not None
    files = [(rel, m.stamp(rel), m.digest(rel), m.links.get(rel)) for rel in sorted(FILES)
             if rel.count("/") == 2]
    return records, answers, files, m.nutrient_files, m.nutrient_terms


@pytest.mark.parametrize("n", [2, 3, 5])
def test_a_build_over_several_processes_equals_one_in_one(tmp_path: Path, processes, n: int) -> None:
    one = write_corpus(tmp_path / "one")
    KnowledgeBase(one).update(full=True)
    many = write_corpus(tmp_path / "many")
    for rel in FILES:  # the same stamps, so the manifests compare equal
        st = (one / rel).stat()
        os.utime(many / rel, ns=(st.st_atime_ns, st.st_mtime_ns))
    processes(n)
    report = KnowledgeBase(many).update(full=True)
    assert report.records == 10 and report.added == 10 and not report.problems
    assert state(many) == state(one)
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("n", [1, 2])
def test_a_build_in_small_segments_equals_one_in_one_segment_each(tmp_path: Path, processes, monkeypatch,
                                                                  n: int) -> None:
    one = write_corpus(tmp_path / "one")
    KnowledgeBase(one).update(full=True)
    many = write_corpus(tmp_path / "many")
    for rel in FILES:
        st = (one / rel).stat()
        os.utime(many / rel, ns=(st.st_atime_ns, st.st_mtime_ns))
    processes(n)
    monkeypatch.setattr(buildpool, "SEGMENT_DOCS", 2)  # a new segment once one holds 2 documents
    report = KnowledgeBase(many).update(full=True)
    assert report.records == 10 and not report.problems
    assert state(many) == state(one)
    gen = current_dir(many / "index")
    ix = whoosh_index.open_dir(str(gen))
    with ix.reader() as r:
        sizes = [sub.doc_count_all() for sub, _ in r.leaf_readers()]
        # no segment grows past the limit by more than one file's documents, and each has its posting sidecar
        assert len(sizes) >= 10 // (2 + 3) and max(sizes) <= 2 + 3 and sum(sizes) == 10
        assert all(sidecar._open(gen, sub) is not None for sub, _ in r.leaf_readers())


def test_a_file_failing_a_cross_file_check_after_its_segment_is_written_is_replaced(kb_root: Path, processes,
                                                                                     monkeypatch) -> None:
    engine = KnowledgeBase(kb_root)
    engine.update(full=True)
    faq = kb_root / "corpus/faq/why-does-my-eyelid-twitch.yaml"
    twin = kb_root / "corpus/faq/why-does-my-eyelid-twitch.yml"  # after the .yaml in path order: it loses
    twin.write_text(faq.read_text().replace("caffeine", "espresso"))
    monkeypatch.setattr(buildpool, "SEGMENT_DOCS", 1)
    processes(1)
    report = engine.update(full=True)
    assert any("duplicate id faq/why-does-my-eyelid-twitch" in str(p) for p in report.problems)
    assert report.records == 10
    hits = engine.search("twitch", limit=20).results
    assert [h.id for h in hits].count("faq/why-does-my-eyelid-twitch") == 1
    assert not engine.search("espresso").results  # the losing file's documents are gone from search
    engine.close()


@pytest.mark.parametrize("n", [1, 2])
def test_a_build_copies_no_segment_into_memory(tmp_path: Path, kb_root: Path, processes, monkeypatch,
                                               n: int) -> None:
    """Whoosh 2.7 copies every file of a memory-mapped segment into a buffer when a reader opens it: a 1M build's
    main process jumped by 2 GB when the sidecar check opened every segment. No process of a build may do it
    (not the sidecar writes of each segment, not the check after the commit), in the workers neither."""
    copies = tmp_path / "copies"
    real = BufferFile.__init__

    def recording(self, buf, *args, **kwargs):  # noqa: ANN001, ANN202 - Whoosh's signature
        with open(copies, "a") as fh:  # a file, so that forked workers' copies are seen too
            fh.write(f"{os.getpid()} {len(buf)}\n")
        real(self, buf, *args, **kwargs)

    monkeypatch.setattr(BufferFile, "__init__", recording)
    monkeypatch.setattr(buildpool, "SEGMENT_DOCS", 3)  # several segments per process, each with its sidecar
    processes(n)
    report = KnowledgeBase(kb_root).update(full=True)
    assert report.records == 10 and not report.problems
    assert not copies.exists(), copies.read_text()
    gen = current_dir(kb_root / "index")
    with indexer.open_generation(gen).reader() as r:
        assert len(list(r.leaf_readers())) >= 2
        assert all(sidecar._open(gen, sub) is not None for sub, _ in r.leaf_readers())
    engine = KnowledgeBase(kb_root)
    assert "article/nerves#pins-and-needles" in [h.id for h in engine.search("tingling").results]
    engine.close()


def test_progress_counts_every_record_once(kb_root: Path, processes) -> None:
    processes(3)
    seen: list[tuple[int, int]] = []
    KnowledgeBase(kb_root).update(full=True, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (10, 10)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    # files are indexed as they are parsed: until the last one, the total is estimated (never below what is done)
    assert all(d <= t for d, t in seen)


def test_problems_found_across_shares_are_reported_and_keep_the_last_good_version(kb_root: Path, processes) -> None:
    engine = KnowledgeBase(kb_root)
    engine.update(full=True)
    faq = kb_root / "corpus/faq/why-does-my-eyelid-twitch.yaml"
    # the same id from another file (dealt to another share), and an unknown nutrient declared in a worker's file
    (kb_root / "corpus/faq/why-does-my-eyelid-twitch.yml").write_text(faq.read_text())
    nerves = kb_root / "corpus/articles/nerves.md"
    nerves.write_text(nerves.read_text().replace("reviewed: 2026-11-20", "nutrients: [iron]\nreviewed: 2026-11-20"))
    processes(3)
    report = engine.update(full=True)
    messages = [str(p) for p in report.problems]
    assert any("duplicate id faq/why-does-my-eyelid-twitch" in m for m in messages), messages
    assert any(m.startswith("corpus/articles/nerves.md:") and "unknown nutrient 'iron'" in m for m in messages)
    # nerves.md fails: its last good sections are still found
    assert "article/nerves#pins-and-needles" in [h.id for h in engine.search("tingling").results]
    assert report.records == 10
    engine.close()


def test_a_failing_worker_fails_the_build_and_the_index_stays(kb_root: Path, processes, monkeypatch) -> None:
    engine = KnowledgeBase(kb_root)
    engine.update(full=True)
    before = current_dir(kb_root / "index")
    real = documents.to_document

    def explode(record, *args):
        if record.id.startswith("faq/why-does"):
            raise RuntimeError("boom")
        return real(record, *args)

    monkeypatch.setattr(documents, "to_document", explode)
    processes(2)  # main share: articles/nerves.md, faq/do-bananas...; the worker's: night-cramps, why-does...
    with pytest.raises(WorkerError, match="boom"):
        engine.update(full=True)
    assert current_dir(kb_root / "index") == before
    assert multiprocessing.active_children() == []
    assert engine.search("twitch").results


def test_split_gives_every_share_articles_and_faqs_in_equal_work() -> None:
    rels = [f"corpus/articles/a{i:02}.md" for i in range(10)] + [f"corpus/faq/f{i:02}.yaml" for i in range(40)]
    sizes = {rel: (0, 10_000 if "articles" in rel else 600) for rel in rels}
    parts = split(rels, sizes, 2)
    assert sorted(sum(parts, [])) == rels and all(p == sorted(p) for p in parts)
    work = [sum(sizes[r][1] + buildpool.FILE_COST for r in p) for p in parts]
    assert abs(work[0] - work[1]) <= 11_000 + 1_600
    assert all(any("articles" in r for r in p) and any("faq" in r for r in p) for p in parts)
    smaller = split(rels, sizes, 3, first=0.5)
    assert len(smaller[0]) < len(smaller[1])
    assert split([], {}, 3) == [[], [], []]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the worker through /proc (Linux)")
def test_a_worker_ends_with_a_killed_build_and_leaves_the_lock(tmp_path: Path) -> None:
    """SIGKILL to the build: its worker (which shares the index lock's open file) must not outlive it."""
    import signal
    import subprocess
    import sys
    import time

    files = dict(FILES)
    for i in range(80):
        body = "".join(f"## Part {j}\n\nPart {j} of article {i} is about calf cramps at night, "
                       f"{'and more words ' * 40}.\n\n" for j in range(40))
        files[f"corpus/articles/gen-{i}.md"] = (f"---\ntitle: Article {i}\nsummary: Number {i}.\n"
                                                f"reviewed: 2026-11-20\n{REF}---\n\n{body}")
    root = write_corpus(tmp_path / "kb", files)
    proc = subprocess.Popen([sys.executable, "-m", "kb", "--root", str(root), "index", "--full"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: list[int] = []
    deadline = time.monotonic() + 30
    while not children and proc.poll() is None and time.monotonic() < deadline:
        for task in Path(f"/proc/{proc.pid}/task").glob("*/children"):
            children += [int(c) for c in task.read_text().split()]
        time.sleep(0.005)
    assert children, "the build started no worker"
    time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    def alive() -> list[int]:
        out = []
        for c in children:
            try:
                if Path(f"/proc/{c}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    out.append(c)
            except (OSError, IndexError):
                pass
        return out

    deadline = time.monotonic() + 5
    while alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert alive() == []
    started = time.monotonic()
    report = KnowledgeBase(root).update()  # the lock is free: no wait for an orphan
    assert time.monotonic() - started < 5 and report.records == 10 + 80 * 40


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="Linux: the kernel ends the orphan")
def test_a_worker_dies_with_its_parent(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import multiprocessing, os, sys, time\n"
        "from kb.index import buildpool\n"
        "def work(parent):\n"
        "    buildpool._die_with(parent)\n"
        "    time.sleep(60)\n"
        "if __name__ == '__main__':\n"
        "    p = multiprocessing.get_context('fork').Process(target=work, args=(os.getpid(),))\n"
        "    p.start()\n"
        "    print(p.pid, flush=True)\n"
        "    time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    child = int(proc.stdout.readline())
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 3
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    stat = Path(f"/proc/{child}/stat")
    assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
