"""Care levels and emergency callouts: validation, what the engine returns, and what ``kb search`` prints.

The corpus is the shared fixture plus an emergency FAQ, an article whose sections carry care levels through
``sections:``, and red-flag groups (``tests/care_corpus.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from care_corpus import CARE_FILES, CLOT_CALLOUT, CLOT_FAQ, WARNING_ARTICLE, WEAKNESS_CALLOUT
from conftest import write_corpus

from kb.cli.main import main
from kb.corpus.care import care_problems, names_emergency_number, tells_to_call
from kb.corpus.loader import load_corpus
from kb.engine import KnowledgeBase
from kb.model.records import Faq, Section

CLOT_ID = "faq/is-calf-pain-with-breathlessness-an-emergency"
STROKE_ID = "article/warning-signs#call-999-or-911-now"


@pytest.fixture(scope="module")
def care_kb(tmp_path_factory: pytest.TempPathFactory):
    root = write_corpus(tmp_path_factory.mktemp("care") / "kb", CARE_FILES)
    engine = KnowledgeBase(root)
    engine.update()
    yield engine
    engine.close()


def problems_of(tmp_path: Path, changes: dict[str, str]) -> list[str]:
    corpus = load_corpus(write_corpus(tmp_path / "kb", {**CARE_FILES, **changes}))
    return [str(p) for p in corpus.problems]


def edit(rel: str, old: str, new: str) -> dict[str, str]:
    assert CARE_FILES[rel].count(old) == 1, old
    return {rel: CARE_FILES[rel].replace(old, new)}


# --- the rules ------------------------------------------------------------------------------------------------
def test_the_emergency_number_is_found_as_a_number_only() -> None:
    assert names_emergency_number("Call 999 in the UK or 911 in the US.")
    assert names_emergency_number("call 911.")
    assert not names_emergency_number("19110 people, 1,999 mg, 999.5 units, x911")
    assert tells_to_call("Call 999 in the UK, 911 in the US, or your local emergency number")
    assert tells_to_call("dial 911 now") and tells_to_call("ring an ambulance on 999.")
    assert not tells_to_call("Heading 911") and not tells_to_call("Phone your GP. 999 is for emergencies")


def test_the_fixture_corpus_with_care_levels_validates() -> None:
    assert care_problems("emergency", CLOT_CALLOUT, "Call 999 now", "care", 1, 2, 3) == []


def test_care_and_callout_are_read_from_faqs_and_section_mappings(tmp_path: Path) -> None:
    corpus = load_corpus(write_corpus(tmp_path / "kb", CARE_FILES))
    assert corpus.problems == []
    by_id = {r.id: r for r in corpus.records}
    clot = by_id[CLOT_ID]
    assert isinstance(clot, Faq) and (clot.care, clot.callout) == ("emergency", CLOT_CALLOUT)
    stroke = by_id[STROKE_ID]
    assert isinstance(stroke, Section) and (stroke.care, stroke.callout) == ("emergency", WEAKNESS_CALLOUT)
    gp = by_id["article/warning-signs#see-a-gp-soon"]
    assert (gp.care, gp.callout, gp.section_nutrients) == ("routine", "", ("magnesium",))
    assert "magnesium" in gp.nutrients  # its own nutrients link it although its text never names magnesium
    assert by_id["article/warning-signs#cramps-you-can-treat-at-home"].care == "self-care"
    assert by_id["faq/do-bananas-help-cramps"].care is None


def test_an_emergency_record_must_name_the_number_and_have_a_callout(tmp_path: Path) -> None:
    no_number = edit(CLOT_FAQ, "Call 999 in the UK or 911 in the US (or your local emergency number) now.",
                     "Get help now.")
    assert problems_of(tmp_path / "a", no_number) == [
        f"{CLOT_FAQ}:5: care is emergency but the text never names the emergency number "
        "(write \"call 999 in the UK or 911 in the US\")"]
    no_callout = edit(CLOT_FAQ, f'callout: "{CLOT_CALLOUT}"\n', "")
    assert problems_of(tmp_path / "b", no_callout) == [
        f"{CLOT_FAQ}:5: care is emergency: add a callout such as \"Call 999 / 911 if ...\" "
        "(one sentence, at most 160 characters)"]
    long = edit(CLOT_FAQ, CLOT_CALLOUT, "Call 999 / 911 " + "now " * 40)  # 175 characters, stripped
    assert problems_of(tmp_path / "c", long) == [f"{CLOT_FAQ}:6: callout is 174 characters long (at most 160: "
                                                 "one short sentence)"]
    vague = edit(CLOT_FAQ, CLOT_CALLOUT, "Get help fast if calf pain comes with breathlessness.")
    assert problems_of(tmp_path / "d", vague) == [
        f"{CLOT_FAQ}:6: callout must name the emergency number (start it with \"Call 999 / 911\")"]


def test_a_record_telling_people_to_call_999_needs_a_care_level_but_not_emergency(tmp_path: Path) -> None:
    # a routine record may keep its red-flag line "call 999 if ...": its level is that of its main advice
    urgent = edit(CLOT_FAQ, f'care: emergency\ncallout: "{CLOT_CALLOUT}"\n', "care: urgent\n")
    assert problems_of(tmp_path / "a", urgent) == []
    with_callout = edit(CLOT_FAQ, "care: emergency\n", "care: routine\n")
    assert problems_of(tmp_path / "b", with_callout) == [
        f"{CLOT_FAQ}:6: callout is only for care: emergency (other levels show no callout)"]
    no_level = edit(CLOT_FAQ, f'care: emergency\ncallout: "{CLOT_CALLOUT}"\n', "")
    assert problems_of(tmp_path / "c", no_level) == [
        f"{CLOT_FAQ}:2: the text tells the reader to call 999/911 but has no care: give it the level of its "
        "main advice (emergency, urgent, routine, self-care)"]
    section = edit(WARNING_ARTICLE, "    care: emergency\n", "")
    assert problems_of(tmp_path / "d", section) == [
        f"{WARNING_ARTICLE}:12: sections.call-999-or-911-now.callout is only for "
        "sections.call-999-or-911-now.care: emergency (other levels show no callout)",
        f"{WARNING_ARTICLE}:20: the text tells the reader to call 999/911 but has no "
        "sections.call-999-or-911-now.care: give it the level of its main advice (emergency, urgent, routine, "
        "self-care)"]
    bad_level = edit(CLOT_FAQ, f'care: emergency\ncallout: "{CLOT_CALLOUT}"\n', "care: asap\n")
    assert problems_of(tmp_path / "e", bad_level) == [  # one problem, not a second "has no care" as well
        f"{CLOT_FAQ}:5: care must be one of emergency, urgent, routine, self-care, not 'asap'"]


def test_an_unknown_care_level_and_an_unknown_heading_slug_are_reported_at_their_lines(tmp_path: Path) -> None:
    bad = edit(WARNING_ARTICLE, "    care: routine\n", "    care: soon\n")
    bad[WARNING_ARTICLE] = bad[WARNING_ARTICLE].replace("  cramps-you-can-treat-at-home:",
                                                        "  cramps-at-home:")
    assert problems_of(tmp_path, bad) == [
        f"{WARNING_ARTICLE}:15: sections.see-a-gp-soon.care must be one of emergency, urgent, routine, "
        "self-care, not 'soon'",
        f"{WARNING_ARTICLE}:17: sections: no heading of this article has the slug 'cramps-at-home' (its heading "
        "slugs: call-999-or-911-now, cramps-you-can-treat-at-home, see-a-gp-soon)",
    ]


def test_section_nutrients_must_be_known_slugs_and_sections_a_mapping(tmp_path: Path) -> None:
    bad = edit(WARNING_ARTICLE, "nutrients: [magnesium]", "nutrients: [magnesium, zinc]")
    assert problems_of(tmp_path / "a", bad) == [
        f"{WARNING_ARTICLE}:16: unknown nutrient 'zinc' (no corpus/nutrients/zinc.yaml)"]
    bad = edit(WARNING_ARTICLE, "    care: self-care\n", "    care: self-care\n    colour: red\n")
    assert problems_of(tmp_path / "b", bad) == [
        f"{WARNING_ARTICLE}:19: unknown field 'sections.cramps-you-can-treat-at-home.colour'"]


# --- the engine -----------------------------------------------------------------------------------------------
def test_each_hit_carries_its_care_level(care_kb: KnowledgeBase) -> None:
    hits = {h.id: h for h in care_kb.search("cramps calf breathlessness weakness GP", limit=20).results}
    assert hits[CLOT_ID].care == "emergency"
    assert hits["article/warning-signs#see-a-gp-soon"].care == "routine"
    assert hits["article/night-cramps#what-a-night-cramp-is"].care is None
    assert care_kb.get(STROKE_ID).care == "emergency"  # and with the stored record
    assert care_kb.get(STROKE_ID).callout == WEAKNESS_CALLOUT


def test_a_red_flag_query_carries_the_callout_of_the_best_emergency_record(care_kb: KnowledgeBase) -> None:
    r = care_kb.search("chest tightness")
    assert r.emergency is not None
    assert (r.emergency.text, r.emergency.record_id) == (CLOT_CALLOUT, CLOT_ID)
    assert r.emergency.red_flag == "chest tightness"


def test_an_emergency_record_on_top_carries_its_callout(care_kb: KnowledgeBase) -> None:
    r = care_kb.search("sudden numbness of the face arm or leg")
    assert r.results[0].id == STROKE_ID
    assert r.emergency is not None and r.emergency.record_id == STROKE_ID
    assert (r.emergency.text, r.emergency.reason) == (WEAKNESS_CALLOUT, "top result")


def test_the_callout_is_found_among_emergency_records_when_none_is_in_the_results(care_kb: KnowledgeBase) -> None:
    r = care_kb.search("face drooping", kind="nutrient")
    assert all(h.kind == "nutrient" for h in r.results)
    assert r.emergency is not None and r.emergency.record_id == STROKE_ID
    assert r.emergency.reason == "red flag"


@pytest.mark.parametrize("query", ["cramps at night", "stretching the calf", "bananas", "twitching", "spinach"])
def test_an_ordinary_query_shows_no_callout(care_kb: KnowledgeBase, query: str) -> None:
    r = care_kb.search(query)
    assert r.results and r.emergency is None


def test_red_flags_also_act_as_synonyms(care_kb: KnowledgeBase) -> None:
    # "breathless" is only in the red-flag group with "sudden breathlessness"
    assert care_kb.search("breathless").results[0].id == CLOT_ID


def test_the_plain_fixture_without_red_flags_never_shows_a_callout(kb: KnowledgeBase) -> None:
    assert kb.search("chest pain").emergency is None


# --- kb search ------------------------------------------------------------------------------------------------
def test_kb_search_prints_the_callout_first(care_kb: KnowledgeBase, capsys) -> None:
    assert main(["--root", str(care_kb.root), "search", "chest", "pain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"EMERGENCY: {CLOT_CALLOUT}"
    assert CLOT_ID in lines[1]
    assert any("(emergency)" in line for line in lines[3:])  # the hit shows its level too


def test_kb_search_json_carries_the_callout_and_each_care(care_kb: KnowledgeBase, capsys) -> None:
    assert main(["--root", str(care_kb.root), "search", "chest", "pain", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data)[:6] == ["query", "corrected", "suggestion", "total", "facets", "emergency"]
    assert data["emergency"]["text"] == CLOT_CALLOUT and data["emergency"]["id"] == CLOT_ID
    assert {h["id"]: h["care"] for h in data["results"]}[CLOT_ID] == "emergency"


def test_kb_search_prints_no_callout_for_an_ordinary_query(care_kb: KnowledgeBase, capsys) -> None:
    assert main(["--root", str(care_kb.root), "search", "cramps", "at", "night"]) == 0
    out = capsys.readouterr().out
    assert "EMERGENCY" not in out and not out.startswith("Call")
    assert main(["--root", str(care_kb.root), "search", "cramps", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["emergency"] is None


def test_kb_show_prints_the_care_level(care_kb: KnowledgeBase, capsys) -> None:
    assert main(["--root", str(care_kb.root), "show", "article/warning-signs#see-a-gp-soon"]) == 0
    assert "Care: routine" in capsys.readouterr().out


# --- the shipped corpus: a record's level is that of its main advice -------------------------------------------
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory):
    engine = KnowledgeBase(REPO, index_dir=tmp_path_factory.mktemp("care-shipped-index"))
    engine.update()
    yield engine
    engine.close()


@pytest.mark.parametrize("query", ["cramps at night", "eyelid twitching", "potassium 5.5 blood test",
                                   "is a magnesium level of 0.6 low", "sodium 130", "calf pain when walking",
                                   "tingling after thyroid surgery", "lips tingle when I breathe fast"])
def test_shipped_ordinary_and_lab_value_queries_show_no_callout(shipped: KnowledgeBase, query: str) -> None:
    r = shipped.search(query)
    assert r.results and r.emergency is None, (query, r.results[0].id, r.emergency)


@pytest.mark.parametrize("query", [
    "swollen calf with chest pain", "calf pain and sudden breathlessness", "severe muscle pain and dark urine",
    "sudden weakness on one side", "saddle numbness with bladder problems", "cold pale leg", "tetanus",
    "stiff jaw after a cut", "throat spasm with low calcium", "seizure with low calcium", "heatstroke"])
def test_shipped_emergencies_the_review_lists_show_a_callout(shipped: KnowledgeBase, query: str) -> None:
    r = shipped.search(query)
    assert r.emergency is not None and ("999" in r.emergency.text or "911" in r.emergency.text), query
    assert shipped.get(r.emergency.record_id).care == "emergency"


def test_shipped_lab_value_faqs_keep_their_red_flag_line_at_their_own_level(shipped: KnowledgeBase) -> None:
    for rid in ("faq/what-does-high-potassium-mean", "faq/is-a-sodium-level-of-130-dangerous",
                "faq/what-does-a-potassium-of-3-2-mean"):
        record = shipped.get(rid)
        assert record.care in ("routine", "urgent") and not record.callout, rid
        assert tells_to_call(record.answer), rid  # "call 999 ... if ..." stays in the text
