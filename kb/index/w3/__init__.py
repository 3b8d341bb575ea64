"""Every use of Whoosh's private names, fenced behind a narrow interface."""
