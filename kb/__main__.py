"""``python -m kb`` runs the same command as ``kb``."""

from kb.cli.main import main

raise SystemExit(main())
