"""A record's references as a keyboard list: each shows its title, publisher and URL; ``enter`` opens the URL in
the browser (``webbrowser``) and ``ctrl+y`` copies it (letters typed here go to the search box).

Only ``http``/``https`` URLs are opened (a corpus file could hold ``file:`` or ``javascript:`` ones); the
browser is started in a thread worker, so a slow ``webbrowser`` never stalls the UI. Text is shown as Content,
never markup.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Iterable
from urllib.parse import urlsplit

from textual import work
from textual.binding import Binding
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from kb.model.records import Reference
from kb.tui.text import literal


def openable(url: str) -> bool:
    """True for an absolute http(s) URL with a host: the only kind the app hands to a browser."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    printable = all(c.isprintable() and not c.isspace() for c in url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and printable


class References(OptionList):
    """The references of the record on show; hidden when it has none."""

    BINDINGS = [
        # printable keys always type a query on the search screen: enter opens, ctrl+y copies ("yank")
        Binding("ctrl+y", "copy_reference", "Copy link"),
    ]
    DEFAULT_CSS = """
    References {
        height: auto;
        max-height: 200;  /* OptionList's 100% is the scrolling pane's height: show every reference */
        margin: 1 1 0 1;
        border: round $border-blurred;
        border-title-color: $text;
        border-title-style: bold;
        padding: 0;
        display: none;
        &.-shown { display: block; }
        &:focus { border: round $border; }
        & > .option-list--option { padding: 0 1; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.references: tuple[Reference, ...] = ()

    def show(self, references: Iterable[Reference]) -> None:
        self.references = tuple(references)
        options = []
        for i, ref in enumerate(self.references):
            head = Content.assemble(literal(ref.title).stylize("bold"),
                                    literal(f" - {ref.publisher}" if ref.publisher else ""))
            url = literal(ref.url).stylize("underline" if openable(ref.url) else "italic")
            options.append(Option(Content("\n").join([head, url]), id=str(i)))
        self.set_options(options)
        self.set_class(bool(options), "-shown")
        self.border_title = f"References ({len(options)})" if options else ""
        self.border_subtitle = "enter open  ctrl+y copy" if options else ""

    def on_focus(self) -> None:
        if self.highlighted is None and self.option_count:
            self.highlighted = 0  # tab lands on a reference, so enter and ctrl+y act at once

    @property
    def highlighted_reference(self) -> Reference | None:
        i = self.highlighted
        return self.references[i] if i is not None and i < len(self.references) else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open_reference()

    def action_open_reference(self) -> None:
        ref = self.highlighted_reference
        if ref is None:
            return
        if not openable(ref.url):
            self.notify(f"Not opened: only http and https links are opened ({ref.url})", severity="warning",
                        markup=False)
            return
        self._open(ref.url.strip())

    @work(thread=True, group="browser")
    def _open(self, url: str) -> None:
        opened, why = False, "no browser found"
        try:
            browser = webbrowser.get()
            # a text-mode browser (lynx, w3m) would run in this terminal, on top of the app: never start one
            if type(browser) is webbrowser.GenericBrowser:
                why = f"only a text-mode browser ({getattr(browser, 'name', '?')}) is available here"
            else:
                opened = bool(browser.open(url))
        except (webbrowser.Error, OSError) as exc:
            why = str(exc) or why
        message = f"Opened {url}" if opened else f"Could not open {url}: {why} (ctrl+y copies it)"
        self.app.call_from_thread(self.notify, message, severity="information" if opened else "warning",
                                  markup=False)

    def action_copy_reference(self) -> None:
        ref = self.highlighted_reference
        if ref is None:
            return
        self.app.copy_to_clipboard(ref.url.strip())
        self.notify(f"Copied {ref.url.strip()}", markup=False)
