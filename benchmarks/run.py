"""The runner: generate (or reuse) a knowledge base per size, measure kb, the FTS5 peer and the tantivy peer (each
part in a child process of its own: benchmarks/children.py), print one table per size.

Fresh-process timings (``kb search``, the peers' one-search scripts, TUI first paint) run from the parent; the
relevance part (nDCG@10 on the judged set, benchmarks/relevance.py) runs once per invocation on the shipped
corpus. Results go to ``<out>/results-<size>.json``; ``--write-doc`` puts the tables into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import report
from benchmarks.generate import generate, parse_size, size_label
from benchmarks.harness import MAX_MB, REPO, fresh, run_child
from benchmarks.stats import compact_when

PARTS = ("build", "search", "incremental", "fts5-build", "fts5-search", "tantivy-build", "tantivy-search", "tui",
         "fresh", "relevance")


def relevance_part(out: Path, log: Callable[[str], None]) -> dict:
    """nDCG@10 (all answerable queries) of kb, FTS5 and tantivy on the judged set; saved to results-relevance.json."""
    from benchmarks import relevance

    log("[relevance] kb, fts5, tantivy on the judged set ...")
    judged = relevance.load()
    scores = relevance.measure(REPO, judged)
    ids = relevance.by_group(judged)["all"]
    saved = {"ndcg": {name: s.mean(s.ndcg, ids) for name, s in scores.items()}, "queries": len(ids),
             "when": time.strftime("%Y-%m-%d %H:%M"), "table": relevance.report(scores, judged)}
    (out / "results-relevance.json").write_text(json.dumps(saved, indent=1))
    return saved


def measure(size_text: str, out: Path, source: Path, seed: int, quick: bool, parts: set[str], tail: bool,
            timeout: float, log: Callable[[str], None], max_mb: float = MAX_MB) -> tuple[str, dict]:
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
    index, db, tv = work / "index", work / "fts5.db", work / "tantivy"
    results: dict = {"corpus": corpus_info, "kb": {}, "fts5": {}, "tantivy": {}, "quick": quick,
                     "when": time.strftime("%Y-%m-%d %H:%M"), "machine": report.machine()}
    res_path = out / f"results-{label}.json"
    size_parts = set(parts) - {"relevance"}
    if size_parts != set(PARTS) - {"relevance"} and res_path.exists():  # a partial rerun keeps the other parts
        old = json.loads(res_path.read_text())
        if old.get("corpus", {}).get("seed") == corpus_info.get("seed") and old.get("quick") == quick:
            for side in ("kb", "fts5", "tantivy"):
                results[side] = old.get(side, {})
            results["when"] = compact_when(f"{old.get('when', '?')}; {', '.join(sorted(size_parts))} re-measured "
                                           f"{results['when']}")

    def save() -> None:
        results["took_s"] = time.perf_counter() - started
        res_path.write_text(json.dumps(results, indent=1))

    plan = [("build", "kb", index), ("search", "kb", index), ("incremental", "kb", index),
            ("fts5-build", "fts5", db), ("fts5-search", "fts5", db), ("tantivy-build", "tantivy", tv),
            ("tantivy-search", "tantivy", tv), ("tui", "kb", index)]
    if shipped:
        plan = [p for p in plan if p[0] not in ("incremental", "tui")]
    for part, side, target in plan:
        if part not in parts:
            continue
        if side == "kb" and part != "build" and "build.error" in results["kb"]:
            log(f"[{label}] {part}: skipped (kb's build did not finish)")  # never let a search build the index
            continue
        log(f"[{label}] {part} ...")
        got = run_child(part, root, target, work, quick, timeout, max_mb)
        results[side].pop(f"{part}.error", None)
        if part == "tui":
            results[side].pop("tui.unavailable", None)
        if "error" in got:
            log(f"[{label}] {got['error']}")
            results.setdefault("errors", []).append(got["error"])
            results[side][f"{part}.error"] = got["error"]
            if "peak_one_mb" in got:
                results[side][f"{part}.stopped_mb"] = got["peak_one_mb"]
        else:
            got[f"_seconds.{part}"] = got.pop("_seconds", None)  # wall time of the part, for planning runs
            results[side].update(got)
        save()
    if "fresh" in parts:
        log(f"[{label}] fresh processes ...")
        results["kb"].pop("tui.unavailable", None)
        try:
            f = fresh(root, index, db, tv, quick)
            for peer in ("fts5", "tantivy"):
                results[peer]["cli.search_s"] = f.pop(f"{peer}.cli.search_s", None)
            results["kb"].update(f)
        except (subprocess.CalledProcessError, OSError) as exc:
            results.setdefault("errors", []).append(f"fresh processes failed: {exc}")
    results["machine"]["load_end"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    save()
    return label, results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Generate synthetic knowledge bases and benchmark kb against SQLite FTS5 and tantivy.",
        epilog="examples:\n  python -m benchmarks --sizes 10k,100k --write-doc\n"
               "  python -m benchmarks --sizes 100k --parts build,search\n"
               "  python -m benchmarks generate --size 10k\n"
               "  python -m benchmarks profile typing --size 10k\n"
               "  python -m benchmarks table --sizes 1k,10k",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="shipped,1k,10k",
                   help="comma-separated: shipped (the real corpus), 1k, 10k, 100k, 1m, or a number (default "
                        "shipped,1k,10k)")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "out"), help="work folder (git-ignored)")
    p.add_argument("--source", default=str(REPO), help="knowledge-base root whose corpus gives the words")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--parts", default=",".join(PARTS), help=f"subset of {','.join(PARTS)}")
    p.add_argument("--quick", action="store_true", help="one repetition of everything (smoke runs)")
    p.add_argument("--no-tail", action="store_true", help="generate without the invented rare-word tail")
    p.add_argument("--timeout", type=float, default=3600, help="seconds allowed per child process")
    p.add_argument("--max-mb", type=float, default=MAX_MB,
                   help=f"resident MB allowed to any one process of a part (default {MAX_MB:g}): stopped above")
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
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    if "relevance" in parts and not a.quick:
        rel = relevance_part(out, log)
        print(f"\nRelevance (judged set, {rel['queries']} answerable queries):\n\n{rel['table']}\n", flush=True)
    blocks = {}
    for size in [s.strip() for s in a.sizes.split(",") if s.strip()]:
        label, results = measure(size, out, Path(a.source), a.seed, a.quick, parts, not a.no_tail, a.timeout, log,
                                 a.max_mb)
        results["command"] = command.strip()
        (out / f"results-{label}.json").write_text(json.dumps(results, indent=1))
        results = report.saved_results(out).get(label, results)  # with the relevance figures
        print(f"\n{report.describe(label, results)}\n\n{report.table(label, results)}\n", flush=True)
        blocks[label] = report.doc_block(label, results)
    if a.write_doc:
        report.write_doc(Path(a.write_doc), blocks, out)
        print(f"wrote {a.write_doc}", file=sys.stderr)
    return 0


def table_main(argv: list[str]) -> int:
    """Re-print (and optionally re-write into the doc) tables from saved results."""
    p = argparse.ArgumentParser(prog="python -m benchmarks table")
    p.add_argument("--sizes", default="shipped,1k,10k,100k,1000k")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "out"))
    p.add_argument("--write-doc", nargs="?", const=str(REPO / "docs" / "benchmarks.md"), default=None)
    a = p.parse_args(argv)
    found = report.saved_results(Path(a.out))
    blocks = {}
    for size in a.sizes.split(","):
        if size in found:
            print(f"\n{report.describe(size, found[size])}\n\n{report.table(size, found[size])}\n")
            blocks[size] = report.doc_block(size, found[size])
    if a.write_doc:
        report.write_doc(Path(a.write_doc), blocks, Path(a.out))
    return 0
