"""Finds the project a command runs in, as git does: the nearest folder upwards holding policies/.

Names the project's folders in one place so no other module spells out a path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class ProjectNotFound(Exception):
    pass


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def policies(self) -> Path:
        return self.root / "policies"

    @property
    def handbook_data(self) -> Path:
        return self.policies / "handbook"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    def relative(self, path: Path) -> str:
        """A path as the user should see it: relative to the current folder when that is shorter."""
        # Not resolved: a symlink is shown under its own name, never as the (maybe outside) file it points to.
        path = Path(os.path.abspath(path))
        try:
            return str(path.relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)


def find_project(start: Path | None = None) -> Project:
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "policies").is_dir():
            return Project(folder)
    raise ProjectNotFound(f"no Rulebook project here: neither {here} nor a folder above it holds policies/")
