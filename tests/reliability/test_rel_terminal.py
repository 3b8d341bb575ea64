"""Nothing from the corpus reaches the terminal raw (finding S1): the real ``kb`` on a pseudo-terminal.

Before the fix the nutrient browser (``ctrl+n``) built ``Text(n.name)``: Rich's Text strips only BEL, BS, VT, FF
and CR, so a nutrient name's ``ESC]52;c;...`` wrote the clipboard and ``ESC[2J`` cleared the screen. Every view
now builds its text through :func:`kb.tui.text.safe` (``literal``, ``literal_text``, notifications, Markdown
blocks). These tests run ``kb tui`` under a pty, walk every screen and widget with
:mod:`hostile_corpus`, and look at the raw bytes: none of the corpus's payload sequences may appear, and every
field's tag word must have been shown (so the walk really reached it). The same for every CLI command on a tty.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest
from hostile_corpus import FILES_HOSTILE, OWN_SGR, payloads_in, shown_text
from reliability_helpers import KB, clean_env, make_root, run_kb

pytestmark = pytest.mark.reliability

ROWS, COLS = 250, 220  # tall enough for a whole nutrient pane (its tables) without scrolling
# Textual's own BEL: the terminator of the OSC 22 (mouse pointer shape) it sends at start and exit
TEXTUAL_OSC = re.compile(rb"\x1b\]22;[a-z-]*\x07")
MOVE = re.compile(rb"\x1b\[(\d+);(\d+)H")
SGR = re.compile(rb"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_root(tmp_path_factory.mktemp("terminal") / "kb", FILES_HOSTILE)
    done = run_kb(root, "index")
    assert done.returncode == 1 and "3 problem(s)" in done.stdout, done.stdout + done.stderr  # the bad files
    return root


class Tty:
    """``kb tui`` on a pseudo-terminal: type keys, collect every byte it writes."""

    def __init__(self, root: Path) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.proc = subprocess.Popen([*KB, "--root", str(root), "tui"], stdin=slave, stdout=slave, stderr=slave,
                                     env={**clean_env(), "TERM": "xterm-256color", "COLUMNS": str(COLS),
                                          "LINES": str(ROWS)},  # under xdist they hold 80x24
                                     start_new_session=True)
        os.close(slave)
        self.out = bytearray()

    def pump(self, seconds: float) -> bytes:
        start = len(self.out)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    self.out.extend(os.read(self.master, 1 << 16))
                except OSError:
                    break
        return bytes(self.out[start:])

    def keys(self, data: bytes, seconds: float = 1.5) -> bytes:
        os.write(self.master, data)
        return self.pump(seconds)

    def escape(self) -> None:
        """Press escape alone, and wait until the app has drawn what it did (at most 10 s)."""
        start = len(self.out)
        os.write(self.master, ESC)
        end = time.monotonic() + 10
        while len(self.out) == start and time.monotonic() < end:
            self.pump(0.1)
        self.pump(0.5)

    def until(self, text: str, seconds: float = 15, since: int = 0) -> bool:
        """Wait until ``text`` has been written (since byte ``since``)."""
        end = time.monotonic() + seconds
        while True:
            if text in shown_text(bytes(self.out[since:])):
                return True
            if time.monotonic() >= end:
                return False
            self.pump(0.2)

    def where(self, word: bytes, min_col: int = 0) -> tuple[int, int] | None:
        """The screen cell (row, column, 1-based) where ``word`` was last written at column ``min_col`` or
        further right."""
        data = bytes(self.out)
        at = len(data)
        while (at := data.rfind(word, 0, at)) >= 0:
            moves = list(MOVE.finditer(data, max(0, at - 20000), at))
            if moves:
                last = moves[-1]
                written = SGR.sub(b"", data[last.end():at]).decode("utf-8", "replace")
                cell = int(last.group(1)), int(last.group(2)) + len(written)
                if cell[1] >= min_col:
                    return cell
        return None

    def close(self) -> None:
        try:
            os.write(self.master, b"\x11")  # ctrl+q
            self.pump(1.0)
        finally:
            self.proc.kill()
            self.proc.wait()
            os.close(self.master)


# each step: keys to press (each chunk sent on its own: ESC then a key at once would read as alt+key), then the
# tag words that must be on screen (the fields that view shows)
CTRL_U, ESC, F1 = b"\x15", b"\x1b", b"\x1bOP"
WALK: list[tuple[str, tuple[bytes, ...], tuple[str, ...]]] = [
    ("start: disclaimer bar, problems panel", (), ("discltag", "probfieldtag", "probfile", "probcattag")),
    ("search results and section preview", (b"zebrafish headingtag",),
     ("arttitletag", "headingtag", "bodytag", "clicklinktag", "entitytag", "tablecell", "tablehead", "fencetag",
      "reftitletag", "refpubtag", "nutnametag")),
    ("FAQ result and preview", (CTRL_U, b"questiontag"), ("questiontag", "answertag", "faqreftag", "faqpubtag")),
    ("nutrient result", (CTRL_U, b"zebrafishium"), ("nutnametag", "aliastag", "nutsummarytag")),
    ("nutrient pane", (b"\r", b"\r"),
     ("roletag", "foodtag", "servingtag", "defnametag", "signtag", "testnametag", "medicinetag", "ultag", "risktag",
      "excesstag",
      "doctortag", "nutreftag", "headingtag")),
    ("nutrient browser", (b"\x0e",), ("nutnametag",)),
    ("command palette: nutrients", (b"q", b"\x10", b"nutname"), ("nutnametag", "aliastag")),
    ("command palette: sections and FAQs", (CTRL_U, b"headingtag"), ("arttitletag", "headingtag")),
    ("help", (ESC, F1), ("discltag",)),
]


@pytest.mark.slow
def test_tui_walk_writes_no_corpus_escape_to_the_terminal(hostile: Path) -> None:
    tty = Tty(hostile)
    seen: dict[str, list[str]] = {}
    try:
        assert tty.until("discltag"), shown_text(bytes(tty.out))[-2000:]
        tty.pump(1.0)
        for name, keys, tags in WALK:
            mark = len(tty.out) if keys else 0
            for chunk in keys:
                if chunk == ESC:  # wait until the app has drawn its answer: ESC and the next key read together
                    tty.escape()  # would be alt+key
                else:
                    tty.keys(chunk, 0.7)
            for tag in tags:
                if not tty.until(tag, 10, since=mark):
                    seen.setdefault(name, []).append(tag)
        assert tty.proc.poll() is None  # [@click=app.quit] in the corpus did nothing
    finally:
        tty.close()
    written = bytes(tty.out)
    assert seen == {}, seen  # every field was on screen at some point of the walk
    assert payloads_in(TEXTUAL_OSC.sub(b"", written)) == []
    text = shown_text(written)
    assert "␛]52;c;" in text and "␛[2JZQ" in text  # shown as visible symbols, not dropped, not obeyed
    assert "[@click=app.quit]Q[/]" in text and "[bold]b[/bold]" in text  # markup shown as text


def test_payload_list_catches_what_the_nutrient_browser_used_to_write() -> None:
    """The check itself: the bytes the review captured from the old nutrient browser are caught."""
    captured = b"5;235m \x1b[0m\x1b[1;38;5;253;48;5;235mSodium \x1b]52;c;SGFja2Vk\x1b[2JZQ\x1b[0m"
    assert set(payloads_in(captured)) == {"OSC 52 (clipboard write)", "erase screen from the corpus"}
    assert payloads_in(TEXTUAL_OSC.sub(b"", b"\x1b]22;default\x07\x1b[1;1H")) == []


# --- the CLI on a tty --------------------------------------------------------------------------------------------
def run_tty(root: Path, *args: str) -> tuple[int, bytes, bytes]:
    """``kb`` with stdout and stderr on pseudo-terminals (so emphasis and the progress line are on)."""
    out_m, out_s = pty.openpty()
    err_m, err_s = pty.openpty()
    proc = subprocess.Popen([*KB, "--root", str(root), *args], stdout=out_s, stderr=err_s,
                            stdin=subprocess.DEVNULL, env={**clean_env(), "TERM": "xterm-256color"})
    os.close(out_s)
    os.close(err_s)
    got = {out_m: bytearray(), err_m: bytearray()}
    open_fds = [out_m, err_m]
    deadline = time.monotonic() + 60
    while open_fds and time.monotonic() < deadline:
        ready, _, _ = select.select(open_fds, [], [], 0.2)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if data:
                got[fd].extend(data)
            else:
                open_fds.remove(fd)
        if proc.poll() is not None and not ready:
            break
    code = proc.wait(timeout=30)
    os.close(out_m)
    os.close(err_m)
    return code, bytes(got[out_m]), bytes(got[err_m])


CLI = {
    "search": (["search", "zebrafish"], ("headingtag",)),
    "search --prefix": (["search", "zebrafi", "--prefix"], ("headingtag",)),
    "search a FAQ": (["search", "questiontag"], ("questiontag", "answertag")),
    "search with a hostile query": (["search", "zebrafish \x1b]52;c;eA==\x07 \x1b[2JZQ"], ("headingtag",)),
    "show a section": (["show", "(found by search)"], ("headingtag", "bodytag", "reftitletag", "urltag",
                                                      "discltag")),
    "show a FAQ": (["show", "faq/hostile"], ("questiontag", "answertag", "faqreftag", "discltag")),
    "show a nutrient": (["show", "nutrient/zinc"], ("nutnametag", "roletag", "medicinetag", "nutreftag")),
    "nutrient": (["nutrient", "zinc"], ("nutnametag", "aliastag", "foodtag", "headingtag", "discltag")),
    "nutrients": (["nutrients"], ("nutnametag",)),
    "validate": (["validate"], ("probfieldtag", "probfile", "probcattag")),
    "index": (["index"], ("probfieldtag", "probfile")),
    "index --full": (["index", "--full"], ("probfieldtag", "probfile")),
    "export": (["export"], ("headingtag", "bodytag", "nutnametag", "answertag")),
    "show an unknown hostile id": (["show", "faq/\x1b[2JZQ\x1b]52;c;eA==\x07"], ()),
}


@pytest.mark.parametrize("name", list(CLI))
def test_cli_command_on_a_tty_writes_no_corpus_escape(name: str, hostile: Path) -> None:
    args, tags = CLI[name]
    if args[1:] == ["(found by search)"]:
        found = run_kb(hostile, "search", "zebrafish", "--kind", "section", "--json")
        import json

        args = ["show", json.loads(found.stdout)["results"][0]["id"]]
    code, out, err = run_tty(hostile, *args)
    assert code in (0, 1), (code, err)
    for stream in (out, err):
        assert payloads_in(stream) == [], (name, stream[:3000])
        rest = OWN_SGR.sub(b"", stream)
        assert b"\x1b" not in rest, (name, rest[:3000])  # no escape at all but kb's own emphasis
    text = (out + err).decode("utf-8")
    for tag in tags:
        assert tag in text, (name, tag)


def test_views_build_text_only_through_the_safe_path() -> None:
    """No module of the TUI but kb/tui/text.py builds a Text or Content from a non-constant string: corpus text
    reaches the screen only through ``literal``, ``literal_text`` or ``safe``."""
    import ast

    tui = Path(__file__).resolve().parents[2] / "kb" / "tui"
    found = []
    for path in sorted(tui.rglob("*.py")):
        if path.name == "text.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            owner = fn.value.id if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) else ""
            builds = name in ("Text", "Content") or (owner in ("Text", "Content") and name in (
                "styled", "from_markup", "from_text", "from_ansi"))
            arg = node.args[0]
            constant = isinstance(arg, ast.Constant) or (isinstance(arg, ast.Call) and getattr(
                arg.func, "id", "") in ("safe", "str"))  # str(a number) in the nutrient browser's counts
            if builds and not constant:
                found.append(f"{path.relative_to(tui)}: {ast.unparse(arg)[:60]}")
    # counts and kb's own labels, never corpus text
    assert sorted(found) == [
        "widgets/intro.py: f\"{total} records: {counts.get('section', 0)} article sectio",
        "widgets/kind_filter.py: label",
        "widgets/kind_filter.py: message",
    ], found


def test_every_notification_shows_its_text_through_the_safe_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Toasts render with Content, which lets ESC through: the app cleans every message and title it is given
    (a corpus link's address, a problem's path, a bookmarked record's title)."""
    from textual.app import App

    from kb.tui.app import KbApp

    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(App, "notify", lambda self, message, **kw: seen.append((message, kw["title"])))
    KbApp.notify(object.__new__(KbApp), "https://evil.example/\x1b]52;c;eA==\x07 \x1b[2JZQ", title="t\x1b[31m")
    assert seen and all("\x1b" not in m + t and "\x07" not in m + t for m, t in seen), seen
    assert "␛]52;c;eA==" in seen[0][0]  # shown, not dropped
