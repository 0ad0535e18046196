"""Reads a YAML file into plain data plus the line and column of every value and key.

Dates stay strings, duplicate keys are findings (PyYAML would silently keep the last), syntax errors carry their line.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from generator import parse_cache
from generator.findings import Finding, finding
from generator.safe_read import MAX_YAML_BYTES, Refused, read_regular

JsonPath = tuple  # ("clauses", 0, "text", "en")
_STR = "tag:yaml.org,2002:str"

# The corpus nests 10 levels deep (a sub-item's text); libyaml's composer and every renderer recurse per level, so a
# file nesting deeper than this is refused before it is composed (about 25,000 levels crash the C parser outright).
MAX_DEPTH = 40
# Tags a file may spell out (`!!str 0123`); any other tag (`!!python/object`, `!custom`) is refused.
# A timestamp is let through to be reported as such: dates are text here.
PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
}


# libyaml's parser when PyYAML was built with it (its wheels are): the pure-Python scanner is most of a check's time.
# The type checker sees the pure-Python loader: both offer the same composing and constructing methods.
if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """yaml.safe_load with libyaml's parser when PyYAML has it: for files read whole, without positions (the generator's
    words and languages; the tests' own reading of policy files)."""
    return yaml.load(text, Loader=_SafeLoader)


class _Loader(_SafeLoader):
    """SafeLoader that leaves dates as text: the schema checks their form, and the model keeps what was written."""

    def resolve(self, kind, value, implicit):
        # BaseResolver.resolve's answer without its general machinery for the commonest cases: a quoted scalar, or
        # one whose first character no implicit resolver claims (most Chinese text), is a string; short words
        # (keys such as id, text, number) are answered once.
        if kind is yaml.ScalarNode and not self.yaml_path_resolvers:
            if not implicit[0] or (value and value[0] not in _CLAIMED):
                return _STR
            if len(value) <= 40:
                tag = _RESOLVED.get((value, implicit))
                if tag is None:
                    tag = super().resolve(kind, value, implicit)
                    if len(_RESOLVED) < 100_000:
                        _RESOLVED[(value, implicit)] = tag
                return tag
        return super().resolve(kind, value, implicit)


# The composer tells the resolver of every step down and up the tree, for path resolvers, which no file here uses:
# C callables that ignore their arguments answer faster than the Python methods that check for none.
_Loader.descend_resolver = staticmethod(operator.is_)  # type: ignore[assignment]
_Loader.ascend_resolver = staticmethod(tuple)  # type: ignore[assignment]
assert not _Loader.yaml_path_resolvers

_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# The first characters some implicit resolver (bool, int, float, null, ...) looks at; SafeLoader has no wildcard
# resolver (key None), which would look at every scalar.
_CLAIMED = frozenset(_Loader.yaml_implicit_resolvers)
assert None not in _CLAIMED


@dataclass
class SourceMap:
    """Where each value of a loaded file starts: value positions, and key positions for mapping entries."""

    path: Path
    values: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)

    def at(self, json_path: JsonPath = (), key: bool = False) -> tuple[Path, int, int]:
        """Position of json_path, or of its nearest ancestor that has one (1-based line and column)."""
        json_path = tuple(json_path)
        table = self.keys if key else self.values
        while json_path:
            if json_path in table:
                return (self.path, *table[json_path])
            if json_path in self.values:
                return (self.path, *self.values[json_path])
            json_path = json_path[:-1]
        return (self.path, *self.values.get((), (1, 1)))


@dataclass
class Document:
    """One YAML file as data, with its source map."""

    path: Path
    data: Any  # what the YAML holds; the loader reads it only once its schema has been checked
    source: SourceMap


_RESOLVED: dict[tuple, str] = {}


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _TooDeep(Exception):
    """A collection nested deeper than MAX_DEPTH: the whole file is refused, as over_limits would have refused it."""

    def __init__(self, problem: Finding):
        self.problem = problem


def _too_deep(path: Path, line: int, column: int) -> Finding:
    return finding(
        (path, line, column),
        "E005",
        f"lists and mappings nest more than {MAX_DEPTH} levels deep here: too deeply to read",
    )


def _build(
    node: yaml.Node,
    loader: _Loader,
    at: JsonPath,
    smap: SourceMap,
    findings: list[Finding],
    seen: set[int],
    depth: int = 1,
):
    mark = node.start_mark
    smap.values[at] = (mark.line + 1, mark.column + 1)
    if type(node) is yaml.ScalarNode and node.tag == _STR:
        return node.value  # what the constructor would make of it, without its machinery: most values are text
    if node.tag not in PLAIN_TAGS:
        findings.append(
            finding(
                (smap.path, *_mark(node)),
                "E010",
                f"{'.'.join(map(str, at)) or '(top level)'}: the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed in these files; remove it",
            )
        )
        return None
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if depth > MAX_DEPTH:
            raise _TooDeep(_too_deep(smap.path, *_mark(node)))
        # A composed alias is the same node again: refusing repeats stops self-reference and "billion laughs" files.
        if id(node) in seen:
            findings.append(
                finding(
                    (smap.path, *_mark(node)),
                    "E005",
                    f"{'.'.join(map(str, at)) or '(top level)'}: aliases (*name) are not allowed in these files; write the value out",
                )
            )
            return None
        seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            try:
                if key_node.tag == _STR:
                    key = key_node.value
                else:
                    key = loader.construct_object(key_node, deep=True) if key_node.tag in PLAIN_TAGS else None
            except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError, yaml.YAMLError):
                key = None
            if not isinstance(key, (str, int, float, bool)) or key is None:
                findings.append(finding((smap.path, *_mark(key_node)), "E010", "a mapping key must be a plain word"))
                continue
            key = str(key)
            if key in result:
                first = smap.keys[at + (key,)]
                findings.append(
                    finding(
                        (smap.path, *_mark(key_node)),
                        "E003",
                        f"duplicate key '{key}' (first at line {first[0]}); the second value would silently win",
                    )
                )
                continue
            path = at + (key,)
            smap.keys[path] = _mark(key_node)
            if type(value_node) is yaml.ScalarNode and value_node.tag == _STR:
                # The commonest entry (a key and its text), built here rather than by a call of _build for each.
                smap.values[path] = _mark(value_node)
                result[key] = value_node.value
            else:
                result[key] = _build(value_node, loader, path, smap, findings, seen, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, loader, at + (i,), smap, findings, seen, depth + 1) for i, child in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError, yaml.YAMLError):
        # e.g. `!!int abc`, `!!int ""`, `!!bool maybe`: a tag the value does not fit
        findings.append(
            finding(
                (smap.path, *_mark(node)),
                "E010",
                f"{'.'.join(map(str, at))}: '{node.value}' cannot be read as {node.tag.rsplit(':', 1)[-1]}",
            )
        )
        return None


def read_text(path: Path) -> tuple[str | None, list[Finding]]:
    """The file's text, or a finding saying why it cannot be read as UTF-8 text (or may not be read at all)."""
    try:
        raw = read_regular(path, MAX_YAML_BYTES)
    except Refused as exc:
        code = {"unsafe": "E004", "too-large": "E005"}.get(exc.kind, "E001")
        return None, [finding((path, 1, 1), code, f"{path.name} {exc}")]
    if b"\0" in raw:
        return None, [finding((path, 1, 1), "E001", "this is a binary file, not YAML text")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            finding((path, line, 1), "E001", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
        ]


# Where a line's content starts: after its indentation, block indicators (- ? :) and node properties (&anchor !tag).
_LINE_START = re.compile(r"^(?:[ \t?:-]+|[&!][^ \t\n]*)*", re.M)
# Line breaks other than \n, after which libyaml starts a line that _LINE_START does not see.
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")
# Nesting the composer is sure to survive (its C version overflows the stack at about 25,000 levels).
SAFE_NESTING = 2000


def nesting_bound(text: str) -> int:
    """At most how deeply text's lists and mappings can nest, from its characters alone. A block collection inside
    another starts in a later column (a mapping's value may be a sequence in the mapping's own column, so two levels
    a column) and can only start where a line's content does; a flow collection opens with [ or {, and a flow pair
    ([a: b]) adds one more level for each."""
    widest = max(map(len, _LINE_START.findall(text)), default=0)
    return 2 * (widest + 1) + 2 * (text.count("[") + text.count("{"))


def over_limits(path: Path, text: str) -> list[Finding]:
    """What makes text too costly to compose: its size, nesting too deep for the composer, or an alias (*name), which
    would let a small file expand into a huge one. The event stream (which does not recurse) is read only when the
    characters cannot rule these out; nesting deeper than MAX_DEPTH is otherwise found while building (_build)."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        return [finding((path, 1, 1), "E005", f"the file is larger than {MAX_YAML_BYTES:,} bytes")]
    if "*" not in text and not _OTHER_BREAKS.search(text) and nesting_bound(text) <= SAFE_NESTING:
        return []
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_SafeLoader):
            start = event.start_mark
            assert start is not None  # libyaml marks every event it parses
            if isinstance(event, yaml.AliasEvent):
                return [
                    finding(
                        (path, start.line + 1, start.column + 1),
                        "E005",
                        f"aliases (*name) are not allowed in these files; write the value out instead of *{event.anchor}",
                    )
                ]
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return [_too_deep(path, start.line + 1, start.column + 1)]
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return []  # the composer reports the syntax error with its position
    return []


def load_document(path: Path, text: str | None = None) -> tuple[Document | None, list[Finding]]:
    """Parse one YAML file. Returns (None, findings) when it cannot be parsed at all."""
    if text is None:
        text, problems = read_text(path)
        if text is None:
            return None, problems
    known = parse_cache.read(text)
    if known is not None:
        data, values, keys = known
        return Document(path, data, SourceMap(path, values, keys)), []
    problems = over_limits(path, text)
    if problems:
        return None, problems
    smap = SourceMap(path)
    findings: list[Finding] = []
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = _build(node, loader, (), smap, findings, set()) if node is not None else None
        finally:
            loader.dispose()
    except _TooDeep as exc:
        return None, [exc.problem]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(filter(None, [exc.context, exc.problem]))
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            problem += (
                f" (the construct began at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1})"
            )
        return None, [finding((path, line, col), "E002", f"YAML syntax error: {problem}")]
    except yaml.YAMLError as exc:
        return None, [finding((path, 1, 1), "E002", f"YAML error: {exc}")]
    except RecursionError:
        return None, [finding((path, 1, 1), "E002", "the file nests lists or mappings too deeply to read")]
    if not findings:  # a file with findings is parsed again each time, to report them
        parse_cache.keep(text, (data, smap.values, smap.keys))
    return Document(path, data, smap), findings
