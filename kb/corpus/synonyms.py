"""Synonym groups: lay and clinical terms that mean the same thing to a searcher.

Read from ``corpus/synonyms.yaml`` and applied at search time (see :mod:`kb.search.plan`), so editing them needs no
re-index; :mod:`kb.index.red_flags` finds the red-flag phrases in a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.corpus.files import FileProblem, read_text
from kb.corpus.yamlsafe import Located, YamlProblem, load_yaml
from kb.model.errors import Problem


@dataclass(frozen=True)
class Synonyms:
    """Groups of equivalent phrases, each phrase lowercased with single spaces.

    ``red_flags`` are the groups of words that describe an emergency sign ("chest pain", "coughing up blood");
    they are in ``groups`` too, so they also act as synonyms.
    """

    groups: tuple[tuple[str, ...], ...] = ()
    red_flags: tuple[tuple[str, ...], ...] = ()

    def __len__(self) -> int:
        return len(self.groups)


def _groups(doc: Located, key: str, path: str, problems: list[Problem]) -> list[tuple[str, ...]]:
    groups: list[tuple[str, ...]] = []
    value = doc.value.get(key)
    if value is None:
        return groups
    if not isinstance(value, list):
        problems.append(Problem(path, doc.line(key), f"{key!r} must be a list of groups (lists of phrases)"))
        return groups
    for i, group in enumerate(value):
        line = doc.line(key, i)
        if not isinstance(group, list) or not all(isinstance(w, str) and w.strip() for w in group):
            problems.append(Problem(path, line, "a synonym group must be a list of words or phrases"))
            continue
        words = tuple(dict.fromkeys(" ".join(w.lower().split()) for w in group))
        if len(words) < 2 and key == "groups":
            problems.append(Problem(path, line, "a synonym group needs at least two different entries"))
            continue
        groups.append(words)
    return groups


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
    groups = _groups(doc, "groups", path, problems)
    red_flags = _groups(doc, "red_flags", path, problems)
    for key in data:
        if key not in ("groups", "red_flags"):
            problems.append(Problem(path, doc.line(key), f"unknown field {key!r}"))
    # a red-flag group of two or more phrases is also a synonym group; a single phrase only flags
    groups += [g for g in red_flags if len(g) > 1 and g not in groups]
    return Synonyms(tuple(groups), tuple(red_flags)), problems


def read_synonyms(root: Path) -> tuple[Synonyms, list[Problem]]:
    """``corpus/synonyms.yaml`` under ``root`` (none when the file is missing), and its problems."""
    rel = "corpus/synonyms.yaml"
    if not (root / rel).exists():
        return Synonyms(), []
    try:
        return parse_synonyms(read_text(root, rel), rel)
    except FileProblem as exc:
        return Synonyms(), [exc.problem]
