"""``python -m benchmarks profile TARGET --size 10k``: where the time of one benchmark goes (pyinstrument).

Targets: ``build`` (full build), ``edit`` (incremental update after editing one article), ``typing`` (the query
list typed letter by letter), ``full`` (the query list in full mode), ``suggest``, ``first`` (opening and the
first search), ``cold`` (the query list in full mode on a freshly opened index: first use), ``snippets``
(making the snippets of the first 100 hits of each query, texts already read), ``keystroke`` (the TUI through
Pilot). Uses its own index folder (``index-profile``) next to the
benchmark's, so it never disturbs saved results; the profile is printed and saved to
``<out>/profile-<target>-<size>.txt``. Falls back to cProfile when pyinstrument is not installed
(``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks import queries as Q
from benchmarks.generate import STAMP, generate, parse_size, size_label
from benchmarks.harness import LIMIT, REPO, SNIPPETS, Edits

TARGETS = ("build", "edit", "typing", "full", "suggest", "first", "cold", "snippets", "keystroke")


def _profile(fn: Callable[[], object], interval: float) -> str:
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        prof.runcall(fn)
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(40)
        return buf.getvalue()
    profiler = Profiler(interval=interval)
    profiler.start()
    try:
        fn()
    finally:
        profiler.stop()
    from pyinstrument.renderers import ConsoleRenderer

    opts = {"show_regex": r".*(whoosh|/kb/|textual).*"}  # library frames that matter here stay visible
    tree = profiler.output(ConsoleRenderer(unicode=True, color=False, processor_options=opts))
    flat = profiler.output(ConsoleRenderer(unicode=True, color=False, flat=True, processor_options=opts))
    flat = "\n".join(flat.splitlines()[:40])
    return f"{tree}\n--- flat: self time by function (top 40 lines) ---\n{flat}\n"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks profile", description=__doc__.split("\n")[0])
    p.add_argument("target", choices=TARGETS)
    p.add_argument("--size", default="10k")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "out"))
    p.add_argument("--source", default=str(REPO))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.002, help="sampling interval in seconds")
    p.add_argument("--queries", type=int, default=12,
                   help="profile the first N queries of the list (default 12; 0 for all 55)")
    a = p.parse_args(argv)
    n = parse_size(a.size)
    label = size_label(n)
    g = generate(Path(a.out) / f"kb-{label}", n, Path(a.source), a.seed)
    root = g.root
    index = root / "index-profile"

    from kb.engine import KnowledgeBase

    if a.target == "build":
        shutil.rmtree(index, ignore_errors=True)
        kb = KnowledgeBase(root, index)
        text = _profile(lambda: kb.update(full=True), a.interval)
    else:
        kb = KnowledgeBase(root, index)
        kb.update()
        if a.target == "edit":
            assert (root / STAMP).exists()
            ed = Edits(root)
            ed.edit(ed.pick(0))
            try:
                text = _profile(kb.update, a.interval)
            finally:
                ed.restore()
                kb.update()
        elif a.target == "first":
            text = _profile(lambda: kb.search("cramps at night", limit=LIMIT, snippets=SNIPPETS), a.interval)
        elif a.target == "cold":
            kb.search("warm up", limit=LIMIT, snippets=SNIPPETS)  # imports
            fresh_kb = KnowledgeBase(root, index)
            text = _profile(lambda: [fresh_kb.search(q, limit=LIMIT, snippets=SNIPPETS) for _, q in Q.QUERIES],
                            a.interval)
        elif a.target == "snippets":
            from kb.index.documents import plain_of
            from kb.search import snippets

            texts = {r.id: plain_of(r) for r in kb.records()}
            jobs = [([texts[h.id] for h in r.results], r.terms)
                    for r in (kb.search(q, limit=100, snippets=0) for _, q in Q.QUERIES)]

            def snip() -> None:
                for _ in range(5):
                    snippets.clear_cache()
                    for hit_texts, terms in jobs:
                        for t in hit_texts:
                            snippets.make_snippet(t, terms)

            text = _profile(snip, a.interval)
        elif a.target == "keystroke":
            from benchmarks import tui

            text = _profile(lambda: print(tui.keystroke_benchmark(root, index, quick=True)), a.interval)
        else:
            kb.search("warm up", limit=LIMIT, snippets=SNIPPETS)

            query_list = Q.QUERIES[:a.queries] if a.queries else Q.QUERIES

            def typing() -> None:
                for _, q in query_list:
                    for t in Q.typing_prefixes(q):
                        kb.search(t, limit=LIMIT, prefix=True, snippets=SNIPPETS)

            def full() -> None:
                for _, q in query_list:
                    kb.search(q, limit=LIMIT, snippets=SNIPPETS)

            def suggest() -> None:
                for w in Q.SUGGEST_WORDS:
                    kb.suggest(w)

            text = _profile({"typing": typing, "full": full, "suggest": suggest}[a.target], a.interval)
    path = Path(a.out) / f"profile-{a.target}-{label}.txt"
    path.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    sys.stderr.write(f"saved {path}\n")
    return 0
