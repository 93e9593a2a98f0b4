"""A real server (``cfc serve``, waitress) on a free loopback port and a real headless
Chromium driven by Playwright. Screenshots go to the test's output folder."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from webhelpers import INSTALL_HINT, serve

CHROMIUM = os.environ.get("CFC_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium the browser tests are skipped and the summary says why; under CI they run and fail."""
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"system tool missing: {CHROMIUM} ({INSTALL_HINT})")
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(skip)


@pytest.fixture()
def live_server(demo_db: Path, tmp_path: Path) -> Iterator[str]:
    """``cfc serve`` on its own copy of the demo database; yields the base URL."""
    with serve(demo_db, tmp_path) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing ({INSTALL_HINT})")
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
