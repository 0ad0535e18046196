"""Keeps what source.load_document made of a YAML text, by the text's digest, in the cache folder: a check, build or
preview reads a file unchanged since the last one back in a tenth of the time parsing it takes.

Stored with marshal, the format of Python's own compiled files: plain values only, and nothing runs on reading."""

from __future__ import annotations

import hashlib
import marshal
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from generator import pdf_cache

Parsed = tuple[Any, dict, dict]  # the data, the value positions, the key positions (as source.SourceMap holds them)


def read(text: str) -> Parsed | None:
    """What text was parsed into before, or None (not kept, not readable, or caching is off)."""
    store = _store()
    if store is None:
        return None
    entry = store.get(_key(text))
    if entry is None:
        return None
    try:
        parsed = marshal.loads(entry.data)
    except (EOFError, ValueError, TypeError):
        return None
    return parsed if isinstance(parsed, tuple) and len(parsed) == 3 else None


def keep(text: str, parsed: Parsed) -> None:
    """Store what text was parsed into; a value marshal cannot write (a date someone tagged !!timestamp) is not kept."""
    store = _store()
    if store is None:
        return
    try:
        data = marshal.dumps(parsed)
    except ValueError:
        return
    store.put(_key(text), data)


def _key(text: str) -> str:
    return pdf_cache.key("parsed", hashlib.sha256(text.encode("utf-8")).hexdigest(), _code())


def _store() -> pdf_cache.PdfCache | None:
    if os.environ.get(pdf_cache.NO_CACHE):
        return None
    return _store_at(pdf_cache.default_root())


@lru_cache(maxsize=4)
def _store_at(root: Path) -> pdf_cache.PdfCache:
    # One store per cache folder and process: a store scans its folder on its first write, not at every one.
    return pdf_cache.PdfCache(root, kind="parsed")


@lru_cache(maxsize=1)
def _code() -> str:
    """What a parse follows from besides the text: the reading code and the YAML library."""
    here = Path(__file__).parent
    return pdf_cache.key(
        pdf_cache.file_digests([here / "source.py", here / "safe_read.py", here / "parse_cache.py"]),
        yaml.__version__,
        getattr(yaml, "__with_libyaml__", False),
    )
