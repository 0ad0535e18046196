"""Measures `rulebook build` of the real handbook: site pages, search index, posters and checklists together.

Exits 1 when a target in TARGETS is missed; prints what it measured either way.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.project import Project  # noqa: E402
from generator.site.build import build  # noqa: E402

TARGETS = {"seconds": 60.0, "peak_mb": 1500.0, "site_mb": 60.0}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        start = time.perf_counter()
        build(Project(ROOT), out)
        seconds = time.perf_counter() - start
        site_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
        pdfs = len(list(out.rglob("*.pdf")))
    # The printing runs partly in a forked child: count the larger of this process and its children.
    peak_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(f"build: {pdfs} PDFs, site {site_mb:.1f} MB (target < {TARGETS['site_mb']} MB)")
    print(f"  time {seconds:.1f} s (target < {TARGETS['seconds']} s), peak memory {peak_mb:.0f} MB (target < {TARGETS['peak_mb']} MB)")
    return 0 if seconds < TARGETS["seconds"] and peak_mb < TARGETS["peak_mb"] and site_mb < TARGETS["site_mb"] else 1


if __name__ == "__main__":
    sys.exit(main())
