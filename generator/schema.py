"""Checks a loaded file against its JSON Schema and turns every violation into a finding at the right line.

The schemas in generator/schemas/ are the format's one declarative definition; editors use the same files.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from pathlib import Path

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

try:
    import jsonschema_rs
except ImportError:  # a declared dependency; without it every file takes the slower, thorough path alone
    jsonschema_rs = None  # type: ignore[assignment]
from referencing import Registry, Resource

from generator import languages
from generator.findings import Finding, finding
from generator.source import Document

SCHEMA_DIR = Path(__file__).parent / "schemas"
SCHEMAS = ("policy", "roles", "glossary", "requirements", "external", "languages")


def schema_path(name: str) -> Path:
    return SCHEMA_DIR / f"{name}.schema.json"


def _for_languages(contents: dict, registry: languages.Registry) -> dict:
    """A schema with its texts and scripts as the registry says. The files on disk, which editors read, describe
    the default languages; a project that declares other languages is checked against its own."""
    defs = contents.get("$defs", {})
    if "text" in defs:
        text = defs["text"]
        source = dict(text["properties"].get("zh", {"type": "string", "minLength": 1}))
        translation = {k: v for k, v in text["properties"].get("en", {"type": "string"}).items() if k != "description"}
        reviewed = {k: v for k, v in text["properties"].get("en_of", {"type": "string"}).items() if k != "description"}
        defs["text"] = {
            **text,
            "required": [languages.SOURCE],
            "properties": {
                languages.SOURCE: source,
                **{key: dict(translation) for key in registry.translations},
                **{f"{key}_of": dict(reviewed) for key in registry.translations},
            },
        }

    def scripts(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "script" and isinstance(value, dict) and "enum" in value:
                    value["enum"] = list(registry.scripts)
                else:
                    scripts(value)
        elif isinstance(node, list):
            for value in node:
                scripts(value)

    scripts(contents.get("properties", {}))
    return contents


@lru_cache(maxsize=None)
def _contents(name: str, registry: languages.Registry) -> dict:
    contents = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return contents if name == "languages" else _for_languages(contents, registry)


@lru_cache(maxsize=None)
def _registry(registry: languages.Registry) -> Registry:
    resources = []
    for name in SCHEMAS:
        contents = _contents(name, registry)
        resource = Resource.from_contents(contents)
        # Registered by file name, as editors resolve "$ref": "policy.schema.json#/…" next to the referring schema.
        resources.append((f"{name}.schema.json", resource))
    return Registry().with_resources(resources)


@lru_cache(maxsize=None)
def _validator(name: str, registry: languages.Registry) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(_contents(name, registry), registry=_registry(registry))


_BASE = "json-schema:///"  # the schemas refer to each other by file name; the compiled validator wants absolute names


@lru_cache(maxsize=None)
def _quick(name: str, registry: languages.Registry):
    """A compiled validator (jsonschema-rs, a hundred times faster) that only says whether a file fits: most files
    do and need no further look; one that does not is checked again by jsonschema, whose errors become findings."""
    if jsonschema_rs is None:
        return None
    contents = _contents(name, registry)
    resources = [(f"{_BASE}{other}.schema.json", _contents(other, registry)) for other in SCHEMAS]
    try:
        return jsonschema_rs.validator_for(
            contents, registry=jsonschema_rs.Registry(resources), base_uri=f"{_BASE}{name}.schema.json"
        )
    except Exception:  # a schema it cannot compile: the thorough path still checks everything
        return None


def _describe(value) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def _expected(schema: dict) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        return {
            "slug": "a lower-case id like 'expense-claims'",
            "date": "a date YYYY-MM-DD",
            "text": "a mapping of texts by language (zh:, en:)",
        }.get(ref, ref)
    kind = str(schema.get("type"))
    return {
        "string": "text",
        "integer": "a whole number",
        "boolean": "true or false",
        "array": "a list",
        "object": "a mapping",
    }.get(kind, kind)


_PATTERNS = {
    "^[a-z0-9]+(-[a-z0-9]+)*$": "a well-formed id (lower-case letters, digits and single hyphens, like 'expense-claims')",
    "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$": "a date written YYYY-MM-DD",
    "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$": "a semantic version like 1.2.0",
}


def _to_finding(error: ValidationError, doc: Document) -> list[Finding]:
    if error.context:  # anyOf / oneOf: report the branch that came closest
        return _to_finding(best_match(error.context), doc)
    where = tuple(error.absolute_path)
    dotted = ".".join(map(str, where)) or "(top level)"
    validator = error.validator
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        out = []
        for key in sorted(set(error.instance) - set(allowed)):
            near = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{near[0]}'?" if near else "allowed keys: " + ", ".join(allowed)
            out.append(
                finding(doc.source.at(where + (key,), key=True), "E012", f"unknown key '{key}' in {dotted}", hint)
            )
        return out
    if validator == "required":
        missing = error.message.split("'")[1]
        return [finding(doc.source.at(where), "E011", f"{dotted} is missing required field '{missing}'")]
    if validator == "anyOf" and error.schema.get("anyOf", [{}])[0].get("required"):
        return [finding(doc.source.at(where), "E011", f"{dotted} needs at least one of title, text or clauses")]
    if validator == "pattern":
        return [
            finding(
                doc.source.at(where),
                "E010",
                f"{dotted}: '{error.instance}' is not {_PATTERNS.get(error.validator_value, 'well-formed')}",
            )
        ]
    if validator in ("type", "enum", "const"):
        return [
            finding(
                doc.source.at(where),
                "E010",
                f"{dotted} should be {_expected(error.schema)}, not {_describe(error.instance) if validator == 'type' else repr(error.instance)}",
            )
        ]
    if validator == "minLength" and error.validator_value == 1:
        return [finding(doc.source.at(where), "E010", f"{dotted} must not be empty")]
    return [finding(doc.source.at(where), "E010", f"{dotted}: {error.message}")]


def validate(doc: Document, name: str, registry: languages.Registry | None = None) -> list[Finding]:
    """All schema violations of doc against the named schema (texts in the registry's languages), one finding each."""
    registry = registry or languages.default()
    quick = _quick(name, registry)
    try:
        if quick is not None and quick.is_valid(doc.data):
            return []
    except (ValueError, TypeError):  # a value JSON has no type for: the thorough path says what is wrong with it
        pass
    out: list[Finding] = []
    for error in _validator(name, registry).iter_errors(doc.data):
        out.extend(_to_finding(error, doc))
    return out
