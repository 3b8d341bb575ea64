"""Nutrient records v2: age bands, life-stage coverage, numbers, the tables' required parts, and v1 files refused.

Each test breaks the fixture's magnesium record one way and asserts the exact ``path:line: message`` lines.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import FILES

from kb.corpus.parsers import parse_nutrient
from kb.model.lifestages import Band, coverage_problems, parse_ages

MG = "corpus/nutrients/magnesium.yaml"
TEXT = FILES[MG]


def line_of(text: str, needle: str) -> int:
    assert text.count(needle) == 1, needle
    return text[:text.index(needle)].count("\n") + 1


def problems(text: str) -> list[str]:
    return sorted(str(p) for p in parse_nutrient(MG, text).problems)


def replaced(old: str, new: str, text: str = TEXT) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_the_fixture_record_is_valid() -> None:
    parsed = parse_nutrient(MG, TEXT)
    assert parsed.problems == [] and len(parsed.records) == 1


# --- ages -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "band"), [
    ("0-6 months", Band(0, 6)), ("7-12 months", Band(6, 12)), ("0-12 months", Band(0, 12)),
    ("1-3 years", Band(12, 48)), ("9-18 years", Band(108, 228)), ("19-30 years", Band(228, 372)),
    ("51+ years", Band(612, math.inf)), ("19+ years", Band(228, math.inf)), ("71 + years", Band(852, math.inf)),
    ("14\u201318 years", Band(168, 228)), ("1-1 years", Band(12, 24)),
])
def test_ages_that_parse(text: str, band: Band) -> None:
    assert parse_ages(text) == band


@pytest.mark.parametrize("text", ["adults", "19-30", "3-1 years", "0-18 months", "19 years", "51+ months", "",
                                  None, 19, "-5-3 years", "1-3 decades"])
def test_ages_that_do_not_parse(text: object) -> None:
    assert parse_ages(text) is None


def rows(*ages: str) -> list[tuple[str, Band, int]]:
    return [(a, parse_ages(a), i + 1) for i, a in enumerate(ages)]  # type: ignore[misc]


def test_rows_covering_birth_to_old_age_in_whole_or_finer_stages_are_fine() -> None:
    assert coverage_problems(rows("0-6 months", "7-12 months", "1-3 years", "4-8 years", "9-13 years",
                                  "14-18 years", "19-30 years", "31-50 years", "51-70 years", "71+ years"), "t") == []
    assert coverage_problems(rows("0-12 months", "1-13 years", "14-18 years", "19+ years"), "t") == []


def test_gaps_overlaps_cut_stages_and_a_missing_old_age_are_reported_at_their_rows() -> None:
    assert coverage_problems(rows("1-3 years", "4-8 years", "9+ years"), "t") == [
        (1, 't: the first row must start at birth ("0-6 months"), not at 1 year')]
    assert coverage_problems(rows("0-12 months", "1-3 years", "5-8 years", "9+ years"), "t") == [
        (3, "t: no row covers 4 years to 5 years (the row before '5-8 years' must end where it starts)")]
    assert coverage_problems(rows("0-12 months", "1-8 years", "8-18 years", "19+ years"), "t") == [
        (3, "t: '8-18 years' overlaps the row before it (rows go from the youngest to the oldest, each starting "
            "where the last ended)"),
        (3, "t: '8-18 years' cuts the life stage 4-8 years (a row holds whole stages, or lies inside one as 19-30 "
            "and 31-50 lie inside 19-50)")]
    assert coverage_problems(rows("0-12 months", "1+ years"), "t") == []
    assert coverage_problems(rows("0-12 months", "1-70 years"), "t") == [
        (2, 't: the last row must run to old age (e.g. "71+ years"), not stop at 71 years')]


def test_intake_rows_with_a_gap_are_reported_at_the_row_in_the_file() -> None:
    bad = replaced("{ages: 14-18 years,", "{ages: 15-18 years,")
    line = line_of(bad, "15-18 years")
    assert problems(bad) == [
        f"{MG}:{line}: intakes: no row covers 14 years to 15 years (the row before '15-18 years' must end where it "
        "starts)"]


def test_ages_that_do_not_parse_in_a_file_say_how_to_write_them() -> None:
    bad = replaced("{ages: 51+ years, male: 420", "{ages: seniors, male: 420")
    assert problems(bad) == [
        f"{MG}:{line_of(bad, 'seniors')}: intakes row 5: ages 'seniors' not understood (write ages as "
        '"0-6 months", "7-12 months", "1-3 years" or "51+ years")']


def test_upper_limit_rows_follow_the_same_age_rules() -> None:
    bad = replaced("{ages: 1+ years, amount: 350}", "{ages: 1-50 years, amount: 350}")
    assert problems(bad) == [f"{MG}:{line_of(bad, '1-50 years')}: upper_limits: the last row must run to old age "
                             '(e.g. "71+ years"), not stop at 51 years']


# --- intake cells ---------------------------------------------------------------------------------------------
def test_male_and_female_on_every_row_and_pregnancy_and_lactation_somewhere() -> None:
    bad = replaced("{ages: 1-13 years, male: 200, female: 200}", "{ages: 1-13 years, male: 200}")
    assert problems(bad) == [f"{MG}:13: intakes row 2 needs 'female' (repeat the figure when both are the same)"]
    bad = TEXT.replace(", pregnancy: 400, lactation: 360", "").replace(", pregnancy: 350, lactation: 310", "")
    assert problems(bad) == [
        f"{MG}:11: intakes: no row gives a 'lactation' figure (add it to the 14-18 and adult rows)",
        f"{MG}:11: intakes: no row gives a 'pregnancy' figure (add it to the 14-18 and adult rows)"]


@pytest.mark.parametrize(("value", "shown"), [
    (".nan", "nan"), (".inf", "inf"), ("-.inf", "-inf"), ("-5", "-5"), ("0", "0"), ("true", "True"),
    ('"400 mg"', "'400 mg'"), ("9" * 400, "a 400-digit number"),
])
def test_amounts_must_be_finite_positive_numbers(value: str, shown: str) -> None:
    bad = replaced("male: 420, female: 320}", f"male: {value}, female: 320}}")
    assert problems(bad) == [f"{MG}:16: intakes row 5 male must be a positive number in mg, not {shown}"]


def test_amounts_above_the_plausible_ceiling_are_refused() -> None:
    bad = replaced("male: 420, female: 320}", "male: 4200000, female: 320}")
    assert problems(bad) == [f"{MG}:16: intakes row 5 male is 4.2e+06 mg: above the plausible 100000 (check the "
                             "unit and the zeros)"]
    food = replaced("{food: Rice, serving: 1 cup, amount: 20}", "{food: Rice, serving: 1 cup, amount: 1000000000}")
    assert problems(food) == [f"{MG}:29: food_sources row 5 amount is 1e+09 mg: above the plausible 100000 (check "
                              "the unit and the zeros)"]


def test_the_unit_must_be_a_known_one_and_the_daily_value_positive() -> None:
    bad = replaced("unit: mg\n", "unit: spoons\n").replace("daily_value: 400", "daily_value: -1")
    assert problems(bad) == [
        f"{MG}:7: unit 'spoons' must start with g, mg, mcg or IU (e.g. 'mg', 'mcg DFE', 'mg NE')",
        f"{MG}:8: daily_value must be a positive number in spoons, not -1"]


# --- the other tables -----------------------------------------------------------------------------------------
def test_upper_limits_need_a_measure_who_they_apply_to_and_a_note() -> None:
    bad = replaced("  measure: UL\n", "  measure: max\n").replace("applies_to: supplements", "applies_to: food")
    bad = replaced("  note: The limit covers supplements only.\n", "", bad)
    assert problems(bad) == [
        f"{MG}:17: upper_limits needs a text 'note'",
        f"{MG}:18: upper_limits.measure must be one of UL, CDRR",
        f"{MG}:19: upper_limits.applies_to must be one of all-sources, supplements, none-set"]


def test_an_upper_limit_row_needs_an_amount_or_null_and_may_use_its_own_unit() -> None:
    bad = replaced("{ages: 1+ years, amount: 350}", "{ages: 1+ years}")
    assert problems(bad) == [f"{MG}:23: upper_limits row 2 needs 'amount' (null when no limit is established)"]
    own = replaced("  rows:\n    - {ages: 0-12 months, amount: null}",
                   "  unit: mcg\n  rows:\n    - {ages: 0-12 months, amount: null}")
    parsed = parse_nutrient(MG, own)
    assert parsed.problems == [] and parsed.records[0].upper_limits.unit == "mcg"


def test_none_set_needs_no_rows() -> None:
    text = replaced("applies_to: supplements", "applies_to: none-set")
    text = replaced("  rows:\n    - {ages: 0-12 months, amount: null}\n    - {ages: 1+ years, amount: 350}\n", "", text)
    parsed = parse_nutrient(MG, text)
    assert parsed.problems == [] and parsed.records[0].upper_limits.rows == ()


def test_at_least_two_food_rows_each_with_food_serving_and_amount() -> None:
    one = TEXT
    for row in ("Lentils, serving: 1/2 cup, amount: 40", "Oats, serving: 1 cup, amount: 60",
                "Tofu, serving: 1/2 cup, amount: 50", "Rice, serving: 1 cup, amount: 20",
                "Quinoa, serving: 1 cup, amount: 60"):
        one = replaced(f"  - {{food: {row}}}\n", "", one)
    assert problems(one) == [f"{MG}:24: food_sources has 1 row: give at least 2, best sources first"]
    bad = replaced("{food: Oats, serving: 1 cup, amount: 60}", "{food: Oats, amount: 60}")
    assert problems(bad) == [f"{MG}:27: food_sources row 3 needs a text 'serving'"]


def test_a_food_row_needs_a_numeric_amount() -> None:
    bad = replaced("{food: Tofu, serving: 1/2 cup, amount: 50}", "{food: Tofu, serving: 1/2 cup}")
    bad = replaced("{food: Rice, serving: 1 cup, amount: 20}", "{food: Rice, serving: 1 cup, amount: lots}", bad)
    assert problems(bad) == [f"{MG}:28: food_sources row 4 needs 'amount' (in mg per serving)",
                             f"{MG}:29: food_sources row 5 amount must be a number (0 or more) in mg, not 'lots'"]


def test_blood_tests_need_tests_and_the_labs_differ_note() -> None:
    bad = replaced("  note: Labs differ; read the range on your own result.\n", "")
    assert problems(bad) == [f"{MG}:31: blood_tests needs a text 'note'"]
    bad = replaced("    - {name: Serum level, range: 0.7-1.0 mmol/L, shows: Whether the blood level is low.}\n",
                   "    - {name: Serum level}\n")
    assert problems(bad) == [f"{MG}:33: blood_tests test 1 needs a text 'range'",
                             f"{MG}:33: blood_tests test 1 needs a text 'shows'"]


def test_interactions_and_excess_signs_are_required() -> None:
    bad = replaced("  - {medicine: Diuretics, effect: Some raise or lower the level.}\n", "")
    bad = replaced("interactions:\n", "interactions: []\n", bad)
    bad = replaced("  signs: [diarrhoea]\n", "", bad)
    assert problems(bad) == [f"{MG}:35: interactions must be a non-empty list of rows",
                             f"{MG}:39: excess.signs must be a non-empty list of text"]


def test_unknown_fields_inside_the_tables_are_reported() -> None:
    bad = replaced("{ages: 1+ years, amount: 350}", "{ages: 1+ years, amount: 350, per: day}")
    bad = replaced("  - {medicine: Diuretics,", "  - {drug: x, medicine: Diuretics,", bad)
    assert problems(bad) == [f"{MG}:23: upper_limits row 2: unknown field 'per'",
                             f"{MG}:36: interactions row 1: unknown field 'drug'"]
    bad = replaced("  measure: RDA\n", "  measure: RDA\n  per_day: 3\n")
    assert problems(bad) == [f"{MG}:11: unknown field 'intakes.per_day'"]


def test_forms_are_optional_text_and_link_like_aliases(tmp_path: Path) -> None:
    from conftest import write_corpus

    from kb.corpus.loader import load_corpus

    forms = replaced("category: mineral\n", "forms: [magnesium citrate, Epsom salts]\ncategory: mineral\n")
    files = {**FILES, MG: forms, "corpus/faq/epsom.yaml": "question: Do Epsom salts help?\nanswer: A bath may "
             "feel good.\nreviewed: 2026-11-20\nreferences:\n  - {title: T, publisher: P, url: https://x.org/}\n"}
    corpus = load_corpus(write_corpus(tmp_path / "kb", files))
    assert corpus.problems == []
    by_id = {r.id: r for r in corpus.records}
    assert by_id["nutrient/magnesium"].forms == ("magnesium citrate", "Epsom salts")
    assert by_id["faq/epsom"].nutrients == ("magnesium",)


# --- the v1 format --------------------------------------------------------------------------------------------
V1 = """name: Magnesium
aliases: [Mg]
category: mineral
summary: A mineral.
muscle_nerve_role: Helps muscles relax.
food_sources: [pumpkin seeds, almonds]
deficiency:
  name: hypomagnesemia
  signs: [cramps]
intake:
  measure: RDA
  unit: mg
  adults:
    - {group: "Men 19-30 years", amount: 400}
  upper_limit: 350 mg from supplements
at_risk: [older adults]
excess: Too much causes diarrhoea.
see_doctor: See a doctor.
reviewed: 2026-11-20
references:
  - {title: Fact sheet, publisher: NIH, url: "https://ods.od.nih.gov/"}
"""


def test_a_v1_record_is_refused_with_what_to_write_instead() -> None:
    assert problems(V1) == sorted([
        f"{MG}:1: missing required field 'blood_tests'",
        f"{MG}:1: missing required field 'daily_value'",
        f"{MG}:1: missing required field 'interactions'",
        f"{MG}:1: missing required field 'unit'",
        f"{MG}:10: 'intake' is the old format: write 'intakes: {{measure: RDA, rows: [{{ages: 0-6 months, measure: "
        "AI, male: ..., female: ...}, ...]}' and 'upper_limits: {measure: UL, applies_to: ..., note: ..., rows: "
        "[{ages: ..., amount: ...}]}' (see docs/corpus.md)",
        f"{MG}:17: excess as prose is the old format: write 'excess: {{name: ..., signs: [...], text: ...}}' "
        "(name optional)",
        f"{MG}:6: food_sources as plain names is the old format: write rows like {{food: \"Spinach, boiled\", "
        "serving: \"1/2 cup\", amount: 78} (amount in the record's unit; at least 2 rows)",
    ])
