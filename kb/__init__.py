"""kb: a full-text searchable health knowledge base that lives in the terminal.

The engine (everything in this package outside ``kb.tui``) never imports Textual; the CLI and the TUI are thin
layers over :class:`kb.engine.KnowledgeBase`.
"""

from __future__ import annotations

__version__ = "0.1.0"
