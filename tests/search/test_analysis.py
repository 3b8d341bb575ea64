"""Words as people write them (kb/index/schema.py): apostrophes, possessives and "B-12", in the index, the query and
the snippets alike."""

from __future__ import annotations

import textwrap

import pytest
from conftest import FILES, REF, write_corpus

from kb.engine import KnowledgeBase
from kb.index.schema import HealthAnalyzer, index_terms
from kb.search.plan import stems
from kb.search.snippets import make_snippet

ARTICLE = textwrap.dedent("""\
    ---
    title: Gut conditions
    summary: Conditions that affect absorption.
    reviewed: 2026-11-20
    """) + REF + textwrap.dedent("""\
    ---

    ## Crohn's disease

    Crohn's disease can lower the absorption of B-12, and people with Alzheimer’s or Parkinsons may eat less.

    ## Vitamin D

    Vitamin D helps the body absorb calcium from food.
    """)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory):
    files = dict(FILES)
    files["corpus/articles/gut.md"] = ARTICLE
    files["corpus/synonyms.yaml"] = FILES["corpus/synonyms.yaml"] + "  - [vitamin d, vit d, calciferol]\n"
    root = write_corpus(tmp_path_factory.mktemp("analysis") / "kb", files)
    engine = KnowledgeBase(root)
    engine.update()
    yield engine
    engine.close()


@pytest.mark.parametrize("forms", [
    ["crohn", "crohns", "crohn's", "crohn’s", "Crohn's", "CROHNʼS"],
    ["alzheimer", "alzheimers", "alzheimer's", "Alzheimer’s"],
    ["parkinson", "parkinsons", "parkinson's", "Parkinson’s"],
    ["B-12", "b12", "B12"],
    ["feet", "foot", "Feet"],  # irregular plurals the Porter stemmer leaves apart
    ["calves", "calf", "calf's"],
    ["children", "child", "children's"],
])
def test_the_ways_people_write_a_word_analyse_alike(forms):
    assert len({tuple(stems(f)) for f in forms}) == 1, {f: stems(f) for f in forms}


@pytest.mark.parametrize(("text", "terms"), [
    ("it's", []),  # a possessive-looking stop word stays a stop word
    ("don't", ["dont"]),
    ("patients' rights", ["patient", "right"]),
    ("type-2 diabetes", ["type", "2", "diabet"]),  # only a single letter joins its number
    ("1-2 times", ["1", "2", "time"]),
    ("night-time", ["night", "time"]),
    ("2.4 mg", ["2.4", "mg"]),
])
def test_apostrophes_and_hyphens_inside_words(text, terms):
    assert stems(text) == terms


@pytest.mark.parametrize("text", ["Crohn's and Alzheimer’s", "B-12 or b12, vitamin D-3", "it's don't o'clock",
                                  "rockʼnʼroll x-ray a-1"])
def test_the_index_writer_fast_path_makes_the_analyzer_terms(text):
    assert [t.decode() for t in index_terms(text)] == [t.text for t in HealthAnalyzer()(text)]


@pytest.mark.parametrize("query", ["crohn", "crohns", "crohn's", "crohn’s", "CROHN'S disease"])
def test_every_spelling_of_crohns_finds_the_section(kb, query):
    r = kb.search(query)
    assert r.results and r.results[0].id == "article/gut#crohn-s-disease", (query, [h.id for h in r.results])
    assert r.corrected is None


@pytest.mark.parametrize("query", ["alzheimers", "alzheimer's", "parkinson's", "parkinson"])
def test_possessives_match_both_ways(kb, query):
    assert kb.search(query).results[0].id == "article/gut#crohn-s-disease"


@pytest.mark.parametrize("query", ["B-12", "b12", "vitamin b-12"])
def test_b12_however_written(kb, query):
    ids = [h.id for h in kb.search(query, limit=20).results]
    assert "article/gut#crohn-s-disease" in ids and "nutrient/vitamin-b12" in ids


def test_vit_d_finds_vitamin_d_through_the_synonyms(kb):
    r = kb.search("vit d")
    assert r.results[0].id == "article/gut#vitamin-d"
    assert r.corrected is None and r.suggestion is None


def test_snippets_highlight_the_whole_word_as_written():
    text = "Crohn's disease can lower the absorption of B-12 and Crohn’s flares."
    for query in ("crohns", "crohn's", "crohn"):
        snip = make_snippet(text, stems(query))
        assert [snip.text[s:e] for s, e in snip.spans] == ["Crohn's", "Crohn’s"]
    snip = make_snippet(text, stems("b12"))
    assert [snip.text[s:e] for s, e in snip.spans] == ["B-12"]


def test_search_results_highlight_the_matched_words(kb):
    r = kb.search("crohns b12")
    hit = r.results[0]
    marked = {hit.snippet.text[s:e] for s, e in hit.snippet.spans}
    assert {"Crohn's", "B-12"} <= marked
