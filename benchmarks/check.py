"""Measures `rulebook check` on a large handbook: the real corpus copied under new ids (200 policies), so the rules see
real text; first with an empty cache, again with nothing changed, and after one clause was edited (scale.checks).

Exits 1 when a target in scale.TARGETS is missed by the checks a policy owner repeats; prints what it measured.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402

SIZE = 200


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        project = scale.make_handbook(Path(tmp) / "handbook", SIZE)
        row = scale.checks(project, Path(tmp) / "check")
    first = row["first"]
    print(f"check: {first['policies']} policies, {first['clauses']} clauses, {first['findings']} findings")
    for run, said in (("first", "empty cache"), ("again", "nothing changed"), ("edited", "one clause edited")):
        m = row[run]
        print(f"  {said:18} {m['cpu_seconds']:.2f} s of CPU, {m['seconds']:.2f} s on the clock, peak {m['peak_mb']:.0f} MB")
    missed = scale.check_missed(row)
    print(f"  targets (< {scale.TARGETS['check_seconds']} s of CPU, < {scale.TARGETS['check_mb']:.0f} MB): "
          + (f"missed ({', '.join(missed)})" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
