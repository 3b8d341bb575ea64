"""No silent loss in Markdown (D1): every word of every section's source is in the index, under that section.

markdown-it's nesting limit (20 in the commonmark preset) skipped the rest of the document at the first line
past it: a list 10 levels deep removed every later ``##`` section from the index, and ``kb validate`` said ok.
kb now indexes lines past ``kb.corpus.markdown.MAX_NESTING`` flat (markers stripped), so nothing is dropped.

The general check (:func:`lost_words`) compares, for each section, the words of its source lines (found by a
scan of the file that knows only ATX headings and code fences, not the parser) with the terms the index holds
for that section's record: for the shipped articles, for a generated benchmark corpus, and for hypothesis-made
articles with deep lists, quotes, code and inline syntax.
"""

# ruff: noqa: F811 - the `root` fixture is imported from reliability_helpers (no conftest.py: see there)
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import FILES, REF, make_root, run_kb

from kb.corpus.markdown import MAX_NESTING, slugify, split_front_matter
from kb.engine import KnowledgeBase
from kb.index.schema import index_terms
from kb.index.store import open_current

pytestmark = pytest.mark.reliability
REPO = Path(__file__).resolve().parents[2]
HEAD = "---\ntitle: Outline\nsummary: Deep nesting.\nreviewed: 2026-11-20\n" + REF + "---\n\n"

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_ATX2 = re.compile(r"^## +(.*?)(?: +#+)? *$")
# what is Markdown syntax, not words: link destinations and titles, reference definitions, entities
# and ordered-list numbers (a bullet or a quote marker holds no word anyway)
_SYNTAX = re.compile(r"\]\([^)]*\)|^ {0,3}\[[^\]]+\]:.*$|&#?\w+;|^(?:[ \t>]*(?:[*+-]|\d{1,9}[.)])(?=[ \t]|$))+",
                     re.MULTILINE)


def source_sections(text: str) -> list[tuple[str, str]]:
    """(heading, source lines) of each top-level ``## `` section, found without the Markdown parser."""
    _, body, _ = split_front_matter(text)
    sections: list[tuple[str, list[str]]] = [("Overview", [])]
    fence = None
    for line in body.split("\n"):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)
            continue  # the fence line itself (and its info string) is syntax
        if fence is not None:
            if line.lstrip().startswith(fence):
                fence = None
            else:
                sections[-1][1].append(line)
            continue
        h = _ATX2.match(line)
        if h:
            sections.append((h.group(1), []))
        else:
            sections[-1][1].append(line)
    return [(heading, "\n".join(lines)) for heading, lines in sections
            if heading != "Overview" or any(re.search(r"\w", ln) for ln in lines)]


def terms_of(text: str) -> set[bytes]:
    return set(index_terms(_SYNTAX.sub(" ", text).replace("_", " ")))


def holds(reader, field: str, term: bytes, docnum: int) -> bool:
    """Whether the index's postings for ``field:term`` hold document ``docnum``."""
    text = term.decode("utf-8")
    if (field, text) not in reader:
        return False
    return docnum in set(reader.postings(field, text).all_ids())


def lost_words(root: Path) -> dict[str, set[bytes]]:
    """Section id -> source terms the index does not hold for it (a missing section: all its terms)."""
    ix, _ = open_current(root / "index")
    lost: dict[str, set[bytes]] = {}
    try:
        with ix.searcher() as s:
            reader = s.reader()
            for path in sorted((root / "corpus/articles").glob("*.md")):
                text = path.read_text(encoding="utf-8")
                for heading, source in source_sections(text):
                    rid = f"article/{path.stem}#{slugify(heading)}"
                    docnum = s.document_number(id=rid)
                    wanted = terms_of(source) | terms_of(heading)
                    if docnum is None:
                        lost[rid] = wanted
                        continue
                    held = {t for t in wanted if any(holds(reader, field, t, docnum) for field in ("body", "title"))}
                    if wanted - held:
                        lost[rid] = wanted - held
    finally:
        ix.close()
    return lost


def build(root: Path) -> None:
    engine = KnowledgeBase(root)
    try:
        engine.update(full=True)
    finally:
        engine.close()


def nested_list(levels: int, word: str) -> str:
    return "\n".join("  " * i + f"- {word}{i} item" for i in range(levels)) + "\n"


DEEP = {
    "list 10 levels": nested_list(10, "deeppoint"),
    "list 12 levels": nested_list(12, "deeppoint"),
    "list 40 levels": nested_list(40, "deeppoint"),
    "ordered list 30 levels": "\n".join("   " * i + f"1. deeppoint{i} item" for i in range(30)) + "\n",
    "quote 20 levels": ">" * 20 + " quotedepthword twenty\n",
    "quote 25 levels, two lines": ">" * 25 + " quotedepthword one\n" + ">" * 25 + " quotedepthword two\n",
    "quote 100,000 levels": ">" * 100_000 + " quotedepthword\n",
    "markers on one line": "- " * 5_000 + "deeppoint on one line\n",
    "quote and list mixed": "> - " * 40 + "deeppoint mixed\n",
}


@pytest.mark.parametrize("name", list(DEEP))
def test_deep_nesting_loses_no_text_and_no_later_section(name: str, tmp_path: Path) -> None:
    files = dict(FILES)
    files["corpus/articles/outline.md"] = (
        HEAD + "## Outline\n\nIntro words.\n\n" + DEEP[name] + "\n## Later section\n\nlatersectionword here.\n\n"
        + "## Last one\n\nfinalsectionword too.\n")
    root = make_root(tmp_path / "kb", files)
    done = run_kb(root, "validate", timeout=60)
    assert done.returncode == 0, done.stdout
    started = time.perf_counter()
    assert run_kb(root, "index", timeout=60).returncode == 0
    assert time.perf_counter() - started < 20
    assert run_kb(root, "show", "article/outline#later-section", timeout=60).returncode == 0
    engine = KnowledgeBase(root)
    try:
        for word, rid in (("latersectionword", "article/outline#later-section"),
                          ("finalsectionword", "article/outline#last-one")):
            assert [h.id for h in engine.search(word).results] == [rid]
        deep = "deeppoint" if "deeppoint" in DEEP[name] else "quotedepthword"
        assert "article/outline#outline" in [h.id for h in engine.search(deep, prefix=True).results]
    finally:
        engine.close()
    assert lost_words(root) == {}  # the deep words too, under the section they are in


def test_nesting_limit_is_a_decided_setting() -> None:
    from kb.corpus.markdown import _parser

    assert MAX_NESTING == 32
    assert _parser().options["maxNesting"] > MAX_NESTING  # markdown-it's own skip-the-rest is never reached


def test_every_shipped_article_keeps_every_word(tmp_path: Path) -> None:
    root = tmp_path / "shipped"
    shutil.copytree(REPO / "corpus", root / "corpus")
    build(root)
    assert lost_words(root) == {}


def test_every_generated_article_keeps_every_word(tmp_path: Path) -> None:
    from benchmarks.generate import generate

    g = generate(tmp_path / "gen", 150, REPO, seed=7)
    root = getattr(g, "root", tmp_path / "gen")
    build(root)
    assert len(list((root / "corpus/articles").glob("*.md"))) > 10
    assert lost_words(root) == {}


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8).map(lambda w: "w" + w)


@st.composite
def block(draw) -> str:
    words = " ".join(draw(st.lists(WORD, min_size=1, max_size=4)))
    kind = draw(st.sampled_from(["para", "list", "quote", "ordered", "code", "fence", "emph", "link", "table",
                                 "mixed"]))
    depth = draw(st.integers(min_value=1, max_value=60))
    if kind == "para":
        return words + "\n"
    if kind == "list":
        return "".join("  " * i + f"- {words} {i}\n" for i in range(depth))
    if kind == "ordered":
        return "".join("   " * i + f"1. {words}\n" for i in range(min(depth, 30)))
    if kind == "quote":
        return ">" * depth + " " + words + "\n"
    if kind == "code":
        return "    " + words + "\n"
    if kind == "fence":
        return "```\n" + words + "\n```\n"
    if kind == "emph":
        return "*" + words + "* and **" + words + "**\n"
    if kind == "link":
        return f"[{words}](https://example.org/x) and `{words}` and ![{words}](pic.png \"a title\")\n"
    if kind == "table":
        return f"| {words} | x |\n|---|---|\n| {words} | y |\n"
    return "> - " * depth + words + "\n"


@st.composite
def article_text(draw) -> str:
    out = [HEAD]
    for n in range(draw(st.integers(min_value=1, max_value=4))):
        out.append(f"## Heading {n} {draw(WORD)}\n\n")
        for b in draw(st.lists(block(), min_size=1, max_size=4)):
            out.append(b + "\n")
    return "".join(out)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(article_text(), min_size=1, max_size=3))
def test_generated_markdown_keeps_every_word(tmp_path_factory, texts: list[str]) -> None:
    root = tmp_path_factory.mktemp("hyp")
    files = {k: v for k, v in FILES.items() if not k.startswith("corpus/articles/")}
    files.update((f"corpus/articles/hyp-{i}.md", t) for i, t in enumerate(texts))
    make_root(root, files)
    build(root)
    assert lost_words(root) == {}
