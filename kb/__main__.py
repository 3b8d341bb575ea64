"""``python -m kb`` runs the same command as ``kb``."""

from kb.cli import main

raise SystemExit(main())
