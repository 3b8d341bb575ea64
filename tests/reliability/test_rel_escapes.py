"""Terminal escapes and markup in corpus text and queries never reach a terminal raw from the CLI.

Every corpus string the CLI prints passes through ``kb.cli.terminal.clean``: C0/C1 controls become visible symbols
(ESC -> U+241B) or U+FFFD, bidi overrides and lone surrogates become U+FFFD. The only escape sequences kb
writes itself are SGR emphasis codes (bold, dim, bold yellow, reset), and only when stdout is a terminal.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
from pathlib import Path

import pytest
from reliability_helpers import FILES, KB, RAW_CONTROL, REF, clean_env, make_root, run_kb

from kb.cli.terminal import clean

pytestmark = pytest.mark.reliability

# kb's own emphasis: bold, dim, bold yellow (matched words), reset
OWN_SGR = re.compile(r"\x1b\[(?:0|1|2|1;33)m")
# written as YAML double-quoted escapes (YAML text itself may not hold raw control characters)
Y_OSC52 = r"\e]52;c;cHduZWQ=\a"  # would write "pwned" to the clipboard
Y_HOSTILE = (r"\e[31mRED\e[0m \e[2J\e[H " + Y_OSC52 + r" \e]8;;https://evil.example\e\\link\e]8;;\e\\ "
             r"\u009b31m \u202eevil\u202c \x07\x08\x7f [@click=app.quit]q[/] [bold]b[/bold] [B] [$accent] "
             r"[unclosed")
RAW_HOSTILE = ("\x1b[31mRED\x1b[0m \x1b[2J\x1b[H \x1b]52;c;cHduZWQ=\x07 \x1b]8;;https://evil.example\x1b\\link"
               "\x1b]8;;\x1b\\ \x9b31m \u202eevil\u202c \x07\x08\x7f\r [@click=app.quit]q[/] [bold]b[/bold] "
               "[B] "
               "[$accent] [unclosed")

HOSTILE_FILES = {
    **FILES,
    "corpus/disclaimer.md": f"Not medical advice. {RAW_HOSTILE}\n",
    "corpus/articles/hostile.md": (
        f'---\ntitle: "Hostile {Y_HOSTILE}"\nsummary: "Summary {Y_HOSTILE}"\ntags: ["t\\e[5m"]\n'
        "nutrients: [magnesium]\nreviewed: 2026-11-20\n"
        f'references:\n  - title: "Ref {Y_HOSTILE}"\n    publisher: "Pub \\e[8m"\n'
        # a URL holding a control character is refused by validation (M3): markup is what can still reach a view
        f'    url: "https://example.org/[link=file:///etc/passwd]x[/link]"\n---\n\n'
        f"## Zebrafish {RAW_HOSTILE}\n\nZebrafish text {RAW_HOSTILE} about magnesium.\n"
    ),
    "corpus/faq/hostile.yaml": (
        f'question: "Zebrafish question {Y_HOSTILE}?"\nanswer: "Zebrafish answer {Y_HOSTILE}"\n'
        "reviewed: 2026-11-20\n" + REF
    ),
    "corpus/nutrients/zinc.yaml": FILES["corpus/nutrients/magnesium.yaml"]
        .replace("name: Magnesium", f'name: "Zinc {Y_OSC52}"')
        .replace("aliases: [Mg, hypomagnesemia]", r'aliases: ["Zn\e[2J", zebrafishium]')
        .replace("name: hypomagnesemia", r'name: "zinc deficiency \e[31m"'),
}


def visible(output: str) -> str:
    """What is left after kb's own emphasis: must hold no control character a terminal would obey."""
    return OWN_SGR.sub("", output.replace("\r\n", "\n"))


def run_tty(root: Path, *args: str) -> str:
    """Run ``kb`` with stdout on a pseudo-terminal (so emphasis is on, like a person's terminal)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([*KB, "--root", str(root), *args], stdout=slave, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env={**clean_env(), "TERM": "xterm-256color"})
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=30) in (0, 1), err  # 1: nothing matched (grep's exit code)
    assert not RAW_CONTROL.search(visible(err)), err
    return b"".join(chunks).decode("utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_root(tmp_path_factory.mktemp("escapes") / "kb", HOSTILE_FILES)
    done = run_kb(root, "index")
    assert done.returncode == 0, done.stdout + done.stderr
    return root


COMMANDS = {
    "search": ["search", "zebrafish"],
    "search with a hostile query": ["search", "zebrafish \x1b[2J\x1b]0;title\x07 \x9b1m [@click=app.quit]"],
    "search with no results": ["search", "qqq\x1b[2Jzzz"],
    "search correction echo": ["search", "zebrafsh\x1b[31m"],
    "show article": ["show", "(the hostile section's id, found by searching)"],
    "show faq": ["show", "faq/hostile"],
    "show nutrient": ["show", "nutrient/zinc"],
    "nutrient": ["nutrient", "zinc"],
    "nutrients": ["nutrients"],
    "show unknown hostile id": ["show", "faq/\x1b[2J\x1b]52;c;eA==\x07"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_cli_output_to_a_terminal_has_no_raw_escapes(name: str, hostile: Path) -> None:
    args = COMMANDS[name]
    if name == "show unknown hostile id":
        done = run_kb(hostile, *args)
        assert done.returncode == 1 and not RAW_CONTROL.search(done.stderr) and "\\x1b[2J" in done.stderr
        return
    if name == "show article":
        found = run_kb(hostile, "search", "zebrafish", "--kind", "section", "--json")
        args = ["show", json.loads(found.stdout)["results"][0]["id"]]
    out = run_tty(hostile, *args)
    assert not RAW_CONTROL.search(visible(out)), repr(out[:2000])
    if name in ("search", "show faq", "show article", "nutrient", "show nutrient"):
        assert "␛" in out  # the escapes are shown, not dropped silently and not obeyed
    if name in ("show faq", "show article"):
        flat = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", out).split())  # text is wrapped to the terminal's width
        assert "[@click=app.quit]q[/] [bold]b[/bold] [B] [$accent] [unclosed" in flat  # markup is plain text


@pytest.mark.parametrize("args", [["search", "zebrafish"], ["show", "faq/hostile"], ["nutrient", "zinc"],
                                  ["nutrients"], ["export"], ["search", "zebrafish", "--json"],
                                  ["show", "faq/hostile", "--json"], ["index"]])
def test_cli_output_to_a_pipe_has_no_escapes_at_all(args: list[str], hostile: Path) -> None:
    done = run_kb(hostile, *args)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and not RAW_CONTROL.search(done.stdout.replace("\n", ""))
    assert not RAW_CONTROL.search(done.stderr)


def test_validate_and_index_problems_with_hostile_names_and_text(tmp_path: Path) -> None:
    files = {
        **FILES,
        "corpus/faq/bad.yaml": f'question: "q"\n"\\e[2Jkey": 1\nanswer: "{Y_OSC52}"\n',
        "corpus/faq/raw.yaml": "question: \x1b]52;c;eA==\x07\n",
        "corpus/articles/\x1b[2Jevil.md": "x",
        "corpus/\x1b]0;title\x07": "x",
    }
    root = make_root(tmp_path / "kb", files)
    for args in (["validate"], ["index"]):
        done = run_kb(root, *args)
        assert done.returncode == 1
        assert "\x1b" not in done.stdout + done.stderr
        assert not RAW_CONTROL.search(done.stdout.replace("\n", "") + done.stderr.replace("\n", ""))
        assert "corpus/articles/␛[2Jevil.md: " in done.stdout


def test_clean_makes_every_control_character_visible_or_drops_it() -> None:
    every = "".join(chr(c) for c in range(0x00, 0xA0)) + "\u2028\u2029\u202a\u202e\u2066\u2069\ud800\udcff"
    out = clean(every)
    assert not RAW_CONTROL.search(out) and not re.search("[\ud800-\udfff]", out)
    out.encode("utf-8")  # always writable
    assert clean("a\nb", keep_newlines=True) == "a\nb" and "\n" not in clean("a\nb")
