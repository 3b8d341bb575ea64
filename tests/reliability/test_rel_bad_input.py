"""Bad corpus input: every broken file is reported as ``path:line: message`` by ``kb validate`` and
``kb index``, quickly, while every other file stays indexed and the broken file's last good version keeps
serving.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from reliability_helpers import FILES, REF, answers, make_root

from kb.cli.main import main
from kb.engine import KnowledgeBase

pytestmark = pytest.mark.reliability

FAQ = "corpus/faq/do-bananas-help-cramps.yaml"
ARTICLE = "corpus/articles/nerves.md"
NUTRIENT = "corpus/nutrients/potassium.yaml"
QUERIES = ("bananas", "vegans", "potassium", "magnesium", "cramps night", "eyelid", "tingling",
           "zanzibar", "plantains")  # the last two exist only in refused files: never indexed

GOOD_FAQ = FILES[FAQ]
BOMB = "".join(
    f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10 if prev else ['"lol"'] * 10) + "]\n"
    for prev, name in zip([None, "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi", strict=False)
)


def faq(**fields: str) -> str:
    """The good FAQ with some top-level fields replaced (a value of None drops the field)."""
    lines = GOOD_FAQ.split("\n")
    out = []
    for line in lines:
        key = line.split(":", 1)[0] if line and not line.startswith(" ") else None
        if key in fields:
            if fields[key] is not None:
                out.append(f"{key}: {fields[key]}")
            continue
        out.append(line)
    return "\n".join(out)


@dataclass(frozen=True)
class Case:
    rel: str
    write: Callable[[Path], None]
    line: int
    message: str  # a fragment of the message


def text(content: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(content, encoding="utf-8")


def raw(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def sparse(size: int) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with open(path, "wb") as fh:
            fh.write(b"question: big\n")
            fh.truncate(size)  # a hole: instant to create, no disk used

    return write


def symlink_outside(path: Path) -> None:
    outside = path.parents[3] / "outside.yaml"  # beside the root, not in corpus/
    outside.write_text(faq(answer="Smuggled zanzibar text from outside the corpus."), encoding="utf-8")
    path.unlink(missing_ok=True)
    os.symlink(outside, path)


def fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


ARTICLE_HEAD = "---\ntitle: Nerves\nsummary: About nerves.\nreviewed: 2026-11-20\n" + REF + "---\n\n"

CASES: dict[str, Case] = {
    "malformed YAML": Case(FAQ, text("question: [unclosed\nanswer: x\n"), 1,
                           "malformed YAML at column 11: the flow sequence started here: did not find expected"),
    "malformed front matter": Case(
        ARTICLE, text("---\ntitle: [x\n---\n\n## A\n\ntext\n"), 2, "malformed YAML"),
    "front matter not closed": Case(
        ARTICLE, text("---\ntitle: x\n\n## A\n\ntext\n"), 1, "front matter not closed"),
    "front matter missing": Case(ARTICLE, text("## A\n\ntext\n"), 1, "front matter missing"),
    "wrong type (list for text)": Case(FAQ, text(faq(question="[1, 2]")), 1, "field 'question' must be text"),
    "wrong type (mapping for list)": Case(FAQ, text(faq(tags="{a: 1}")), 5, "field 'tags'"),
    "impossible date": Case(FAQ, text(faq(reviewed="2026-02-30")), 7, "malformed YAML"),
    "not a date": Case(FAQ, text(faq(reviewed="yesterday")), 7, "must be a date"),
    "missing required field": Case(FAQ, text(faq(answer=None)), 1, "missing required field 'answer'"),
    "unknown field": Case(FAQ, text(GOOD_FAQ + "colour: blue\n"), 12, "unknown field 'colour'"),
    "nutrient amount not a number": Case(
        NUTRIENT, text(FILES[NUTRIENT].replace("male: 400,", "male: lots,")), 15, "positive number"),
    "document is a list": Case(FAQ, text("- a\n- b\n"), 1, "expected a YAML mapping"),
    "duplicate id (.yaml and .yml)": Case(
        FAQ.replace(".yaml", ".yml"), text(faq(answer="Plantains, not bananas.")), 1,
        f"duplicate id faq/do-bananas-help-cramps (also in {FAQ})"),
    "duplicate nutrient id (.yaml and .yml)": Case(
        NUTRIENT.replace(".yaml", ".yml"), text(FILES[NUTRIENT]), 1,
        f"duplicate id nutrient/potassium (also in {NUTRIENT})"),
    "duplicate section heading": Case(
        ARTICLE, text(ARTICLE_HEAD + "## Pins\n\nOne.\n\n## Pins!\n\nTwo.\n"), 15,
        "duplicate id article/nerves#pins (same heading as line 11)"),
    "python/object/apply tag": Case(
        FAQ, text("question: !!python/object/apply:os.system ['touch PWNED']\nanswer: x\n"), 1,
        "YAML tag refused"),
    "python/object/new tag": Case(
        FAQ, text("question: !!python/object/new:subprocess.Popen [['touch', 'PWNED']]\n"), 1,
        "YAML tag refused"),
    "python/name tag": Case(FAQ, text("question: !!python/name:os.system\n"), 1, "YAML tag refused"),
    "python tag in front matter": Case(
        ARTICLE, text("---\ntitle: !!python/object/apply:os.system ['touch PWNED']\n---\n\n## A\n\nx\n"), 2,
        "YAML tag refused"),
    "alias bomb": Case(FAQ, text(BOMB), 6, "alias bomb"),
    "alias bomb in front matter": Case(ARTICLE, text("---\n" + BOMB + "---\n\n## A\n\nx\n"), 7, "alias bomb"),
    "recursive alias": Case(FAQ, text("question: &q [*q]\n"), 1, "refers to itself"),
    "not UTF-8": Case(
        FAQ, raw("question: caf\xe9\nanswer: x\n".encode("latin-1")), 1, "not UTF-8 (byte 0xe9"),
    "UTF-16": Case(FAQ, raw(GOOD_FAQ.encode("utf-16")), 1, "binary file (NUL byte)"),
    "binary": Case(FAQ, raw(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 3, "binary file (NUL byte)"),
    "empty": Case(FAQ, raw(b""), 0, "empty file"),
    "only whitespace": Case(FAQ, raw(b"\n  \n\t\n"), 0, "empty file"),
    "50 MB file": Case(FAQ, sparse(50 * 1024 * 1024), 0, "larger than the 2 MiB limit"),
    "just over the limit": Case(FAQ, sparse(2 * 1024 * 1024 + 1), 0, "larger than the 2 MiB limit"),
    "deeply nested YAML (block)": Case(
        FAQ, text("".join("  " * i + "k:\n" for i in range(200)) + "  " * 200 + "v\n"), 65,
        "nested deeper than 64"),
    "deeply nested YAML (flow, 100k levels)": Case(
        FAQ, text("q: " + "[" * 100_000 + "]" * 100_000), 1, "nesting"),
    "control character in YAML": Case(FAQ, text(faq(question="Bell \x07 here")), 1,
        "malformed YAML at column 16: character U+0007 is not allowed"),
    # M1: libyaml's context kept, and the line of an unclosed bracket or quote rather than where libyaml gave up
    "duplicate anchor": Case(FAQ, text("question: &q Why?\nanswer: &q Because.\n"), 2,
                             "found duplicate anchor; first occurrence (line 1); second occurrence"),
    "unclosed list in front matter": Case(
        ARTICLE,
        text("---\ntitle: Nerves\nsummary: x\nnutrients: [magnesium\nreviewed: 2026-11-20\n---\n\n## A\n\nx\n"),
        4, "the flow sequence started here: did not find expected ',' or ']' (on line 5)"),
    "unclosed quote": Case(FAQ, text('question: "Why\nanswer: x\n'), 1,
                           "the quoted scalar started here: found unexpected end of stream"),
    # C1, C2, M3: numbers no float can hold, numbers too long to be text, dates and URLs that only look right
    "400-digit amount": Case(
        NUTRIENT, text(FILES[NUTRIENT].replace("male: 400,", "male: " + "9" * 400 + ",")), 15,
        "intakes row 4 male must be a positive number in mg, not a 400-digit number"),
    "400-hex-digit amount": Case(
        NUTRIENT, text(FILES[NUTRIENT].replace("male: 400,", "male: 0x" + "f" * 400 + ",")), 15,
        "intakes row 4 male must be a positive number in mg, not a 482-digit number"),
    "nan amount": Case(NUTRIENT, text(FILES[NUTRIENT].replace("male: 400,", "male: .nan,")), 15,
                       "intakes row 4 male must be a positive number in mg, not nan"),
    "inf amount": Case(NUTRIENT, text(FILES[NUTRIENT].replace("male: 400,", "male: .inf,")), 15,
                       "intakes row 4 male must be a positive number in mg, not inf"),
    "1.0e+400 amount": Case(NUTRIENT, text(FILES[NUTRIENT].replace("male: 400,", "male: 1.0e+400,")), 15,
                            "not inf"),
    "4,000-hex-digit text in a nutrient table": Case(
        NUTRIENT, text(FILES[NUTRIENT].replace("food: Lentils", "food: 0x" + "f" * 4000)), 26,
        "food_sources row 2: 'food' must be non-empty text"),
    "4,000-hex-digit upper limit measure": Case(
        NUTRIENT, text(FILES[NUTRIENT].replace("measure: UL", "measure: 0x" + "f" * 4000)), 18,
        "upper_limits.measure must be one of"),
    "4,000-hex-digit care level": Case(FAQ, text(GOOD_FAQ + "care: 0x" + "f" * 4000 + "\n"), 12,
                                       "care must be one of emergency, urgent, routine, self-care, not an integer"),
    "4,000-hex-digit question": Case(
        FAQ, text(faq(question="0x" + "f" * 4000)), 1,
        "field 'question' must be text, not an integer too long to be text (put it in quotes)"),
    "4,000-hex-digit tag": Case(FAQ, text(faq(tags="[food, 0x" + "f" * 4000 + "]")), 5,
                                "item 2 of 'tags' must be non-empty text"),
    "4,000-hex-digit unknown field": Case(FAQ, text(GOOD_FAQ + "? 0x" + "f" * 4000 + "\n: 1\n"), 1,
                                          "unknown field an integer of 16,000 bits"),
    "4,000-hex-digit date": Case(FAQ, text(faq(reviewed="0x" + "f" * 4000)), 7,
                                 "must be a date like 2026-11-26, not an integer of 16,000 bits"),
    "ISO week date": Case(FAQ, text(faq(reviewed="2026-W05-1")), 7,
                          "field 'reviewed' must be a date like 2026-11-26, not '2026-W05-1'"),
    "date without dashes (quoted)": Case(FAQ, text(faq(reviewed='"20260101"')), 7,
                                         "must be a date like 2026-11-26, not '20260101'"),
    "ESC and BEL in a reference URL": Case(
        FAQ, text(GOOD_FAQ.replace("url: https://ods.od.nih.gov/factsheets/",
                                   'url: "https://evil.example/\\e]8;;file:///etc/passwd\\a"')), 11,
        "reference 1 url holds a control character (U+001B); an address is printable text"),
    "escaping symlink": Case(
        FAQ, symlink_outside, 0, "symlink leads outside the corpus folder; not followed"),
    "FIFO": Case(FAQ, fifo, 0, "not a regular file"),
}


def where(case: Case) -> str:
    return f"{case.rel}:{case.line}: " if case.line else f"{case.rel}: "


@pytest.fixture
def served(tmp_path: Path):
    """A root with its index built, and what that index answers."""
    root = make_root(tmp_path / "kb")
    engine = KnowledgeBase(root)
    engine.update()
    before = answers(engine, QUERIES)
    engine.close()
    return root, before


@pytest.mark.parametrize("name", list(CASES))
def test_bad_file_is_reported_and_the_last_good_index_keeps_serving(name: str, served, capsys) -> None:
    root, before = served
    case = CASES[name]
    case.write(root / case.rel)

    started = time.perf_counter()
    assert main(["--root", str(root), "validate"]) == 1
    validate_s = time.perf_counter() - started
    out = capsys.readouterr().out.splitlines()
    hits = [line for line in out if line.startswith(where(case))]
    assert hits and case.message in hits[0], out
    assert validate_s < 2.0

    for args in (["index"], ["index", "--full"], ["index"]):
        started = time.perf_counter()
        assert main(["--root", str(root), *args]) == 1
        assert time.perf_counter() - started < 5.0
        out = capsys.readouterr().out.splitlines()
        assert any(line.startswith(where(case)) and case.message in line for line in out), out
        assert out[-1].endswith("last good version kept")

        engine = KnowledgeBase(root)
        assert answers(engine, QUERIES) == before  # other files indexed, broken file's last good version kept
        engine.close()
    assert not (root / "PWNED").exists() and not Path("PWNED").exists()


def test_every_bad_file_at_once_through_the_real_command(served) -> None:
    """All the cases above in one corpus (one file each), through ``python -m kb``: every line is there."""
    from reliability_helpers import run_kb

    root, before = served
    expected = []
    for n, (_name, case) in enumerate(CASES.items()):
        if case.rel in (FAQ, ARTICLE, NUTRIENT):  # give each case its own file
            folder, suffix = case.rel.rsplit("/", 1)[0], "." + case.rel.rsplit(".", 1)[1]
            rel = f"{folder}/case-{n}{suffix}"
        else:
            rel = case.rel
        case.write(root / rel)
        expected.append(where(Case(rel, case.write, case.line, case.message)) + "|" + case.message)
    for args in (["validate"], ["index"], ["index", "--full"]):
        started = time.perf_counter()
        done = run_kb(root, *args, timeout=60)
        assert time.perf_counter() - started < 10
        assert done.returncode == 1 and "Traceback" not in done.stderr
        lines = done.stdout.splitlines()
        for item in expected:
            prefix, message = item.split("|", 1)
            if "duplicate" in message:  # renamed copies are no longer duplicates of the original
                continue
            assert any(line.startswith(prefix) and message in line for line in lines), (prefix, message)
    engine = KnowledgeBase(root)
    assert answers(engine, QUERIES) == before
    engine.close()
