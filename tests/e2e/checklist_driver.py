"""Driving the commune checklist in a real Chromium as an officer does, and reading what the server stored.

Shared by the checklist's journeys (tests/e2e/test_checklist_*.py) and the long chaos run in bench/.
The network is cut with Chromium's own emulation through a CDP session (``Network.emulateNetworkConditions``).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from webapp.store import edits, workflow
from webapp.store.demo import DEMO_PASSWORD

from webhelpers import opened

OFFICER = "canbo.xa"
READY = "html[data-checklist-ready='1']"  # set by the checklist's script once it has started
SAVES = ("**/edits", "**/session/token")  # the checklist script's requests


def login(page: Page, base: str, username: str = OFFICER) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def draft_of(db_path: Path, username: str = OFFICER) -> int:
    """The id of the officer's assessment that is still a draft."""
    with opened(db_path, migrate=False) as db:
        return db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                          "where u.username = ? and a.status = 'draft'", [username]).fetchone()[0]


def stored(db_path: Path, assessment_id: int) -> dict[str, str]:
    """Every checklist field as the database holds it (as the form shows it)."""
    with opened(db_path, migrate=False) as db:
        view = workflow.load(db, assessment_id)
        return edits.form_values(view, workflow.evidence_notes(db, assessment_id))


def audit_trail(db_path: Path, assessment_id: int) -> list[tuple[str, str, str | None]]:
    """The checklist's audit entries (action, field, new value), oldest first."""
    with opened(db_path, migrate=False) as db:
        return [(r[0], r[1], r[2]) for r in db.execute(
            "select action, field, new from audit_log where entity = 'assessment' and entity_id = ? "
            "and action in ('declare', 'evidence') order by id", [str(assessment_id)])]


@dataclass
class Fields:
    """Fields a test may set to any value of its kind without breaking a rule between two fields."""

    counts: list[str]     # never a numerator: any large count stays valid
    choices: list[str]    # yes/no questions
    notes: list[str]      # evidence notes

    @classmethod
    def of(cls, db_path: Path, assessment_id: int) -> Fields:
        with opened(db_path, migrate=False) as db:
            cset = workflow.load(db, assessment_id).cset
        tops = {getattr(item.rule, a) for _c, item in cset.items() for a in ("numerator", "count")
                if getattr(item.rule, a, None)}
        return cls([n for n, s in cset.inputs.items() if s.type == "count" and n not in tops],
                   [n for n, s in cset.inputs.items() if s.type == "boolean"],
                   [edits.NOTE_FIELD + item.id for _c, item in cset.items()])

    def all(self) -> list[str]:
        return self.counts + self.choices + self.notes

    def value(self, field: str, rng: random.Random) -> str:
        if field in self.counts:
            return str(50_000 + rng.randrange(1000))
        if field in self.choices:
            return rng.choice(["có", "không"])
        return rng.choice(["Sổ hộ tịch", "Biên bản họp", "Báo cáo năm", "Danh sách trẻ"]) + f" số {rng.randrange(999)}"


class Checklist:
    """One browser tab on the checklist, with its own network switch (CDP)."""

    def __init__(self, page: Page, base: str, assessment_id: int):
        self.page, self.url = page, f"{base}/assessments/{assessment_id}"
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.blocked = False

    def open(self) -> Checklist:
        self.page.goto(self.url)
        return self.ready()

    def ready(self) -> Checklist:
        expect(self.page.locator(READY)).to_have_count(1, timeout=15_000)
        return self

    def network(self, online: bool, kbps: int | None = None, latency_ms: int = 0, saves: bool = True) -> None:
        """Cut or restore this tab's network (or slow it: ``kbps``, ``latency_ms``), as DevTools does;
        ``saves`` False: online, but the checklist's save requests still fail (a flaky server).

        Found while testing: once the service worker controls the page, Chromium's emulation of the page
        alone no longer cuts the page's own requests that the worker lets through (they are fetched on the
        worker's side), so a tab cut off here also has its save requests fail, as they would offline.
        (``context.set_offline`` cuts everything, but for every tab of the context at once.)"""
        rate = -1 if kbps is None else kbps * 1000 / 8
        blocked = not (online and saves)
        if blocked and not self.blocked:  # before the network returns: no save may slip through meanwhile
            for path in SAVES:
                self.page.route(path, lambda route: route.abort("internetdisconnected"))
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": not online, "latency": latency_ms, "downloadThroughput": rate, "uploadThroughput": rate})
        if self.blocked and not blocked:
            for path in SAVES:
                self.page.unroute(path)
        self.blocked = blocked

    def field(self, name: str):
        return self.page.locator(f"[name='{name}']").first

    def set(self, name: str, value: str) -> None:
        """Type or choose ``value`` as a user does (opening the criterion if it was folded)."""
        el = self.field(name)
        self.page.evaluate("n => { const d = document.querySelector(`[name='${n}']`).closest('details');"
                           " if (d) { d.open = true; } }", name)
        if el.evaluate("e => e.tagName") == "SELECT":
            el.select_option(value)
        else:
            el.fill(value)

    def status(self) -> str:
        return self.page.locator("#save-status").inner_text()

    def settled(self, timeout: int = 20_000) -> None:
        """Wait until the tab says every change is saved."""
        status = self.page.locator("#save-status")
        expect(status).to_have_text(re.compile(r"^Đã lưu lúc \d\d:\d\d$"), timeout=timeout)
        expect(status).not_to_have_class(re.compile("pending"))

    def pending(self, count: int) -> None:
        expect(self.page.locator("#save-status")).to_contain_text(re.compile(rf"^{count} thay đổi chưa gửi"))

    def conflicts(self) -> list[str]:
        """The fields whose conflict box is open."""
        return self.page.eval_on_selector_all(".conflict:not([hidden])", "els => els.map(e => e.id.slice(2))")

    def choose(self, name: str, keep_mine: bool) -> None:
        box = self.page.locator(f"[id='c-{name}']")
        box.locator(f"button[data-choice='{'keep' if keep_mine else 'take'}']").click()

    def shown(self, name: str) -> str:
        return self.field(name).input_value()


def _count(page: Page, store: str) -> Any:
    return page.evaluate("""store => new Promise(resolve => {
        const req = indexedDB.open('cfc-checklist', 1);
        req.onsuccess = () => { const tx = req.result.transaction(store, 'readonly');
          const all = tx.objectStore(store).getAll(); all.onsuccess = () => resolve(all.result.length); };
        req.onerror = () => resolve(-1); })""", store)


def queue_size(page: Page) -> Any:
    """The edits this browser keeps unsent (all tabs), read from IndexedDB."""
    return _count(page, "edits")


def snapshots(page: Page) -> Any:
    """The checklists' last stored values this browser keeps (for a reload without network)."""
    return _count(page, "snapshots")


@dataclass
class ChaosResult:
    """What a chaos run did and what the database holds afterwards."""

    edits: int
    conflicts_resolved: int
    offline_periods: int
    chosen: dict[str, str]
    lost: dict[str, tuple[str, str]]  # field: (the value the user last chose, the value stored)


def chaos(context, base: str, db_path: Path, steps: int, seed: int) -> ChaosResult:
    """``steps`` random edits by one officer in two tabs, with random offline periods in either tab, one
    session expiry (logged in again later in a third tab) and one reload; conflicts are resolved as the
    officer would, by choosing the value last chosen. Afterwards every field must hold that value."""
    rng = random.Random(seed)
    aid = draft_of(db_path)
    fields = Fields.of(db_path, aid)
    pool = rng.sample(fields.all(), min(24, len(fields.all())))  # a small pool: the tabs clash often
    tabs = [Checklist(context.pages[0], base, aid).open(), Checklist(context.new_page(), base, aid).open()]
    online, chosen, resolved, periods = [True, True], {}, 0, 0
    expire_at, login_at, reload_at = steps // 4, steps // 4 + steps // 10, (2 * steps) // 3

    def resolve(tab: Checklist) -> int:
        done = 0
        for name in tab.conflicts():
            tab.choose(name, keep_mine=tab.shown(name) == chosen.get(name, tab.shown(name)))
            done += 1
        return done

    for step in range(steps):
        i = rng.randrange(2)
        tab = tabs[i]
        if rng.random() < 0.06:
            online[i] = not online[i]
            periods += not online[i]
            tab.network(online=online[i])
        resolved += resolve(tab)
        name = rng.choice(pool)
        shown = tab.shown(name)
        value = fields.value(name, rng)
        while value == shown:
            value = fields.value(name, rng)
        tab.set(name, value)
        chosen[name] = value
        if step == expire_at:
            context.clear_cookies()
        if step == login_at:
            other = context.new_page()
            login(other, base)
            other.close()
        if step == reload_at:
            tab.network(online=True)
            online[i] = True
            tab.page.reload()
            tab.ready()
    for tab in tabs:
        tab.network(online=True)
    deadline = 120
    while deadline > 0:
        resolved += sum(resolve(tab) for tab in tabs)
        if all(not tab.conflicts() and re.match(r"^Đã lưu lúc", tab.status()) for tab in tabs):
            break
        tabs[0].page.wait_for_timeout(1000)
        deadline -= 1
    saved = stored(db_path, aid)
    lost = {f: (v, saved[f]) for f, v in chosen.items() if saved[f] != v}
    return ChaosResult(steps, resolved, periods, chosen, lost)
