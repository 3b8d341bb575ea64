"""Searching the index: the query, ranking, phrases, spelling and snippets."""
