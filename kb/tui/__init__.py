"""The Textual app of kb: live search, previews, nutrient panes, re-indexing while you edit.

Entry point: :func:`kb.tui.app.make_app` builds the app from a knowledge-base root (the CLI and the tests use
it); :func:`kb.tui.app.run_app` runs it. Only this package imports Textual; it calls :mod:`kb.engine` for all
searching and indexing.
"""

import os

# Textual paints at most MAX_FPS frames a second (read once, when Textual is first imported). At the default 60
# a search answer that arrives just after the search box echoed the keystroke waits up to 16.7 ms for the next
# frame slot; at 120 it waits at most 8.3 ms (the benchmark's answer-to-frame wait fell with it).
# Frames are only made when something changed, so an idle app costs nothing more. A value the person set wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
