"""Synonym groups: lay and clinical terms that mean the same thing to a searcher.

Read from ``corpus/synonyms.yaml`` and applied at search time (see :mod:`kb.search.plan`), so editing them needs no
re-index.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kb.corpus.files import FileProblem, read_text
from kb.corpus.yamlsafe import Located, YamlProblem, load_yaml
from kb.index.schema import text_analyzer
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


def _stems(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in text_analyzer()(text))


@lru_cache(maxsize=8)
def _analysed_flags(synonyms: Synonyms) -> tuple[tuple[tuple[str, ...], str], ...]:
    """Each red-flag phrase analysed as a search analyses it, with the phrase as written."""
    return tuple((a, phrase) for group in synonyms.red_flags for phrase in group if (a := _stems(phrase)))


def red_flag_in(text: str, synonyms: Synonyms) -> str | None:
    """The first red-flag phrase ``text`` contains, analysed like the query (stems in a row), or None.

    "crushing pain in my chest" does not contain "chest pain"; "chest pains when I walk" does, as it would
    match the synonym group.
    """
    flags = _analysed_flags(synonyms) if synonyms.red_flags else ()
    if not flags:
        return None
    words = _stems(text)
    for phrase, written in flags:
        n = len(phrase)
        if any(words[i:i + n] == phrase for i in range(len(words) - n + 1)):
            return written
    return None


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
