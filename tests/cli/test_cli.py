"""The `kb` command: search (text and JSON), show, nutrients, nutrient, export, one-line errors, help examples,
and the README listing every command. Most tests call ``kb.cli.main.main``; a few run the real command."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kb.cli.main import COMMANDS, EXAMPLES, build_parser, main

README = Path(__file__).resolve().parents[2] / "README.md"
HIT_KEYS = {"id", "kind", "title", "article", "article_slug", "nutrients", "score", "snippet", "path", "line",
            "reviewed", "care"}


def run(argv: list[str]) -> int:
    """``main(argv)``, with argparse's SystemExit turned into the exit code."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def kb_cmd(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env=env)


@pytest.fixture
def root(kb) -> str:
    """The fixture knowledge base, already indexed, as a --root argument."""
    return str(kb.root)


# --- search -----------------------------------------------------------------------------------------------------
def test_search_json_has_exactly_the_documented_keys(root, capsys):
    assert main(["--root", root, "search", "cramps", "at", "night", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"query", "corrected", "suggestion", "total", "facets", "emergency", "results"}
    assert data["query"] == "cramps at night" and data["corrected"] is None
    assert data["emergency"] is None  # an ordinary query: no callout
    assert data["total"] >= len(data["results"]) > 0
    assert set(data["facets"]) == {"kind", "nutrient"}
    for hit in data["results"]:
        assert set(hit) == HIT_KEYS
        assert set(hit["snippet"]) == {"text", "spans"}
    first = data["results"][0]
    assert first["id"] == "article/night-cramps#what-a-night-cramp-is"
    assert first["kind"] == "section" and first["article"] == "Night-time leg cramps"
    assert first["path"] == "corpus/articles/night-cramps.md" and first["line"] > 1
    assert first["nutrients"] == ["magnesium"]
    faq = next(h for h in data["results"] if h["kind"] == "faq")
    assert (faq["article"], faq["article_slug"]) == ("Night-time leg cramps", "night-cramps")  # its related article
    marked = [first["snippet"]["text"][a:b] for a, b in first["snippet"]["spans"]]
    assert marked and all(m.lower() in {"charley", "horse", "cramp", "night"} for m in marked)


def test_search_json_corrected(root, capsys):
    assert main(["--root", root, "search", "magnesum", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["query"], data["corrected"]) == ("magnesum", "magnesium")
    assert data["results"][0]["id"] == "nutrient/magnesium"


def test_search_options(root, capsys):
    assert main(["--root", root, "search", "cramps", "--kind", "faq", "--json"]) == 0
    assert {h["kind"] for h in json.loads(capsys.readouterr().out)["results"]} == {"faq"}
    assert main(["--root", root, "search", "cramps", "--nutrient", "magnesium", "--limit", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["results"]) == 2 and data["total"] == 4  # 3 sections and the nutrient itself
    assert all("magnesium" in h["nutrients"] for h in data["results"])


def test_search_text(root, capsys):
    assert main(["--root", root, "search", "cramps at night", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == " 1. [section] What a night cramp is · Night-time leg cramps"
    assert "article/night-cramps#what-a-night-cramp-is  corpus/articles/night-cramps.md:" in lines[2]
    assert lines[-2].startswith("5 results (faq: 1, nutrient: 1, section: 3) in ")
    assert lines[-1] == "For information only; not medical advice (kb show prints the full disclaimer)."  # one line
    assert "\x1b" not in out


def test_search_text_says_what_ran(root, capsys):
    assert main(["--root", root, "search", "magnesum"]) == 0
    assert capsys.readouterr().out.startswith("Showing results for magnesium (searched: magnesum)")
    assert main(["--root", root, "search", "magnesum", "cramps"]) == 0  # "cramps" alone would find results
    out = capsys.readouterr().out
    assert out.startswith("Showing results for magnesium cramps (searched: magnesum cramps)")
    assert " 1. [nutrient] Magnesium" in out
    assert main(["--root", root, "search", "magnesum", "cramps", "--as-typed"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Did you mean: magnesium cramps?") and " 1. [nutrient] Magnesium" not in out
    assert main(["--root", root, "search", "zzzzqqq"]) == 1  # like grep: nothing matched
    assert capsys.readouterr().out.startswith("No results.")


def test_prefix_is_opt_in(root, capsys):
    assert main(["--root", root, "search", "potass", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["total"] == 0
    assert main(["--root", root, "search", "potass", "--prefix", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["id"] == "nutrient/potassium"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_search_emphasis_only_on_a_terminal(root, monkeypatch):
    fake = _Tty()
    monkeypatch.setattr(sys, "stdout", fake)
    assert main(["--root", root, "search", "charley horse"]) == 0
    out = fake.getvalue()
    assert "\x1b[1;33mcharley\x1b[0m" in out and "\x1b[1;33mhorse\x1b[0m" in out


def test_real_search_is_plain_when_piped(root):
    proc = kb_cmd("--root", root, "search", "cramps at night", "--limit", "3")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "\x1b" not in proc.stdout
    assert proc.stdout.splitlines()[0].startswith(" 1. [section] What a night cramp is")
    data = json.loads(kb_cmd("--root", root, "search", "pins and needles", "--json").stdout)
    assert data["results"][0]["id"] == "article/nerves#pins-and-needles"


def test_root_from_environment_and_from_cwd(root):
    env = {**os.environ, "KB_ROOT": root}
    proc = kb_cmd("search", "bananas", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["results"][0]["id"] == "faq/do-bananas-help-cramps"
    env.pop("KB_ROOT")
    proc = kb_cmd("search", "bananas", "--json", cwd=Path(root) / "corpus" / "faq", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] >= 1


# --- show, nutrients, nutrient, export ------------------------------------------------------------------------------
def test_show_section(root, capsys):
    assert main(["--root", root, "show", "article/night-cramps#stretching-before-bed"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[:2] == ["Stretching before bed", "from: Night-time leg cramps"]
    assert "Stretching the calves before bed can make nighttime cramps less frequent." in out
    assert "Nutrients: magnesium" in out and "Tags: cramps, sleep" in out and "Reviewed: 2026-11-20" in out
    assert "corpus/articles/night-cramps.md:" in out
    assert lines[-1] == "For information only; not medical advice."  # the disclaimer


def test_show_faq_and_nutrient_and_json(root, capsys):
    assert main(["--root", root, "show", "faq/do-bananas-help-cramps"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Do bananas help with cramps?") and "Related article: night-cramps" in out
    assert main(["--root", root, "show", "nutrient/potassium"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Potassium (electrolyte)") and "Deficiency: hypokalemia" in out
    assert "Intakes by life stage (mg a day)" in out and "Food sources (Daily Value 400 mg)" in out
    assert main(["--root", root, "show", "nutrient/potassium", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["id"], data["kind"], data["name"]) == ("nutrient/potassium", "nutrient", "Potassium")
    assert data["intakes"]["rows"][2] == {"ages": "14-18 years", "measure": "RDA", "male": 410, "female": 360,
                                          "pregnancy": 400, "lactation": 360}
    assert data["upper_limits"]["rows"][0] == {"ages": "0-12 months", "amount": None, "pregnancy": None,
                                               "lactation": None}
    assert data["food_sources"][0] == {"food": "bananas, beans", "serving": "1 cup", "amount": 80}
    assert (data["unit"], data["daily_value"]) == ("mg", 400)


def test_nutrients_lists_counts_of_linked_sections_and_faqs(root, capsys):
    assert main(["--root", root, "nutrients"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["slug", "name", "category", "sections", "FAQs"]
    counts = {row[0]: (row[-2], row[-1]) for row in rows[1:]}
    assert counts == {"magnesium": ("3", "0"), "potassium": ("0", "1"), "vitamin-b12": ("1", "0")}
    assert main(["--root", root, "nutrients", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(n["slug"], n["sections"], n["faqs"]) for n in data] == [
        ("magnesium", 3, 0), ("potassium", 0, 1), ("vitamin-b12", 1, 0)]


def test_nutrient_shows_the_record_and_its_links(root, capsys):
    assert main(["--root", root, "nutrient", "magnesium"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Magnesium (mineral)")
    assert "Also called: Mg, hypomagnesemia" in out
    assert "Linked records (3: 3 sections, 0 FAQs)" in out
    assert out.index("[section] Low magnesium") < out.index("[section] What a night cramp is")
    for heading in ("What a night cramp is", "Stretching before bed", "Low magnesium"):
        assert f"[section] {heading}" in out
    lines = out.splitlines()
    # intakes by life stage as a table: a header row with the four columns, then a row per age band
    head = lines.index("Intakes by life stage (mg a day)")
    assert lines[head + 1].split() == ["Ages", "Measure", "Male", "Female", "Pregnancy", "Lactation"]
    assert lines[head + 4].split() == ["14-18", "years", "RDA", "410", "360", "400", "360"]
    assert lines[head + 2].split() == ["0-12", "months", "AI", "50", "50", "-", "-"]
    assert "Upper limits (UL, mg a day): applies to supplements and medicines only, not to food" in lines
    assert "The limit covers supplements only." in lines
    assert [line.split() for line in lines if "not established" in line] == [["0-12", "months", "not", "established"]]
    foods = lines.index("Food sources (Daily Value 400 mg)")
    assert lines[foods + 1].split() == ["Food", "Serving", "Amount", "%DV"]
    assert lines[foods + 2].split() == ["spinach,", "almonds", "1", "cup", "80", "mg", "20%"]
    assert lines[foods + 5].split() == ["Tofu", "1/2", "cup", "50", "mg", "13%"]  # 12.5 rounds up, as on labels
    assert "  Labs differ; read the range on your own result." in lines
    assert "  - Diuretics: Some raise or lower the level." in lines
    assert main(["--root", root, "nutrient", "potassium", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["nutrient"]["id"] == "nutrient/potassium"
    assert [r["id"] for r in data["linked"]] == ["faq/do-bananas-help-cramps"]


def test_export_jsonl(root, capsys):
    assert main(["--root", root, "export", "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 10
    common = {"id", "kind", "title", "text", "nutrients", "tags", "path", "line", "reviewed", "care", "references"}
    for r in records:
        extra = {"section": {"article", "article_title"}, "faq": {"article"}, "nutrient": set()}[r["kind"]]
        assert set(r) == common | extra
        assert r["references"] and all(set(ref) == {"title", "publisher", "url"} for ref in r["references"])
    assert [r["id"] for r in records] == sorted(r["id"] for r in records)
    bananas = next(r for r in records if r["id"] == "faq/do-bananas-help-cramps")
    assert bananas == {"id": "faq/do-bananas-help-cramps", "kind": "faq", "title": "Do bananas help with cramps?",
                       "text": bananas["text"], "nutrients": ["potassium"], "tags": ["food"],
                       "path": "corpus/faq/do-bananas-help-cramps.yaml", "line": 1, "reviewed": "2026-11-20",
                       "references": bananas["references"], "article": "night-cramps", "care": None}
    assert "low potassium can cause weakness" in bananas["text"]  # Markdown stripped


# --- errors ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, code, message", [
    (["show", "bogus"], 1, "kb: unknown article 'bogus'"),
    (["show", "faq/bogus"], 1, "kb: unknown id 'faq/bogus'"),
    (["nutrient", "bogus"], 1, "kb: unknown nutrient 'bogus'"),
    (["search", "cramps", "--limit", "0"], 2, "kb: argument --limit: must be at least 1"),
    (["search", "cramps", "--limit", "lots"], 2, "kb: argument --limit: invalid int value"),
    (["search", "cramps", "--kind", "bogus"], 2, "kb: argument --kind: invalid choice: 'bogus'"),
    (["search", "kind:bogus"], 2, "kb: unknown kind 'bogus' (kinds: section, faq, nutrient)"),
    (["search", "cramps", "nutrient:bogus"], 2,
     "kb: unknown nutrient 'bogus' (nutrients: magnesium, potassium, vitamin-b12)"),
    (["search", "cramps", "--nutrient", "bogus"], 2,
     "kb: unknown nutrient 'bogus' (nutrients: magnesium, potassium, vitamin-b12)"),
    (["search", "nutrient:magnesum"], 2, "kb: unknown nutrient 'magnesum': did you mean magnesium?"),
    (["search", "tag:bogus", "--json"], 2,
     "kb: unknown tag 'bogus' (tags: cramps, electrolyte, food, mineral, sleep, vitamin)"),
    (["search"], 2, "kb: the following arguments are required: query"),
    (["export", "--format", "csv"], 2, "kb: argument --format: invalid choice"),
    (["frobnicate"], 2, "kb: argument command: invalid choice"),
])
def test_errors_are_one_line(root, capsys, argv, code, message):
    assert run(["--root", root, *argv]) == code
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(message) and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_no_knowledge_base_is_one_line(tmp_path, capsys):
    assert run(["--root", str(tmp_path / "nowhere"), "search", "cramps"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kb: --root ") and "not a knowledge base" in err and err.count("\n") == 1


def test_real_command_errors(root, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KB_ROOT"}
    outside = tmp_path / "elsewhere"  # not tmp_path itself: it holds the fixture knowledge base, a folder named kb
    outside.mkdir()
    for args, cwd, code in ((["search", "cramps"], outside, 1), (["--root", root, "show", "nope"], None, 1),
                            (["--root", root, "search", "x", "--limit", "0"], None, 2),
                            (["--root", root, "search", "kind:bogus"], None, 2)):
        proc = kb_cmd(*args, cwd=cwd, env=env)
        assert proc.returncode == code, proc.stderr
        assert proc.stdout == ""
        assert proc.stderr.startswith("kb: ") and proc.stderr.count("\n") == 1, proc.stderr


# --- help and docs --------------------------------------------------------------------------------------------------
def _subparsers() -> dict:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_every_command_has_help_with_an_example(capsys):
    commands = _subparsers()
    assert set(commands) == set(COMMANDS) == set(EXAMPLES)
    for name in commands:
        assert run([name, "--help"]) == 0
        out = capsys.readouterr().out
        assert "example:" in out, name
        assert re.search(rf"^\s+kb {name}\b", out, re.M), name
    assert run(["--help"]) == 0
    assert "example:" in capsys.readouterr().out


def test_every_command_appears_in_the_readme():
    text = README.read_text()
    for name in COMMANDS:
        assert re.search(rf"`kb {name}\b|\$ kb {name}\b", text), f"kb {name} is not in the README"


def test_a_destructors_buffer_error_stays_off_the_terminal(root, capsys, monkeypatch):
    """CPython's bytearray destructor prints this through sys.excepthook (seen after a damaged index was
    rebuilt); kb keeps it off the terminal unless KB_DEBUG, and passes every other error on."""
    import sys

    def search_and_print(args):
        for message in ("deallocated bytearray object has exported buffers", "something else"):
            try:
                raise SystemError(message)
            except SystemError as exc:
                sys.excepthook(type(exc), exc, exc.__traceback__)  # what PyErr_Print does
        return 0

    monkeypatch.setitem(COMMANDS, "search", search_and_print)
    assert main(["--root", root, "search", "x"]) == 0
    err = capsys.readouterr().err
    assert "exported buffers" not in err and "something else" in err
    monkeypatch.setenv("KB_DEBUG", "1")
    assert main(["--root", root, "search", "x"]) == 0
    assert "exported buffers" in capsys.readouterr().err


# --- kb index PATH ----------------------------------------------------------------------------------------------
def test_index_given_a_path_reindexes_that_file(root, capsys, monkeypatch):
    path = Path(root) / "corpus/faq/why-does-my-eyelid-twitch.yaml"
    path.write_text(path.read_text().replace("caffeine", "espresso"))
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    monkeypatch.chdir(Path(root) / "corpus" / "faq")  # a PATH is relative to the current folder
    assert run(["--root", root, "index", "why-does-my-eyelid-twitch.yaml"]) == 0
    assert capsys.readouterr().out.startswith("incremental: 0 added, 1 updated, 0 removed, 10 records")
    assert run(["--root", root, "search", "espresso", "--json"]) == 0
    assert [h["id"] for h in json.loads(capsys.readouterr().out)["results"]] == ["faq/why-does-my-eyelid-twitch"]


@pytest.mark.parametrize(("rel", "what"), [
    ("corpus/README.md", "not a corpus file"),
    ("corpus/articles/Night Cramps.md", "file name 'Night Cramps' is not a slug"),
    ("corpus/faq", "is a folder"),
])
def test_index_given_a_path_that_is_no_corpus_file_says_so(root, capsys, rel, what):
    given = str(Path(root) / rel)
    assert run(["--root", root, "index", given]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{given}: {what}") and err.count("\n") == 1


def test_index_given_a_path_outside_the_corpus_says_so(root, capsys, tmp_path):
    outside = tmp_path / "notes.md"
    outside.write_text("x")
    assert run(["--root", root, "index", str(outside)]) == 2
    assert capsys.readouterr().err == f"{outside}: not in the corpus folder ({Path(root) / 'corpus'})\n"


def test_index_given_a_missing_path_says_so(root, capsys):
    assert run(["--root", root, "index", str(Path(root) / "corpus/articles/nite-cramps.md")]) == 2
    captured = capsys.readouterr()
    assert captured.err == "corpus/articles/nite-cramps.md: no such file, and not in the index\n"
    assert "0 added, 0 updated, 0 removed, 10 records" in captured.out


def test_index_full_takes_no_path(root, capsys):
    assert run(["--root", root, "index", "--full", str(Path(root) / "corpus/articles/nerves.md")]) == 2
    assert "give no PATH" in capsys.readouterr().err


def test_index_given_a_deleted_path_removes_it_in_a_real_process(root):
    (Path(root) / "corpus/articles/nerves.md").unlink()
    done = kb_cmd("--root", root, "index", "corpus/articles/nerves.md", cwd=Path(root))
    assert done.returncode == 0, done.stderr
    assert "0 added, 0 updated, 2 removed, 8 records" in done.stdout
