"""Safe YAML reading with line numbers, bounded against hostile input.

Only the safe loader is used, so tags such as ``!!python/object/apply`` are refused, never constructed. Before any
value is constructed the event stream is checked for nesting depth and the node graph for its expanded size, so an
alias bomb (a few lines that expand to billions of nodes) or a deeply nested document is refused in milliseconds
instead of exhausting memory or the stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

try:  # libyaml is much faster; the pure-Python loader behaves the same.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 64
MAX_NODES = 200_000

Path = tuple[str | int, ...]


class YamlProblem(Exception):
    """A YAML text that cannot be used; ``line`` and ``column`` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Located:
    """A YAML document's value and the 1-based line of every key and list item in it, by path."""

    value: Any
    lines: dict[Path, int]
    first_line: int = 1

    def line(self, *path: str | int) -> int:
        """The line of the deepest known prefix of ``path`` (falls back to the document's first line)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.first_line


# contexts whose mark is where the mistake is: an unclosed bracket or quote, a key missing its ':'. The problem
# mark is where libyaml gave up, often the next line ("nutrients: [magnesium" on line 11 was reported as 12)
_AT_CONTEXT = ("while parsing a flow", "while scanning a quoted scalar", "while scanning a simple key",
               "while scanning a block scalar")


def _mark_error(exc: yaml.MarkedYAMLError, line_offset: int) -> YamlProblem:
    """One ``YamlProblem`` from libyaml's problem and context, at the line that is more useful to a writer.

    The context is kept in the message when it says something the problem does not ("found duplicate anchor;
    first occurrence" with "second occurrence"); it is left out when it only names the parser's state (every
    "while parsing a block mapping" starts on line 1).
    """
    problem = exc.problem or exc.context or "malformed YAML"
    context, cmark, pmark = exc.context, exc.context_mark, exc.problem_mark
    if context and cmark is not None and pmark is not None and context.startswith(_AT_CONTEXT) \
            and cmark.line < pmark.line:
        line, col = cmark.line + 1 + line_offset, cmark.column + 1
        what = context.split(" a ", 1)[-1]  # "while parsing a flow sequence" -> "flow sequence"
        return YamlProblem(f"malformed YAML at column {col}: the {what} started here: {problem} "
                           f"(on line {pmark.line + 1 + line_offset})", line, col)
    if context and exc.problem and not context.startswith("while"):
        where = f" (line {cmark.line + 1 + line_offset})" if cmark is not None else ""
        problem = f"{context}{where}; {exc.problem}"
    mark = pmark or cmark
    if mark is None:
        return YamlProblem(f"malformed YAML: {problem}")
    line, col = mark.line + 1 + line_offset, mark.column + 1
    return YamlProblem(f"malformed YAML at column {col}: {problem}", line, col)


def _check_events(text: str, line_offset: int) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 + line_offset if event.start_mark else 0
                raise YamlProblem(f"YAML nested deeper than {MAX_DEPTH} levels is refused", line)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _expanded_size(node: yaml.Node, line_offset: int) -> int:
    """Count nodes as if every alias were copied out; memoised so the count itself stays cheap."""
    memo: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(n: yaml.Node) -> int:
        key = id(n)
        if key in open_nodes:  # a recursive anchor: its paths never end, so line collection would not either
            raise YamlProblem("YAML alias refers to itself (a recursive anchor) and is refused",
                              n.start_mark.line + 1 + line_offset)
        if key in memo:
            return memo[key]
        open_nodes.add(key)
        total = 1
        if isinstance(n, yaml.MappingNode):
            first_seen: dict[str, int] = {}
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    line = k.start_mark.line + 1 + line_offset
                    if k.value in first_seen:  # PyYAML would let the last one win silently
                        raise YamlProblem(
                            f"duplicate key {k.value!r} (first given on line {first_seen[k.value]})", line)
                    first_seen[k.value] = line
                total += size(k) + size(v)
        elif isinstance(n, yaml.SequenceNode):
            for v in n.value:
                total += size(v)
        if total > MAX_NODES:
            line = n.start_mark.line + 1 + line_offset
            raise YamlProblem(
                f"YAML expands to more than {MAX_NODES:,} values (an alias bomb?) and is refused", line
            )
        open_nodes.discard(key)
        memo[key] = total
        return total

    return size(node)


def _unconstructable(node: yaml.Node | None, line_offset: int) -> tuple[int, int]:
    """Line and column of the first scalar whose value cannot be built (a date like 2026-02-30), or (0, 0)."""
    checker = yaml.constructor.SafeConstructor()
    stack, seen, found = [node], set(), []
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.ScalarNode):
            try:
                checker.construct_object(n)
            except ValueError:
                found.append((n.start_mark.line + 1 + line_offset, n.start_mark.column + 1))
            except yaml.YAMLError:
                pass
        elif isinstance(n, yaml.MappingNode):
            stack.extend(x for kv in n.value for x in kv)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    return min(found, default=(0, 0))


def _collect_lines(node: yaml.Node, line_offset: int) -> dict[Path, int]:
    lines: dict[Path, int] = {}
    stack: list[tuple[Path, yaml.Node]] = [((), node)]
    seen: set[tuple[Path, int]] = set()
    while stack:
        path, n = stack.pop()
        if (path, id(n)) in seen or len(lines) > MAX_NODES:
            continue
        seen.add((path, id(n)))
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    sub = path + (k.value,)
                    lines[sub] = k.start_mark.line + 1 + line_offset
                    stack.append((sub, v))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                sub = path + (i,)
                lines[sub] = v.start_mark.line + 1 + line_offset
                stack.append((sub, v))
    return lines


def load_yaml(text: str, line_offset: int = 0) -> Located:
    """Parse one YAML document safely.

    Args:
        text: the YAML source.
        line_offset: added to every line, for YAML embedded in a larger file (front matter).

    Raises:
        YamlProblem: malformed YAML, unsafe tags, more than one document, too deep or too large.
    """
    node = None
    try:
        _check_events(text, line_offset)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return Located(None, {}, 1 + line_offset)
            _expanded_size(node, line_offset)
            value = loader.construct_document(node)
        finally:
            loader.dispose()
    except YamlProblem:
        raise
    except yaml.constructor.ConstructorError as exc:
        err = _mark_error(exc, line_offset)
        if "tag" not in (exc.problem or ""):  # e.g. "found unhashable key": malformed, not unsafe
            raise err from None
        raise YamlProblem(f"YAML tag refused ({exc.problem})", err.line, err.column) from None
    except yaml.MarkedYAMLError as exc:
        raise _mark_error(exc, line_offset) from None
    except yaml.reader.ReaderError as exc:  # a control character YAML forbids; it carries no line, find it
        ch = exc.character if isinstance(exc.character, str) else chr(exc.character)
        pos = text.find(ch)
        line = text.count("\n", 0, pos) + 1 + line_offset if pos >= 0 else 0
        col = pos - text.rfind("\n", 0, pos) if pos >= 0 else 0
        where = f" at column {col}" if line else ""
        raise YamlProblem(f"malformed YAML{where}: character U+{ord(ch):04X} is not allowed in YAML text "
                          "(write it as an escape in a double-quoted string)", line, col) from None
    except ValueError as exc:  # a value the resolver accepted but cannot build, e.g. reviewed: 2026-02-30
        line, col = _unconstructable(node, line_offset)
        where = f" at column {col}" if line else ""
        raise YamlProblem(f"malformed YAML{where}: {exc}", line, col) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise YamlProblem(f"malformed YAML: {exc}") from None
    return Located(value, _collect_lines(node, line_offset), node.start_mark.line + 1 + line_offset)
