"""The production WSGI server behind ``cfc serve``: waitress in one process, or gunicorn with
several worker processes so that pages use every CPU core (one Python process uses one).

Gunicorn loads the app once in its master before forking (``preload_app``), so the instance
secret key is made once and every worker shares it; each worker keeps its own page cache
and, when it first renders a PDF, its own renderer pool (``CFC_RENDER_WORKERS`` each).
"""
from __future__ import annotations

import logging
import signal
import sys
from types import FrameType
from typing import Any, NoReturn

from flask import Flask

from certificates import pool

REQUEST_TIMEOUT = 300  # seconds: a round's certificates as one ZIP is the longest request


def _stop(signum: int, _frame: FrameType | None) -> NoReturn:
    """SIGTERM: leave waitress's loop as Ctrl-C does, so that the renderer pool is shut down."""
    raise SystemExit(128 + signum)


def serve(app: Flask, host: str, port: int, threads: int, workers: int = 1) -> None:
    """Serve ``app`` until stopped (SIGTERM or SIGINT); ``workers`` > 1 needs gunicorn (POSIX systems only).

    No renderer process outlives the server: each serving process shuts its pool down on the way out.
    """
    if workers == 1:
        import waitress

        # Queued requests are normal under load (they wait for one of the threads); say so once.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        # A request body up to the upload limit stays in memory: spooled to a temporary file (waitress's
        # default above 512 KB), a full disk would reset the connection instead of answering 503.
        # Worst case: connection_limit (100) x 12 MB = 1.2 GB. A body too large for the app still reaches
        # it (its page says so in the user's language) up to 4 x the limit; beyond, waitress refuses it.
        body = app.config["MAX_CONTENT_LENGTH"]
        signal.signal(signal.SIGTERM, _stop)
        try:
            waitress.serve(app, host=host, port=port, threads=threads, inbuf_overflow=body,
                           max_request_body_size=4 * body)
        finally:
            pool.shutdown_pools()
        return
    if sys.platform == "win32":
        raise RuntimeError("several worker processes need gunicorn, which does not run on Windows: use --workers 1")
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        """Gunicorn configured in code (no config file): threaded workers, app preloaded."""

        def load_config(self) -> None:
            settings: dict[str, Any] = {
                "bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
                "preload_app": True, "timeout": REQUEST_TIMEOUT, "graceful_timeout": 30, "keepalive": 5,
                "accesslog": None, "errorlog": "-", "loglevel": "warning",
                "worker_exit": lambda _arbiter, _worker: pool.shutdown_pools(),
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    Server().run()
