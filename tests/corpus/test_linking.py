"""kb.corpus.linking: the one-scan path for ASCII text finds exactly the names the word-set path finds."""

from __future__ import annotations

import random

import pytest

from kb.corpus.linking import NutrientMatcher, NutrientTerms, _trie_pattern

TERMS = [
    NutrientTerms("magnesium", ("Magnesium", "Mg", "hypomagnesemia", "low magnesium", "magnesium citrate")),
    NutrientTerms("potassium", ("Potassium", "hypokalemia", "low potassium", "potassium chloride")),
    NutrientTerms("calcium", ("Calcium", "hypocalcemia", "calcium carbonate", "low calcium")),
    NutrientTerms("sodium", ("Sodium", "salt", "table salt", "sodium chloride")),
    NutrientTerms("vitamin-b12", ("Vitamin B12", "B12", "vit b12", "cobalamin")),
    NutrientTerms("vitamin-d", ("Vitamin D", "vit d", "vitamin D3", "sunshine vitamin")),
]
PIECES = ["magnesium", "Magnesium", "MAGNESIUM", "Mg", "mg", "MG", "B12", "b12", "vitamin", "Vitamin", "vit", "d",
          "D3", "d3", "low", "calcium", "carbonate", "citrate", "table", "salt", "Salt", "sodium", "chloride",
          "sunshine", "hypokalemia", "HYPOKALEMIA", "cobalamin", "x", "400", " ", " ", " ", "  ", "\n", "\t", "-",
          "_", ".", ",", "(", ")", "'", "/"]


def both(matcher: NutrientMatcher, text: str) -> tuple[set[str], set[str]]:
    fast: set[str] = set()
    general: set[str] = set()
    matcher._scan(text, fast)
    matcher._by_words(text, general)
    return fast, general


def test_fast_and_general_paths_agree_on_random_text() -> None:
    matcher = NutrientMatcher(TERMS)
    assert matcher._scanner is not None
    rnd = random.Random(3)
    found = 0
    for _ in range(4000):
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 14)))
        fast, general = both(matcher, text)
        assert fast == general, repr(text)
        found += bool(fast)
    assert found > 800  # the texts do name nutrients


@pytest.mark.parametrize("text, expected", [
    ("Take 400 mg a day, or 400 MG.", set()),
    ("Serum Mg was low.", {"magnesium"}),
    ("Potassiumrich magnesium-free Mgs.", set()),
    ("low vitamin\n  b12 levels", {"vitamin-b12"}),
    ("b12", set()),
    ("B12", {"vitamin-b12"}),
    ("calcium carbonate", {"calcium"}),
    ("table salt and sodium chloride", {"sodium"}),
    ("vitamin d3 vs vitamin d", {"vitamin-d"}),
    ("HYPOKALEMIA and Hypomagnesemia", {"potassium", "magnesium"}),
])
def test_mentions(text: str, expected: set[str]) -> None:
    assert NutrientMatcher(TERMS).mentions(text) == expected


def test_non_ascii_text_takes_the_general_path() -> None:
    matcher = NutrientMatcher(TERMS)
    assert matcher.mentions("Magnésium? no: Magnesium, café") == {"magnesium"}
    assert matcher.mentions("ＭＧ", "Mg") == {"magnesium"}


def test_a_name_with_other_characters_disables_the_fast_path() -> None:
    matcher = NutrientMatcher([NutrientTerms("vitamin-b12", ("vit. B12", "B12"))])
    assert matcher._scanner is None
    assert matcher.mentions("B12 and vit. B12") == {"vitamin-b12"}


def test_names_that_start_other_names_are_all_found() -> None:
    # "calcium" starts "calcium carbonate" (another nutrient here): the scan reports the longest, and the
    # shorter one is implied
    matcher = NutrientMatcher([NutrientTerms("calcium", ("Calcium",)),
                               NutrientTerms("antacid", ("calcium carbonate",))])
    assert matcher.mentions("Calcium carbonate tablets") == {"calcium", "antacid"}
    assert both(matcher, "Calcium carbonate tablets")[1] == {"calcium", "antacid"}


def test_trie_pattern_matches_every_name_and_only_them() -> None:
    import re

    names = ["hypokalemia", "hypokalaemia", "hypo", "low potassium", "b12"]
    pattern = re.compile(rf"(?:{_trie_pattern(names)})\Z")
    for name in names:
        assert pattern.match(name)
    assert pattern.match("low \n potassium")
    for other in ("hyp", "hypok", "low", "b1", "b123"):
        assert not pattern.match(other)
