"""The folders the build writes and replaces: each carries a marker file, and only a marked folder is ever deleted.

A folder is replaced by two renames (no reader sees half of it); staging and retired copies are named with the pid
that made them, so a later run removes those of processes that no longer run, and never follows a symlink.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

MARKER = ".rulebook-output"
MARKER_TEXT = "Made by rulebook. The next build deletes and replaces this folder; do not keep your own files here.\n"


class OutputRefused(Exception):
    """The folder is not one the build may write into or replace; the message says why."""


def is_marked(folder: Path) -> bool:
    return (
        not folder.is_symlink()
        and folder.is_dir()
        and (folder / MARKER).is_file()
        and not (folder / MARKER).is_symlink()
    )


def made_before_markers(folder: Path) -> bool:
    """A site an earlier rulebook built, before output folders carried a marker: its home page names rulebook as its
    generator and it holds rulebook's own script. A web root's default index.html has neither."""
    home, script = folder / "index.html", folder / "assets" / "rulebook" / "rulebook.js"
    if not all(p.is_file() and not p.is_symlink() for p in (home, script)):
        return False
    with open(home, "rb") as page:
        return b'<meta name="generator" content="rulebook' in page.read(64 * 1024)


def claim(folder: Path) -> None:
    """Refuse a folder the build may not replace: a symlink, a file, a path below a file, or a folder with content
    that carries no marker (the build did not make it)."""
    folder = Path(os.path.abspath(folder))
    for above in reversed(folder.parents):
        if above.exists() and not above.is_dir():
            raise OutputRefused(f"{folder} is below {above}, which is a file, not a folder")
    if folder.is_symlink():
        raise OutputRefused(
            f"{folder} is a symbolic link; the build writes into a real folder only, never through a link"
        )
    if folder.exists() and not folder.is_dir():
        raise OutputRefused(f"{folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (is_marked(folder) or made_before_markers(folder)):
        raise OutputRefused(
            f"{folder} is not empty and was not made by a rulebook build (it holds no {MARKER} file), so it is not "
            "replaced; choose another folder, or empty it yourself"
        )


def mark(folder: Path) -> None:
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a leftover named with our own pid was left by an earlier process that had it (containers)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(target: Path) -> list[Path]:
    """Remove the staging and retired copies of target (.NAME.building-PID-*, .NAME.old-PID-*) left by runs that were
    killed: only those whose process no longer runs, that are real folders, and that carry the marker or are empty."""
    removed = []
    for kind in ("building", "old"):
        for path in target.parent.glob(f".{target.name}.{kind}-*"):
            pid = path.name[len(f".{target.name}.{kind}-") :].split("-", 1)[0]
            if not pid.isdigit() or _alive(int(pid)) or path.is_symlink() or not path.is_dir():
                continue
            if is_marked(path) or not any(path.iterdir()):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def staging_folder(target: Path) -> Path:
    """A new, marked folder beside target to build into."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-{os.getpid()}-", dir=target.parent))
    try:
        mark(staging)
    except BaseException:  # a stop (SIGTERM) between the folder and its marker must not leave the folder behind
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def replace(new: Path, target: Path) -> None:
    """Put new in target's place with two renames; the previous target (marked, as claim() made sure) is deleted."""
    os.chmod(new, 0o755)  # mkdtemp makes the folder private; what is published is for anyone to read
    if not os.path.lexists(target):
        os.rename(new, target)
        return
    claim(target)  # again, just before deleting: the folder may have changed since the build began
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
    os.rename(target, old)
    os.rename(new, target)
    if not old.is_symlink() and stat.S_ISDIR(old.lstat().st_mode):
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into SystemExit while the block runs, so its clean-up runs as for Ctrl-C (only in the
    main thread, where Python can take signals)."""

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    try:
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
