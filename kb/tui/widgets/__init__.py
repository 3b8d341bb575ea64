"""Widgets of the kb app, one a file; each keeps its own look in DEFAULT_CSS."""
