"""The machine's native libraries WeasyPrint needs, checked before WeasyPrint is imported.

WeasyPrint loads Pango and HarfBuzz with ``dlopen`` when it is imported; when one is missing
it prints a page of advice and raises a bare ``OSError``. Checking first turns that into one
line that names the Debian package to install (the packages are listed in
``scripts/system-packages.txt``, which ``scripts/install-system-deps`` installs).
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass


@dataclass(frozen=True)
class Library:
    """A shared library by the name the dynamic loader knows it, and the package that ships it."""

    soname: str
    package: str
    purpose: str
    purpose_vi: str
    required: bool = True


PANGO = Library("libpango-1.0.so.0", "libpango-1.0-0", "text layout", "dàn chữ trên trang")
PANGOFT2 = Library("libpangoft2-1.0.so.0", "libpangoft2-1.0-0", "fonts for the text layout",
                   "phông chữ cho việc dàn chữ")
HARFBUZZ_SUBSET = Library("libharfbuzz-subset.so.0", "libharfbuzz-subset0",
                          "embedding only the glyphs a document uses", "chỉ nhúng các ký tự tài liệu dùng",
                          required=False)
LIBRARIES = (PANGO, PANGOFT2, HARFBUZZ_SUBSET)


class MissingLibrary(RuntimeError):
    """A native library documents need cannot be loaded; the message names the package."""

    def __init__(self, library: Library, reason: str) -> None:
        super().__init__(f"cannot print documents: the system library {library.soname} ({library.purpose}) "
                         f"cannot be loaded ({reason}); install the Debian package {library.package} "
                         "(scripts/install-system-deps does)")
        self.library = library


def load_error(library: Library) -> str | None:
    """Why ``library`` cannot be loaded, or None when it loads."""
    try:
        ctypes.CDLL(library.soname)
    except OSError as exc:
        return str(exc)
    return None


def require(libraries: tuple[Library, ...] = LIBRARIES) -> None:
    """Raise :class:`MissingLibrary` for the first required library that does not load."""
    for library in libraries:
        if library.required and (reason := load_error(library)):
            raise MissingLibrary(library, reason)
