"""Interface translations: Vietnamese is the source language, English a catalogue.

The ``.po`` catalogues ship in the package; they are compiled into the instance folder when
the app starts (no build step, nothing binary in the repository).
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE = Path(__file__).parent / "translations"


def compile_translations(instance: Path) -> Path:
    """Compile every shipped ``messages.po`` whose ``.mo`` is missing or older; return the dir."""
    target = instance / "translations"
    for po in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(SOURCE).with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as f:
                catalog = read_po(f)
            with mo.open("wb") as f:
                write_mo(f, catalog)
    return target
