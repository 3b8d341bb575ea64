"""Exception types and the ``path:line: message`` problem record shared by every layer.

Errors carry where they happened so the CLI and the TUI can print one clear line without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the corpus, located to a file and line (1-based; 0 when the whole file is at fault)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


class KbError(Exception):
    """Base of every error kb reports to a user as one line."""


class RootNotFound(KbError):
    """No knowledge-base root (a folder holding ``corpus/``) was found."""


class CorpusInvalid(KbError):
    """The corpus has problems; ``problems`` lists every one found in the run."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        first = str(self.problems[0]) if self.problems else "corpus is invalid"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


class UnknownId(KbError):
    """A record id that the knowledge base does not hold."""


class IndexBusy(KbError):
    """Another process holds the index write lock for longer than we are willing to wait."""


class IndexUnavailable(KbError):
    """The index cannot be built or opened (e.g. the folder is not writable)."""


class UnknownFilter(KbError, ValueError):
    """A ``kind:``/``nutrient:``/``tag:`` value (or ``--kind``/``--nutrient``) that names nothing in the index.

    The message names the value and lists the valid ones; ``valid`` holds them. A usage error (the CLI exits 2).
    """

    def __init__(self, message: str, valid: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.valid = valid


class NotCorpusFile(KbError, ValueError):
    """A path given to ``kb index PATH`` (or ``update(paths=...)``) that names no file kb reads: outside the corpus
    folder, a folder, or a name no corpus folder accepts. A usage error (the CLI exits 2); ``str()`` is
    ``path: what is wrong``."""

    def __init__(self, path: str, what: str) -> None:
        super().__init__(f"{path}: {what}")
        self.path = path
        self.what = what
