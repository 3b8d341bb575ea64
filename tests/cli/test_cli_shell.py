"""The CLI as shell tools behave: colour only when wanted, text wrapped to the terminal, grep's exit codes,
forgiving nutrient names, whole articles, Markdown export, ``--version``."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.cli.main import EXAMPLES, main
from kb.cli.terminal import _SGR, reflow, wrap_line

ESC = "\x1b"


@pytest.fixture
def root(kb) -> str:
    return str(kb.root)


def on_tty(*args: str, env: dict[str, str] | None = None, columns: int = 80) -> tuple[int, str]:
    """Run ``kb ARGS`` with its output on a pseudo-terminal ``columns`` wide; (exit code, what it printed)."""
    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    full_env.update({"COLUMNS": str(columns), "TERM": "xterm-256color", **(env or {})})
    proc = subprocess.Popen([sys.executable, "-m", "kb", *args], stdout=slave, stderr=slave, stdin=subprocess.DEVNULL,
                            env=full_env, close_fds=True)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the pty closes with the child's last write
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout=60), out.decode("utf-8", "replace").replace("\r\n", "\n")


def test_color_follows_no_color_and_the_color_option(root) -> None:
    code, out = on_tty("--root", root, "search", "cramps")
    assert code == 0 and ESC + "[1;33m" in out  # matched words stand out on a terminal
    code, out = on_tty("--root", root, "search", "cramps", env={"NO_COLOR": "1"})
    assert code == 0 and ESC not in out and "cramp" in out.lower()
    code, out = on_tty("--root", root, "search", "cramps", "--color", "never")
    assert code == 0 and ESC not in out
    piped = subprocess.run([sys.executable, "-m", "kb", "--root", root, "--color", "always", "search", "cramps"],
                           capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and ESC + "[1;33m" in piped.stdout  # asked for, even into a pipe
    code, out = on_tty("--root", root, "nutrient", "magnesium", env={"NO_COLOR": "x"})
    assert code == 0 and ESC not in out


def test_text_is_wrapped_to_the_terminal_at_word_boundaries(root) -> None:
    code, out = on_tty("--root", root, "--color", "never", "search", "cramps at night", columns=48)
    assert code == 0
    lines = out.splitlines()
    assert all(len(line) <= 48 for line in lines), [line for line in lines if len(line) > 48]
    piped = subprocess.run([sys.executable, "-m", "kb", "--root", root, "search", "cramps at night"],
                           capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "48"})
    assert any(len(line) > 48 for line in piped.stdout.splitlines())  # piped: each line whole, for scripts
    # the same words in the same order: no word was cut in two to fit
    def words(text: str) -> str:
        return " ".join(re.sub(r"in [0-9.]+ ms", "in _ ms", " ".join(text.split())).split())

    assert words(out) == words(piped.stdout)


def test_show_and_nutrient_paragraphs_are_one_wrapped_block(root) -> None:
    code, out = on_tty("--root", root, "--color", "never", "show", "faq/do-bananas-help-cramps", columns=50)
    assert code == 0 and all(len(line) <= 50 for line in out.splitlines())


def test_search_exit_codes_are_greps(root) -> None:
    assert main(["--root", root, "search", "cramps"]) == 0
    assert main(["--root", root, "search", "zzqqxx"]) == 1
    assert main(["--root", root, "search", "zzqqxx", "--json"]) == 1
    with pytest.raises(SystemExit) as exc:
        main(["--root", root, "search", "cramps", "--kind", "bogus"])
    assert exc.value.code == 2


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert re.fullmatch(r"kb \S+\n", capsys.readouterr().out)


@pytest.mark.parametrize("typed", ["magnesium", "Magnesium", "MAGNESIUM", "Mg", "mg", "nutrient/magnesium",
                                   "hypomagnesemia"])
def test_nutrient_accepts_its_name_alias_and_any_case(root, capsys, typed) -> None:
    assert main(["--root", root, "nutrient", typed, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["nutrient"]["id"] == "nutrient/magnesium"


def test_nutrient_slug_with_underscores_or_spaces(root, capsys) -> None:
    for typed in ("vitamin_b12", "vitamin b12", "Vitamin-B12"):
        assert main(["--root", root, "nutrient", typed, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["nutrient"]["id"] == "nutrient/vitamin-b12"


def test_unknown_nutrient_names_close_matches_and_every_slug(root, capsys) -> None:
    assert main(["--root", root, "nutrient", "magnesum"]) == 1
    err = capsys.readouterr().err
    assert "did you mean magnesium?" in err and "magnesium, potassium, vitamin-b12" in err
    assert err.count("\n") == 1


def test_show_a_whole_article_with_its_contents(root, capsys) -> None:
    for typed in ("night-cramps", "article/night-cramps"):
        assert main(["--root", root, "show", typed]) == 0
        out = capsys.readouterr().out
        lines = out.splitlines()
        assert lines[0] == "Night-time leg cramps" and "Contents" in lines
        first, second = out.index("1. What a night cramp is"), out.index("2. Stretching before bed")
        assert first < second and "charley horse" in out and "nighttime cramps less frequent" in out
        assert out.rstrip().endswith("For information only; not medical advice.")


def test_an_unknown_section_lists_that_articles_sections(root, capsys) -> None:
    assert main(["--root", root, "show", "article/night-cramps#stretching"]) == 1
    err = capsys.readouterr().err
    assert "#what-a-night-cramp-is" in err and "#stretching-before-bed" in err and err.count("\n") == 1


def test_every_help_example_runs(tmp_path) -> None:
    """What ``kb CMD --help`` shows as an example works on the shipped corpus (watch and the TUI aside)."""
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "KB_ROOT": str(repo)}
    for name, example in EXAMPLES.items():
        for line in example.split("\n"):
            tokens = shlex.split(line, comments=True)
            argv = tokens[1:tokens.index(">")] if ">" in tokens else tokens[1:]
            if name in ("tui",) or "--watch" in argv or "--root" in argv:
                continue
            argv = [a if a != "notes.md" else str(tmp_path / "notes.md") for a in argv]
            proc = subprocess.run([sys.executable, "-m", "kb", "--index", str(tmp_path / "index"), *argv],
                                  capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
            assert proc.returncode == 0, (line, proc.stderr)


def test_export_markdown_of_records_and_of_a_whole_article(root, capsys, tmp_path) -> None:
    assert main(["--root", root, "export", "--format", "markdown", "night-cramps"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Night-time leg cramps\n") and "## What a night cramp is" in out
    assert "## Stretching before bed" in out and "- [Fact sheet](https://ods.od.nih.gov/factsheets/)" in out
    assert "For information only; not medical advice." in out
    target = tmp_path / "share.md"
    assert main(["--root", root, "export", "--format", "markdown", "faq/do-bananas-help-cramps",
                 "nutrient/potassium", "-o", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert "## Do bananas help with cramps?" in text and "## Potassium" in text and "Reviewed 2026-11-20" in text
    assert "wrote 2 record(s)" in capsys.readouterr().err


def test_the_singular_is_one_result(root, capsys) -> None:
    assert main(["--root", root, "search", "constipation", "--kind", "nutrient"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^1 result \(", out, re.M), out


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(["a", "bb", "cramp", "x" * 30, "\x1b[1;33mmark\x1b[0m", "\x1b[1mbo ld\x1b[0m"]),
                      min_size=1, max_size=40),
       indent=st.sampled_from(["", "  ", "    ", "- "]), width=st.integers(20, 90))
def test_wrapping_keeps_every_word_and_fits_the_width(words, indent, width) -> None:
    line = indent + " ".join(words)
    out = wrap_line(line, width)
    assert all(len(_SGR.sub("", o)) <= width for o in out)
    assert " ".join(_SGR.sub("", o) for o in out).split() == _SGR.sub("", line).split() or any(
        len(w) > width - len(indent) for w in _SGR.sub("", line).split())  # only a word wider than a line is cut
    assert all(o.count("\x1b[") == 0 or o.endswith("\x1b[0m") or not o.rfind("\x1b[0m") < o.rfind("\x1b[1")
               for o in out)  # an emphasis never runs on past the end of a line


def test_reflow_joins_paragraph_lines_but_keeps_lists_and_tables() -> None:
    md = "One line\nof a paragraph.\n\n- an item\n  continued\n- another\n\n| a | b |\n| - | - |"
    assert reflow(md) == "One line of a paragraph.\n\n- an item continued\n- another\n\n| a | b |\n| - | - |"


def test_init_creates_a_knowledge_base_that_validates_and_answers(tmp_path, capsys) -> None:
    root = tmp_path / "my-kb"
    assert main(["init", str(root)]) == 0
    out = capsys.readouterr().out
    assert "created" in out and (root / "corpus" / "nutrients" / "magnesium.yaml").is_file()
    assert main(["--root", str(root), "validate"]) == 0
    assert capsys.readouterr().out.startswith("ok: 1 articles, 2 sections, 1 FAQs, 1 nutrients")
    assert main(["--root", str(root), "search", "seizure", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["emergency"]["id"] == "article/example-article#when-to-get-help"  # its red flag and callout
    assert main(["init", str(root)]) == 1  # never over an existing corpus
    assert "already a knowledge base" in capsys.readouterr().err


def test_watch_names_only_corpus_files(tmp_path) -> None:
    """``kb index --watch`` lists what changed; sed's and editors' temporary files are not corpus files."""
    from kb.corpus.watch import is_corpus_file

    corpus = tmp_path / "corpus"
    named = {p: is_corpus_file(tmp_path, str(corpus / p)) for p in (
        "articles/night.md", "articles/sedOpdVai", "faq/a.yaml", "faq/a.txt", "synonyms.yaml", "notes.txt",
        "nutrients/zinc.yml", "articles/sub/deep.md")}
    assert [p for p, yes in named.items() if yes] == ["articles/night.md", "faq/a.yaml", "synonyms.yaml",
                                                      "nutrients/zinc.yml"]
