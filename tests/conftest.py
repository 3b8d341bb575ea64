"""Shared fixtures: a tiny knowledge base written into ``tmp_path``, and an engine opened on it.

Tests never depend on the shipped corpus changing; only ``test_shipped_corpus.py`` reads it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

REF = """references:
  - title: Fact sheet
    publisher: NIH Office of Dietary Supplements
    url: https://ods.od.nih.gov/factsheets/
"""

NUTRIENT = """name: {name}
aliases: [{aliases}]
category: {category}
summary: {name} is a nutrient the body needs.
muscle_nerve_role: |
  {name} helps nerves and muscles work.
unit: mg
daily_value: 400
intakes:
  measure: RDA
  rows:
    - {{ages: 0-12 months, measure: AI, male: 50, female: 50}}
    - {{ages: 1-13 years, male: 200, female: 200}}
    - {{ages: 14-18 years, male: 410, female: 360, pregnancy: 400, lactation: 360}}
    - {{ages: 19-50 years, male: 400, female: 310, pregnancy: 350, lactation: 310}}
    - {{ages: 51+ years, male: 420, female: 320}}
upper_limits:
  measure: UL
  applies_to: supplements
  note: The limit covers supplements only.
  rows:
    - {{ages: 0-12 months, amount: null}}
    - {{ages: 1+ years, amount: 350}}
food_sources:
  - {{food: "{foods}", serving: 1 cup, amount: 80}}
  - {{food: Lentils, serving: 1/2 cup, amount: 40}}
  - {{food: Oats, serving: 1 cup, amount: 60}}
  - {{food: Tofu, serving: 1/2 cup, amount: 50}}
  - {{food: Rice, serving: 1 cup, amount: 20}}
  - {{food: Quinoa, serving: 1 cup, amount: 60}}
blood_tests:
  tests:
    - {{name: Serum level, range: 0.7-1.0 mmol/L, shows: Whether the blood level is low.}}
  note: Labs differ; read the range on your own result.
interactions:
  - {{medicine: Diuretics, effect: Some raise or lower the level.}}
deficiency:
  name: {deficiency}
  signs: [{signs}]
excess:
  signs: [diarrhoea]
  text: Too much from supplements upsets the stomach.
at_risk: [older adults]
see_doctor: See a doctor if symptoms persist.
reviewed: 2026-11-20
""" + REF

FILES: dict[str, str] = {
    "corpus/disclaimer.md": "For information only; not medical advice.\n",
    "corpus/synonyms.yaml": textwrap.dedent("""\
        groups:
          - [cramp, spasm, charley horse]
          - [night, nighttime, nocturnal]
          - [low potassium, hypokalemia]
          - [b12, cobalamin]
          - [pins and needles, tingling, paresthesia]
        """),
    "corpus/nutrients/magnesium.yaml": NUTRIENT.format(
        name="Magnesium", aliases="Mg, hypomagnesemia", category="mineral", foods="spinach, almonds",
        deficiency="hypomagnesemia", signs="muscle cramps, twitching"),
    "corpus/nutrients/potassium.yaml": NUTRIENT.format(
        name="Potassium", aliases="hypokalemia", category="electrolyte", foods="bananas, beans",
        deficiency="hypokalemia", signs="weakness, constipation"),
    "corpus/nutrients/vitamin-b12.yaml": NUTRIENT.format(
        name="Vitamin B12", aliases="B12, cobalamin", category="vitamin", foods="meat, eggs",
        deficiency="vitamin B12 deficiency", signs="tingling, tiredness"),
    "corpus/articles/night-cramps.md": textwrap.dedent("""\
        ---
        title: Night-time leg cramps
        summary: Why legs cramp at night.
        tags: [cramps, sleep]
        sections: {what-a-night-cramp-is: {nutrients: [magnesium]}, stretching-before-bed: {nutrients: [magnesium]}}
        reviewed: 2026-11-20
        """) + REF + textwrap.dedent("""\
        ---

        ## What a night cramp is

        A sudden painful tightening of the calf muscle during sleep, often called a charley horse.

        ## Stretching before bed

        Stretching the calves before bed can make nighttime cramps less frequent.

        ```
        ## Not a section
        ```

        ## Low magnesium

        Hypomagnesemia makes nerves fire too easily, which may cause cramps and twitches.
        """),
    "corpus/articles/nerves.md": textwrap.dedent("""\
        ---
        title: Vitamin B12 and nerves
        summary: How B12 keeps nerves healthy.
        reviewed: 2026-11-20
        """) + REF + textwrap.dedent("""\
        ---

        ## Pins and needles

        Tingling in the hands and feet can be an early sign that cobalamin is running low.

        ## Who is at risk

        Vegans and older adults absorb or eat less of it.
        """),
    "corpus/faq/do-bananas-help-cramps.yaml": textwrap.dedent("""\
        question: Do bananas help with cramps?
        answer: |
          Bananas supply potassium, and low potassium can cause **weakness** and spasms.
        nutrients: [potassium]
        tags: [food]
        article: night-cramps
        reviewed: 2026-11-20
        """) + REF,
    "corpus/faq/why-does-my-eyelid-twitch.yaml": textwrap.dedent("""\
        question: Why does my eyelid twitch?
        answer: Usually tiredness, stress or caffeine; it settles on its own.
        reviewed: 2026-11-20
        """) + REF,
}


def write_corpus(root: Path, files: dict[str, str] | None = None) -> Path:
    """Write the fixture corpus (or ``files``) under ``root``; returns ``root``."""
    for rel, text in (FILES if files is None else files).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "index").mkdir(exist_ok=True)
    return root


@pytest.fixture
def kb_root(tmp_path: Path) -> Path:
    """A knowledge-base root holding the fixture corpus (no index yet)."""
    return write_corpus(tmp_path / "kb")


@pytest.fixture
def kb(kb_root: Path):
    """A KnowledgeBase on the fixture corpus with its index built."""
    from kb.engine import KnowledgeBase

    engine = KnowledgeBase(kb_root)
    engine.update()
    yield engine
    engine.close()


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Every corpus file the indexer parses, in order (every build reads through kb.corpus.loader.parse_file)."""
    seen: list[str] = []
    from kb.corpus import loader

    real = loader.read_text

    def recording(root: Path, rel: str) -> str:
        seen.append(rel)
        return real(root, rel)

    monkeypatch.setattr(loader, "read_text", recording)
    return seen
