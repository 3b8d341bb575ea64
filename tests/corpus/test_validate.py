"""``kb validate``: every problem in one run as ``path:line: message``, a non-zero exit; a summary when clean.

Each test writes the fixture corpus with one file broken in a known way and asserts the exact lines printed,
so a missing problem, a wrong line or a spurious extra problem (one bad file blaming a good one) all fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FILES, write_corpus

from kb.cli.main import main
from kb.corpus.loader import load_corpus

EYELID = "corpus/faq/why-does-my-eyelid-twitch.yaml"
BANANAS = "corpus/faq/do-bananas-help-cramps.yaml"
NERVES = "corpus/articles/nerves.md"
CRAMPS = "corpus/articles/night-cramps.md"
MAGNESIUM = "corpus/nutrients/magnesium.yaml"
POTASSIUM = "corpus/nutrients/potassium.yaml"
SUMMARY = "ok: 2 articles, 5 sections, 2 FAQs, 3 nutrients, 5 synonym groups"


def edited(rel: str, old: str, new: str) -> str:
    assert FILES[rel].count(old) == 1, f"{old!r} must occur once in {rel}"
    return FILES[rel].replace(old, new)


def make(tmp_path: Path, changes: dict[str, str | bytes | None]) -> Path:
    """The fixture corpus with ``changes``: text or raw bytes written to a path, or None to delete it."""
    files = {rel: text for rel, text in FILES.items() if changes.get(rel, "") is not None}
    files.update({rel: text for rel, text in changes.items() if isinstance(text, str)})
    root = write_corpus(tmp_path / "kb", files)
    for rel, data in changes.items():
        if isinstance(data, bytes):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
    return root


def validate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["--root", str(root), "validate"])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def problems(tmp_path: Path, capsys: pytest.CaptureFixture[str],
             changes: dict[str, str | bytes | None]) -> list[str]:
    """The problem lines ``kb validate`` prints for the changed corpus (asserting it fails as it should)."""
    code, lines, err = validate(make(tmp_path, changes), capsys)
    assert code == 1
    assert err == f"kb: {len(lines)} problem(s) found\n"
    return lines


# --- a clean corpus -----------------------------------------------------------------------------------------


def test_valid_corpus_prints_a_one_line_summary_and_exits_zero(kb_root: Path, capsys) -> None:
    code, lines, err = validate(kb_root, capsys)
    assert (code, lines, err) == (0, [SUMMARY], "")


def test_valid_corpus_summary_through_the_real_command(kb_root: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KB_ROOT"}
    done = subprocess.run([sys.executable, "-m", "kb", "--root", str(kb_root), "validate"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert (done.returncode, done.stdout, done.stderr) == (0, SUMMARY + "\n", "")


def test_validate_does_not_write_an_index(kb_root: Path, capsys) -> None:
    validate(kb_root, capsys)
    assert list((kb_root / "index").iterdir()) == []


def test_editor_leftovers_hidden_files_and_a_readme_are_ignored(tmp_path: Path, capsys) -> None:
    root = make(tmp_path, {
        "corpus/README.md": "Notes for editors.\n",
        "corpus/.DS_Store": b"\x00\x01",
        "corpus/faq/.#why-does-my-eyelid-twitch.yaml": "lock",
        "corpus/articles/nerves.md~": "backup",
        "corpus/nutrients/magnesium.yaml.swp": b"\x00swap",
    })
    assert validate(root, capsys) == (0, [SUMMARY], "")


# --- YAML and front matter ----------------------------------------------------------------------------------


def test_malformed_yaml_reports_line_and_column(tmp_path: Path, capsys) -> None:
    bad = edited(EYELID, "answer: Usually tiredness,", "answer: Usually: tiredness,")
    assert problems(tmp_path, capsys, {EYELID: bad}) == [
        f"{EYELID}:2: malformed YAML at column 16: mapping values are not allowed in this context",
    ]


def test_malformed_yaml_in_front_matter_reports_the_file_line(tmp_path: Path, capsys) -> None:
    bad = edited(NERVES, "summary: How B12", "summary: B12: how it")
    assert problems(tmp_path, capsys, {NERVES: bad}) == [
        f"{NERVES}:3: malformed YAML at column 13: mapping values are not allowed in this context",
    ]


def test_duplicate_key_is_reported_not_silently_overwritten(tmp_path: Path, capsys) -> None:
    bad = FILES[EYELID] + "reviewed: 2025-01-01\n"
    line = bad.count("\n")
    assert problems(tmp_path, capsys, {EYELID: bad}) == [
        f"{EYELID}:{line}: duplicate key 'reviewed' (first given on line 3)",
    ]


def test_impossible_date_reports_its_line(tmp_path: Path, capsys) -> None:
    bad = edited(EYELID, "reviewed: 2026-11-20", "reviewed: 2026-02-30")
    assert problems(tmp_path, capsys, {EYELID: bad}) == [
        f"{EYELID}:3: malformed YAML at column 11: day is out of range for month",
    ]


def test_missing_front_matter(tmp_path: Path, capsys) -> None:
    bad = FILES[NERVES].removeprefix("---\n")
    assert problems(tmp_path, capsys, {NERVES: bad}) == [
        f"{NERVES}:1: front matter missing: the file must start with a '---' line",
    ]


def test_unclosed_front_matter(tmp_path: Path, capsys) -> None:
    bad = edited(NERVES, "---\n\n## Pins", "\n## Pins")
    assert problems(tmp_path, capsys, {NERVES: bad}) == [
        f"{NERVES}:1: front matter not closed: no second '---' line",
    ]


def test_front_matter_that_is_not_a_mapping(tmp_path: Path, capsys) -> None:
    bad = "---\n- just\n- a list\n---\n\n## A\n\nText.\n"
    assert problems(tmp_path, capsys, {NERVES: bad}) == [
        f"{NERVES}:2: expected a YAML mapping of fields",
        f"{NERVES}:2: missing required field 'references'",
        f"{NERVES}:2: missing required field 'reviewed'",
        f"{NERVES}:2: missing required field 'summary'",
        f"{NERVES}:2: missing required field 'title'",
    ]


# --- fields -------------------------------------------------------------------------------------------------


def test_missing_required_faq_fields(tmp_path: Path, capsys) -> None:
    bad = FILES[EYELID].split("references:")[0].replace("question: Why does my eyelid twitch?\n", "")
    assert problems(tmp_path, capsys, {EYELID: bad}) == [
        f"{EYELID}:1: missing required field 'question'",
        f"{EYELID}:1: missing required field 'references'",
    ]


def test_missing_required_article_field(tmp_path: Path, capsys) -> None:
    bad = edited(NERVES, "title: Vitamin B12 and nerves\n", "")
    assert problems(tmp_path, capsys, {NERVES: bad}) == [f"{NERVES}:2: missing required field 'title'"]


def test_missing_required_nutrient_field(tmp_path: Path, capsys) -> None:
    bad = edited(MAGNESIUM, "see_doctor: See a doctor if symptoms persist.\n", "")
    # night-cramps.md declares magnesium: it is not blamed for the nutrient file's own problem
    assert problems(tmp_path, capsys, {MAGNESIUM: bad}) == [
        f"{MAGNESIUM}:1: missing required field 'see_doctor'",
    ]


def test_empty_required_field(tmp_path: Path, capsys) -> None:
    bad = edited(EYELID, "answer: Usually tiredness, stress or caffeine; it settles on its own.",
                 'answer: ""')
    assert problems(tmp_path, capsys, {EYELID: bad}) == [f"{EYELID}:2: field 'answer' is empty"]


def test_tags_that_are_not_a_list(tmp_path: Path, capsys) -> None:
    bad = edited(EYELID, "reviewed:", "tags: 5\nreviewed:")
    assert problems(tmp_path, capsys, {EYELID: bad}) == [f"{EYELID}:3: field 'tags' must be a list"]


def test_reviewed_that_is_not_a_date(tmp_path: Path, capsys) -> None:
    bad = edited(EYELID, "reviewed: 2026-11-20", 'reviewed: "yesterday"')
    assert problems(tmp_path, capsys, {EYELID: bad}) == [
        f"{EYELID}:3: field 'reviewed' must be a date like 2026-11-26, not 'yesterday'",
    ]


def test_intake_amount_that_is_not_a_number(tmp_path: Path, capsys) -> None:
    bad = edited(POTASSIUM, "male: 400,", 'male: "lots",')
    # do-bananas-help-cramps.yaml declares potassium: it is not blamed for the nutrient file's own problem
    assert problems(tmp_path, capsys, {POTASSIUM: bad}) == [
        f"{POTASSIUM}:15: intakes row 4 male must be a positive number in mg, not 'lots'",
    ]


def test_question_that_is_not_text(tmp_path: Path, capsys) -> None:
    bad = edited(EYELID, "question: Why does my eyelid twitch?", "question: [why, eyelid]")
    assert problems(tmp_path, capsys, {EYELID: bad}) == [
        f"{EYELID}:1: field 'question' must be text, not list",
    ]


def test_nutrient_category_and_measure_must_be_known_words(tmp_path: Path, capsys) -> None:
    bad = edited(MAGNESIUM, "category: mineral", "category: metal").replace("measure: RDA", "measure: lots")
    assert problems(tmp_path, capsys, {MAGNESIUM: bad}) == [
        f"{MAGNESIUM}:3: category must be one of mineral, vitamin, electrolyte, not 'metal'",
        f"{MAGNESIUM}:10: intakes.measure must be one of RDA, AI",
        f"{MAGNESIUM}:13: intakes row 2: measure must be one of RDA, AI",  # the rows without their own
        f"{MAGNESIUM}:14: intakes row 3: measure must be one of RDA, AI",
        f"{MAGNESIUM}:15: intakes row 4: measure must be one of RDA, AI",
        f"{MAGNESIUM}:16: intakes row 5: measure must be one of RDA, AI",
    ]


def test_reference_url_must_be_http(tmp_path: Path, capsys) -> None:
    bad = edited(EYELID, "url: https://ods.od.nih.gov/factsheets/", "url: javascript:alert(1)")
    assert problems(tmp_path, capsys, {EYELID: bad}) == [
        f"{EYELID}:7: reference 1 url is not an http(s) address",
    ]


def test_unknown_field(tmp_path: Path, capsys) -> None:
    assert problems(tmp_path, capsys, {EYELID: FILES[EYELID] + "colour: red\n"}) == [
        f"{EYELID}:8: unknown field 'colour'",
    ]


def test_unknown_fields_inside_references_and_intake(tmp_path: Path, capsys) -> None:
    bad = edited(MAGNESIUM, "  measure: RDA\n", "  measure: RDA\n  per_day: 3\n") + "    year: 2024\n"
    assert problems(tmp_path, capsys, {MAGNESIUM: bad}) == [
        f"{MAGNESIUM}:11: unknown field 'intakes.per_day'",
        f"{MAGNESIUM}:51: reference 1: unknown field 'year'",
    ]


# --- links between files ------------------------------------------------------------------------------------


def test_unknown_nutrient_slug_is_reported_at_its_list_item(tmp_path: Path, capsys) -> None:
    bad = edited(NERVES, "reviewed:", "nutrients:\n  - vitamin-b12\n  - zinc\nreviewed:")
    assert problems(tmp_path, capsys, {NERVES: bad}) == [
        f"{NERVES}:6: unknown nutrient 'zinc' (no corpus/nutrients/zinc.yaml)",
    ]


def test_faq_article_naming_a_missing_article(tmp_path: Path, capsys) -> None:
    bad = edited(EYELID, "reviewed:", "article: eyelids\nreviewed:")
    assert problems(tmp_path, capsys, {EYELID: bad}) == [
        f"{EYELID}:3: unknown article 'eyelids' (no corpus/articles/eyelids.md)",
    ]


def test_deleting_an_article_an_faq_points_to_is_reported_on_the_faq(tmp_path: Path, capsys) -> None:
    assert problems(tmp_path, capsys, {CRAMPS: None}) == [
        f"{BANANAS}:6: unknown article 'night-cramps' (no corpus/articles/night-cramps.md)",
    ]


# --- sections and ids ---------------------------------------------------------------------------------------


def test_two_identical_headings_in_one_article(tmp_path: Path, capsys) -> None:
    bad = FILES[NERVES] + "\n## Pins and Needles!\n\nMore about it.\n"
    assert problems(tmp_path, capsys, {NERVES: bad}) == [
        f"{NERVES}:19: duplicate id article/nerves#pins-and-needles (same heading as line 11)",
    ]


def test_duplicate_ids_across_files(tmp_path: Path, capsys) -> None:
    """Ids come from file names, so two files collide only through the two YAML suffixes.

    ``faq/x.yaml`` and ``faq/x.yml`` are both ``faq/x`` (likewise for nutrients). Articles cannot collide:
    they have one suffix, and every section id starts with its article's slug.
    """
    assert problems(tmp_path, capsys, {
        "corpus/faq/why-does-my-eyelid-twitch.yml": FILES[EYELID],
        "corpus/nutrients/magnesium.yml": FILES[MAGNESIUM],
    }) == [
        "corpus/faq/why-does-my-eyelid-twitch.yml:1: duplicate id faq/why-does-my-eyelid-twitch "
        f"(also in {EYELID})",
        f"corpus/nutrients/magnesium.yml:1: duplicate id nutrient/magnesium (also in {MAGNESIUM})",
    ]


def test_empty_section(tmp_path: Path, capsys) -> None:
    bad = edited(NERVES, "## Who is at risk", "## Nothing here yet\n\n## Who is at risk")
    assert problems(tmp_path, capsys, {NERVES: bad}) == [f"{NERVES}:15: empty section 'Nothing here yet'"]


def test_heading_without_letters_or_digits_is_named_by_its_place(tmp_path: Path, capsys) -> None:
    """A heading of symbols only (``???``, an emoji) refuses nothing: its section's id is ``section-N`` (its place)."""
    from kb.corpus.loader import load_corpus

    root = make(tmp_path, {NERVES: edited(NERVES, "## Who is at risk", "## ???")})
    code, lines, _ = validate(root, capsys)
    assert code == 0 and lines == [SUMMARY]
    ids = [r.id for r in load_corpus(root).sections if r.path == NERVES]
    assert ids == ["article/nerves#pins-and-needles", "article/nerves#section-2"]


def test_article_with_front_matter_and_no_text(tmp_path: Path, capsys) -> None:
    bad = FILES[NERVES].split("## Pins")[0]
    assert problems(tmp_path, capsys, {NERVES: bad}) == [
        f"{NERVES}:10: article has no sections (add '## Heading' and text)",
    ]


# --- files that are not corpus text -------------------------------------------------------------------------


def test_file_that_is_not_utf8_reports_the_line_of_the_bad_byte(tmp_path: Path, capsys) -> None:
    data = FILES[EYELID].replace("caffeine", "caf\xe9ine").encode("latin-1")
    assert problems(tmp_path, capsys, {EYELID: data}) == [
        f"{EYELID}:2: not UTF-8 (byte 0xe9 at offset 77)",
    ]


def test_binary_file_with_nul_bytes(tmp_path: Path, capsys) -> None:
    data = b"---\ntitle: x\n\x89PNG\x00\x00\x00\rIHDR"
    assert problems(tmp_path, capsys, {"corpus/articles/photo.md": data}) == [
        "corpus/articles/photo.md:3: binary file (NUL byte); corpus files are UTF-8 text",
    ]


@pytest.mark.parametrize("data", [b"", b"  \n\n\t\n"])
def test_empty_file(tmp_path: Path, capsys, data: bytes) -> None:
    assert problems(tmp_path, capsys, {"corpus/faq/blank.yaml": data, "corpus/articles/blank.md": data}) == [
        "corpus/articles/blank.md: empty file",
        "corpus/faq/blank.yaml: empty file",
    ]


def test_file_over_the_size_limit_is_refused(tmp_path: Path, capsys) -> None:
    big = FILES[NERVES] + "\n## Long\n\n" + ("word " * 100 + "\n") * 5000
    assert problems(tmp_path, capsys, {NERVES: big}) == [f"{NERVES}: file is larger than the 2 MiB limit"]


def test_unknown_files_in_corpus_folders(tmp_path: Path, capsys) -> None:
    assert problems(tmp_path, capsys, {
        "corpus/faq/notes.txt": "to do\n",
        "corpus/random.txt": "hello\n",
        "corpus/articles/Night_Cramps.md": FILES[CRAMPS],
        "corpus/nutrients/old/zinc.yaml": FILES[MAGNESIUM],
    }) == [
        "corpus/articles/Night_Cramps.md: file name 'Night_Cramps' is not a slug "
        "(lowercase letters, digits, hyphens)",
        "corpus/faq/notes.txt: unknown file in corpus/faq/ (expected .yaml or .yml files)",
        "corpus/nutrients/old: unknown file in corpus/nutrients/ (expected .yaml or .yml files)",
        "corpus/random.txt: unknown file in corpus/ (expected articles/, faq/, nutrients/, synonyms.yaml, "
        "disclaimer.md)",
    ]


def test_symlink_leading_outside_the_corpus_is_not_followed(tmp_path: Path, capsys) -> None:
    root = make(tmp_path, {})
    secret = tmp_path / "secret.yaml"
    secret.write_text(FILES[EYELID], encoding="utf-8")
    (root / "corpus/faq/leak.yaml").symlink_to(secret)
    code, lines, _ = validate(root, capsys)
    assert code == 1
    assert lines == ["corpus/faq/leak.yaml: symlink leads outside the corpus folder; not followed"]


def test_synonym_problems(tmp_path: Path, capsys) -> None:
    bad = "groups:\n  - [cramp, spasm]\n  - [alone]\n  - [tired, TIRED]\n  - just a word\nversion: 2\n"
    rel = "corpus/synonyms.yaml"
    assert problems(tmp_path, capsys, {rel: bad}) == [
        f"{rel}:3: a synonym group needs at least two different entries",
        f"{rel}:4: a synonym group needs at least two different entries",
        f"{rel}:5: a synonym group must be a list of words or phrases",
        f"{rel}:6: unknown field 'version'",
    ]


# --- hostile YAML -------------------------------------------------------------------------------------------


def test_python_object_tag_is_refused_and_nothing_is_executed(tmp_path: Path, capsys) -> None:
    marker = tmp_path / "pwned"
    evil = f'question: !!python/object/apply:os.system ["touch {marker}"]\nanswer: x\n'
    assert problems(tmp_path, capsys, {"corpus/faq/evil.yaml": evil}) == [
        "corpus/faq/evil.yaml:1: YAML tag refused (could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system')",
    ]
    assert not marker.exists()


def test_python_tag_in_front_matter_is_refused_and_nothing_is_executed(tmp_path: Path, capsys) -> None:
    marker = tmp_path / "pwned"
    bad = edited(NERVES, "title: Vitamin B12 and nerves",
                 f'title: !!python/object/apply:os.system ["touch {marker}"]')
    lines = problems(tmp_path, capsys, {NERVES: bad})
    assert lines == [f"{NERVES}:2: YAML tag refused (could not determine a constructor for the tag "
                     "'tag:yaml.org,2002:python/object/apply:os.system')"]
    assert not marker.exists()


def test_alias_bomb_is_refused_quickly(tmp_path: Path, capsys) -> None:
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    rows += [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    root = make(tmp_path, {"corpus/faq/bomb.yaml": "\n".join(rows) + "\n"})
    started = time.perf_counter()
    code, lines, _ = validate(root, capsys)
    assert time.perf_counter() - started < 2.0
    # line 6 holds the first anchor that expands past the limit (9**6 values)
    assert (code, lines) == (1, [
        "corpus/faq/bomb.yaml:6: YAML expands to more than 200,000 values (an alias bomb?) and is refused",
    ])


def test_recursive_anchor_is_refused(tmp_path: Path, capsys) -> None:
    bad = edited(EYELID, "reviewed:", "tags: &t [a, *t]\nreviewed:")
    assert problems(tmp_path, capsys, {EYELID: bad}) == [
        f"{EYELID}:3: YAML alias refers to itself (a recursive anchor) and is refused",
    ]


# --- many problems, one run ---------------------------------------------------------------------------------


BROKEN: dict[str, str | bytes | None] = {
    EYELID: edited(EYELID, "reviewed: 2026-11-20", "reviewed: yesterday\ncolour: red"),
    NERVES: FILES[NERVES] + "\n## Pins and needles\n\nAgain.\n",
    POTASSIUM: edited(POTASSIUM, "male: 400,", "male: lots,"),
    "corpus/faq/latin.yaml": b"question: caf\xe9?\n",
    "corpus/faq/empty.yaml": b"",
    "corpus/faq/notes.txt": "x\n",
    "corpus/faq/evil.yaml": "question: !!python/object/apply:os.system [true]\n",
}
BROKEN_LINES = [
    f"{NERVES}:19: duplicate id article/nerves#pins-and-needles (same heading as line 11)",
    "corpus/faq/empty.yaml: empty file",
    "corpus/faq/evil.yaml:1: YAML tag refused (could not determine a constructor for the tag "
    "'tag:yaml.org,2002:python/object/apply:os.system')",
    "corpus/faq/latin.yaml:1: not UTF-8 (byte 0xe9 at offset 13)",
    "corpus/faq/notes.txt: unknown file in corpus/faq/ (expected .yaml or .yml files)",
    f"{EYELID}:3: field 'reviewed' must be a date like 2026-11-26, not 'yesterday'",
    f"{EYELID}:4: unknown field 'colour'",
    f"{POTASSIUM}:15: intakes row 4 male must be a positive number in mg, not 'lots'",
]


def test_every_problem_in_every_file_is_reported_in_one_run(tmp_path: Path, capsys) -> None:
    assert problems(tmp_path, capsys, BROKEN) == BROKEN_LINES


def test_every_problem_in_one_run_through_the_real_command(tmp_path: Path) -> None:
    root = make(tmp_path, BROKEN)
    done = subprocess.run([sys.executable, "-m", "kb", "--root", str(root), "validate"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout.splitlines() == BROKEN_LINES
    assert done.stderr == f"kb: {len(BROKEN_LINES)} problem(s) found\n"


def test_good_files_still_load_beside_bad_ones(tmp_path: Path) -> None:
    corpus = load_corpus(make(tmp_path, BROKEN))
    assert [str(p) for p in corpus.problems] == BROKEN_LINES
    assert sorted(r.id for r in corpus.records) == [
        "article/night-cramps#low-magnesium",
        "article/night-cramps#stretching-before-bed",
        "article/night-cramps#what-a-night-cramp-is",
        "faq/do-bananas-help-cramps",
        "nutrient/magnesium",
        "nutrient/vitamin-b12",
    ]
    assert corpus.bad_files == {NERVES, EYELID, POTASSIUM, "corpus/faq/latin.yaml", "corpus/faq/empty.yaml",
                                "corpus/faq/evil.yaml"}
