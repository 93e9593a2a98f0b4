"""A real server (``cfc serve``, waitress) on a free loopback port and a real headless
Chromium driven by Playwright. Screenshots go to the test's output folder."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


CHROMIUM = os.environ.get("CFC_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def live_server(demo_db: Path, tmp_path: Path) -> Iterator[str]:
    """``cfc serve`` on its own copy of the demo database; yields the base URL."""
    instance = tmp_path / "instance"
    instance.mkdir()
    db_path = instance / "cfc.db"
    shutil.copy(demo_db, db_path)
    port = _free_port()
    env = {**os.environ, "CFC_DB": str(db_path), "CFC_INSTANCE": str(instance)}
    cfc = Path(sys.executable).with_name("cfc")
    proc = subprocess.Popen([str(cfc), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode())
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("the server did not start within 30 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture()
def shots(request: pytest.FixtureRequest, tmp_path: Path):
    """``shots(page, "step")`` saves a screenshot under the test's output folder."""
    folder = Path(os.environ.get("CFC_SCREENSHOTS", tmp_path / "screenshots")) / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.wait_for_load_state("load")  # a click that posts a form may still be navigating
        page.screenshot(path=str(path), full_page=False)
        return path
    return take
