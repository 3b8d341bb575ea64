"""Every key of the app, grouped, for the help screen and the README (a test checks the bindings match).

The scheme: on the search screen every printable key is text. Typed in the results, a pane or the preview, it
starts a new query in the search box. Commands use ctrl, alt or function keys, or keys that type nothing (arrows,
enter, escape, tab); plain letters are commands only where nothing is typed (bookmarks, the article view, help).
The list keys are fzf's: ``ctrl+n``/``ctrl+p`` and ``ctrl+j``/``ctrl+k`` in the results list (elsewhere ``ctrl+n``
and ``ctrl+p`` are the nutrient browser and the palette), ``j``/``k`` where no search box takes the letters.
"""

from __future__ import annotations

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Searching (in the search box)", (
        ("(type)", "search; results follow every key, the last word as a prefix (from the first letter)"),
        ("escape", "clear the search box; when it is empty: back"),
        ("up / down", "in an empty search box: earlier and later queries (kept between runs)"),
        ("alt+up / alt+down", "earlier and later queries, whatever the box holds"),
        ("ctrl+j / ctrl+k", "next / previous result without leaving the box (in any list too)"),
        ("down / enter", "from the search box to the results"),
        ("ctrl+o", "after a spelling correction: search the words as typed, and back"),
    )),
    ("Anywhere on the search screen", (
        ("(type)", "outside the search box: a letter starts a new query there (backspace edits it)"),
        ("/", "to the search box, to edit the query"),
        ("alt+1 / alt+2 / alt+3", "only sections / FAQs / nutrients; again for all (or click them)"),
        ("alt+0", "all kinds"),
        ("ctrl+b", "bookmark the record on show (again: remove the bookmark)"),
        ("alt+e / f4", "edit the record's file in $EDITOR at its line, then re-index"),
    )),
    ("Results and panes", (
        ("up / down", "move through the results; the preview follows"),
        ("ctrl+n / ctrl+p", "in the results: next / previous result (j and k type: they start a new query)"),
        ("pageup / pagedown / end", "page through the results; more load as you reach the end; end: the last"),
        ("enter", "open the highlighted result (a nutrient opens its pane)"),
        ("tab / shift+tab", "move between search box, results, nutrient links and text"),
        ("left / right", "between the nutrient links of a record"),
        ("enter", "on a nutrient link: open that nutrient (or click it)"),
    )),
    ("Nutrients", (
        ("ctrl+n", "browse nutrients: type to filter the list; enter opens; escape clears, then closes"),
        ("ctrl+j / ctrl+k", "in the nutrient browser: move (letters, j and k too, filter; also up / down)"),
        ("enter", "in a nutrient's list: open a linked section or FAQ"),
    )),
    ("Bookmarks", (
        ("f2", "the bookmarks, newest first (a record no longer in the index is marked)"),
        ("j / k", "in the bookmarks: move (also up / down)"),
        ("delete / d", "in the bookmarks: remove the highlighted one"),
    )),
    ("Back and forward", (
        ("escape", "back (the keyboard goes where it was); in the preview: to the results"),
        ("alt+left", "back"),
        ("alt+right", "forward"),
    )),
    ("Index", (
        ("ctrl+r", "re-index what changed, in the background; the results refresh"),
        ("(automatic)", "a saved corpus file is re-indexed within a couple of seconds"),
    )),
    ("Reading", (
        ("f6 / ctrl+g", "maximise the preview (the only pane on screen), and back"),
        ("ctrl+l", "read the whole article of the section or FAQ on show"),
        ("n / p", "in the article: next / previous section (or pick one in the contents)"),
        ("j / k", "in the article: scroll the text, or move in the contents (t) and references; in help: scroll"),
        ("enter / ctrl+y", "on a reference: open it in the browser / copy its address"),
    )),
    ("App", (
        ("ctrl+p", "palette: any nutrient, article (its whole view) or FAQ by title; commands, theme"),
        ("f1", "this help"),
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
