"""The command-line face of kb: a thin layer over kb.engine."""
