"""kb.corpus.yamlsafe: safe YAML with line numbers; hostile input is refused quickly and never executed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kb.corpus.yamlsafe import MAX_DEPTH, YamlProblem, load_yaml

BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
) + "\n"  # nine levels of nine-fold aliases: 9**9 (387 million) values once expanded


def problem(text: str, line_offset: int = 0) -> YamlProblem:
    with pytest.raises(YamlProblem) as info:
        load_yaml(text, line_offset)
    return info.value


def test_values_and_the_line_of_every_key_and_item() -> None:
    doc = load_yaml("# comment\nname: Magnesium\naliases:\n  - Mg\n  - hypomagnesemia\nintake: {unit: mg}\n")
    assert doc.value == {"name": "Magnesium", "aliases": ["Mg", "hypomagnesemia"], "intake": {"unit": "mg"}}
    assert doc.line("name") == 2
    assert doc.line("aliases") == 3
    assert doc.line("aliases", 1) == 5
    assert doc.line("intake", "unit") == 6
    assert doc.first_line == 2


def test_line_of_an_unknown_path_falls_back_to_its_deepest_known_parent() -> None:
    doc = load_yaml("a: 1\nb:\n  c: 2\n")
    assert doc.line("b", "c", "missing") == 3
    assert doc.line("nothing") == doc.first_line == 1


def test_line_offset_shifts_every_line_for_embedded_yaml() -> None:
    doc = load_yaml("title: T\nsummary: S\n", line_offset=1)
    assert (doc.first_line, doc.line("title"), doc.line("summary")) == (2, 2, 3)


def test_empty_document_is_none_not_an_error() -> None:
    assert load_yaml("# nothing but a comment\n").value is None


def test_malformed_yaml_reports_line_and_column() -> None:
    err = problem("question: ok\nanswer: b: c\n")
    assert (err.line, err.column) == (2, 10)
    assert err.message == "malformed YAML at column 10: mapping values are not allowed in this context"


def test_malformed_yaml_line_includes_the_offset() -> None:
    err = problem("title: T\nsummary: a: b\n", line_offset=1)
    assert (err.line, err.column) == (3, 11)


def test_tab_indentation_is_malformed_with_its_line() -> None:
    err = problem("a:\n\tb: 1\n")
    assert (err.line, err.column) == (2, 1)
    assert err.message.startswith("malformed YAML at column 1: found character that cannot start any token")


def test_a_second_document_is_refused() -> None:
    err = problem("a: 1\n---\nb: 2\n")
    assert err.line == 2
    assert "another document" in err.message


def test_impossible_date_is_reported_at_its_line() -> None:
    err = problem("question: q\nreviewed: 2026-02-30\n")
    assert (err.line, err.column) == (2, 11)
    assert err.message == "malformed YAML at column 11: day is out of range for month"


def test_unhashable_key_is_malformed_not_a_refused_tag() -> None:
    err = problem("? [a, b]\n: c\n")
    assert err.line == 1
    assert err.message.startswith("malformed YAML")


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system",
    "!!python/object/new:os.system",
    "!!python/object:os.system",
])
def test_python_tags_are_refused_and_nothing_runs(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    err = problem(f'question: ok\nanswer: {tag} ["touch {marker}"]\n')
    assert err.line == 2
    assert err.message.startswith("YAML tag refused (could not determine a constructor for the tag")
    assert "python/object" in err.message
    assert not marker.exists()


def test_python_name_tag_is_refused() -> None:
    err = problem("a: !!python/name:os.system ''\n")
    assert (err.line, err.column) == (1, 4)
    assert err.message.startswith("YAML tag refused")


def test_alias_bomb_is_refused_in_well_under_a_second() -> None:
    started = time.perf_counter()
    err = problem(BOMB)
    assert time.perf_counter() - started < 1.0
    assert "expands to more than 200,000 values (an alias bomb?) and is refused" in err.message
    assert err.line >= 1


def test_ordinary_aliases_are_allowed() -> None:
    doc = load_yaml("base: &b [1, 2]\ncopy: *b\n")
    assert doc.value == {"base": [1, 2], "copy": [1, 2]}


@pytest.mark.parametrize("text", ["x: &a [*a]\n", "x: &a {k: *a}\n"])
def test_recursive_anchor_is_refused_quickly(text: str) -> None:
    started = time.perf_counter()
    err = problem(text)
    assert time.perf_counter() - started < 1.0
    assert err.message == "YAML alias refers to itself (a recursive anchor) and is refused"
    assert err.line == 1


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    err = problem("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n")
    assert err.message == f"YAML nested deeper than {MAX_DEPTH} levels is refused"
    assert err.line == 1


def test_nesting_at_the_limit_is_accepted() -> None:
    assert load_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n").value is not None
