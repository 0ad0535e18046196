"""`rulebook serve` as a policy owner uses it: the page links its poster and checklist, asking for them answers the
printed PDF, and saving a policy reloads the page with the new words (benchmarks/serve.py times it in a browser).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, make_project

FIXTURE = Path(__file__).parent / "fixtures" / "mini" / "policies"
OLD, NEW = "本制度適用於運營部全體員工。", "本制度適用於運營部全體員工及實習生。"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 330) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for_server(url: str, process: subprocess.Popen, log: Path, seconds: float = 300) -> None:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if process.poll() is not None:
            raise AssertionError(f"rulebook serve ended:\n{log.read_text(encoding='utf-8')[-3000:]}")
        try:
            fetch(url, timeout=5)
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"rulebook serve did not answer:\n{log.read_text(encoding='utf-8')[-3000:]}")


@pytest.mark.slow
def test_the_preview_serves_the_printed_files_and_reloads_a_saved_policy(tmp_path):
    root = make_project(tmp_path / "project", policies=FIXTURE, docs=True, templates=True, mkdocs=True, cache=True)
    port, log = free_port(), tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "-C", str(root), "serve", "-a", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        wait_for_server(base, process, log)
        status, page = fetch(base + "policies/mini-wall-rules/")
        assert status == 200
        html = page.decode("utf-8")
        links = re.findall(r'href="\.\./\.\./((?:posters|checklists)/[^"]+\.pdf)"', html)
        assert any(link.startswith("posters/") for link in links)
        assert any(link.startswith("checklists/") for link in links)
        for link in links:  # printed in the background: each request waits for its file
            status, body = fetch(base + link)
            assert status == 200 and body.startswith(b"%PDF"), link

        epoch = re.search(r"livereload\((\d+), (\d+)\)", html)
        assert epoch, "the preview's pages carry the reload script"
        path = root / "policies" / "mini-wall-rules.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
        # The reload script's request: answered with a newer epoch once the rebuild is done.
        status, newer = fetch(f"{base}livereload/{epoch[1]}/{epoch[2]}", timeout=120)
        assert status == 200 and int(newer) > int(epoch[1])
        assert NEW in fetch(base + "policies/mini-wall-rules/")[1].decode("utf-8")
        assert NEW in fetch(base + "en/policies/mini-wall-rules/parallel/")[1].decode("utf-8")
        status, body = fetch(base + links[0])
        assert status == 200 and body.startswith(b"%PDF")
    finally:
        process.terminate()
        process.wait(30)
