"""The Textual app of kb: live search, previews, nutrient panes, re-indexing while you edit.

Entry point: :func:`kb.tui.app.make_app` builds the app from a knowledge-base root (the CLI and the tests use
it); :func:`kb.tui.app.run_app` runs it. Only this package imports Textual; it calls :mod:`kb.engine` for all
searching and indexing.
"""
