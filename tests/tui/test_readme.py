"""The README shows the TUI: a screenshot of the search screen and every key of kb/tui/keys.py."""

from __future__ import annotations

from pathlib import Path

from kb.tui.keys import KEYS

ROOT = Path(__file__).resolve().parents[2]


def test_readme_has_the_screenshot_and_every_key():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## The TUI" in readme
    assert "](docs/screenshot.svg)" in readme
    svg = (ROOT / "docs/screenshot.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "cramps" in svg
    for _, rows in KEYS:
        for key, text in rows:
            shown = " / ".join(f"`{k}`" if not k.startswith("(") else k for k in key.split(" / "))
            assert f"| {shown} | {text} |" in readme, f"README key table lacks {key!r}: {text!r}"
