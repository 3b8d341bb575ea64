"""The runner: generate (or reuse) a knowledge base per size, measure kb and the FTS5 peer, print one table per size.

Every measurement that reports memory runs in its own child process (``python -m benchmarks child PART ...``),
so the peak resident set size (``VmHWM`` of that child) belongs to that work alone:

=============  ==============================================================================================
build          kb full build (``KnowledgeBase.update(full=True)``), then a no-change ``update()``
search         first search after opening; full-mode and typing-mode searches; spelling suggestions
incremental    ``update()`` after editing / adding / deleting one article; ``kb index`` as a process after an edit
fts5-build     the peer's build (kb's parser + FTS5 inserts)
fts5-search    the peer's searches (same lists, same modes) and its incremental updates
tui            keystroke to results painted, through Pilot (see benchmarks/tui.py)
=============  ==============================================================================================

Fresh-process timings (``kb search``, the peer's search script, TUI first paint) run from the parent.
Results go to ``<out>/results-<size>.json``; ``--write-doc`` puts the tables into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import queries as Q
from benchmarks.generate import STAMP, generate, parse_size, size_label

REPO = Path(__file__).resolve().parent.parent
#: What the TUI asks for per keystroke: a screenful of results, snippets for the rows visible at 120x40.
LIMIT = 20
SNIPPETS = 10
FULL_REPEATS = 5
FRESH_RUNS = 5
INCR_REPEATS = 3
FRESH_QUERY = "cramps at night"
STALL_MS = 100.0  # "must not stall": a 1-2 letter prefix answered within a tenth of a second
PARTS = ("build", "search", "incremental", "fts5-build", "fts5-search", "tui", "fresh")


# --- small helpers ---------------------------------------------------------------------------------------------
def compact_when(when: str) -> str:
    """``first; a, b re-measured T1; a re-measured T2`` -> ``first; b re-measured T1; a re-measured T2``.

    Each part keeps only its latest re-measure, so repeated partial runs do not grow the line without end.
    """
    first, *reruns = [w.strip() for w in when.split(";")]
    latest: dict[str, str] = {}
    for rerun in reruns:
        names, _, at = rerun.partition(" re-measured ")
        for name in names.split(", "):
            latest[name] = at
    by_time: dict[str, list[str]] = {}
    for name, at in latest.items():
        by_time.setdefault(at, []).append(name)
    return "; ".join([first] + [f"{', '.join(sorted(n))} re-measured {at}" for at, n in sorted(by_time.items())])


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))]


def peak_mb() -> float:
    """Peak resident set size of this process in MiB.

    ``VmHWM`` belongs to this process image alone; ``ru_maxrss`` would also count the parent's size at fork
    (Linux keeps it across exec), so it is only the fallback.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def ms(seconds: float) -> float:
    return seconds * 1000


def kb_exe() -> str:
    exe = Path(sys.executable).parent / "kb"
    return str(exe) if exe.exists() else shutil.which("kb") or "kb"


def timed_run(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env,
                       cwd=REPO)
        out.append(time.perf_counter() - t0)
    return out


def _quick_queries() -> list[tuple[str, str]]:
    """Smoke runs: the first query of each category."""
    seen: dict[str, str] = {}
    for cat, q in Q.QUERIES:
        seen.setdefault(cat, q)
    return list(seen.items())


def _settings(quick: bool) -> dict[str, int]:
    return {"full_repeats": 1 if quick else FULL_REPEATS, "fresh_runs": 1 if quick else FRESH_RUNS,
            "incr_repeats": 1 if quick else INCR_REPEATS}


# --- children --------------------------------------------------------------------------------------------------
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
    for _ in range(_settings(quick)["incr_repeats"]):
        t0 = time.perf_counter()
        kb.update()
        noop.append(ms(time.perf_counter() - t0))
    gen = current_dir(index)
    return {"build.seconds": seconds, "build.records": report.records, "build.rate": report.records / seconds,
            "build.index_mb": dir_bytes(gen) / 2**20 if gen else None, "build.peak_mb": peak,
            "build.problems": len(report.problems), "incr.noop_ms": statistics.median(noop),
            "build.cpu_share": cpu / seconds, "build.children_peak_mb": children_peak}


def _search_workload(search: Callable[..., object], suggest: Callable[[str], object] | None, quick: bool) -> dict:
    """Time the query list in full and typing mode (and suggestions) with ``search(text, prefix=...)``."""
    reps = _settings(quick)["full_repeats"]
    query_list = _quick_queries() if quick else Q.QUERIES
    out: dict = {}
    c_start, w_start = time.process_time(), time.perf_counter()
    t0 = time.perf_counter()
    search(FRESH_QUERY, prefix=False)
    out["search.first_ms"] = ms(time.perf_counter() - t0)
    full: list[float] = []
    by_cat: dict[str, list[float]] = {}
    for _ in range(reps):
        for cat, q in query_list:
            t0 = time.perf_counter()
            search(q, prefix=False)
            t = ms(time.perf_counter() - t0)
            full.append(t)
            by_cat.setdefault(cat, []).append(t)
    typing: list[float] = []
    short: list[float] = []
    slow: list[tuple[float, str]] = []
    for _, q in query_list:
        for text in Q.typing_prefixes(q):
            t0 = time.perf_counter()
            search(text, prefix=True)
            t = ms(time.perf_counter() - t0)
            typing.append(t)
            last = text.split()[-1] if text.strip() and not text[-1].isspace() else ""
            if 1 <= len(last) <= 2:
                short.append(t)
            slow.append((t, text))
    for name, values in (("full", full), ("typing", typing), ("short", short)):
        for p in (50, 95, 99):
            out[f"{name}.p{p}"] = pct(values, p)
        out[f"{name}.max"] = max(values) if values else None
        out[f"{name}.n"] = len(values)
    for cat, values in by_cat.items():
        out[f"full.{cat}.p95"] = pct(values, 95)
    out["typing.slowest"] = [[round(t, 1), text] for t, text in sorted(slow, reverse=True)[:10]]
    out["typing.samples"] = [[text, round(t, 2)] for t, text in slow]  # every keystroke, in typing order
    if suggest is not None:
        sug: list[float] = []
        for _ in range(reps):
            for w in Q.SUGGEST_WORDS[::4] if quick else Q.SUGGEST_WORDS:
                t0 = time.perf_counter()
                suggest(w)
                sug.append(ms(time.perf_counter() - t0))
        out["suggest.p50"] = pct(sug, 50)
        out["suggest.p95"] = pct(sug, 95)
        out["suggest.max"] = max(sug)
    # below 1: the process waited for a CPU (other work on the machine) or for I/O
    out["search.cpu_share"] = (time.process_time() - c_start) / (time.perf_counter() - w_start)
    return out


def child_search(root: Path, index: Path, quick: bool) -> dict:
    from kb.engine import KnowledgeBase

    kb = KnowledgeBase(root, index)

    def search(text: str, prefix: bool) -> object:
        return kb.search(text, limit=LIMIT, prefix=prefix, snippets=SNIPPETS)

    out = _search_workload(search, kb.suggest, quick)
    out["search.peak_mb"] = peak_mb()
    return out


class _Edits:
    """Reversible corpus edits for the incremental benchmarks (undone even after a crash, on the next run)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.backup = root / ".bench-backup"
        self.restore()
        arts = sorted((root / "corpus" / "articles").glob("*.md"))
        self.articles = arts

    def restore(self) -> None:
        if self.backup.is_dir():
            for saved in self.backup.iterdir():
                shutil.move(str(saved), self.root / "corpus" / "articles" / saved.name)
            self.backup.rmdir()
        for added in (self.root / "corpus" / "articles").glob("zz-bench-added-*.md"):
            added.unlink()

    def pick(self, i: int) -> Path:
        return self.articles[(i * 7919 + len(self.articles) // 2) % len(self.articles)]

    def edit(self, path: Path) -> None:
        self.backup.mkdir(exist_ok=True)
        shutil.copy2(path, self.backup / path.name)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\nAn edited paragraph: stretching the calf before bed eased the night cramps.\n")

    def add(self, i: int, like: Path) -> Path:
        new = self.root / "corpus" / "articles" / f"zz-bench-added-{i}.md"
        new.write_text(like.read_text(encoding="utf-8"), encoding="utf-8")
        return new

    def delete(self, path: Path) -> None:
        self.backup.mkdir(exist_ok=True)
        shutil.move(str(path), self.backup / path.name)


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def child_incremental(root: Path, index: Path, quick: bool) -> dict:
    from kb.engine import KnowledgeBase

    if not (root / STAMP).exists():
        return {"incr.unavailable": "not a generated corpus"}
    kb = KnowledgeBase(root, index)
    ed = _Edits(root)
    kb.update()
    reps = _settings(quick)["incr_repeats"]
    res: dict[str, list[float]] = {"edit": [], "add": [], "delete": [], "cli_edit": []}
    checks: list[str] = []

    def timed(kind: str) -> None:
        t0 = time.perf_counter()
        report = kb.update()
        res[kind].append(ms(time.perf_counter() - t0))
        if not (report.added or report.updated or report.removed):
            checks.append(f"{kind}: the update found nothing to do")

    try:
        for i in range(reps):
            path = ed.pick(i)
            ed.edit(path)
            timed("edit")
            ed.restore()
            kb.update()
            new = ed.add(i, ed.pick(i + 100))
            timed("add")
            new.unlink()
            kb.update()
            path = ed.pick(i + 200)
            ed.delete(path)
            timed("delete")
            ed.restore()
            kb.update()
            path = ed.pick(i + 300)
            ed.edit(path)
            t0 = time.perf_counter()
            subprocess.run([kb_exe(), "--root", str(root), "--index", str(index), "index"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            res["cli_edit"].append(ms(time.perf_counter() - t0))
            ed.restore()
            kb.update()
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

    t0 = time.perf_counter()
    peer = fts5.Peer(db)
    open_ms = ms(time.perf_counter() - t0)

    def search(text: str, prefix: bool) -> object:
        return peer.search(text, limit=LIMIT, snippets=SNIPPETS, prefix=prefix)

    out = _search_workload(search, None, quick)
    out["search.first_ms"] += open_ms
    out["search.peak_mb"] = peak_mb()
    if not (root / STAMP).exists():  # never edit a real corpus
        return out
    # incremental: the same three operations, one file each
    ed = _Edits(root)
    res: dict[str, list[float]] = {"edit": [], "add": [], "delete": []}

    def timed(kind: str, path: Path) -> None:
        t0 = time.perf_counter()
        peer.update_file(root, _rel(root, path))
        res[kind].append(ms(time.perf_counter() - t0))

    peer.update_file(root, _rel(root, ed.pick(0)))  # warm-up: imports, caches (the file is unchanged)
    try:
        for i in range(_settings(quick)["incr_repeats"]):
            path = ed.pick(i)
            ed.edit(path)
            timed("edit", path)
            ed.restore()
            peer.update_file(root, _rel(root, path))
            new = ed.add(i, ed.pick(i + 100))
            timed("add", new)
            new.unlink()
            peer.update_file(root, _rel(root, new))
            path = ed.pick(i + 200)
            ed.delete(path)
            timed("delete", path)
            ed.restore()
            peer.update_file(root, _rel(root, path))
    finally:
        ed.restore()
    out.update({f"incr.{k}_ms": statistics.median(v) for k, v in res.items() if v})
    return out


def child_tui(root: Path, index: Path, quick: bool) -> dict:
    from benchmarks import tui

    return tui.keystroke_benchmark(root, index, quick)


CHILDREN: dict[str, Callable[[Path, Path, bool], dict]] = {
    "build": child_build, "search": child_search, "incremental": child_incremental,
    "fts5-build": child_fts5_build, "fts5-search": child_fts5_search, "tui": child_tui,
}


def child_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks child")
    p.add_argument("part", choices=sorted(CHILDREN))
    p.add_argument("--root", required=True)
    p.add_argument("--index", required=True, help="kb index folder, or the FTS5 database for fts5-*")
    p.add_argument("--result", required=True)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    out = CHILDREN[a.part](Path(a.root), Path(a.index), a.quick)
    Path(a.result).write_text(json.dumps(out, indent=1))
    return 0


def run_child(part: str, root: Path, index: Path, work: Path, quick: bool, timeout: float) -> dict:
    result = work / f".{part}.json"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "benchmarks", "child", part, "--root", str(root), "--index", str(index),
           "--result", str(result)] + (["--quick"] if quick else [])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    took = time.perf_counter() - t0
    if proc.returncode != 0 or not result.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": f"{part} failed (exit {proc.returncode}): {' | '.join(tail)}"}
    out = json.loads(result.read_text())
    result.unlink()
    out["_seconds"] = took
    return out


# --- fresh processes -------------------------------------------------------------------------------------------
def fresh(root: Path, index: Path, db: Path | None, quick: bool) -> dict:
    from benchmarks import tui

    runs = _settings(quick)["fresh_runs"]
    out: dict = {}
    env = {**os.environ, "NO_COLOR": "1"}
    kb_cmd = [kb_exe(), "--root", str(root), "--index", str(index)]
    subprocess.run(kb_cmd + ["index"], check=True, capture_output=True, cwd=REPO)
    timed_run(kb_cmd + ["search", FRESH_QUERY], 1, env)  # warm the page cache
    out["cli.search_s"] = statistics.median(timed_run(kb_cmd + ["search", FRESH_QUERY], runs, env))
    if db is not None and db.exists():
        cmd = [sys.executable, "-m", "benchmarks.fts5", str(db), FRESH_QUERY]
        timed_run(cmd, 1, env)
        out["fts5.cli.search_s"] = statistics.median(timed_run(cmd, runs, env))
    paint = tui.first_paint(root, index, runs)
    out.update(paint)
    return out


# --- the table -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    key: str  # metric key in the results
    label: str
    digits: int = 1
    peer: bool = True  # the FTS5 peer measures this too
    target: Callable[[str], tuple[str, Callable[[float], bool]] | None] = lambda size: None


def _at(sizes: dict[str, tuple[str, Callable[[float], bool]]]) -> Callable[[str], tuple | None]:
    return lambda size: sizes.get(size)


def _le(x: float) -> tuple[str, Callable[[float], bool]]:
    return f"<= {x:g}", lambda v: v <= x


def _ge(x: float) -> tuple[str, Callable[[float], bool]]:
    return f">= {x:,g}", lambda v: v >= x


def _any_size(t: tuple[str, Callable[[float], bool]]) -> Callable[[str], tuple | None]:
    return lambda size: None if size == "shipped" else t


SIZE_ROWS: list[Row] = [
    Row("build.seconds", "Full build (s)", 2),
    Row("build.rate", "Full build (records/s)", 0, target=_any_size(_ge(2000))),
    Row("build.index_mb", "Index size on disk (MB)", 1),
    Row("build.peak_mb", "Peak memory, full build, main process (MB)", 0),
    Row("incr.noop_ms", "`kb index`, nothing changed (ms, in-process)", 1, peer=False),
    Row("incr.edit_ms", "Incremental: edit one file (ms)", 1,
        target=_at({"10k": _le(150), "100k": _le(150)})),
    Row("incr.add_ms", "Incremental: add one file (ms)", 1),
    Row("incr.delete_ms", "Incremental: delete one file (ms)", 1),
    Row("incr.cli_edit_ms", "`kb index` after an edit, fresh process (ms)", 0, peer=False),
    Row("search.first_ms", "First search after opening (ms)", 1),
    Row("typing.p50", "Typing mode p50 (ms)", 2),
    Row("typing.p95", "Typing mode p95 (ms)", 2, target=_at({"10k": _le(15), "100k": _le(50)})),
    Row("typing.p99", "Typing mode p99 (ms)", 2),
    Row("short.p95", "Typing, 1-2 letter last word, p95 (ms)", 2),
    Row("short.max", "Typing, 1-2 letter last word, max (ms)", 1, target=_any_size(_le(STALL_MS))),
    Row("full.p50", "Full query p50 (ms)", 2),
    Row("full.p95", "Full query p95 (ms)", 2),
    Row("full.p99", "Full query p99 (ms)", 2),
    Row("suggest.p50", "Spelling suggestion p50 (ms)", 2, peer=False),
    Row("suggest.p95", "Spelling suggestion p95 (ms)", 2, peer=False),
    Row("search.peak_mb", "Peak memory while searching (MB)", 0, target=_at({"100k": _le(400)})),
    Row("tui.keystroke.p50", "TUI keystroke to results painted p50 (ms)", 1, peer=False),
    Row("tui.keystroke.p95", "TUI keystroke to results painted p95 (ms)", 1, peer=False,
        target=_at({"10k": _le(50)})),
    Row("tui.first_paint_s", "TUI first paint, fresh process (s)", 2, peer=False,
        target=_at({"shipped": _le(1.5)})),
    Row("cli.search_s", "`kb search`, fresh process (s)", 3, target=_at({"shipped": _le(0.5)})),
]
SHIPPED_KEYS = ("cli.search_s", "tui.first_paint_s", "build.seconds", "build.rate", "typing.p95", "full.p95")


def rows_for(size: str) -> list[Row]:
    if size == "shipped":
        return [r for r in SIZE_ROWS if r.key in SHIPPED_KEYS]
    return SIZE_ROWS


def _fmt(v: object, digits: int) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, (int, float)):
        return f"{v:,.{digits}f}"
    return str(v)


def table_rows(size: str, results: dict) -> list[list[str]]:
    """[metric, kb, FTS5, kb/FTS5, target, pass/fail] for every row of ``size`` (values may be "n/a")."""
    kb = results.get("kb", {})
    peer = results.get("fts5", {})
    out = []
    for r in rows_for(size):
        v = kb.get(r.key)
        note = kb.get(r.key.split(".")[0] + ".unavailable")
        pv = peer.get(r.key) if r.peer else None
        ratio = f"{v / pv:.2f}" if isinstance(v, (int, float)) and isinstance(pv, (int, float)) and pv else ""
        t = r.target(size)
        target, verdict = "", ""
        if t is not None:
            target = t[0]
            verdict = ("pass" if t[1](v) else "**FAIL**") if isinstance(v, (int, float)) else "not measured"
        kb_text = _fmt(v, r.digits) if v is not None or not note else f"n/a ({note})"
        out.append([r.label, kb_text, _fmt(pv, r.digits) if r.peer else "-", ratio, target, verdict])
    return out


def table(size: str, results: dict) -> str:
    head = ["Metric", "kb", "FTS5", "kb/FTS5", "Target", "Pass/fail"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 3 + ["--:"] + ["---"] * 2) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(size, results)]
    return "\n".join(lines)


def describe(size: str, results: dict) -> str:
    g = results.get("corpus", {})
    if size == "shipped":
        what = "the shipped corpus"
    else:
        what = (f"{g.get('sections', '?'):,} sections in {g.get('articles', '?'):,} articles + "
                f"{g.get('faqs', '?'):,} FAQs + 7 nutrients (seed {g.get('seed', '?')})")
    errors = list(results.get("errors", []))
    when = compact_when(str(results.get("when", "?")))
    text = f"**{size}** - {what}; measured {when} in {results.get('took_s', 0):.0f} s."
    if results.get("quick"):
        text += " Quick mode (fewer repeats)."
    kbr = results.get("kb", {})
    shares = [f"{name} {kbr[key]:.0%}" for name, key in (("build", "build.cpu_share"), ("search", "search.cpu_share"))
              if isinstance(kbr.get(key), (int, float))]
    if shares:
        text += (" CPU time / wall time of kb's build and search: " + ", ".join(shares)
                 + " (below 100 % for one process: it waited for a CPU or the disk; the build counts its worker "
                 "processes, so it can exceed 100 %).")
    for e in errors:
        text += f"\n\n> {e}"
    if isinstance(kbr.get("build.children_peak_mb"), (int, float)):
        text += (f" The build ran worker processes too; the largest peaked at {kbr['build.children_peak_mb']:.0f} MB"
                 " (resident, shared pages included).")
    if isinstance(kbr.get("tui.engine.p50"), (int, float)):
        text += (f"\n\nTUI keystroke split: inside `engine.search` p50 {kbr['tui.engine.p50']:.0f} ms / p95 "
                 f"{kbr['tui.engine.p95']:.0f} ms; the rest (events, worker hand-off, list rebuild, layout, render, "
                 f"waiting for the GIL) p50 {kbr['tui.outside.p50']:.0f} ms / p95 {kbr['tui.outside.p95']:.0f} ms.")
    if isinstance(kbr.get("tui.ready_s"), (int, float)):
        text += f" TUI fresh process until the index is open (disclaimer shown): {kbr['tui.ready_s']:.2f} s."
    slow = results.get("kb", {}).get("typing.slowest")
    if slow:
        text += "\n\nSlowest typing-mode texts (ms): " + ", ".join(f"`{t}` {m}" for m, t in slow[:5]) + "."
    return text


# --- machine, doc ----------------------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kbytes = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore
        mem = f"{kbytes / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    import sqlite3
    from importlib.metadata import version

    def ver(name: str) -> str:
        try:
            return version(name)
        except Exception:  # noqa: BLE001 - a missing package is just reported
            return "absent"

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "kb"], cwd=REPO, capture_output=True,
                               text=True).stdout.strip()
        commit += " + uncommitted kb/ changes" if dirty else ""
    except OSError:
        commit = "?"
    return {"cpus": str(len(os.sched_getaffinity(0))), "cpu": cpu, "memory": mem,
            "python": platform.python_version(), "os": f"{platform.system()} {platform.release()}",
            "sqlite": sqlite3.sqlite_version, "whoosh": ver("whoosh-reloaded"), "textual": ver("textual"),
            "commit": commit, "load": " / ".join(f"{x:.2f}" for x in os.getloadavg())}


def machine_line(m: dict[str, str]) -> str:
    return (f"{m['cpus']} CPUs ({m['cpu']}), {m['memory']} RAM, {m['os']}, Python {m['python']}, "
            f"SQLite {m['sqlite']}, whoosh-reloaded {m['whoosh']}, Textual {m['textual']}; kb at {m['commit']}; "
            f"load average at start {m.get('load', '?')}")


def doc_block(size: str, results: dict) -> str:
    m = results.get("machine", {})
    parts = [f"### {size}", "", describe(size, results), ""]
    if m:
        parts += [f"Machine: {machine_line(m)}.", ""]
    parts += [f"Command: `{results.get('command', '?')}`", "", table(size, results), ""]
    return "\n".join(parts)


SIZE_ORDER = ("shipped", "1k", "10k", "100k")


def targets_block(out: Path) -> str:
    """Every row that has a target, for every size with saved results in ``out``: the verdicts at a glance."""
    found: dict[str, dict] = {}
    for path in out.glob("results-*.json"):
        size = path.stem[len("results-"):]
        saved = json.loads(path.read_text())
        if not saved.get("quick"):  # smoke runs are not for the record
            found[size] = saved
    sizes = sorted(found, key=lambda s: (SIZE_ORDER.index(s) if s in SIZE_ORDER else -1, s))
    lines = ["| Target | Size | kb | FTS5 | Verdict | Measured |", "|---|---|--:|--:|---|---|"]
    for r in SIZE_ROWS:
        for size in sizes:
            if r.target(size) is None:
                continue
            row = next(x for x in table_rows(size, found[size]) if x[0] == r.label)
            # "<first run>; <parts> <latest rerun of them>; ..."
            when = compact_when(str(found[size].get("when", "?"))).replace(" re-measured", "")
            lines.append(f"| {r.label} {row[4]} | {size} | {row[1]} | {row[2]} | {row[5]} | {when} |")
    return "\n".join(lines)


def write_doc(path: Path, blocks: dict[str, str], out: Path | None = None) -> None:
    """Replace (or append) each size's block between ``<!-- bench:SIZE -->`` markers in ``path``.

    With ``out``, the ``<!-- bench:targets -->`` block is rebuilt from every saved result there.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n## Results\n\n"
    if out is not None:
        blocks = {"targets": targets_block(out), **blocks}
    for size, block in blocks.items():
        start, end = f"<!-- bench:{size}:start -->", f"<!-- bench:{size}:end -->"
        new = f"{start}\n{block}\n{end}"
        if start in text and end in text:
            text = text[:text.index(start)] + new + text[text.index(end) + len(end):]
        elif "<!-- bench:results-end -->" in text:
            text = text.replace("<!-- bench:results-end -->", new + "\n\n<!-- bench:results-end -->")
        else:
            text += "\n" + new + "\n"
    path.write_text(text, encoding="utf-8")


# --- driving one size ------------------------------------------------------------------------------------------
def measure(size_text: str, out: Path, source: Path, seed: int, quick: bool, parts: set[str], tail: bool,
            timeout: float, log: Callable[[str], None]) -> tuple[str, dict]:
    started = time.perf_counter()
    shipped = size_text == "shipped"
    if shipped:
        label = "shipped"
        root = source.resolve()
        work = out / "kb-shipped"
        work.mkdir(parents=True, exist_ok=True)
        corpus_info: dict = {}
    else:
        n = parse_size(size_text)
        label = size_label(n)
        log(f"[{label}] generating (or reusing) the corpus ...")
        g = generate(out / f"kb-{label}", n, source, seed, tail)
        root = work = g.root
        corpus_info = {"sections": g.sections, "faqs": g.faqs, "articles": g.articles, "seed": seed,
                       "reused": g.reused}
        log(f"[{label}] {g.articles} articles, {g.sections} sections, {g.faqs} FAQs"
            f"{' (cached)' if g.reused else ''}")
    index = work / "index"
    db = work / "fts5.db"
    results: dict = {"corpus": corpus_info, "kb": {}, "fts5": {}, "quick": quick,
                     "when": time.strftime("%Y-%m-%d %H:%M"), "machine": machine()}
    res_path = out / f"results-{label}.json"
    if parts != set(PARTS) and res_path.exists():  # a partial rerun updates the saved figures of its parts only
        old = json.loads(res_path.read_text())
        if old.get("corpus", {}).get("seed") == corpus_info.get("seed") and old.get("quick") == quick:
            results["kb"], results["fts5"] = old.get("kb", {}), old.get("fts5", {})
            results["when"] = compact_when(f"{old.get('when', '?')}; {', '.join(sorted(parts))} re-measured "
                                           f"{results['when']}")

    def save() -> None:
        results["took_s"] = time.perf_counter() - started
        res_path.write_text(json.dumps(results, indent=1))

    plan = [("build", "kb", index), ("search", "kb", index), ("incremental", "kb", index),
            ("fts5-build", "fts5", db), ("fts5-search", "fts5", db), ("tui", "kb", index)]
    if shipped:
        plan = [p for p in plan if p[0] not in ("incremental", "tui")]
    for part, side, target in plan:
        if part not in parts:
            continue
        log(f"[{label}] {part} ...")
        got = run_child(part, root, target, work, quick, timeout)
        results[side].pop(f"{part}.error", None)
        if part == "tui":
            results[side].pop("tui.unavailable", None)
        if "error" in got:
            log(f"[{label}] {got['error']}")
        results[side].update(got if "error" not in got else {f"{part}.error": got["error"]})
        if "error" in got:
            results.setdefault("errors", []).append(got["error"])
        save()
    if "fresh" in parts:
        log(f"[{label}] fresh processes ...")
        results["kb"].pop("tui.unavailable", None)
        try:
            f = fresh(root, index, db, quick)
            results["fts5"]["cli.search_s"] = f.pop("fts5.cli.search_s", None)
            results["kb"].update(f)
        except (subprocess.CalledProcessError, OSError) as exc:
            results.setdefault("errors", []).append(f"fresh processes failed: {exc}")
        save()
    save()
    return label, results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Generate synthetic knowledge bases and benchmark kb against SQLite FTS5.",
        epilog="examples:\n  python -m benchmarks --sizes 1k,10k --write-doc\n"
               "  python -m benchmarks --sizes 100k --parts build,search\n"
               "  python -m benchmarks generate --size 10k\n"
               "  python -m benchmarks profile typing --size 10k\n"
               "  python -m benchmarks table --sizes 1k,10k",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="shipped,1k,10k",
                   help="comma-separated: shipped (the real corpus), 1k, 10k, 100k, or a number (default "
                        "shipped,1k,10k)")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "out"), help="work folder (git-ignored)")
    p.add_argument("--source", default=str(REPO), help="knowledge-base root whose corpus gives the words")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--parts", default=",".join(PARTS), help=f"subset of {','.join(PARTS)}")
    p.add_argument("--quick", action="store_true", help="one repetition of everything (smoke runs)")
    p.add_argument("--no-tail", action="store_true", help="generate without the invented rare-word tail")
    p.add_argument("--timeout", type=float, default=3600, help="seconds allowed per child process")
    p.add_argument("--write-doc", nargs="?", const=str(REPO / "docs" / "benchmarks.md"), default=None,
                   metavar="PATH", help="put the tables into docs/benchmarks.md (or PATH)")
    a = p.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    parts = set(a.parts.split(","))
    unknown = parts - set(PARTS)
    if unknown:
        p.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    blocks = {}
    for size in [s.strip() for s in a.sizes.split(",") if s.strip()]:
        label, results = measure(size, out, Path(a.source), a.seed, a.quick, parts, not a.no_tail, a.timeout,
                                 lambda m: print(m, file=sys.stderr, flush=True))
        results["command"] = command.strip()
        (out / f"results-{label}.json").write_text(json.dumps(results, indent=1))
        print(f"\n{describe(label, results)}\n\n{table(label, results)}\n", flush=True)
        blocks[label] = doc_block(label, results)
    if a.write_doc:
        write_doc(Path(a.write_doc), blocks, out)
        print(f"wrote {a.write_doc}", file=sys.stderr)
    return 0


def table_main(argv: list[str]) -> int:
    """Re-print (and optionally re-write into the doc) tables from saved results."""
    p = argparse.ArgumentParser(prog="python -m benchmarks table")
    p.add_argument("--sizes", default="shipped,1k,10k,100k")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "out"))
    p.add_argument("--write-doc", nargs="?", const=str(REPO / "docs" / "benchmarks.md"), default=None)
    a = p.parse_args(argv)
    blocks = {}
    for size in a.sizes.split(","):
        path = Path(a.out) / f"results-{size}.json"
        if not path.exists():
            continue
        results = json.loads(path.read_text())
        print(f"\n{describe(size, results)}\n\n{table(size, results)}\n")
        blocks[size] = doc_block(size, results)
    if a.write_doc:
        write_doc(Path(a.write_doc), blocks, Path(a.out))
    return 0
