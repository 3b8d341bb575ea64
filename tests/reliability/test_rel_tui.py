"""The TUI under hostile text and faults: markup shown literally, corpus escapes never written raw to the
terminal, broken files listed as ``path:line: message`` in the problems panel, the index deleted while the app
runs, and the editor action confined to the corpus folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import json
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from reliability_helpers import KB, clean_env, make_root, run_kb
from test_rel_escapes import HOSTILE_FILES

pytestmark = pytest.mark.reliability

tui_app = pytest.importorskip("kb.tui.app")
make_app = tui_app.make_app


def screen_text(app) -> str:
    """The text on screen, from an SVG screenshot (markup already rendered: literal brackets are literal)."""
    svg = app.export_screenshot()
    return html.unescape("".join(re.findall(r">([^<]*)</text>", svg))).replace("\xa0", " ")


async def settle(app, pilot, seconds: float = 0.3) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause(seconds)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_markup_in_corpus_and_query_is_shown_literally(tmp_path: Path) -> None:
    root = make_root(tmp_path / "kb", HOSTILE_FILES)
    app = make_app(root, index_dir=None, watch=False)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press(*"zebrafish [bold] [@click=app.quit]")
        await settle(app, pilot, 0.5)
        text = screen_text(app)
        assert app.is_running and app.return_code is None  # the [@click=app.quit] in the corpus did nothing
        for literal in ("[@click=app.quit]q[/]", "[bold]b[/bold]", "[B]", "[$accent]", "[unclosed"):
            assert literal in text, literal
        assert "zebrafish [bold] [@click=app.quit]" in text  # the query as typed


def _drive_tty(root: Path, keys: list[bytes], seconds: float = 4.0) -> bytes:
    """Run ``kb tui`` on a pseudo-terminal, type ``keys``, and return every byte it wrote to the terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 150, 0, 0))
    proc = subprocess.Popen([*KB, "--root", str(root), "tui"], stdin=slave, stdout=slave, stderr=slave,
                            env={**clean_env(), "TERM": "xterm-256color"}, start_new_session=True)
    os.close(slave)
    out = bytearray()

    def pump(duration: float) -> None:
        end = time.monotonic() + duration
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    out.extend(os.read(master, 1 << 16))
                except OSError:
                    return

    try:
        pump(seconds)
        for key in keys:
            os.write(master, key)
            pump(seconds / 2)
        os.write(master, b"\x11")  # ctrl+q
        pump(1.0)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    return bytes(out)


# each sequence is what a hostile corpus file holds; none may reach the terminal as written
RAW_SEQUENCES = {
    "OSC 52 (write the clipboard)": b"\x1b]52;c;cHduZWQ=",
    "OSC 8 (hyperlink)": b"\x1b]8;;https://evil.example",
    "SGR from the corpus": b"\x1b[31mRED",
    "erase screen from the corpus": b"\x1b[2J\x1b[H ",
    "8-bit CSI": "\x9b31m".encode(),
    "bidi override": "\u202eevil".encode(),
}


@pytest.mark.slow
def test_tui_never_writes_corpus_escapes_to_the_terminal(tmp_path: Path) -> None:
    root = make_root(tmp_path / "kb", HOSTILE_FILES)
    assert run_kb(root, "index").returncode == 0
    written = _drive_tty(root, [b"zebrafish", b"\x1b[B"])
    assert b"zebrafish" in written.lower() or b"Zebrafish" in written  # it did render the results
    found = [name for name, seq in RAW_SEQUENCES.items() if seq in written]
    assert found == []


async def test_problems_panel_lists_path_line_message_and_last_good_version_serves(tmp_path: Path) -> None:
    root = make_root(tmp_path / "kb")
    app = make_app(root, index_dir=None, watch=False)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(app, pilot)
        faq = root / "corpus/faq/do-bananas-help-cramps.yaml"
        faq.write_text("question: [unclosed\nanswer: x\n")
        (root / "corpus/faq/bomb.yaml").write_text(
            "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
                f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
                for p, n in zip("abcdefgh", "bcdefghi", strict=True)))
        (root / "corpus/faq/tagged.yaml").write_text(
            "question: !!python/object/apply:os.system ['touch PWNED']\n")
        with open(root / "corpus/faq/huge.yaml", "wb") as fh:
            fh.truncate(50 * 1024 * 1024)
        app.action_reindex()
        await settle(app, pilot, 0.5)
        shown = [str(p) for p in app.problems]
        for expected in ("corpus/faq/do-bananas-help-cramps.yaml:1: malformed YAML",
                         "corpus/faq/bomb.yaml:6: YAML expands to more than 200,000 values",
                         "corpus/faq/tagged.yaml:1: YAML tag refused",
                         "corpus/faq/huge.yaml: file is larger than the 2 MiB limit"):
            assert any(line.startswith(expected) for line in shown), (expected, shown)
        text = screen_text(app)
        assert "corpus/faq/do-bananas-help-cramps.yaml:1: malformed YAML" in text
        await pilot.press(*"bananas")
        await settle(app, pilot, 0.5)
        assert "Do bananas help with cramps?" in screen_text(app)  # the last good version still serves
    assert not (root / "PWNED").exists()


async def test_index_deleted_while_the_tui_runs_is_rebuilt_with_a_notice(tmp_path: Path) -> None:
    root = make_root(tmp_path / "kb")
    app = make_app(root, index_dir=None, watch=False)
    messages: list[str] = []
    notify = app.notify

    def spy(message, *args, **kwargs):
        messages.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = spy
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press(*"eyelid")
        await settle(app, pilot)
        assert "Why does my eyelid twitch?" in screen_text(app)
        shutil.rmtree(root / "index")
        await pilot.press("backspace", *"d")
        await settle(app, pilot, 0.5)
        assert "Why does my eyelid twitch?" in screen_text(app)
        assert any("index disappeared" in m and "rebuilding" in m for m in messages), messages
        assert (root / "index" / "CURRENT").exists()


EDITOR_SCRIPT = ("import json, sys\nwith open(sys.argv[1], 'a') as fh:\n"
                 "    fh.write(json.dumps(sys.argv[2:]) + '\\n')\n")


def _editor(tmp_path: Path) -> tuple[str, Path]:
    script, log = tmp_path / "editor.py", tmp_path / "editor.log"
    script.write_text(EDITOR_SCRIPT)
    return f"{sys.executable} {script} {log}", log


async def test_editor_action_opens_the_records_own_file_inside_the_corpus(tmp_path: Path) -> None:
    root = make_root(tmp_path / "kb")
    command, log = _editor(tmp_path)
    app = make_app(root, index_dir=None, watch=False, editor=command)
    app.suspend = contextlib.nullcontext  # the test driver cannot hand the terminal over
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(app, pilot)
        record = app.engine.get("faq/why-does-my-eyelid-twitch")
        app.search_screen.post_message(app.search_screen.EditFile(record.path, record.line))
        await settle(app, pilot)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(calls) == 1
    line, path = calls[0]
    assert line == f"+{record.line}"
    assert Path(path).resolve().is_relative_to((root / "corpus").resolve())
    assert Path(path).resolve() == (root / "corpus/faq/why-does-my-eyelid-twitch.yaml").resolve()


@pytest.mark.parametrize("path", ["../../../../etc/passwd", "/etc/passwd", "corpus/../../outside.yaml"])
async def test_editor_action_refuses_a_path_outside_the_corpus(path: str, tmp_path: Path) -> None:
    root = make_root(tmp_path / "kb")
    command, log = _editor(tmp_path)
    app = make_app(root, index_dir=None, watch=False, editor=command)
    app.suspend = contextlib.nullcontext
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(app, pilot)
        app.search_screen.post_message(app.search_screen.EditFile(path, 1))
        await settle(app, pilot)
    assert not log.exists(), log.read_text()
