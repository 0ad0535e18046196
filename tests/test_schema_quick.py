"""The compiled validator that `rulebook check` asks first (generator/schema.py) says a file fits exactly when
jsonschema finds nothing wrong with it: on every check case, the clean policy and the real handbook's files."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from test_check import CASE_DATA, CASES, case_text

from generator import languages, schema
from generator.source import load_document

REGISTRY = languages.default()
HANDBOOK_FILES = {"roles", "glossary", "requirements", "external"}


def documents():
    for name in sorted(CASE_DATA):
        yield f"case {name}", "policy", load_document(Path(f"{name}.yaml"), case_text(name))[0]
    yield "clean policy", "policy", load_document(CASES / "clean-policy.yaml")[0]
    for path in sorted((ROOT / "policies").glob("*.yaml")):
        yield path.name, "policy", load_document(path)[0]
    for path in sorted((ROOT / "policies" / "handbook").glob("*.yaml")):
        if path.stem in HANDBOOK_FILES:
            yield f"handbook/{path.name}", path.stem, load_document(path)[0]


def test_the_quick_validator_is_compiled():
    assert schema.jsonschema_rs is not None and schema._quick("policy", REGISTRY) is not None


@pytest.mark.parametrize("label, name, doc", [d for d in documents() if d[2] is not None and isinstance(d[2].data, dict)],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_the_quick_validator_agrees_with_jsonschema(label, name, doc):
    thorough = list(schema._validator(name, REGISTRY).iter_errors(doc.data))
    assert schema._quick(name, REGISTRY).is_valid(doc.data) == (not thorough), [e.message for e in thorough]
