"""One parser per corpus file kind, turning text into unlinked records plus every problem found.

Records come out with ``nutrients`` equal to what they declare; :mod:`kb.corpus.loader` adds the mentioned ones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from kb.corpus.care import CARE_LEVELS, care_problems
from kb.corpus.fields import Fields, shown
from kb.corpus.markdown import FrontMatterError, markdown_plain, parse_sections, split_front_matter
from kb.corpus.nutrient_fields import Tables
from kb.corpus.yamlsafe import Located, YamlProblem, load_yaml
from kb.model.errors import Problem
from kb.model.records import Faq, Nutrient, Record, Section

CATEGORIES = ("mineral", "vitamin", "electrolyte")
NUTRIENT_FIELDS = (
    "name", "aliases", "forms", "category", "summary", "muscle_nerve_role", "unit", "daily_value", "intakes",
    "upper_limits", "food_sources", "food_note", "blood_tests", "interactions", "deficiency", "excess", "at_risk",
    "see_doctor", "references", "reviewed")


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
    summary = f.text("summary")
    tags = f.text_list("tags", lower=True)
    declared = _declared(f, parsed)
    reviewed = f.date()
    refs = f.references()
    meta = _section_meta(f)
    slug = _slug_of(rel)
    sections = parse_sections(body, body_line)
    if not sections:
        parsed.problems.append(Problem(rel, body_line, "article has no sections (add '## Heading' and text)"))
    seen: dict[str, int] = {}
    for place, raw in enumerate(sections, 1):
        # a heading of symbols only (an emoji, "???") has no letter to name it by: it is named by its place
        raw = raw if raw.slug else dataclasses.replace(raw, slug=f"section-{place}")
        if raw.slug in seen:
            parsed.problems.append(Problem(
                rel, raw.line, f"duplicate id article/{slug}#{raw.slug} (same heading as line {seen[raw.slug]})"))
            continue
        seen[raw.slug] = raw.line
        if not raw.plain.strip():
            parsed.problems.append(Problem(rel, raw.line, f"empty section {raw.heading!r}"))
            continue
        m = meta.get(raw.slug, _SectionMeta())
        where = f"sections.{raw.slug}.care"
        for line, message in care_problems(m.care, m.callout, f"{raw.heading}\n{raw.plain}", where,
                                           f.line("sections", raw.slug, "care"),
                                           f.line("sections", raw.slug, "callout"), raw.line):
            f.problem(line, message)
        for i, nutrient in enumerate(m.nutrients):
            parsed.declared.append((nutrient, f.line("sections", raw.slug, "nutrients", i)))
        parsed.records.append(Section(
            id=f"article/{slug}#{raw.slug}", article_slug=slug, article_title=title, heading=raw.heading,
            text=raw.text, plain=raw.plain, path=rel, line=raw.line, reviewed=reviewed, tags=tags,
            declared_nutrients=declared, nutrients=declared, references=refs,
            section_nutrients=tuple(dict.fromkeys(m.nutrients)), care=_level(m.care),
            callout=m.callout.strip() if isinstance(m.callout, str) else "",
            article_summary=" ".join(summary.split()) if isinstance(summary, str) else "",
        ))
    for key in meta:
        if key not in seen:
            headings = ", ".join(sorted(seen)[:8]) or "none"
            f.problem(f.line("sections", key), f"sections: no heading of this article has the slug {key!r} "
                                               f"(its heading slugs: {headings})")
    return parsed


@dataclass(frozen=True)
class _SectionMeta:
    """What the front matter's ``sections:`` says of one section (values as written, checked later)."""

    care: object = None
    callout: object = None
    nutrients: tuple[str, ...] = ()


def _level(care: object) -> str | None:
    return care if isinstance(care, str) and care in CARE_LEVELS else None


def _section_meta(f: Fields) -> dict[str, _SectionMeta]:
    """The ``sections:`` mapping: heading slug -> care, callout and nutrients of that section."""
    value = f.data.get("sections")
    if value is None:
        return {}
    if not isinstance(value, dict):
        f.problem(f.line("sections"), "field 'sections' must be a mapping of heading slug -> "
                                      "{care, callout, nutrients}")
        return {}
    out: dict[str, _SectionMeta] = {}
    for key, item in value.items():
        line = f.line("sections", key)
        if not isinstance(key, str) or not key.strip():
            f.problem(line, f"sections: {shown(key)} is not a heading slug")
            continue
        if not isinstance(item, dict):
            f.problem(line, f"sections.{key} must be a mapping with care, callout or nutrients")
            out[key] = _SectionMeta()
            continue
        nutrients: list[str] = []
        raw = item.get("nutrients")
        if raw is not None and not isinstance(raw, list):
            f.problem(f.line("sections", key, "nutrients"), f"sections.{key}.nutrients must be a list of slugs")
        for i, slug in enumerate(raw if isinstance(raw, list) else ()):
            if not isinstance(slug, str) or not slug.strip():
                f.problem(f.line("sections", key, "nutrients", i),
                          f"item {i + 1} of sections.{key}.nutrients must be a nutrient slug")
                continue
            nutrients.append(slug.strip().lower())
        for extra in item:
            if extra not in ("care", "callout", "nutrients"):
                f.problem(f.line("sections", key, extra), f"unknown field 'sections.{key}.{extra}'")
        out[key] = _SectionMeta(item.get("care"), item.get("callout"), tuple(nutrients))
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
               {"question", "answer", "nutrients", "tags", "article", "reviewed", "references", "care", "callout"})
    question = f.text("question")
    answer = f.text("answer")
    tags = f.text_list("tags", lower=True)
    declared = _declared(f, parsed)
    article = f.text("article", required=False) or None
    if article:
        parsed.faq_article = (article, f.line("article"))
    reviewed = f.date()
    refs = f.references()
    care, callout = f.data.get("care"), f.data.get("callout")
    plain = markdown_plain(answer)
    for line, message in care_problems(care, callout, f"{question}\n{plain}", "care", f.line("care"),
                                       f.line("callout"), f.line("answer")):
        f.problem(line, message)
    if question and answer:
        parsed.records.append(Faq(
            id=f"faq/{_slug_of(rel)}", question=question, answer=answer, plain=plain, path=rel,
            line=doc.first_line, reviewed=reviewed, tags=tags, declared_nutrients=declared, nutrients=declared,
            article=article, references=refs, care=_level(care),
            callout=callout.strip() if isinstance(callout, str) else "",
        ))
    return parsed


def parse_nutrient(rel: str, text: str) -> Parsed:
    """A nutrient record (schema v2): every field required but ``forms``, ``food_note`` and the optional
    parts of the tables (see :mod:`kb.corpus.nutrient_fields`)."""
    parsed = Parsed()
    doc = _load(rel, text, parsed)
    if doc is None:
        return parsed
    f = Fields(doc, rel, parsed.problems, {*NUTRIENT_FIELDS, "intake"})  # "intake": v1, reported as such
    slug = _slug_of(rel)
    name = f.text("name")
    aliases = f.text_list("aliases", required=True)
    forms = f.text_list("forms")
    category = f.text("category").lower()
    if category and category not in CATEGORIES:
        f.problem(f.line("category"), f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    tables = Tables(f)
    unit, daily_value = tables.unit_and_daily_value()
    nutrient = Nutrient(
        id=f"nutrient/{slug}", slug=slug, name=name, aliases=aliases, forms=forms, category=category,
        summary=f.text("summary"), muscle_nerve_role=f.text("muscle_nerve_role"), unit=unit,
        daily_value=daily_value, intakes=tables.intakes(), upper_limits=tables.upper_limits(),
        food_sources=tables.food_sources(), food_note=f.text("food_note", required=False),
        blood_tests=tables.blood_tests(), interactions=tables.interactions(), deficiency=tables.deficiency(),
        excess=tables.excess(), at_risk=f.text_list("at_risk", required=True), see_doctor=f.text("see_doctor"),
        references=f.references(), reviewed=f.date(), path=rel, line=doc.first_line,
    )
    if name:
        parsed.records.append(nutrient)
    return parsed


PARSERS = {"article": parse_article, "faq": parse_faq, "nutrient": parse_nutrient}
