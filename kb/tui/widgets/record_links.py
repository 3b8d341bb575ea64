"""A row of links under a record's title: its whole article (a section's own, an FAQ's related one) and its
tags. Tab to one and press enter, or click it; a tag searches ``tag:<tag>``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual import on
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label

from kb.model.records import Faq, Record, Section
from kb.tui.text import literal


def slug_words(slug: str) -> str:
    """``muscle-twitching`` as ``Muscle twitching``: a title when the real one is not at hand."""
    words = slug.replace("-", " ").strip()
    return words[:1].upper() + words[1:]


class LinkButton(Button):
    """A compact button that remembers what it opens: ``("article", slug)`` or ``("tag", tag)``."""

    def __init__(self, kind: str, value: str, label: str) -> None:
        super().__init__(literal(label), compact=True, classes=f"record-link -{kind}")
        self.kind, self.value = kind, value


class RecordLinks(Vertical, can_focus=False):
    """``Read: [Whole article]`` and ``Tags: [cramps] [sleep]`` rows; hidden when there is nothing to link."""

    DEFAULT_CSS = """
    RecordLinks {
        height: auto;
        padding: 0 1;
        margin-top: 1;
        display: none;
        &.-shown { display: block; }
        & > .links-row { height: 1; width: 1fr; }
        & > .tags-row { height: auto; width: 1fr; }
        & .tags {
            layout: grid; grid-size: 6; grid-columns: auto; grid-rows: 1; grid-gutter: 0 1;
            height: auto; max-height: 3; width: 1fr;
        }
        & Label { color: $text-muted; padding-right: 1; }
        & .record-link {
            width: auto;
            min-width: 0;
            text-style: underline;
            &:focus { color: $text; text-style: bold; }
        }
        & .-article { color: $text-primary; background: $primary 15%; &:hover { background: $primary 35%; }
                        &:focus { background: $primary 60%; } }
        & .-tag { color: $text-accent; background: $accent 12%; &:hover { background: $accent 30%; }
                    &:focus { background: $accent 50%; } }
    }
    """

    @dataclass
    class OpenArticle(Message):
        """Read the whole article ``slug`` (from the section or FAQ ``record_id``)."""

        slug: str
        record_id: str

    @dataclass
    class SearchTag(Message):
        """Search ``tag:<tag>``."""

        tag: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.record_id = ""
        self.links: tuple[tuple[str, str, str], ...] = ()

    async def show(self, record: Record | None) -> None:
        """Links for ``record``: its article (sections, FAQs with one) and its tags."""
        links: list[tuple[str, str, str]] = []
        if isinstance(record, Section):
            links.append(("article", record.article_slug, "Whole article (ctrl+l)"))
        elif isinstance(record, Faq) and record.article:
            links.append(("article", record.article, f"{slug_words(record.article)} (ctrl+l)"))
        tags: Iterable[str] = record.tags if isinstance(record, (Section, Faq)) else ()
        links += [("tag", tag, tag) for tag in tags]
        self.record_id = record.id if record is not None else ""
        if tuple(links) == self.links and self.children:
            return
        self.links = tuple(links)
        await self.remove_children()
        self.set_class(bool(links), "-shown")
        rows: list[Container] = []
        articles = [LinkButton(kind, value, label) for kind, value, label in links if kind == "article"]
        tags = [LinkButton(kind, value, label) for kind, value, label in links if kind == "tag"]
        if articles:
            rows.append(Horizontal(Label("Read:" if isinstance(record, Section) else "Article:"), *articles,
                                   classes="links-row"))
        if tags:
            rows.append(Horizontal(Label("Tags:"), Container(*tags, classes="tags"), classes="tags-row"))
        await self.mount_all(rows)

    @property
    def article(self) -> str | None:
        """The slug of the article these links lead to, if any."""
        return next((value for kind, value, _ in self.links if kind == "article"), None)

    @on(Button.Pressed, ".record-link")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button
        assert isinstance(button, LinkButton)
        if button.kind == "article":
            self.post_message(self.OpenArticle(button.value, self.record_id))
        else:
            self.post_message(self.SearchTag(button.value))
