"""Records, results and errors: the vocabulary every layer shares (imports nothing of kb)."""
