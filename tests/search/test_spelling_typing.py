"""The word being typed is corrected as the start of a word (typing mode; kb/search/spelling.py, vocabulary.py).

When nothing completes the last word of a typing-mode query, it is a slip on the way to a longer word: "potasi" is
one edit from "potass...", so the person is typing potassium, not "potato" (two edits from "potasi" as a whole).
The corpus holds the whole words the old correction reached for one key too early (potato, decide, tinge), each
within two edits of what was typed, so each test below fails if the word being typed is corrected as a whole word.
"""

from __future__ import annotations

import itertools
import textwrap

import pytest
from conftest import FILES, REF, write_corpus
from whoosh.support.levenshtein import distance

from kb.engine import KnowledgeBase
from kb.search.spelling import prefix_distance
from kb.search.vocabulary import slips

FOODS = textwrap.dedent("""\
    ---
    title: Minerals, water and nerves
    summary: What the body needs.
    reviewed: 2026-11-20
    """) + REF + textwrap.dedent("""\
    ---

    ## Potassium in food

    Potassium is in bananas and beans. Low potassium causes weakness.

    ## Potassium and the heart

    Potassium keeps the heartbeat steady.

    ## A baked potato

    A baked potato with its skin is a good side dish.

    ## Dehydration

    Dehydration after sweating makes cramps more likely. Drink water to prevent dehydration.

    ## Deciding about supplements

    Decide with your doctor whether you need a supplement.

    ## Twitching

    Eyelid twitching is common and usually harmless. Muscle twitching after exercise settles.

    ## Tingling

    Tingling in the hands comes with low B12. A tinge of colour in the skin is something else.

    ## Calcium

    Calcium helps muscles contract.

    ## Pregnancy

    Leg cramps are common in pregnancy. A pregnant woman needs more iron.

    ## Cramps in pregnancy

    Stretching helps cramps in pregnancy.

    ## Sodium

    Sodium is lost in sweat. A source of sodium is table salt.

    ## Sodium in food

    Bread is a hidden source of sodium. Soup has sodium too; a good source of potassium is beans.
    """)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory):
    files = dict(FILES)
    files["corpus/articles/minerals.md"] = FOODS
    root = write_corpus(tmp_path_factory.mktemp("typing-spelling") / "kb", files)
    engine = KnowledgeBase(root)
    engine.update()
    yield engine
    engine.close()


def ids(response) -> list[str]:
    return [h.id for h in response.results]


# --- the word being typed -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "word", "not_this"), [
    ("potasi", "potassium", "potato"),  # one key before "potass" completes; "potato" is two edits from all of it
    ("potasiu", "potassium", "potato"),
    ("dehidr", "dehydration", "decide"),  # "dehydr" is one edit away; "decide" two as a whole word
    ("dehidrat", "dehydration", None),  # typed past the stem ("dehydr"), through a slip
    ("tingel", "tingling", "tinge"),  # "tingle" (two letters swapped) starts "tingl..."; "tinge" is one letter less
    ("twichin", "twitching", None),  # no whole word is within two edits of it
    ("calcu", "calcium", None),  # "calc" + a wrong letter
])
def test_a_slip_in_the_word_being_typed_shows_the_word_it_is_on_the_way_to(kb, typed, word, not_this):
    r = kb.search(typed, prefix=True)
    assert r.corrected == word and r.suggestion == word
    assert r.results and ids(r) == ids(kb.search(word, prefix=True))  # what typing the word itself shows
    if not_this:  # what the whole word the old correction reached for finds
        assert ids(r) != ids(kb.search(not_this))


def test_typing_potassium_shows_potassium_records_at_every_key(kb):
    # "potas" completes; "potasi" is a slip on the way; "potass" completes again: never "results for potato"
    potassium = ids(kb.search("potassium", prefix=True))
    for text in ("potas", "potasi", "potass", "potassi", "potassium"):
        r = kb.search(text, prefix=True)
        assert r.corrected in (None, "potassium"), text
        assert set(ids(r)) >= set(potassium), text


def test_the_word_shown_is_the_one_nearest_to_what_was_typed(kb):
    # twitch, twitches and twitching are one term; "twich" is one edit from "twitch" as a whole word
    assert kb.search("twich", prefix=True).corrected == "twitch"
    assert kb.search("twichin", prefix=True).corrected == "twitching"


def test_an_irregular_plural_being_typed_completes_to_its_singular(kb):
    # "calves" is indexed as "calf": no term starts with "calv", which is no slip (the old suggestion: "my call")
    calves = ids(kb.search("my calves", prefix=True))
    for text in ("my calv", "my calve"):
        r = kb.search(text, prefix=True)
        assert r.corrected is None and r.suggestion is None and ids(r) == calves, text


def test_words_that_differ_only_in_letters_not_typed_yet_do_not_make_the_correction_unsure(kb):
    # "pregna" (two letters swapped) starts pregnancy and pregnant: the more common one is shown, as completing
    # "pregna" would show it first; the old whole-word correction ran "pregnant", two edits from "pregan"
    r = kb.search("pregan", prefix=True)
    assert r.corrected == "pregnancy" and ids(r) == ids(kb.search("pregnancy", prefix=True))


def test_a_slip_read_two_ways_as_often_is_offered_not_run(kb):
    # "sodu" is "sod..." (sodium) or "sou..." (source), both as common: a guess, so the typed word runs
    r = kb.search("sodu", prefix=True)
    assert r.corrected is None and r.suggestion in ("sodium", "source") and not r.results


def test_the_slip_fix_goes_with_the_other_words(kb):
    r = kb.search("low potasi", prefix=True)
    assert r.corrected == "low potassium" and r.results


def test_a_finished_word_is_still_corrected_as_a_whole_word(kb):
    # a space after it, or Enter: the word is done, and "potasi" as a whole is nearer "potato"
    for r in (kb.search("magnesuim cramps"), kb.search("magnesuim cramps", prefix=True)):
        assert r.corrected == "magnesium cramps" and r.results
    assert kb.search("dehidr cramps", prefix=True).corrected == "decide cramps"


def test_real_words_being_typed_are_never_corrected(kb):
    # "hurt" is in no record, but it is an English word: no key of the query changes it ("heart" is one edit away)
    query = "my calves hurt"
    for text in (query[:i] for i in range(1, len(query) + 1)):
        r = kb.search(text, prefix=True)
        assert "heart" not in (r.corrected or "") and "heart" not in (r.suggestion or ""), text


def test_a_word_being_typed_without_a_near_start_of_any_word_is_left_alone(kb):
    r = kb.search("zqxwv", prefix=True)
    assert r.corrected is None and r.suggestion is None and not r.results


# --- the measures -----------------------------------------------------------------------------------------------
def test_prefix_distance_is_the_distance_to_the_nearest_start_of_the_word():
    assert prefix_distance("potasi", "potassium") == 1
    assert prefix_distance("potasi", "potato") == 2
    assert prefix_distance("potas", "potassium") == 0
    assert prefix_distance("tingel", "tingling") == 1  # "tingle": two letters swapped
    assert prefix_distance("xylop", "potassium") == 3  # over the limit: limit + 1
    words = ["", "a", "ab", "ba", "abc", "acb", "bac", "abca", "cabab"]
    for typed, word in itertools.product(words[1:], words):
        nearest = min(distance(typed, word[:j]) for j in range(len(word) + 1))
        assert prefix_distance(typed, word, limit=9) == nearest, (typed, word)


def test_slips_are_every_word_one_edit_away_that_keeps_the_first_letter():
    letters = "abcdefghijklmnopqrstuvwxyz"
    typed = "cat"
    one_edit = {w for n in (2, 3, 4) for w in ("c" + "".join(rest) for rest in itertools.product(letters, repeat=n - 1))
                if distance(typed, w) == 1}
    assert slips(typed) == one_edit
