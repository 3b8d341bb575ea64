"""Every key of the app, grouped, for the help screen and the README (a test checks the bindings match)."""

from __future__ import annotations

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Searching", (
        ("(type)", "search; results follow every key, the last word as a prefix"),
        ("down / enter", "from the search box to the results"),
        ("/", "back to the search box (or just start typing)"),
        ("ctrl+o / o", "after a spelling correction: search the words as typed, and back"),
        ("1 / 2 / 3", "only sections / FAQs / nutrients; again for all (or click them)"),
        ("0", "all kinds"),
    )),
    ("Results and panes", (
        ("up / down", "move through the results; the preview follows"),
        ("enter", "open the highlighted result (a nutrient opens its pane)"),
        ("tab / shift+tab", "move between search box, results, nutrient links and text"),
        ("enter", "on a nutrient link: open that nutrient (or click it)"),
        ("e", "edit the record's file in $EDITOR at its line, then re-index"),
    )),
    ("Nutrients", (
        ("ctrl+n / n", "browse nutrients: category and how many records link to each"),
        ("enter", "in a nutrient's list: open a linked section or FAQ"),
    )),
    ("Back and forward", (
        ("escape", "back (at the start: to the search box)"),
        ("alt+left / [ / backspace", "back"),
        ("alt+right / ]", "forward"),
    )),
    ("Index", (
        ("ctrl+r", "re-index what changed, in the background; the results refresh"),
        ("(automatic)", "a saved corpus file is re-indexed within a couple of seconds"),
    )),
    ("Reading", (
        ("f6 / ctrl+g", "maximise the preview (the only pane on screen), and back"),
        ("ctrl+l", "read the whole article of the section or FAQ on show"),
        ("n / p", "in the article: next / previous section (or pick one in the contents)"),
        ("o / c", "on a reference: open it in the browser / copy its address"),
    )),
    ("App", (
        ("ctrl+p", "palette: any nutrient, article or FAQ by title; commands, theme"),
        ("f1 / ?", "this help"),
        ("ctrl+q", "quit"),
    )),
)


def documented_keys() -> set[str]:
    """Every single key named in :data:`KEYS` (``"alt+left / [ / backspace"`` gives three)."""
    keys: set[str] = set()
    for _, rows in KEYS:
        for combo, _ in rows:
            keys.update(part.strip() for part in combo.split(" / "))
    return keys
