"""Hostile corpus files, generated (hypothesis): nothing escapes, nothing valid is lost, every problem is located.

Each example writes a few articles and FAQs (and sometimes a nutrient) built from hostile pieces: huge and hex
integers, ``.nan``/``.inf``, odd dates, anchors and aliases, python tags, unclosed brackets and quotes, tabs,
control characters, BOM and CR/CRLF line endings, deep lists and quotes, unclosed fences, headings in other
scripts or of emoji only, duplicate keys and headings. Then ``kb validate`` (the loader) and a full and an
incremental index run in-process, and:

- no exception escapes (validation, indexing, searching);
- every record that validates is found by a word of its own text (each section of an article is a record);
- every problem names one of the written files and a line (0 only for a whole-file problem: an empty file).

Bounded: derandomized, 20 examples, a few seconds.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import FILES, NUTRIENT, REF, make_root

from kb.corpus.loader import load_corpus
from kb.engine import KnowledgeBase
from kb.index.schema import index_terms

pytestmark = pytest.mark.reliability

WHOLE_FILE = ("empty file",)
# a word a query reads as a plain word: letters only, not an operator, within the 48-character query word cut
_QUERY_WORD = re.compile(r"(?<![\w.'’])[^\W\d_]{3,40}(?![\w.'’])")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=9).map(lambda w: "q" + w)
HOSTILE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
SCALAR = st.one_of(
    WORD,
    st.just("9" * 400), st.just("0x" + "f" * 400), st.just("0x" + "f" * 4000), st.just(".nan"), st.just(".inf"),
    st.just("-.inf"), st.just("1.0e+400"), st.just("2026-W05-1"), st.just('"20260101"'), st.just("2026-02-30"),
    st.just("~"), st.just("yes"), st.just("[unclosed"), st.just('"unclosed'), st.just("{a: 1"), st.just("&a x"),
    st.just("*nosuchanchor"), st.just("!!python/object/apply:os.system ['true']"), st.just("!!binary aGk="),
    st.just('"\\e]52;c;SGFja2Vk\\a"'), st.just("\t tab"), st.just("- list"), st.just("[]"), st.just("{}"),
    HOSTILE_TEXT.map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'),
)
FAQ_KEYS = ("question", "answer", "tags", "nutrients", "reviewed", "article", "references", "care", "callout",
            "colour")


@st.composite
def faq_text(draw) -> str:
    words = " ".join(draw(st.lists(WORD, min_size=1, max_size=5)))
    fields = {"question": f"What is {words}?", "answer": f"It is {words} and more {draw(WORD)}.",
              "reviewed": "2026-11-20"}
    for key in draw(st.lists(st.sampled_from(FAQ_KEYS), max_size=3)):
        fields[key] = draw(SCALAR)
    body = "".join(f"{k}: {v}\n" for k, v in fields.items() if k != "references")
    if "references" in fields and draw(st.booleans()):
        body += f"references: {fields['references']}\n"
    else:
        body += REF
    if draw(st.booleans()):  # a duplicate key, an alias, a second document, a deep nest
        body += draw(st.sampled_from(["question: again\n", "x: &a [1]\ny: *a\n", "---\nq: 2\n",
                                      "deep: " + "[" * 80 + "]" * 80 + "\n"]))
    return body


HEADING = st.one_of(WORD, st.sampled_from(["Café", "Caf", "筋肉のけいれん", "Μυϊκές κράμπες", "💪", "???", "",
                                          "Ménière’s disease", "Pins", "PINS", "Vitamin D & muscles"]))


@st.composite
def block(draw) -> str:
    words = " ".join(draw(st.lists(WORD, min_size=1, max_size=4)))
    depth = draw(st.integers(min_value=1, max_value=60))
    return draw(st.sampled_from([
        words + "\n",
        "".join("  " * i + f"- {words}\n" for i in range(depth)),
        ">" * depth + " " + words + "\n",
        "> - " * depth + words + "\n",
        "```\n" + words + "\n",  # an unclosed fence runs to the end of the article
        "    " + words + "\n",
        f"*{words}* **{words}** [{words}](javascript:alert(1)) <b>{words}</b> &amp;\n",
        f"| {words} | x |\n|---|---|\n| y | {words} |\n",
        f"{words}\n---\n",  # a setext heading: part of the section, not a section
        "### " + words + "\n",
        words + " \x1b[2J \x07 \u202e\n",
    ]))


@st.composite
def article_text(draw) -> str:
    front = draw(st.sampled_from([
        "---\ntitle: Fuzzed\nsummary: Fuzzed article.\nreviewed: 2026-11-20\n" + REF + "---\n",
        f"---\ntitle: Fuzzed\nsummary: x\nreviewed: {draw(SCALAR)}\n" + REF + "---\n",
        "---\ntitle: [broken\n---\n", "title: no fence\n", "---\ntitle: never closed\n",
        "---\ntitle: Fuzzed\nsummary: x\nnutrients: [magnesium\nreviewed: 2026-11-20\n" + REF + "---\n",
    ]))
    parts = [front, "\n"]
    if draw(st.booleans()):
        parts.append(draw(block()) + "\n")  # an Overview
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        parts.append(f"## {draw(HEADING)}\n\n")
        for b in draw(st.lists(block(), min_size=0, max_size=3)):
            parts.append(b + "\n")
    return "".join(parts)


def encode(text: str, ending: str, bom: bool) -> bytes:
    return (("\ufeff" if bom else "") + text.replace("\n", ending)).encode("utf-8")


@st.composite
def corpus_files(draw) -> dict[str, bytes]:
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = draw(st.booleans())
    out: dict[str, bytes] = {}
    for i, text in enumerate(draw(st.lists(article_text(), min_size=1, max_size=3))):
        out[f"corpus/articles/fuzz-{i}.md"] = encode(text, ending, bom)
    for i, text in enumerate(draw(st.lists(faq_text(), min_size=1, max_size=3))):
        out[f"corpus/faq/fuzz-{i}.yaml"] = encode(text, ending, bom)
    if draw(st.booleans()):
        nutrient = NUTRIENT.format(name="Zinc", aliases="Zn", category="mineral", foods="oysters",
                                   deficiency="zinc deficiency", signs="slow healing")
        out["corpus/nutrients/zinc.yaml"] = encode(
            nutrient.replace("male: 400,", "male: " + draw(SCALAR) + ",", 1)
            .replace("food: Lentils", "food: " + draw(SCALAR), 1), ending, bom)
    if draw(st.booleans()):
        out[draw(st.sampled_from(list(out)))] = draw(st.sampled_from([b"", b"\x00\x01", b"\xff\xfe", b" \n"]))
    return out


def word_of(text: str) -> str | None:
    """A word of ``text`` that a query finds as it is (None when it has none)."""
    for m in _QUERY_WORD.finditer(text):
        if m.group() not in _OPERATORS and index_terms(m.group()):
            return m.group()
    return None


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(corpus_files())
def test_hostile_corpus_files(tmp_path_factory, files: dict[str, bytes]) -> None:
    root = make_root(tmp_path_factory.mktemp("fuzz"), dict(FILES))
    for rel, data in files.items():
        (root / rel).write_bytes(data)
    corpus = load_corpus(root)  # kb validate
    written = set(files) | set(FILES)
    for p in corpus.problems:
        assert p.path in written, p
        assert p.line >= 1 or p.message in WHOLE_FILE, p
    engine = KnowledgeBase(root)
    try:
        report = engine.update(full=True)
        assert {str(p) for p in report.problems} <= {str(p) for p in corpus.problems} | {
            str(p) for p in report.problems if p.line >= 1 or p.message in WHOLE_FILE}
        for p in report.problems:
            assert p.path in written and (p.line >= 1 or p.message in WHOLE_FILE), p
        for record in corpus.records:
            text = getattr(record, "plain", "") or ""
            word = word_of(text) or word_of(record.title)
            if word is None:
                continue
            found = [h.id for h in engine.search(word, limit=1000, correct=False).results]
            assert record.id in found, (record.id, word)
        engine.update()  # incremental, nothing changed
        for rel in list(files)[:1]:
            (root / rel).write_bytes(files[rel] + b"\n")  # touched and re-read
        engine.update()
    finally:
        engine.close()
