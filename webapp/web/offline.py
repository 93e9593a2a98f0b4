"""The service worker (``/sw.js``) and the page it shows when there is no network (``/offline``).

The worker keeps this release's assets and the offline page, and a copy of each checklist the
user opened, so that a reload without network shows the last checklist instead of the browser's
error page (the details are in ``templates/offline/sw.js``). It is served from the root, so its
scope is the whole site, and never cached by the HTTP cache (``no-cache``: browsers check it for
updates). Its cache names carry the release: a hash of the asset hashes and of the worker's and
the offline page's templates (with the layout), so that a new release replaces the old one's caches.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, Response, current_app, g, render_template, url_for

from . import assets

bp = Blueprint("offline", __name__)
WORKER = "offline/sw.js"
PAGE = "offline/page.html"


def init_app(app: Flask) -> None:
    """Serve the worker and the offline page; compute the release once."""
    source = "".join(app.jinja_env.loader.get_source(app.jinja_env, name)[0] for name in (WORKER, PAGE, "base.html"))
    fingerprint = app.extensions["assets"].fingerprint() + hashlib.sha256(source.encode("utf-8")).hexdigest()
    app.extensions["offline_release"] = hashlib.sha256(fingerprint.encode("ascii")).hexdigest()[:12]
    app.register_blueprint(bp)


@bp.get("/sw.js")
def worker() -> Response:
    """The service worker, with this release's id and the addresses it precaches."""
    script = render_template(WORKER, release=current_app.extensions["offline_release"],
                             precache=[assets.url(name) for name in assets.current().files],
                             offline=url_for("offline.page"), ends_user=[url_for("auth.login"), url_for("auth.logout")])
    return Response(script, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


@bp.get("/offline")
def page() -> str:
    """The page shown instead of the browser's error when a page cannot be reached: the same for everyone
    (it is kept by the service worker), so rendered as for no one: no name, no menu, no form."""
    g.user = None
    return render_template(PAGE)
