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
from benchmarks.run import SIZE_ROWS, measure, table, table_rows  # noqa: E402
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
    parts = {"build", "search", "incremental", "fts5-build", "fts5-search"}
    label, results = measure("50", tmp_path / "out", source, 1, True, parts, True, 120, lambda m: None)
    assert label == "50"
    assert not results.get("errors")
    rows = table_rows(label, results)
    assert [r[0] for r in rows] == [r.label for r in SIZE_ROWS]
    measured = {r[0]: r for r in rows}
    for key in ("Full build (s)", "Incremental: edit one file (ms)", "Typing mode p95 (ms)",
                "Full query p95 (ms)", "Spelling suggestion p50 (ms)", "Peak memory while searching (MB)"):
        assert measured[key][1] != "n/a", key
    assert measured["Typing mode p95 (ms)"][2] != "n/a"  # the FTS5 peer ran the same queries
    text = table(label, results)
    assert text.count("\n") == len(SIZE_ROWS) + 1
    assert (tmp_path / "out" / "results-50.json").exists()


def test_targets_apply_per_size() -> None:
    results = {"kb": {"typing.p95": 20.0, "build.rate": 2500.0}, "fts5": {"typing.p95": 10.0}}
    rows = {r[0]: r for r in table_rows("10k", results)}
    assert rows["Typing mode p95 (ms)"][3:] == ["2.00", "<= 15", "**FAIL**"]
    assert rows["Full build (records/s)"][5] == "pass"
    rows = {r[0]: r for r in table_rows("100k", results)}
    assert rows["Typing mode p95 (ms)"][5] == "pass"
