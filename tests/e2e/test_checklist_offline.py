"""The commune checklist never loses work: every field autosaves, edits survive a dropped network, a
reload without network, a closed tab and an expired session, two tabs merge instead of overwriting, the
live score never counts an invalid value, and on a phone the score and save status stay in sight.

A real ``cfc serve`` and Debian's Chromium; the network is cut with Chromium's emulation (CDP)."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from checklist_driver import Checklist, Fields, audit_trail, chaos, draft_of, login, queue_size, snapshots, stored
from playwright.sync_api import expect


@pytest.fixture()
def db_file(live_server: str, tmp_path: Path) -> Path:
    return tmp_path / "instance" / "cfc.db"


def officer_context(browser, base: str, service_worker: bool = False):
    """A logged-in officer's browser (one context: its tabs share the cookies and the queue).

    Without the service worker unless asked: once a worker controls a page, Chromium's emulation of that
    page (and Playwright's routes of it) no longer reach the requests the worker fetches, so one tab of
    two could not be cut off alone. The worker's own journeys cut the whole context instead."""
    context = browser.new_context(viewport={"width": 1366, "height": 900},
                                  service_workers="allow" if service_worker else "block")
    login(context.new_page(), base)
    return context


@pytest.fixture()
def officer(browser, live_server: str, db_file: Path):
    context = officer_context(browser, live_server)
    yield context
    context.close()


def checklist(context, base: str, db_file: Path) -> Checklist:
    return Checklist(context.pages[0] if context.pages else context.new_page(), base, draft_of(db_file)).open()


def test_every_kind_of_field_autosaves_and_a_note_survives_a_reload(officer, live_server, db_file) -> None:
    tab = checklist(officer, live_server, db_file)
    aid = draft_of(db_file)
    tab.set("children", "1500")
    tab.set("play_area", "không")
    tab.set("evidence-1.1", "Quyết định phân công số 12/QĐ-UBND")
    tab.settled()
    assert re.fullmatch(r"Đã lưu lúc \d\d:\d\d", tab.status())
    saved = stored(db_file, aid)
    assert (saved["children"], saved["play_area"], saved["evidence-1.1"]) == \
        ("1500", "không", "Quyết định phân công số 12/QĐ-UBND")
    tab.page.reload()
    tab.ready()
    assert tab.shown("evidence-1.1") == "Quyết định phân công số 12/QĐ-UBND"
    assert tab.shown("children") == "1500"


def test_twenty_edits_offline_survive_a_reload_and_are_saved_in_order(browser, live_server, db_file) -> None:
    officer = officer_context(browser, live_server, service_worker=True)
    tab = checklist(officer, live_server, db_file)
    aid = draft_of(db_file)
    fields = Fields.of(db_file, aid)
    rng = random.Random(20)
    chosen = rng.sample(fields.counts[:6] + fields.choices[:6] + fields.notes[:20], 20)
    values = {f: fields.value(f, rng) for f in chosen}
    original = {f: v for f, v in stored(db_file, aid).items() if f in chosen}
    changed = [f for f in chosen if original[f] != values[f]]
    before = len(audit_trail(db_file, aid))
    tab.page.wait_for_function("() => navigator.serviceWorker.controller !== null")  # the worker keeps a copy
    tab.page.wait_for_function("""() => caches.keys().then((names) => Promise.all(names
        .filter((name) => name.startsWith("cfc-pages-")).map((name) => caches.open(name)
        .then((cache) => cache.match(location.href))))).then((found) => found.some(Boolean))""")
    officer.set_offline(True)
    for field in chosen:
        tab.set(field, values[field])
        tab.page.wait_for_timeout(350)  # each edit queued before the next (their order is the audit's order)
    tab.pending(len(changed))
    tab.page.reload()  # without network: the service worker's copy of the page
    tab.ready()
    expect(tab.page.locator("#offline-note")).to_be_visible()
    assert {f: tab.shown(f) for f in chosen} == values  # the queued edits applied to the copy
    assert {f: stored(db_file, aid)[f] for f in chosen} == original  # nothing reached the server yet
    officer.set_offline(False)
    tab.settled()
    assert {f: stored(db_file, aid)[f] for f in chosen} == values
    trail = [field if action == "declare" else f"evidence-{field}"
             for action, field, _new in audit_trail(db_file, aid)[before:]]
    assert trail == changed  # one entry per changed field, in the order they were typed
    assert queue_size(tab.page) == 0
    officer.close()


def test_a_save_cut_off_midway_and_a_closed_tab_lose_nothing(officer, live_server, db_file) -> None:
    tab = checklist(officer, live_server, db_file)
    aid = draft_of(db_file)

    def lost_answer(route):  # the request reaches the server; its answer never comes back
        route.fetch()
        route.abort("connectionreset")
    tab.page.route("**/edits", lost_answer)
    tab.set("children", "2222")
    tab.page.wait_for_timeout(1500)
    assert stored(db_file, aid)["children"] == "2222"  # saved, but the tab does not know it yet
    assert "chưa gửi" in tab.status()
    tab.page.unroute("**/edits")
    tab.settled()  # sent again: the same edit is recognised, nothing is written twice
    assert [e for e in audit_trail(db_file, aid) if e[1] == "children"][-1][2] == "2222"
    assert sum(1 for e in audit_trail(db_file, aid) if e[1] == "children" and e[2] == "2222") == 1

    tab.network(online=False)
    tab.set("births", "61")
    tab.set("evidence-2.1", "Sổ đăng ký khai sinh 2024")
    tab.pending(2)
    tab.page.close()  # the tab closed with two edits queued
    later = Checklist(officer.new_page(), live_server, aid).open()  # a new tab, the next morning
    # the closed tab's queue, adopted (at once if the tab said goodbye, else once its heartbeat is stale)
    expect(later.field("births")).to_have_value("61", timeout=15_000)
    later.settled(timeout=30_000)
    saved = stored(db_file, aid)
    assert (saved["births"], saved["evidence-2.1"]) == ("61", "Sổ đăng ký khai sinh 2024")


def test_an_expired_session_keeps_the_queue_until_the_officer_logs_in_again(officer, live_server, db_file) -> None:
    tab = checklist(officer, live_server, db_file)
    aid = draft_of(db_file)
    officer.clear_cookies()  # the session ends (expired, or logged out elsewhere)
    tab.set("children", "3333")
    tab.set("evidence-3.1", "Biên bản kiểm tra")
    expect(tab.page.locator("#save-status")).to_contain_text("Phiên đăng nhập đã kết thúc: 2 thay đổi vẫn được giữ")
    assert stored(db_file, aid)["children"] != "3333"
    tab.page.get_by_role("link", name="Đăng nhập lại").click()  # the login page, then back to the checklist
    tab.page.get_by_label("Tên đăng nhập").fill("canbo.xa")
    tab.page.get_by_label("Mật khẩu").fill("demo-2024-cfc")
    tab.page.get_by_role("button", name="Đăng nhập").click()
    tab.page.wait_for_url(re.compile(rf"/assessments/{aid}$"))
    tab.ready().settled()
    saved = stored(db_file, aid)
    assert (saved["children"], saved["evidence-3.1"]) == ("3333", "Biên bản kiểm tra")


def test_logging_out_keeps_the_queue_for_its_owner(browser, live_server, db_file) -> None:
    """A shared office computer: logging out keeps the account's unsent edits on the computer, for that
    account only (the server refuses them under another: tests/test_checklist_edits.py)."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    login(page, live_server)
    aid = draft_of(db_file)
    tab = Checklist(page, live_server, aid).open()
    tab.network(online=False)
    tab.set("children", "4444")
    tab.pending(1)
    tab.network(online=True, saves=False)  # the saves keep failing until after the logout
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_have_count(0)  # logged out, on the next page
    page.wait_for_load_state()
    tab.network(online=True)
    assert stored(db_file, aid)["children"] != "4444"
    assert queue_size(page) == 1  # kept on this computer for its owner
    assert snapshots(page) == 0  # but not the values last seen: the next person must not read them
    login(page, live_server)
    tab.open().settled()
    assert stored(db_file, aid)["children"] == "4444"
    context.close()


def test_two_tabs_merge_and_a_clash_is_the_officers_choice(officer, live_server, db_file) -> None:
    aid = draft_of(db_file)
    one = checklist(officer, live_server, db_file)
    two = Checklist(officer.new_page(), live_server, aid).open()
    one.set("children", "5100")
    two.set("births", "72")
    one.settled(), two.settled()
    saved = stored(db_file, aid)
    assert (saved["children"], saved["births"]) == ("5100", "72")  # different fields: both kept
    expect(two.field("children")).to_have_value("5100")  # the other tab shows the change

    two.network(online=False)
    two.set("births", "73")  # based on 72
    two.pending(1)
    one.set("births", "74")  # the same field, in the other tab, saved first
    one.settled()
    two.network(online=True)
    expect(two.page.locator("[id='c-births']")).to_be_visible()
    box = two.page.locator("[id='c-births']").inner_text()
    assert "Bạn đã sửa ô này ở một cửa sổ/thiết bị khác" in box and "«74»" in box and "«73»" in box
    assert stored(db_file, aid)["births"] == "74"  # nothing silently reverted
    two.choose("births", keep_mine=True)
    two.settled()
    assert stored(db_file, aid)["births"] == "73"
    expect(one.field("births")).to_have_value("73")


def test_a_read_answered_after_a_save_does_not_undo_the_next_choice(officer, live_server, db_file) -> None:
    """Found by the chaos run: a refresh read before a save but answered after it used to put the value from
    before the save back as the field's base, so choosing that value again a moment later was never sent."""
    tab = checklist(officer, live_server, db_file)
    aid, field = draft_of(db_file), "play_area"
    before = tab.shown(field) or "không"
    after = "có" if before == "không" else "không"
    held = []

    def hold_reads(route) -> None:
        if route.request.method == "GET":
            held.append((route, route.fetch()))  # read now, answered later
        else:
            route.continue_()

    tab.set(field, before)
    tab.settled()
    tab.page.route("**/edits", hold_reads)
    tab.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # the tab refreshes
    while not held:
        tab.page.wait_for_timeout(50)
    tab.set(field, after)
    tab.settled()
    route, stale = held[0]
    route.fulfill(response=stale)
    tab.page.wait_for_timeout(300)
    tab.set(field, before)  # the officer changes their mind at once
    tab.page.unroute("**/edits")
    tab.settled()
    assert stored(db_file, aid)[field] == before == tab.shown(field)


def test_an_invalid_value_never_scores_and_withholds_the_verdict(officer, live_server, db_file) -> None:
    tab = checklist(officer, live_server, db_file)
    aid = draft_of(db_file)
    tab.set("births", "40")
    tab.set("births_registered_on_time", "40")
    tab.settled()
    points = tab.page.locator("#criterion-2 .points").inner_text()
    tab.set("births_registered_on_time", "45")
    expect(tab.page.locator("[id='e-births_registered_on_time']")).to_have_text(
        "lớn hơn «Số trẻ em sinh ra trong năm» (40)")
    expect(tab.page.locator("#live-verdict")).to_have_text("Chưa đủ số liệu hợp lệ để kết luận")
    assert tab.page.locator("#criterion-2 .points").inner_text() == points  # 45/40 scored nothing new
    assert stored(db_file, aid)["births_registered_on_time"] == "40"
    expect(tab.page.locator("#jump-2")).to_have_class(re.compile("invalid"))
    tab.set("births", "50")  # now 45 of 50 fits: the refused value is sent again beside it
    tab.settled()
    assert stored(db_file, aid)["births_registered_on_time"] == "45"
    for n in range(1, 14):  # each explanation line tells the points its criterion shows
        section = tab.page.locator(f"#criterion-{n}")
        lines = section.locator(".explain").all_inner_texts()
        total = sum(int(re.search(r"→ (\d+) điểm", line).group(1)) for line in lines)
        assert total == int(section.locator(".points").inner_text()), (n, lines)
    tab.set("play_area", "không")
    tab.settled()
    assert re.search(r"^Không → 0 điểm", tab.page.locator(".explain[data-item='12.1']").inner_text())


def test_on_a_phone_the_score_and_save_status_stay_in_sight(browser, live_server, db_file, shots) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    login(page, live_server)
    tab = Checklist(page, live_server, draft_of(db_file)).open()
    bar = page.locator("#checklist-bar")
    assert bar.bounding_box()["y"] <= 844 / 4  # header and notice: at most a quarter of the first screen
    shots(page, "phone-top")
    tab.set("survey_respondents", "5000")  # the last criterion
    box = bar.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 844
    expect(page.locator("#save-status")).to_be_in_viewport()
    expect(page.locator("#bar-total")).to_be_in_viewport()
    shots(page, "phone-typing-last")
    page.locator("#jump-13").click()
    expect(page.locator("#criterion-13 summary")).to_be_in_viewport()
    tab.settled()
    page.locator("#fold-done").click()
    assert page.evaluate("document.body.scrollHeight") < 11_000
    context.close()


def test_chaos_two_tabs_offline_periods_an_expiry_and_a_reload_lose_no_edit(officer, live_server, db_file) -> None:
    """300 random edits (the long run: bench/checklist_chaos.py): the database ends as the officer chose."""
    result = chaos(officer, live_server, db_file, steps=300, seed=13)
    assert result.conflicts_resolved > 0 and result.offline_periods > 0  # the run did clash and go offline
    trail = audit_trail(db_file, draft_of(db_file))
    history = {field: [entry for entry in trail if entry[1] == field][-6:] for field in result.lost}
    assert result.lost == {}, f"lost (chosen, stored): {result.lost}; each field's last saved changes: {history}"


def test_long_notes_queued_offline_are_sent_in_requests_the_server_accepts(officer, live_server, db_file) -> None:
    """Every note (25) near its 4,000-character limit (about 290 KB as UTF-8) would exceed the 256 KB body
    limit in one request: the queue sends them in several, and every one is saved."""
    tab = checklist(officer, live_server, db_file)
    aid = draft_of(db_file)
    notes = Fields.of(db_file, aid).notes
    tab.network(online=False)
    for n, name in enumerate(notes):
        tab.set(name, (f"Biên bản số {n}: " + "trẻ em được chăm sóc đầy đủ; ")[:40] * 97 + "Hết.")
    tab.pending(len(notes))
    tab.network(online=True)
    tab.settled(timeout=60_000)
    saved = stored(db_file, aid)
    assert all(saved[name] == tab.shown(name) and len(saved[name]) > 3800 for name in notes)
