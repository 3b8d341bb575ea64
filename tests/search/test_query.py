"""kb.search.plan: parsing what people type (never raising), and the search plan made from it: units with
their weighted alternatives, exact phrases, filters and exclusions; the share of units a record matches is the
ranker's coverage (kb.search.ranking.Ranker.score), checked here on a small index."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FILES, REF, write_corpus
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from kb.corpus.synonyms import Synonyms
from kb.engine import KnowledgeBase
from kb.index.schema import TEXT_FIELDS
from kb.search.plan import (
    MAX_WORDS,
    PHRASE_FIELDS,
    PREFIX_WEIGHT,
    SYNONYM_WEIGHT,
    Phrase,
    last_word_typing,
    make_plan,
    parse,
    stems,
    valid_kind,
)

SYN = Synonyms((
    ("cramp", "cramps", "spasm", "spasms", "charley horse"),
    ("night", "nighttime", "at night"),
    ("low potassium", "hypokalemia"),
))


# --- parse --------------------------------------------------------------------------------------------------
def test_plain_words_keep_their_order():
    assert parse("cramps at night").words == ["cramps", "at", "night"]


def test_full_syntax():
    pq = parse('"leg cramps" -pregnancy kind:section nutrient:Magnesium tag:sleep calf')
    assert pq.phrases == ["leg cramps"]
    assert pq.excluded == ["pregnancy"]
    assert pq.filters == {"kind": ["section"], "nutrients": ["magnesium"], "tags": ["sleep"]}
    assert pq.words == ["calf"]


def test_excluded_phrase():
    pq = parse('cramps -"charley horse"')
    assert pq.words == ["cramps"]
    assert pq.excluded == ["charley horse"]
    assert pq.phrases == []


@pytest.mark.parametrize("typed, kind", [("faq", "faq"), ("faqs", "faq"), ("article", "section"),
                                         ("sections", "section"), ("NUTRIENT", "nutrient")])
def test_kind_aliases(typed, kind):
    assert parse(f"kind:{typed} x").filters == {"kind": [kind]}


def test_unbalanced_quote_is_just_a_character():
    pq = parse('cramps "at night')
    assert pq.phrases == []
    assert pq.words == ["cramps", "at", "night"]


def test_unknown_field_keeps_its_words():
    pq = parse("foo:bar cramps")
    assert pq.filters == {}
    assert pq.words == ["foo", "bar", "cramps"]


def test_unknown_kind_value_is_not_a_filter_nor_words():
    # kind:bogus names no kind: kept aside for the engine to report, never searched as the words "kind bogus"
    pq = parse("kind:bogus cramps")
    assert pq.filters == {}
    assert pq.words == ["cramps"]
    assert pq.unknown_kinds == ["bogus"]


@pytest.mark.parametrize("text", ["kind:", "nutrient:", ":", "::", "-", "--", "*", '"', '""', '-""', "- -"])
def test_stray_operators_make_no_filters_or_exclusions(text):
    pq = parse(text)
    assert pq.filters == {}
    assert pq.excluded == []
    assert pq.phrases == []


def test_words_are_capped():
    pq = parse(" ".join(f"w{i}" for i in range(500)))
    assert len(pq.words) == MAX_WORDS


def test_control_characters_are_spaces():
    assert parse("cramps\x00night\x1b[31m").words[:2] == ["cramps", "night"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list('ab -:"*~^()\\\'\t\n\x00é') + ["kind:", "nutrient:", "cramp", "faq"]),
                max_size=30).map("".join))
def test_parse_and_plan_never_raise(text):
    pq = parse(text)
    assert pq.text == text
    make_plan(pq, SYN)
    make_plan(pq, SYN, ["cramp", "crampi"], last_is_prefix=True, kind="faq", nutrient="Magnesium", care="emergency")


# --- analysis -----------------------------------------------------------------------------------------------
def test_stems_drop_stop_words_and_fold():
    assert stems("at the my") == []
    assert stems("Cramps") == stems("cramping") == stems("cramp")
    assert stems("Ménière") == stems("meniere")


# --- plan ---------------------------------------------------------------------------------------------------
def alternatives(plan) -> dict[tuple[str, ...], list[float]]:
    """Each alternative's words (sorted) -> its weights, over every unit."""
    out: dict[tuple[str, ...], list[float]] = {}
    for unit, wts in zip(plan.units, plan.weights, strict=True):
        for alt, w in zip(unit, wts, strict=True):
            out.setdefault(tuple(sorted(alt)), []).append(w)
    return out


def test_synonyms_weigh_less_than_typed_words():
    plan = make_plan(parse("cramp"), SYN)
    weights = alternatives(plan)
    assert weights[("cramp",)] == [1.0]
    assert weights[("spasm",)] == [SYNONYM_WEIGHT]
    assert weights[("charlei", "hors")] == [SYNONYM_WEIGHT]
    assert {"cramp", "spasm", "charlei", "hors"} <= plan.terms


def test_synonym_alternative_counted_once():
    # "spasm" and "spasms" analyse to one stem: it must not be added (and weighted) twice,
    # or a synonym would outweigh the typed word
    plan = make_plan(parse("cramp"), SYN)
    assert len(plan.units) == 1
    assert plan.units[0].count(frozenset(["spasm"])) == 1


def test_a_unit_holds_each_alternative_once():
    # "rock hard" and "hard as a rock" analyse to the same words; "calf cramp" brings the cramp group, which
    # "cramp" brought already; "spasm" is a synonym and a completion of "spa" at once
    syn = Synonyms((("cramp", "spasm", "rock hard", "hard as a rock", "calf cramp"), ("calf", "lower leg")))
    for plan in (make_plan(parse("calf cramp"), syn), make_plan(parse("rock hard calf"), syn),
                 make_plan(parse("spa"), syn, ["spasm", "spasmod"], last_is_prefix=True)):
        for unit in plan.units:
            assert len(unit) == len(set(unit)), unit
    plan = make_plan(parse("calf cramp"), syn)
    assert frozenset(["rock", "hard"]) in plan.units[1] and frozenset(["spasm"]) in plan.units[0]  # still there


def test_multi_word_synonym():
    plan = make_plan(parse("low potassium"), SYN)
    assert "hypokalemia" in plan.terms
    assert all(frozenset(["hypokalemia"]) in unit for unit in plan.units)  # it stands for each of the two words
    # and the other way round
    assert {"low", "potassium"} <= make_plan(parse("hypokalemia"), SYN).terms


def test_stop_words_plan_nothing():
    plan = make_plan(parse("at the my"), SYN)
    assert plan.units == [] and not plan.searches_text and plan.empty


def test_conversational_filler_is_dropped_from_a_query_with_other_words():
    # "keep", "always", "really", "im" say nothing about the need: a record lacking them loses no coverage
    plan = make_plan(parse("im always tired and my legs really keep aching"), SYN)
    assert [sorted(unit[0]) for unit in plan.units] == [["tire"], ["leg"], ["ach"]]
    # ... but a query of filler alone still searches its words, and a word being typed is never dropped
    assert len(make_plan(parse("keep"), SYN).units) == 1
    assert len(make_plan(parse("cramps all"), SYN, ["all", "allergi"], last_is_prefix=True).units) == 2


def test_filler_inside_a_synonym_phrase_typed_in_full_is_kept():
    # "little" and "now" are filler alone, but "little boy" and "right now" are synonym phrases
    syn = Synonyms((("child", "children", "little boy"), ("fast", "right now")))
    built = make_plan(parse("my little boy has leg pain"), syn)
    assert frozenset(["child"]) in built.units[0]
    assert [sorted(unit[0]) for unit in built.units][:2] == [["littl"], ["boi"]]
    built = make_plan(parse("stop a cramp right now"), syn)
    assert any(frozenset(["fast"]) in unit for unit in built.units)
    assert not any(frozenset(["child"]) in unit for unit in make_plan(parse("a little pain"), syn).units)


def test_filters_and_exclusions():
    plan = make_plan(parse('cramps -magnesium -"leg cramps" -"at night" kind:faq nutrient:potassium'), SYN)
    # a word is excluded wherever it is; a phrase where it is exact, in a title or a body; stop words drop out
    assert plan.exclusions == [Phrase(("magnesium",), TEXT_FIELDS), Phrase(("leg", "cramp")),
                               Phrase(("night",), TEXT_FIELDS)]
    assert "magnesium" not in plan.terms
    assert plan.filters == {"kind": ["faq"], "nutrients": ["potassium"]}
    assert not plan.empty and plan.searches_text


def test_filters_asked_for_apart_join_those_typed():
    plan = make_plan(parse("cramps kind:section"), SYN, kind="faq", nutrient="Magnesium", care="emergency")
    assert plan.allowed() == {"kind": ["section", "faq"], "care": ["emergency"], "nutrients": ["magnesium"]}
    assert plan.allowed(with_kind=False) == {"kind": ["section"], "care": ["emergency"], "nutrients": ["magnesium"]}
    only = make_plan(parse(""), SYN, kind="faq")  # nothing typed: a kind alone lists its records
    assert not only.searches_text and not only.empty


def test_phrases_translate_to_whoosh_only_for_whoosh():
    assert Phrase(("leg", "cramp")).whoosh() == wq.Or([wq.Phrase(f, ["leg", "cramp"]) for f in PHRASE_FIELDS])
    assert Phrase(("cramp",), TEXT_FIELDS).whoosh() == wq.Or([wq.Term(f, "cramp") for f in TEXT_FIELDS])


def test_units_one_per_typed_word_and_phrase():
    plan = make_plan(parse('cramps at night "charley horse"'), SYN)
    assert len(plan.units) == 3  # cramps, night, the phrase; "at" is a stop word
    assert plan.phrases == {2: Phrase(("charlei", "hors"))}  # the quoted phrase counts only where it is exact


def test_prefix_terms_satisfy_the_last_word():
    plan = make_plan(parse("cramps magn"), SYN, ["magnesium", "magnet"], last_is_prefix=True)
    assert {"magnesium", "magnet"} <= plan.terms and plan.prefixes == ("magnesium", "magnet")
    assert alternatives(plan)[("magnesium",)] == [PREFIX_WEIGHT]


@pytest.mark.parametrize("text, prefix, typing", [("cramps magn", True, True), ("cramps magn ", True, False),
                                                  ('cramps "leg cramp"', True, False), ("cramps magn", False, False),
                                                  ("", True, False)])
def test_last_word_typing(text, prefix, typing):
    assert last_word_typing(parse(text), prefix) is typing


# --- coverage: the ranker's share of units matched ---------------------------------------------------------------
@pytest.fixture(scope="module")
def ranked(tmp_path_factory):
    """A ranker over FAQs holding some of the words "cramps calf night" (or their synonyms)."""
    def faq(question: str) -> str:
        return f"question: {question}\nanswer: Read on.\nreviewed: 2026-11-20\n" + REF

    files = {k: v for k, v in FILES.items() if not k.startswith(("corpus/faq/", "corpus/articles/"))}
    questions = {"all": "Cramp in the calf at night", "syn": "Spasm nighttime", "one": "Cramp", "none": "Zinc",
                 "hypo": "Hypokalemia", "magnet": "Cramp magnet"}
    files.update({f"corpus/faq/{slug}.yaml": faq(q) for slug, q in questions.items()})
    engine = KnowledgeBase(write_corpus(tmp_path_factory.mktemp("cov") / "kb", files))
    engine.update(full=True)
    s = engine._current()
    yield s.ranker, lambda slug: s.searcher.document_number(id=f"faq/{slug}")
    engine.close()


def coverage(ranked, plan, slug: str) -> float:
    """The share of ``plan``'s units the ranker credits FAQ ``slug`` with: its score over the sum of the units'
    scores on their own (one unit has no coverage factor)."""
    ranker, docnum = ranked
    d = docnum(slug)
    whole = float(ranker.score(plan.units, plan.weights, {})[d])
    apart = sum(float(ranker.score([u], [w], {})[d]) for u, w in zip(plan.units, plan.weights, strict=True))
    return whole / apart if apart else 0.0


def test_coverage_counts_words_matched(ranked):
    plan = make_plan(parse("cramps calf night"), SYN)
    # each typed word counts by its idf (a common word missing from a long query costs little), so the shares
    # are ordered by how many words a record matches rather than equal to a count
    assert coverage(ranked, plan, "all") == pytest.approx(1.0)
    assert 1 / 3 < coverage(ranked, plan, "syn") < 1.0  # synonyms satisfy their word
    assert 0.0 < coverage(ranked, plan, "one") < coverage(ranked, plan, "syn")
    assert coverage(ranked, plan, "none") == 0.0
    ranker, docnum = ranked
    one = make_plan(parse("zinc"), SYN)  # a single unit: its score as it is
    assert ranker.score(one.units, one.weights, {})[docnum("none")] > 0


def test_a_filler_word_dropped_costs_no_coverage(ranked):
    plan = make_plan(parse("im always cramps calf night"), SYN)
    assert coverage(ranked, plan, "all") == pytest.approx(1.0)


def test_multi_word_synonym_covers_each_of_its_words(ranked):
    assert coverage(ranked, make_plan(parse("low potassium"), SYN), "hypo") == pytest.approx(1.0)


def test_prefix_terms_cover_the_word_being_typed(ranked):
    plan = make_plan(parse("cramp magn"), SYN, ["magnet"], last_is_prefix=True)
    assert coverage(ranked, plan, "magnet") == pytest.approx(1.0)
    assert 0.0 < coverage(ranked, plan, "one") < 1.0


def test_a_phrase_unit_counts_only_where_exact(ranked):
    ranker, docnum = ranked
    plan = make_plan(parse('"calf at night"'), SYN)
    exact = np.zeros(ranker.size, dtype=bool)
    exact[docnum("all")] = True
    scores = ranker.score(plan.units, plan.weights, {i: exact for i in plan.phrases})
    assert scores[docnum("all")] > 0 and np.count_nonzero(scores) == 1


def test_valid_kind():
    assert valid_kind(None) is None
    assert valid_kind("FAQs") == "faq"
    with pytest.raises(ValueError, match="unknown kind"):
        valid_kind("bogus")
