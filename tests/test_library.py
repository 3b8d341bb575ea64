"""Using kb as a library: the README's example runs, and the in-process API it documents behaves as described."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from kb.engine import KnowledgeBase, NutrientSummary
from kb.model.errors import RootNotFound, UnknownId
from kb.model.records import Faq, Nutrient, Section

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> str:
    text = README.read_text()
    assert "## Using kb as a library" in text
    section = text.split("## Using kb as a library", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the library section should hold one python example"
    return blocks[0]


def test_readme_example_runs(kb_root, monkeypatch, capsys):
    monkeypatch.delenv("KB_ROOT", raising=False)
    monkeypatch.chdir(kb_root / "corpus" / "articles")  # found upwards from the current folder
    exec(compile(readme_example(), "README.md", "exec"), {"__name__": "readme_example"})
    out = capsys.readouterr().out
    assert "article/night-cramps#what-a-night-cramp-is" in out.splitlines()[0]
    assert "corpus/articles/night-cramps.md:" in out
    assert "results by kind:" in out
    assert "Magnesium is linked from 3 records" in out
    assert "incremental: 0 added, 0 updated, 0 removed" in out
    assert (kb_root / "index" / "CURRENT").exists()  # built on first search


def test_open_with_a_root_and_an_index_dir(kb_root, tmp_path):
    kb = KnowledgeBase.open(str(kb_root), index_dir=tmp_path / "ix")
    assert kb.root == kb_root.resolve()
    assert kb.search("cramps", limit=3).results
    assert (tmp_path / "ix" / "CURRENT").exists()


def test_open_from_the_environment(kb_root, monkeypatch, tmp_path):
    monkeypatch.setenv("KB_ROOT", str(kb_root))
    monkeypatch.chdir(tmp_path)
    assert KnowledgeBase.open().root == kb_root.resolve()


def test_open_without_a_knowledge_base(tmp_path, monkeypatch):
    monkeypatch.delenv("KB_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RootNotFound):
        KnowledgeBase.open()
    with pytest.raises(RootNotFound):
        KnowledgeBase.open(tmp_path / "nowhere")


def test_records_by_kind(kb):
    by_id = {r.id: r for r in kb.records()}
    assert isinstance(by_id["article/night-cramps#low-magnesium"], Section)
    assert isinstance(by_id["faq/do-bananas-help-cramps"], Faq)
    assert isinstance(by_id["nutrient/magnesium"], Nutrient)
    assert kb.get("faq/do-bananas-help-cramps") == by_id["faq/do-bananas-help-cramps"]
    with pytest.raises(UnknownId):
        kb.get("faq/nope")


def test_nutrient_summaries_and_links(kb):
    assert kb.nutrients() == [NutrientSummary("magnesium", "Magnesium", "mineral", 3, 0),
                              NutrientSummary("potassium", "Potassium", "electrolyte", 0, 1),
                              NutrientSummary("vitamin-b12", "Vitamin B12", "vitamin", 1, 0)]
    nutrient, linked = kb.nutrient("magnesium")
    assert nutrient.name == "Magnesium"
    # most about magnesium first: the section naming it in its title; then those its front matter declares
    assert [r.id for r in linked] == ["article/night-cramps#low-magnesium",
                                      "article/night-cramps#stretching-before-bed",
                                      "article/night-cramps#what-a-night-cramp-is"]


def test_searching_from_several_threads(kb):
    queries = ["cramps at night", "hypokalemia", "magnesum", "tingling", "kind:faq", "charley horse"]
    expected = {q: [h.id for h in kb.search(q).results] for q in queries}
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                for q in queries:
                    assert [h.id for h in kb.search(q).results] == expected[q]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors


def test_validate_needs_no_index(kb_root):
    kb = KnowledgeBase(kb_root)
    corpus = kb.validate()
    assert not corpus.problems and len(corpus.records) == 10
    assert not kb.has_index()
