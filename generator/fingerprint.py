"""Translation fingerprints: which Chinese a translation was reviewed against, and whether that Chinese changed since.

A text may carry `en_of: <8 hex>` beside `en:`; `rulebook translated` writes it into the policy file, keeping the rest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from generator.languages import SOURCE, Registry
from generator.model import REVIEWED_SUFFIX, Text


def fingerprint(chinese: str) -> str:
    """Eight hex digits that change when the Chinese words change; re-wrapping a YAML block (whitespace) does not."""
    return hashlib.sha256("".join(chinese.split()).encode("utf-8")).hexdigest()[:8]


def text_keys(registry: Registry) -> set[str]:
    """The keys a text mapping may hold: the Chinese, each translation, and each translation's fingerprint."""
    return {*registry.text_keys, *(key + REVIEWED_SUFFIX for key in registry.translations)}


def stale(text: dict, key: str) -> bool:
    """Whether the translation under key was reviewed against other Chinese than the text now holds. A text without
    a fingerprint was never marked reviewed, so nothing can be said about it: it is not stale."""
    recorded = text.get(key + REVIEWED_SUFFIX)
    return bool(recorded) and bool(str(text.get(key, "")).strip()) and recorded != fingerprint(text.get(SOURCE, ""))


def text_stale(text: Text, key: str) -> bool:
    """stale() for a loaded Text."""
    return stale({SOURCE: text.zh, key: text.get(key), key + REVIEWED_SUFFIX: text.reviewed.get(key, "")}, key)


@dataclass
class Marked:
    line: int  # where the text starts
    key: str
    chinese: str


class MarkError(Exception):
    pass


def _text_nodes(node: yaml.Node, keys: set[str]) -> Iterator[yaml.MappingNode]:
    if isinstance(node, yaml.MappingNode):
        names = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        if SOURCE in names and set(names) <= keys and all(isinstance(v, yaml.ScalarNode) for _, v in node.value):
            yield node
            return
        for _, value in node.value:
            yield from _text_nodes(value, keys)
    elif isinstance(node, yaml.SequenceNode):
        for value in node.value:
            yield from _text_nodes(value, keys)


def mark_reviewed(
    path: Path, registry: Registry, line: int | None = None, langs: list[str] | None = None
) -> list[Marked]:
    """Record in the file at path that each written translation (of the text at line, or of every text) was reviewed
    against the Chinese it now stands beside. Returns what was marked; the file is rewritten only if that is anything."""
    original = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(original, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise MarkError(f"{path}: not readable YAML ({exc.__class__.__name__}); run `rulebook check` first") from None
    if root is None:
        return []
    nodes = list(_text_nodes(root, text_keys(registry)))
    if line is not None:
        spanning = [n for n in nodes if n.start_mark.line + 1 <= line <= _last_line(original, n)]
        if not spanning:
            raise MarkError(f"{path}:{line}: no text (a mapping with {SOURCE}:) starts or runs on this line")
        nodes = [max(spanning, key=lambda n: n.start_mark.index)]  # the innermost one
    edits: list[tuple[int, int, str]] = []
    marked: list[Marked] = []
    for node in nodes:
        values = {k.value: (k, v) for k, v in node.value}
        chinese = values[SOURCE][1].value
        for key in langs or registry.translations:
            if key not in values or not values[key][1].value.strip():
                continue
            mark = fingerprint(chinese)
            name = key + REVIEWED_SUFFIX
            written = mark if isinstance(yaml.safe_load(mark), str) else f"'{mark}'"  # 12345678 would read as a number
            if name in values:
                old = values[name][1]
                if old.value == mark:
                    continue
                edits.append((old.start_mark.index, old.end_mark.index, written))
            elif node.flow_style:
                end = values[key][1].end_mark.index
                edits.append((end, end, f", {name}: {written}"))
            else:
                key_node, value_node = values[key]
                end = _end_of_last_line(original, value_node.end_mark.index)
                indent = " " * key_node.start_mark.column
                edits.append((end, end, f"\n{indent}{name}: {written}"))
            marked.append(Marked(node.start_mark.line + 1, key, chinese))
    if not edits:
        return []
    text = original
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    _same_but_marks(original, text, path)
    path.write_text(text, encoding="utf-8")
    return marked


def _last_line(text: str, node: yaml.Node) -> int:
    """The 1-based line of a node's last character (a block's end mark is already on the next line)."""
    end = node.end_mark.index
    return text.count("\n", 0, len(text[:end].rstrip())) + 1


def _end_of_last_line(text: str, end: int) -> int:
    """Where the line holding a value's last visible character ends (a block scalar's end mark lies past it)."""
    last = len(text[:end].rstrip())
    newline = text.find("\n", last)
    return len(text) if newline < 0 else newline


def _same_but_marks(before: str, after: str, path: Path) -> None:
    """Refuse to write a file whose data changed other than by fingerprints: the edit is textual, so prove it."""

    def strip(data):
        if isinstance(data, dict):
            return {k: strip(v) for k, v in data.items() if not str(k).endswith(REVIEWED_SUFFIX)}
        if isinstance(data, list):
            return [strip(v) for v in data]
        return data

    try:
        same = strip(yaml.safe_load(before)) == strip(yaml.safe_load(after))
    except yaml.YAMLError:
        same = False
    if not same:
        raise MarkError(
            f"{path}: could not add the fingerprints without changing other data; add {REVIEWED_SUFFIX} by hand"
        )
