"""The harness: what every engine is asked (the query list, in full and typing mode, first use and repeated),
the reversible corpus edits, and running a measurement in a child process of its own.

First use and repeated
    Each round opens the engine afresh (kb: a new ``KnowledgeBase``, with kb's snippet cache emptied; FTS5: a
    new connection; tantivy: ``Index.open``), then runs every query of the list once (first use: ``cold``) and
    again (repeated: ``warm``). Typing mode is its own round on a freshly opened engine: every text the box holds
    while each query is typed, in order, then the same texts again. What stays warm between rounds is the
    operating system's page cache and what Python keeps per process (compiled code, kb's analyzer word cache):
    a fresh index, not a fresh process (``cli.search_s`` is the fresh process).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from benchmarks import queries as Q
from benchmarks.stats import ms, pct, summary

REPO = Path(__file__).resolve().parent.parent
#: What the TUI asks for per keystroke: a screenful of results, snippets for the rows visible at 120x40.
LIMIT = 20
SNIPPETS = 10
ROUNDS = 3  # freshly opened engines per mode
FRESH_RUNS = 5
INCR_REPEATS = 3
FRESH_QUERY = "cramps at night"
STALL_MS = 100.0  # "must not stall": a 1-2 letter prefix answered within a tenth of a second


def _let_go(eng: Engine) -> None:
    """Close an engine and collect it, so the next round's fresh engine does not stack on its memory."""
    eng.close()
    gc.collect()


class Engine(NamedTuple):
    """One opened engine: ``search(text, prefix)`` does the per-keystroke work; ``close`` lets it go."""

    search: Callable[[str, bool], object]
    suggest: Callable[[str], object] | None
    close: Callable[[], None]


def settings(quick: bool) -> dict[str, int]:
    return {"rounds": 1 if quick else ROUNDS, "fresh_runs": 1 if quick else FRESH_RUNS,
            "incr_repeats": 1 if quick else INCR_REPEATS}


def query_list(quick: bool) -> list[tuple[str, str]]:
    return Q.quick_queries() if quick else Q.QUERIES


def _timed(search: Callable[[str, bool], object], text: str, prefix: bool) -> float:
    t0 = time.perf_counter()
    search(text, prefix)
    return ms(time.perf_counter() - t0)


def _last_word_len(text: str) -> int:
    return len(text.split()[-1]) if text.strip() and not text[-1].isspace() else 0


def search_workload(open_engine: Callable[[], Engine], quick: bool, rounds: int | None = None,
                    typing_warm_stride: int = 1) -> dict:
    """First-use and repeated figures of the query list in full and typing mode (and spelling suggestions).

    ``typing_warm_stride`` > 1 repeats only every n-th query's keystrokes (a slow peer at a large size).
    """
    n_rounds = rounds if rounds is not None else settings(quick)["rounds"]
    queries = query_list(quick)
    out: dict = {}
    c_start, w_start = time.process_time(), time.perf_counter()
    t0 = time.perf_counter()
    eng = open_engine()
    eng.search(FRESH_QUERY, False)
    out["search.first_ms"] = ms(time.perf_counter() - t0)  # opening included
    _let_go(eng)
    lists: dict[str, list[float]] = {k: [] for k in ("full_cold", "full", "typing_cold", "typing", "short")}
    by_cat: dict[str, list[float]] = {}
    slow: list[tuple[float, str]] = []
    samples: list[list] = []
    for r in range(n_rounds):
        eng = open_engine()
        for cat, q in queries:
            lists["full_cold"].append(_timed(eng.search, q, False))
            t = _timed(eng.search, q, False)
            lists["full"].append(t)
            by_cat.setdefault(cat, []).append(t)
        _let_go(eng)
        eng = open_engine()
        for mode in ("typing_cold", "typing"):
            for i, (_, q) in enumerate(queries):
                if mode == "typing" and i % typing_warm_stride:
                    continue
                for text in Q.typing_prefixes(q):
                    t = _timed(eng.search, text, True)
                    lists[mode].append(t)
                    if 1 <= _last_word_len(text) <= 2:
                        lists["short"].append(t)
                    if mode == "typing_cold" and r == 0:
                        slow.append((t, text))
                        samples.append([text, round(t, 2)])
        if eng.suggest is not None and r == 0:
            sug = []
            for w in Q.SUGGEST_WORDS[::4] if quick else Q.SUGGEST_WORDS:
                t0 = time.perf_counter()
                eng.suggest(w)
                sug.append(ms(time.perf_counter() - t0))
            out["suggest.p50"], out["suggest.p95"], out["suggest.max"] = pct(sug, 50), pct(sug, 95), max(sug)
        _let_go(eng)
    for name, values in lists.items():
        summary(name, values, out)
    for cat, values in by_cat.items():
        out[f"full.{cat}.p95"] = pct(values, 95)
    out["typing.slowest"] = [[round(t, 1), text] for t, text in sorted(slow, reverse=True)[:10]]
    out["typing.samples"] = samples  # every keystroke of the first pass of the first round, in typing order
    # below 1: the process waited for a CPU (other work on the machine) or for I/O
    out["search.cpu_share"] = (time.process_time() - c_start) / (time.perf_counter() - w_start)
    return out


def snippet_workload(search_top: Callable[[str, int, int], object], snippets_of: Callable[[str, object], object],
                     quick: bool, rounds: int | None = None) -> dict:
    """``snip.ten``: making the snippets of the first 10 hits alone (their texts already read);
    ``snip.top100``: one search call for the top 100 with a snippet for every hit, the whole call (and
    ``snip.top100_bare`` the same call without snippets), after one untimed call has read the 100 records.

    ``search_top(text, limit, n_snippets)`` returns what ``snippets_of(text, response)`` needs."""
    ten: list[float] = []
    ten_cpu: list[float] = []
    top100: list[float] = []
    none100: list[float] = []
    for _ in range(rounds if rounds is not None else settings(quick)["rounds"]):
        for _, q in query_list(quick):
            response = search_top(q, 10, 0)
            t0, c0 = time.perf_counter(), time.thread_time()
            snippets_of(q, response)
            ten.append(ms(time.perf_counter() - t0))
            ten_cpu.append(ms(time.thread_time() - c0))  # CPU time: what waiting for a CPU does not inflate
            search_top(q, 100, 0)  # untimed: the 100 records read once, so both calls below find them as read
            t0 = time.perf_counter()
            search_top(q, 100, 100)
            top100.append(ms(time.perf_counter() - t0))
            t0 = time.perf_counter()
            search_top(q, 100, 0)
            none100.append(ms(time.perf_counter() - t0))
    out: dict = {}
    for name, values in (("snip.ten", ten), ("snip.ten_cpu", ten_cpu), ("snip.top100", top100),
                         ("snip.top100_bare", none100)):
        out[f"{name}.p50"], out[f"{name}.p95"] = pct(values, 50), pct(values, 95)
    return out


# --- reversible corpus edits -----------------------------------------------------------------------------------
class Edits:
    """Reversible corpus edits for the incremental benchmarks (undone even after a crash, on the next run)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.backup = root / ".bench-backup"
        self.restore()
        self.articles = sorted((root / "corpus" / "articles").glob("*.md"))

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

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


# --- processes -------------------------------------------------------------------------------------------------
def kb_exe() -> str:
    exe = Path(sys.executable).parent / "kb"
    return str(exe) if exe.exists() else shutil.which("kb") or "kb"


def timed_run(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env, cwd=REPO)
        out.append(time.perf_counter() - t0)
    return out


MAX_MB = 2000.0  # resident memory allowed to any one process of a measurement (--max-mb)


def _tree_rss_mb(pid: int) -> dict[int, float]:
    """Resident MiB of ``pid`` and of every process under it (from /proc; empty off Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(stat[1]), []).append(int(entry))
    out: dict[int, float] = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[p] = int(line.split()[1]) / 1024
        except OSError:
            pass
    return out


def run_child(part: str, root: Path, index: Path, work: Path, quick: bool, timeout: float,
              max_mb: float = MAX_MB) -> dict:
    """``python -m benchmarks child PART``: one measurement in a process of its own (its peak memory is its own).

    The child and its workers are sampled twice a second (more often in its first second): one passing ``max_mb``
    resident is stopped (with its whole process group) and reported as an error, with the largest figures seen."""
    result = work / f".{part}.json"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "benchmarks", "child", part, "--root", str(root), "--index", str(index),
           "--result", str(result)] + (["--quick"] if quick else [])
    t0 = time.perf_counter()
    log = work / f".{part}.log"
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=err, stderr=subprocess.STDOUT, start_new_session=True)
        peak_one = peak_sum = 0.0
        stopped = ""
        pause = 0.02  # short at first, so a part that passes the cap within its first second is caught too
        while proc.poll() is None:
            rss = _tree_rss_mb(proc.pid)
            one, total = max(rss.values(), default=0.0), sum(rss.values())
            peak_one, peak_sum = max(peak_one, one), max(peak_sum, total)
            elapsed = time.perf_counter() - t0
            if one > max_mb or elapsed > timeout:
                stopped = (f"{part} stopped after {elapsed:.0f} s: a process reached {one:,.0f} MB resident "
                           f"(cap {max_mb:,.0f} MB; all its processes together {total:,.0f} MB)" if one > max_mb
                           else f"{part} did not finish within {timeout:.0f} s")
                os.killpg(proc.pid, 9)
                proc.wait()
                break
            time.sleep(pause)
            pause = min(0.5, pause * 2)
    took = time.perf_counter() - t0
    if stopped:
        return {"error": stopped, "peak_one_mb": peak_one, "peak_sum_mb": peak_sum}
    if proc.returncode != 0 or not result.exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        return {"error": f"{part} failed (exit {proc.returncode}): {' | '.join(tail)}"}
    log.unlink(missing_ok=True)
    out = json.loads(result.read_text())
    result.unlink()
    out["_seconds"] = took
    out["_peak_tree_mb"] = peak_sum  # the child and its workers together (shared pages counted in each)
    return out


def fresh(root: Path, index: Path, db: Path | None, tv: Path | None, quick: bool) -> dict:
    """Fresh-process timings: ``kb search``, the peers' one-search scripts, the TUI's first paint and ready."""
    from benchmarks import tui

    runs = settings(quick)["fresh_runs"]
    out: dict = {}
    # Python writes each module's bytecode on its first import, so a person's second `kb search` loads it
    # compiled; a machine that sets PYTHONDONTWRITEBYTECODE (CI, this sandbox) would have every fresh process
    # compile kb from source (about 70 ms at 100k), a cost no user pays twice. The warm-up run writes it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"NO_COLOR": "1"}
    kb_cmd = [kb_exe(), "--root", str(root), "--index", str(index)]
    subprocess.run(kb_cmd + ["index"], check=True, capture_output=True, cwd=REPO)
    timed_run(kb_cmd + ["search", FRESH_QUERY], 1, env)  # warm the page cache
    out["cli.search_s"] = sorted(timed_run(kb_cmd + ["search", FRESH_QUERY], runs, env))[runs // 2]
    for key, path, module in (("fts5.cli.search_s", db, "benchmarks.fts5"),
                              ("tantivy.cli.search_s", tv, "benchmarks.tantivy_peer")):
        if path is not None and path.exists():
            cmd = [sys.executable, "-m", module, str(path), FRESH_QUERY]
            timed_run(cmd, 1, env)
            out[key] = sorted(timed_run(cmd, runs, env))[runs // 2]
    out.update(tui.first_paint(root, index, runs))
    return out
