"""Static files under content-hashed names, cached by browsers for a year; and the favicon.

``asset("style.css")`` in a template gives ``/assets/style.3f9a1c2b5d.css``: the name carries the
hash of the file's bytes, computed once when the app starts, so a new release has new addresses
and a browser may keep every file forever without asking again (``immutable``). The files are
read into memory once (a few kB); an address whose hash is not the current one is a 404. There
is no other address for them (the app has no ``/static`` route).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, url_for

STATIC = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
FAVICON_CACHE = "public, max-age=86400"  # /favicon.ico keeps its name: a day, then asked again
TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}

bp = Blueprint("assets", __name__)


@dataclass(frozen=True)
class Asset:
    """One static file: its name in the source, its hashed name, its bytes and media type."""

    name: str
    hashed: str
    data: bytes
    mimetype: str


class Assets:
    """The pages' files of a folder (styles, scripts, SVG), read and hashed once: by source name and by
    hashed name; and the favicon.ico, read once."""

    def __init__(self, folder: Path) -> None:
        self.files: dict[str, Asset] = {}
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in TYPES:
                data = path.read_bytes()
                digest = hashlib.sha256(data).hexdigest()[:10]
                self.files[path.name] = Asset(path.name, f"{path.stem}.{digest}{path.suffix}", data, TYPES[path.suffix])
        self.hashed = {asset.hashed: asset for asset in self.files.values()}
        self.favicon = (folder / "favicon.ico").read_bytes()  # pages link the SVG; this is for /favicon.ico

    def fingerprint(self) -> str:
        """One hash of every hashed name: it changes when any file changes."""
        return hashlib.sha256("\n".join(sorted(self.hashed)).encode("ascii")).hexdigest()


def init_app(app: Flask) -> None:
    """Read and hash the static files; give templates ``asset(name)``; serve them and /favicon.ico."""
    app.extensions["assets"] = Assets(STATIC)
    app.jinja_env.globals["asset"] = url
    app.register_blueprint(bp)


def current() -> Assets:
    """The app's static files."""
    return current_app.extensions["assets"]


def url(name: str) -> str:
    """The address of the static file ``name`` in this release (a KeyError for a file that does not exist)."""
    return url_for("assets.file", filename=current().files[name].hashed)


@bp.get("/assets/<filename>")
def file(filename: str) -> Response:
    """A static file by its hashed name; any other name (an old release's hash) is a 404."""
    asset = current().hashed.get(filename) or abort(404)
    return Response(asset.data, mimetype=asset.mimetype, headers={"Cache-Control": IMMUTABLE})


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The icon browsers ask for at the root, whatever the page says."""
    return Response(current().favicon, mimetype="image/x-icon", headers={"Cache-Control": FAVICON_CACHE})
