"""Accuracy as a test (issue 12, section 5): every shipped nutrient record is internally consistent.

Every life stage has an intake and an upper-limit row, units are given and known, an upper limit that covers
food and supplements together is at least every intake it overlaps (magnesium's supplement-only UL is below its
RDA by design, so ``supplements`` limits are not compared), and every figure lies in a plausible range. Like
``test_shipped_corpus.py``, this reads the shipped corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.corpus.loader import load_corpus
from kb.corpus.nutrient_fields import MIN_FOODS, unit_ceiling
from kb.model.lifestages import STAGES, Band, parse_ages
from kb.model.records import Nutrient

ROOT = Path(__file__).resolve().parents[2]
NUTRIENTS = sorted(load_corpus(ROOT).nutrients, key=lambda n: n.slug)
ADULTS = Band(228, 852)  # 19-70 years: what the Daily Value is set for


def band(ages: str) -> Band:
    b = parse_ages(ages)
    assert b is not None, ages
    return b


@pytest.fixture(params=NUTRIENTS, ids=[n.slug for n in NUTRIENTS])
def nutrient(request: pytest.FixtureRequest) -> Nutrient:
    return request.param


def test_the_shipped_corpus_has_nutrients_to_check() -> None:
    assert len(NUTRIENTS) >= 7


def test_every_life_stage_has_an_intake_and_an_upper_limit_row(nutrient: Nutrient) -> None:
    intake_bands = [band(r.ages) for r in nutrient.intakes.rows]
    limit_bands = [band(r.ages) for r in nutrient.upper_limits.rows]
    for name, stage in STAGES:
        assert any(b.overlaps(stage) for b in intake_bands), f"{nutrient.slug}: no intake for {name}"
        covered = sum(min(b.end, stage.end) - max(b.start, stage.start) for b in intake_bands if b.overlaps(stage))
        assert covered == stage.end - stage.start or stage.end == float("inf"), (nutrient.slug, name)
        if nutrient.upper_limits.applies_to != "none-set":
            assert any(b.overlaps(stage) for b in limit_bands), f"{nutrient.slug}: no upper-limit row for {name}"
    assert any(r.pregnancy for r in nutrient.intakes.rows) and any(r.lactation for r in nutrient.intakes.rows)


def test_units_are_given_and_known(nutrient: Nutrient) -> None:
    assert nutrient.unit and unit_ceiling(nutrient.unit) is not None, nutrient.slug
    assert nutrient.upper_limits.unit and unit_ceiling(nutrient.upper_limits.unit) is not None, nutrient.slug
    assert nutrient.daily_value > 0


def test_an_all_sources_upper_limit_is_at_least_every_intake_it_overlaps(nutrient: Nutrient) -> None:
    ul = nutrient.upper_limits
    if ul.applies_to != "all-sources":
        pytest.skip(f"{nutrient.slug}: the limit applies to {ul.applies_to}, not to food and supplements together")
    assert ul.unit == nutrient.unit, f"{nutrient.slug}: an all-sources limit must be in the intakes' unit"
    for limit in ul.rows:
        if limit.amount is None:
            continue
        for intake in nutrient.intakes.rows:
            if not band(limit.ages).overlaps(band(intake.ages)):
                continue
            where = f"{nutrient.slug}: UL {limit.ages} vs intake {intake.ages}"
            assert limit.amount >= max(intake.male, intake.female), where
            for stage in ("pregnancy", "lactation"):
                need = getattr(intake, stage)
                if need is not None:
                    assert (getattr(limit, stage) or limit.amount) >= need, f"{where} ({stage})"


def test_figures_lie_in_plausible_ranges(nutrient: Nutrient) -> None:
    dv, slug = nutrient.daily_value, nutrient.slug
    adult = [v for r in nutrient.intakes.rows if band(r.ages).overlaps(ADULTS) for v in (r.male, r.female)]
    # the Daily Value is set from adult needs: within a factor of five of them
    assert adult and all(dv / 5 <= v <= dv * 5 for v in adult), (slug, dv, adult)
    for r in nutrient.intakes.rows:
        amounts = [r.male, r.female, *(v for v in (r.pregnancy, r.lactation) if v is not None)]
        assert all(0 < v <= dv * 5 for v in amounts), (slug, r)
        if band(r.ages).end <= 12:  # infants need less than adults
            assert max(r.male, r.female) <= max(adult), (slug, r)
    for limit in nutrient.upper_limits.rows:
        if limit.amount is not None and nutrient.upper_limits.unit == nutrient.unit:
            assert 0 < limit.amount <= dv * 100, (slug, limit)
    assert len(nutrient.food_sources) >= MIN_FOODS, slug  # only rows a cited source gives (thiamine: 2)
    for food in nutrient.food_sources:
        assert 0 <= food.amount <= dv * 50, (slug, food)  # beef liver gives about 30 times B12's DV
