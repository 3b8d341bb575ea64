"""Synonym groups: lay and clinical terms that mean the same thing to a searcher.

Read from ``corpus/synonyms.yaml`` and applied at search time (see :mod:`kb.query`), so editing them needs no
re-index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.errors import Problem
from kb.files import FileProblem, read_text
from kb.yamlsafe import YamlProblem, load_yaml


@dataclass(frozen=True)
class Synonyms:
    """Groups of equivalent phrases, each phrase lowercased with single spaces."""

    groups: tuple[tuple[str, ...], ...] = ()

    def __len__(self) -> int:
        return len(self.groups)


def parse_synonyms(text: str, path: str) -> tuple[Synonyms, list[Problem]]:
    """Parse ``synonyms.yaml`` text; returns what is usable plus every problem found."""
    problems: list[Problem] = []
    try:
        doc = load_yaml(text)
    except YamlProblem as exc:
        return Synonyms(), [Problem(path, exc.line, exc.message)]
    data = doc.value
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        return Synonyms(), [Problem(path, doc.first_line, "expected a mapping with a 'groups' list")]
    groups: list[tuple[str, ...]] = []
    for i, group in enumerate(data["groups"]):
        line = doc.line("groups", i)
        if not isinstance(group, list) or not all(isinstance(w, str) and w.strip() for w in group):
            problems.append(Problem(path, line, "a synonym group must be a list of words or phrases"))
            continue
        words = tuple(dict.fromkeys(" ".join(w.lower().split()) for w in group))
        if len(words) < 2:
            problems.append(Problem(path, line, "a synonym group needs at least two different entries"))
            continue
        groups.append(words)
    for key in data:
        if key != "groups":
            problems.append(Problem(path, doc.line(key), f"unknown field {key!r}"))
    return Synonyms(tuple(groups)), problems


def read_synonyms(root: Path) -> tuple[Synonyms, list[Problem]]:
    """``corpus/synonyms.yaml`` under ``root`` (none when the file is missing), and its problems."""
    rel = "corpus/synonyms.yaml"
    if not (root / rel).exists():
        return Synonyms(), []
    try:
        return parse_synonyms(read_text(root, rel), rel)
    except FileProblem as exc:
        return Synonyms(), [exc.problem]
