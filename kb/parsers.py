"""One parser per corpus file kind, turning text into unlinked records plus every problem found.

Records come out with ``nutrients`` equal to what they declare; :mod:`kb.loader` adds the mentioned ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.errors import Problem
from kb.fields import Fields
from kb.markdown import FrontMatterError, markdown_plain, parse_sections, split_front_matter
from kb.records import Deficiency, Faq, Intake, IntakeRow, Nutrient, Record, Section
from kb.yamlsafe import Located, YamlProblem, load_yaml

CATEGORIES = ("mineral", "vitamin", "electrolyte")
MEASURES = ("RDA", "AI")


@dataclass
class Parsed:
    """What one file yielded: its records, article title (articles only), and problems."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # declared nutrient slugs with the line that declares them, checked against the nutrient set later
    declared: list[tuple[str, int]] = field(default_factory=list)
    faq_article: tuple[str, int] | None = None


def _slug_of(rel: str) -> str:
    return rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _declared(f: Fields, parsed: Parsed) -> tuple[str, ...]:
    slugs = f.text_list("nutrients", lower=True)
    for i, slug in enumerate(slugs):
        parsed.declared.append((slug, f.line("nutrients", i)))
    return tuple(dict.fromkeys(slugs))


def parse_article(rel: str, text: str) -> Parsed:
    """An article's sections; the front matter applies to each."""
    parsed = Parsed()
    try:
        fm, body, body_line = split_front_matter(text)
        doc = load_yaml(fm, line_offset=1)
    except FrontMatterError as exc:
        parsed.problems.append(Problem(rel, exc.line, str(exc)))
        return parsed
    except YamlProblem as exc:
        parsed.problems.append(Problem(rel, exc.line, exc.message))
        return parsed
    f = Fields(doc, rel, parsed.problems,
               {"title", "summary", "tags", "nutrients", "reviewed", "references", "sections"})
    title = f.text("title")
    f.text("summary")
    tags = f.text_list("tags", lower=True)
    declared = _declared(f, parsed)
    reviewed = f.date()
    refs = f.references()
    slug = _slug_of(rel)
    per_section = _section_nutrients(f, parsed)
    sections = parse_sections(body, body_line)
    if not sections:
        parsed.problems.append(Problem(rel, body_line, "article has no sections (add '## Heading' and text)"))
    seen: dict[str, int] = {}
    for raw in sections:
        if not raw.slug:
            parsed.problems.append(Problem(rel, raw.line, "section heading has no letters or digits"))
            continue
        if raw.slug in seen:
            parsed.problems.append(Problem(
                rel, raw.line, f"duplicate id article/{slug}#{raw.slug} (same heading as line {seen[raw.slug]})"))
            continue
        seen[raw.slug] = raw.line
        if not raw.plain.strip():
            parsed.problems.append(Problem(rel, raw.line, f"empty section {raw.heading!r}"))
            continue
        parsed.records.append(Section(
            id=f"article/{slug}#{raw.slug}", article_slug=slug, article_title=title, heading=raw.heading,
            text=raw.text, plain=raw.plain, path=rel, line=raw.line, reviewed=reviewed, tags=tags,
            declared_nutrients=declared, nutrients=declared, references=refs,
            section_nutrients=per_section.pop(raw.slug, ()),
        ))
    for heading_slug in per_section:
        parsed.problems.append(Problem(rel, f.line("sections", heading_slug),
                                       f"sections.{heading_slug}: no section has this heading"))
    return parsed


def _section_nutrients(f: Fields, parsed: Parsed) -> dict[str, tuple[str, ...]]:
    """``sections: {heading-slug: {nutrients: [...], care: ...}}``: the nutrients declared per section.

    Only ``nutrients`` is read here; ``care`` is accepted for the per-section advice level.
    """
    value = f.data.get("sections")
    if value is None:
        return {}
    if not isinstance(value, dict):
        f.problem(f.line("sections"), "field 'sections' must map heading slugs to {nutrients: [...]}")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, entry in value.items():
        slug = str(key)
        if not isinstance(entry, dict):
            f.problem(f.line("sections", key), f"sections.{slug} must be a mapping such as {{nutrients: [...]}}")
            continue
        for extra in entry:
            if extra not in ("nutrients", "care"):
                f.problem(f.line("sections", key, extra), f"sections.{slug}: unknown field {extra!r}")
        items = entry.get("nutrients") or []
        if not isinstance(items, list):
            f.problem(f.line("sections", key, "nutrients"), f"sections.{slug}.nutrients must be a list")
            continue
        slugs = []
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                f.problem(f.line("sections", key, "nutrients", i),
                          f"item {i + 1} of sections.{slug}.nutrients must be a nutrient slug")
                continue
            slugs.append(item.strip().lower())
            parsed.declared.append((slugs[-1], f.line("sections", key, "nutrients", i)))
        out[slug] = tuple(dict.fromkeys(slugs))
    return out


def _load(rel: str, text: str, parsed: Parsed) -> Located | None:
    """The YAML document of a FAQ or nutrient file, or None with its problem recorded."""
    try:
        return load_yaml(text)
    except YamlProblem as exc:
        parsed.problems.append(Problem(rel, exc.line, exc.message))
        return None


def parse_faq(rel: str, text: str) -> Parsed:
    """One FAQ entry per file."""
    parsed = Parsed()
    doc = _load(rel, text, parsed)
    if doc is None:
        return parsed
    f = Fields(doc, rel, parsed.problems,
               {"question", "answer", "nutrients", "tags", "article", "reviewed", "references"})
    question = f.text("question")
    answer = f.text("answer")
    tags = f.text_list("tags", lower=True)
    declared = _declared(f, parsed)
    article = f.text("article", required=False) or None
    if article:
        parsed.faq_article = (article, f.line("article"))
    reviewed = f.date()
    refs = f.references()
    if question and answer:
        parsed.records.append(Faq(
            id=f"faq/{_slug_of(rel)}", question=question, answer=answer, plain=markdown_plain(answer), path=rel,
            line=doc.first_line, reviewed=reviewed, tags=tags, declared_nutrients=declared, nutrients=declared,
            article=article, references=refs,
        ))
    return parsed


def _intake(f: Fields) -> Intake:
    data = f.mapping("intake")
    if not data:
        return Intake("", "", (), "")
    measure = data.get("measure")
    if measure not in MEASURES:
        f.problem(f.line("intake", "measure"), f"intake.measure must be one of {', '.join(MEASURES)}")
    unit = data.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        f.problem(f.line("intake", "unit"), "intake.unit must be text such as 'mg' or 'mcg'")
    upper = data.get("upper_limit")
    if not isinstance(upper, str) or not upper.strip():
        f.problem(f.line("intake", "upper_limit"), "intake.upper_limit must be text (say 'none set' if none)")
    rows: list[IntakeRow] = []
    adults = data.get("adults")
    if not isinstance(adults, list) or not adults:
        f.problem(f.line("intake", "adults"), "intake.adults must be a non-empty list of {group, amount}")
    else:
        for i, row in enumerate(adults):
            line = f.line("intake", "adults", i)
            if not isinstance(row, dict) or not isinstance(row.get("group"), str):
                f.problem(line, f"intake.adults row {i + 1} needs a text 'group'")
                continue
            amount = row.get("amount")
            if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
                f.problem(line, f"intake.adults row {i + 1} needs a positive number 'amount' (in intake.unit)")
                continue
            rows.append(IntakeRow(row["group"].strip(), float(amount)))
    for key in data:
        if key not in ("measure", "unit", "adults", "upper_limit"):
            f.problem(f.line("intake", key), f"unknown field 'intake.{key}'")
    return Intake(str(measure or ""), str(unit or "").strip(), tuple(rows), str(upper or "").strip())


def _deficiency(f: Fields) -> Deficiency:
    data = f.mapping("deficiency")
    name = data.get("name") if data else None
    signs = data.get("signs") if data else None
    if data and (not isinstance(name, str) or not name.strip()):
        f.problem(f.line("deficiency", "name"), "deficiency.name must be its clinical name, as text")
    if data and (not isinstance(signs, list) or not signs or not all(isinstance(s, str) for s in signs)):
        f.problem(f.line("deficiency", "signs"), "deficiency.signs must be a non-empty list of text")
        signs = []
    return Deficiency(str(name or "").strip(), tuple(s.strip() for s in signs or ()))


def parse_nutrient(rel: str, text: str) -> Parsed:
    """A nutrient record, every field required."""
    parsed = Parsed()
    doc = _load(rel, text, parsed)
    if doc is None:
        return parsed
    f = Fields(doc, rel, parsed.problems, {
        "name", "aliases", "category", "summary", "muscle_nerve_role", "food_sources", "deficiency", "intake",
        "at_risk", "excess", "see_doctor", "references", "reviewed"})
    slug = _slug_of(rel)
    name = f.text("name")
    aliases = f.text_list("aliases", required=True)
    category = f.text("category").lower()
    if category and category not in CATEGORIES:
        f.problem(f.line("category"), f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    nutrient = Nutrient(
        id=f"nutrient/{slug}", slug=slug, name=name, aliases=aliases, category=category,
        summary=f.text("summary"), muscle_nerve_role=f.text("muscle_nerve_role"),
        food_sources=f.text_list("food_sources", required=True), deficiency=_deficiency(f), intake=_intake(f),
        at_risk=f.text_list("at_risk", required=True), excess=f.text("excess"), see_doctor=f.text("see_doctor"),
        references=f.references(), reviewed=f.date(), path=rel, line=doc.first_line,
    )
    if name:
        parsed.records.append(nutrient)
    return parsed


PARSERS = {"article": parse_article, "faq": parse_faq, "nutrient": parse_nutrient}
