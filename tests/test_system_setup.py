"""The bare-machine set-up: one list of Debian packages, used by CI and by the README's two
commands; ``cfc doctor`` checks the system side; a missing library is one clear line.

A missing library is simulated for real: an empty ``libpango-1.0.so.0`` put first on
``LD_LIBRARY_PATH`` makes the dynamic loader fail exactly as on a machine without Pango.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from certificates import native
from webapp.cli import checks as doctor
from webapp.store.demo import DEMO_PASSWORD

from webhelpers import opened, serve

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_LIST = ROOT / "scripts" / "system-packages.txt"
INSTALLER = ROOT / "scripts" / "install-system-deps"
CFC = Path(sys.executable).with_name("cfc")


def listed_packages() -> dict[str, str]:
    """package → ``run`` or ``test``, as scripts/system-packages.txt lists them."""
    rows = [line.split() for line in PACKAGE_LIST.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    return {row[0]: row[1] for row in rows}


def readme_commands() -> list[str]:
    """The shell commands of the README's «The two commands» section, in order."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_the_package_list_says_why_each_package_is_needed() -> None:
    packages = listed_packages()
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "poppler-utils", "chromium"} <= set(packages)
    assert set(packages.values()) == {"run", "test"}
    for line in PACKAGE_LIST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            assert len(line.split(maxsplit=2)) == 3, f"no reason given: {line!r}"


def test_ci_runs_the_readme_test_command_and_both_readme_commands_install_the_system_packages() -> None:
    run, tests = readme_commands()
    assert run.startswith("scripts/install-system-deps && ") and "cfc serve" in run
    assert tests.startswith("scripts/install-system-deps --test && ") and tests.endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines(), "CI must run the README's test command as it stands"


def test_no_other_file_lists_the_system_packages() -> None:
    """Single-package advice ("install: apt-get install X") is fine; a second list is not."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    packages = set(listed_packages())
    offenders = []
    for name in tracked:
        path = ROOT / name
        if path == PACKAGE_LIST or path.suffix not in (".py", ".md", ".sh", ".cfg", ".toml", "") or not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if "apt-get install" in line and len(packages & set(re.split(r"[\s`\"']+", line))) > 1:
                offenders.append(f"{name}: {line.strip()}")
    assert offenders == []


def test_every_package_doctor_advises_is_in_the_list() -> None:
    absent = native.Library("libcfc-absent.so.0", "libpango-1.0-0", "test", "thử")
    texts = [c.reason for c in doctor.check_libraries()] + [
        doctor.check_libraries((absent,))[0].reason,
        doctor.check_poppler(("cfc-absent-tool",)).reason,
        doctor.check_chromium("/nonexistent/chromium").reason,
        doctor.check_system_font(Path("/nonexistent/font.ttf")).reason]
    advised = {m for text in texts for m in re.findall(r"apt-get install (\S+?)\)", text)}
    assert advised == {"libpango-1.0-0", "poppler-utils", "chromium", "fonts-liberation2"}
    assert advised <= set(listed_packages())
    assert {lib.package for lib in native.LIBRARIES} <= set(listed_packages())


def test_the_installer_installs_nothing_when_all_is_there_and_refuses_a_wrong_option() -> None:
    if not shutil.which("dpkg-query"):
        pytest.skip("not a Debian system")
    wanted = [p for p, need in listed_packages().items()]
    installed = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Status}\n", *wanted],
                               capture_output=True, text=True).stdout
    if installed.count("install ok installed") < len(wanted):
        pytest.skip("some system packages are missing here: the installer would install them")
    done = subprocess.run([str(INSTALLER), "--test"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "the system packages are installed" in done.stdout
    wrong = subprocess.run([str(INSTALLER), "--everything"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "usage" in wrong.stderr


def test_on_another_system_the_installer_names_the_packages_and_installs_nothing(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"  # a PATH with bash and the text tools, but no apt-get nor dpkg-query
    bin_dir.mkdir()
    for tool in ("bash", "grep", "awk", "dirname", "cat"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    out = subprocess.run([str(bin_dir / "bash"), str(INSTALLER)], capture_output=True, text=True,
                         env={"PATH": str(bin_dir)}, timeout=60)
    assert out.returncode == 0
    assert "not a Debian system" in out.stderr
    assert "libpango-1.0-0" in out.stderr and "chromium" not in out.stderr  # run packages only


# ---- cfc doctor: the system side --------------------------------------------------------------

def test_doctor_reports_each_native_library_and_names_the_package_when_one_is_missing() -> None:
    present = doctor.check_libraries()
    assert [c.status for c in present] == [doctor.OK] * len(native.LIBRARIES)
    assert any("libharfbuzz-subset.so.0 loads" in c.reason for c in present)
    required = native.Library("libcfc-absent.so.0", "libpango-1.0-0", "text layout", "dàn chữ")
    optional = native.Library("libcfc-absent.so.1", "libharfbuzz-subset0", "subsetting", "nhúng ký tự", required=False)
    failed, warned = doctor.check_libraries((required, optional))
    assert failed.status == doctor.FAIL and "apt-get install libpango-1.0-0" in failed.reason
    assert warned.status == doctor.WARN and "apt-get install libharfbuzz-subset0" in warned.reason


def test_doctor_poppler_present_and_absent() -> None:
    if shutil.which("pdftotext") and shutil.which("pdftoppm"):
        assert doctor.check_poppler().status == doctor.OK
    absent = doctor.check_poppler(("pdftotext", "cfc-absent-tool"))
    assert absent.status == doctor.WARN
    assert "cfc-absent-tool" in absent.reason and "apt-get install poppler-utils" in absent.reason


def test_doctor_chromium_present_and_absent(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"  # runs like a browser asked its version
    fake.write_text("#!/bin/sh\necho 'Chromium 1.2.3 built on Debian'\n", encoding="ascii")
    fake.chmod(0o755)
    present = doctor.check_chromium(str(fake))
    assert present.status == doctor.OK and "Chromium 1.2.3" in present.reason
    absent = doctor.check_chromium(str(tmp_path / "absent"))
    assert absent.status == doctor.SKIP and "apt-get install chromium" in absent.reason
    broken = tmp_path / "broken"
    broken.write_text("#!/bin/sh\nexit 3\n", encoding="ascii")
    broken.chmod(0o755)
    assert doctor.check_chromium(str(broken)).status == doctor.WARN


def test_doctor_system_font_present_and_absent(tmp_path: Path) -> None:
    font = tmp_path / "LiberationSerif-Regular.ttf"
    font.write_bytes(b"\0\1\0\0")
    assert doctor.check_system_font(font).status == doctor.OK
    absent = doctor.check_system_font(tmp_path / "none.ttf")
    assert absent.status == doctor.WARN and "fonts-liberation2" in absent.reason


# ---- a missing library at run time ------------------------------------------------------------

@pytest.fixture()
def without_pango(tmp_path: Path) -> dict[str, str]:
    """An environment in which Pango cannot be loaded (a broken copy first on the loader's path)."""
    libs = tmp_path / "broken-libs"
    libs.mkdir()
    (libs / "libpango-1.0.so.0").write_bytes(b"")
    return {**os.environ, "LD_LIBRARY_PATH": str(libs)}


def test_a_document_command_without_pango_says_one_line_naming_the_package(
        without_pango: dict[str, str], demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "cfc.db"
    shutil.copy(demo_db, db)
    out = subprocess.run([str(CFC), "report", "01270", "3", "-o", str(tmp_path / "r.pdf"), "--db", str(db)],
                         capture_output=True, text=True, env=without_pango, timeout=120)
    assert out.returncode == 6, out.stderr
    assert "Traceback" not in out.stderr + out.stdout and "WeasyPrint could not import" not in out.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "libpango-1.0-0" in lines[0] and "libpango-1.0.so.0" in lines[0]
    assert not (tmp_path / "r.pdf").exists()


def test_doctor_without_pango_fails_on_the_library_and_names_the_package(
        without_pango: dict[str, str], tmp_path: Path) -> None:
    out = subprocess.run([str(CFC), "doctor", "--db", str(tmp_path / "none.db"), "--instance", str(tmp_path)],
                         capture_output=True, text=True, env=without_pango, timeout=120)
    assert out.returncode == 5
    line = next(ln for ln in out.stdout.splitlines() if "library libpango-1.0-0:" in ln)
    assert line.startswith("FAIL") and "apt-get install libpango-1.0-0" in line
    assert "Traceback" not in out.stdout + out.stderr


def test_the_web_app_without_pango_serves_pages_and_explains_why_a_pdf_is_missing(
        without_pango: dict[str, str], demo_db: Path, tmp_path: Path) -> None:
    with opened(demo_db) as db:
        assessment = db.execute("SELECT min(id) FROM assessments").fetchone()[0]
    with serve(demo_db, tmp_path, env=without_pango) as base:
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(f"{base}/login") as login:
                token = re.search(r'name="csrf_token" value="([^"]+)"', login.read().decode()).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "username": "theodoi.tinh",
                                       "password": DEMO_PASSWORD}).encode()
        with browser.open(f"{base}/login", data=form) as dashboard:
            assert dashboard.status == 200 and "/login" not in dashboard.url  # pages are served
        with pytest.raises(urllib.error.HTTPError) as refused:
            browser.open(f"{base}/assessments/{assessment}/report.pdf")
        with refused.value as response:
            assert response.code == 503
            body = response.read().decode()
        assert "Chưa in được tài liệu" in body and "Traceback" not in body and "libpango" not in body


# ---- the test command on a machine without the browser ----------------------------------------

def _pytest_e2e(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/e2e"],
                          cwd=ROOT, capture_output=True, text=True, env={**clean, **env}, timeout=300)


def test_without_chromium_the_browser_tests_are_skipped_and_the_summary_says_so() -> None:
    out = _pytest_e2e(CFC_CHROMIUM="/nonexistent/chromium")
    assert out.returncode == 0, out.stdout
    assert re.search(r"!+ \d+ tests NOT RUN: a system tool is missing !+", out.stdout)
    assert "scripts/install-system-deps --test" in out.stdout
    assert "passed" not in out.stdout.splitlines()[-1]


def test_under_ci_a_missing_chromium_fails_the_run() -> None:
    out = _pytest_e2e(CFC_CHROMIUM="/nonexistent/chromium", CI="true")
    assert out.returncode == 1
    assert "/nonexistent/chromium is missing" in out.stdout
