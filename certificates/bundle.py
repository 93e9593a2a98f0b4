"""A round's certificates as one ZIP: rendered in the worker processes, written as they come."""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from typing import IO, Any

import sqlite_utils

from scoring.cells import csv_row
from webapp.store import vietnamese
from webapp.store.units import get_unit

from . import contexts, pool


def certificates_zip(db: sqlite_utils.Database, documents: Iterable[dict[str, Any]], public_url: str,
                     target: IO[bytes], workers: int | None = None) -> int:
    """Write every certificate of ``documents`` (PDF each) and a list ``danh-sach.csv`` to ``target``.

    Entries are ``<year>/<issuer>/<serial>-<unit>.pdf``, dated with the decision's date, so the
    same certificates give the same archive. Returns the number of certificates.
    """
    names: list[tuple[str, tuple[int, int, int, int, int, int]]] = []
    jobs: list[tuple[str, dict[str, Any]]] = []
    listing = io.StringIO()
    writer = csv.writer(listing)
    writer.writerow(["so_quyet_dinh", "ngay_ky", "so_vao_so", "don_vi", "ma_xac_minh", "co_gia_tri_den", "tep"])
    for document in documents:
        issuer = vietnamese.slug(get_unit(db, document["issuer_unit_id"])["name"])
        signed = vietnamese.as_date(document["signed_on"])
        stamp = (signed.year, signed.month, signed.day, 0, 0, 0)
        for context in contexts.certificate_contexts(db, document["id"], public_url):
            unit = vietnamese.slug(context["unit"]["full_name"].split(",")[0])
            name = f"{document['year']}/{issuer}/{context['serial']}-{unit}.pdf"
            names.append((name, stamp))
            jobs.append(("certificate", context))
            writer.writerow(csv_row([document["number"], document["signed_on"], context["serial"],
                                     context["unit"]["full_name"], context["code"], document["valid_until"], name]))
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for (name, stamp), pdf in zip(names, pool.render_many(jobs, workers) if jobs else (), strict=True):
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), pdf, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("danh-sach.csv", date_time=names[0][1] if names else (1980, 1, 1, 0, 0, 0))
        archive.writestr(info, ("\ufeff" + listing.getvalue()).encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return len(jobs)
