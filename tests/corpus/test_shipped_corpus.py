"""The corpus shipped at the repository root: it validates clean and is complete enough to be useful.

This is the only test file that reads the shipped corpus; every other test uses the fixture in conftest.py.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.corpus.loader import Corpus, load_corpus
from kb.corpus.nutrient_fields import MIN_FOODS

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_NUTRIENTS = {"magnesium", "calcium", "potassium", "sodium", "vitamin-d", "vitamin-b12", "vitamin-b6"}


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(ROOT)


def test_the_shipped_corpus_is_at_the_repository_root() -> None:
    assert (ROOT / "corpus").is_dir(), f"no corpus/ folder in {ROOT}"


def test_shipped_corpus_has_no_problems(corpus: Corpus) -> None:
    assert [str(p) for p in corpus.problems] == []


def test_kb_validate_passes_on_the_shipped_corpus() -> None:
    env = {k: v for k, v in os.environ.items() if k != "KB_ROOT"}
    done = subprocess.run([sys.executable, "-m", "kb", "--root", str(ROOT), "validate"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ok: "), done.stdout


def test_required_nutrients_exist(corpus: Corpus) -> None:
    assert REQUIRED_NUTRIENTS <= {n.slug for n in corpus.nutrients}


def test_every_nutrient_has_references_and_a_reviewed_date(corpus: Corpus) -> None:
    for n in corpus.nutrients:
        assert n.references, n.id
        for ref in n.references:
            assert ref.title and ref.publisher and ref.url.startswith(("https://", "http://")), n.id
        assert dt.date.fromisoformat(n.reviewed), n.id


def test_every_nutrient_has_the_v2_tables_aliases_and_deficiency_signs(corpus: Corpus) -> None:
    for n in corpus.nutrients:
        assert n.intakes.rows and n.unit and n.intakes.measure in ("RDA", "AI"), n.id
        assert n.upper_limits.note and n.upper_limits.applies_to in ("all-sources", "supplements", "none-set"), n.id
        assert len(n.food_sources) >= MIN_FOODS and n.daily_value > 0, n.id
        assert n.blood_tests.tests and n.blood_tests.note and n.interactions, n.id
        assert n.aliases, n.id
        assert n.deficiency.name and n.deficiency.signs, n.id
        assert n.excess.signs and n.excess.text, n.id


def test_every_emergency_record_has_a_callout_naming_the_number(corpus: Corpus) -> None:
    emergencies = [r for r in corpus.records if r.care == "emergency"]
    for r in emergencies:
        assert r.callout and len(r.callout) <= 160 and ("999" in r.callout or "911" in r.callout), r.id


def test_at_least_seven_articles(corpus: Corpus) -> None:
    assert len({s.article_slug for s in corpus.sections}) >= 7


def test_at_least_22_faqs(corpus: Corpus) -> None:
    assert len(corpus.faqs) >= 22


def test_at_least_25_synonym_groups(corpus: Corpus) -> None:
    assert len(corpus.synonyms) >= 25


def test_the_disclaimer_exists_and_says_it_is_not_medical_advice(corpus: Corpus) -> None:
    path = ROOT / "corpus" / "disclaimer.md"
    assert path.is_file()
    assert path.read_text(encoding="utf-8").strip()
    assert "not medical advice" in corpus.disclaimer.lower()


def test_every_record_has_a_reviewed_date_and_references(corpus: Corpus) -> None:
    assert corpus.records
    for r in corpus.records:
        assert dt.date.fromisoformat(r.reviewed), r.id
        assert r.references, r.id


def test_every_file_in_the_corpus_folders_yielded_records(corpus: Corpus) -> None:
    paths = {r.path for r in corpus.records}
    for folder, suffix in (("articles", ".md"), ("faq", ".yaml"), ("nutrients", ".yaml")):
        for path in (ROOT / "corpus" / folder).glob(f"*{suffix}"):
            assert f"corpus/{folder}/{path.name}" in paths
