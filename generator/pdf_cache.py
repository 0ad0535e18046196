"""A content-addressed store of printed PDFs, shared by every build on the machine: a sheet whose inputs are unchanged
is read back instead of printed. Entries carry a checksum, arrive by rename, and the least recently used go first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

FORMAT = b"RULEBOOK-PDF 1\n"  # the first line of every entry; a change of layout changes it
LIMIT_MB = 1024  # RULEBOOK_CACHE_MB overrides it
NO_CACHE = "RULEBOOK_NO_CACHE"  # set: nothing is read from or written to the cache (`rulebook build --no-cache`)
STALE_SECONDS = 3600  # a temporary file this old belongs to a writer that died
# An entry used this recently may belong to a build still running: evicting it would make that build's next run print
# it again (a handbook of 50 policies prints about 1.5 GB of PDFs, past the default limit), so it stays. So does every
# entry used since this process began (a build of 200 policies prints for over an hour), and every entry the last
# complete build used (the next build of the same handbook reads them all back, however large and long that build).
IN_USE_SECONDS = 3600
PROCESS_STARTED = time.time()  # forked printing processes share their build's
LAST_BUILD = "last-build-began"  # in the cache's root: when the last complete build began


@dataclass(frozen=True)
class Entry:
    data: bytes  # a PDF, or what another kind of entry holds (the form font, a parsed file)
    meta: dict  # what the printer said beside the PDF (a poster's type size, the template's warnings)


def default_root() -> Path:
    """$XDG_CACHE_HOME/rulebook, by default ~/.cache/rulebook (the XDG base directory specification)."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache") / "rulebook"


def size_limit() -> int:
    """The cache's size limit in bytes: RULEBOOK_CACHE_MB, or LIMIT_MB."""
    mb = os.environ.get("RULEBOOK_CACHE_MB", "")
    return int(mb) * 2**20 if mb.isdigit() else LIMIT_MB * 2**20


class PdfCache:
    """PDFs by key under root/pdf/. Any number of processes may read and write at once: a reader sees a whole entry
    or none, and an entry that fails its checksum (a disk error, an editor) counts as missing and is removed.

    kind names another folder beside pdf/ for other files as costly to make (the form font)."""

    def __init__(self, root: Path | None = None, limit_bytes: int | None = None, kind: str = "pdf"):
        self.root = Path(root) if root else default_root()
        self.folder = self.root / kind
        self.limit = size_limit() if limit_bytes is None else limit_bytes
        self.started = PROCESS_STARTED  # what was used since then belongs to this build
        # What the last scan of the folder found, and what this cache stored since: the folder is scanned again only
        # when that may pass the limit, not at every store (a build stores a thousand entries).
        self._scanned: int | None = None
        self._stored = 0

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.pdf-entry"

    def get(self, key: str) -> Entry | None:
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:  # absent, or evicted by another build meanwhile
            return None
        entry = _parse(data)
        if entry is None:
            _unlink(path)
            return None
        try:
            os.utime(path)  # the modification time is the entry's last use: what eviction goes by
        except OSError:
            pass
        return entry

    def put(self, key: str, pdf: bytes, meta: dict | None = None) -> None:
        """Store pdf under key. A cache that cannot be written (a full or read-only disk) only costs the next build
        its time, so the failure is swallowed."""
        header = json.dumps(
            {"sha256": hashlib.sha256(pdf).hexdigest(), "size": len(pdf), "meta": meta or {}},
            ensure_ascii=False,
            sort_keys=True,
        ).encode("utf-8")
        try:
            write_atomically(self.path(key), FORMAT + header + b"\n" + pdf)
        except OSError:
            return
        self._stored += len(header) + len(pdf)
        if self._scanned is None or (self._scanned + self._stored > self.limit and self._stored > self.limit // 20):
            self.evict()

    def built(self) -> None:
        """Note that the build that began at self.started is complete: until another completes, what it used stays."""
        try:
            write_atomically(self.root / LAST_BUILD, repr(self.started).encode("ascii"))
        except OSError:
            return

    def kept_since(self) -> float:
        """Entries used since then stay: this build's, and the last complete build's."""
        try:
            last = float((self.root / LAST_BUILD).read_text(encoding="ascii"))
        except (OSError, ValueError):
            return self.started
        return min(self.started, last)

    def evict(self) -> None:
        """Remove the least recently used entries until the cache is within its limit (to 90% of it, so that the
        next stores need no scan), and temporary files left by writers that died. An entry used in the last hour,
        since this build began or by the last complete build stays even past the limit: a cache smaller than one
        build would otherwise evict the build's own sheets, or those its next run reads back."""
        entries, total, now, kept_since = [], 0, time.time(), self.kept_since()
        try:
            scan = list(os.scandir(self.folder))
        except OSError:
            return
        for item in scan:
            try:
                stat = item.stat()
            except OSError:
                continue
            if item.name.startswith(".tmp-"):
                if now - stat.st_mtime > STALE_SECONDS:
                    _unlink(Path(item.path))
                continue
            total += stat.st_size
            if now - stat.st_mtime > IN_USE_SECONDS and stat.st_mtime < kept_since:
                entries.append((stat.st_mtime, stat.st_size, item.path))
        if total > self.limit:
            for _, size, path in sorted(entries):
                _unlink(Path(path))
                total -= size
                if total <= self.limit * 0.9:
                    break
        self._scanned, self._stored = total, 0


def _parse(data: bytes) -> Entry | None:
    if not data.startswith(FORMAT):
        return None
    header, newline, pdf = data[len(FORMAT) :].partition(b"\n")
    try:
        info = json.loads(header) if newline else None
    except ValueError:
        return None
    if (
        not isinstance(info, dict)
        or info.get("size") != len(pdf)
        or info.get("sha256") != hashlib.sha256(pdf).hexdigest()
    ):
        return None
    return Entry(pdf, info.get("meta") or {})


def write_atomically(path: Path, data: bytes) -> None:
    """Write data to path so that no reader, in this process or another build's, ever sees part of it: a temporary
    file in the same folder, then a rename. Raises OSError; the temporary file is never left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        _unlink(Path(temporary))
        raise


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


@dataclass
class Printing:
    """How sheets are printed: through which cache (None: print every one) and over how many processes. Counts, in
    the process that asked, how many PDFs were printed and how many read back from the cache."""

    cache: PdfCache | None = None
    jobs: int = 1
    printed: int = 0
    reused: int = 0

    def count(self, reused: bool) -> None:
        if reused:
            self.reused += 1
        else:
            self.printed += 1

    def summary(self) -> str:
        return f"printed {self.printed} PDF{'s' * (self.printed != 1)}, reused {self.reused} from the cache"


# Keys --------------------------------------------------------------------------------------------------------------


def key(*parts: Any) -> str:
    """The hash of a stable serialisation of parts: dataclasses by type name and fields, in any process or run."""
    text = json.dumps(_plain(parts), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "__type__": type(value).__qualname__,
            **{f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (Path, date)):
        return str(value)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    # Falling back on repr() could put an address in the key, which would then never match again.
    raise TypeError(f"cannot make a cache key of {type(value).__name__}")


def file_digests(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(name, hash of the bytes) of each file; a missing file has the hash "missing"."""
    return [(Path(p).name, _digest(Path(p))) for p in paths]


def _digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return _digest_of(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4096)
def _digest_of(path: Path, size: int, mtime_ns: int) -> str:  # size and mtime: a changed file is read again
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_stamps(paths: Iterable[Path]) -> list[tuple[str, int, int]]:
    """(path, size, modification time) of each file: for files too large to read for every sheet, such as fonts."""
    out = []
    for path in paths:
        try:
            stat = Path(path).stat()
            out.append((str(path), stat.st_size, stat.st_mtime_ns))
        except OSError:
            out.append((str(path), -1, -1))
    return out
