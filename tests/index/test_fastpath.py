"""kb's fast readers of Whoosh's files can be switched off (``KB_NO_FASTPATH=1``) or refused by the layout probe,
and then every search gives exactly the same answers through Whoosh's public API; an unexpected layout is said
once and never crashes.

(CI also runs the engine's test files with ``KB_NO_FASTPATH=1``: see .ci/run.)
"""

from __future__ import annotations

import pytest
from conftest import FILES, REF, write_corpus

from kb.engine import KnowledgeBase
from kb.index.w3 import fastpath, lexicon, perdoc, positions, postings

WORDS = ("cramp", "calf", "night", "magnesium", "stretch", "tingle", "banana", "twitch", "sleep", "water")
QUERIES = ("cramp", "night cramps", "magnesium", '"cramp answer"', '"cramp answer" night -number2', "calf kind:faq",
           "magnesum cramp", "tingle water sleep", "numb", "cramp -\"cramp reply\"", "stretch nutrient:magnesium")
TYPED = ("c", "cr", "cra", "night cr", "magnes", "twitch sl")


def faq(i: int) -> str:
    words = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 6))
    extra = "nutrients: [magnesium]\n" if i % 3 == 0 else ""
    return (f"question: Cramp question {i:03d} about {WORDS[i % len(WORDS)]}?\n"
            f"answer: A cramp answer with {words} and number{i % 7} in it.\n{extra}reviewed: 2026-11-20\n" + REF)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """About 320 records in several segments with deleted documents and posting lists of several blocks."""
    files = dict(FILES)
    files.update({f"corpus/faq/generated-{i:03d}.yaml": faq(i) for i in range(300)})
    root = write_corpus(tmp_path_factory.mktemp("fast") / "kb", files)
    engine = KnowledgeBase(root)
    engine.update(full=True)
    for i in (5, 150, 299):
        path = root / f"corpus/faq/generated-{i:03d}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("A cramp answer", "A cramp reply"),
                        encoding="utf-8")
    engine.update()
    reader = engine._current().searcher.reader()
    assert len(list(reader.leaf_readers())) > 1 and reader.doc_count() < reader.doc_count_all()
    engine.close()
    return root


def answers(root) -> list:
    """Everything a user sees for the query list, full and typed, on a freshly opened engine."""
    engine = KnowledgeBase(root)
    try:
        out = []
        for q in QUERIES:
            for limit in (3, 50):
                r = engine.search(q, limit=limit)
                out.append((q, limit, [(h.id, h.score, h.snippet) for h in r.results], r.total, r.facets,
                            r.suggestion))
        for q in TYPED:
            r = engine.search(q, limit=10, prefix=True)
            out.append((q, [(h.id, h.score) for h in r.results], r.total, r.facets))
        out.append(engine.suggest("magnesum"))
        out.append([r.id for r in engine.nutrient("magnesium")[1]])
        return out
    finally:
        engine.close()


def _forbid_fast_readers(monkeypatch) -> None:
    def fail(*_a, **_k):
        raise AssertionError("a fast reader ran although the fast path is off")

    for mod, name in ((postings, "_segment_arrays"), (postings, "raw_run"), (lexicon, "_raw_terms"),
                      (perdoc, "_length_bytes"), (perdoc, "_var_bytes"), (positions, "raw_run")):
        monkeypatch.setattr(mod, name, fail)


def test_the_probe_accepts_the_pinned_whoosh(root, monkeypatch):
    monkeypatch.delenv(fastpath.ENV, raising=False)
    engine = KnowledgeBase(root)
    reader = engine._current().searcher.reader()
    assert fastpath.compatible(reader) is None
    assert fastpath.use(reader)
    engine.close()


def test_switched_off_every_answer_is_the_same_through_whoosh(root, monkeypatch):
    monkeypatch.delenv(fastpath.ENV, raising=False)
    fast = answers(root)
    monkeypatch.setenv(fastpath.ENV, "1")
    _forbid_fast_readers(monkeypatch)
    slow = answers(root)
    assert slow == fast
    monkeypatch.setenv(fastpath.ENV, "0")  # "0" leaves it on
    assert fastpath.disabled() is False


def test_an_unexpected_layout_is_said_once_and_searched_through_whoosh(root, monkeypatch):
    monkeypatch.delenv(fastpath.ENV, raising=False)
    fast = answers(root)
    import whoosh

    monkeypatch.setattr(whoosh, "__version__", (2, 8, 0))  # a Whoosh whose internals may have moved
    monkeypatch.setattr(fastpath, "_said", False)
    _forbid_fast_readers(monkeypatch)
    said: list[str] = []
    for _ in range(2):
        engine = KnowledgeBase(root, notify=said.append)
        assert engine.search("cramp").total > 0
        engine.close()
    assert len(said) == 1 and "not the one kb reads fast" in said[0] and "2.8.0" in said[0], said
    assert answers(root) == fast


def test_no_notice_when_switched_off_on_purpose(root, monkeypatch):
    monkeypatch.setenv(fastpath.ENV, "1")
    monkeypatch.setattr(fastpath, "_said", False)
    said: list[str] = []
    engine = KnowledgeBase(root, notify=said.append)
    engine.search("cramp")
    engine.close()
    assert said == []
