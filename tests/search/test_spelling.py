"""Spelling help that never changes a correct word (kb/search/spelling.py and the correction flow of
kb/search/searcher.py).

The corpus holds the look-alikes the old speller turned real words into (heart, women, kinase, thought, oral,
spend, fat, anemia, cancer, cup, hypomagnesemia...), so each "stays as typed" test would fail if the speller
still reached for them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FILES, write_corpus

from kb.engine import KnowledgeBase
from kb.model.errors import UnknownFilter
from kb.search.spelling import surface_words

LOOKALIKES = textwrap.dedent("""\
    ---
    title: Heart and muscles
    summary: What muscles need.
    tags: [muscles]
    reviewed: 2026-11-20
    references:
      - title: Fact sheet
        publisher: NIH Office of Dietary Supplements
        url: https://ods.od.nih.gov/factsheets/
    ---

    ## The heart is a muscle

    The heart and other muscles need magnesium. Dehydration and a deficiency of minerals make a muscle cramp.
    Twitching and numbness are common and usually harmless. Vitamin levels matter too.

    ## Other words

    Women go to the clinic. A kinase is an enzyme. I thought so. Oral rehydration. Spend a day resting.
    A cup of tea. Anemia and cancer screening. Fat in the diet. Crohn's disease affects absorption.
    Cramps in pregnancy are common. Symptoms vary.
    """)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory):
    files = dict(FILES)
    files["corpus/articles/heart-and-muscles.md"] = LOOKALIKES
    files["corpus/synonyms.yaml"] = FILES["corpus/synonyms.yaml"] + "  - [cramp, crampz]\n"
    root = write_corpus(tmp_path_factory.mktemp("spelling") / "kb", files)
    engine = KnowledgeBase(root)
    engine.update()
    yield engine
    engine.close()


# --- real words stay as typed -----------------------------------------------------------------------------------
@pytest.mark.parametrize("query", [
    "my calves hurt at night", "sore muscles after gym", "how much magnesium should a pregnant woman take",
    "magnesium for kids", "through", "much", "hurt", "woman", "kids",
])
def test_real_english_words_are_never_replaced_nor_questioned(kb, query):
    r = kb.search(query)
    assert r.corrected is None and r.suggestion is None, (query, r.corrected, r.suggestion)


def test_the_calves_query_searches_the_words_as_typed(kb):
    r = kb.search("my calves hurt at night")
    assert r.query == "my calves hurt at night" and r.corrected is None
    assert r.results and r.results[0].id.startswith("article/night-cramps#")
    assert "heart" not in r.terms


@pytest.mark.parametrize(("typed", "lookalike"), [
    ("okra", "oral"), ("splenda", "spend"), ("fava", "fat"), ("amnesia", "anemia"), ("canker", "cancer"),
    ("ckd", "cup"), ("dvt", "day"), ("hypermagnesemia", "hypomagnesemia"), ("gym", "go"), ("through", "thought"),
])
def test_names_the_corpus_lacks_are_never_turned_into_lookalikes(kb, typed, lookalike):
    assert kb.search(lookalike).total > 0  # the look-alike is there to be (wrongly) reached for
    r = kb.search(typed)
    assert r.corrected is None and r.suggestion is None and kb.suggest(typed) is None, typed
    assert r.total == 0 and r.results == ()  # "No results" is the honest answer


# --- misspellings are found, as words ---------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "word"), [
    ("dehydation", "dehydration"), ("defficiency", "deficiency"), ("twiching", "twitching"),
    ("numbnes", "numbness"), ("vitmin", "vitamin"), ("musle", "muscle"), ("magnesum", "magnesium"),
    ("tingeling", "tingling"),
])
def test_misspellings_up_to_two_edits_are_corrected_to_surface_words(kb, typed, word):
    assert kb.suggest(typed) == word
    r = kb.search(typed)
    assert r.corrected == word and r.query == typed and r.results


@pytest.mark.parametrize(("typed", "word"), [  # the index holds "muscl", "numb", "defici", "tingl"
    ("musle", "muscle"), ("numbnes", "numbness"), ("defficiency", "deficiency"), ("tingeling", "tingling"),
])
def test_a_suggestion_shows_words_never_index_stems(kb, typed, word):
    assert kb.search(f"{typed} cramps").suggestion == f"{word} cramps"


def test_a_confident_correction_runs_even_when_the_other_words_find_results(kb):
    r = kb.search("magnesum cramps")  # "cramps" alone would rank without magnesium
    assert r.corrected == "magnesium cramps" and r.query == "magnesum cramps"
    assert "magnesium" in r.terms


def test_an_unsure_correction_beside_words_with_results_is_offered_and_the_typed_words_run(kb):
    r = kb.search("vitmn cramps")
    assert r.corrected is None and r.results
    assert r.suggestion == "vitamin cramps"
    assert "vitamin" not in r.terms  # the words as typed ran


@pytest.mark.parametrize(("typed", "word"), [("pregancy", "pregnancy"), ("symtoms", "symptoms")])
def test_a_rare_listed_slip_of_a_common_word_is_corrected(kb, typed, word):
    # wordfreq lists these (people write them), but far rarer than the word one edit away
    assert kb.search(typed).corrected == word


@pytest.mark.parametrize(("typed", "word"), [("excercise", "exercise"), ("nightime", "nighttime")])
def test_a_common_misspelling_listed_as_often_as_a_word_is_corrected(kb, typed, word):
    # wordfreq lists "excercise" (2.3) more often than some real words; codespell's list names it a slip
    r = kb.search(f"{typed} cramps")
    assert r.corrected == f"{word} cramps" and r.results


def test_a_name_sharing_a_listed_slip_spelling_stays_as_typed() -> None:
    from kb.search.spelling import listed_slip

    assert listed_slip("excercise") == "exercise"
    assert listed_slip("claus") is None  # codespell lists "claus->clause"; as a name it is far too common
    assert listed_slip("abd") is None  # several corrections: ambiguous
    assert listed_slip("canker") is None and listed_slip("okra") is None


def test_two_words_run_together_are_split_when_one_split_gives_two_words(kb):
    r = kb.search("magnesiumcramps")  # no edit of one word reaches it; a space does
    assert r.corrected == "magnesium cramps" and r.results


def test_split_word_needs_exactly_one_split_into_known_words() -> None:
    from kb.search.spelling import split_word

    known = {"vit", "d3", "leg", "cramps", "le", "gcramps"}.__contains__
    assert split_word("vitd3", known).word == "vit d3"
    assert split_word("legcramps", known) is None  # "le gcramps" too: ambiguous, not guessed
    assert split_word("okra", known) is None


def test_an_unsure_correction_is_offered_not_run(kb):
    r = kb.search("vitmn")  # two edits from "vitamin" and only five letters: a guess
    assert r.corrected is None and r.total == 0
    assert r.suggestion == "vitamin"
    assert kb.search(r.suggestion).total > 0


def test_two_edits_of_a_six_letter_word_no_list_holds_are_run_when_nothing_else_is_near(kb):
    # "enzimi" is in no word list and two edits from "enzyme", the only term that near: a slip, not a guess
    r = kb.search("enzimi")
    assert r.corrected == "enzyme" and r.total > 0


def test_a_suggestion_that_finds_nothing_is_not_offered(kb):
    # a filter typed in the query narrows what the correction may find
    for query in ("musle kind:faq", "musle tag:food"):
        assert kb.search(query.replace("musle", "muscle")).total == 0  # no FAQ (nor food record) says "muscle"
        r = kb.search(query)
        assert r.suggestion is None and r.corrected is None and r.total == 0
    # a kind asked for apart narrows the results only: the correction finds sections and nutrients, so it runs
    r = kb.search("musle", kind="faq")
    assert r.corrected == "muscle" and r.total == 0 and r.facets["kind"] and "faq" not in r.facets["kind"]


def test_a_synonym_word_is_never_replaced(kb):
    r = kb.search("crampz")  # in a synonym group, in no record, one edit from "cramps"
    assert r.corrected is None and r.suggestion is None
    assert r.total > 0  # it matches through its group


def test_as_typed_still_offers_the_suggestion(kb):
    r = kb.search("magnesum", correct=False)
    assert r.corrected is None and r.total == 0 and r.suggestion == "magnesium"


def test_typing_mode_does_not_correct_the_unfinished_word(kb):
    r = kb.search("magnes", prefix=True)
    assert r.results and r.corrected is None and r.suggestion is None


def test_surface_words_are_read_from_text():
    text = "Muscles ache. A muscle cramp; muscular pain. MUSCLES"
    assert surface_words("muscl", [text]).most_common() == [("muscles", 2), ("muscle", 1)]


# --- filters ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "listed"), [
    ("kind:bogus", "section, faq, nutrient"),
    ("cramps kind:bogus", "section, faq, nutrient"),
    ("nutrient:bogus", "magnesium, potassium, vitamin-b12"),
    ("tag:nope cramps", "cramps, electrolyte, food, mineral, muscles, sleep, vitamin"),
])
def test_unknown_filter_values_are_reported_with_the_valid_ones(kb, query, listed):
    with pytest.raises(UnknownFilter) as caught:
        kb.search(query)
    assert listed in str(caught.value)
    assert "bogus" in str(caught.value) or "nope" in str(caught.value)


def test_unknown_nutrient_argument_is_reported_and_a_near_one_suggested(kb):
    with pytest.raises(UnknownFilter, match="nutrients: magnesium, potassium, vitamin-b12"):
        kb.search("cramps", nutrient="bogus")
    with pytest.raises(UnknownFilter, match="did you mean magnesium"):
        kb.search("nutrient:magnesum")
    assert kb.search("cramps", nutrient="Magnesium").results  # a valid value in any case still works
    assert kb.search("tag:sleep").results


# --- cost -------------------------------------------------------------------------------------------------------
def test_the_word_list_is_loaded_only_for_an_unknown_word(kb):
    code = textwrap.dedent(f"""\
        import sys
        from kb.engine import KnowledgeBase
        from kb.search import spelling
        kb = KnowledgeBase({str(kb.root)!r})
        kb.search("cramps at night")
        print(bool(spelling._ENGLISH))
        kb.search("magnesum")
        print(bool(spelling._ENGLISH), "wordfreq" in sys.modules)
        """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr
    # the list is read for the unknown word only, from its file: wordfreq's own import (langcodes, regex, ftfy:
    # a tenth of a second) is never paid
    assert done.stdout.split() == ["False", "True", "False"]
