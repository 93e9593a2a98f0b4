"""The layering and the style hold: import-linter's contracts (setup.cfg) and ruff (pyproject.toml).

Layers, lowest first: criteria, scoring, webapp.store, certificates, then webapp.web and
webapp.cli (docs/architecture.md). Both tools run on the working tree as CI checks it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_every_layer_imports_only_the_layers_below_it_and_nothing_imports_in_a_circle() -> None:
    out = run(str(BIN / "lint-imports"), "--no-cache")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 kept, 0 broken" in out.stdout


def test_ruff_finds_nothing() -> None:
    out = run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert out.returncode == 0, out.stdout + out.stderr
