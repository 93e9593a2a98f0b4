"""``cfc serve``: the web app (waitress, or gunicorn with ``--workers``)."""
from __future__ import annotations

import os

import click

from webapp.store import db as database

from .common import EXIT_CHECK_FAILED, EXIT_USAGE, db_option, fail, refused, say


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes: 1 serves with waitress; more use gunicorn (POSIX), e.g. one per CPU core.")
@db_option
def serve_command(host: str, port: int, threads: int, workers: int, db_path: str | None) -> None:
    """Serve the web app with the production WSGI server (waitress, or gunicorn with --workers > 1).

    Example: cfc serve --host 127.0.0.1 --port 8080 --workers 2
    """
    from webapp.web.app import create_app
    from webapp.web.server import serve

    if db_path:
        os.environ["CFC_DB"] = db_path
    app = create_app()
    database.connect(app.config["DATABASE"]).conn.close()  # create or upgrade before serving
    address, path = f"http://{host}:{port}/", app.config["DATABASE"]
    say(f"{address}  (database {path}, {workers} process(es) × {threads} threads)",
        f"{address}  (cơ sở dữ liệu {path}, {workers} tiến trình × {threads} luồng)")
    try:
        serve(app, host, port, threads, workers)
    except RuntimeError as exc:
        refused(exc, EXIT_CHECK_FAILED)
    except OSError as exc:  # the address is taken (another cfc serve?) or not this machine's
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_USAGE,
             vi=f"không mở được cổng {host}:{port} (có thể đang có chương trình khác dùng cổng này)")
