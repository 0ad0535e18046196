"""Writes policy data as a policy file in the project's house style, and never over a file a person wrote.

Block style in the schema's key order, short texts as one-line {zh, en} mappings, long lines never folded (so a diff
shows the changed sentence), and the first line tells YAML editors which schema to use.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from generator.schema import schema_path

POLICY_KEYS = (
    "id",
    "type",
    "title",
    "script",
    "version",
    "effective",
    "owner",
    "approver",
    "review",
    "provenance",
    "parameters",
    "editorial_notes",
    "retired_ids",
    "posters",
    "checklists",
    "clauses",
)
CLAUSE_KEYS = (
    "id",
    "number",
    "inserted",
    "style",
    "kind",
    "title",
    "text",
    "applies_to",
    "topics",
    "refs",
    "checks",
    "clauses",
)
TEXT_KEYS = ("zh", "en")
FLOW_TEXT_LONGEST = 40  # a text mapping longer than this reads better over two lines


class FileExists(Exception):
    pass


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; set it straight back
    os.umask(mask)
    return mask


class _Flow(dict):
    """A mapping written on one line: {zh: 總則, en: General Provisions}."""


class _Dumper(yaml.SafeDumper):
    """Indented sequences (as in the handbook's other files) and dates left as plain text, as the loader reads them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


_Dumper.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}
_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True))


def _represent_str(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    # Paragraphs stay paragraphs: a literal block, not a quoted string full of \n.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _ordered(data: dict, keys: tuple[str, ...]) -> dict:
    return {k: data[k] for k in keys if k in data} | {k: v for k, v in data.items() if k not in keys}


def _styled(value, key: str | None = None):
    """Order keys as the conventions say and choose flow style for short, brace-free texts."""
    if isinstance(value, dict):
        if set(value) == set(TEXT_KEYS) and all(isinstance(v, str) for v in value.values()):
            joined = value["zh"] + value["en"]
            short = len(value["zh"]) <= FLOW_TEXT_LONGEST and len(value["en"]) <= 2 * FLOW_TEXT_LONGEST
            mapping = _ordered(value, TEXT_KEYS)
            # Braces ({parameter}) would break a flow mapping's reading, so such texts are always block style.
            return _Flow(mapping) if short and "{" not in joined and "\n" not in joined else mapping
        keys = (
            POLICY_KEYS
            if "clauses" in value and "type" in value
            else CLAUSE_KEYS
            if "id" in value and key == "clauses"
            else ()
        )
        ordered = _ordered(value, keys) if keys else value
        styled = {k: _styled(v, k) for k, v in ordered.items()}
        return _Flow(styled) if key == "review" else styled
    if isinstance(value, list):
        return [_styled(v, key) for v in value]
    return value


def dump_policy(data: dict, schema_from: Path | None = None, comments: dict[str, list[str]] | None = None) -> str:
    """The policy file's text. schema_from is the folder the file goes in (for the relative $schema path); comments
    maps a clause id to comment lines written just above that clause."""
    schema = schema_path("policy")
    ref = os.path.relpath(schema, schema_from).replace(os.sep, "/") if schema_from else schema.as_posix()
    body = yaml.dump(_styled(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**9, indent=2)
    if comments:
        lines = []
        for line in body.split("\n"):
            stripped = line.lstrip()
            if stripped.startswith("- id: "):
                indent = " " * (len(line) - len(stripped))
                lines += [f"{indent}# {c}" for c in comments.get(stripped[6:].strip(), [])]
            lines.append(line)
        body = "\n".join(lines)
    return f"# yaml-language-server: $schema={ref}\n{body}"


def write_new(path: Path, text: str, force: bool = False) -> None:
    """Write text to path atomically. Without force, an existing file is never replaced (FileExists)."""
    path = Path(path)
    if path.exists() and not force:
        raise FileExists(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); the policy gets the mode any new file would (0644 under a 022
        # umask), or keeps the mode of the file it replaces.
        try:
            mode = os.stat(path).st_mode & 0o7777 if force else None
        except FileNotFoundError:
            mode = None
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: nothing a person wrote is lost
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links
                if path.exists():
                    raise FileExistsError(str(path)) from None
                os.replace(tmp, path)
            else:
                os.unlink(tmp)
    except FileExistsError:
        os.unlink(tmp)
        raise FileExists(str(path)) from None
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
