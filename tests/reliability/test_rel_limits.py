"""Bounded time and memory on hostile corpus files, measured in a fresh interpreter so nothing else counts.

Limits (kb/corpus/files.py, kb/corpus/yamlsafe.py): files over 2 MiB are refused unread; YAML deeper than 64 levels or
expanding to more than 200,000 values is refused before anything is constructed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_helpers import FILES, REF, make_root, measure
from test_rel_bad_input import BOMB

pytestmark = pytest.mark.reliability


def test_alias_bomb_is_refused_within_a_second_without_memory_growth() -> None:
    # 9 levels of 10 aliases each: a billion strings if it were expanded
    result = measure(f"""
        from kb.corpus.yamlsafe import load_yaml, YamlProblem
        load_yaml("warm: [up]")
        bomb = {BOMB!r}
        mark()
        tracemalloc.start()
        started = time.perf_counter()
        try:
            load_yaml(bomb)
            message = None
        except YamlProblem as exc:
            message = exc.message
        elapsed = time.perf_counter() - started
        report(message=message, seconds=elapsed, traced_peak_mb=tracemalloc.get_traced_memory()[1] / 2**20)
    """)
    assert "alias bomb" in result["message"]
    assert result["seconds"] < 1.0
    assert result["rss_growth_mb"] < 30
    assert result["traced_peak_mb"] < 30


def test_wide_alias_fan_out_is_refused_quickly() -> None:
    # one big anchor referenced a thousand times: a million values, refused by the count, not by building it
    result = measure("""
        from kb.corpus.yamlsafe import load_yaml, YamlProblem
        text = "a: &a [" + ",".join(["x"] * 1000) + "]\\nb: [" + ",".join(["*a"] * 1000) + "]\\n"
        load_yaml("warm: [up]")
        mark()
        started = time.perf_counter()
        try:
            load_yaml(text)
            message = None
        except YamlProblem as exc:
            message = exc.message
        report(message=message, seconds=time.perf_counter() - started)
    """)
    assert "alias bomb" in result["message"]
    assert result["seconds"] < 1.0
    assert result["rss_growth_mb"] < 30


def test_kb_validate_and_index_on_an_alias_bomb_stay_bounded(tmp_path: Path) -> None:
    root = make_root(tmp_path / "kb", {**FILES, "corpus/faq/do-bananas-help-cramps.yaml": BOMB})
    result = measure(f"""
        from pathlib import Path
        from kb.engine import KnowledgeBase
        from kb.corpus.loader import load_corpus
        root = Path({str(root)!r})
        load_corpus(root)  # warm up imports and caches
        mark()
        started = time.perf_counter()
        problems = [str(p) for p in load_corpus(root).problems]
        validate = time.perf_counter() - started
        started = time.perf_counter()
        report_ = KnowledgeBase(root).update()
        report(problems=problems, validate=validate, index=time.perf_counter() - started,
               index_problems=[str(p) for p in report_.problems])
    """)
    assert any("alias bomb" in p for p in result["problems"])
    assert any("alias bomb" in p for p in result["index_problems"])
    assert result["validate"] < 1.0 and result["index"] < 5.0
    assert result["rss_growth_mb"] < 60  # the index build itself (Whoosh) accounts for most of it


def test_a_50_mb_file_is_refused_unread(tmp_path: Path) -> None:
    root = make_root(tmp_path / "kb")
    result = measure(f"""
        from pathlib import Path
        from kb.engine import KnowledgeBase
        from kb.corpus.loader import load_corpus
        root = Path({str(root)!r})
        engine = KnowledgeBase(root)
        engine.update()
        load_corpus(root)
        for name in ("articles/huge.md", "faq/huge.yaml"):
            with open(root / "corpus" / name, "wb") as fh:
                fh.truncate(50 * 1024 * 1024)  # sparse: instant to create
        mark()
        started = time.perf_counter()
        problems = [str(p) for p in load_corpus(root).problems]
        validate = time.perf_counter() - started
        started = time.perf_counter()
        inc = engine.update()
        incremental = time.perf_counter() - started
        started = time.perf_counter()
        full = engine.update(full=True)
        report(problems=problems, validate=validate, incremental=incremental,
               full_seconds=time.perf_counter() - started,
               index_problems=[str(p) for p in inc.problems + full.problems])
    """)
    expected = {"corpus/articles/huge.md: file is larger than the 2 MiB limit",
                "corpus/faq/huge.yaml: file is larger than the 2 MiB limit"}
    assert expected <= set(result["problems"])
    assert expected <= set(result["index_problems"])
    assert result["validate"] < 1.0 and result["incremental"] < 2.0 and result["full_seconds"] < 5.0
    assert result["rss_growth_mb"] < 20  # neither file is ever read whole (not even to hash it)


def test_deep_nesting_is_refused_quickly() -> None:
    result = measure("""
        from kb.corpus.yamlsafe import load_yaml, YamlProblem
        texts = {
            "flow sequences": "a: " + "[" * 100_000 + "]" * 100_000,
            "flow mappings": "a: " + "{b: " * 50_000 + "1" + "}" * 50_000,
            "block mappings": "".join("  " * i + "k:\\n" for i in range(5_000)) + "  " * 5_000 + "v\\n",
            "block sequences": "".join("  " * i + "-\\n" for i in range(5_000)) + "  " * 5_000 + "v\\n",
        }
        load_yaml("warm: [up]")
        mark()
        out = {}
        for name, text in texts.items():
            started = time.perf_counter()
            try:
                load_yaml(text)
                out[name] = [None, time.perf_counter() - started]
            except YamlProblem as exc:
                out[name] = [exc.message, time.perf_counter() - started]
        report(out=out)
    """)
    for name, (message, seconds) in result["out"].items():
        assert message and "nest" in message, name
        assert seconds < 1.0, name
    assert result["rss_growth_mb"] < 50


@pytest.mark.slow
def test_an_article_with_10000_sections(tmp_path: Path) -> None:
    head = "---\ntitle: Big\nsummary: Ten thousand sections.\nreviewed: 2026-11-20\n" + REF + "---\n\n"
    body = "".join(f"## Heading {i}\n\nText of section {i} about magnesium.\n\n" for i in range(10_000))
    # the same article with one duplicate heading near the end: the problem is located to its line
    dup = body + "## Heading 9999\n\nAgain.\n"
    dup_line = (head + body).count("\n") + 1
    root = make_root(tmp_path / "kb", {**FILES, "corpus/articles/big.md": head + body})
    (tmp_path / "dup.md").write_text(head + dup, encoding="utf-8")
    result = measure(f"""
        from pathlib import Path
        from kb.engine import KnowledgeBase
        from kb.corpus.loader import load_corpus
        root = Path({str(root)!r})
        mark()
        started = time.perf_counter()
        corpus = load_corpus(root)
        validate = time.perf_counter() - started
        started = time.perf_counter()
        engine = KnowledgeBase(root)
        built = engine.update()
        index = time.perf_counter() - started
        started = time.perf_counter()
        hits = engine.search("section 9876", limit=3)
        search = time.perf_counter() - started
        (root / "corpus/articles/big.md").write_text(Path({str(tmp_path / "dup.md")!r}).read_text())
        started = time.perf_counter()
        broken = engine.update()
        reindex = time.perf_counter() - started
        kept = engine.search("section 9876", limit=3).total
        report(sections=len(corpus.sections), problems=[str(p) for p in corpus.problems], validate=validate,
               index=index, records=built.records, search=search, top=hits.results[0].id,
               broken=[str(p) for p in broken.problems], reindex=reindex, kept=kept)
    """, timeout=300)
    assert result["problems"] == [] and result["sections"] == 10_000 + 5
    assert result["validate"] < 10 and result["index"] < 60
    assert result["search"] < 2 and result["reindex"] < 10
    assert result["records"] == 10_000 + 10
    assert result["top"] == "article/big#heading-9876"
    assert result["broken"] == [f"corpus/articles/big.md:{dup_line}: duplicate id article/big#heading-9999 "
                                f"(same heading as line {dup_line - 4})"]
    assert result["kept"] > 0  # the last good version of the big article still serves
    assert result["rss_growth_mb"] < 400
