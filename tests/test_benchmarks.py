"""The benchmark suite at a tiny size: the generator writes a corpus kb validates clean, and the runner's table
has every row. The words come from the fixture corpus, so this never depends on the shipped corpus."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import write_corpus

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # benchmarks/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(REPO))

from benchmarks import queries  # noqa: E402
from benchmarks.generate import generate, parse_size, size_label  # noqa: E402
from benchmarks.report import SIZE_ROWS, table, table_rows  # noqa: E402
from benchmarks.run import measure  # noqa: E402
from kb.corpus.loader import load_corpus  # noqa: E402


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "source")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "corpus").rglob("*"))
            if p.is_file()}


def test_generated_corpus_validates_clean_and_is_deterministic(tmp_path: Path, source: Path) -> None:
    g = generate(tmp_path / "kb-50", 50, source, seed=3)
    corpus = load_corpus(g.root)
    assert corpus.problems == []
    assert (len(corpus.sections), len(corpus.faqs), len(corpus.nutrients)) == (45, 5, 3)
    assert corpus.synonyms.groups  # copied from the source
    for section in corpus.sections:
        assert 60 <= len(section.plain.split()) <= 200
    again = generate(tmp_path / "again", 50, source, seed=3)
    assert _files(g.root) == _files(again.root)
    assert generate(tmp_path / "kb-50", 50, source, seed=3).reused


def test_sizes_and_queries() -> None:
    assert [parse_size(s) for s in ("1k", "10k", "100k", "50")] == [1000, 10_000, 100_000, 50]
    assert size_label(10_000) == "10k" and size_label(50) == "50"
    assert len(queries.QUERIES) >= 50
    assert {c for c, _ in queries.QUERIES} == {"lay", "word", "typo", "filter", "syntax"}
    assert queries.typing_prefixes("cra") == ["c", "cr", "cra"]


def test_runner_table_has_every_row(tmp_path: Path, source: Path) -> None:
    parts = {"build", "search", "incremental", "fts5-build", "fts5-search", "tantivy-build", "tantivy-search"}
    label, results = measure("50", tmp_path / "out", source, 1, True, parts, True, 120, lambda m: None)
    assert label == "50"
    assert not results.get("errors")
    rows = table_rows(label, results)
    assert [r[0] for r in rows] == [r.label for r in SIZE_ROWS]
    measured = {r[0]: r for r in rows}
    for key in ("Full build (s)", "Incremental: edit one file, path given (ms)", "Typing mode, first use, p95 (ms)",
                "Typing mode, repeated, p95 (ms)", "Full query, first use, p95 (ms)", "Full query, repeated, p95 (ms)",
                "Spelling suggestion p50 (ms)", "Peak memory while searching (MB)",
                "10 snippets, texts read, first use, p95 (ms)", "Top 100 with a snippet per hit, p95 (ms)"):
        assert measured[key][1] != "n/a", key
    for key in ("Typing mode, first use, p95 (ms)", "Full query, repeated, p95 (ms)", "Full build (s)"):
        kb, fts5, tantivy, to_fts5, to_tantivy = measured[key][1:6]
        assert "n/a" not in (fts5, tantivy), key  # both peers ran the same queries
        assert to_fts5 and to_tantivy, key  # and the ratios are there
    text = table(label, results)
    assert text.count("\n") == len(SIZE_ROWS) + 1
    assert (tmp_path / "out" / "results-50.json").exists()


def test_tantivy_peer_does_the_same_work(tmp_path: Path, source: Path) -> None:
    from benchmarks import tantivy_peer
    from kb.index.schema import STOP_WORDS

    info = tantivy_peer.build(source, tmp_path / "tv")
    peer = tantivy_peer.TantivyBench(tmp_path / "tv", STOP_WORDS)
    got = peer.search("cramps", limit=20, snippets=3)
    assert got["total"] >= len(got["results"]) > 3 and info["records"] >= got["total"]
    marked = [text[a:b].lower() for text, marks in (h["snippet"] for h in got["results"][:3]) for a, b in marks]
    assert marked and all(m.startswith("cramp") for m in marked)
    assert got["results"][3]["snippet"] is None  # snippets for the first three only
    assert sum(b["doc_count"] for b in got["facets"]["kind"]["buckets"]) == got["total"]
    faqs = peer.search("kind:faq cramps", limit=20)
    assert faqs["total"] and {h["kind"] for h in faqs["results"]} == {"faq"}
    assert peer.search("cra", prefix=True)["total"] >= got["total"]  # "cra" completed: cramp, crave, ...
    assert peer.search("cra")["total"] == 0  # without typing mode "cra" is a word no record has


def test_targets_apply_per_size() -> None:
    results = {"kb": {"typing.p95": 20.0, "build.rate": 2500.0}, "fts5": {"typing.p95": 10.0},
               "tantivy": {"typing.p95": 25.0}}
    rows = {r[0]: r for r in table_rows("10k", results)}
    assert rows["Typing mode, repeated, p95 (ms)"][4:] == ["2.00", "0.80", "<= 15; kb/tantivy <= 1", "**FAIL**; pass"]
    assert rows["Full build (records/s)"][7] == "pass"
    rows = {r[0]: r for r in table_rows("100k", results)}
    assert rows["Typing mode, repeated, p95 (ms)"][7] == "pass; pass"


def test_a_part_over_the_memory_cap_is_stopped_and_reported(tmp_path: Path, source: Path) -> None:
    from benchmarks.harness import run_child

    g = generate(tmp_path / "kb-50", 50, source, seed=3)
    got = run_child("build", g.root, g.root / "index", g.root, True, 120, max_mb=5)  # Python alone needs more
    assert "stopped" in got["error"] and "cap 5 MB" in got["error"], got
    assert got["peak_one_mb"] > 5


def test_benchmark_modules_import_in_one_direction_and_stay_small() -> None:
    """No import circle among benchmarks/ modules (lazy imports inside functions included), none over 400 lines."""
    import ast

    mods = {p.stem: p for p in (REPO / "benchmarks").glob("*.py") if p.stem != "__main__"}
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        source = path.read_text(encoding="utf-8")
        assert source.count("\n") <= 400, name
        deps: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module == "benchmarks":
                deps |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("benchmarks."):
                deps.add(node.module.split(".")[1])  # type: ignore[union-attr]
        graph[name] = {d for d in deps if d in mods and d != name}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(d == goal or (d not in seen and reaches(d, goal, seen | {d})) for d in graph[start])

    assert [m for m in graph if reaches(m, m, {m})] == []
