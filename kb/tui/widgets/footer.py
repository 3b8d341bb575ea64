"""Textual's Footer, without keeping every key it ever showed alive.

``Footer.compose`` makes a new :class:`~textual.widgets._footer.FooterKey` per binding each time the screen's
bindings change (a correction coming or going, focus moving to the list or the preview, a new screen), and binds
each key's ``compact`` to the footer's with ``data_bind``. That binding is a watcher stored on the *footer*
(``Footer.__watchers["compact"]``: the key and a closure over it), and Textual drops watchers of removed widgets
only when the watched value changes, which ``compact`` never does here (Textual issue #6666). So every recompose
left the previous keys reachable from the footer, each with its styles, render caches and strips: 184-214 more
FooterKeys alive after each round of the same twelve typed queries (Pilot, shipped corpus and 10k), without bound.

:class:`KbFooter` drops the watchers of keys that were removed after each recompose, so the footer holds exactly
the keys it shows.
"""

from __future__ import annotations

from textual.widgets import Footer


def drop_closed_watchers(node: object) -> int:
    """Forget the watchers on ``node`` whose owner has been removed from the DOM; returns how many were dropped.

    The same rule Textual applies when a watched value changes (``Reactive._check_watchers``), applied now.
    """
    watchers: dict[str, list[tuple[object, object]]] = getattr(node, "__watchers", {})
    dropped = 0
    for entries in watchers.values():
        kept = [(owner, callback) for owner, callback in entries
                if not (getattr(owner, "_closing", False) or getattr(owner, "_closed", False))]
        dropped += len(entries) - len(kept)
        entries[:] = kept
    return dropped


class KbFooter(Footer):
    """A Footer whose recompose does not keep the keys it replaced (see the module's docstring)."""

    async def recompose(self) -> None:
        await super().recompose()  # the old keys are removed (closed) before the new ones are mounted
        drop_closed_watchers(self)
