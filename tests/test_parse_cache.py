"""What a YAML file was parsed into is kept by its text's digest: read back the same (data and every position), parsed
again when the text, the entry or the reading code changes, and never kept for a file with findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import parse_cache, source
from generator.source import load_document

ROOT = Path(__file__).resolve().parents[1]
REAL = sorted((ROOT / "policies").glob("*.yaml"))


@pytest.fixture
def parses(monkeypatch):
    """How many times a text was really parsed (not read back)."""
    counted = []
    real = source.over_limits
    monkeypatch.setattr(source, "over_limits", lambda path, text: (counted.append(path), real(path, text))[1])
    return counted


def entries() -> list[Path]:
    folder = parse_cache._store().folder
    return sorted(folder.glob("*.pdf-entry")) if folder.is_dir() else []


@pytest.mark.parametrize("policy", REAL[:2], ids=lambda p: p.stem)
def test_a_file_read_again_is_not_parsed_again_and_gives_the_same_data_and_positions(policy, parses):
    first, problems = load_document(policy)
    assert problems == [] and len(parses) == 1 and len(entries()) == 1
    again, problems = load_document(policy)
    assert problems == [] and len(parses) == 1
    assert again.data == first.data and list(again.data) == list(first.data)  # the keys' order too
    assert again.source.values == first.source.values and again.source.keys == first.source.keys
    assert again.source.path == policy and again.data is not first.data


def test_a_changed_text_is_parsed_again(tmp_path, parses):
    path = tmp_path / "p.yaml"
    path.write_text("id: one\ntitle: {zh: 甲}\n", encoding="utf-8")
    assert load_document(path)[0].data["id"] == "one"
    path.write_text("id: two\ntitle: {zh: 甲}\n", encoding="utf-8")
    assert load_document(path)[0].data["id"] == "two"
    assert len(parses) == 2


def test_a_damaged_entry_is_parsed_again(tmp_path, parses):
    path = tmp_path / "p.yaml"
    path.write_text("id: one\nlist: [1, 2.5, true, null]\n", encoding="utf-8")
    first = load_document(path)[0]
    (entry,) = entries()
    data = bytearray(entry.read_bytes())
    data[-3] ^= 0xFF
    entry.write_bytes(bytes(data))
    again = load_document(path)[0]
    assert again.data == first.data == {"id": "one", "list": [1, 2.5, True, None]}
    assert len(parses) == 2


def test_a_file_with_findings_is_not_kept_so_they_are_reported_every_time(tmp_path, parses):
    path = tmp_path / "p.yaml"
    path.write_text("id: one\nid: two\n", encoding="utf-8")
    for _ in range(2):
        assert [p.code for p in load_document(path)[1]] == ["E003"]
    assert entries() == [] and len(parses) == 2


def test_nothing_is_kept_when_caching_is_off(tmp_path, monkeypatch, parses):
    monkeypatch.setenv("RULEBOOK_NO_CACHE", "1")
    path = tmp_path / "p.yaml"
    path.write_text("id: one\n", encoding="utf-8")
    load_document(path), load_document(path)
    assert len(parses) == 2
    monkeypatch.delenv("RULEBOOK_NO_CACHE")
    assert entries() == []


def test_other_reading_code_makes_another_key(monkeypatch):
    before = parse_cache._key("id: one\n")
    parse_cache._code.cache_clear()
    monkeypatch.setattr(parse_cache.yaml, "__version__", "0.0")
    try:
        assert parse_cache._key("id: one\n") != before
    finally:
        parse_cache._code.cache_clear()
