"""Reads an input file the way every command must: a regular file, not through a symlink, within a size limit.

Every file of a pull request is untrusted; this module is the one place that says what may be read and how much.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# A policy file of the corpus is about 60 KB; a hundred times that is no policy a person maintains.
MAX_YAML_BYTES = 4 * 1024 * 1024
# A regulation exported as text is at most a few hundred KB.
MAX_IMPORT_BYTES = 16 * 1024 * 1024


class Refused(Exception):
    """The file may not be read; the message says why and is meant for the person who named it. kind is one of
    "unsafe" (a symlink or special file), "too-large" and "unreadable" (missing, a folder, no permission)."""

    def __init__(self, message: str, kind: str = "unreadable"):
        super().__init__(message)
        self.kind = kind


def read_regular(path: Path, limit: int, *, follow_symlinks: bool = False) -> bytes:
    """The bytes of path, which must be a regular file (no symlink, FIFO or device) of at most limit bytes.
    follow_symlinks is for a file a person names on the command line, never for a file of the project.

    The file is opened without following a final symlink and without blocking on a FIFO, then checked on the open
    descriptor, so nothing can be swapped in between the check and the read. Raises Refused.
    """
    flags = os.O_RDONLY | (0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0)) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise Refused("no such file") from None
    except IsADirectoryError:
        raise Refused("is a folder, not a file") from None
    except OSError as exc:
        if Path(path).is_symlink():
            raise Refused("is a symbolic link; only regular files are read", "unsafe") from None
        raise Refused(f"cannot read file: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise Refused("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise Refused("is not a regular file (a device, FIFO or socket); only regular files are read", "unsafe")
        if info.st_size > limit:
            raise Refused(f"is {info.st_size:,} bytes; files larger than {limit:,} bytes are not read", "too-large")
        chunks, size = [], 0
        while True:  # read until the end, but never past the limit, even if the file grows while it is read
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise Refused(f"grew past {limit:,} bytes while it was read", "too-large")
        return b"".join(chunks)
    finally:
        os.close(fd)
