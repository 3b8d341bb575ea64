"""The measurements that run in a child process of their own (``python -m benchmarks child PART ...``), so the
peak resident set size (``VmHWM`` of that child) belongs to that work alone:

=================  ==========================================================================================
build              kb full build (``KnowledgeBase.update(full=True)``), then a no-change ``update()``
search             first search after opening; full and typing mode, first use and repeated; suggestions;
                   then (after the memory peak is read) the snippet figures
incremental        ``update(paths=[...])`` and ``update()`` after editing / adding / deleting one article;
                   ``kb index PATH`` as a process
fts5-build         the FTS5 peer's build (kb's parser + FTS5 inserts)
fts5-search        the FTS5 peer's searches (same lists, same modes) and its incremental updates
tantivy-build      the tantivy peer's build (kb's parser + tantivy's writer, two threads)
tantivy-search     the tantivy peer's searches (same lists, same modes, same work per query)
tui                keystroke to results painted, through Pilot (see benchmarks/tui.py)
=================  ==========================================================================================
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.generate import STAMP
from benchmarks.harness import LIMIT, SNIPPETS, Edits, Engine, kb_exe, search_workload, settings, snippet_workload
from benchmarks.stats import dir_bytes, ms, peak_mb


def child_build(root: Path, index: Path, quick: bool) -> dict:
    from kb.engine import KnowledgeBase
    from kb.index.store import current_dir

    shutil.rmtree(index, ignore_errors=True)
    kb = KnowledgeBase(root, index)
    ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c0, t0 = time.process_time(), time.perf_counter()
    report = kb.update(full=True)
    seconds = time.perf_counter() - t0
    ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the engine may write segments in worker processes: count their CPU time, report their peak apart
    cpu = time.process_time() - c0 + (ch1.ru_utime + ch1.ru_stime) - (ch0.ru_utime + ch0.ru_stime)
    children_peak = ch1.ru_maxrss / 1024 if ch1.ru_maxrss > ch0.ru_maxrss else None
    peak = peak_mb()
    noop = []
    for _ in range(settings(quick)["incr_repeats"]):
        t0 = time.perf_counter()
        kb.update()
        noop.append(ms(time.perf_counter() - t0))
    gen = current_dir(index)
    return {"build.seconds": seconds, "build.records": report.records, "build.rate": report.records / seconds,
            "build.index_mb": dir_bytes(gen) / 2**20 if gen else None, "build.peak_mb": peak,
            "build.problems": len(report.problems), "incr.noop_ms": statistics.median(noop),
            "build.cpu_share": cpu / seconds, "build.children_peak_mb": children_peak}


def child_search(root: Path, index: Path, quick: bool) -> dict:
    from kb.engine import KnowledgeBase
    from kb.search import snippets as snip

    def open_engine() -> Engine:
        snip.clear_cache()
        kb = KnowledgeBase(root, index)
        return Engine(lambda text, prefix: kb.search(text, limit=LIMIT, prefix=prefix, snippets=SNIPPETS),
                      kb.suggest, kb.close)

    out = search_workload(open_engine, quick)
    out["search.peak_mb"] = peak_mb()
    # snippets: the hits' texts are read before the timing (only theirs: every record's would not fit at 500k)
    kb = KnowledgeBase(root, index)
    from kb.index.documents import plain_of

    def search_top(text: str, limit: int, n: int):  # type: ignore[no-untyped-def]
        response = kb.search(text, limit=limit, snippets=n)
        if limit == 10 and n == 0:
            return response, [plain_of(kb.get(h.id)) for h in response.results]
        return response

    def snippets_of(_text: str, got) -> object:  # type: ignore[no-untyped-def]
        response, texts = got
        snip.clear_cache()  # first use: no text analysed before
        return [snip.make_snippet(t, response.terms) for t in texts]

    out.update(snippet_workload(search_top, snippets_of, quick))
    return out


def child_incremental(root: Path, index: Path, quick: bool) -> dict:
    """Edit, add and delete one article, each timed twice: ``update(paths=[...])`` told the file (as the FTS5 peer
    is told it, and as an editor's hook or the TUI's watcher tells kb) and ``update()`` with no path, which lists
    the whole corpus to find it; then ``kb index PATH`` as a fresh process."""
    from kb.engine import KnowledgeBase

    if not (root / STAMP).exists():
        return {"incr.unavailable": "not a generated corpus"}
    kb = KnowledgeBase(root, index)
    ed = Edits(root)
    kb.update()
    kinds = ("edit", "add", "delete")
    res: dict[str, list[float]] = {k: [] for k in (*kinds, *(f"{k}_listed" for k in kinds), "cli_edit")}
    checks: list[str] = []

    def timed(kind: str, path: Path, told: bool) -> None:
        name = kind if told else f"{kind}_listed"
        t0 = time.perf_counter()
        report = kb.update(paths=[path]) if told else kb.update()
        res[name].append(ms(time.perf_counter() - t0))
        if not (report.added or report.updated or report.removed):
            checks.append(f"{name}: the update found nothing to do")

    def undo(path: Path, told: bool) -> None:
        report = kb.update(paths=[path]) if told else kb.update()
        if not (report.added or report.updated or report.removed):
            checks.append(f"undoing a change ({'path given' if told else 'listed'}): the update found nothing to do")

    try:
        for i in range(settings(quick)["incr_repeats"]):
            for told in (True, False):
                path = ed.pick(i + 400 * told)
                ed.edit(path)
                timed("edit", path, told)
                ed.restore()
                undo(path, told)
                new = ed.add(i, ed.pick(i + 100 + 400 * told))
                timed("add", new, told)
                new.unlink()
                undo(new, told)
                path = ed.pick(i + 200 + 400 * told)
                ed.delete(path)
                timed("delete", path, told)
                ed.restore()
                undo(path, told)
            path = ed.pick(i + 300)
            ed.edit(path)
            t0 = time.perf_counter()
            subprocess.run([kb_exe(), "--root", str(root), "--index", str(index), "index", str(path)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            res["cli_edit"].append(ms(time.perf_counter() - t0))
            ed.restore()
            undo(path, True)
        left = kb.update()  # what the told updates left: a listing must find nothing more to do
        if left.added or left.updated or left.removed:
            checks.append(f"after the told updates a listing still found work: {left.summary()}")
    finally:
        ed.restore()
        kb.update()
    out = {f"incr.{k}_ms": statistics.median(v) for k, v in res.items() if v}
    out["incr.checks"] = checks
    return out


def child_fts5_build(root: Path, db: Path, quick: bool) -> dict:
    from benchmarks import fts5

    info = fts5.build(root, db)
    return {"build.seconds": info["seconds"], "build.rate": info["records"] / info["seconds"],
            "build.records": info["records"], "build.parse_seconds": info["parse_seconds"],
            "build.index_mb": info["bytes"] / 2**20, "build.peak_mb": peak_mb()}


def child_fts5_search(root: Path, db: Path, quick: bool) -> dict:
    from benchmarks import fts5

    def open_engine() -> Engine:
        peer = fts5.Peer(db)
        return Engine(lambda text, prefix: peer.search(text, limit=LIMIT, snippets=SNIPPETS, prefix=prefix),
                      None, peer.close)

    # FTS5 answers a prefix in ~0.2 s at 100k: one round, every third query's keystrokes repeated
    out = search_workload(open_engine, quick, rounds=1, typing_warm_stride=3)
    out["search.peak_mb"] = peak_mb()
    peer = fts5.Peer(db)

    def snippets_of(text: str, response: dict) -> object:
        return peer.search(text, limit=10, snippets=10)  # FTS5's snippet() runs inside the query: the whole call

    out.update(snippet_workload(lambda text, limit, n: peer.search(text, limit=limit, snippets=n), snippets_of,
                                quick, rounds=1))
    out.pop("snip.ten.p50", None)
    out["snip.ten.p95"] = None  # not separable from FTS5's query
    if not (root / STAMP).exists():  # never edit a real corpus
        return out
    ed = Edits(root)
    res: dict[str, list[float]] = {"edit": [], "add": [], "delete": []}

    def timed(kind: str, path: Path) -> None:
        t0 = time.perf_counter()
        peer.update_file(root, ed.rel(path))
        res[kind].append(ms(time.perf_counter() - t0))

    peer.update_file(root, ed.rel(ed.pick(0)))  # warm-up: imports, caches (the file is unchanged)
    try:
        for i in range(settings(quick)["incr_repeats"]):
            path = ed.pick(i)
            ed.edit(path)
            timed("edit", path)
            ed.restore()
            peer.update_file(root, ed.rel(path))
            new = ed.add(i, ed.pick(i + 100))
            timed("add", new)
            new.unlink()
            peer.update_file(root, ed.rel(new))
            path = ed.pick(i + 200)
            ed.delete(path)
            timed("delete", path)
            ed.restore()
            peer.update_file(root, ed.rel(path))
    finally:
        ed.restore()
    out.update({f"incr.{k}_ms": statistics.median(v) for k, v in res.items() if v})
    return out


def child_tantivy_build(root: Path, path: Path, quick: bool) -> dict:
    from benchmarks import tantivy_peer

    info = tantivy_peer.build(root, path)
    return {"build.seconds": info["seconds"], "build.rate": info["records"] / info["seconds"],
            "build.records": info["records"], "build.parse_seconds": info["parse_seconds"],
            "build.index_mb": info["bytes"] / 2**20, "build.peak_mb": peak_mb()}


def child_tantivy_search(root: Path, path: Path, quick: bool) -> dict:
    from benchmarks.tantivy_peer import TantivyBench
    from kb.index.schema import STOP_WORDS

    def open_engine() -> Engine:
        peer = TantivyBench(path, STOP_WORDS)
        return Engine(lambda text, prefix: peer.search(text, limit=LIMIT, snippets=SNIPPETS, prefix=prefix),
                      None, peer.close)

    out = search_workload(open_engine, quick)
    out["search.peak_mb"] = peak_mb()
    peer = TantivyBench(path, STOP_WORDS)

    def search_top(text: str, limit: int, n: int) -> object:
        if n == 0 and limit == 10:  # the texts of the first 10 hits, read (as kb's are) before the timing
            q = peer.query(text)
            return [] if q is None else [peer.searcher.doc(a) for _, a in peer.searcher.search(q, 10).hits]
        return peer.search(text, limit=limit, snippets=n)

    out.update(snippet_workload(search_top, lambda text, docs: peer.snippets(text, docs), quick))
    return out


def child_tui(root: Path, index: Path, quick: bool) -> dict:
    from benchmarks import tui

    return tui.keystroke_benchmark(root, index, quick)


CHILDREN: dict[str, Callable[[Path, Path, bool], dict]] = {
    "build": child_build, "search": child_search, "incremental": child_incremental,
    "fts5-build": child_fts5_build, "fts5-search": child_fts5_search,
    "tantivy-build": child_tantivy_build, "tantivy-search": child_tantivy_search, "tui": child_tui,
}


def child_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks child")
    p.add_argument("part", choices=sorted(CHILDREN))
    p.add_argument("--root", required=True)
    p.add_argument("--index", required=True, help="kb index folder, the FTS5 database or the tantivy index")
    p.add_argument("--result", required=True)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    out = CHILDREN[a.part](Path(a.root), Path(a.index), a.quick)
    Path(a.result).write_text(json.dumps(out, indent=1))
    return 0
