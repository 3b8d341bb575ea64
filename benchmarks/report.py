"""The report: the rows of each size's table (kb, FTS5, tantivy and the ratios, against the targets), the
targets summary, the scaling table and the blocks of docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import REPO, STALL_MS
from benchmarks.stats import compact_when

PEERS = ("fts5", "tantivy")
Check = tuple[str, Callable[[float], bool]]
#: saved results of sizes too big for an ordinary run (the 1M scaling row), kept in the repository
SAVED = REPO / "benchmarks" / "saved"


@dataclass(frozen=True)
class Row:
    key: str  # metric key in the results
    label: str
    digits: int = 1
    peers: tuple[str, ...] = PEERS  # the peers that measure this too
    target: Callable[[str], Check | None] = lambda size: None  # on kb's figure
    vs_tantivy: Callable[[str], Check | None] = lambda size: None  # on kb / tantivy


def _at(sizes: dict[str, Check]) -> Callable[[str], Check | None]:
    return lambda size: sizes.get(size)


def _le(x: float) -> Check:
    return f"<= {x:g}", lambda v: v <= x


def _ge(x: float) -> Check:
    return f">= {x:,g}", lambda v: v >= x


def _any_size(t: Check) -> Callable[[str], Check | None]:
    return lambda size: None if size == "shipped" else t


def _both(t: Check) -> Callable[[str], Check | None]:
    return _at({"10k": t, "100k": t})


SIZE_ROWS: list[Row] = [
    Row("build.seconds", "Full build (s)", 2),
    Row("build.rate", "Full build (records/s)", 0, target=_any_size(_ge(2000))),
    Row("build.index_mb", "Index size on disk (MB)", 1),
    Row("build.peak_mb", "Peak memory, full build, main process (MB)", 0),
    Row("incr.noop_ms", "`kb index`, nothing changed (ms, in-process)", 1, peers=()),
    Row("incr.edit_ms", "Incremental: edit one file, path given (ms)", 1, peers=("fts5",),
        target=_at({"10k": _le(150), "100k": _le(60)})),
    Row("incr.add_ms", "Incremental: add one file, path given (ms)", 1, peers=("fts5",)),
    Row("incr.delete_ms", "Incremental: delete one file, path given (ms)", 1, peers=("fts5",)),
    Row("incr.edit_listed_ms", "Incremental: edit one file, no path: corpus listed (ms)", 1, peers=()),
    Row("incr.add_listed_ms", "Incremental: add one file, no path: corpus listed (ms)", 1, peers=()),
    Row("incr.delete_listed_ms", "Incremental: delete one file, no path: corpus listed (ms)", 1, peers=()),
    Row("incr.cli_edit_ms", "`kb index PATH` after an edit, fresh process (ms)", 0, peers=()),
    Row("search.first_ms", "First search after opening, opening included (ms)", 1),
    Row("full_cold.p50", "Full query, first use, p50 (ms)", 2),
    Row("full_cold.p95", "Full query, first use, p95 (ms)", 2, vs_tantivy=_both(_le(3))),
    Row("full.p50", "Full query, repeated, p50 (ms)", 2),
    Row("full.p95", "Full query, repeated, p95 (ms)", 2, vs_tantivy=_both(_le(1.5))),
    Row("full.p99", "Full query, repeated, p99 (ms)", 2),
    Row("typing_cold.p50", "Typing mode, first use, p50 (ms)", 2),
    Row("typing_cold.p95", "Typing mode, first use, p95 (ms)", 2, vs_tantivy=_both(_le(2))),
    Row("typing.p50", "Typing mode, repeated, p50 (ms)", 2),
    Row("typing.p95", "Typing mode, repeated, p95 (ms)", 2, target=_at({"10k": _le(15), "100k": _le(50)}),
        vs_tantivy=_both(_le(1))),
    Row("typing.p99", "Typing mode, repeated, p99 (ms)", 2),
    Row("short.p95", "Typing, 1-2 letter last word, p95 (ms)", 2),
    Row("short.max", "Typing, 1-2 letter last word, max (ms)", 1, target=_any_size(_le(STALL_MS))),
    Row("suggest.p50", "Spelling suggestion p50 (ms)", 2, peers=()),
    Row("suggest.p95", "Spelling suggestion p95 (ms)", 2, peers=()),
    Row("snip.ten.p95", "10 snippets, texts read, first use, p95 (ms)", 3, peers=("tantivy",),
        target=_at({"10k": _le(1)})),
    Row("snip.ten_cpu.p95", "10 snippets, CPU time of the thread, p95 (ms)", 3, peers=("tantivy",)),
    Row("snip.top100_bare.p95", "Top 100, no snippets, p95 (ms)", 2),
    Row("snip.top100.p95", "Top 100 with a snippet per hit, p95 (ms)", 2, target=_at({"10k": _le(15)})),
    Row("search.peak_mb", "Peak memory while searching (MB)", 0, target=_at({"100k": _le(100)})),
    Row("tui.keystroke.p50", "TUI keystroke to results painted p50 (ms)", 1, peers=()),
    Row("tui.keystroke.p95", "TUI keystroke to results painted p95 (ms)", 1, peers=(), target=_both(_le(25))),
    Row("tui.ready_s", "TUI ready (index open, disclaimer shown), fresh process (s)", 2, peers=(),
        target=_at({"100k": _le(1.0)})),
    Row("tui.first_paint_s", "TUI first paint, fresh process (s)", 2, peers=(), target=_at({"shipped": _le(1.5)})),
    Row("cli.search_s", "`kb search`, fresh process (s)", 3,
        target=_at({"shipped": _le(0.5), "100k": _le(0.3)})),
    Row("relevance.ndcg", "Relevance: nDCG@10 on the judged set (shipped corpus, all queries)", 3),
]
SHIPPED_KEYS = ("cli.search_s", "tui.first_paint_s", "build.seconds", "build.rate", "typing.p95", "full.p95",
                "relevance.ndcg")


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


def _num(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _ratio(v: object, pv: object) -> str:
    return f"{v / pv:.2f}" if _num(v) and _num(pv) and pv else ""  # type: ignore[operator]


def _verdict(check: Check | None, value: object) -> tuple[str, str]:
    if check is None:
        return "", ""
    if not _num(value):
        return check[0], "not measured"
    return check[0], "pass" if check[1](value) else "**FAIL**"  # type: ignore[arg-type]


def table_rows(size: str, results: dict) -> list[list[str]]:
    """[metric, kb, FTS5, tantivy, kb/FTS5, kb/tantivy, target, pass/fail] for every row of ``size``."""
    sides = {name: dict(results.get(name, {})) for name in ("kb", *PEERS)}
    for name, value in results.get("relevance", {}).items():
        sides.setdefault(name, {})["relevance.ndcg"] = value
    out = []
    for r in rows_for(size):
        v = sides["kb"].get(r.key)
        note = sides["kb"].get(r.key.split(".")[0] + ".unavailable")
        peer = {p: sides[p].get(r.key) if p in r.peers else None for p in PEERS}
        targets, verdicts = [], []
        for check, value, prefix in ((r.target(size), v, ""),
                                     (r.vs_tantivy(size), v / peer["tantivy"] if _num(v) and _num(peer["tantivy"])
                                      and peer["tantivy"] else None, "kb/tantivy ")):
            t, verdict = _verdict(check, value)
            if t:
                targets.append(prefix + t)
                verdicts.append(verdict)
        kb_text = _fmt(v, r.digits) if v is not None or not note else f"n/a ({note})"
        out.append([r.label, kb_text] + [_fmt(peer[p], r.digits) if p in r.peers else "-" for p in PEERS]
                   + [_ratio(v, peer[p]) for p in PEERS] + ["; ".join(targets), "; ".join(verdicts)])
    return out


def table(size: str, results: dict) -> str:
    head = ["Metric", "kb", "FTS5", "tantivy", "kb/FTS5", "kb/tantivy", "Target", "Pass/fail"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 4 + ["--:"] * 2 + ["---"] * 2) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(size, results)]
    return "\n".join(lines)


def describe(size: str, results: dict) -> str:
    g = results.get("corpus", {})
    if size == "shipped":
        what = "the shipped corpus"
    else:
        what = (f"{g.get('sections', '?'):,} sections in {g.get('articles', '?'):,} articles + "
                f"{g.get('faqs', '?'):,} FAQs + 7 nutrients (seed {g.get('seed', '?')})")
    when = compact_when(str(results.get("when", "?")))
    text = f"**{size}** - {what}; measured {when} in {results.get('took_s', 0):.0f} s."
    if results.get("quick"):
        text += " Quick mode (fewer repeats)."
    kbr = results.get("kb", {})
    shares = [f"{name} {kbr[key]:.0%}" for name, key in (("build", "build.cpu_share"), ("search", "search.cpu_share"))
              if _num(kbr.get(key))]
    if shares:
        text += (" CPU time / wall time of kb's build and search: " + ", ".join(shares)
                 + " (below 100 % for one process: it waited for a CPU or the disk; the build counts its worker "
                 "processes, so it can exceed 100 %).")
    if _num(kbr.get("build.children_peak_mb")):
        text += (f" The build ran worker processes too; the largest peaked at {kbr['build.children_peak_mb']:.0f} MB"
                 " (resident, shared pages included).")
    for e in results.get("errors", []):
        text += f"\n\n> {e}"
    if _num(kbr.get("tui.engine.p50")):
        text += (f"\n\nTUI keystroke split: inside `engine.search` p50 {kbr['tui.engine.p50']:.0f} ms / p95 "
                 f"{kbr['tui.engine.p95']:.0f} ms; the rest (events, worker hand-off, list rebuild, layout, render, "
                 f"waiting for the GIL) p50 {kbr['tui.outside.p50']:.0f} ms / p95 {kbr['tui.outside.p95']:.0f} ms.")
        if _num(kbr.get("tui.frame.p50")):
            text += (f" Of the rest, Textual rendering the frame that painted the answer: p50 "
                     f"{kbr['tui.frame.p50']:.1f} ms / p95 {kbr['tui.frame.p95']:.1f} ms.")
    slow = kbr.get("typing.slowest")
    if slow:
        text += "\n\nSlowest typing-mode texts, first use (ms): " + ", ".join(f"`{t}` {m}" for m, t in slow[:5]) + "."
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
            "tantivy": ver("tantivy"), "commit": commit, "load": " / ".join(f"{x:.2f}" for x in os.getloadavg())}


def machine_line(m: dict[str, str]) -> str:
    return (f"{m['cpus']} CPUs ({m['cpu']}), {m['memory']} RAM, {m['os']}, Python {m['python']}, "
            f"SQLite {m['sqlite']}, tantivy {m.get('tantivy', '?')}, whoosh-reloaded {m['whoosh']}, Textual "
            f"{m['textual']}; kb at {m['commit']}; load average at start {m.get('load', '?')}"
            + (f", at end {m['load_end']}" if m.get("load_end") else ""))


def doc_block(size: str, results: dict) -> str:
    m = results.get("machine", {})
    parts = [f"### {size}", "", describe(size, results), ""]
    if m:
        parts += [f"Machine: {machine_line(m)}.", ""]
    parts += [f"Command: `{results.get('command', '?')}`", "", table(size, results), ""]
    return "\n".join(parts)


def saved_results(out: Path) -> dict[str, dict]:
    """Every non-quick saved result: ``out``'s, then the kept ones (benchmarks/saved/) for sizes ``out`` lacks."""
    found: dict[str, dict] = {}
    for folder in (out, SAVED):
        for path in sorted(folder.glob("results-*.json")) if folder.is_dir() else []:
            size = path.stem[len("results-"):]
            saved = json.loads(path.read_text())
            if size not in found and not saved.get("quick") and size != "relevance":
                found[size] = saved
    relevance = out / "results-relevance.json"
    if relevance.exists():
        scores = json.loads(relevance.read_text()).get("ndcg", {})
        for saved in found.values():
            saved.setdefault("relevance", scores)
    return found


def _sorted_sizes(sizes) -> list[str]:  # type: ignore[no-untyped-def]
    """shipped first, then the generated sizes by their number of sections."""
    from benchmarks.generate import parse_size

    def key(s: str) -> tuple[int, int, str]:
        try:
            return (1, parse_size(s), s)
        except ValueError:
            return (0, 0, s)

    return sorted(sizes, key=key)


def targets_block(out: Path) -> str:
    """Every row that has a target, for every size with saved results: the verdicts at a glance."""
    found = saved_results(out)
    lines = ["| Target | Size | kb | FTS5 | tantivy | Verdict | Measured |", "|---|---|--:|--:|--:|---|---|"]
    for r in SIZE_ROWS:
        for size in _sorted_sizes(found):
            if r.target(size) is None and r.vs_tantivy(size) is None:
                continue
            row = next((x for x in table_rows(size, found[size]) if x[0] == r.label), None)
            if row is None:
                continue
            when = compact_when(str(found[size].get("when", "?"))).replace(" re-measured", "")
            lines.append(f"| {r.label} {row[6]} | {size} | {row[1]} | {row[2]} | {row[3]} | {row[7]} | {when} |")
    return "\n".join(lines)


SCALING = [("build.seconds", "Full build (s)", 1), ("build.rate", "Full build (records/s)", 0),
           ("build.index_mb", "Index size (MB)", 0), ("build.peak_mb", "Peak memory, build, main process (MB)", 0),
           ("build.children_peak_mb", "Peak memory, build, largest worker (MB)", 0),
           ("search.peak_mb", "Peak memory, searching (MB)", 0),
           ("search.first_ms", "First search after opening (ms)", 1),
           ("typing_cold.p95", "Typing p95, first use (ms)", 1), ("typing.p95", "Typing p95, repeated (ms)", 1),
           ("full_cold.p95", "Full query p95, first use (ms)", 1), ("full.p95", "Full query p95, repeated (ms)", 1),
           ("incr.edit_ms", "Incremental edit of one file (ms)", 0), ("tui.ready_s", "TUI ready (s)", 2),
           ("tui.keystroke.p95", "TUI keystroke p95 (ms)", 1), ("cli.search_s", "`kb search`, fresh process (s)", 2)]


def scaling_block(out: Path) -> str:
    """kb's figures against size (every saved generated size), with the growth from one size to the next."""
    found = {s: r for s, r in saved_results(out).items() if s != "shipped"}
    sizes = _sorted_sizes(found)
    head = ["Metric"] + sizes + [f"{b} / {a}" for a, b in zip(sizes, sizes[1:], strict=False)]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "|".join(["--:"] * (len(head) - 1)) + "|"]
    for key, label, digits in SCALING:
        vals = [found[s].get("kb", {}).get(key) for s in sizes]
        growth = [f"{b / a:.1f}x" if _num(a) and _num(b) and a else "" for a, b in zip(vals, vals[1:], strict=False)]
        lines.append("| " + " | ".join([label] + [_fmt(v, digits) for v in vals] + growth) + " |")
    notes = [f"{s}: measured {compact_when(str(found[s].get('when', '?')))}, load average at start "
             f"{found[s].get('machine', {}).get('load', '?')}" + (f" ({found[s]['note']})" if found[s].get("note")
                                                                   else "") for s in sizes]
    return "\n".join(lines) + "\n\n" + "; ".join(notes) + "."


def write_doc(path: Path, blocks: dict[str, str], out: Path | None = None) -> None:
    """Replace (or append) each block between ``<!-- bench:NAME:start/end -->`` markers in ``path``.

    With ``out``, the ``targets`` and ``scaling`` blocks are rebuilt from every saved result there.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n## Results\n\n"
    if out is not None:
        blocks = {"targets": targets_block(out), "scaling": scaling_block(out), **blocks}
    for name, block in blocks.items():
        start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
        new = f"{start}\n{block}\n{end}"
        if start in text and end in text:
            text = text[:text.index(start)] + new + text[text.index(end) + len(end):]
        elif "<!-- bench:results-end -->" in text:
            text = text.replace("<!-- bench:results-end -->", new + "\n\n<!-- bench:results-end -->")
        else:
            text += "\n" + new + "\n"
    path.write_text(text, encoding="utf-8")
