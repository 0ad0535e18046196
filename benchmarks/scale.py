"""Measures how `rulebook check` and `rulebook build` grow with the handbook: handbooks of 5, 50 and 200 policies
made from the real ones, each measurement in a fresh process; prints a Markdown table for benchmarks/README.md.

    python benchmarks/scale.py [--check 5,50,200] [--build 5,50] [--plain 5,50] [--site 200] [--json FILE]

A check is measured three times with a cache of its own: first (empty cache), again (nothing changed) and after a
one-clause edit. A build is measured three times into the same folder with one PDF cache: cold (empty cache), no-op (nothing
changed) and after a one-clause edit, with the share of time per stage and how many PDFs were printed and reused.
The plain-mkdocs baseline builds the same pages, written out as Markdown, with mkdocs alone (the same theme, search
and Markdown settings, no rulebook plugin), beside the site step of `rulebook build` (no printing, nothing cached).
--site builds the same three times printing nothing: the site steps alone, quick to measure at any size.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"check_seconds": 3.0, "check_mb": 400.0, "noop_share": 0.25}
TODAY = "2026-12-01"
# The clause the one-clause edit changes, and the policy it is in: a rule on a wall poster of the real handbook.
EDITED_POLICY, EDITED_CLAUSE = "operations-wall-rules", "principle-of-legality"


# Handbooks of any size -------------------------------------------------------------------------------------------


def make_handbook(folder: Path, size: int) -> Path:
    """A project of size policies: the real ones, then copies of them in turn under new ids (references between
    policies keep pointing at the originals, which are always there)."""
    (folder / "policies").mkdir(parents=True)
    for part in ("templates", "docs"):
        shutil.copytree(ROOT / part, folder / part)
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    shutil.copytree(ROOT / "policies" / "handbook", folder / "policies" / "handbook")
    if (ROOT / ".cache" / "rulebook").is_dir():  # the derived search dictionary: made once per checkout, not per build
        shutil.copytree(ROOT / ".cache" / "rulebook", folder / ".cache" / "rulebook")
    real = sorted((ROOT / "policies").glob("*.yaml"))
    if size < len(real):
        raise SystemExit(f"the smallest handbook is the real one, of {len(real)} policies")
    for n in range(size):
        source = real[n % len(real)]
        copy = n // len(real)
        new_id = f"{source.stem}-{copy}" if copy else source.stem
        text = source.read_text(encoding="utf-8").replace(f"\nid: {source.stem}\n", f"\nid: {new_id}\n", 1)
        (folder / "policies" / f"{new_id}.yaml").write_text(text, encoding="utf-8")
    return folder


def edit_one_clause(project: Path) -> None:
    """Add words to the Chinese of one clause, as a policy owner saving a correction would."""
    path = project / "policies" / f"{EDITED_POLICY}.yaml"
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)

    def find(clauses):
        for clause in clauses:
            if clause["id"] == EDITED_CLAUSE:
                return clause
            found = find(clause.get("clauses", []))
            if found:
                return found

    old = find(data["clauses"])["text"]["zh"]
    assert text.count(old) == 1, "the benchmark's clause text should occur once in its file"
    path.write_text(text.replace(old, old + "（修訂）"), encoding="utf-8")


def sheets_with_the_clause(project: Path) -> int:
    """How many PDFs the one-clause edit must reprint, from the data: in each language that reads the Chinese, the
    posters that select the clause or a clause above it, the policy's handbook PDF and the whole book; and the policy's
    read-and-sign form in every language, which prints the fingerprint of the version's text. The clause has no
    checks, so no checklist shows it."""
    from generator.loader import load
    from generator.project import Project

    handbook, _, _ = load(Project(project))
    policy = handbook.policies[EDITED_POLICY]
    assert not policy.clause(EDITED_CLAUSE).checks, "pick a clause without checks, or count the checklists too"
    assert policy.status == "in-force", "a policy not in force is in no handbook PDF and has no form"
    chinese = [lang for lang in handbook.languages if lang.text == "zh"]
    posters = sum(EDITED_CLAUSE in {c for chosen in poster.clauses for c in _subtree(policy.clause(chosen))}
                  for poster in policy.posters)
    return (posters + 2) * len(chinese) + len(handbook.languages.languages)


def _subtree(clause) -> list[str]:
    return [clause.id, *(i for child in clause.clauses for i in _subtree(child))]


# One measurement per process -------------------------------------------------------------------------------------


def measure_check(project: Path) -> dict:
    from datetime import date

    from generator.check import check
    from generator.project import Project

    started, cpu = time.perf_counter(), time.process_time()
    handbook, findings = check(Project(project), today=date.fromisoformat(TODAY))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cpu_seconds": time.process_time() - cpu, "peak_mb": _peak_mb(), "policies": len(handbook.policies),
            "clauses": sum(1 for p in handbook.policies.values() for _ in p.walk()), "findings": len(findings)}


def measure_build(project: Path, out: Path) -> dict:
    """A build with a stopwatch on each stage (functions wrapped in this process only)."""
    import logging

    import material.plugins.search.plugin as material_search

    from generator import loader, rules
    from generator.project import Project
    from generator.site import page_cache, pipeline, render
    from generator.site.build import build

    stages: dict[str, float] = {}

    def timed(owner, name: str, stage: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - started

        setattr(owner, name, wrapper)

    timed(loader, "load_document", "load (YAML)")
    timed(loader, "validate", "validate (schema)")
    timed(rules, "run", "validate (rules)")
    timed(render.SiteRenderer, "pages", "pages (generator)")
    timed(page_cache.RenderedPages, "render", "pages (generator)")
    timed(material_search.SearchPlugin, "on_page_context", "search index")
    timed(material_search.SearchPlugin, "on_post_build", "search index")
    timed(pipeline.HandbookSite, "search_index", "search index")
    timed(pipeline.HandbookSite, "print_files", "printing")
    said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())
    logging.getLogger("mkdocs.plugins.rulebook").addHandler(handler)
    logging.getLogger("mkdocs.plugins.rulebook").setLevel(logging.INFO)
    started = time.perf_counter()
    build(Project(project), out)
    seconds = time.perf_counter() - started
    counts = next((re.search(r"printed (\d+) PDFs?, reused (\d+)", line) for line in said if "reused" in line), None)
    stages["mkdocs and the rest"] = seconds - sum(stages.values())
    return {"seconds": seconds, "peak_mb": _peak_mb(), "stages": stages,
            "printed": int(counts[1]) if counts else None, "reused": int(counts[2]) if counts else None}


def plain_copy(project: Path, folder: Path) -> Path:
    """The project's site as mkdocs alone would take it: every generated page written as Markdown (its title in
    front matter, its HTML body as the text) beside the hand-written pages, and mkdocs.yml without the plugin."""
    from generator import locations
    from generator.project import Project
    from generator.site.pipeline import HandbookSite

    site = HandbookSite(Project(project), print_files=False)
    shutil.copytree(project / "docs", folder / "docs")
    for path, page in site.pages.items():
        target = folder / "docs" / locations.source_name(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        front = yaml.safe_dump({"title": page.title}, allow_unicode=True)
        target.write_text(f"---\n{front}---\n\n{page.body}\n", encoding="utf-8")
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    assert "\n  - rulebook\n" in config
    (folder / "mkdocs.yml").write_text(config.replace("\n  - rulebook\n", "\n"), encoding="utf-8")
    return folder


def site_only_copy(project: Path, folder: Path) -> Path:
    """The project with the rulebook plugin printing nothing: its site step alone."""
    shutil.copytree(project, folder)
    config = (folder / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("\n  - rulebook\n", "\n  - rulebook:\n      print_files: false\n")
    (folder / "mkdocs.yml").write_text(config, encoding="utf-8")
    return folder


def measure_mkdocs(project: Path, out: Path) -> dict:
    """A plain mkdocs build (the plugin, if the configuration names it, runs as it would under mkdocs)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    started = time.perf_counter()
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(out))
    config.plugins.on_startup(command="build", dirty=False)
    build(config)
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(),
            "pages": sum(1 for _ in out.rglob("*.html"))}


def _peak_mb() -> float:
    # The printing pool's processes count as well: the larger of this process and its largest child.
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def in_child(*args: str, env: dict | None = None) -> dict:
    done = subprocess.run([sys.executable, __file__, "--one", *args], capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})})
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def checks(project: Path, folder: Path) -> dict:
    """`check` of a copy of project three times with one cache of its own (in folder): first (an empty cache, as on a
    new machine), again with nothing changed, and after one clause was edited (a policy owner's next check)."""
    copy = folder / "project"
    shutil.copytree(project, copy)
    env = {"XDG_CACHE_HOME": str(folder / "cache")}
    row = {"first": in_child("check", str(copy), env=env), "again": in_child("check", str(copy), env=env)}
    edit_one_clause(copy)
    row["edited"] = in_child("check", str(copy), env=env)
    shutil.rmtree(folder)
    return row


def check_missed(row: dict) -> list[str]:
    """Which of the targets a check row misses: judged on the checks a policy owner repeats (nothing changed, one
    clause edited); the first check on a new machine is reported beside them."""
    return [f"{run}: {row[run][what]:.2f} {unit}" for run in ("again", "edited")
            for what, unit, target in (("cpu_seconds", "s", TARGETS["check_seconds"]), ("peak_mb", "MB", TARGETS["check_mb"]))
            if row[run][what] >= target]


# The table -------------------------------------------------------------------------------------------------------


def three_builds(project: Path, out: Path, cache: Path) -> dict:
    """Cold (an empty cache), no-op and after a one-clause edit, into out, each in a fresh process; edits project."""
    env = {"XDG_CACHE_HOME": str(cache)}
    row = {"cold": in_child("build", str(project), str(out), env=env), "noop": in_child("build", str(project), str(out), env=env)}
    edit_one_clause(project)
    row["edit"] = in_child("build", str(project), str(out), env=env)
    return row


def run(check_sizes: list[int], build_sizes: list[int], plain_sizes: tuple[int, ...] | list[int] = (),
        site_sizes: tuple[int, ...] | list[int] = ()) -> dict:
    results: dict = {"cores": os.cpu_count(), "load": os.getloadavg()[0], "check": {}, "build": {}, "plain": {},
                     "site": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sorted(set(check_sizes) | set(build_sizes) | set(plain_sizes) | set(site_sizes)):
            project = make_handbook(Path(tmp) / f"handbook-{size}", size)
            if size in check_sizes:
                results["check"][size] = checks(project, Path(tmp) / f"check-{size}")
                print(f"check {size}: {results['check'][size]}", file=sys.stderr)
            if size in plain_sizes:
                plain = plain_copy(project, Path(tmp) / f"plain-{size}")
                site_only = site_only_copy(project, Path(tmp) / f"site-only-{size}")
                results["plain"][size] = {
                    "mkdocs": in_child("mkdocs", str(plain), str(Path(tmp) / f"plain-out-{size}")),
                    "rulebook": in_child("mkdocs", str(site_only), str(Path(tmp) / f"site-only-out-{size}"),
                                         env={"RULEBOOK_NO_CACHE": "1"}),
                }
                print(f"plain {size}: {results['plain'][size]}", file=sys.stderr)
                shutil.rmtree(plain)
                shutil.rmtree(site_only)
            if size in site_sizes:
                site_only = site_only_copy(project, Path(tmp) / f"site-only-{size}")
                results["site"][size] = three_builds(site_only, Path(tmp) / f"site-only-out-{size}",
                                                     Path(tmp) / f"site-only-cache-{size}")
                print(f"site {size}: {results['site'][size]}", file=sys.stderr)
                shutil.rmtree(site_only)
            if size in build_sizes:
                row = three_builds(project, Path(tmp) / f"site-{size}", Path(tmp) / f"cache-{size}")
                row["edit_expected"] = sheets_with_the_clause(project)
                results["build"][size] = row
                print(f"build {size}: {row}", file=sys.stderr)
            shutil.rmtree(project)
    return results


def table(results: dict) -> str:
    lines = [f"Measured on {results['cores']} cores with a load average of {results['load']:.1f} at the start.", ""]
    lines += ["| policies | check: first / again / one clause edited (CPU) | check peak | cold build | no-op rebuild "
              "| one-clause edit |", "|---:|---:|---:|---:|---:|---:|"]
    for size in sorted(set(results["check"]) | set(results["build"]), key=int):
        c, b = results["check"].get(size), results["build"].get(size)
        check = " / ".join(f"{c[run]['cpu_seconds']:.2f} s" for run in ("first", "again", "edited")) if c else "–"
        peak = f"{max(c[run]['peak_mb'] for run in c):.0f} MB" if c else "–"
        if b:
            cold, noop, edit = b["cold"], b["noop"], b["edit"]
            builds = (f"{cold['seconds']:.1f} s, {cold['printed']} PDFs printed",
                      f"{noop['seconds']:.1f} s ({noop['seconds'] / cold['seconds']:.0%}), {noop['printed']} printed",
                      f"{edit['seconds']:.1f} s, {edit['printed']} printed (expected {b['edit_expected']}), {edit['reused']} reused")
        else:
            builds = ("–", "–", "–")
        lines.append(f"| {size} | {check} | {peak} | " + " | ".join(builds) + " |")
    runs = [(f"{size} policies", b) for size, b in sorted(results["build"].items(), key=lambda kv: int(kv[0]))]
    runs += [(f"{size} policies, the site alone (nothing printed)", b)
             for size, b in sorted(results.get("site", {}).items(), key=lambda kv: int(kv[0]))]
    for title, b in runs:
        total = " / ".join(f"{b[run]['seconds']:.1f} s" for run in ("cold", "noop", "edit"))
        lines += ["", f"Share of time per stage, {title} (cold / no-op / edit: {total}):", "",
                  "| stage | cold | no-op | one-clause edit |", "|---|---:|---:|---:|"]
        names = list(dict.fromkeys(n for run in ("cold", "noop", "edit") for n in b[run]["stages"]))
        for name in names:
            cells = [f"{b[run]['stages'].get(name, 0):.1f} s ({b[run]['stages'].get(name, 0) / b[run]['seconds']:.0%})"
                     for run in ("cold", "noop", "edit")]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if results.get("plain"):
        lines += ["", "The site step against mkdocs alone (the same pages as Markdown; no printing, nothing cached):", "",
                  "| policies | pages | mkdocs alone | `rulebook build`'s site step | ratio |", "|---:|---:|---:|---:|---:|"]
        for size, p in sorted(results["plain"].items(), key=lambda kv: int(kv[0])):
            plain, ours = p["mkdocs"], p["rulebook"]
            lines.append(f"| {size} | {plain['pages']} | {plain['seconds']:.1f} s | {ours['seconds']:.1f} s | "
                         f"{ours['seconds'] / plain['seconds']:.1f} × |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", default="5,50,200", help="sizes to check (default: 5,50,200)")
    parser.add_argument("--build", default="5,50", help="sizes to build (default: 5,50)")
    parser.add_argument("--plain", default="5", help="sizes for the plain-mkdocs baseline (default: 5)")
    parser.add_argument("--site", default="", help="sizes to build printing nothing: the site steps alone (default: none)")
    parser.add_argument("--json", metavar="FILE", help="also write the measurements as JSON")
    parser.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        what, *paths = args.one
        if what == "mkdocs":
            result = measure_mkdocs(Path(paths[0]), Path(paths[1]))
        elif what == "check":
            result = measure_check(Path(paths[0]))
        else:
            result = measure_build(Path(paths[0]), Path(paths[1]))
        print(json.dumps(result))
        return 0
    sizes = lambda text: [int(s) for s in text.split(",") if s.strip()]  # noqa: E731
    results = run(sizes(args.check), sizes(args.build), sizes(args.plain), sizes(args.site))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    missed = [size for size, c in results["check"].items() if int(size) == 200 and check_missed(c)]
    missed += [size for size, b in results["build"].items()
               if b["noop"]["printed"] or b["noop"]["seconds"] >= TARGETS["noop_share"] * b["cold"]["seconds"]
               or b["edit"]["printed"] != b["edit_expected"]]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
