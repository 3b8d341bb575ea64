"""Snippets never fail and stay cheap (findings C3 and P1), and only real index damage triggers a rebuild.

C3: a corpus word longer than the 160-character snippet, searched as a prefix, made ``make_snippet`` raise
``ValueError`` (``max()`` of nothing); the engine took it for index damage and rebuilt the whole index, then
failed. P1: a snippet analysed its whole text (2 MB: ~0.4 s and ~40 MB of cached tokens per text), so a search
matching ten 1.9 MB records took ~5 s and ~500 MB.
"""

# ruff: noqa: F811 - the `root` fixture is imported from reliability_helpers (no conftest.py: see there)
from __future__ import annotations

import io
import random
import sys
import time
import zlib
from pathlib import Path

import pytest
from reliability_helpers import FILES, KB, REF, clean_env, make_root, measure, root, run_kb  # noqa: F401
from whoosh.filedb.structfile import StructFile

from kb.cli.main import main
from kb.engine import KnowledgeBase, SearchFailed
from kb.index.schema import text_analyzer
from kb.search import snippets
from kb.search.damage import is_index_damage
from kb.search.snippets import SNIPPET_CHARS, find_spans, make_snippet

pytestmark = pytest.mark.reliability

LONG = "gattaca" * 25  # 175 letters


def long_word_files() -> dict[str, str]:
    return {**FILES, "corpus/faq/long-word.yaml": (
        f"question: What does this sequence mean?\nanswer: The sequence {LONG} appears in the sample.\n"
        "reviewed: 2026-01-01\n" + REF)}


def test_a_word_longer_than_the_snippet_gives_a_snippet(tmp_path: Path) -> None:
    for text in (f"The sequence {LONG} appears.", LONG, f"{LONG} {LONG} and more", "x" * 5000):
        terms = {t.text for t in text_analyzer()(text, mode="query")}
        s = make_snippet(text, terms)
        assert s.text and len(s.text) <= SNIPPET_CHARS + 4, s
        assert s.spans and all(0 <= a < b <= len(s.text) for a, b in s.spans), s


def test_prefix_search_of_a_long_word_answers_without_a_rebuild(tmp_path: Path) -> None:
    r = make_root(tmp_path / "kb", long_word_files())
    assert run_kb(r, "index").returncode == 0
    before = (r / "index" / "CURRENT").read_text()
    done = run_kb(r, "search", "gatt", "--prefix")
    assert done.returncode == 0, done.stderr
    assert "What does this sequence mean?" in done.stdout and "gattacagattaca" in done.stdout
    assert done.stderr == ""  # no "index is damaged" notice
    assert (r / "index" / "CURRENT").read_text() == before  # no new generation: nothing was rebuilt
    notices: list[str] = []
    engine = KnowledgeBase(r, notify=notices.append)
    for typed in ("gatt", "gatta", "gattacagat", LONG[:47]):  # what the TUI does per keystroke
        response = engine.search(typed, prefix=True)
        assert any(h.id == "faq/long-word" for h in response.results), typed
    assert notices == []
    engine.close()


def test_a_two_megabyte_single_word_article_is_found_by_prefix(tmp_path: Path) -> None:
    word = "xq" * 995_000  # 1.99 million characters, one token
    files = {**FILES, "corpus/articles/one-word.md": (
        "---\ntitle: One word\nsummary: s\nreviewed: 2026-01-01\n" + REF + "---\n\n## Only\n\n" + word + "\n")}
    r = make_root(tmp_path / "kb", files)
    assert run_kb(r, "index").returncode == 0
    before = (r / "index" / "CURRENT").read_text()
    done = run_kb(r, "search", "xqxq", "--prefix")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "One word" in done.stdout
    assert (r / "index" / "CURRENT").read_text() == before


def test_a_search_time_failure_that_is_not_damage_is_reported_without_a_rebuild(
        root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # a fault in kb's own snippet code (like C3's ValueError), not in reading the index
    monkeypatch.setattr(snippets, "one_line", None)
    before = (root / "index" / "CURRENT").read_text()
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    with pytest.raises(SearchFailed, match=r"search failed \(TypeError: .*\); the index is fine"):
        engine.search("cramps")
    assert notices == []
    assert (root / "index" / "CURRENT").read_text() == before
    assert engine.search("cramps", snippets=0).results  # the index still answers
    engine.close()
    assert main(["--root", str(root), "search", "cramps"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kb: search failed (TypeError") and "rebuilding" not in err and "Traceback" not in err
    assert (root / "index" / "CURRENT").read_text() == before


def test_damage_is_told_apart_by_where_it_is_raised() -> None:
    def raised(fn):
        try:
            fn()
        except Exception as exc:  # noqa: BLE001
            return exc
        raise AssertionError("did not raise")

    assert not is_index_damage(raised(lambda: make_snippet(None, {"x"})))  # TypeError in kb's snippet code
    assert is_index_damage(raised(lambda: open("/nonexistent/kb-index-file", "rb")))  # I/O
    assert is_index_damage(raised(lambda: zlib.decompress(b"garbage")))
    assert is_index_damage(raised(lambda: StructFile(io.BytesIO(b"")).read_varint()))  # inside Whoosh


# --- P1: big records ---------------------------------------------------------------------------------------------
def _random_text(rnd: random.Random, words: int) -> str:
    vocab = ["calf", "nerve", "cramps", "cramping", "night", "the", "walk", "Ménière", "don't", "o'clock",
             "happy", "happiness", "b12s", "2.4", "x" * 30, "Nights", "Café", "crohn's", "İstanbul"]
    return " ".join(rnd.choice(vocab) + (str(rnd.randrange(50)) if rnd.random() < 0.2 else "")
                    for _ in range(words))


def test_big_text_snippets_equal_whole_text_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above BIG_TEXT only candidate words are analysed; the snippet and the spans must not change."""
    rnd = random.Random(7)
    for _ in range(60):
        text = _random_text(rnd, rnd.randrange(2500, 6000))
        if rnd.random() < 0.3:
            text = text.replace("İ", "I")  # ASCII and non-ASCII texts take different scans
        # analysis drops an inner apostrophe ("don't" -> "dont"), the scan of a big text does not see through it:
        # a known limit (docs/reliability.md), so the texts compared here hold none
        text = text.replace("'", "").replace("’", "")
        assert len(text) > snippets.BIG_TEXT
        terms = {t.text for t in text_analyzer()(" ".join(rnd.sample(text.split(), 3)), mode="query")}
        terms = {t for t in terms if "\u0307" not in t}  # "İ" lowercases to two characters: not looked for
        fast = (make_snippet(text, terms), find_spans(text, terms))
        with monkeypatch.context() as m:
            m.setattr(snippets, "BIG_TEXT", 10 ** 9)
            whole = (make_snippet(text, terms), find_spans(text, terms))
        assert fast == whole, (terms, fast[0], whole[0])


def test_snippet_of_a_two_megabyte_text_is_fast_and_small() -> None:
    got = measure("""
        import random
        from kb.search.snippets import make_snippet
        rnd = random.Random(1)
        words = "calf muscle nerve sleep stretch water salt tired spasm twitch".split()
        texts = [" ".join(rnd.choice(words) + str(rnd.randrange(1000)) for _ in range(200_000))
                 + f" needleword{i}" for i in range(30)]
        mark()
        t = time.perf_counter()
        snips = [make_snippet(text, {f"needleword{i}", "calf1"}) for i, text in enumerate(texts)]
        seconds = time.perf_counter() - t
        assert all(s.spans for s in snips)
        report(seconds=seconds, per_text=seconds / len(texts))
    """)
    # measured ~15 ms per 1.9 MB text and no RSS growth; before: ~0.4 s and ~40 MB per text (1.2 GB for 30)
    assert got["per_text"] < 0.15, got
    assert got["rss_growth_mb"] < 60, got


def test_token_cache_is_bounded_in_bytes() -> None:
    snippets._CACHE.clear()
    rnd = random.Random(3)
    for i in range(300):
        text = _random_text(rnd, 3000)[: snippets.BIG_TEXT - 10] + f" w{i}"
        make_snippet(text, {"cramp"})
        assert snippets._CACHE.bytes <= snippets.TOKEN_CACHE_BYTES
    assert len(snippets._CACHE._items) < 300  # the byte budget, not the entry count, evicted
    assert snippets._CACHE.bytes > snippets.TOKEN_CACHE_BYTES // 2
    snippets._CACHE.clear()


def _big_root(path: Path, articles: int = 10, size: int = 1_990_000) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.big_records import big_article

    rnd = random.Random(1)
    files = {**FILES, **{f"corpus/articles/big-{i}.md": big_article(i, size, rnd) for i in range(articles)}}
    return make_root(path, files)


def _timed(root: Path, *args: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (that kb process's own ``VmHWM``; ``ru_maxrss`` would count the size of
    this test worker, which spawned it) and stdout of ``kb --root ROOT *args``."""
    from benchmarks.big_records import kb_child

    return kb_child(["--root", str(root), *args], clean_env())


@pytest.mark.slow
def test_search_matching_ten_big_records_is_fast_and_small(tmp_path: Path) -> None:
    r = _big_root(tmp_path / "kb")
    assert run_kb(r, "index", timeout=300).returncode == 0
    runs = [_timed(r, "search", "needleword") for _ in range(3)]
    seconds, peak, out = min(runs)
    assert "10 results" in out and out.count("needleword") >= 10, out[-2000:]
    # measured 0.66 s and 91 MB (python start-up included); before: 3.5-5.6 s and 408-503 MB
    assert seconds < 2.5, runs  # the bound under a loaded test run; the target (< 1 s) is the benchmark's
    assert max(p for _, p, _ in runs) < 200, runs


@pytest.mark.slow
async def test_tui_stays_responsive_on_big_records(tmp_path: Path) -> None:
    """The preview of a 1.99 MB section lays out a 10,000-character window around its first match (before: the
    whole text, seconds of the app's thread per highlighted result: ten Down presses took 27 s in Pilot)."""
    from kb.tui.app import make_app
    from kb.tui.pages import PREVIEW_CHARS
    from kb.tui.widgets.highlight_markdown import HighlightMarkdown

    r = _big_root(tmp_path / "kb", articles=3)
    assert run_kb(r, "index", timeout=300).returncode == 0
    app = make_app(r, watch=False)
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press(*"needleword")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.search_screen.response.results) == 3
        await pilot.press("enter")
        started = time.perf_counter()
        for _ in range(4):
            await pilot.press("down", "up")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        took = time.perf_counter() - started
        source = app.search_screen.query_one("#record-md", HighlightMarkdown).source
        assert len(source) < PREVIEW_CHARS + 1000 and "needleword" in source  # the window holds the match
        assert "the preview shows characters" in source
    # measured 2.0 s for these 8 presses (Pilot); asserted with room for a loaded test run
    assert took < 8, took


async def test_tui_reports_a_search_failure_without_a_rebuild(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.tui.app import make_app
    from kb.tui.widgets.status_line import StatusLine

    before = (root / "index" / "CURRENT").read_text()
    app = make_app(root, watch=False)
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        monkeypatch.setattr(snippets, "one_line", None)  # a fault in kb's snippet code
        await pilot.press(*"cramps")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = app.search_screen.query_one(StatusLine)
        assert status.tone == "error" and status.text.startswith("search failed (TypeError: "), status.text
        assert status.text.endswith("the index is fine and was not rebuilt")
        assert app.is_running
    assert (root / "index" / "CURRENT").read_text() == before
