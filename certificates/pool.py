"""Rendering in long-lived worker processes: a ``ProcessPoolExecutor`` of 2 workers by default.

Each worker builds its :class:`~certificates.render.Renderer` once (at start, with one page
laid out to warm it) and keeps it between jobs. This module does not import WeasyPrint: the
web server and the command line hand contexts (plain data) to the workers and get PDF bytes
back, so WeasyPrint never runs in the server's threads.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from . import native

DEFAULT_WORKERS = 2
MAX_TASKS_PER_WORKER = 2000  # renew a worker now and then: bounded memory in a server
PARENT_CHECK_SECONDS = 1.0  # how soon a worker notices that its parent was killed

_POOLS: dict[int, ProcessPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _exit_with_parent(parent: int) -> None:
    """End this worker once the process that started it has gone, even killed with SIGKILL."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _warm() -> None:
    """Worker start: watch the parent, build the renderer and lay out one page, so the first job is warm."""
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    from .render import render_pdf

    render_pdf("floor", {"text": "Khởi động", "lang": "vi"})


def _job(job: tuple[str, Any]) -> bytes:
    from .render import render_pdf

    return render_pdf(*job)


def worker_count() -> int:
    """``$CFC_RENDER_WORKERS`` or 2 (the two cores of the reference machine)."""
    try:
        return max(1, int(os.environ.get("CFC_RENDER_WORKERS", DEFAULT_WORKERS)))
    except ValueError:
        return DEFAULT_WORKERS


def pool(workers: int | None = None) -> ProcessPoolExecutor:
    """The process pool with ``workers`` processes (started once, then reused).

    A missing native library is raised here, as :class:`~certificates.native.MissingLibrary`,
    rather than as a broken pool after a worker failed to start.
    """
    workers = workers or worker_count()
    with _POOLS_LOCK:
        executor = _POOLS.get(workers)
        if executor is None:
            native.require()
            # spawn: a clean interpreter per worker, safe from a threaded web server
            executor = _POOLS[workers] = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm, max_tasks_per_child=MAX_TASKS_PER_WORKER)
        return executor


def shutdown_pools() -> None:
    """Stop the worker processes (they are started again when next needed)."""
    with _POOLS_LOCK:
        executors = list(_POOLS.values())
        _POOLS.clear()
    for executor in executors:
        executor.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pools)


def render_many(jobs: Iterable[tuple[str, Any]], workers: int | None = None, chunksize: int = 4) -> Iterator[bytes]:
    """Render ``(kind, context)`` jobs in the worker processes; PDFs in the jobs' order."""
    return pool(workers).map(_job, jobs, chunksize=chunksize)


def render_pooled(kind: str, context: Any, timeout: float = 300) -> bytes:
    """Render one document (or a list of contexts: one PDF) in a worker process."""
    return pool().submit(_job, (kind, context)).result(timeout=timeout)
