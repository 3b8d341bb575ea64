"""kb.corpus.loader on the fixture corpus: every record kind, its id, line, fields and nutrient links."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FILES, REF, write_corpus

from kb.corpus.linking import NutrientMatcher, NutrientTerms
from kb.corpus.loader import DEFAULT_DISCLAIMER, load_corpus
from kb.model.records import Faq, FoodSource, IntakeRow, LimitRow, Nutrient, Section


def line_of(rel: str, text: str, files: dict[str, str] = FILES) -> int:
    """1-based line of the first line of ``rel`` that equals ``text``."""
    return files[rel].split("\n").index(text) + 1


@pytest.fixture
def corpus(kb_root: Path):
    loaded = load_corpus(kb_root)
    assert loaded.problems == []
    return loaded


@pytest.fixture
def by_id(corpus):
    return {r.id: r for r in corpus.records}


def with_article(tmp_path: Path, slug: str, body: str, front: str = "") -> dict:
    files = dict(FILES)
    files[f"corpus/articles/{slug}.md"] = (
        f"---\ntitle: {slug}\nsummary: S\n{front}reviewed: 2026-11-20\n" + REF + "---\n" + body)
    corpus = load_corpus(write_corpus(tmp_path / "kb", files))
    assert corpus.problems == []
    return {r.id: r for r in corpus.records if getattr(r, "article_slug", None) == slug}


def test_every_record_kind_loads_with_its_id(by_id) -> None:
    assert sorted(by_id) == [
        "article/nerves#pins-and-needles",
        "article/nerves#who-is-at-risk",
        "article/night-cramps#low-magnesium",
        "article/night-cramps#stretching-before-bed",
        "article/night-cramps#what-a-night-cramp-is",
        "faq/do-bananas-help-cramps",
        "faq/why-does-my-eyelid-twitch",
        "nutrient/magnesium",
        "nutrient/potassium",
        "nutrient/vitamin-b12",
    ]


def test_summary_counts_articles_sections_faqs_nutrients_and_synonym_groups(corpus) -> None:
    assert corpus.summary() == "2 articles, 5 sections, 2 FAQs, 3 nutrients, 5 synonym groups"


def test_section_fields_and_line_is_its_heading_line(by_id) -> None:
    rel = "corpus/articles/night-cramps.md"
    s = by_id["article/night-cramps#stretching-before-bed"]
    assert isinstance(s, Section)
    assert s.line == line_of(rel, "## Stretching before bed") == 17
    assert (s.path, s.article_slug, s.article_title, s.heading) == (
        rel, "night-cramps", "Night-time leg cramps", "Stretching before bed")
    assert s.reviewed == "2026-11-20"
    assert s.tags == ("cramps", "sleep")
    assert [r.publisher for r in s.references] == ["NIH Office of Dietary Supplements"]
    assert s.plain.startswith("Stretching the calves before bed")


def test_every_section_line_is_the_line_of_its_heading(corpus) -> None:
    for s in corpus.sections:
        assert FILES[s.path].split("\n")[s.line - 1] == f"## {s.heading}", s.id


def test_heading_in_a_fenced_code_block_stays_inside_its_section(by_id) -> None:
    assert not any(i.endswith("#not-a-section") for i in by_id)
    assert "## Not a section" in by_id["article/night-cramps#stretching-before-bed"].text


def test_lead_text_becomes_an_overview_section(tmp_path: Path) -> None:
    got = with_article(tmp_path, "lead", "\nWhy this matters.\n\n## Details\n\nMore.\n")
    assert sorted(got) == ["article/lead#details", "article/lead#overview"]
    assert got["article/lead#overview"].heading == "Overview"
    assert got["article/lead#overview"].line == 11  # 9 front-matter lines, a blank, then the lead text
    assert got["article/lead#details"].line == 13


def test_faq_fields_and_line_is_the_first_line(by_id) -> None:
    f = by_id["faq/do-bananas-help-cramps"]
    assert isinstance(f, Faq)
    assert (f.path, f.line) == ("corpus/faq/do-bananas-help-cramps.yaml", 1)
    assert f.question == "Do bananas help with cramps?"
    assert "**weakness**" in f.answer and "weakness" in f.plain and "**" not in f.plain
    assert f.article == "night-cramps"
    assert f.tags == ("food",)
    assert f.reviewed == "2026-11-20"
    assert by_id["faq/why-does-my-eyelid-twitch"].article is None


def test_nutrient_fields_and_line_is_the_first_line(by_id) -> None:
    n = by_id["nutrient/magnesium"]
    assert isinstance(n, Nutrient)
    assert (n.path, n.line) == ("corpus/nutrients/magnesium.yaml", 1)
    assert (n.slug, n.name) == ("magnesium", "Magnesium")
    assert n.aliases == ("Mg", "hypomagnesemia")
    assert n.category == "mineral"
    assert (n.unit, n.daily_value) == ("mg", 400.0)
    assert n.food_sources[0] == FoodSource("spinach, almonds", "1 cup", 80.0)
    assert len(n.food_sources) == 6 and n.percent_dv(80.0) == 20
    assert (n.deficiency.name, n.deficiency.signs) == ("hypomagnesemia", ("muscle cramps", "twitching"))
    assert n.intakes.measure == "RDA"
    assert n.intakes.rows[0] == IntakeRow("0-12 months", "AI", 50.0, 50.0)
    assert n.intakes.rows[2] == IntakeRow("14-18 years", "RDA", 410.0, 360.0, 400.0, 360.0)
    assert [r.ages for r in n.intakes.rows] == ["0-12 months", "1-13 years", "14-18 years", "19-50 years",
                                                "51+ years"]
    ul = n.upper_limits
    assert (ul.measure, ul.applies_to, ul.unit) == ("UL", "supplements", "mg")
    assert ul.rows == (LimitRow("0-12 months", None), LimitRow("1+ years", 350.0))
    assert n.blood_tests.tests[0].range == "0.7-1.0 mmol/L" and "Labs differ" in n.blood_tests.note
    assert n.interactions[0].medicine == "Diuretics"
    assert (n.excess.name, n.excess.signs) == ("", ("diarrhoea",))
    assert n.at_risk == ("older adults",)
    assert n.reviewed == "2026-11-20"
    assert n.references[0].url == "https://ods.od.nih.gov/factsheets/"
    assert n.nutrients == ("magnesium",)


def test_nutrients_declared_for_a_section_are_linked(by_id) -> None:
    # declared for the section in the front matter (sections:); the section text itself names no nutrient
    assert by_id["article/night-cramps#what-a-night-cramp-is"].nutrients == ("magnesium",)
    assert by_id["article/night-cramps#what-a-night-cramp-is"].section_nutrients == ("magnesium",)
    assert by_id["article/night-cramps#what-a-night-cramp-is"].declared_nutrients == ()


def test_article_nutrients_link_only_sections_whose_text_speaks_of_them(tmp_path: Path) -> None:
    got = with_article(tmp_path, "minerals",
                       "## Feels\n\nA sudden hard calf.\n\n## Food\n\nEat potassium-rich food.\n\n"
                       "## Named\n\nMagnesium helps.\n",
                       front="nutrients: [potassium, magnesium]\n")
    assert got["article/minerals#feels"].nutrients == ()  # declared by the article, not spoken of here
    assert got["article/minerals#food"].nutrients == ("potassium",)  # a hyphenated word is enough
    assert got["article/minerals#named"].nutrients == ("magnesium",)
    assert got["article/minerals#feels"].declared_nutrients == ("potassium", "magnesium")


def test_sections_front_matter_problems_are_reported_with_their_line(tmp_path: Path) -> None:
    files = dict(FILES)
    files["corpus/articles/bad.md"] = (
        "---\ntitle: Bad\nsummary: S\nsections:\n  nope: {nutrients: [magnesium]}\n"
        "  food: {nutrients: [irn], colour: red}\nreviewed: 2026-11-20\n" + REF + "---\n## Food\n\nEat.\n")
    corpus = load_corpus(write_corpus(tmp_path / "kb", files))
    messages = sorted(str(p) for p in corpus.problems)
    assert any(m.startswith("corpus/articles/bad.md:5: sections: no heading of this article has the slug 'nope'")
               for m in messages), messages
    assert any(m.startswith("corpus/articles/bad.md:6: ") and "sections.food.colour" in m for m in messages)
    assert any(m.startswith("corpus/articles/bad.md:6: unknown nutrient 'irn'") for m in messages), messages
    assert not any(r.path == "corpus/articles/bad.md" for r in corpus.records)  # nothing half-loaded


def test_mentions_by_name_link_the_nutrient(tmp_path: Path) -> None:
    got = with_article(tmp_path, "food", "## Food\n\nBananas supply Potassium.\n")
    assert got["article/food#food"].declared_nutrients == ()
    assert got["article/food#food"].nutrients == ("potassium",)


def test_declared_and_mentioned_nutrient_is_linked_once(by_id) -> None:
    # declares potassium and says "Bananas supply potassium"
    assert by_id["faq/do-bananas-help-cramps"].declared_nutrients == ("potassium",)
    assert by_id["faq/do-bananas-help-cramps"].nutrients == ("potassium",)


def test_declared_and_mentioned_nutrients_are_merged_and_sorted(tmp_path: Path) -> None:
    got = with_article(tmp_path, "both", "## Both\n\nCobalamin matters too, and potassium-rich foods.\n",
                       front="nutrients: [potassium]\n")
    assert got["article/both#both"].nutrients == ("potassium", "vitamin-b12")


def test_mentions_by_alias_link_the_nutrient(by_id) -> None:
    # nerves.md declares nothing; "cobalamin" is an alias of vitamin B12
    s = by_id["article/nerves#pins-and-needles"]
    assert s.declared_nutrients == ()
    assert s.nutrients == ("vitamin-b12",)


def test_records_mentioning_nothing_link_nothing(by_id) -> None:
    assert by_id["article/nerves#who-is-at-risk"].nutrients == ()
    assert by_id["faq/why-does-my-eyelid-twitch"].nutrients == ()


def test_clinical_alias_links_case_insensitively(tmp_path: Path) -> None:
    body = "## Low levels\n\nHYPOMAGNESEMIA and Hypokalemia both cause cramps.\n"
    got = with_article(tmp_path, "clinical", body)
    assert got["article/clinical#low-levels"].nutrients == ("magnesium", "potassium")


def test_unit_mg_does_not_link_magnesium(tmp_path: Path) -> None:
    got = with_article(tmp_path, "doses", "## Dose\n\nTake 400 mg a day, or 400 MG.\n")
    assert got["article/doses#dose"].nutrients == ()


def test_short_alias_matches_only_as_written(tmp_path: Path) -> None:
    got = with_article(tmp_path, "symbols", "## Symbol\n\nSerum Mg was low.\n")
    assert got["article/symbols#symbol"].nutrients == ("magnesium",)


def test_mentions_are_whole_words_only(tmp_path: Path) -> None:
    got = with_article(tmp_path, "words", "## Words\n\nPotassiumrich magnesium-free Mgs.\n")
    assert got["article/words#words"].nutrients == ()


def test_a_mention_in_the_heading_links_the_section(tmp_path: Path) -> None:
    got = with_article(tmp_path, "heading", "## Potassium and you\n\nEat well.\n")
    assert got["article/heading#potassium-and-you"].nutrients == ("potassium",)


def test_a_mention_in_the_faq_question_links_the_faq(tmp_path: Path) -> None:
    files = dict(FILES)
    files["corpus/faq/b12.yaml"] = (
        "question: Is B12 safe?\nanswer: Yes, at normal doses.\nreviewed: 2026-11-20\n" + REF)
    corpus = load_corpus(write_corpus(tmp_path / "kb", files))
    assert corpus.problems == []
    assert {r.id: r for r in corpus.records}["faq/b12"].nutrients == ("vitamin-b12",)


def test_matcher_multi_word_names_allow_any_whitespace() -> None:
    matcher = NutrientMatcher([NutrientTerms("vitamin-b12", ("Vitamin B12", "B12"))])
    assert matcher.mentions("low vitamin\n  b12 levels") == {"vitamin-b12"}
    assert matcher.mentions("b12") == set()  # three characters: exact case only
    assert matcher.mentions("B12") == {"vitamin-b12"}


def test_synonyms_and_disclaimer_load(corpus) -> None:
    assert corpus.synonyms.groups[0] == ("cramp", "spasm", "charley horse")
    assert len(corpus.synonyms) == 5
    assert corpus.disclaimer == "For information only; not medical advice."


def test_missing_synonyms_and_disclaimer_fall_back_quietly(tmp_path: Path) -> None:
    files = {k: v for k, v in FILES.items() if k not in ("corpus/synonyms.yaml", "corpus/disclaimer.md")}
    corpus = load_corpus(write_corpus(tmp_path / "kb", files))
    assert corpus.problems == []
    assert len(corpus.synonyms) == 0
    assert corpus.disclaimer == DEFAULT_DISCLAIMER


def test_windows_line_endings_and_byte_order_mark_load_with_the_same_lines(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "kb")
    rel = "corpus/articles/night-cramps.md"
    (root / rel).write_bytes(b"\xef\xbb\xbf" + FILES[rel].replace("\n", "\r\n").encode())
    corpus = load_corpus(root)
    assert corpus.problems == []
    lines = {s.id: s.line for s in corpus.sections if s.path == rel}
    assert lines == {
        "article/night-cramps#what-a-night-cramp-is": 13,
        "article/night-cramps#stretching-before-bed": 17,
        "article/night-cramps#low-magnesium": 25,
    }
