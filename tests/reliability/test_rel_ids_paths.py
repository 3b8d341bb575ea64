"""Ids are keys looked up in the index, never turned into file paths: ``kb show`` and ``kb nutrient``
cannot be made to read a file outside the corpus (or any file at all) with ``..`` or an absolute path in an
id.
"""

# ruff: noqa: F811 - the `root` fixture is imported from reliability_helpers (no conftest.py: see there)
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from reliability_helpers import root, run_kb  # noqa: F401 - root is a fixture

from kb.engine import KnowledgeBase
from kb.model.errors import UnknownId

pytestmark = pytest.mark.reliability

HOSTILE_IDS = [
    "../../../../etc/passwd", "/etc/passwd", "article/../../../etc/passwd", "faq/../../../../etc/passwd",
    "nutrient/../../../etc/passwd", "corpus/faq/why-does-my-eyelid-twitch.yaml",
    "faq/why-does-my-eyelid-twitch.yaml",
    "faq/why-does-my-eyelid-twitch/../do-bananas-help-cramps", "faq/./why-does-my-eyelid-twitch",
    "faq//why-does-my-eyelid-twitch", "file:///etc/passwd", "~/.bashrc", "faq/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "faq\\..\\..\\etc\\passwd", "faq/why-does-my-eyelid-twitch\x00.yaml", "index/CURRENT", "..", "/", "",
]

_OPENED: list[str] = []
_SPYING = [False]


def _audit(event: str, args: tuple) -> None:
    if not (_SPYING[0] and event in ("open", "os.listdir", "os.scandir") and args):
        return
    if isinstance(args[0], (str, bytes)):
        _OPENED.append(args[0] if isinstance(args[0], str) else args[0].decode("utf-8", "replace"))


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one records only while _SPYING is set


@pytest.mark.parametrize("record_id", HOSTILE_IDS)
def test_engine_get_with_a_path_like_id_reads_no_file(record_id: str, root: Path) -> None:
    engine = KnowledgeBase(root)
    engine.records()  # open the index first: what follows must touch no file at all
    _OPENED.clear()
    _SPYING[0] = True
    try:
        with pytest.raises(UnknownId):
            engine.get(record_id)
    finally:
        _SPYING[0] = False
        engine.close()
    outside = [p for p in _OPENED if not Path(p).resolve().is_relative_to(root / "index")]
    assert outside == [], outside


@pytest.mark.parametrize("record_id", ["../../../../etc/passwd", "/etc/passwd", "faq/../../../../etc/passwd",
                                       "corpus/faq/why-does-my-eyelid-twitch.yaml"])
def test_kb_show_with_a_path_like_id_is_an_unknown_id(record_id: str, root: Path) -> None:
    done = run_kb(root, "show", record_id)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(("kb: unknown id ", "kb: unknown article "))  # a bare slug names an article
    assert "root:" not in done.stdout + done.stderr  # nothing from /etc/passwd


@pytest.mark.parametrize("slug", ["../../../../etc/passwd", "/etc/passwd", "../faq/do-bananas-help-cramps"])
def test_kb_nutrient_with_a_path_like_slug_is_an_unknown_id(slug: str, root: Path) -> None:
    done = run_kb(root, "nutrient", slug)
    assert done.returncode == 1 and done.stdout == "" and done.stderr.startswith("kb: unknown nutrient ")
    assert "root:" not in done.stderr


def test_a_real_id_still_works(root: Path) -> None:
    done = run_kb(root, "show", "faq/why-does-my-eyelid-twitch")
    assert done.returncode == 0 and "Why does my eyelid twitch?" in done.stdout


def test_the_file_spy_sees_opens(root: Path) -> None:
    """The audit-hook spy above does see files being opened (else the tests using it would prove nothing)."""
    _OPENED.clear()
    _SPYING[0] = True
    try:
        engine = KnowledgeBase(root)
        engine.records()
        engine.close()
    finally:
        _SPYING[0] = False
    assert any(Path(p).resolve().is_relative_to(root / "index") for p in _OPENED), _OPENED
