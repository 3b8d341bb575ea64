"""Searching the fixture corpus in-process: ranking, stop words, synonyms, typing mode, spelling, syntax,
malformed queries, result fields, snippets and facets."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import FILES, REF, write_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.engine import KnowledgeBase
from kb.index import indexer
from kb.index.documents import plain_of
from kb.search.plan import stems


def ids(response) -> list[str]:
    return [h.id for h in response.results]


def marked(hit) -> list[str]:
    return [hit.snippet.text[a:b] for a, b in hit.snippet.spans]


def faq(question: str, answer: str, extra: str = "") -> str:
    return f"question: {question}\nanswer: {answer}\n{extra}reviewed: 2026-11-20\n" + REF


def engine_on(root: Path, files: dict[str, str]) -> KnowledgeBase:
    return KnowledgeBase(write_corpus(root, files))


# --- ranking ------------------------------------------------------------------------------------------------
def test_plain_language_in_ranked_results_out(kb):
    r = kb.search("cramps at night")
    assert r.results and r.total >= len(r.results)
    assert r.results[0].id == "article/night-cramps#what-a-night-cramp-is"
    scores = [h.score for h in r.results]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_results_matching_more_query_words_rank_higher(tmp_path):
    files = {k: v for k, v in FILES.items() if not k.startswith("corpus/faq/")}
    # "one" repeats one query word in its title and answer; "two" holds all three words once each
    files["corpus/faq/one.yaml"] = faq("Cramps and cramping explained",
                                       '"Cramps, cramps, cramps - a cramp is a painful cramping muscle."')
    files["corpus/faq/two.yaml"] = faq(
        "Sore legs", "Some people wake with sore legs and a cramp in the early hours of the night, then "
        "struggle to fall asleep again because the calf muscle stays tender for a while.")
    kb = engine_on(tmp_path / "kb", files)
    for query in ("cramp calf night", "cramps night"):
        got = ids(kb.search(query))
        assert got.index("faq/two") < got.index("faq/one"), (query, got)


def test_stop_words_do_not_count(kb):
    plain = kb.search("cramps night")
    wordy = kb.search("the cramps at my night")
    assert ids(wordy) == ids(plain)
    # only a title holding the stop words too counts them (see test_title_holding_the_words_as_typed...)
    assert [h.score for h in wordy.results][1:] == pytest.approx([h.score for h in plain.results][1:])
    assert kb.search("at the my").results == ()


def test_limit_and_total(kb):
    everything = kb.search("cramps", limit=50)
    one = kb.search("cramps", limit=1)
    assert len(one.results) == 1 and one.total == everything.total > 1
    assert one.results[0].id == everything.results[0].id


# --- synonyms -----------------------------------------------------------------------------------------------
def test_synonyms_find_other_words_with_lower_weight(tmp_path):
    files = {k: v for k, v in FILES.items() if not k.startswith("corpus/faq/")}
    files["corpus/faq/typed.yaml"] = faq("Waking in the small hours?", "Night cramps wake some people up.")
    files["corpus/faq/synonym.yaml"] = faq("Waking in the small hours?", "Nighttime spasms wake some people up.")
    kb = engine_on(tmp_path / "kb", files)
    r = kb.search("cramps at night")
    by_id = {h.id: h for h in r.results}
    assert {"faq/typed", "faq/synonym"} <= set(by_id)
    assert by_id["faq/typed"].score > by_id["faq/synonym"].score
    assert marked(by_id["faq/synonym"]) == ["Nighttime", "spasms"]


def test_clinical_word_finds_lay_words(kb):
    r = kb.search("hypokalemia")
    bananas = next(h for h in r.results if h.id == "faq/do-bananas-help-cramps")
    assert "low" in marked(bananas)  # the synonym "low potassium" is what it matched in the text


def test_editing_synonyms_needs_no_reindex(kb, monkeypatch):
    assert kb.search("flicker").results == ()
    pointer = (kb.index_dir / "CURRENT").read_text()
    syn = kb.root / "corpus" / "synonyms.yaml"
    syn.write_text(FILES["corpus/synonyms.yaml"] + "  - [twitch, flicker]\n")
    st = syn.stat()
    os.utime(syn, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))

    def no_rebuild(*args, **kwargs):
        raise AssertionError("searching must not re-index for a synonyms edit")

    monkeypatch.setattr(indexer, "update", no_rebuild)
    monkeypatch.setattr(indexer, "full_build", no_rebuild)
    r = kb.search("flicker")
    assert "faq/why-does-my-eyelid-twitch" in ids(r)
    assert (kb.index_dir / "CURRENT").read_text() == pointer


def test_a_new_engine_sees_the_synonyms_as_they_are_now(kb):
    """Synonyms are parsed once per process per version of the file: a second engine on the same corpus gets
    them without parsing, and one opened after an edit gets the edit."""
    assert "faq/why-does-my-eyelid-twitch" not in ids(kb.search("flicker"))
    again = KnowledgeBase(kb.root, kb.index_dir)
    assert again.synonyms == kb.synonyms
    syn = kb.root / "corpus" / "synonyms.yaml"
    syn.write_text(FILES["corpus/synonyms.yaml"] + "  - [twitch, flicker]\n")
    st = syn.stat()
    os.utime(syn, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    edited = KnowledgeBase(kb.root, kb.index_dir)
    assert "faq/why-does-my-eyelid-twitch" in ids(edited.search("flicker"))
    assert "faq/why-does-my-eyelid-twitch" in ids(again.search("flicker"))


# --- typing mode ----------------------------------------------------------------------------------------------
def test_prefix_mode_completes_the_last_word(kb):
    r = kb.search("magn", prefix=True)
    assert r.results[0].id == "nutrient/magnesium"
    assert "magnesium" in r.prefixes
    assert r.suggestion is None  # an unfinished word is not a misspelling
    r = kb.search("cramps potass", prefix=True)
    assert "faq/do-bananas-help-cramps" == r.results[0].id


def test_a_word_typed_past_its_stem_keeps_finding_what_the_whole_word_finds(kb):
    """The index holds stems ("cramping" -> "cramp"), so no term starts with "crampi" or "crampin": typing
    through the word's ending must not lose its results, nor "correct" it to its own completion."""
    whole = kb.search("calf cramping", prefix=True)
    assert whole.total > 0
    for typed in ("calf crampi", "calf crampin"):
        r = kb.search(typed, prefix=True)
        assert "cramp" in r.prefixes, typed
        assert ids(r) == ids(whole) and r.total == whole.total, typed
        assert r.corrected is None and r.suggestion is None, typed


def test_prefix_is_off_by_default(kb):
    r = kb.search("potass")
    assert r.results == () and r.prefixes == ()
    assert ids(kb.search("potass", prefix=True))[0] == "nutrient/potassium"


def test_prefix_ignores_a_finished_word(kb):
    assert kb.search("cramps ", prefix=True).prefixes == ()


def test_one_letter_expands_to_its_most_frequent_completions(kb):
    from kb.search.vocabulary import ONE_LETTER_EXPANSIONS

    r = kb.search("m", prefix=True)
    assert 0 < len(r.prefixes) <= ONE_LETTER_EXPANSIONS and all(p.startswith("m") for p in r.prefixes)
    assert "muscl" in r.prefixes  # "muscle(s)" is in most records of the fixture corpus
    assert r.total and r.results


# --- spelling -------------------------------------------------------------------------------------------------
def test_suggestion_for_a_misspelt_word(kb):
    assert kb.suggest("magnesum") == "magnesium"
    assert kb.suggest("magnesium") is None


def test_no_results_runs_the_corrected_query(kb):
    r = kb.search("magnesum")
    assert r.query == "magnesum"
    assert r.corrected == "magnesium"
    assert r.results and r.results[0].id == "nutrient/magnesium"


def test_a_misspelt_word_is_corrected_even_when_the_others_find_results(kb):
    r = kb.search("magnesum cramps")  # "cramps" alone finds results, ranked without magnesium
    assert r.corrected == "magnesium cramps" and r.query == "magnesum cramps"
    top = r.results[0]
    assert top.id == "nutrient/magnesium" or "magnesium" in top.nutrients


def test_a_word_of_a_synonym_group_is_never_corrected(kb, monkeypatch):
    from kb.search import vocabulary as search_module

    with_group = search_module.synonym_words.__wrapped__  # the real set, plus "magnesum" as if in a group
    monkeypatch.setattr(search_module, "synonym_words", lambda syn: with_group(syn) | {"magnesum"})
    assert kb.suggest("magnesum") == "magnesium"  # a misspelling on its own...
    for query in ("magnesum cramps", "magnesum"):  # ...but a group's word stays as typed, results or not
        r = kb.search(query)
        assert r.corrected is None and r.suggestion is None, query


def test_correct_query_has_no_suggestion(kb):
    r = kb.search("magnesium cramps")
    assert r.corrected is None and r.suggestion is None


# --- syntax ---------------------------------------------------------------------------------------------------
def test_exact_phrase(kb):
    assert ids(kb.search('"charley horse"')) == ["article/night-cramps#what-a-night-cramp-is"]
    assert kb.search('"horse charley"').results == ()


def test_exclude_word_and_phrase(kb):
    assert {"article/night-cramps#low-magnesium", "nutrient/magnesium"} <= set(ids(kb.search("cramps")))
    r = kb.search("cramps -magnesium")
    assert r.results
    assert not {"article/night-cramps#low-magnesium", "nutrient/magnesium"} & set(ids(r))
    for h in r.results:
        assert "magnesium" not in f"{h.title} {plain_of(kb.get(h.id))}".lower()
    assert "article/night-cramps#what-a-night-cramp-is" not in ids(kb.search('cramps -"charley horse"'))


def test_exclusion_holds_whatever_the_document_order(tmp_path):
    # the excluded word's first document comes before the first match (file order = document order);
    # Whoosh's AndNot let such a match through
    files = {k: v for k, v in FILES.items() if not k.startswith(("corpus/faq/", "corpus/articles/"))}
    files["corpus/faq/a-night.yaml"] = faq("Sleeping badly?", "Waking at night is common.")
    files["corpus/faq/b-cramp-night.yaml"] = faq("Cramp at night?", "A cramp at night wakes you.")
    files["corpus/faq/c-cramp.yaml"] = faq("Cramp in the calf?", "A calf cramp eases with stretching.")
    kb = engine_on(tmp_path / "kb", files)
    r = kb.search("cramps -night")
    assert "faq/c-cramp" in ids(r)
    assert "faq/b-cramp-night" not in ids(r)
    assert r.total == len(r.results) and "faq" in r.facets["kind"] and r.facets["kind"]["faq"] == 1


def test_kind_filter_in_query_and_argument(kb):
    for r in (kb.search("kind:faq cramps"), kb.search("cramps", kind="faq")):
        assert r.results
        assert {h.kind for h in r.results} == {"faq"}
        assert r.total == r.facets["kind"]["faq"] == len(kb.search("cramps", kind="faq", limit=100).results)
    assert set(kb.search("kind:faq cramps").facets["kind"]) == {"faq"}  # typed, the filter narrows the counts too
    assert {h.kind for h in kb.search("kind:faq").results} == {"faq"}  # a filter alone lists its records


@pytest.mark.parametrize("query, prefix", [("cramps", False), ("cramps at nig", True), ("magnesum", False),
                                           ("magnesum cramps", True), ('"night cramp" -pregnancy', False),
                                           ("nutrient:magnesium", False), ("tag:sleep cramps", False)])
def test_one_search_gives_a_kinds_results_and_every_kinds_count(kb, query, prefix):
    # what a kind tab needs from one call: the kind's results, and the counts of every kind (as without the kind)
    every = kb.search(query, prefix=prefix, limit=100)
    assert every.total
    for kind in ("section", "faq", "nutrient"):
        r = kb.search(query, kind=kind, prefix=prefix, limit=100)
        assert r.facets == every.facets, (query, kind)
        assert (r.corrected, r.suggestion) == (every.corrected, every.suggestion)  # the same text ran
        assert [h.id for h in r.results] == [h.id for h in every.results if h.kind == kind], (query, kind)
        assert r.total == every.facets["kind"].get(kind, 0) == len(r.results)


def test_a_misspelling_is_corrected_for_a_kind_it_finds_nothing_of(kb):
    # "magnesium" is in no FAQ of the fixture corpus: the faq tab is empty, the correction and the counts of the
    # kinds it finds are shown
    r = kb.search("magnesum", kind="faq")
    assert r.results == () and r.total == 0
    assert r.corrected == "magnesium" and r.facets["kind"] and "faq" not in r.facets["kind"]


def test_nutrient_filter_in_query_and_argument(kb):
    for r in (kb.search("nutrient:magnesium"), kb.search("cramps", nutrient="magnesium")):
        assert r.results
        assert all("magnesium" in h.nutrients for h in r.results)
    assert kb.search("nutrient:potassium bananas").results[0].id == "faq/do-bananas-help-cramps"


def test_unknown_kind_argument_raises_value_error(kb):
    with pytest.raises(ValueError):
        kb.search("cramps", kind="bogus")


@pytest.mark.parametrize("query", ["kind:bogus cramps", "cramps nutrient:bogus", "tag:bogus"])
def test_unknown_filter_values_are_reported_never_searched_as_words(kb, query):
    from kb.model.errors import UnknownFilter

    with pytest.raises(UnknownFilter, match="unknown (kind|nutrient|tag) 'bogus'"):
        kb.search(query)


@pytest.mark.parametrize("query", [
    'cramps "at night', 'cramps"', '"cramps', "cramps -", "- cramps", "-- cramps", "cramps *", "cramps kind:",
    "cramps foo:bar", "cramps nutrient:", "(cramps", "cramps)", "cramps AND OR NOT",
    "cramps~2", "cramps^3", "title:cramps", '"" cramps', "cramps\x00\x1b[31m", "CRAMPS!!!", "cramps " * 400,
], ids=lambda q: repr(q)[:24])
def test_malformed_queries_still_give_the_best_results(kb, query):
    r = kb.search(query)
    assert "article/night-cramps#what-a-night-cramp-is" in ids(r)[:3]


@pytest.mark.parametrize("query", ['"', "-", "*", "kind:", ":", "::", '""', '-""', "", "   ", "a" * 10000,
                                   "nutrient:", "~", "\\", "'", "-" * 50, '"' * 7], ids=lambda q: repr(q)[:24])
def test_degenerate_queries_never_raise(kb, query):
    for prefix in (False, True):
        r = kb.search(query, prefix=prefix)
        assert r.total == len(r.results) or r.total > len(r.results)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from(['"', "-", ":", "*", " ", "kind:", "faq", "nutrient:", "magnesium",
                                      "cramp", "nigh", "~", "(", ")", "é", "\t", "b12"]), max_size=25).map("".join),
       prefix=st.booleans())
def test_fuzzed_queries_never_raise(kb, text, prefix):
    from kb.model.errors import UnknownFilter

    try:
        r = kb.search(text, prefix=prefix, limit=5)
    except UnknownFilter as exc:  # "kind:magnesium", "nutrient:cramp": reported, with the valid values
        assert re.search(r"unknown (kind|nutrient|tag) .*\((kinds|nutrients|tags): ", str(exc)), str(exc)
        return
    assert len(r.results) <= 5
    assert all(h.id for h in r.results)


# --- result fields, snippets, facets ----------------------------------------------------------------------------
def test_hit_carries_every_field(kb):
    r = kb.search("stretching bed")
    hit = r.results[0]
    assert hit.id == "article/night-cramps#stretching-before-bed"
    assert hit.kind == "section"
    assert hit.title == "Stretching before bed"
    assert hit.article == "Night-time leg cramps"
    assert hit.nutrients == ("magnesium",)
    assert hit.score > 0
    assert hit.path == "corpus/articles/night-cramps.md"
    lines = (kb.root / hit.path).read_text().splitlines()
    assert lines[hit.line - 1] == "## Stretching before bed"
    assert set(marked(hit)) == {"Stretching", "bed"}


def test_faq_and_nutrient_hits(kb):
    by_id = {h.id: h for h in kb.search("bananas", limit=20).results}
    faq_hit, nutrient_hit = by_id["faq/do-bananas-help-cramps"], by_id["nutrient/potassium"]
    assert (faq_hit.kind, faq_hit.title, faq_hit.article) == ("faq", "Do bananas help with cramps?", "")
    assert faq_hit.path == "corpus/faq/do-bananas-help-cramps.yaml" and faq_hit.line == 1
    assert (nutrient_hit.kind, nutrient_hit.title, nutrient_hit.nutrients) == ("nutrient", "Potassium",
                                                                            ("potassium",))


def test_snippet_spans_mark_the_matched_words(kb):
    r = kb.search("cramps twitches")
    hit = next(h for h in r.results if h.id == "article/night-cramps#low-magnesium")
    assert marked(hit) == ["cramps", "twitches"]
    for h in r.results:
        for word in marked(h):
            assert stems(word)[0] in r.terms


def test_snippets_option_limits_the_work(kb):
    r = kb.search("cramps", snippets=1)
    assert r.results[0].snippet.text
    assert all(h.snippet.text == "" for h in r.results[1:])


def test_facets_count_every_match_not_only_those_returned(kb):
    full = kb.search("cramps", limit=100)
    r = kb.search("cramps", limit=1)
    kinds: dict[str, int] = {}
    nutrients: dict[str, int] = {}
    for h in full.results:
        kinds[h.kind] = kinds.get(h.kind, 0) + 1
        for n in h.nutrients:
            nutrients[n] = nutrients.get(n, 0) + 1
    assert r.facets == {"kind": kinds, "nutrient": nutrients}
    assert sum(r.facets["kind"].values()) == r.total


def test_json_shape(kb):
    data = kb.search("cramps").to_json()
    assert set(data) == {"query", "corrected", "suggestion", "total", "facets", "emergency", "results"}
    assert set(data["results"][0]) == {"id", "kind", "title", "article", "article_slug", "nutrients", "score",
                                       "snippet", "path", "line", "reviewed", "care"}


# --- the obvious answer first --------------------------------------------------------------------------------
def test_a_title_holding_the_words_as_typed_ranks_first_stop_words_included(tmp_path):
    files = {k: v for k, v in FILES.items() if not k.startswith("corpus/faq/")}
    # "too" holds every content word ("much", "vitamin", "d") in a short title and says vitamin D often;
    # "how" is the question as typed
    files["corpus/faq/too.yaml"] = faq("Too much vitamin D", "Too much vitamin D from pills, as vitamin D builds up.")
    files["corpus/faq/how.yaml"] = faq("How much vitamin D should I take?", "Adults need 15 mcg a day.")
    kb = engine_on(tmp_path / "kb", files)
    assert ids(kb.search("how much vitamin d"))[:2] == ["faq/how", "faq/too"]
    assert ids(kb.search("too much vitamin d"))[0] == "faq/too"


def test_words_next_to_each_other_as_typed_outrank_scattered_ones(tmp_path):
    files = {k: v for k, v in FILES.items() if not k.startswith("corpus/faq/")}
    files["corpus/faq/apart.yaml"] = faq("Sore legs", "A horse kicked me; later a man called Charley helped.")
    files["corpus/faq/together.yaml"] = faq("Sore legs", "People call a sudden calf cramp a charley horse.")
    kb = engine_on(tmp_path / "kb", files)
    got = ids(kb.search("charley horse"))
    assert got.index("faq/together") < got.index("faq/apart"), got
    assert got.index("faq/together") < got.index("faq/apart"), ids(kb.search("charley horse", prefix=True))


def _with_fillers(files: dict[str, str], n: int = 110) -> dict[str, str]:
    """``files`` and ``n`` FAQs on other topics: feedback needs an index of more than a handful of records."""
    topics = ["sleep hygiene and screens", "reading food labels", "sunscreen and skin", "hearing and noise",
              "dental care at home", "posture at a desk", "allergy season", "travel vaccines", "eye strain"]
    out = dict(files)
    for i in range(n):
        topic = topics[i % len(topics)]
        out[f"corpus/faq/filler-{i:03d}.yaml"] = faq(f"Question {i} about {topic}?", f"Notes {i} on {topic}.")
    return out


def test_feedback_ranks_records_sharing_the_best_matchs_words_higher(tmp_path):
    files = {k: v for k, v in FILES.items() if not k.startswith("corpus/faq/")}
    files["corpus/faq/seized.yaml"] = faq("My leg seized up", "A sudden cramp; stretch the calf muscle gently.")
    # both hold only "leg"; "a-broken" sorts first, so without feedback the tie would put it first
    files["corpus/faq/a-broken.yaml"] = faq("A broken leg", "See a doctor about the fracture and the plaster.")
    files["corpus/faq/b-cramp.yaml"] = faq("A cramping leg", "Stretch the calf muscle and flex the foot gently.")
    # the best match's words, but none typed: feedback reorders what the words found, it adds nothing
    files["corpus/faq/runners.yaml"] = faq("Stretches for runners", "Stretch the calf muscle gently after a run.")
    kb = engine_on(tmp_path / "kb", _with_fillers(files))
    r = kb.search("my leg seized up", limit=50)
    got = ids(r)
    assert got[0] == "faq/seized"
    assert got.index("faq/b-cramp") < got.index("faq/a-broken"), got
    assert "faq/runners" not in got and r.total == len(got), got
    # typing mode (the hot path) gets no feedback: the two records holding only "leg" tie, first by id
    typing = ids(kb.search("my leg seized u", prefix=True, limit=50))
    assert typing.index("faq/a-broken") < typing.index("faq/b-cramp"), typing


def test_a_phrase_counts_only_where_it_is_exact(kb):
    r = kb.search('"night cramp"', limit=100)
    loose = kb.search("night cramp", limit=100)
    # the article title "Night-time leg cramps" holds both words in every section, not as the phrase
    assert ids(r) == ["article/night-cramps#what-a-night-cramp-is"]
    assert r.total == 1 < loose.total
    assert sum(r.facets["kind"].values()) == r.total
