"""The schemas as an editor reads them: each YAML file names its schema, and every $ref resolves from the file's place."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlparse
from urllib.request import url2pathname

import jsonschema
import pytest
from referencing import Registry, Resource

from generator.source import load_document

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "generator" / "schemas"
FIRST_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")
YAML_FILES = sorted((ROOT / "policies").glob("*.yaml")) + sorted((ROOT / "policies" / "handbook").glob("*.yaml"))


def _retrieve(uri: str) -> Resource:
    """What the YAML language server does with a schema URI: read the file it names (no network, no registry)."""
    path = Path(url2pathname(urlparse(uri).path))
    return Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))


def editor_validator(schema_file: Path) -> jsonschema.Draft202012Validator:
    contents = json.loads(schema_file.read_text(encoding="utf-8"))
    # The editor's base URI is the schema file's own; a "$id" in the schema would take its place, resolved against it.
    contents["$id"] = urljoin(schema_file.as_uri(), contents.get("$id", ""))
    return jsonschema.Draft202012Validator(contents, registry=Registry(retrieve=_retrieve))


@pytest.mark.parametrize("path", YAML_FILES, ids=[p.relative_to(ROOT).as_posix() for p in YAML_FILES])
def test_each_file_names_its_schema_and_the_editor_can_resolve_it(path: Path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = FIRST_LINE.match(first)
    assert match, f"{path.name}: the first line should name the schema for the editor"
    schema_file = (path.parent / match[1]).resolve()
    kind = path.stem if path.parent.name == "handbook" else "policy"
    assert schema_file == SCHEMAS / f"{kind}.schema.json"
    doc, problems = load_document(path)  # dates stay text, as the editor sees them
    assert problems == []
    data = doc.data
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in editor_validator(schema_file).iter_errors(data)]
    assert errors == []


@pytest.mark.parametrize("schema_file", sorted(SCHEMAS.glob("*.json")), ids=lambda p: p.name)
def test_every_ref_points_at_a_file_next_to_the_schema(schema_file: Path):
    contents = json.loads(schema_file.read_text(encoding="utf-8"))
    base = urljoin(schema_file.as_uri(), contents.get("$id", ""))
    refs = re.findall(r'"\$ref":\s*"([^"]+)"', schema_file.read_text(encoding="utf-8"))
    for ref in refs:
        target = urljoin(base, ref).split("#")[0]
        assert Path(url2pathname(urlparse(target).path)).is_file(), f"{ref} resolves to {target}, which does not exist"
