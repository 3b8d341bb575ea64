"""``python -m benchmarks big-records``: searches that match very large records (reliability finding P1).

Copies a knowledge base (default: this repository's corpus), adds ``--articles`` articles of one section each,
about ``--mb`` MB of seeded random words ending in ``needleword`` (the 2 MiB file limit allows 1.99 MB), builds
the index, then runs ``kb search needleword`` as a fresh process ``--runs`` times and reports the wall time and the
peak RSS of each run (the build's ``ru_maxrss`` from ``os.wait4``, with its workers; each search's own
``VmHWM``). It also runs the same search in-process on one engine, repeatedly and with other big texts, to show
that the snippet caches stay bounded.

Target (issue 10): under 1 s and under 200 MB RSS per CLI search of ten 1.99 MB records.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORDS = ("calf muscle nerve sleep stretch water salt tired spasm twitch tingle numb diet sweat heat walk ankle "
         "thigh cold warm rest run swim bike hydrate magnesium potassium cramp night leg foot toe").split()
NEEDLE = "needleword"


def big_article(i: int, size: int, rng: random.Random) -> str:
    head = (f"---\ntitle: Big article {i}\nsummary: A very large article.\nreviewed: 2026-11-20\nreferences:\n"
            "  - {title: A reference, publisher: A publisher, url: https://example.org/}\n---\n\n"
            "## The only section\n\n")
    words, n = [], len(head) + len(NEEDLE) + 2
    while n < size:
        w = rng.choice(WORDS) + str(rng.randrange(1000))  # many distinct words, like real big text
        words.append(w)
        n += len(w) + 1
    return head + " ".join(words) + f" {NEEDLE}.\n"


def make_root(source: Path, dest: Path, articles: int, size: int, seed: int) -> Path:
    shutil.copytree(source / "corpus", dest / "corpus")
    rng = random.Random(seed)
    for i in range(articles):
        (dest / "corpus" / "articles" / f"big-{i}.md").write_text(big_article(i, size, rng), encoding="utf-8")
    return dest


def one_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``cmd`` and reap it with ``os.wait4`` so its own ``ru_maxrss`` is known."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {errors[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, text


# ``python -m kb ARGS`` that writes its own peak resident set size (VmHWM, in kB) to the file named first: the
# ``ru_maxrss`` that ``wait4`` gives also counts the size of the process that spawned it (Linux keeps the
# high-water mark across exec), so a kb started from a 400 MB test worker "peaked" at 400 MB
_PEAK_WRAPPER = textwrap.dedent("""\
    import atexit, runpy, sys
    _out = sys.argv.pop(1)
    def _peak():
        with open("/proc/self/status") as status:
            hwm = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
        with open(_out, "w") as f:
            f.write(hwm)
    atexit.register(_peak)
    sys.argv[0] = "kb"
    runpy.run_module("kb", run_name="__main__", alter_sys=True)
    """)


def kb_child(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """``python -m kb *args`` as :func:`one_child` runs it, with the peak memory of that kb process alone (MiB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak:
        seconds, _, text = one_child([sys.executable, "-c", _PEAK_WRAPPER, peak.name, *args], env)
        return seconds, int(peak.read() or 0) / 1024, text


IN_PROCESS = textwrap.dedent("""\
    import json, resource, sys, time
    sys.path.insert(0, {repo!r})
    from kb.engine import KnowledgeBase
    kb = KnowledgeBase({root!r})
    kb.search("warm", limit=1)  # open the index
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for _ in range(5):
        t = time.perf_counter(); r = kb.search({needle!r}, limit=10); times.append(time.perf_counter() - t)
    assert r.total >= {articles} and all(h.snippet.spans for h in r.results), r
    t = time.perf_counter()
    for word in ("calf1", "nerve2", "salt3", "walk4", "swim5", "cramp6", "toe7", "leg8"):
        kb.search(word, limit=10)
        kb.search(word[:3], limit=10, prefix=True)
    other = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({{"search_s": times, "other_16_searches_s": other, "rss_before_mb": base,
                      "rss_peak_mb": peak}}))
    """)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks big-records", description=__doc__.split("\n")[0],
                                epilog="example:\n  python -m benchmarks big-records --runs 5",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", default=str(REPO), help="knowledge-base root to copy (default: this repository)")
    p.add_argument("--articles", type=int, default=10)
    p.add_argument("--mb", type=float, default=1.99, help="size of each big article in MB (default 1.99)")
    p.add_argument("--runs", type=int, default=5, help="fresh `kb search` processes to time (default 5)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=None, help="write the figures as JSON here too")
    a = p.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "KB_ROOT"}
    kb = [sys.executable, "-m", "kb"]
    with tempfile.TemporaryDirectory(prefix="kb-big-") as tmp:
        root = make_root(Path(a.source), Path(tmp) / "kb", a.articles, int(a.mb * 1_000_000), a.seed)
        build_s, build_mb, _ = one_child([*kb, "--root", str(root), "index", "--full"], env)
        runs = [kb_child(["--root", str(root), "search", NEEDLE], env) for _ in range(a.runs)]
        prefix = [kb_child(["--root", str(root), "search", NEEDLE[:6], "--prefix"], env)
                  for _ in range(a.runs)]
        assert all(f"{a.articles} results" in out or "results" in out for _, _, out in runs)
        inproc = subprocess.run([sys.executable, "-c", IN_PROCESS.format(
            repo=str(REPO), root=str(root), needle=NEEDLE, articles=a.articles)], capture_output=True, text=True,
            env=env, check=True)
        engine = json.loads(inproc.stdout.strip().splitlines()[-1])
    figures = {
        "articles": a.articles, "mb_each": a.mb,
        "build_s": round(build_s, 2), "build_peak_mb": round(build_mb, 1),
        "search_s": [round(s, 3) for s, _, _ in runs], "search_peak_mb": [round(m, 1) for _, m, _ in runs],
        "prefix_search_s": [round(s, 3) for s, _, _ in prefix],
        "prefix_search_peak_mb": [round(m, 1) for _, m, _ in prefix],
        "engine": {k: ([round(x, 4) for x in v] if isinstance(v, list) else round(v, 3)) for k, v in engine.items()},
    }
    print(f"kb search {NEEDLE} on {a.articles} articles of {a.mb} MB ({a.runs} fresh processes):")
    print(f"  wall  median {statistics.median(figures['search_s']):.2f} s, max {max(figures['search_s']):.2f} s")
    print(f"  RSS   median {statistics.median(figures['search_peak_mb']):.0f} MB, "
          f"max {max(figures['search_peak_mb']):.0f} MB")
    print(f"kb search {NEEDLE[:6]} --prefix: median {statistics.median(figures['prefix_search_s']):.2f} s, "
          f"max RSS {max(figures['prefix_search_peak_mb']):.0f} MB")
    print(f"in-process (one engine): search {min(engine['search_s']) * 1000:.0f}-"
          f"{max(engine['search_s']) * 1000:.0f} ms, 16 other searches {engine['other_16_searches_s']:.2f} s, "
          f"RSS {engine['rss_before_mb']:.0f} -> {engine['rss_peak_mb']:.0f} MB")
    print(f"index build: {build_s:.1f} s, {build_mb:.0f} MB")
    if a.out:
        Path(a.out).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
