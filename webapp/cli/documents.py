"""Document commands of ``cfc``: recognition decisions, certificates (ZIP) and evaluation reports.

    cfc decision ROUND --issuer UNIT [--number … --date … --valid-until … --signer-name …] [-o PDF]
    cfc certificates ROUND -o giay-cong-nhan.zip
    cfc report UNIT ROUND -o bao-cao.pdf
"""
from __future__ import annotations

import os
from pathlib import Path

import click

from webapp.store import units, vietnamese
from webapp.store.errors import NotFound
from webapp.store.rounds import get_round

from .common import EXIT_USAGE, actor_option, db_option, fail, open_db, refused, say

public_url_option = click.option(
    "--public-url", envvar="CFC_PUBLIC_URL", metavar="URL",
    help="Address of the web app the QR codes point to, e.g. https://treem.caobang.gov.vn "
         "(default: $CFC_PUBLIC_URL).")


def _write(output: str, data: bytes) -> None:
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)


@click.command("decision")
@click.argument("round_id", type=int)
@click.option("--issuer", required=True, metavar="UNIT",
              help="Unit id of the recognising authority (district before 1/7/2025, province after), "
                   "e.g. cao-bang-2022:huyen-thach-an.")
@click.option("--number", help="Decision number to record, e.g. 125/QĐ-UBND (issues the decision).")
@click.option("--date", "signed_on", help="Signing date, YYYY-MM-DD (with --number).")
@click.option("--valid-until", help="Last day the certificates are valid, YYYY-MM-DD (with --number).")
@click.option("--signer-title", default="CHỦ TỊCH", show_default=True,
              help='Signer\'s authority and position, lines separated by "/", e.g. "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH".')
@click.option("--signer-name", help="Signer's full name (with --number).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the decision(s) as PDF.")
@db_option
@actor_option
def decision_command(round_id: int, issuer: str, number: str | None, signed_on: str | None,
                     valid_until: str | None, signer_title: str, signer_name: str | None,
                     output: str | None, db_path: str | None, actor: str) -> None:
    """Issue the recognition decision of ROUND for ISSUER's jurisdiction, and/or print it.

    With --number (and --date, --valid-until, --signer-name) the decision is recorded for the
    recognised units no decision covers yet, each getting a certificate and a verification
    code. With -o the authority's decisions are written as one PDF (a draft, "DỰ THẢO",
    when none is issued yet).

    Example: cfc decision 1 --issuer cao-bang-2022:huyen-thach-an --number 125/QĐ-UBND
    --date 2024-12-16 --valid-until 2027-12-31 --signer-name "Nông Văn Hùng" -o qd-125.pdf
    """
    from certificates import contexts, records, render

    db = open_db(db_path)
    try:
        if number:
            missing = [n for n, v in (("--date", signed_on), ("--valid-until", valid_until),
                                      ("--signer-name", signer_name)) if not v]
            if missing:
                fail(f"issuing a decision also needs {', '.join(missing)}", EXIT_USAGE,
                     vi=f"ban hành quyết định cần thêm {', '.join(missing)}")
            doc_id = records.issue(db, round_id, issuer, number=number, signed_on=signed_on,
                                   valid_until=valid_until, signer_title=signer_title,
                                   signer_name=signer_name, actor=actor)
            document = records.get_document(db, doc_id)
            count = len(records.certificates_of(db, doc_id))
            say(f"decision {document['number']} of {document['signed_on']}: {count} certificates",
                f"Quyết định số {document['number']} ngày {vietnamese.short_date(document['signed_on'])}: "
                f"{count} giấy công nhận")
        if output:
            issued = records.documents(db, round_id, issuer)
            if issued:
                pdf = render.render_pdf("decision", [contexts.decision_context(db, d["id"]) for d in issued])
            else:
                records.check_issuer(db, get_round(db, round_id), issuer)
                if not records.pending(db, round_id, issuer):
                    fail(f"round {round_id}: no recognised unit under {issuer} waits for a decision", EXIT_USAGE,
                         vi=f"đợt đánh giá số {round_id}: không có đơn vị được công nhận nào thuộc "
                            f"{units.full_name(db, units.get_unit(db, issuer))} đang chờ quyết định")
                pdf = render.render_pdf("decision", contexts.draft_decision_context(db, round_id, issuer))
            _write(output, pdf)
            click.echo(output)
    except (records.DocumentError, NotFound) as exc:
        refused(exc, EXIT_USAGE)


@click.command("certificates")
@click.argument("round_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The ZIP file to write.")
@click.option("--issuer", metavar="UNIT", help="Only this authority's decisions (default: the whole round).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Rendering processes (default: $CFC_RENDER_WORKERS, else 2).")
@public_url_option
@db_option
def certificates_command(round_id: int, output: str, issuer: str | None, workers: int | None,
                         public_url: str | None, db_path: str | None) -> None:
    """Write every certificate of ROUND's issued decisions (one PDF each) into one ZIP.

    The certificates carry a QR code to PUBLIC_URL/verify/<code>; give the web app's public
    address with --public-url or $CFC_PUBLIC_URL.

    Example: CFC_PUBLIC_URL=https://treem.caobang.gov.vn cfc certificates 1 -o giay-cong-nhan-2024.zip
    """
    from certificates import bundle, contexts, records

    try:
        public_url = contexts.public_address(public_url)
    except contexts.PublicUrlError as exc:
        refused(exc, EXIT_USAGE)
    db = open_db(db_path)
    try:
        get_round(db, round_id)
    except NotFound as exc:
        refused(exc, EXIT_USAGE)
    issued = records.documents(db, round_id, issuer)
    if not issued:
        fail(f"round {round_id}: no decision issued yet (cfc decision {round_id} --issuer UNIT --number …)",
             EXIT_USAGE, vi=f"đợt đánh giá số {round_id} chưa có quyết định nào được ban hành "
                            f"(xem «cfc decision --help»)")
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    try:
        with tmp.open("wb") as f:
            count = bundle.certificates_zip(db, issued, public_url, f, workers)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    say(f"{output}: {count} certificates from {len(issued)} decision(s)",
        f"{output}: {count} giấy công nhận của {len(issued)} quyết định")


@click.command("report")
@click.argument("unit")
@click.argument("round_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The PDF file to write.")
@db_option
def report_command(unit: str, round_id: int, output: str, db_path: str | None) -> None:
    """Write the evaluation report of UNIT in ROUND as PDF.

    UNIT is a unit id (cao-bang-2022:01789) or its code in the round's unit set (01789).

    Example: cfc report 01789 1 -o bao-cao-duc-long-2024.pdf
    """
    from certificates import contexts, render
    from webapp.store import workflow

    db = open_db(db_path)
    try:
        round_row = get_round(db, round_id)
        unit_id = unit if ":" in unit else f"{round_row['unit_set']}:{unit}"
        row = workflow.find(db, round_id, unit_id)
    except NotFound as exc:
        refused(exc, EXIT_USAGE)
    _write(output, render.render_pdf("report", contexts.report_context(db, workflow.load(db, row["id"]))))
    click.echo(output)
