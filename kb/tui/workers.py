"""Handing results from thread workers to the app's thread, when the app may be closing meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App


def deliver(app: App[Any], callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``callback`` on the app's thread and wait for it; dropped if the app closed while a worker ran."""
    if not app.is_running:
        return
    try:
        app.call_from_thread(callback, *args, **kwargs)
    except RuntimeError:
        if app.is_running:
            raise
        # the app stopped between the check and the call: there is nothing left to show it on
