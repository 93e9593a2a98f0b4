"""Read YAML into plain data while remembering the line of every key path.

PyYAML silently keeps the last of two duplicate keys and forgets where values came from;
a criteria administrator needs both: duplicates are an error, and every error names a line.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.reader import ReaderError

from .errors import CriteriaSyntaxError, Problem

PathKey = tuple[str | int, ...]
MAX_VALUES = 100_000  # QĐ 06 has under 2,000; more means aliases nested inside aliases
# What PyYAML's scalar constructors raise on a malformed value ("2019-02-30", "!!int x", "!!bool x").
_SCALAR_ERRORS = (ValueError, KeyError, AttributeError, TypeError, OverflowError)


def format_path(path: PathKey) -> str:
    """Render ('criteria', 7, 'items', 1) as ``criteria[7].items[1]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class YamlSource:
    """Parsed YAML data plus the line where each key path starts."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of the deepest prefix of ``path`` present in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def problem(self, path: PathKey, message: str) -> Problem:
        return Problem(self.file, self.line_of(path), format_path(path), message)


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class _Builder:
    """Turns a composed node tree into Python data, recording lines, rejecting duplicates."""

    def __init__(self, loader: yaml.SafeLoader, source: YamlSource):
        self.loader = loader
        self.source = source
        self.count = 0

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise self._error(node, path, f"the file expands to more than {MAX_VALUES} values "
                                          "(aliases repeated inside aliases?)")
        self.source.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self._error(key_node, path, "a key must be a name, not a list or a mapping")
                key = _nfc(self._scalar(key_node, path))
                if key in result:
                    first = self.source.lines.get(path + (key,))
                    raise CriteriaSyntaxError(
                        Problem(
                            self.source.file,
                            key_node.start_mark.line + 1,
                            format_path(path + (key,)),
                            f"duplicate key {key!r} (first given on line {first})",
                        )
                    )
                self.source.lines[path + (key,)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        return _nfc(self._scalar(node, path))

    def _scalar(self, node: yaml.Node, path: PathKey) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except _SCALAR_ERRORS as exc:
            kind = node.tag.rpartition(":")[2]
            detail = f" ({exc})" if isinstance(exc, ValueError) else ""
            raise self._error(node, path, f"{str(node.value)[:40]!r} is not a valid {kind}{detail}") from exc

    def _error(self, node: yaml.Node, path: PathKey, message: str) -> CriteriaSyntaxError:
        return CriteriaSyntaxError(Problem(self.source.file, node.start_mark.line + 1, format_path(path), message))


def read_yaml(path: Path | str, text: str | None = None, display_name: str | None = None) -> YamlSource:
    """Parse ``path`` (or ``text``) into a :class:`YamlSource`; syntax errors name the line."""
    name = display_name or str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            line = exc.object[: exc.start].count(b"\n") + 1
            raise CriteriaSyntaxError(Problem(name, line, "", f"not UTF-8 text ({exc.reason}); save the file as UTF-8")) from exc
        except OSError as exc:
            raise CriteriaSyntaxError(Problem(name, None, "", exc.strerror or str(exc))) from exc
    source = YamlSource(name, None)
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        source.data = _Builder(loader, source).build(node, ()) if node is not None else None
    except ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        message = f"invalid YAML: the character U+{exc.character:04X} is not allowed ({exc.reason})"
        raise CriteriaSyntaxError(Problem(name, line, "", message)) from exc
    except RecursionError as exc:
        message = "invalid YAML: nested too deeply (or an alias refers to itself)"
        raise CriteriaSyntaxError(Problem(name, None, "", message)) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        context = exc.context
        if context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            context += f" (started on line {exc.context_mark.line + 1})"
        reason = " ".join(filter(None, [context, exc.problem]))
        raise CriteriaSyntaxError(Problem(name, line, "", f"invalid YAML: {reason}")) from exc
    except yaml.YAMLError as exc:
        raise CriteriaSyntaxError(Problem(name, None, "", f"invalid YAML: {exc}")) from exc
    finally:
        if loader is not None:
            loader.dispose()
    return source
