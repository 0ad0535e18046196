"""Measures `rulebook check` on a large handbook: the real corpus copied under new ids, so the rules see real text.

Exits 1 when a target in TARGETS is missed; prints what it measured either way.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.check import check  # noqa: E402
from generator.project import Project  # noqa: E402

COPIES = 40
TARGETS = {"seconds": 3.0, "peak_mb": 400.0}  # issue 16; seconds of CPU, which other users inflate less than wall time


def make_project(folder: Path) -> Project:
    (folder / "policies").mkdir()
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    shutil.copytree(ROOT / "policies" / "handbook", folder / "policies" / "handbook")
    for source in sorted((ROOT / "policies").glob("*.yaml")):
        text = source.read_text(encoding="utf-8")
        for n in range(COPIES):
            new_id = f"{source.stem}-{n}" if n else source.stem
            copy = text.replace(f"\nid: {source.stem}\n", f"\nid: {new_id}\n", 1)
            (folder / "policies" / f"{new_id}.yaml").write_text(copy, encoding="utf-8")
    return Project(folder)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp))
        start, cpu = time.perf_counter(), time.process_time()
        handbook, findings = check(project, today=date(2026, 12, 1))
        wall, seconds = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clauses = sum(1 for p in handbook.policies.values() for _ in p.walk())
    print(f"check: {len(handbook.policies)} policies, {clauses} clauses, {len(findings)} findings")
    print(f"  time {seconds:.2f} s of CPU, {wall:.2f} s on the clock (target < {TARGETS['seconds']} s), peak memory {peak_mb:.0f} MB (target < {TARGETS['peak_mb']} MB)")
    return 0 if seconds < TARGETS["seconds"] and peak_mb < TARGETS["peak_mb"] else 1


if __name__ == "__main__":
    sys.exit(main())
