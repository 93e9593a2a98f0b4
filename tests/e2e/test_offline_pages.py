"""Without network, the service worker shows the last checklist with its stylesheet, or the offline page,
never the browser's error page; after logging out, no copy of the checklist is left.

How the network is cut: Playwright's ``context.set_offline(True)``. Experiment (Playwright 1.65, Debian
Chromium 156): it also cuts the service worker's own fetches — Playwright attaches to service worker
targets and sends them ``Network.emulateNetworkConditions`` too — so the worker's network-first fetch
fails as it would on a real weak network. ``test_set_offline_also_cuts_the_workers_fetches`` checks this
on every run (a fetch from inside the worker fails offline and succeeds online again), so that the other
tests would not pass by the worker still reaching the server; were it to fail, CDP
``Network.emulateNetworkConditions`` on the page and on the worker target (as bench/checklist_network.py
does) is the way to cut both.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from webapp.store.demo import DEMO_PASSWORD

BRAND = "rgb(11, 83, 148)"  # the header's background in style.css: the stylesheet is there
IDB_WRITE = """() => new Promise((done, fail) => {
  const open = indexedDB.open("probe", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("queue");
  open.onsuccess = () => { const tx = open.result.transaction("queue", "readwrite");
    tx.objectStore("queue").put({children: 1234}, "unsent"); tx.oncomplete = () => { open.result.close(); done(true); };
    tx.onerror = fail; };
  open.onerror = fail; })"""
IDB_READ = """() => new Promise((done, fail) => {
  const open = indexedDB.open("probe", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("queue");
  open.onsuccess = () => { const get = open.result.transaction("queue").objectStore("queue").get("unsent");
    get.onsuccess = () => { open.result.close(); done(get.result || null); }; };
  open.onerror = fail; })"""
FETCH_FROM_WORKER = "() => fetch('/healthz', {cache: 'no-store'}).then((r) => r.status, () => 'failed')"


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.fixture()
def officer(live_server, browser):
    """A new browser profile, logged in as the officer, on the checklist, its service worker active and
    the checklist kept (the first visit: the page asks the worker to keep it once it controls the page)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    login(page, live_server, "canbo.xa")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("""() => caches.keys().then((names) => Promise.all(names
        .filter((name) => name.startsWith("cfc-pages-")).map((name) => caches.open(name)
        .then((cache) => cache.match(location.href))))).then((found) => found.some(Boolean))""")
    yield context, page
    context.close()


PAGE_COPIES = """() => caches.keys().then((names) => Promise.all(names.filter((name) => name.startsWith("cfc-pages-"))
    .map((name) => caches.open(name).then((cache) => cache.keys())))).then((lists) => lists.flat().map((r) => r.url))"""


def header_colour(page) -> str:
    return page.evaluate("() => getComputedStyle(document.querySelector('header.top')).backgroundColor")


def test_set_offline_also_cuts_the_workers_fetches(officer) -> None:
    context, _page = officer
    [worker] = context.service_workers
    assert worker.evaluate(FETCH_FROM_WORKER) == 200
    context.set_offline(True)
    assert worker.evaluate(FETCH_FROM_WORKER) == "failed"
    context.set_offline(False)
    assert worker.evaluate(FETCH_FROM_WORKER) == 200


def test_a_reload_without_network_shows_the_last_checklist_and_other_pages_the_offline_page(
        officer, live_server, shots) -> None:
    context, page = officer
    checklist, name = page.url, page.locator("h1").inner_text()
    assert name.startswith("Xã ")
    for other in (f"{checklist}/ntm", f"{live_server}/mine", f"{live_server}/login"):  # none of them is kept
        page.goto(other)
    page.goto(f"{checklist}?lang=vi")
    assert page.evaluate(PAGE_COPIES) == [checklist]  # one copy per checklist, kept under its address
    context.set_offline(True)
    page.reload()  # of the checklist with a query: its copy is there all the same
    expect(page.locator("h1")).to_have_text(name)
    assert page.url == f"{checklist}?lang=vi" and header_colour(page) == BRAND
    assert page.locator("#f-births").is_visible()
    shots(page, "checklist-offline")

    page.goto(f"{live_server}/password")  # never visited
    expect(page.locator("h1")).to_have_text("Không có kết nối mạng")
    assert page.url == f"{live_server}/password" and header_colour(page) == BRAND
    last = page.locator("#last-checklist a")
    expect(last).to_have_text(name)
    assert "Những gì vẫn dùng được" in page.locator("main").inner_text()
    shots(page, "offline-page")
    last.click()
    expect(page.locator("h1")).to_have_text(name)
    assert page.url == checklist


def test_after_logging_out_the_checklist_is_not_there_offline(officer, live_server, shots) -> None:
    """Logging out forgets the copies of pages, but not IndexedDB (where the checklist keeps unsent changes)."""
    context, page = officer
    checklist, name = page.url, page.locator("h1").inner_text()
    assert page.evaluate(IDB_WRITE) is True
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert page.evaluate(IDB_READ) == {"children": 1234}
    context.set_offline(True)
    page.goto(checklist)
    expect(page.locator("h1")).to_have_text("Không có kết nối mạng")
    assert name not in page.content()
    expect(page.locator("#last-checklist")).to_be_hidden()
    shots(page, "logged-out-offline")
    assert page.evaluate(PAGE_COPIES) == []


def test_logging_out_of_a_page_the_worker_does_not_control_forgets_the_copies_too(live_server, browser) -> None:
    """A page loaded past the worker (a forced reload; here: service workers blocked): offline.js empties
    the copies of pages before the logout form goes."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    login(page, live_server, "canbo.xa")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    assert page.evaluate("() => navigator.serviceWorker.controller") is None
    page.evaluate("""() => caches.open("cfc-pages-older").then((cache) => cache.put(location.href,
        new Response(document.documentElement.outerHTML, {headers: {"Content-Type": "text/html"}})))""")
    assert page.evaluate(PAGE_COPIES) == [page.url]
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert page.evaluate(PAGE_COPIES) == []
    context.close()


def test_the_next_login_forgets_the_copies_even_without_a_logout(officer, live_server) -> None:
    """The officer left without logging out and the session ended; whoever logs in next on this computer
    starts without the officer's pages."""
    context, page = officer
    assert page.evaluate(PAGE_COPIES) == [page.url]
    context.clear_cookies()
    login(page, live_server, "thamdinh.huyen")
    page.wait_for_url(re.compile(r"/review$"))
    assert page.evaluate(PAGE_COPIES) == []
