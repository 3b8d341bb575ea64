"""kb.search.query: parsing what people type (never raising), and the Whoosh query built from it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from kb.corpus.synonyms import Synonyms
from kb.search.query import MAX_WORDS, SYNONYM_WEIGHT, build, coverage, parse, stems, valid_kind

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
def test_parse_and_build_never_raise(text):
    pq = parse(text)
    build(pq, SYN)
    build(pq, SYN, ["cramp", "crampi"], last_is_prefix=True)


# --- analysis -----------------------------------------------------------------------------------------------
def test_stems_drop_stop_words_and_fold():
    assert stems("at the my") == []
    assert stems("Cramps") == stems("cramping") == stems("cramp")
    assert stems("Ménière") == stems("meniere")


# --- build --------------------------------------------------------------------------------------------------
def _boosts(q: wq.Query, out: dict[tuple[str, ...], list[float]], outer: float = 1.0) -> None:
    """Effective boost of every Term/Phrase leaf, by its words."""
    boost = outer * q.boost
    if isinstance(q, wq.Term):
        out.setdefault((q.text,), []).append(boost)
    elif isinstance(q, wq.Phrase):
        out.setdefault(tuple(q.words), []).append(boost)
    else:
        for sub in q.children():
            _boosts(sub, out, boost)


def test_synonyms_weigh_less_than_typed_words():
    built = build(parse("cramp"), SYN)
    boosts: dict[tuple[str, ...], list[float]] = {}
    _boosts(built.query, boosts)
    assert set(boosts[("cramp",)]) == {1.0}
    assert set(boosts[("spasm",)]) == {SYNONYM_WEIGHT}
    assert set(boosts[("charlei", "hors")]) == {SYNONYM_WEIGHT}
    assert {"cramp", "spasm", "charlei", "hors"} <= built.terms


def test_synonym_alternative_counted_once():
    # "spasm" and "spasms" analyse to one stem: it must not be added (and weighted) twice,
    # or a synonym would outweigh the typed word
    built = build(parse("cramp"), SYN)
    boosts: dict[tuple[str, ...], list[float]] = {}
    _boosts(built.query, boosts)
    fields_per_alternative = len(boosts[("cramp",)])
    assert len(boosts[("spasm",)]) == fields_per_alternative
    assert sum(boosts[("spasm",)]) < sum(boosts[("cramp",)])


def test_multi_word_synonym():
    built = build(parse("low potassium"), SYN)
    assert "hypokalemia" in built.terms
    # and the other way round
    assert {"low", "potassium"} <= build(parse("hypokalemia"), SYN).terms


def test_stop_words_build_nothing():
    built = build(parse("at the my"), SYN)
    assert built.query is None and built.units == []


def test_conversational_filler_is_dropped_from_a_query_with_other_words():
    # "keep", "always", "really", "im" say nothing about the need: a record lacking them loses no coverage
    built = build(parse("im always tired and my legs really keep aching"), SYN)
    assert [sorted(unit[0]) for unit in built.units] == [["tire"], ["leg"], ["ach"]]
    assert coverage(built.units, {"tire", "leg", "ach"}) == 1.0
    # ... but a query of filler alone still searches its words, and a word being typed is never dropped
    assert len(build(parse("keep"), SYN).units) == 1
    assert len(build(parse("cramps all"), SYN, ["all", "allergi"], last_is_prefix=True).units) == 2


def test_filler_inside_a_synonym_phrase_typed_in_full_is_kept():
    # "little" and "now" are filler alone, but "little boy" and "right now" are synonym phrases
    syn = Synonyms((("child", "children", "little boy"), ("fast", "right now")))
    built = build(parse("my little boy has leg pain"), syn)
    assert frozenset(["child"]) in built.units[0]
    assert [sorted(unit[0]) for unit in built.units][:2] == [["littl"], ["boi"]]
    built = build(parse("stop a cramp right now"), syn)
    assert any(frozenset(["fast"]) in unit for unit in built.units)
    assert not any(frozenset(["child"]) in unit for unit in build(parse("a little pain"), syn).units)


def test_filters_and_exclusions():
    built = build(parse("cramps -magnesium kind:faq nutrient:potassium"), SYN)
    assert built.exclude is not None
    assert "magnesium" not in built.terms
    assert set(built.filter.children()) == {wq.Or([wq.Term("kind", "faq")]),
                                            wq.Or([wq.Term("nutrients", "potassium")])}


def test_units_one_per_typed_word_and_phrase():
    built = build(parse('cramps at night "charley horse"'), SYN)
    assert len(built.units) == 3  # cramps, night, the phrase; "at" is a stop word


def test_prefix_terms_satisfy_the_last_word():
    built = build(parse("cramps magn"), SYN, ["magnesium"], last_is_prefix=True)
    assert "magnesium" in built.terms
    assert coverage(built.units, {"cramp", "magnesium"}) == 1.0


def test_coverage_counts_words_matched():
    units = build(parse("cramps calf night"), SYN).units
    assert coverage(units, {"cramp", "calf", "night"}) == 1.0
    assert coverage(units, {"spasm", "nighttim"}) == pytest.approx(2 / 3)  # synonyms satisfy their word
    assert coverage(units, {"cramp"}) == pytest.approx(1 / 3)
    assert coverage(units, set()) == 0.0
    assert coverage([], set()) == 1.0


def test_multi_word_synonym_covers_each_of_its_words():
    units = build(parse("low potassium"), SYN).units
    assert coverage(units, {"hypokalemia"}) == 1.0


def test_valid_kind():
    assert valid_kind(None) is None
    assert valid_kind("FAQs") == "faq"
    with pytest.raises(ValueError, match="unknown kind"):
        valid_kind("bogus")
